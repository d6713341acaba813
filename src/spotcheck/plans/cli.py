"""`spotcheck plan …`: annual plans, their workflow, tasks from files, and the eligibility preview.

Workflow moves act as a named account (--user): its roles and department scope are checked as the
web checks them. Reading without --user sees every department (the operator at the console).
Each command is one transaction.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from contextlib import AbstractContextManager, contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from spotcheck import clock
from spotcheck.cli_acting import Acting, acting, err, fail, plain
from spotcheck.db import unit_of_work
from spotcheck.departments import service as departments_service
from spotcheck.departments.models import Department
from spotcheck.eligibility import service as eligibility
from spotcheck.errors import DomainError, Forbidden, NotFound
from spotcheck.plans import access, cli_text, present, task_file
from spotcheck.plans import service as plans_service
from spotcheck.plans import tasks as tasks_service
from spotcheck.plans.models import AnnualPlan, Task
from spotcheck.plans.task_rules import TaskInvalid
from spotcheck.plans.verbs import VERBS, Inputs, PlanVerb
from spotcheck.rulebooks import service as rulebooks_service
from spotcheck.signatures import NO_DEFAULT, with_signature
from spotcheck.tabular.writer import write_csv
from spotcheck.workflow.models import WorkflowStep

CSV_HEADERS = ["统一社会信用代码", "名称", "排除原因", "依据条款", "规则"]

UserOpt = Annotated[str, typer.Option("--user", help="以哪个用户的身份操作（登录用户名）")]
ReadUserOpt = Annotated[
    str | None, typer.Option("--user", help="按该用户的可见范围显示（不给则显示全部）")
]


_plain = plain
_fail = fail


def _invalid(exc: TaskInvalid) -> typer.Exit:
    err.print(f"任务未保存：{len(exc.errors)} 处问题", style="red", soft_wrap=True, markup=False)
    for field, message in exc.errors.items():
        err.print(f"  {task_file.label(field)}：{message}", soft_wrap=True, markup=False)
    return typer.Exit(1)


@contextmanager
def _transaction(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work; a domain error rolls it back and exits 1 with its Chinese message."""
    try:
        with unit_of_work(factory) as session:
            yield session
    except TaskInvalid as exc:
        raise _invalid(exc) from exc
    except DomainError as exc:
        raise _fail(exc.message) from exc


def _own_task(session: Session, who: Acting, task_id: int) -> Task:
    task = tasks_service.get_or_404(session, task_id, who.scope)
    if tasks_service.is_participant(task, who.scope, session):
        raise Forbidden("参与部门不能修改发起部门的任务；请与发起部门协商")
    return task


def _load(file: Path) -> task_file.TaskDoc:
    try:
        return task_file.load_file(file)
    except task_file.TaskFileError as exc:
        raise _fail(str(exc), 2) from exc
    except TaskInvalid as exc:
        raise _invalid(exc) from exc


def _moved(plan: AnnualPlan, step: WorkflowStep, verb: str) -> None:
    _plain(
        [
            f"已{verb}：年度计划 #{plan.id}“{plan.title}”第 {plan.version} 版，现为“{plan.status_label}”。",
            *([step.rule] if step.rule else []),
        ]
    )


def _command(
    verb: PlanVerb, tx: Callable[[], AbstractContextManager[Session]]
) -> Callable[..., None]:
    """The `spotcheck plan <verb>` command of a plan verb (acting as --user)."""

    def command(plan_id: int, user: str, **values: str) -> None:
        with tx() as session:
            who = acting(session, user, verb.roles)
            plan = plans_service.get_or_404(session, plan_id, who.scope)
            result = verb.run(session, who.actor, who.user, plan, Inputs(**values))
            if isinstance(result, AnnualPlan):
                _plain(
                    f"已生成调整版本：年度计划 #{result.id} 第 {result.version} 版（草稿，"
                    f"{len(result.tasks)} 个任务）；原第 {plan.version} 版在新版本备案前继续有效。"
                )
            else:
                _moved(plan, result, verb.label)

    plan_id = Annotated[int, typer.Argument(help="计划 ID")]
    return with_signature(
        command,
        [
            ("plan_id", plan_id, NO_DEFAULT),
            ("user", UserOpt, NO_DEFAULT),
            *(
                (
                    f.name,
                    Annotated[str, typer.Option(help=f.help)],
                    NO_DEFAULT if f.required else "",
                )
                for f in verb.fields
            ),
        ],
        returns=None,
        doc=verb.help,
        name=verb.name,
    )


