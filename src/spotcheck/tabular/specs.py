"""The import/export layouts of 一单两库 (issue 3) and of past checks (issue 5), in template order.

Decisions (where issue 3 leaves room):

Targets (检查对象名录, ``TARGETS``)
- 统一社会信用代码 is the key, upper-cased. For 企业 / 农民专业合作社 / 个体工商户 it must be a
  valid 统一社会信用代码 (GB 32100-2015). For 其他组织 / 产品 / 项目 / 行为 either a credit code
  or a registry code of 1–40 letters, digits, "-" or "_" is accepted (an 18-character registry
  code is not held to the credit-code check, since the two cannot be told apart).
- Optional columns may follow the fifteen: 管辖层级 (省级 / 市级 / 县级 / 乡镇级, 003 第十二条)
  and 身份证号 (the operator of a 个体工商户, GB 11643; any other type with an ID is an error,
  to avoid storing personal data that is not needed). No other extra column is accepted.
- A third optional column, 登记编号, gives a new target its registry code (else the platform makes
  one: targets.registry_codes); it can never change. A resident ID number in the key column of
  an 其他组织 / 产品 / 项目 / 行为 row (a natural person) is not kept as the key: the target is keyed
  by its 登记编号 and the number goes to 身份证号, so that it never enters a draw.
- 登记状态 aliases: 在营 / 开业 / 在册 → 存续. 信用风险等级 accepts a–d as A–D.

Inspectors (执法检查人员名录, ``INSPECTORS``)
- 执法证号 is the key. It is required when 人员类别 is 行政执法类公务员 or 具有执法资格的工作人员;
  日常监管人员, 专家 and 专业机构 may leave it empty, and their records carry ``certificate_no = ""``:
  the caller assigns their key. 证件有效期至 without 执法证号 is an error.
- 职级 is the post rank; 004 groups ranks as 副处级 / 正科级 / 副科级及以下 (``RANK_GROUPS_004``).
- 登录账号 (optional, last) links the entry to a login account (inspectors.links); an empty cell
  leaves an existing link as it is (only the form unlinks).

Check items (随机抽查事项清单, ``ITEMS``)
- 事项编码 (key) and 事项名称 are required. 抽查对象类型 lists target types (the seven of the
  target registry) so that a task can match items to targets; free descriptions go in 抽查内容.
- 检查方式 and 领域 are tags from fixed lists. 抽查比例 is a percentage (``5%``) or a fraction
  in (0, 1] (``0.05``) and is stored as integer basis points (500 = 5%), never a float; it may
  be empty (重点 items have no cap). 抽查频次 is free text (每年1次).
- 检查要点 (the 抽查工作指引, replacing the old free-text 工作指引 column) holds every check point of
  the item in one cell, one point per line: ``要点｜法律依据｜检查方法｜材料`` (the last two may be
  left out); see :mod:`spotcheck.catalog.points`. Chosen over a second sheet because CSV has no
  sheets and an officer edits an item's points next to the item.

Past checks (检查记录, ``HISTORY``): see :mod:`spotcheck.tabular.history_spec`.
"""

from __future__ import annotations

from spotcheck.catalog import points
from spotcheck.tabular.codes import (
    check_certificate_no,
    check_industry,
    check_phone,
    check_region,
    check_registry_code,
    check_resident_id,
    check_uscc,
    make_uscc,
)
from spotcheck.tabular.schema import Column, Record, Spec

TARGET_TYPES = ("企业", "农民专业合作社", "个体工商户", "其他组织", "产品", "项目", "行为")
MARKET_ENTITY_TYPES = frozenset(TARGET_TYPES[:3])
TARGET_STATUSES = ("存续", "注销", "吊销", "撤销", "清算", "迁出")
RISK_CLASSES = ("A", "B", "C", "D")
JURISDICTION_LEVELS = ("省级", "市级", "县级", "乡镇级")

