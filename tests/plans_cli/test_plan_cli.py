"""`spotcheck plan …` as an operator uses it: the workflow as named accounts, task files, the
preview and its CSV; roles and department scope checked as the web checks them."""

from __future__ import annotations

import csv
import io
import json
import re
import tomllib
from collections.abc import Callable
from pathlib import Path
from typing import Any

from click.testing import Result
from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit.models import AuditEvent
from spotcheck.plans.models import AnnualPlan, PlanStatus, Task
from spotcheck.rulebooks.schema import cite
from tests.plans_cli.world import YEAR, World, item_rule_article

Run = Callable[..., Result]


def _plan_id(result: Result) -> int:
    match = re.search(r"#(\d+)", result.output)
    assert match, result.output
    return int(match.group(1))


def _file(tmp_path: Path, doc: dict[str, Any], name: str = "task.json") -> str:
    path = tmp_path / name
    path.write_text(json.dumps(doc, ensure_ascii=False), encoding="utf-8")
    return str(path)


def _add(run: Run, plan_id: int, path: str, user: str = "officer") -> Result:
    return run("plan", "task-add", str(plan_id), "--file", path, "--user", user)


def _create(run: Run) -> int:
    made = run("plan", "create", "--department", "CITY-A", "--year", str(YEAR), "--user", "coord")
    assert made.exit_code == 0, made.output
    return _plan_id(made)


def test_it_runs_the_whole_workflow_as_named_accounts(
    run: Run, world: World, db: Session, tmp_path: Path
) -> None:
    plan_id = _create(run)
    added = _add(run, plan_id, _file(tmp_path, world.task_doc()))
    assert added.exit_code == 0, added.output
    assert run("plan", "submit", str(plan_id), "--user", "coord").exit_code == 0
    # 001 第十三条: the 市人民政府 approves, so the leader must give its document number.
    missing = run("plan", "approve", str(plan_id), "--user", "leader")
    assert missing.exit_code == 1 and "审定文号" in missing.output
    approved = run(
        "plan", "approve", str(plan_id), "--user", "leader",
        "--opinion", "同意，按计划实施", "--document-no", "忻政字〔2027〕3号",
    )  # fmt: skip
    assert approved.exit_code == 0, approved.output
    assert "已批准" in approved.output and "依据 001" in approved.output
    assert (
        run("plan", "file", str(plan_id), "--user", "coord", "--document-no", "备2027-1").exit_code
        == 0
    )
    assert run("plan", "publish", str(plan_id), "--user", "coord").exit_code == 0

    shown = run("plan", "show", str(plan_id))
    assert shown.exit_code == 0, shown.output
    out = shown.output
    assert "状态：已公开" in out and "细则：" in out and f"（{'xinzhou-joint'}）" in out
    assert "LEADER" in out and "COORD" in out  # who (make_user names people by upper case)
    assert "意见：同意，按计划实施" in out and "文号：忻政字〔2027〕3号" in out
    assert "代市人民政府" in out
    assert "待审批 → 已批准" in out and "已备案 → 已公开" in out
    assert "工业企业联合抽查" in out and "参与部门：乙市局" in out
    assert "【年度抽查比例】" in out
    db.expire_all()
    plan = db.get(AnnualPlan, plan_id)
    assert plan is not None and plan.status == PlanStatus.PUBLISHED
    actors = {
        e.actor_name for e in db.scalars(select(AuditEvent).where(AuditEvent.action.like("plan.%")))
    }
    assert actors == {"COORD", "LEADER"}  # the named accounts, not "系统"

    listed = run("plan", "list", "--year", str(YEAR), "--department", "CITY-A")
    assert listed.exit_code == 0 and f"#{plan_id}" in listed.output and "[已公开]" in listed.output
    assert "没有年度计划" in run("plan", "list", "--year", "2030").output

    adjusted = run("plan", "adjust", str(plan_id), "--reason", "增加任务", "--user", "coord")
    assert (
        adjusted.exit_code == 0 and "第 2 版" in adjusted.output and "1 个任务" in adjusted.output
    )


