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

# The 抽查工作指引 of each demo item: (要点, 法律依据, 检查方法 or "", 材料 or "").
DA = "《中华人民共和国档案法》"
JN = "《中华人民共和国节约能源法》"
AQ = "《中华人民共和国安全生产法》"
CHECK_POINTS: dict[str, list[tuple[str, str, str, str]]] = {
    "SX-DA-001": [
        ("查验与委托单位签订的委托协议，是否约定服务范围、质量和技术标准", f"{DA}第二十四条", "书面检查", "档案服务委托协议"),
        ("检查档案服务管理制度建立和执行情况", f"{DA}第二十四条", "书面检查", "档案服务管理制度、工作记录"),
        ("检查服务过程中遵守安全保密规定、确保档案安全的情况", f"{DA}第二十四条", "实地核查", "保密协议、人员保密教育记录"),
    ],
    "SX-DA-002": [
        ("查看档案库房、设施、设备的配置和使用情况", f"{DA}第十九条、第四十二条第（二）项", "实地核查", ""),
        ("检查档案信息化建设和信息安全保障情况", f"{DA}第四十二条第（五）项", "实地核查", "信息系统安全管理制度"),
        ("检查有无丢失、损毁档案或擅自提供、复制档案的情形", f"{DA}第四十八条", "实地核查", "档案借阅、出入库登记"),
    ],
    "XZ-LH-001": [
        ("核查上一年度年度报告是否按时报送并向社会公示", "《企业信息公示暂行条例》第八条", "网络检查", ""),
        ("核查年度报告公示的住所、出资、股权等信息是否真实", "《企业信息公示暂行条例》第九条", "书面检查", "营业执照、章程、出资凭证"),
        ("核查应即时公示的信息是否在形成之日起20个工作日内公示", "《企业信息公示暂行条例》第十条", "网络检查", ""),
    ],
    "XZ-LH-002": [
        ("查验生产许可证及获证产品范围", "《工业产品生产许可证管理条例》第五条", "书面检查", "生产许可证"),
        ("检查出厂检验记录，产品是否检验合格", "《中华人民共和国产品质量法》第十二条", "书面检查", "出厂检验记录"),
        ("检查产品或者其包装上的标识", "《中华人民共和国产品质量法》第二十七条", "实地核查", ""),
        ("抽取样品进行检验", "《中华人民共和国产品质量法》第十五条", "检验检测", ""),
    ],
    "XZ-GX-001": [
        ("检查是否按规定报送上年度能源利用状况报告", f"{JN}第五十三条", "书面检查", "能源利用状况报告"),
        ("检查是否设立能源管理岗位、聘任能源管理负责人", f"{JN}第五十五条", "书面检查", "能源管理负责人聘任材料"),
        ("检查能源计量器具配备使用和能源消费统计情况", f"{JN}第二十七条", "实地核查", "能源计量器具台账、能源消费统计报表"),
    ],
    "ZB-GX-001": [
        ("检查是否执行单位产品能耗限额标准", f"{JN}第十六条", "书面检查", "单位产品能耗统计台账"),
        ("检查是否使用国家明令淘汰的用能设备、生产工艺", f"{JN}第十七条", "实地核查", "主要用能设备清单"),
        ("检查能源计量器具配备使用和能源消费统计情况", f"{JN}第二十七条", "书面检查", "能源消费统计报表"),
    ],
    "ZB-GX-002": [
        ("查验民用爆炸物品生产、销售许可证", "《民用爆炸物品安全管理条例》第三条", "书面检查", "民用爆炸物品生产许可证或销售许可证"),
        ("检查全员安全生产责任制和安全生产规章制度的建立和落实", f"{AQ}第四条", "书面检查", "安全生产责任制、规章制度"),
        ("检查特种作业人员是否持证上岗", f"{AQ}第三十条", "实地核查", "特种作业操作证"),
        ("检查生产安全事故隐患排查治理制度的落实", f"{AQ}第四十一条", "实地核查", "隐患排查治理台账"),
    ],
    "ZB-GX-003": [
        ("查验监控化学品生产、经营、使用的许可和登记资料", "《监控化学品管理条例》第九条", "书面检查", "许可证件、登记资料"),
        ("检查从业人员安全生产教育和培训情况", f"{AQ}第二十八条", "书面检查", "培训计划和记录"),
        ("检查安全风险分级管控和事故隐患排查治理情况", f"{AQ}第四十一条", "实地核查", "隐患排查治理台账"),
    ],
    "ZB-GX-004": [
        ("检查是否向无线电管理机构办理销售备案", "《中华人民共和国无线电管理条例》第四十五条", "书面检查", "销售备案材料"),
        ("检查在售无线电发射设备是否标注型号核准代码", "《中华人民共和国无线电管理条例》第四十五条", "实地核查", ""),
    ],
    "ZZ-SW-001": [
        ("查验从事职业中介活动是否取得人力资源服务许可证", "《人力资源服务机构管理规定》第五条第一款；《人力资源市场暂行条例》第十八条", "书面检查", "营业执照、人力资源服务许可证"),
        ("检查从事网络招聘服务是否取得电信业务经营许可证", "《人力资源服务机构管理规定》第五条第一款", "网络检查", "电信业务经营许可证"),
    ],
    "ZZ-SW-002": [
        ("查验办学许可证及核定的办学范围", "《中华人民共和国民办教育促进法》第十八条", "书面检查", "办学许可证"),
        ("检查招生简章和广告是否报审批机关备案", "《中华人民共和国民办教育促进法》第四十二条", "书面检查", "招生简章、广告备案材料"),
        ("检查教育教学和财务管理情况", "《中华人民共和国民办教育促进法》第四十一条", "实地核查", "财务会计报告"),
    ],
    "LA-DA-001": [
        ("检查档案工作责任制和管理制度的落实", f"{DA}第四十二条第（一）项", "书面检查", "档案工作责任制文件、管理制度"),
        ("检查应当归档的材料是否按规定移交本单位档案机构集中管理", f"{DA}第十四条", "书面检查", "归档范围和保管期限表、移交清册"),
        ("查看档案库房、设施、设备的配置和使用情况", f"{DA}第十九条", "实地核查", ""),
        ("检查档案收集、整理、保管和提供利用情况", f"{DA}第四十二条第（四）项", "实地核查", "档案借阅登记"),
    ],
}  # fmt: skip

