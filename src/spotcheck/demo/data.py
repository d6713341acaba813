"""A realistic small agency: 淄博市工业和信息化局 inside its province, with every role."""

from __future__ import annotations

from dataclasses import dataclass

from rich.console import Console
from rich.table import Table
from sqlalchemy import func, select
from sqlalchemy.orm import Session

from spotcheck.accounts import service as accounts_service
from spotcheck.accounts.models import ROLE_LABELS, Role, User
from spotcheck.audit.service import SYSTEM, Actor
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department, DepartmentLevel

# Published on purpose: these accounts exist only in demo databases.
DEMO_PASSWORD = "Demo#2026zb"  # noqa: S105

# (code, name, level, parent code, industry, region)
DEPARTMENTS = [
    (
        "370000-GXT",
        "山东省工业和信息化厅",
        DepartmentLevel.PROVINCE,
        None,
        "工业和信息化",
        "370000",
    ),
    (
        "370300-GXJ",
        "淄博市工业和信息化局",
        DepartmentLevel.CITY,
        "370000-GXT",
        "工业和信息化",
        "370300",
    ),
    (
        "370300-GXJ-ZHFG",
        "综合法规科",
        DepartmentLevel.SECTION,
        "370300-GXJ",
        "工业和信息化",
        "370300",
    ),
    (
        "370300-GXJ-YXJC",
        "运行监测协调科",
        DepartmentLevel.SECTION,
        "370300-GXJ",
        "工业和信息化",
        "370300",
    ),
    (
        "370300-GXJ-JNZY",
        "节能与综合利用科",
        DepartmentLevel.SECTION,
        "370300-GXJ",
        "工业和信息化",
        "370300",
    ),
    (
        "370300-GXJ-AQSC",
        "安全生产科",
        DepartmentLevel.SECTION,
        "370300-GXJ",
        "工业和信息化",
        "370300",
    ),
    (
        "370303-GXJ",
        "张店区工业和信息化局",
        DepartmentLevel.COUNTY,
        "370300-GXJ",
        "工业和信息化",
        "370303",
    ),
    (
        "370305-GXJ",
        "临淄区工业和信息化局",
        DepartmentLevel.COUNTY,
        "370300-GXJ",
        "工业和信息化",
        "370305",
    ),
    (
        "370400-GXJ",
        "枣庄市工业和信息化局",
        DepartmentLevel.CITY,
        "370000-GXT",
        "工业和信息化",
        "370400",
    ),
]


@dataclass(frozen=True)
class DemoAccount:
    """One printed demo account."""

    username: str
    full_name: str
    department: str
    roles: tuple[Role, ...]


ACCOUNTS = [
    DemoAccount("admin", "王建国", "370000-GXT", (Role.ADMIN,)),
    DemoAccount("coordinator", "李明", "370300-GXJ-ZHFG", (Role.COORDINATOR,)),
    DemoAccount("officer", "张伟", "370300-GXJ-JNZY", (Role.OFFICER,)),
    DemoAccount("inspector1", "赵强", "370300-GXJ-JNZY", (Role.INSPECTOR,)),
    DemoAccount("inspector2", "孙丽", "370300-GXJ-YXJC", (Role.INSPECTOR,)),
    DemoAccount("leader", "刘洋", "370300-GXJ", (Role.LEADER,)),
    DemoAccount("witness", "陈静", "370300-GXJ", (Role.WITNESS,)),
    DemoAccount("zhangdian", "周涛", "370303-GXJ", (Role.ADMIN, Role.OFFICER)),
    # The other four seed agencies: a coordinator (who also runs tasks) and a leader each.
    DemoAccount("shanxi", "郭芳", "140000-DAJ-FG", (Role.COORDINATOR, Role.OFFICER)),
    DemoAccount("shanxi_leader", "马军", "140000-DAJ", (Role.LEADER,)),
    DemoAccount("xinzhou", "高磊", "140900-SCJ", (Role.COORDINATOR, Role.OFFICER)),
    DemoAccount("xinzhou_leader", "罗勇", "140900-SCJ", (Role.LEADER,)),
    DemoAccount("xinzhou_gx", "徐艳", "140900-GXJ", (Role.COORDINATOR, Role.OFFICER)),
    DemoAccount("xinzhou_gx_leader", "吴超", "140900-GXJ", (Role.LEADER,)),
    DemoAccount("zaozhuang", "何静", "370400-GXQ-SW", (Role.COORDINATOR, Role.OFFICER)),
    DemoAccount("zaozhuang_leader", "林刚", "370400-GXQ-SW", (Role.LEADER,)),
    DemoAccount("luan", "朱霞", "341500-DAJ-FZ", (Role.COORDINATOR, Role.OFFICER)),
    DemoAccount("luan_leader", "胡平", "341500-DAJ", (Role.LEADER,)),
    # Witnesses (监督人) who log in and enter their own dice digits: the 局纪检员 that 004 二（五）
    # requires, and one for each other agency (dice are the default entropy everywhere).
    DemoAccount("luan_witness", "汪纪", "341500-DAJ", (Role.WITNESS,)),
    DemoAccount("shanxi_witness", "韩梅", "140000-DAJ", (Role.WITNESS,)),
    DemoAccount("xinzhou_witness", "白雪", "140900-SCJ", (Role.WITNESS,)),
    DemoAccount("zaozhuang_witness", "孔敏", "370400-GXQ-SW", (Role.WITNESS,)),
]
# Whose leader approves the demo item list of each agency (by department code of the items).
LIST_APPROVERS = {
    "370300-GXJ": ("coordinator", "leader"),
    "140000-DAJ": ("shanxi", "shanxi_leader"),
    "140900-SCJ": ("xinzhou", "xinzhou_leader"),
    "140900-GXJ": ("xinzhou_gx", "xinzhou_gx_leader"),
    "370400-GXQ-SW": ("zaozhuang", "zaozhuang_leader"),
    "341500-DAJ": ("luan", "luan_leader"),
}