def register(app: typer.Typer, get_factory: Callable[[], sessionmaker[Session]]) -> None:
    """Add `spotcheck plan …` to the main app."""
    plan_app = typer.Typer(
        help="年度抽查计划与抽查任务：审批流程、任务文件、抽取范围预览。", no_args_is_help=True
    )
    app.add_typer(plan_app, name="plan")

    def tx() -> AbstractContextManager[Session]:
        return _transaction(get_factory())

    @plan_app.command("list")
    def list_(
        year: Annotated[int | None, typer.Option(help="只看某年度")] = None,
        department: Annotated[str | None, typer.Option(help="只看某部门（部门编码）")] = None,
        user: ReadUserOpt = None,
    ) -> None:
        """列出年度计划（新年度在前）。"""
        with tx() as session:
            who = acting(session, user)
            plans = plans_service.get_all(session, who.scope, year)
            if department is not None:
                dep = departments_service.get_by_code(session, department)
                if dep is None:
                    raise DomainError(f"部门编码“{department}”不存在")
                plans = [p for p in plans if p.department_id == dep.id]
            today = clock.today()
            rows = [cli_text.plan_row(present.plan_out(session, p, today)) for p in plans]
        _plain(rows or "没有年度计划。")

    @plan_app.command("show")
    def show(
        plan_id: Annotated[int, typer.Argument(help="计划 ID")], user: ReadUserOpt = None
    ) -> None:
        """显示年度计划：状态、截止日期、审批流程、任务、年度比例。"""
        with tx() as session:
            who = acting(session, user)
            plan = plans_service.get_or_404(session, plan_id, who.scope)
            detail = present.plan_detail(session, plan, clock.today())
        _plain(cli_text.plan_lines(detail))

    @plan_app.command("create")
    def create(
        department: Annotated[str, typer.Option(help="制定计划的部门编码")],
        year: Annotated[int, typer.Option(help="计划年度")],
        user: UserOpt,
        title: Annotated[str, typer.Option(help="计划名称（不给则用通常的名称）")] = "",
        description: Annotated[str, typer.Option(help="计划说明")] = "",
    ) -> None:
        """新建年度计划（草稿），按部门采用的细则。"""
        with tx() as session:
            who = acting(session, user, access.PLAN)
            dep = task_file.plan_department(session, department, who.scope)
            name = title or f"{dep.name}{year}年度“双随机、一公开”抽查工作计划"
            plan = plans_service.create(
                session, who.actor, dep, year=year, title=name, description=description
            )
            _plain(f"已新建年度计划 #{plan.id}“{plan.title}”（草稿，细则 {plan.profile_code}）。")

    @plan_app.command("edit")
    def edit(
        plan_id: Annotated[int, typer.Argument(help="计划 ID")],
        user: UserOpt,
        title: Annotated[str | None, typer.Option(help="新名称")] = None,
        description: Annotated[str | None, typer.Option(help="新说明")] = None,
    ) -> None:
        """修改草稿或已退回计划的名称和说明。"""
        with tx() as session:
            who = acting(session, user, access.PLAN)
            plan = plans_service.get_or_404(session, plan_id, who.scope)
            plans_service.update(
                session,
                who.actor,
                plan,
                title=plan.title if title is None else title,
                description=plan.description if description is None else description,
            )
            _plain(f"已修改年度计划 #{plan.id}“{plan.title}”。")

    for verb in VERBS:
        plan_app.command(verb.name)(_command(verb, tx))

    @plan_app.command("task-add")
    def task_add(
        plan_id: Annotated[int, typer.Argument(help="计划 ID")],
        file: Annotated[Path, typer.Option("--file", help="任务文件（.json 或 .toml）")],
        user: UserOpt,
    ) -> None:
        """按任务文件在草稿计划中新增任务；列出全部问题。"""
        doc = _load(file)
        with tx() as session:
            who = acting(session, user, access.TASKS)
            plan = plans_service.get_or_404(session, plan_id, who.scope)
            dep = session.get(Department, plan.department_id)
            assert dep is not None
            profile = plans_service.profile_of(session, plan)
            data = task_file.checked_input(session, dep, profile, plan.year, doc)
            task = tasks_service.create(session, who.actor, plan, data)
            _plain(
                f"已新增任务 #{task.id}：年度计划 #{plan.id} 的任务 {task.number}“{task.name}”。"
            )

    @plan_app.command("task-special")
    def task_special(
        department: Annotated[str, typer.Option("--department", help="发起部门编码")],
        file: Annotated[Path, typer.Option("--file", help="任务文件（须填写 special_basis）")],
        user: UserOpt,
    ) -> None:
        """新建计划外专项检查任务（细则允许时，如 000 第十七条；标注为专项）。"""
        doc = _load(file)
        with tx() as session:
            who = acting(session, user, access.TASKS)
            dep = departments_service.get_by_code(session, department)
            if dep is None or (who.scope is not None and dep.id not in who.scope):
                raise NotFound(f"未找到部门“{department}”，或您无权查看")
            profile = rulebooks_service.profile_for(session, dep)
            data = task_file.checked_input(session, dep, profile, None, doc)
            task = tasks_service.create_special(session, who.actor, dep, data)
            _plain(f"已新建专项检查任务 #{task.id}“{task.name}”（{task.special_basis}）。")

    @plan_app.command("task-update")
    def task_update(
        task_id: Annotated[int, typer.Argument(help="任务 ID")],
        file: Annotated[Path, typer.Option("--file", help="任务文件（.json 或 .toml）")],
        user: UserOpt,
    ) -> None:
        """按任务文件修改任务；列出全部问题。"""
        doc = _load(file)
        with tx() as session:
            who = acting(session, user, access.TASKS)
            task = _own_task(session, who, task_id)
            dep = session.get(Department, task.department_id)
            assert dep is not None
            profile = tasks_service.profile_of_task(session, task)
            year = task.plan.year if task.plan else None
            data = task_file.checked_input(session, dep, profile, year, doc)
            tasks_service.update(session, who.actor, task, data)
            _plain(f"已修改任务 #{task.id}“{task.name}”。")

    @plan_app.command("task-delete")
    def task_delete(task_id: Annotated[int, typer.Argument(help="任务 ID")], user: UserOpt) -> None:
        """删除草稿计划中的任务（其余任务重新编号）。"""
        with tx() as session:
            who = acting(session, user, access.TASKS)
            task = _own_task(session, who, task_id)
            name = task.name
            tasks_service.delete(session, who.actor, task)
            _plain(f"已删除任务 #{task_id}“{name}”。")

    @plan_app.command("task-template")
    def task_template(
        plan_id: Annotated[
            int | None, typer.Argument(help="计划 ID：按该计划的细则和可选事项填写示例")
        ] = None,
        as_json: Annotated[bool, typer.Option("--json", help="输出 JSON（无注释）")] = False,
    ) -> None:
        """打印带说明的任务文件示例（TOML）。"""
        with tx() as session:
            text = cli_text.template_for(session, plan_id)
        if as_json:
            import tomllib

            doc = task_file.parse_doc(tomllib.loads(text))
            text = json.dumps(doc.model_dump(mode="json"), ensure_ascii=False, indent=2)
        _plain(text)

    @plan_app.command("tasks")
    def tasks(
        year: Annotated[int | None, typer.Option(help="只看某年度")] = None,
        user: ReadUserOpt = None,
    ) -> None:
        """列出抽查任务（发起的和参与的）及能否进入抽取。"""
        with tx() as session:
            who = acting(session, user)
            rows = []
            for task in tasks_service.get_all(session, who.scope, year):
                check = plans_service.draw_check(session, task, with_eligibility=False)
                if not check.blockers:
                    check = plans_service.draw_check(session, task, clock.today())
                rows.append(cli_text.task_row(present.task_out(session, task), check.blockers))
        _plain(rows or "没有抽查任务。")

    @plan_app.command("task-show")
    def task_show(
        task_id: Annotated[int, typer.Argument(help="任务 ID")],
        user: ReadUserOpt = None,
        as_file: Annotated[
            bool, typer.Option("--as-file", help="输出任务文件（JSON），改后用 task-update 提交")
        ] = False,
    ) -> None:
        """显示任务（工作方案）及不能进入抽取的原因。"""
        with tx() as session:
            who = acting(session, user)
            task = tasks_service.get_or_404(session, task_id, who.scope)
            if as_file:
                doc = task_file.doc_of(session, tasks_service.input_of(task))
                _plain(json.dumps(doc.model_dump(mode="json"), ensure_ascii=False, indent=2))
                return
            detail = present.task_detail(session, task, clock.today())
        _plain(cli_text.task_lines(detail))

    @plan_app.command("preview")
    def preview(
        task_id: Annotated[int, typer.Argument(help="任务 ID")],
        excluded_csv: Annotated[
            Path | None,
            typer.Option("--excluded-csv", help="把被排除的对象及原因写入 CSV（UTF-8 带 BOM）"),
        ] = None,
        user: ReadUserOpt = None,
    ) -> None:
        """抽取范围预览：分层数量、排除原因及依据（不显示抽中对象）。"""
        with tx() as session:
            who = acting(session, user)
            task = tasks_service.get_or_404(session, task_id, who.scope)
            result = eligibility.evaluate(session, task)
        _plain(cli_text.preview_lines(present.eligibility_out(result, limit=0)))
        if excluded_csv is not None:
            with excluded_csv.open("wb") as stream:
                write_csv(
                    stream,
                    CSV_HEADERS,
                    ([e.key, e.name, e.reason, e.article, e.rule] for e in result.exclusions),
                )
            _plain(f"已写出 {excluded_csv}（{len(result.exclusions)} 个被排除的对象）")