# Each agency's registry is made of its own region's names and places (issue 13 point 18):
# region code -> (county name, streets).
ZIBO_REGIONS = {
    "370302": ("淄川区", ["般阳路", "松龄路", "淄城路", "商场东街"]),
    "370303": ("张店区", ["人民西路", "华光路", "柳泉路", "共青团西路", "联通路"]),
    "370304": ("博山区", ["中心路", "白塔路", "税务街", "西冶街"]),
    "370305": ("临淄区", ["齐园路", "晏婴路", "桓公路", "牛山路"]),
    "370306": ("周村区", ["正阳路", "丝绸路", "新建路", "大街"]),
    "370321": ("桓台县", ["张北路", "东岳路", "少海路"]),
    "370322": ("高青县", ["青城路", "芦湖路", "黄河路"]),
    "370323": ("沂源县", ["胜利路", "振兴路", "鲁山路"]),
}
XINZHOU_REGIONS = {
    "140902": ("忻府区", ["和平街", "七一路", "长征街", "建设路", "雁门大道"]),
    "140921": ("定襄县", ["晋昌路", "北关街", "法兰工业园区"]),
    "140922": ("五台县", ["台城路", "东冶镇", "新东街"]),
    "140923": ("代县", ["雁门街", "边靖楼街", "上馆镇"]),
    "140981": ("原平市", ["前进街", "新原路", "康乐路", "云中路"]),
}
SHANXI_REGIONS = {  # 太原 and other cities of 山西
    "140105": ("太原市小店区", ["长治路", "坞城路", "学府街", "晋阳街"]),
    "140106": ("太原市迎泽区", ["迎泽大街", "五一路", "双塔西街"]),
    "140107": ("太原市杏花岭区", ["府西街", "胜利街", "敦化坊"]),
    "140109": ("太原市万柏林区", ["千峰南路", "和平南路", "长风西街"]),
    "140702": ("晋中市榆次区", ["顺城街", "汇通路", "锦纶路"]),
    "140802": ("运城市盐湖区", ["河东街", "解放路", "槐东路"]),
    "141002": ("临汾市尧都区", ["鼓楼南大街", "滨河西路", "五一东路"]),
}
ZAOZHUANG_REGIONS = {  # 枣庄高新技术产业开发区
    "370402": ("枣庄高新区", ["光明大道", "复元三路", "德仁路", "祁连山路", "互联网小镇"]),
}
LUAN_REGIONS = {  # 六安 城区 (立档单位 of 市直)
    "341502": ("金安区", ["梅山南路", "皖西大道", "佛子岭路", "解放南路", "人民路"]),
    "341503": ("裕安区", ["寿春路", "淠河路", "龙河路", "长安路"]),
}
PROVINCE = {"37": "山东省", "14": "山西省", "34": "安徽省"}
CITY = {"3703": "淄博市", "3704": "枣庄市", "1401": "", "1409": "忻州市", "3415": "六安市"}


