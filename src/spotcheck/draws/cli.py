"""`spotcheck ceremony …`: the draw ceremony of a task on the command line, acting as --user.

Each command is one transaction. A refused change of a committed draw (DrawRefused) still commits:
the service checked before writing anything, so the only pending row is the refusal's audit event.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Annotated

import typer
from sqlalchemy.orm import Session, sessionmaker

from spotcheck.audit.service import record
from spotcheck.cli_acting import Acting, acting
from spotcheck.cli_acting import fail as _fail
from spotcheck.cli_acting import plain as _plain
from spotcheck.db import unit_of_work
from spotcheck.departments import service as departments_service
from spotcheck.draws import access, ceremony, entropy_input, events
from spotcheck.draws import service as draws
from spotcheck.draws.entropy_input import dice_so_far
from spotcheck.draws.models import Draw, DrawStatus, DrawWitness
from spotcheck.draws.outcome import EVENT_LABELS
from spotcheck.errors import DomainError, NotFound
from spotcheck.plans import delegation
from spotcheck.plans import tasks as tasks_service

UserOpt = Annotated[str, typer.Option("--user", help="以哪个用户的身份操作（登录用户名）")]
TaskArg = Annotated[int, typer.Argument(help="抽查任务编号（id）")]


@contextmanager
def _tx(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One unit of work (a refusal's audit event is committed by `db.settle`), then exit 1."""
    try:
        with unit_of_work(factory) as session:
            yield session
    except DomainError as exc:
        raise _fail(exc.message) from exc


def _draw(session: Session, who: Acting, task_id: int) -> Draw:
    task = tasks_service.get_or_404(session, task_id, who.scope)
    found = draws.for_task(session, task)
    if found is None:
        raise NotFound(f"任务 {task_id} 尚未准备抽取（先运行 spotcheck ceremony prepare）")
    return found


def _status_lines(draw: Draw) -> list[str]:
    lines = [f"抽取 {draw.code}：{draw.status_label}（细则 {draw.profile_code}）"]
    if draw.digest:
        lines.append(f"清单摘要：{draw.digest}（承诺时间 {draw.committed_at}）")
    if draw.drand_round:
        lines.append(f"drand quicknet 第 {draw.drand_round} 轮")
    digits = draw.entropy_choice.get("dice_digits", 0)
    if digits:
        lines.append(f"骰子 {digits} 位，已录入 {len(dice_so_far(draw))} 位")
    for w in draw.witnesses:
        lines.append(f"监督人：{w.name}（{w.kind}，{w.organisation}）骰子 {w.dice_digits or '—'}")
    for note in draw.pools_info.get("notes", []):
        lines.append(note)
    return lines


