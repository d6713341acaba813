"""The draw engine's commands: `spotcheck verify`, `spotcheck verifier-script` and
`spotcheck draw replay`. Malformed input is a clear message and an exit status, never a
traceback."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Annotated, Any

import typer

from spotcheck.gcpause import paused_gc
from spotcheck.sampling import DEFAULT_ALTERNATES, DrawError, compute_record, is_record
from spotcheck.sampling.canonical import parse_json
from spotcheck.sampling.entropy import load_bls_verifier
from spotcheck.sampling.standalone_verifier import write_script
from spotcheck.sampling.verify import dumps_result, render_reasons, verify_record

EXIT_OK = 0
EXIT_FAILED = 1
EXIT_NOT_A_RECORD = 2
EXIT_PARTIAL = 3

VERIFY_HELP = (
    "核验抽取记录：重算摘要、种子、抽中对象、候补、检查组与事件，并校验开启值和 drand 签名。"
    "退出码 0 核验通过；1 未通过（逐条中英文列出原因）；2 文件不是抽取记录；"
    "3 其余均通过但 drand 签名无法校验。\n\n"
    "Verify a draw record: re-compute digest, seed, selection, alternates, groups and events, "
    "and check the openings and the drand signature. Exit 0 verified; 1 does not verify "
    "(every reason in Chinese and English); 2 the file is not a draw record; 3 consistent but "
    "the drand signature could not be checked."
)
SCRIPT_HELP = (
    "写出一个单文件的公众核验程序（只需 Python 3 标准库；装有 drand-verify 时校验签名）。\n\n"
    "Write a single-file public verifier (Python 3 standard library only; it checks drand "
    "signatures when drand-verify is installed). Run it as: python3 OUT.py RECORD.json"
)
REPLAY_HELP = (
    "按 SSJ-DRAW-1 由清单、公开的熵和事件（不含派生字段）重算完整的抽取记录。"
    "退出码 0 成功；1 输入被拒绝（原因中英文）；2 文件无法读取或不是 JSON。\n\n"
    "Re-compute the full draw record from a manifest, the revealed entropy and the events "
    "(without their derived fields). Exit 0 done; 1 the input is refused (reason in Chinese "
    "and English); 2 a file cannot be read or is not JSON."
)


class _Unreadable(Exception):
    """A file that cannot be read or is not JSON."""


def _read_json(path: Path, what: str) -> Any:
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise _Unreadable(f"无法读取{what} {path} / cannot read the {what} {path}: {exc}") from None
    try:
        return parse_json(text)
    except ValueError as exc:
        raise _Unreadable(
            f"{what} {path} 不是有效的 JSON / {path} is not valid JSON: {exc}"
        ) from None


def _fail(message: str, code: int) -> typer.Exit:
    typer.echo(message, err=True)
    return typer.Exit(code)


def verify_command(
    record_file: Annotated[
        Path, typer.Argument(metavar="RECORD.json", help="抽取记录 / the draw record")
    ],
    as_json: Annotated[
        bool, typer.Option("--json", help="以 JSON 输出结论 / print the verdict as JSON")
    ] = False,
) -> None:
    """Verify a published draw record."""
    try:
        record = _read_json(record_file, "记录/record")
    except _Unreadable as exc:
        raise _fail(f"不是抽取记录 / not a draw record: {exc}", EXIT_NOT_A_RECORD) from None
    if not is_record(record):
        raise _fail(
            "不是抽取记录：spec 不是 ssj-draw-v1 或没有 manifest 对象 / "
            "not a draw record: spec is not ssj-draw-v1 or there is no manifest object",
            EXIT_NOT_A_RECORD,
        )
    with paused_gc():
        result = verify_record(record)
    if as_json:
        typer.echo(dumps_result(result))
    else:
        typer.echo(result.summary())
        if not result.ok or result.partial:
            for line in render_reasons(result):
                typer.echo(line)
    if not result.ok:
        raise typer.Exit(EXIT_FAILED)
    if result.partial:
        raise typer.Exit(EXIT_PARTIAL)


def verifier_script_command(
    out: Annotated[
        Path, typer.Argument(metavar="OUT.py", help="写出的核验程序 / where to write the script")
    ],
) -> None:
    """Write the standalone public verifier."""
    try:
        write_script(out)
    except OSError as exc:
        raise _fail(f"无法写入 {out} / cannot write {out}: {exc}", EXIT_FAILED) from None
    typer.echo(f"已写出核验程序 / wrote the verifier: {out}  (python3 {out} RECORD.json)")


def replay_command(
    manifest_file: Annotated[
        Path, typer.Argument(metavar="MANIFEST.json", help="清单 / the manifest")
    ],
    entropy_file: Annotated[
        Path,
        typer.Argument(metavar="ENTROPY.json", help="公开的熵（数组） / the revealed entropy"),
    ],
    events_file: Annotated[
        Path | None,
        typer.Option(
            "--events", metavar="EVENTS.json", help="抽取后的事件（数组） / events after the draw"
        ),
    ] = None,
    openings_file: Annotated[
        Path | None,
        typer.Option(
            "--openings",
            metavar="OPENINGS.json",
            help="私有开启值 {承诺值: {key, salt}} / the private openings",
        ),
    ] = None,
    alternates: Annotated[
        int,
        typer.Option(min=0, help="每层公布的候补数 / alternates published per stratum"),
    ] = DEFAULT_ALTERNATES,
    auditor: Annotated[
        bool,
        typer.Option(
            "--auditor",
            help="审计副本：开启全部候选对象 / auditor's copy: open every candidate",
        ),
    ] = False,
    output: Annotated[
        Path | None,
        typer.Option("-o", "--output", metavar="FILE", help="输出文件（默认标准输出） / output"),
    ] = None,
    compact: Annotated[
        bool, typer.Option("--compact", help="紧凑 JSON，不缩进 / compact JSON")
    ] = False,
) -> None:
    """Re-compute a full draw record."""
    try:
        manifest = _read_json(manifest_file, "清单/manifest")
        entropy = _read_json(entropy_file, "熵/entropy")
        events = _read_json(events_file, "事件/events") if events_file else []
        openings = _read_json(openings_file, "开启值/openings") if openings_file else None
    except _Unreadable as exc:
        raise _fail(str(exc), EXIT_NOT_A_RECORD) from None
    for value, kind, name in (
        (entropy, list, "熵文件应为数组 / the entropy file must hold an array"),
        (events, list, "事件文件应为数组 / the events file must hold an array"),
        (
            openings,
            (dict, type(None)),
            "开启值文件应为对象 / the openings file must hold an object",
        ),
    ):
        if not isinstance(value, kind):
            raise _fail(f"错误 / error: {name}", EXIT_FAILED)
    try:
        with paused_gc():
            record = compute_record(
                manifest,
                entropy,
                events,
                openings=openings,
                alternates=alternates,
                audience="auditor" if auditor else "public",
            )
    except DrawError as exc:
        raise _fail(f"错误 / error [{exc.code}]: {exc.zh} / {exc.en}", EXIT_FAILED) from None
    if openings is None:
        typer.echo(
            "注意：未给出开启值，记录不开启任何对象，核验将报告缺少开启值 / note: no openings "
            "given, so the record opens nothing and verification will report missing openings",
            err=True,
        )
    if (
        any(item.get("kind") == "drand-quicknet" for item in entropy)
        and load_bls_verifier() is None
    ):
        typer.echo("注意：drand 签名未校验 / note: signature not checked", err=True)
    text = json.dumps(record, ensure_ascii=False, indent=None if compact else 2)
    if output is None:
        sys.stdout.write(text + "\n")
        return
    try:
        output.write_text(text + "\n", encoding="utf-8")
    except OSError as exc:
        raise _fail(f"无法写入 {output} / cannot write {output}: {exc}", EXIT_FAILED) from None


def register(app: typer.Typer, draw_app: typer.Typer) -> None:
    """Add `verify` and `verifier-script` to `app` and `replay` to `draw_app`."""
    app.command("verify", help=VERIFY_HELP, short_help="核验抽取记录 / verify a draw record")(
        verify_command
    )
    app.command(
        "verifier-script",
        help=SCRIPT_HELP,
        short_help="写出单文件公众核验程序 / write the standalone verifier",
    )(verifier_script_command)
    draw_app.command(
        "replay", help=REPLAY_HELP, short_help="重算完整的抽取记录 / re-compute a draw record"
    )(replay_command)