def test_it_refuses_moves_by_role_and_scope_with_exit_1(
    run: Run, world: World, tmp_path: Path
) -> None:
    plan_id = _create(run)
    _add(run, plan_id, _file(tmp_path, world.task_doc()))
    officer = run("plan", "submit", str(plan_id), "--user", "officer")
    assert officer.exit_code == 1 and "此功能仅限" in officer.output
    assert run("plan", "submit", str(plan_id), "--user", "coord").exit_code == 0
    not_leader = run("plan", "approve", str(plan_id), "--user", "coord", "--document-no", "x")
    assert not_leader.exit_code == 1 and "领导审批" in not_leader.output
    outsider = run("plan", "approve", str(plan_id), "--user", "outsider", "--document-no", "x")
    assert outsider.exit_code == 1 and "未找到" in outsider.output
    assert "未找到" in run("plan", "show", str(plan_id), "--user", "outsider").output
    nobody = run("plan", "publish", str(plan_id), "--user", "ghost")
    assert nobody.exit_code == 1 and "不存在" in nobody.output
    illegal = run("plan", "publish", str(plan_id), "--user", "coord")
    assert illegal.exit_code == 1 and "待审批" in illegal.output
    returned = run("plan", "return", str(plan_id), "--user", "leader")
    assert returned.exit_code == 1 and "审批意见" in returned.output
    # Bad usage is exit 2: a move without --user, an option the move does not take.
    assert run("plan", "submit", str(plan_id)).exit_code == 2
    assert run("plan", "publish", str(plan_id), "--user", "coord", "--opinion", "x").exit_code == 2
    outsider_create = run(
        "plan", "create", "--department", "CITY-A", "--year", "2028", "--user", "outsider"
    )
    assert outsider_create.exit_code == 1 and "未找到" in outsider_create.output


def test_it_lists_every_problem_of_a_task_file_and_cites_the_item_list_rule(
    run: Run, world: World, db: Session, tmp_path: Path
) -> None:
    plan_id = _create(run)
    bad = world.task_doc(
        main_item="JG-009",  # not published
        participants=["CITY-B", "NOWHERE"],
        window_start=f"{YEAR}-10-01",
        window_end=f"{YEAR}-02-01",
        methods=["拍脑袋"],
    )
    result = _add(run, plan_id, _file(tmp_path, bad))
    assert result.exit_code == 1
    out = result.output
    line = next(line for line in out.splitlines() if "清单之外无抽查" in line)
    assert "main_item（主事项）" in line and "JG-009" in line
    assert cite(item_rule_article(db)) in line
    assert "participants（参与部门）" in out and "“NOWHERE”不存在" in out
    assert "window_end（检查结束日期）：结束日期不能早于开始日期" in out
    assert "methods（检查方式）" in out and "拍脑袋" in out
    db.expire_all()
    assert db.scalar(select(Task.id)) is None  # nothing saved

    typo = _add(run, plan_id, _file(tmp_path, {**world.task_doc(), "windw": 1}))
    assert typo.exit_code == 1 and "未知字段“windw”" in typo.output
    broken = tmp_path / "broken.json"
    broken.write_text("{not json", encoding="utf-8")
    syntax = _add(run, plan_id, str(broken))
    assert syntax.exit_code == 2 and "不是有效的 JSON" in syntax.output


def test_it_adds_updates_and_deletes_tasks_from_toml_and_json(
    run: Run, world: World, db: Session, tmp_path: Path
) -> None:
    plan_id = _create(run)
    template = run("plan", "task-template", str(plan_id))
    assert template.exit_code == 0
    assert "JG-001" in template.output and "CITY-B" in template.output  # real choices listed
    assert "d = { ratio = 1.0 }" in template.output  # the profile's strata with their articles
    toml_path = tmp_path / "task.toml"
    toml_path.write_text(template.output, encoding="utf-8")
    assert tomllib.loads(template.output)["main_item"] == "JG-001"
    added = _add(run, plan_id, str(toml_path))
    assert added.exit_code == 0, added.output
    task_id = _plan_id(added)
    second = _add(run, plan_id, _file(tmp_path, world.task_doc()))
    second_id = _plan_id(second)
    # A participant sees the joint task but cannot change it.
    seen = run("plan", "task-show", str(second_id), "--user", "partner")
    assert seen.exit_code == 0 and "工业企业联合抽查" in seen.output
    assert "乙市局（CITY-B）" in seen.output and "YB-001" in seen.output
    changed = run(
        "plan", "task-update", str(second_id), "--file",
        _file(tmp_path, world.task_doc(name="改名后的任务")), "--user", "partner",
    )  # fmt: skip
    assert changed.exit_code == 1 and "参与部门不能修改" in changed.output
    renamed = run(
        "plan", "task-update", str(second_id), "--file",
        _file(tmp_path, world.task_doc(name="改名后的任务", other_items=[])), "--user", "officer",
    )  # fmt: skip
    assert renamed.exit_code == 0, renamed.output
    db.expire_all()
    task = db.get(Task, second_id)
    assert task is not None and task.name == "改名后的任务" and len(task.items) == 1
    exported = run("plan", "task-show", str(task_id), "--as-file")
    assert exported.exit_code == 0
    doc = json.loads(exported.output)
    assert doc["main_item"] == "JG-001" and doc["window_start"] == f"{YEAR}-03-01"
    doc["requirements"] = "按文件修改"
    again = run(
        "plan", "task-update", str(task_id), "--file", _file(tmp_path, doc), "--user", "coord"
    )
    assert again.exit_code == 0, again.output
    assert run("plan", "task-delete", str(task_id), "--user", "outsider").exit_code == 1
    assert run("plan", "task-delete", str(task_id), "--user", "officer").exit_code == 0
    db.expire_all()
    assert db.get(Task, task_id) is None
    assert db.get(Task, second_id).number == 1  # type: ignore[union-attr]
    generic = run("plan", "task-template", "--json")
    assert generic.exit_code == 0 and json.loads(generic.output)["methods"] == ["实地核查"]