def register(app: typer.Typer, get_factory: Callable[[], sessionmaker[Session]]) -> None:
    """Add `spotcheck ceremony …` to the main app."""
    cer = typer.Typer(
        help="抽取仪式：准备、承诺、监督人、骰子、drand、计算、日程表。", no_args_is_help=True
    )
    app.add_typer(cer, name="ceremony")

    @cer.command("prepare")
    def prepare(
        task_id: TaskArg,
        user: UserOpt,
        dice: Annotated[int | None, typer.Option(help="骰子位数（默认 10；0 = 不用骰子）")] = None,
        drand: Annotated[
            bool | None,
            typer.Option(
                "--drand/--no-drand",
                help="同时使用 drand（默认不用：须有人能上网取得签名）",
            ),
        ] = None,
        commit: Annotated[bool, typer.Option("--commit", help="准备后立即承诺清单")] = False,
    ) -> None:
        """准备抽取（可同时选择随机数来源并承诺清单）；上一次抽取经批准放弃的，准备新的抽取。"""
        with _tx(get_factory()) as s:
            who = acting(s, user, access.RUN)
            task = tasks_service.get_or_404(s, task_id, who.scope)
            draw = draws.for_task(s, task)
            if draw is None or draw.status == DrawStatus.ABANDONED:
                draw = draws.prepare(s, who.actor, task)
            if dice is not None or drand is not None:
                digits = draw.entropy_choice.get("dice_digits", 0) if dice is None else dice
                use = bool(draw.entropy_choice.get("drand")) if drand is None else drand
                draws.set_entropy(s, who.actor, draw, drand=use, dice_digits=digits)
            if commit:
                draws.commit(s, who.actor, draw)
            _plain(_status_lines(draw))

    @cer.command("status")
    def status(task_id: TaskArg, user: UserOpt) -> None:
        """显示抽取状态、摘要、随机数计划和监督人。"""
        with _tx(get_factory()) as s:
            _plain(_status_lines(_draw(s, acting(s, user), task_id)))

    @cer.command("witness-add")
    def witness_add(
        task_id: TaskArg,
        user: UserOpt,
        name: Annotated[str, typer.Option(help="监督人姓名")],
        kind: Annotated[str, typer.Option(help="身份：细则列明的监督人身份之一（如 局纪检员）")],
        organisation: Annotated[str, typer.Option(help="单位")] = "",
        account: Annotated[
            str | None, typer.Option(help="监督人的登录账号：关联后只能由本人录入骰子数字")
        ] = None,
    ) -> None:
        """登记监督人（身份须为细则列明的身份之一）。"""
        with _tx(get_factory()) as s:
            who = acting(s, user, access.RUN)
            draw = _draw(s, who, task_id)
            linked = None
            if account is not None:
                linked = acting(s, account, access.WITNESS).user
                if linked is None or (
                    who.scope is not None and linked.department_id not in who.scope
                ):
                    raise NotFound(f"未找到监督人账号“{account}”")
            w = entropy_input.add_witness(s, who.actor, draw, name, kind, organisation, user=linked)
            _plain(f"已登记监督人 #{w.id} {w.name}（{w.kind}）")

    @cer.command("dice")
    def dice_(
        task_id: TaskArg,
        user: UserOpt,
        witness: Annotated[int, typer.Option(help="掷骰的监督人编号")],
        digits: Annotated[str, typer.Option(help="掷出的数字")],
    ) -> None:
        """录入监督人掷出的骰子数字（关联了账号的监督人须以本人账号录入）。"""
        with _tx(get_factory()) as s:
            who = acting(s, user, (*access.RUN, *access.WITNESS))
            draw = _draw(s, who, task_id)
            person = s.get(DrawWitness, witness)
            if person is None or person.draw_id != draw.id:
                raise NotFound("未找到该监督人")
            value = entropy_input.enter_dice(s, who.actor, draw, person, digits)
            _plain(f"已录入，骰子数字现为 {value}")

    @cer.command("drand")
    def drand(
        task_id: TaskArg,
        user: UserOpt,
        round_number: Annotated[int, typer.Option("--round", help="drand 轮次")],
        signature: Annotated[str, typer.Option(help="该轮的 signature（十六进制）")],
    ) -> None:
        """录入 drand quicknet 的签名（离线校验）。"""
        with _tx(get_factory()) as s:
            who = acting(s, user, access.RUN)
            entropy_input.enter_drand(s, who.actor, _draw(s, who, task_id), round_number, signature)
            _plain(f"drand 第 {round_number} 轮签名已校验并录入")

    @cer.command("compute")
    def compute(task_id: TaskArg, user: UserOpt) -> None:
        """计算抽取结果（只能一次）。"""
        with _tx(get_factory()) as s:
            who = acting(s, user, access.RUN)
            draw = ceremony.compute(s, who.actor, _draw(s, who, task_id))
            _plain(_status_lines(draw))

    @cer.command("abandon")
    def abandon_(
        task_id: TaskArg,
        user: UserOpt,
        reason: Annotated[str, typer.Option(help="放弃的原因（公开）")],
        approved_by: Annotated[str, typer.Option(help="批准人（领导的姓名或用户名）")],
        document: Annotated[str, typer.Option(help="批准文件的文号")] = "",
    ) -> None:
        """经批准放弃已承诺但无法取得随机数的抽取（承诺继续公示；任务可重新准备抽取）。"""
        from spotcheck.draws import abandon

        with _tx(get_factory()) as s:
            who = acting(s, user, access.RUN)
            draw = abandon.abandon(
                s,
                who.actor,
                _draw(s, who, task_id),
                reason=reason,
                approved_by=approved_by,
                document_no=document,
            )
            _plain(_status_lines(draw))

    @cer.command("schedule")
    def schedule(task_id: TaskArg, user: UserOpt) -> None:
        """检查日程和人员安排表（004 二（五））。"""
        with _tx(get_factory()) as s:
            rows = ceremony.schedule(s, _draw(s, acting(s, user), task_id))
            for row in rows:
                people = "；".join(
                    f"{m['slot']}：{m['name']}（{m['cert_no'] or '无证号'}）{'【组长】' if m['leader'] else ''}"
                    for m in row["inspectors"]
                )
                _plain(f"{row['order']}. {row['target_name']}（{row['target_key']}） {people}")

    @cer.command("export-record")
    def export_record(
        task_id: TaskArg,
        user: UserOpt,
        out: Annotated[Path, typer.Option(help="写入的 JSON 文件")],
        auditor: Annotated[
            bool, typer.Option("--auditor", help="审计用完整记录（全部开启值）")
        ] = False,
    ) -> None:
        """导出抽取记录（公开或审计用），可用 spotcheck verify 核验。"""
        with _tx(get_factory()) as s:
            # The auditor's copy opens every candidate: leaders and administrators of the draw's
            # own department or one above it only (as on the web), and each export is audited.
            who = acting(s, user, access.AUDIT if auditor else ())
            draw = _draw(s, who, task_id)
            if auditor:
                if who.scope is not None and draw.department_id not in who.scope:
                    raise NotFound("未找到该抽取，或您无权查看审计用记录")
                record(
                    s,
                    who.actor,
                    "draw.auditor_record",
                    object_type="draw",
                    object_id=draw.id,
                    summary=f"导出 {draw.code} 的审计用抽取记录（含全部开启值）",
                )
            # The stored canonical text, byte for byte (what the digest and verifiers read).
            with out.open("wb") as handle:
                handle.writelines(ceremony.record_pieces(s, draw, auditor=auditor))
            _plain(f"已写出 {out}")

    _register_events(cer, get_factory)