INSPECTOR_CATEGORIES = (
    "行政执法类公务员",
    "具有执法资格的工作人员",
    "日常监管人员",
    "专家",
    "专业机构",
)
CERTIFIED_CATEGORIES = frozenset(INSPECTOR_CATEGORIES[:2])
RANKS = ("正厅级", "副厅级", "正处级", "副处级", "正科级", "副科级", "科员", "办事员", "其他")
RANK_GROUPS_004 = {
    "副处级": "副处级",
    "正科级": "正科级",
    "副科级": "副科级及以下",
    "科员": "副科级及以下",
    "办事员": "副科级及以下",
}

CHECK_METHODS = (
    "书面检查",
    "实地核查",
    "网络检查",
    "网络监测",
    "检验检测",
    "委托专业机构",
    "采用其他部门结论",
)
ITEM_DOMAINS = ("环保", "安全生产", "质量", "公共利益", "其他")
ITEM_KINDS = ("重点", "一般")
LIST_TYPES = ("本部门", "部门联合")

_YES_NO = "填写“是”或“否”，留空视为“否”"


def _targets_rules(r: Record) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    key, kind = r["key"], r["target_type"]
    if key and kind in MARKET_ENTITY_TYPES:
        reason = check_uscc(key)
        if reason is not None:
            problems.append(("统一社会信用代码", f"{kind}须填写有效的统一社会信用代码：{reason}"))
    if r["operator_id_number"] and kind and kind != "个体工商户":
        problems.append(
            ("身份证号", f"身份证号只填写个体工商户经营者的，对象类型为“{kind}”时请留空")
        )
    return problems


TARGETS = Spec(
    name="targets",
    title="检查对象名录",
    key="key",
    conditional=_targets_rules,
    notes=(
        "对象类型为企业、农民专业合作社、个体工商户时，统一社会信用代码须符合 GB 32100-2015（含校验位）；"
        "其他组织、产品、项目、行为可填写统一社会信用代码或 1–40 位的名录编码（字母、数字、“-”、“_”）。",
        "同一文件中统一社会信用代码不能重复；导入时按该代码新增或更新。",
        "每个对象有唯一且不可修改的登记编号：可在“登记编号”列填写，留空由平台生成。"
        "仅以身份证号登记的自然人对象以登记编号为标识，身份证号只作内部信息保存，不进入抽取记录。",
        "代码类列（统一社会信用代码、行政区划代码、行业代码、联系电话、身份证号）请设为文本格式，"
        "以数字形式存储的代码会被拒绝。",
    ),
    columns=(
        Column(
            "统一社会信用代码",
            "key",
            "code",
            required=True,
            max_len=40,
            upper=True,
            check=check_registry_code,
            example=make_uscc(1),
            help="市场主体填写 18 位统一社会信用代码；其他对象可填写名录编码",
        ),
        Column("名称", "name", "text", required=True, max_len=200, example="淄博示例食品有限公司"),
        Column(
            "对象类型", "target_type", "enum", required=True, choices=TARGET_TYPES, example="企业"
        ),
        Column(
            "住所",
            "address",
            "text",
            max_len=500,
            example="山东省淄博市张店区人民西路 1 号",
            help="住所或经营场所",
        ),
        Column(
            "行政区划代码",
            "region_code",
            "code",
            check=check_region,
            example="370303",
            help="6 位现行行政区划代码（GB/T 2260），如 370303",
        ),
        Column(
            "行业代码",
            "industry_code",
            "code",
            upper=True,
            check=check_industry,
            example="C1431",
            help="国民经济行业分类（GB/T 4754-2017）门类字母或 2–4 位代码，如 C、14、C1431（校验到大类）",
        ),
        Column(
            "法定代表人",
            "legal_representative",
            "text",
            max_len=100,
            example="张三",
            help="法定代表人、负责人或经营者",
        ),
        Column(
            "联系电话",
            "phone",
            "code",
            check=check_phone,
            max_len=30,
            example="0533-2861234",
            help="11 位手机号码或带区号的固定电话",
        ),
        Column("经营范围", "business_scope", "text", max_len=4000, example="食品生产；食品销售"),
        Column(
            "登记状态",
            "status",
            "enum",
            choices=TARGET_STATUSES,
            aliases={"在营": "存续", "开业": "存续", "在册": "存续"},
            example="存续",
            help="在营、开业、在册视为存续",
        ),
        Column(
            "信用风险等级",
            "risk_class",
            "enum",
            choices=RISK_CLASSES,
            aliases={c.lower(): c for c in RISK_CLASSES},
            example="B",
            help="A 低风险、B 一般风险、C 较高风险、D 高风险",
        ),
        Column("经营异常名录", "abnormal_operation", "bool", example="否", help=_YES_NO),
        Column("严重违法失信名单", "serious_dishonesty", "bool", example="否", help=_YES_NO),
        Column(
            "投诉举报次数",
            "complaint_count",
            "int",
            min_value=0,
            example="0",
            help="不小于 0 的整数",
        ),
        Column(
            "标签",
            "tags",
            "tags",
            max_len=50,
            example="食品生产、重点监管",
            help="多个标签用顿号、逗号、分号或空格分隔",
        ),
        Column(
            "管辖层级",
            "jurisdiction_level",
            "enum",
            choices=JURISDICTION_LEVELS,
            aliases={
                "省": "省级",
                "市": "市级",
                "县": "县级",
                "区县级": "县级",
                "县区级": "县级",
                "乡镇": "乡镇级",
                "乡": "乡镇级",
                "镇": "乡镇级",
                "街道": "乡镇级",
            },
            example="县级",
            help="可选列",
        ),
        Column(
            "身份证号",
            "operator_id_number",
            "code",
            upper=True,
            check=check_resident_id,
            help="可选列；仅个体工商户经营者，18 位（GB 11643）",
        ),
        Column(
            "登记编号",
            "registry_code",
            "code",
            max_len=40,
            upper=True,
            check=check_registry_code,
            help="可选列；留空由平台按“部门代码-7位序号”生成，生成后不可修改",
        ),
    ),
)


