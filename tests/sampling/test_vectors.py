"""The spec's test vectors: replay reproduces them, verify accepts and rejects them as named."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from spotcheck.sampling import (
    DrawError,
    EntropyError,
    InfeasibleError,
    compute_record,
    verify_record,
)
from spotcheck.sampling import scan as scan_module
from spotcheck.sampling.standalone_verifier import write_script

from .helpers import ACCEPTED, REJECTED, VECTORS, vector, without_derived


def test_it_finds_every_vector() -> None:
    names = {p.stem for p in VECTORS.glob("*.json")}
    assert VECTORS.is_dir(), f"missing {VECTORS}"
    assert set(ACCEPTED) | set(REJECTED) <= names


def _replay(data: dict[str, Any], **options: Any) -> dict[str, Any]:
    return compute_record(
        data["manifest"],
        data["entropy"],
        without_derived(data["events"]),
        openings=data["openings"],
        **options,
    )


def _assert_reproduces(data: dict[str, Any], record: dict[str, Any]) -> None:
    fields = ("manifest_digest", "seed", "selected", "alternates", "assignments", "events")
    for field in (*fields, "openings"):
        assert record[field] == data[field], field


@pytest.mark.parametrize("name", ACCEPTED)
def test_it_replays_each_accepted_vector(name: str) -> None:
    data = vector(name)
    _assert_reproduces(data, _replay(data))


@pytest.mark.parametrize("name", ACCEPTED)
def test_it_replays_each_vector_on_worker_processes(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(scan_module, "PARALLEL_MIN_CANDIDATES", 0)
    monkeypatch.setattr(scan_module, "PARALLEL_MIN_HASHES", 0)
    data = vector(name)
    _assert_reproduces(data, _replay(data, workers=2))


@pytest.mark.parametrize("name", ["reject-tampered-selection", "reject-bad-opening"])
def test_it_replays_what_a_tampered_record_should_have_said(name: str) -> None:
    data, honest = vector(name), vector("small")
    record = compute_record(data["manifest"], data["entropy"], [])
    assert record["selected"] == honest["selected"]


@pytest.mark.parametrize(
    ("name", "error", "code"),
    [
        ("reject-infeasible", InfeasibleError, "infeasible"),
        ("reject-late-commitment", EntropyError, "drand-timing"),
        ("reject-forged-drand", EntropyError, "drand-signature"),
    ],
)
def test_it_refuses_to_compute_from_a_bad_vector(
    name: str, error: type[DrawError], code: str
) -> None:
    data = vector(name)
    with pytest.raises(error) as caught:
        _replay(data)
    assert caught.value.code == code


@pytest.mark.parametrize("name", ACCEPTED)
def test_it_verifies_each_accepted_vector(name: str) -> None:
    result = verify_record(vector(name))
    assert result.reasons == []
    assert result.fully_verified
    assert "verified" in result.summary()


@pytest.mark.parametrize(("name", "code"), sorted(REJECTED.items()))
def test_it_rejects_each_vector_for_the_reason_its_name_gives(name: str, code: str) -> None:
    result = verify_record(vector(name))
    assert not result.ok
    assert [r.code for r in result.reasons] == [code]
    assert all(r.zh and r.en for r in result.reasons)


@pytest.fixture(scope="module")
def script(tmp_path_factory: pytest.TempPathFactory) -> Path:
    path = tmp_path_factory.mktemp("verifier") / "ssj_verify.py"
    write_script(path)
    return path


def _run(
    script: Path, name: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, str(script), str(VECTORS / f"{name}.json")],
        capture_output=True,
        text=True,
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("name", ACCEPTED)
def test_it_accepts_each_vector_with_the_standalone_script(script: Path, name: str) -> None:
    done = _run(script, name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "verified" in done.stdout


@pytest.mark.parametrize(("name", "code"), sorted(REJECTED.items()))
def test_it_rejects_each_vector_with_the_standalone_script(
    script: Path, name: str, code: str
) -> None:
    done = _run(script, name)
    assert done.returncode == 1, done.stdout + done.stderr
    assert f"[{code}]" in done.stdout
    assert "Traceback" not in done.stderr


def test_it_says_signature_not_checked_without_drand_verify(script: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "block"
    blocker.mkdir()
    (blocker / "drand_verify.py").write_text("raise ImportError('hidden for the test')\n")
    env = dict(os.environ, PYTHONPATH=str(blocker))
    done = _run(script, "joint-drand", env)
    assert done.returncode == 3, done.stdout + done.stderr
    assert "signature not checked" in done.stdout
    forged = _run(script, "reject-forged-drand", env)
    assert forged.returncode == 3  # without BLS, a forged but consistent round cannot be caught
    assert _run(script, "reject-late-commitment", env).returncode == 1


def test_it_runs_the_script_with_workers(script: Path) -> None:
    done = subprocess.run(
        [sys.executable, str(script), str(VECTORS / "events.json"), "--workers", "2", "--json"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert '"fully_verified": true' in done.stdout