Reason = Annotated[str, typer.Option(help="原因（须为规定的原因之一，“其他”须附书面说明）")]
Statement = Annotated[str, typer.Option(help="书面说明")]
Approver = Annotated[str, typer.Option("--approved-by", help="批准人（细则规定的审批层级）")]


def _register_events(cer: typer.Typer, get_factory: Callable[[], sessionmaker[Session]]) -> None:
    """Events after the draw and delegation (draws/events.py, plans/delegation.py)."""

    @cer.command("replace-target")
    def replace_target(
        task_id: TaskArg,
        user: UserOpt,
        target: Annotated[str, typer.Option(help="被替换对象的标识（统一社会信用代码等）")],
        reason: Reason,
        statement: Statement = "",
        approved_by: Approver = "",
    ) -> None:
        """替换检查对象：由其分层的下一个未用候补对象替补。"""
        with _tx(get_factory()) as s:
            who = acting(s, user, access.RUN)
            draw = _draw(s, who, task_id)
            row = events.replace_target(
                s,
                who.actor,
                draw,
                target_key=target,
                reason=reason,
                statement=statement,
                approved_by=approved_by,
            )
            new = row.names[row.payload["replacement"]][0]
            _plain(f"事件 {row.seq}：{target} 由候补对象 {new} 替换（{row.rule}）")

    @cer.command("replace-inspector")
    def replace_inspector(
        task_id: TaskArg,
        user: UserOpt,
        target: Annotated[str, typer.Option(help="检查对象的标识")],
        inspector: Annotated[str, typer.Option(help="被替换的检查人员编号")],
        reason: Reason,
        statement: Statement = "",
        approved_by: Approver = "",
    ) -> None:
        """替换检查人员：由该对象排序中的下一名符合条件的人员替补。"""
        with _tx(get_factory()) as s:
            who = acting(s, user, access.RUN)
            row = events.replace_inspector(
                s,
                who.actor,
                _draw(s, who, task_id),
                target_key=target,
                inspector_key=inspector,
                reason=reason,
                statement=statement,
                approved_by=approved_by,
            )
            _plain(
                f"事件 {row.seq}：{inspector} 由 {row.payload['replacement']} 替换（{row.rule}）"
            )

    @cer.command("assign-manual")
    def assign_manual(
        task_id: TaskArg,
        user: UserOpt,
        target: Annotated[str, typer.Option(help="检查对象的标识")],
        slot: Annotated[str, typer.Option(help="岗位名称")],
        inspector: Annotated[str, typer.Option(help="指派的检查人员编号")],
        reason: Reason,
        statement: Statement,
        approved_by: Approver,
        replaces: Annotated[str, typer.Option(help="被换下的检查人员编号（不填则为增派）")] = "",
    ) -> None:
        """人工指派检查人员（例外，非随机抽取；如 002 第十条 直接委派）。"""
        with _tx(get_factory()) as s:
            who = acting(s, user, access.RUN)
            row = events.assign_manual(
                s,
                who.actor,
                _draw(s, who, task_id),
                target_key=target,
                slot=slot,
                inspector_key=inspector,
                reason=reason,
                statement=statement,
                approved_by=approved_by,
                replaces=replaces or None,
            )
            _plain(f"事件 {row.seq}：人工指派 {inspector}（例外，非随机抽取；{row.rule}）")

    @cer.command("exchange")
    def exchange(
        task_id: TaskArg,
        user: UserOpt,
        target: Annotated[str, typer.Option(help="申请回避人员所在检查对象的标识")],
        inspector: Annotated[str, typer.Option(help="申请回避的检查人员编号")],
        other_target: Annotated[str, typer.Option(help="与之交换的检查对象的标识")],
        other_inspector: Annotated[
            str, typer.Option(help="另一对象中同一岗位、与之交换的人员编号")
        ],
        approved_by: Approver,
        statement: Statement = "",
    ) -> None:
        """调换检查对象（回避，002 第十一条第二款）：两名同岗位人员交换检查对象，记录为两条人工指派。"""
        with _tx(get_factory()) as s:
            who = acting(s, user, access.RUN)
            one, two = events.exchange(
                s,
                who.actor,
                _draw(s, who, task_id),
                first_key=target,
                first_inspector=inspector,
                second_key=other_target,
                second_inspector=other_inspector,
                statement=statement,
                approved_by=approved_by,
            )
            _plain(
                f"事件 {one.seq}、{two.seq}：{inspector} 与 {other_inspector} 交换检查对象"
                f"（例外，非随机抽取；{one.rule}）"
            )

    @cer.command("events")
    def list_events(task_id: TaskArg, user: UserOpt) -> None:
        """列出抽取后的事件（原因、批准人、依据）。"""
        with _tx(get_factory()) as s:
            for row in events.events_of(_draw(s, acting(s, user), task_id)):
                label = EVENT_LABELS.get(row.kind, row.kind)
                _plain(
                    f"{row.seq}. {label}：{row.reason}；批准人 {row.approved_by or '—'}；{row.rule}"
                )

    @cer.command("delegate")
    def delegate(
        task_id: TaskArg,
        user: UserOpt,
        department: Annotated[str, typer.Option(help="下级部门编码")],
        reason: Annotated[str, typer.Option(help="委派事由")],
    ) -> None:
        """把任务委派给下级机关（001 第十四条），由其组织抽取。"""
        with _tx(get_factory()) as s:
            who = acting(s, user, access.RUN)
            task = tasks_service.get_or_404(s, task_id, who.scope)
            dep = departments_service.get_by_code(s, department)
            if dep is None:
                raise NotFound(f"未找到部门 {department}")
            delegation.delegate(s, who.actor, task, dep, reason)
            _plain(f"任务 {task.id} 已委派给{dep.name}")
