"""The draw engine's commands through a throwaway Typer app: exit codes, messages, files."""

from __future__ import annotations

import ast
import json
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest
import typer
from typer.testing import CliRunner

from spotcheck.draws import engine_cli

VECTORS = Path(__file__).resolve().parents[2] / ".." / "shared" / "spec" / "vectors"
DERIVED = {"replace-target": ("replacement", "group"), "replace-inspector": ("replacement",)}
runner = CliRunner()


def _app() -> typer.Typer:
    app = typer.Typer()
    draw_app = typer.Typer()
    app.add_typer(draw_app, name="draw")
    engine_cli.register(app, draw_app)
    return app


APP = _app()


def _vector(name: str) -> dict[str, Any]:
    path = VECTORS / f"{name}.json"
    assert path.is_file(), f"test vector missing: {path}"
    data: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
    return data


def _invoke(*args: str) -> Any:
    result = runner.invoke(APP, list(args))
    # Never a traceback: only clean exits.
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    return result


@pytest.mark.parametrize("name", ["small", "joint-drand", "ranked-groups", "events"])
def test_it_verifies_a_good_record_with_exit_0(name: str) -> None:
    result = _invoke("verify", str(VECTORS / f"{name}.json"))
    assert result.exit_code == 0, result.output
    assert len(result.output.strip().splitlines()) == 1
    assert "核验通过" in result.output and "verified" in result.output


@pytest.mark.parametrize(
    ("name", "code"),
    [
        ("reject-bad-opening", "opening-mismatch"),
        ("reject-changed-dice", "seed-mismatch"),
        ("reject-extra-opening", "opening-extra"),
        ("reject-forged-drand", "drand-signature"),
        ("reject-infeasible", "infeasible"),
        ("reject-late-commitment", "drand-timing"),
        ("reject-tampered-selection", "selected-mismatch"),
        ("reject-wrong-replacement", "event-mismatch"),
    ],
)
def test_it_prints_every_reason_with_exit_1(name: str, code: str) -> None:
    result = _invoke("verify", str(VECTORS / f"{name}.json"))
    assert result.exit_code == 1
    reason = next(line for line in result.output.splitlines() if line.startswith(f"[{code}]"))
    zh, en = reason.split(" / ", 1)
    assert (any("\u4e00" <= ch <= "\u9fff" for ch in zh) and en.isascii() is False) or en


def test_it_prints_the_verdict_as_json() -> None:
    result = _invoke("verify", "--json", str(VECTORS / "reject-late-commitment.json"))
    verdict = json.loads(result.output)
    assert result.exit_code == 1 and verdict["ok"] is False
    assert verdict["reasons"][0]["code"] == "drand-timing"


@pytest.mark.parametrize(
    "content",
    [
        "not json at all",
        '{"spec": "ssj-draw-v2", "manifest": {}}',
        "[1, 2]",
        '{"a": 1, "a": 2}',
        "",
    ],
)
def test_it_exits_2_for_something_that_is_not_a_record(tmp_path: Path, content: str) -> None:
    path = tmp_path / "x.json"
    path.write_text(content, encoding="utf-8")
    result = _invoke("verify", str(path))
    assert result.exit_code == 2
    assert "not a draw record" in result.output


def test_it_exits_2_for_a_missing_file(tmp_path: Path) -> None:
    assert _invoke("verify", str(tmp_path / "nope.json")).exit_code == 2


def test_it_exits_1_for_a_record_with_wrong_types(tmp_path: Path) -> None:
    data = _vector("small")
    data["seed"] = 12
    data["manifest"]["strata"][0]["quota"] = 1.5
    path = tmp_path / "r.json"
    path.write_text(json.dumps(data, ensure_ascii=False), encoding="utf-8")
    result = _invoke("verify", str(path))
    assert result.exit_code == 1
    assert "must be an integer" in result.output


def _replay_files(tmp_path: Path, data: dict[str, Any], manifest: Any = None) -> list[str]:
    files = {
        "m.json": data["manifest"] if manifest is None else manifest,
        "e.json": data["entropy"],
        "ev.json": [
            {k: v for k, v in e.items() if k not in DERIVED.get(e["type"], ())}
            for e in data["events"]
        ],
        "o.json": data["openings"],
    }
    for name, value in files.items():
        (tmp_path / name).write_text(json.dumps(value, ensure_ascii=False), encoding="utf-8")
    return [
        str(tmp_path / "m.json"),
        str(tmp_path / "e.json"),
        "--events",
        str(tmp_path / "ev.json"),
        "--openings",
        str(tmp_path / "o.json"),
    ]


