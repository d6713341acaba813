"""`spotcheck ceremony replace-target / replace-inspector / assign-manual / exchange / events /
delegate`."""

from __future__ import annotations

from sqlalchemy.orm import Session

from spotcheck.draws import events
from tests.draws_ceremony.conftest import audit_actions, who
from tests.draws_ceremony.test_cli import Run, run
from tests.draws_events.conftest import computed, exchangeable, zibo_task

__all__ = ["run"]


def test_it_records_events_on_the_command_line_and_refuses_without_approval(
    run: Run, demo: Session
) -> None:
    db = demo
    task = zibo_task(db)
    draw = computed(db, who(db, "officer"), task)
    first, second = events.current(db, draw)[:2]
    db.commit()
    tid = str(task.id)
    done = run(
        "ceremony",
        "replace-target",
        tid,
        "--user",
        "officer",
        "--target",
        first.key,
        "--reason",
        "无法联系",
    )
    assert done.exit_code == 0 and "由候补对象" in done.output, done.output
    refused = run(
        "ceremony",
        "replace-inspector",
        tid,
        "--user",
        "officer",
        "--target",
        second.key,
        "--inspector",
        second.members[0][1],
        "--reason",
        "岗位调整",
        "--statement",
        "调岗",
    )
    assert refused.exit_code != 0 and "检查事项主管业务科室" in refused.output
    listed = run("ceremony", "events", tid, "--user", "officer")
    assert listed.exit_code == 0 and "1. 替换检查对象：无法联系" in listed.output
    db.expire_all()
    assert audit_actions(db, draw)[-2:] == ["draw.replace_target", "draw.refused"]


def test_it_exchanges_targets_on_the_command_line(run: Run, demo: Session) -> None:
    db = demo
    task = zibo_task(db)
    draw = computed(db, who(db, "officer"), task)
    a, i, b, j = exchangeable(db, draw)
    db.commit()
    args = ["ceremony", "exchange", str(task.id), "--user", "officer", "--target", a.key]
    args += ["--inspector", i, "--other-target", b.key, "--other-inspector", j]
    refused = run(*args, "--approved-by", "")
    assert refused.exit_code != 0 and "002 第十一条第二款" in refused.output, refused.output
    done = run(*args, "--approved-by", "王科长")
    assert done.exit_code == 0 and f"事件 1、2：{i} 与 {j} 交换检查对象" in done.output, done.output
    listed = run("ceremony", "events", str(task.id), "--user", "officer")
    assert "2. 人工指派（例外）：利害关系回避：对象调换" in listed.output, listed.output


def test_it_delegates_on_the_command_line(run: Run, demo: Session) -> None:
    db = demo
    task = zibo_task(db)
    db.commit()
    tid = str(task.id)
    done = run(
        "ceremony",
        "delegate",
        tid,
        "--user",
        "coordinator",
        "--department",
        "370303-GXJ",
        "--reason",
        "属地实施",
    )
    assert done.exit_code == 0 and "委派给" in done.output, done.output
    made = run("ceremony", "prepare", tid, "--user", "zhangdian")
    assert made.exit_code == 0, made.output
    assert run("ceremony", "status", tid, "--user", "xinzhou").exit_code != 0