def _address(rng: random.Random, regions: dict[str, tuple[str, list[str]]], region: str) -> str:
    county, streets = regions[region]
    city = CITY.get(region[:4], "")
    return f"{PROVINCE[region[:2]]}{city}{county}{rng.choice(streets)}{rng.randint(1, 399)}号"


# (places, trade words, trades (word, GB/T 4754 division), business scopes) of each agency.
ZIBO = (
    ["淄博", "张店", "临淄", "博山", "周村", "淄川", "桓台", "高青", "沂源", "齐鲁", "鲁中"],
    [
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
    ],
    [
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
    ],
)
XINZHOU = (
    ["忻州", "忻府", "原平", "定襄", "五台", "代州", "雁门", "滹沱", "晋北", "秀容"],
    [
        "金石",
        "恒泰",
        "晋源",
        "宏盛",
        "鑫磊",
        "汇丰",
        "永兴",
        "丰盛",
        "瑞祥",
        "福源",
        "兴旺",
        "晋丰",
        "华远",
        "天河",
        "聚鑫",
        "东升",
        "明德",
        "裕隆",
    ],
    [
        ("法兰锻造", "C33"),
        ("杂粮", "C13"),
        ("酥梨", "A01"),
        ("食品", "C14"),
        ("建材", "C30"),
        ("农资", "F51"),
        ("商贸", "F52"),
        ("餐饮", "H62"),
        ("牧业", "A03"),
        ("煤炭", "B06"),
    ],
)
SHANXI = (
    ["山西", "三晋", "太原", "晋阳", "并州", "龙城", "汾河", "晋中", "河东", "平阳"],
    [
        "博源",
        "晋档",
        "典藏",
        "存真",
        "恒信",
        "文渊",
        "鼎盛",
        "智汇",
        "华章",
        "锦绣",
        "云图",
        "惠民",
        "诚信",
        "正和",
        "睿达",
        "宏图",
    ],
    [
        ("档案服务", "L72"),
        ("档案数字化", "I65"),
        ("档案管理咨询", "L72"),
        ("数字档案科技", "I65"),
        ("文档寄存", "L72"),
        ("档案整理", "L72"),
    ],
)
ZAOZHUANG = (
    ["枣庄", "鲁南", "薛城", "高新", "墨子", "奚仲", "微湖", "凤鸣"],
    [
        "领航",
        "智谷",
        "锂源",
        "新达",
        "华宇",
        "创新",
        "鼎泰",
        "思源",
        "君安",
        "汇智",
        "博爱",
        "长弘",
        "天衡",
        "英才",
    ],
    [
        ("人力资源服务", "O72"),
        ("锂电科技", "C38"),
        ("电子信息", "C39"),
        ("软件", "I65"),
        ("新材料", "C29"),
        ("医药", "C27"),
        ("教育咨询", "P83"),
        ("物业服务", "K70"),
    ],
)
SCOPES = {
    "L72": "档案整理、档案数字化加工、档案寄存、档案管理咨询服务",
    "I65": "档案数字化服务；软件开发；信息系统集成服务；数据处理和存储服务",
    "O72": "职业中介活动；劳务派遣服务；人力资源外包",
    "A01": "水果种植、收购、销售",
    "A03": "牲畜养殖、销售",
    "F51": "化肥、农药（不含危险化学品）、种子批发",
    "F52": "日用百货、预包装食品零售",
    "H62": "餐饮服务",
    "B06": "煤炭洗选、销售",
    "P83": "教育咨询服务（不含涉许可审批的教育培训活动）",
    "K70": "物业管理",
}
FORMS = ["有限公司", "股份有限公司", "有限责任公司", "集团有限公司"]
SHOPS = ["经营部", "商行", "便利店", "门市部"]
SURNAMES = "王李张刘陈杨赵黄周吴徐孙胡朱高林何郭马罗梁宋郑谢韩唐冯于董萧程曹袁邓许傅沈曾彭吕苏卢蒋蔡贾丁魏薛叶阎余潘杜戴夏钟汪田任姜范方石姚谭廖邹熊金陆郝孔白崔康毛邱秦江史顾侯邵孟龙万段雷钱汤尹黎易常武乔贺赖龚文"
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
    "建",
    "红",
    "文",
    "华",
    "丽",
    "斌",
    "鹏",
    "飞",
    "玲",
    "峰",
    "晨",
    "宇",
    "欣",
    "婷",
    "浩",
    "凯",
    "慧",
    "佳",
    "志",
    "国",
    "海",
    "燕",
    "春",
    "亮",
]


