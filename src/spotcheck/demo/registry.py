"""Demo registries: the five seed agencies, a few thousand targets, inspectors, conflicts, items.

Deterministic (a fixed-seed generator), so every `make run` shows the same agency. This is demo
data, never a draw: the draw uses SSJ-DRAW-1 only.
"""

from __future__ import annotations

import datetime as dt
import random
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.service import SYSTEM
from spotcheck.catalog import service as catalog_service
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department, DepartmentLevel
from spotcheck.inspectors import service as inspectors_service
from spotcheck.inspectors.models import Inspector
from spotcheck.tabular.codes import make_resident_id, make_uscc
from spotcheck.targets import bulk as targets_bulk

# The four other seed agencies (淄博市工业和信息化局 is in data.DEPARTMENTS).
AGENCIES = [
    ("140000-DAJ", "山西省档案局", DepartmentLevel.PROVINCE, None, "档案", "140000"),
    ("140000-DAJ-FG", "政策法规处", DepartmentLevel.SECTION, "140000-DAJ", "档案", "140000"),
    ("140000-DAJ-JD", "监督指导处", DepartmentLevel.SECTION, "140000-DAJ", "档案", "140000"),
    ("140900-SCJ", "忻州市市场监督管理局", DepartmentLevel.CITY, None, "市场监管", "140900"),
    ("140900-GXJ", "忻州市工业和信息化局", DepartmentLevel.CITY, None, "工业和信息化", "140900"),
    (
        "370400-GXQ-SW",
        "枣庄高新区社会事务综合服务中心",
        DepartmentLevel.COUNTY,
        None,
        "社会事务",
        "370402",
    ),
    ("341500-DAJ", "六安市档案局", DepartmentLevel.CITY, None, "档案", "341500"),
    ("341500-DAJ-FZ", "法制信息科", DepartmentLevel.SECTION, "341500-DAJ", "档案", "341500"),
]

# (department code, item code, name, list type, kind, ratio bp, domains, methods, target type, basis)
ITEMS: list[tuple[str, str, str, str, str, int, tuple[str, ...], tuple[str, ...], str, str]] = [
    (
        "140000-DAJ",
        "SX-DA-001",
        "档案服务企业从事档案服务业务情况检查",
        "部门联合",
        "一般",
        500,
        ("其他",),
        ("书面检查", "实地核查"),
        "档案服务企业",
        "《中华人民共和国档案法》第二十四条；000 第五条",
    ),
    (
        "140000-DAJ",
        "SX-DA-002",
        "档案服务企业档案安全保管情况检查",
        "部门联合",
        "重点",
        2000,
        ("安全生产",),
        ("实地核查",),
        "档案服务企业",
        "《中华人民共和国档案法》第十九条",
    ),
    (
        "140900-SCJ",
        "XZ-LH-001",
        "企业公示信息情况检查",
        "部门联合",
        "一般",
        300,
        ("公共利益",),
        ("书面检查", "网络检查"),
        "企业",
        "《企业信息公示暂行条例》第十四条；001 第九条",
    ),
    (
        "140900-SCJ",
        "XZ-LH-002",
        "工业产品生产许可证获证企业监督检查",
        "部门联合",
        "重点",
        1000,
        ("质量",),
        ("实地核查", "检验检测"),
        "企业",
        "《工业产品生产许可证管理条例》第三十八条",
    ),
    (
        "140900-GXJ",
        "XZ-GX-001",
        "重点用能单位节能监察",
        "本部门",
        "重点",
        2000,
        ("环保",),
        ("书面检查", "实地核查"),
        "企业",
        "《中华人民共和国节约能源法》第十二条",
    ),
    (
        "370300-GXJ-JNZY",
        "ZB-GX-001",
        "工业节能监察",
        "本部门",
        "一般",
        500,
        ("环保",),
        ("书面检查", "实地核查"),
        "企业",
        "《工业节能管理办法》第三十七条；002 第五条",
    ),
    (
        "370300-GXJ-AQSC",
        "ZB-GX-002",
        "民用爆炸物品生产、销售企业安全生产监督检查",
        "本部门",
        "重点",
        10000,
        ("安全生产",),
        ("实地核查",),
        "企业",
        "《民用爆炸物品安全管理条例》第七条",
    ),
    (
        "370300-GXJ-AQSC",
        "ZB-GX-003",
        "监控化学品生产、经营、使用单位监督检查",
        "本部门",
        "重点",
        5000,
        ("安全生产",),
        ("实地核查", "书面检查"),
        "企业",
        "《监控化学品管理条例》第九条",
    ),
    (
        "370300-GXJ-YXJC",
        "ZB-GX-004",
        "无线电发射设备销售备案情况检查",
        "本部门",
        "一般",
        300,
        ("其他",),
        ("书面检查", "网络检查"),
        "个体工商户",
        "《中华人民共和国无线电管理条例》第四十五条",
    ),
    (
        "370400-GXQ-SW",
        "ZZ-SW-001",
        "人力资源服务机构经营行为检查",
        "本部门",
        "一般",
        500,
        ("公共利益",),
        ("书面检查", "实地核查"),
        "企业",
        "《人力资源市场暂行条例》第三十七条；003 第九条",
    ),
    (
        "370400-GXQ-SW",
        "ZZ-SW-002",
        "民办学校办学行为检查",
        "本部门",
        "一般",
        500,
        ("公共利益",),
        ("实地核查",),
        "其他组织",
        "《中华人民共和国民办教育促进法》第四十一条",
    ),
    (
        "341500-DAJ",
        "LA-DA-001",
        "档案执法监督检查",
        "本部门",
        "一般",
        2000,
        ("其他",),
        ("实地核查", "书面检查"),
        "立档单位",
        "《中华人民共和国档案法》第四十二条；004 二（一）",
    ),
]