def _inspectors_rules(r: Record) -> list[tuple[str, str]]:
    problems: list[tuple[str, str]] = []
    category = r["category"]
    if not r["certificate_no"]:
        if category in CERTIFIED_CATEGORIES:
            problems.append(("执法证号", f"人员类别为“{category}”时必须填写执法证号"))
        if r["certificate_valid_until"] is not None:
            problems.append(("执法证号", "填写了证件有效期，但执法证号为空"))
    return problems


INSPECTORS = Spec(
    name="inspectors",
    title="执法检查人员名录",
    key="certificate_no",
    conditional=_inspectors_rules,
    notes=(
        "人员类别为行政执法类公务员、具有执法资格的工作人员时必须填写执法证号；"
        "日常监管人员、专家、专业机构可不填。",
        "同一文件中执法证号不能重复；导入时按执法证号新增或更新。",
        "部门填写系统中已有部门的名称。",
        "登录账号可不填；填写时须是本部门具有执法检查人员角色、未关联其他人员的账号，"
        "一个账号只能关联一名人员。",
    ),
    columns=(
        Column(
            "姓名",
            "name",
            "text",
            required=True,
            max_len=100,
            example="李明",
            help="专业机构填写机构名称",
        ),
        Column("性别", "gender", "enum", choices=("男", "女"), example="男"),
        Column(
            "部门", "department", "text", required=True, max_len=200, example="淄博市市场监督管理局"
        ),
        Column("职务", "post", "text", max_len=100, example="科长"),
        Column("职级", "rank", "enum", choices=RANKS, example="正科级"),
        Column(
            "执法证号",
            "certificate_no",
            "code",
            max_len=40,
            check=check_certificate_no,
            example="37030319001",
            help="执法证件号码",
        ),
        Column("发证机关", "certificate_issuer", "text", max_len=100, example="山东省人民政府"),
        Column(
            "证件有效期至",
            "certificate_valid_until",
            "date",
            example="2028-12-31",
            help="YYYY-MM-DD",
        ),
        Column("执法岗位", "enforcement_post", "text", max_len=100, example="食品安全监管"),
        Column(
            "专业领域",
            "expertise",
            "tags",
            max_len=50,
            example="食品安全、特种设备",
            help="多个领域用顿号、逗号、分号或空格分隔",
        ),
        Column("联系电话", "phone", "code", check=check_phone, max_len=30, example="13805330001"),
        Column(
            "人员类别",
            "category",
            "enum",
            required=True,
            choices=INSPECTOR_CATEGORIES,
            example="行政执法类公务员",
        ),
        Column(
            "登录账号",
            "username",
            "code",
            max_len=40,
            example="",
            help="本人在本系统的用户名（本部门、具有执法检查人员角色）；不填则不改变已有关联",
        ),
    ),
)