def _person(rng: random.Random) -> str:
    return (
        rng.choice(SURNAMES) + rng.choice(GIVEN) + (rng.choice(GIVEN) if rng.random() < 0.6 else "")
    )


def _targets(
    rng: random.Random,
    count: int,
    regions: dict[str, tuple[str, list[str]]],
    offset: int,
    words: tuple[list[str], list[str], list[tuple[str, str]]] = ZIBO,
    *,
    individuals: float = 0.08,
) -> list[dict[str, Any]]:
    """`count` market entities of the region, their names made from its own words (no two
    alike: a repeated combination takes another word)."""
    places, marks, trades = words
    codes = list(regions)
    rows: list[dict[str, Any]] = []
    seen: set[str] = set()
    for n in range(count):
        region = rng.choice(codes)
        trade, industry = rng.choice(trades)
        individual = rng.random() < individuals
        form = rng.choice(SHOPS) if individual else rng.choice(FORMS)
        while True:
            if individual:  # 个体工商户: the place, the owner's trade name, the shop
                name = f"{regions[region][0].removesuffix('区')}{rng.choice(marks)}{trade}{form}"
            else:
                name = f"{rng.choice(places)}{rng.choice(marks)}{trade}{form}"
            if name not in seen:
                break
            form = rng.choice(SHOPS if individual else FORMS)
            marks_extra = rng.choice(marks) + rng.choice(marks)
            name = f"{rng.choice(places)}{marks_extra}{trade}{form}"
            if name not in seen:
                break
        seen.add(name)
        status = rng.choices(["存续", "注销", "吊销", "撤销", "清算", "迁出"], [90, 4, 2, 1, 2, 1])[
            0
        ]
        rows.append(
            {
                "key": make_uscc(
                    offset + n, authority="9", category="2" if individual else "1", region=region
                ),
                "name": name,
                "target_type": "个体工商户" if individual else "企业",
                "address": _address(rng, regions, region),
                "region_code": region,
                "industry_code": industry,
                "legal_rep": _person(rng),
                "phone": f"13{rng.randint(0, 9)}{rng.randint(10000000, 99999999)}",
                "business_scope": SCOPES.get(industry)
                or f"{trade}产品的生产、销售；{rng.choice(['技术开发', '进出口业务', '仓储服务', '设备维修'])}",
                "status": status,
                "risk_class": rng.choices("ABCD", [30, 50, 15, 5])[0],
                "abnormal": rng.random() < 0.05,
                "dishonest": rng.random() < 0.01,
                "complaints": rng.choices([0, 1, 2, 5], [85, 10, 4, 1])[0],
                "tags": ["危险化学品"]
                if trade == "化工" and rng.random() < 0.5
                else ["重点用能单位"]
                if trade in ("钢铁", "陶瓷", "建材", "法兰锻造") and rng.random() < 0.4
                else ["档案服务企业"]
                if industry in ("L72", "I65") and trade.startswith(("档案", "数字档案", "文档"))
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


# 六安's 立档单位 (004 二（一）): 市直机关、团体、事业单位 and 省属国有企业 in 六安.
# (name, kind: 机关 / 团体 / 事业单位 / 国有企业)
LUAN_UNITS = [
    *[
        (f"六安市{n}", "机关")
        for n in [
            "发展和改革委员会",
            "教育局",
            "科学技术局",
            "经济和信息化局",
            "公安局",
            "民政局",
            "司法局",
            "财政局",
            "人力资源和社会保障局",
            "自然资源和规划局",
            "生态环境局",
            "住房和城乡建设局",
            "交通运输局",
            "水利局",
            "农业农村局",
            "商务局",
            "文化和旅游局",
            "卫生健康委员会",
            "退役军人事务局",
            "应急管理局",
            "审计局",
            "市场监督管理局",
            "统计局",
            "医疗保障局",
            "林业局",
            "数据资源管理局",
            "信访局",
            "城市管理局",
            "人民防空办公室",
            "地方金融监督管理局",
            "机关事务管理局",
            "供销合作社",
        ]
    ],
    *[
        (n, "团体")
        for n in [
            "六安市总工会",
            "共青团六安市委员会",
            "六安市妇女联合会",
            "六安市科学技术协会",
            "六安市文学艺术界联合会",
            "六安市工商业联合会",
            "六安市残疾人联合会",
            "六安市红十字会",
            "六安市归国华侨联合会",
            "六安市社会科学界联合会",
        ]
    ],
    *[
        (n, "事业单位")
        for n in [
            "六安市人民医院",
            "六安市中医院",
            "六安市第二人民医院",
            "六安市妇幼保健院",
            "六安市疾病预防控制中心",
            "六安市第一中学",
            "六安市第二中学",
            "六安市第一人民医院",
            "六安市图书馆",
            "皖西博物馆",
            "六安市住房公积金管理中心",
            "六安市公共资源交易中心",
            "六安市广播电视台",
            "六安市政务服务中心",
            "六安市急救中心",
            "六安市档案馆",
            "六安市社会福利院",
            "六安职业技术学院",
            "六安市城市建设档案馆",
            "六安市不动产登记中心",
        ]
    ],
    *[
        (n, "国有企业")
        for n in [
            "安徽省交通控股集团有限公司六安管理处",
            "安徽省港航集团六安港务有限公司",
            "安徽省盐业六安有限公司",
            "徽商银行股份有限公司六安分行",
            "安徽省农业信贷融资担保有限公司六安分公司",
            "安徽省邮电规划设计院六安分院",
            "安徽新华发行集团六安市新华书店有限公司",
            "安徽省高速公路服务区经营管理有限公司六安分公司",
        ]
    ],
]
# 市直机关 departments' own units (下属单位), to make up the registry's size.
LUAN_SUBUNITS = [
    "信息中心",
    "机关服务中心",
    "综合行政执法支队",
    "事务服务中心",
    "培训中心",
    "政策研究室",
    "监测中心",
    "审核中心",
]
LUAN_CATEGORY = {"机关": ("1", "1"), "团体": ("1", "3"), "事业单位": ("1", "2")}


def _archive_units(rng: random.Random, count: int) -> list[dict[str, Any]]:
    units = list(LUAN_UNITS)
    offices = [name for name, kind in LUAN_UNITS if kind == "机关"]
    extra = [(f"{o}{s}", "事业单位") for s in LUAN_SUBUNITS for o in offices]
    rng.shuffle(extra)
    units.extend(extra[: max(0, count - len(units))])
    rows = []
    for n, (name, kind) in enumerate(units[:count]):
        region = rng.choice(list(LUAN_REGIONS))
        authority, category = LUAN_CATEGORY.get(kind, ("9", "1"))
        rows.append(
            {
                "key": make_uscc(
                    900000 + n, authority=authority, category=category, region="341500"
                ),
                "name": name,
                "target_type": "企业" if kind == "国有企业" else "其他组织",
                "address": _address(rng, LUAN_REGIONS, region),
                "region_code": region,
                "legal_rep": _person(rng),
                "status": "存续",
                "jurisdiction_level": "市级",
                "tags": ["立档单位", kind],
            }
        )
    return rows


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
        ("370303-GXJ", _targets(rng, 300, {"370303": ZIBO_REGIONS["370303"]}, 200000)),
        ("140900-SCJ", _targets(rng, 400, XINZHOU_REGIONS, 300000, XINZHOU, individuals=0.2)),
        ("140000-DAJ", _targets(rng, 120, SHANXI_REGIONS, 400000, SHANXI, individuals=0)),
        ("370400-GXQ-SW", _targets(rng, 200, ZAOZHUANG_REGIONS, 500000, ZAOZHUANG)),
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
                "check_points": [
                    {"text": t, "legal_basis": b, "method": m, "materials": x}
                    for t, b, m, x in CHECK_POINTS[item_code]
                ],
            },
        )
        counts["items"] += 1
    return counts