ZIBO_REGIONS = ["370302", "370303", "370304", "370305", "370306", "370321", "370322", "370323"]
PLACES = ["淄博", "张店", "临淄", "博山", "周村", "淄川", "桓台", "高青", "沂源", "齐鲁", "鲁中"]
WORDS = [
    "华信",
    "鲁泰",
    "金岭",
    "宏达",
    "齐盛",
    "永利",
    "东岳",
    "恒通",
    "新华",
    "瑞丰",
    "天元",
    "海力",
    "双凤",
    "润达",
    "博远",
    "德昌",
    "联创",
    "中成",
    "正大",
    "福林",
]
TRADES = [
    ("化工", "C26"),
    ("钢铁", "C31"),
    ("陶瓷", "C30"),
    ("机械", "C34"),
    ("医药", "C27"),
    ("纺织", "C17"),
    ("电子", "C39"),
    ("新材料", "C29"),
    ("食品", "C14"),
    ("建材", "C30"),
]
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗"
GIVEN = [
    "伟",
    "芳",
    "娜",
    "敏",
    "静",
    "强",
    "磊",
    "军",
    "洋",
    "勇",
    "艳",
    "杰",
    "涛",
    "明",
    "超",
    "霞",
    "平",
    "刚",
]


def _person(rng: random.Random) -> str:
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    )