# The rulebook profile each demo agency adopts (its sections and child departments inherit it).
ADOPTIONS = {
    "140000-DAJ": "shanxi-daj",
    "140900-SCJ": "xinzhou-joint",
    "140900-GXJ": "xinzhou-joint",
    "370300-GXJ": "zibo-gxj",
    "370400-GXQ-SW": "zaozhuang-gxq",
    "341500-DAJ": "luan-daj",
}


def is_empty(session: Session) -> bool:
    """True when there are no departments and no users yet."""
    departments = session.execute(select(func.count(Department.id))).scalar_one()
    users = session.execute(select(func.count(User.id))).scalar_one()
    return departments == 0 and users == 0


def load(session: Session) -> dict[str, int]:
    """Create the demo agencies, accounts, registries and published item lists (idempotent)."""
    from spotcheck.catalog import service as catalog_service
    from spotcheck.demo import registry

    for code, name, level, parent_code, industry, region in [*DEPARTMENTS, *registry.AGENCIES]:
        if departments_service.get_by_code(session, code) is not None:
            continue
        parent = departments_service.get_by_code(session, parent_code) if parent_code else None
        departments_service.create(
            session,
            SYSTEM,
            code=code,
            name=name,
            level=level,
            parent=parent,
            industry=industry,
            region_code=region,
        )
    from spotcheck.rulebooks import service as rulebooks_service

    for code, profile_code in ADOPTIONS.items():
        department = departments_service.get_by_code(session, code)
        assert department is not None
        found = rulebooks_service.adoption_for(session, department)
        if found is None or found[1].id != department.id:
            rulebooks_service.adopt(session, SYSTEM, department, profile_code)
    for account in ACCOUNTS:
        if accounts_service.get_by_username(session, account.username) is not None:
            continue
        department = departments_service.get_by_code(session, account.department)
        assert department is not None  # created just above
        accounts_service.create(
            session,
            SYSTEM,
            username=account.username,
            full_name=account.full_name,
            department=department,
            roles=account.roles,
            password=DEMO_PASSWORD,
        )
    counts = registry.load(session)
    # ---- inspector accounts linked to registry entries (我的任务): see demo/inspector_accounts.py
    from spotcheck.demo import inspector_accounts

    inspector_accounts.load(session, DEMO_PASSWORD)
    # ---- end of the inspector accounts
    # Each agency's coordinator submits its list and its leader approves it, as in real use.
    for code, (author, approver) in LIST_APPROVERS.items():
        root = departments_service.get_by_code(session, code)
        assert root is not None
        author_user = accounts_service.get_by_username(session, author)
        leader = accounts_service.get_by_username(session, approver)
        assert author_user is not None and leader is not None
        for department in departments_service.get_all(
            session, departments_service.subtree_ids(session, root)
        ):
            if not catalog_service.drafts(session, department):
                continue
            release = catalog_service.submit(
                session, _actor(author_user), department, "演示：年度清单"
            )
            catalog_service.decide(
                session, _actor(leader), leader, release, approve=True, opinion="同意发布"
            )
    from spotcheck.demo import plans as demo_plans

    demo_plans.load(session)
    return counts


def _actor(user: User) -> Actor:
    return Actor(user.id, user.full_name, user.department_id)


def print_accounts(console: Console) -> None:
    """Print the demo accounts as a table."""
    table = Table(title=f"演示账号（密码均为 {DEMO_PASSWORD}）")
    table.add_column("用户名")
    table.add_column("姓名")
    table.add_column("部门编码")
    table.add_column("角色")
    for account in ACCOUNTS:
        table.add_row(
            account.username,
            account.full_name,
            account.department,
            "、".join(ROLE_LABELS[r] for r in account.roles),
        )
    # ---- inspector accounts linked to registry entries (demo/inspector_accounts.py)
    from spotcheck.demo import inspector_accounts

    for username, _code, agency in inspector_accounts.INSPECTOR_ACCOUNTS:
        table.add_row(username, "（名录库中的人员）", agency, "执法检查人员（已关联，见我的任务）")
    # ---- end of the inspector accounts
    console.print(table)
