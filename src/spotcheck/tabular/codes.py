"""Identifier and code checks; each ``check_…`` returns a Chinese reason, or None when valid.

- 统一社会信用代码 (GB 32100-2015): 18 characters of ``0123456789ABCDEFGHJKLMNPQRTUWXY``;
  character 1 is the registration authority (登记管理部门码), character 2 the institution
  category (机构类别码) valid for that authority, characters 3–8 six digits (the registering
  authority's GB/T 2260 code: checked for form only, because a code keeps the region it was
  issued in even after that region is abolished, and 100000 is the national level),
  characters 9–17 the subject identifier, character 18 the check character. Codes that
  start with a letter (A, G, J, N, Q, Y …) are valid; python-stdnum's ``cn.uscc`` rejects
  them, so the check here is our own. The authority table is the standard's table 1 plus the
  authorities assigned since (外交, 司法行政, 文化, 旅游, 宗教, 工会, 中央军委改革和编制办公室,
  公安, 住房城乡建设, 农业农村, 侨联); a code from an authority added later still needs a row.
- 身份证号 (GB 11643-1999): 17 digits and an ISO 7064 MOD 11-2 check character (0–9 or X), a
  real birth date between 1900-01-01 and today, and an address code known to GB/T 2260.
  Abolished address codes are accepted here: a number keeps the code it was issued with.
- 行政区划代码 (GB/T 2260): see :mod:`spotcheck.tabular.regions`.
- 行业代码 (GB/T 4754-2017): see :mod:`spotcheck.tabular.industry` (division level only).
- 联系电话: a mobile number 1[3-9]XXXXXXXXX, or a landline with its area code
  (0XX-XXXXXXXX, hyphen optional, optional extension -NNNN); digits and hyphens only.
"""

from __future__ import annotations

import datetime as dt
import re
from operator import mul

from spotcheck import clock
from spotcheck.tabular.industry import check_industry, industry_name
from spotcheck.tabular.regions import check_region, is_known_region, region_name

__all__ = [
    "USCC_AUTHORITIES",
    "check_certificate_no",
    "check_industry",
    "check_phone",
    "check_region",
    "check_registry_code",
    "check_resident_id",
    "check_uscc",
    "industry_name",
    "make_resident_id",
    "make_uscc",
    "region_name",
    "uscc_category",
]

USCC_CHARSET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_USCC_VALUE = {c: i for i, c in enumerate(USCC_CHARSET)}
_USCC_WEIGHTS = (1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28)
_USCC_FORM = re.compile(r"^[0-9A-HJ-NP-RTUWXY]{2}\d{6}[0-9A-HJ-NP-RTUWXY]{10}$")

# 登记管理部门码 -> (部门, {机构类别码: 机构类别})
USCC_AUTHORITIES: dict[str, tuple[str, dict[str, str]]] = {
    "1": (
        "机构编制",
        {"1": "机关", "2": "事业单位", "3": "中央编办直接管理机构编制的群众团体", "9": "其他"},
    ),
    "2": ("外交", {"1": "外国常驻新闻机构", "9": "其他"}),
    "3": (
        "司法行政",
        {
            "1": "律师执业机构",
            "2": "公证处",
            "3": "基层法律服务所",
            "4": "司法鉴定机构",
            "5": "仲裁委员会",
            "6": "商事调解组织",
            "9": "其他",
        },
    ),
    "4": ("文化", {"1": "外国在华文化中心", "9": "其他"}),
    "5": (
        "民政",
        {
            "1": "社会团体",
            "2": "民办非企业单位",
            "3": "基金会",
            "4": "村民委员会",
            "5": "居民委员会",
            "9": "其他",
        },
    ),
    "6": (
        "旅游",
        {
            "1": "外国政府旅游部门常驻代表机构",
            "2": "港澳台地区旅游部门常驻内地代表机构",
            "9": "其他",
        },
    ),
    "7": ("宗教", {"1": "宗教活动场所", "2": "宗教院校", "9": "其他"}),
    "8": ("工会", {"1": "基层工会", "2": "非法人工会组织", "9": "其他"}),
    "9": ("市场监管（工商）", {"1": "企业", "2": "个体工商户", "3": "农民专业合作社"}),
    "A": ("中央军委改革和编制办公室", {"1": "军队事业单位", "9": "其他"}),
    "G": ("公安", {"1": "境外非政府组织代表机构", "9": "其他"}),
    "J": ("住房城乡建设", {"1": "业主大会", "9": "其他"}),
    "N": (
        "农业农村",
        {"1": "组级集体经济组织", "2": "村级集体经济组织", "3": "乡镇级集体经济组织", "9": "其他"},
    ),
    "Q": ("侨联", {"1": "区县级侨联组织", "2": "乡镇级侨联组织", "3": "村级侨联组织", "9": "其他"}),
    "Y": ("其他", {"1": "其他"}),
}


def _uscc_check_char(body: str) -> str:
    total = sum(map(mul, map(_USCC_VALUE.__getitem__, body), _USCC_WEIGHTS))
    return USCC_CHARSET[(31 - total % 31) % 31]


def check_uscc(code: str) -> str | None:
    """Why ``code`` is not a valid 统一社会信用代码 (GB 32100-2015); None when it is."""
    if not _USCC_FORM.match(code):
        return _uscc_form_reason(code)
    authority = USCC_AUTHORITIES.get(code[0])
    if authority is None:
        return f"第 1 位登记管理部门码“{code[0]}”不存在（GB 32100-2015）"
    if code[1] not in authority[1]:
        return f"第 2 位机构类别码“{code[1]}”不属于登记管理部门“{authority[0]}”"
    expected = _uscc_check_char(code[:17])
    if code[17] != expected:
        return f"校验位错误，应为 {expected}"
    return None