def _targets(
    rng: random.Random, count: int, regions: list[str], offset: int
) -> list[dict[str, Any]]:
    rows = []
    for n in range(count):
        region = rng.choice(regions)
        trade, industry = rng.choice(TRADES)
        individual = rng.random() < 0.08
        name = f"{rng.choice(PLACES)}{rng.choice(WORDS)}{trade}" + (
            "经营部" if individual else rng.choice(FORMS)
        )
        status = rng.choices(["存续", "注销", "吊销", "撤销", "清算", "迁出"], [90, 4, 2, 1, 2, 1])[
            0
        ]
        rows.append(
            {
                "key": make_uscc(
                    offset + n, authority="9", category="2" if individual else "1", region=region
                ),
                "name": f"{name}（{n + 1}）" if n % 7 == 0 else name,
                "target_type": "个体工商户" if individual else "企业",
                "address": f"{rng.choice(PLACES)}路{rng.randint(1, 300)}号",
                "region_code": region,
                "industry_code": industry,
                "legal_rep": _person(rng),
                "phone": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                "business_scope": f"{trade}产品的生产、销售；{rng.choice(['技术开发', '进出口业务', '仓储服务', '设备维修'])}",
                "status": status,
                "risk_class": rng.choices("ABCD", [30, 50, 15, 5])[0],
                "abnormal": rng.random() < 0.05,
                "dishonest": rng.random() < 0.01,
                "complaints": rng.choices([0, 1, 2, 5], [85, 10, 4, 1])[0],
                "tags": ["危险化学品"]
                if trade == "化工" and rng.random() < 0.5
                else ["重点用能单位"]
                if trade in ("钢铁", "陶瓷", "建材") and rng.random() < 0.4
                else [],
                "jurisdiction_level": rng.choices(["市级", "县级"], [30, 70])[0],
                "id_number": make_resident_id(
                    n, region=region, born=dt.date(1970 + n % 30, 1 + n % 12, 1)
                )
                if individual
                else "",
            }
        )
    return rows


def _archive_units(rng: random.Random, count: int) -> list[dict[str, Any]]:
    kinds = [
        "市人民医院",
        "市第一中学",
        "市财政局",
        "市自然资源和规划局",
        "市城市投资集团有限公司",
        "市人力资源和社会保障局",
        "市交通运输局",
        "市卫生健康委员会",
        "市水利局",
        "市住房公积金管理中心",
    ]
    return [
        {
            "key": make_uscc(
                900000 + n, authority="1" if n % 3 else "5", category="1", region="341502"
            ),
            "name": f"六安{kinds[n % len(kinds)]}"
            + (f"（{n // len(kinds) + 1}）" if n >= len(kinds) else ""),
            "target_type": "其他组织",
            "region_code": rng.choice(["341502", "341503", "341504", "341522"]),
            "status": "存续",
            "jurisdiction_level": "市级",
            "tags": ["立档单位"],
        }
        for n in range(count)
    ]


RANK_SHARE = [("副处级", 3), ("正科级", 5), ("副科级", 5), ("科员", 6)]


def _inspectors(
    rng: random.Random, department: Department, count: int, start: int
) -> list[dict[str, Any]]:
    rows = []
    today = dt.date(2026, 11, 1)
    for n in range(count):
        rank = rng.choices([r for r, _ in RANK_SHARE], [w for _, w in RANK_SHARE])[0]
        certified = n % 9 != 8
        valid_until = today + dt.timedelta(days=rng.randint(-60, 1400))
        rows.append(
            {
                "name": _person(rng),
                "gender": rng.choice("男女"),
                "post": "科员"
                if rank == "科员"
                else rng.choice(["科长", "副科长", "主任科员", "调研员"]),
                "rank": rank,
                "category": "行政执法类公务员" if certified else "日常监管人员",
                "cert_no": f"{department.region_code[:2]}{start + n:08d}" if certified else "",
                "cert_issuer": (
                    "山西省人民政府"
                    if department.region_code.startswith("14")
                    else "安徽省人民政府"
                    if department.region_code.startswith("34")
                    else "山东省人民政府"
                )
                if certified
                else "",
                "cert_valid_until": valid_until if certified else None,
                "enforcement_post": rng.choice(["行政检查", "行政处罚", "监督检查"]),
                "expertise": rng.sample(
                    ["安全生产", "节能", "档案管理", "化工", "质量", "法律"], 2
                ),
                "phone": f"15{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                "status": rng.choices(["在岗", "借调", "病休"], [90, 6, 4])[0],
            }
        )
    for _ in range(2):  # experts of the 专家库 (auxiliary members)
        rows.append(
            {
                "name": _person(rng),
                "gender": rng.choice("男女"),
                "category": "专家",
                "expertise": [rng.choice(["档案管理", "化工", "节能", "信息化"])],
                "phone": f"18{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                "status": "在岗",
                "post": "高级工程师",
            }
        )
    return rows