@pytest.mark.parametrize("name", ["small", "joint-drand", "ranked-groups", "events"])
def test_it_replays_each_vector(tmp_path: Path, name: str) -> None:
    data = _vector(name)
    out = tmp_path / "record.json"
    result = _invoke("draw", "replay", *_replay_files(tmp_path, data), "-o", str(out))
    assert result.exit_code == 0, result.output
    record = json.loads(out.read_text(encoding="utf-8"))
    for field in (
        "manifest_digest",
        "seed",
        "selected",
        "alternates",
        "assignments",
        "events",
        "openings",
    ):
        assert record[field] == data[field], field
    assert _invoke("verify", str(out)).exit_code == 0


def test_it_replays_to_stdout_with_other_alternates_and_for_auditors(tmp_path: Path) -> None:
    data = _vector("events")
    args = _replay_files(tmp_path, data)
    result = _invoke("draw", "replay", *args, "--alternates", "2", "--compact")
    record = json.loads(result.output)
    assert result.exit_code == 0 and all(len(v) <= 2 for v in record["alternates"].values())
    assert "\n" not in result.output.strip()
    assert _invoke("draw", "replay", *args, "--alternates", "-1").exit_code == 2
    all_openings = tmp_path / "all.json"
    # The vector holds only the public openings, so an auditor's copy must be refused.
    denied = _invoke("draw", "replay", *args, "--auditor", "-o", str(all_openings))
    assert denied.exit_code == 1 and "no opening for target" in denied.output


def test_it_warns_without_openings(tmp_path: Path) -> None:
    data = _vector("small")
    args = _replay_files(tmp_path, data)[:2]
    result = _invoke("draw", "replay", *args)
    assert result.exit_code == 0
    assert "no openings given" in result.output


@pytest.mark.parametrize(
    ("change", "words"),
    [
        (lambda m: m["strata"][0]["candidates"].reverse(), "out of order"),
        (
            lambda m: m["strata"][0]["candidates"].append(m["strata"][0]["candidates"][-1]),
            "duplicate",
        ),
        (lambda m: m["strata"][0].__setitem__("quota", 99), "quota 99 must lie between 0"),
        (lambda m: m.__setitem__("ratio", 0.5), "manifest.ratio must be an integer"),
        (lambda m: m["slots"][0].__setitem__("count", "2"), "must be an integer"),
        (lambda m: m.__setitem__("strata", {}), "must be an array"),
    ],
)
def test_it_refuses_a_malformed_manifest_clearly(tmp_path: Path, change: Any, words: str) -> None:
    data = _vector("small")
    manifest = json.loads(json.dumps(data["manifest"]))
    change(manifest)
    result = _invoke("draw", "replay", *_replay_files(tmp_path, data, manifest))
    assert result.exit_code == 1
    assert words in result.output and "错误 / error" in result.output


def test_it_refuses_unreadable_and_mistyped_inputs(tmp_path: Path) -> None:
    data = _vector("small")
    args = _replay_files(tmp_path, data)
    (tmp_path / "e.json").write_text("{oops", encoding="utf-8")
    assert _invoke("draw", "replay", *args).exit_code == 2
    (tmp_path / "e.json").write_text('{"kind": "dice"}', encoding="utf-8")
    result = _invoke("draw", "replay", *args)
    assert result.exit_code == 1 and "must hold an array" in result.output
    (tmp_path / "e.json").write_text('[{"kind": "dice", "value": "12"}]', encoding="utf-8")
    result = _invoke("draw", "replay", *args)
    assert result.exit_code == 1 and "exactly 20 ASCII digits" in result.output


def test_it_writes_a_standalone_verifier_that_runs(tmp_path: Path) -> None:
    out = tmp_path / "verify_draw.py"
    result = _invoke("verifier-script", str(out))
    assert result.exit_code == 0 and out.is_file()
    tree = ast.parse(out.read_text(encoding="utf-8"))
    imported = {
        name
        for node in ast.walk(tree)
        if isinstance(node, ast.Import | ast.ImportFrom)
        for name in (
            [a.name for a in node.names] if isinstance(node, ast.Import) else [node.module or ""]
        )
    }
    assert not any(name.startswith("spotcheck") for name in imported)
    tops = {name.split(".")[0] for name in imported} - {"drand_verify"}
    assert tops <= set(sys.stdlib_module_names) | {"__future__"}
    done = subprocess.run(
        [sys.executable, str(out), str(VECTORS / "events.json")],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr


def test_it_explains_itself_in_help() -> None:
    for args, words in (
        (["verify", "--help"], "Exit 0 verified; 1 does not verify"),
        (["verifier-script", "--help"], "standard library only"),
        (["draw", "replay", "--help"], "--alternates"),
    ):
        result = _invoke(*args)
        assert result.exit_code == 0
        assert words in " ".join(result.output.split())