def _uscc_form_reason(code: str) -> str:
    if len(code) != 18:
        return f"统一社会信用代码应为 18 位（现为 {len(code)} 位）"
    for i, c in enumerate(code, start=1):
        if c not in _USCC_VALUE:
            hint = "，请改为大写" if c.upper() in _USCC_VALUE else "（不使用 I、O、Z、S、V）"
            return f"第 {i} 位字符“{c}”不允许{hint}"
    return "第 3–8 位应为登记管理机关的 6 位行政区划码（数字）"


def uscc_category(code: str) -> tuple[str, str] | None:
    """(登记管理部门, 机构类别) of a valid code, e.g. ("市场监管（工商）", "企业")."""
    if check_uscc(code) is not None:
        return None
    authority, categories = USCC_AUTHORITIES[code[0]]
    return authority, categories[code[1]]


def _org_check_char(body: str) -> str:
    # GB 11714-1997 organisation code check character (positions 9–17 of a USCC).
    values = [int(c, 36) for c in body]
    c = 11 - sum(v * w for v, w in zip(values, (3, 7, 9, 10, 5, 8, 4, 2), strict=True)) % 11
    return "X" if c == 10 else "0" if c == 11 else str(c)


def make_uscc(
    seq: int, *, authority: str = "9", category: str = "1", region: str = "370303"
) -> str:
    """A valid, deterministic code for demo data and benchmarks (distinct for seq < 10**8).

    ``authority`` and ``category`` may be letters (e.g. ``authority="N", category="2"``).
    """
    if category not in USCC_AUTHORITIES.get(authority, ("", {}))[1]:
        raise ValueError(f"unknown USCC authority/category {authority!r}/{category!r}")
    if not re.fullmatch(r"\d{6}", region):
        raise ValueError(f"region must be six digits, not {region!r}")
    org = f"{seq % 10**8:08d}"
    body = authority + category + region + org + _org_check_char(org)
    return body + _uscc_check_char(body)


_ID_FORM = re.compile(r"^\d{17}[\dX]$")
_ID_WEIGHTS = tuple(2 ** (17 - i) % 11 for i in range(17))
_ID_EARLIEST = dt.date(1900, 1, 1)


def _id_check_char(body: str) -> str:
    total = sum(map(mul, map(int, body), _ID_WEIGHTS))
    return "0123456789X"[(12 - total % 11) % 11]


def check_resident_id(number: str) -> str | None:
    """Why ``number`` is not a valid 18-digit 身份证号 (GB 11643-1999); None when it is."""
    if not _ID_FORM.match(number):
        if len(number) != 18:
            return f"身份证号应为 18 位（现为 {len(number)} 位）"
        return "身份证号前 17 位应为数字，最后一位为数字或 X"
    if not is_known_region(number[:6]):
        return f"前 6 位地址码“{number[:6]}”不是有效的行政区划代码"
    try:
        birth = dt.date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        return f"出生日期“{number[6:14]}”不存在"
    if not _ID_EARLIEST <= birth <= clock.today():
        return f"出生日期“{number[6:14]}”不合理"
    expected = _id_check_char(number[:17])
    if number[17] != expected:
        return f"校验位错误，应为 {expected}"
    return None


def make_resident_id(
    seq: int, *, region: str = "370303", born: dt.date = dt.date(1985, 1, 1), female: bool = False
) -> str:
    """A valid, deterministic 身份证号 for tests and demo data (one birth day per 500 seqs)."""
    birth = born + dt.timedelta(days=seq // 500)
    order = (seq % 500) * 2 + (0 if female else 1)  # odd sequence code = male
    body = f"{region}{birth:%Y%m%d}{order:03d}"
    return body + _id_check_char(body)


_MOBILE = re.compile(r"^1[3-9]\d{9}$")
_LANDLINE = re.compile(r"^0\d{2,3}-?\d{7,8}(?:-\d{1,6})?$")


def check_phone(phone: str) -> str | None:
    """Why ``phone`` is not a mobile or area-coded landline number; None when it is."""
    if _MOBILE.match(phone) or _LANDLINE.match(phone):
        return None
    if phone.startswith("1") and phone.isdigit():
        return "手机号码应为 11 位，以 13–19 开头"
    return "联系电话应为 11 位手机号码，或带区号的固定电话（如 0533-1234567），只能含数字和“-”"


_REGISTRY_CODE = re.compile(r"^[A-Za-z0-9_-]{1,40}$")
_CERTIFICATE = re.compile(r"^[0-9A-Za-z\u4e00-\u9fff()（）_-]{1,40}$")


def check_registry_code(code: str) -> str | None:
    """Why ``code`` is not a registry code (1–40 letters, digits, - or _); None when it is."""
    if _REGISTRY_CODE.match(code):
        return None
    return "编码只能由 1–40 位字母、数字、“-”或“_”组成"


def check_certificate_no(number: str) -> str | None:
    """Why ``number`` is not a plausible 执法证号 (1–40 letters, digits, 汉字, - _ 括号)."""
    if _CERTIFICATE.match(number):
        return None
    return "执法证号只能由 1–40 位字母、数字、汉字、括号、“-”或“_”组成，不能含空格"