ITEMS = Spec(
    name="items",
    title="随机抽查事项清单",
    key="code",
    conditional=None,
    notes=(
        "同一文件中事项编码不能重复；导入时按事项编码新增或更新（修改将形成新版本）。",
        "抽查比例填写百分数（如 5%）或小数（如 0.05），最多精确到 0.01%；重点检查事项可不填。",
    ),
    columns=(
        Column(
            "事项编码",
            "code",
            "code",
            required=True,
            max_len=40,
            check=check_registry_code,
            example="ZB-SJ-001",
            help="1–40 位字母、数字、“-”或“_”",
        ),
        Column(
            "事项名称", "name", "text", required=True, max_len=200, example="食品生产企业监督检查"
        ),
        Column(
            "清单类型",
            "list_type",
            "enum",
            choices=LIST_TYPES,
            aliases={"联合": "部门联合", "部门联合抽查": "部门联合", "本部门抽查": "本部门"},
            example="本部门",
        ),
        Column(
            "抽查对象类型",
            "target_types",
            "tags",
            choices=TARGET_TYPES,
            example="企业、个体工商户",
            help="可多选",
        ),
        Column("抽查内容", "content", "text", max_len=4000, example="生产许可、原料查验、出厂检验"),
        Column(
            "检查依据",
            "legal_basis",
            "text",
            max_len=4000,
            example="《中华人民共和国食品安全法》第一百一十条",
        ),
        Column(
            "检查方式",
            "methods",
            "tags",
            choices=CHECK_METHODS,
            aliases={
                "实地检查": "实地核查",
                "现场检查": "实地核查",
                "委托专业机构检查": "委托专业机构",
            },
            example="书面检查、实地核查",
            help="可多选",
        ),
        Column("抽查比例", "ratio_bp", "percent", example="5%", help="如 5% 或 0.05"),
        Column("抽查频次", "frequency", "text", max_len=100, example="每年 1 次"),
        Column(
            "事项类别",
            "kind",
            "enum",
            choices=ITEM_KINDS,
            aliases={"重点检查事项": "重点", "一般检查事项": "一般"},
            example="一般",
            help="重点检查事项抽查比例不设上限",
        ),
        Column(
            "领域",
            "domains",
            "tags",
            choices=ITEM_DOMAINS,
            aliases={
                "环境保护": "环保",
                "生态环境": "环保",
                "安全": "安全生产",
                "产品质量": "质量",
            },
            example="质量",
            help="可多选",
        ),
        Column("实施部门", "department", "text", max_len=200, example="淄博市市场监督管理局"),
        Column(
            "检查要点",
            "check_points",
            "text",
            max_len=32000,
            check=points.cell_check,
            example=(
                "1. 查验是否取得生产许可证｜《工业产品生产许可证管理条例》第五条｜书面检查｜生产许可证\n"
                "2. 抽查出厂检验记录｜《中华人民共和国产品质量法》第十二条"
            ),
            help=f"抽查工作指引：每行一个要点（单元格内换行），格式“{points.LINE_FORMAT}”",
        ),
    ),
)

SPECS: dict[str, Spec] = {s.name: s for s in (TARGETS, INSPECTORS, ITEMS)}