def load(session: Session) -> dict[str, int]:
    """Fill the agencies' registries, inspector registries and item lists (drafts)."""
    rng = random.Random(20261124)  # the agencies (AGENCIES) exist already: data.load made them
    get = departments_service.get_by_code
    plan = [
        ("370300-GXJ", _targets(rng, 2400, ZIBO_REGIONS, 100000)),
        ("370303-GXJ", _targets(rng, 300, ["370303"], 200000)),
        ("140900-SCJ", _targets(rng, 400, ["140902", "140921", "140981"], 300000)),
        ("140000-DAJ", _targets(rng, 120, ["140105", "140106", "140107"], 400000)),
        ("370400-GXQ-SW", _targets(rng, 200, ["370402"], 500000)),
        ("341500-DAJ", _archive_units(rng, 150)),
    ]
    counts = {"targets": 0, "inspectors": 0, "items": 0}
    for code, records in plan:
        department = get(session, code)
        assert department is not None
        outcome = targets_bulk.apply_import(
            session, SYSTEM, department, records, filename="演示数据", sha256="demo"
        )
        counts["targets"] += outcome.created
    start = 1
    for code, size in [
        ("370300-GXJ-JNZY", 14),
        ("370300-GXJ-AQSC", 12),
        ("370300-GXJ-YXJC", 10),
        ("370303-GXJ", 8),
        ("140000-DAJ-JD", 12),
        ("140900-SCJ", 14),
        ("140900-GXJ", 8),
        ("370400-GXQ-SW", 10),
        ("341500-DAJ", 12),
    ]:
        department = get(session, code)
        assert department is not None
        for record in _inspectors(rng, department, size, start):
            inspectors_service.upsert(
                session, SYSTEM, department, record, "演示数据", [department.id]
            )
            counts["inspectors"] += 1
        start += size
    # A few declared conflicts of interest (回避): relatives working at targets of the registry.
    zibo_targets = plan[0][1]
    reasons = [
        "配偶在该企业任职",
        "近亲属为该企业股东",
        "曾在该企业任职未满三年",
        "与法定代表人系同学关系",
    ]
    query = (
        select(Inspector)
        .join(Department, Inspector.department_id == Department.id)
        .where(Department.code.in_(["370300-GXJ-JNZY", "370300-GXJ-AQSC"]), Inspector.cert_no != "")
        .order_by(Inspector.key)
        .limit(4)
    )
    for n, inspector in enumerate(session.execute(query).scalars()):
        inspectors_service.declare_conflict(
            session, SYSTEM, inspector, zibo_targets[n * 37]["key"], reasons[n % len(reasons)]
        )
    for (
        code,
        item_code,
        name,
        list_type,
        kind,
        ratio,
        domains,
        methods,
        target_type,
        basis,
    ) in ITEMS:
        department = get(session, code)
        assert department is not None
        catalog_service.save(
            session,
            SYSTEM,
            department,
            item_code,
            {
                "name": name,
                "list_type": list_type,
                "kind": kind,
                "ratio_bp": ratio,
                "domains": domains,
                "methods": methods,
                "target_type": target_type,
                "legal_basis": basis,
                "content": f"{name}：按抽查工作指引逐项检查。",
                "frequency": "每年1次",
                "implementer": department.name,
                "guideline": "1. 出示执法证件，告知检查事项；\n2. 查阅相关制度、台账和记录；\n3. 实地查看现场；\n4. 制作检查记录，由检查对象签字确认。",
            },
        )
        counts["items"] += 1
    return counts