def test_it_previews_counts_and_exclusions_but_never_a_candidate(
    run: Run, world: World, tmp_path: Path
) -> None:
    plan_id = _create(run)
    added = _add(run, plan_id, _file(tmp_path, world.task_doc()))
    task_id = _plan_id(added)
    blocked = run("plan", "task-show", str(task_id))
    assert "暂不能进入抽取" in blocked.output and "草稿" in blocked.output
    listed = run("plan", "tasks", "--year", str(YEAR), "--user", "partner")
    assert f"#{task_id}" in listed.output and "暂不能抽取" in listed.output
    assert "没有抽查任务" in run("plan", "tasks", "--user", "outsider").output

    out_csv = tmp_path / "excluded.csv"
    preview = run("plan", "preview", str(task_id), "--excluded-csv", str(out_csv))
    assert preview.exit_code == 0, preview.output
    out = preview.output
    assert "范围内检查对象 7 户；排除 2 户；候选 5 户" in out
    assert "D类（信用风险高）（d）：候选 1 户，比例 100%，抽取 1 户" in out
    # 001 does not leave non-存续 targets out of the draw (第二十一条 only closes their check).
    assert "不在可抽取状态：2 户（平台规则（细则未规定））" in out
    candidates = world.candidate_keys(task_id)
    assert len(candidates) == 5
    assert not [key for key in candidates if key in out]
    assert not [t.key for t in world.closed if t.key in out]  # the list goes to the CSV only
    raw = out_csv.read_bytes()
    assert raw.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(raw.decode("utf-8-sig"))))
    assert rows[0] == ["统一社会信用代码", "名称", "排除原因", "依据条款", "规则"]
    assert {r[0] for r in rows[1:]} == {t.key for t in world.closed}
    assert all(r[3] == "平台规则（细则未规定）" for r in rows[1:])
    assert not candidates & {r[0] for r in rows[1:]}
    hidden = run("plan", "preview", str(task_id), "--user", "outsider")
    assert hidden.exit_code == 1 and "未找到" in hidden.output


def test_it_creates_a_marked_special_campaign_only_where_the_rulebook_allows_it(
    run: Run, world: World, db: Session, tmp_path: Path
) -> None:
    from spotcheck.audit.service import SYSTEM
    from spotcheck.rulebooks import service as rulebooks_service

    doc = world.task_doc(participants=[], other_items=[])
    no_basis = run(
        "plan",
        "task-special",
        "--department",
        "CITY-A",
        "--file",
        _file(tmp_path, doc),
        "--user",
        "officer",
    )
    assert no_basis.exit_code == 1 and "部署文件" in no_basis.output
    doc["special_basis"] = "晋档发〔2027〕1号 专项执法检查部署"
    made = run(
        "plan",
        "task-special",
        "--department",
        "CITY-A",
        "--file",
        _file(tmp_path, doc),
        "--user",
        "officer",
    )
    assert made.exit_code == 0, made.output
    task = db.scalars(select(Task).where(Task.special.is_(True))).one()
    assert task.plan_id is None and task.special_basis.startswith("晋档发")
    # 002 has no special campaigns (第二十一条第三款 leaves them outside the rulebook).
    rulebooks_service.adopt(db, SYSTEM, world.org.own, "zibo-gxj")
    db.commit()
    refused = run(
        "plan",
        "task-special",
        "--department",
        "CITY-A",
        "--file",
        _file(tmp_path, doc),
        "--user",
        "officer",
    )
    assert refused.exit_code == 1 and "不能新建计划外专项检查" in refused.output
    outside = run(
        "plan",
        "task-special",
        "--department",
        "CITY-C",
        "--file",
        _file(tmp_path, doc),
        "--user",
        "officer",
    )
    assert outside.exit_code == 1 and "未找到部门" in outside.output
