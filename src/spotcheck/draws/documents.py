"""The large texts of a draw (manifest, openings, public and auditor's records), kept in
`draw_document` rows outside the draw's own row and read only by the steps that need them.

A 1,000,000-target draw has a manifest of ~60 MB, openings of ~75 MB and records of ~116 and
~240 MB: loading them with the draw at every step (adding a witness, entering a digit, showing a
page) cost seconds and gigabytes. Each is stored once, as UTF-8, with its SHA-256 and size; reading
one checks the hash, so a quietly altered text is an error, not a different draw.

Texts of FILE_FROM bytes and more are files named by their SHA-256 under UPLOAD_DIR
(`draw-documents/ab/ab…`), written once and never changed; the row keeps the hash and size with
an empty body. Through the database, PostgreSQL took 0.3 s to send a national record's 116 MB
and 1.5 s to store a 57 MB one; a file is read from the page cache in hundredths of a second.
A backup must therefore include UPLOAD_DIR (as it must for the attachments).

Nothing is stored twice: the public record is kept without the manifest it embeds, and the
auditor's record is not kept at all; both are put together when asked for (`draws.ceremony`).
The texts are not compressed: they are mostly random hex, which zlib shrinks by only ~40 % at
~40 MB/s, seconds per draw for little.
"""

from __future__ import annotations

import hashlib
import mmap
import os
import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from typing import Any

from sqlalchemy import event, insert, select, update
from sqlalchemy.orm import Session

from spotcheck.db import utcnow
from spotcheck.draws.models import Draw, DrawDocument
from spotcheck.errors import DomainError
from spotcheck.sampling.canonical import parse_json

MANIFEST, OPENINGS, RECORD, AUDITOR = "manifest", "openings", "record", "auditor"
KINDS = {
    MANIFEST: "抽取清单",
    OPENINGS: "开启值",  # "commitment<TAB>key" lines (draws.openings)
    RECORD: "公开抽取记录",  # without the manifest (see the module's doc)
    AUDITOR: "审计用抽取记录",  # a name for messages: never stored
}
_CACHE = "spotcheck.draw_documents"
Stored = bytes | mmap.mmap  # a text's bytes, or the file holding them mapped into memory


# Texts of this size and above are kept as files (see the module's doc); smaller ones in the row.
FILE_FROM = 4 * 1024 * 1024


def folder() -> Path:
    """Where large texts are kept: UPLOAD_DIR/draw-documents/<first two hex digits>/<SHA-256>."""
    from spotcheck.config import get_settings

    return get_settings().upload_dir / "draw-documents"


def _file(digest: str) -> Path:
    return folder() / digest[:2] / digest


def put(session: Session, draw: Draw, kind: str, text: str) -> str:
    """Store (or replace) a text of the draw; returns its SHA-256."""
    if kind not in KINDS:
        raise ValueError(f"unknown draw document kind {kind!r}")
    data = text.encode("utf-8")
    digest = hashlib.sha256(data).hexdigest()
    body = data
    if len(data) >= FILE_FROM:
        _write_once(_file(digest), data)
        body = b""
    values = {
        "sha256": digest,
        "size": len(data),
        "body": body,
        "stored_at": utcnow(),
    }
    where = (DrawDocument.draw_id == draw.id, DrawDocument.kind == kind)
    found = session.scalar(select(DrawDocument.id).where(*where))
    if found is None:
        session.execute(insert(DrawDocument).values(draw_id=draw.id, kind=kind, **values))
    else:
        session.execute(update(DrawDocument).where(DrawDocument.id == found).values(**values))
    return digest


def _write_once(path: Path, data: bytes) -> None:
    """Write a file named by its content's hash, unless it exists: written to a temporary name
    and renamed, so a reader never sees half of it. A file whose transaction is rolled back
    stays (no row names it): it is the same bytes whoever writes them next."""
    if path.exists():
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.{os.getpid()}.{threading.get_ident()}")
    with partial.open("wb") as handle:
        handle.write(data)
        handle.flush()
        os.fsync(handle.fileno())
    os.replace(partial, path)


def has(session: Session, draw: Draw, kind: str) -> bool:
    """Whether the draw has this text (without reading it)."""
    where = (DrawDocument.draw_id == draw.id, DrawDocument.kind == kind)
    return session.scalar(select(DrawDocument.id).where(*where)) is not None


def info(session: Session, draw: Draw, kind: str) -> tuple[str, int] | None:
    """(SHA-256, size in bytes) of the text, without reading it; None when there is none."""
    where = (DrawDocument.draw_id == draw.id, DrawDocument.kind == kind)
    row = session.execute(select(DrawDocument.sha256, DrawDocument.size).where(*where)).first()
    return None if row is None else (row[0], row[1])


def raw(session: Session, draw: Draw, kind: str) -> bytes:
    """The stored UTF-8 bytes; refused when the draw has none yet, an error when their hash
    does not match."""
    return raw_many(session, draw, (kind,))[kind]


def raw_many(session: Session, draw: Draw, kinds: Sequence[str]) -> dict[str, bytes]:
    """Several stored texts at once (see raw): read in one query, their hashes checked side by
    side (hashlib releases the GIL; a record and its manifest are 116 MB together)."""
    cache = _cache(session)
    found: dict[str, bytes] = {}
    digests = _digests(session, draw, kinds)
    for kind in kinds:
        if (draw.id, kind, digests[kind]) in cache:  # read before in this session, unchanged
            found[kind] = cache[(draw.id, kind, digests[kind])]
    wanted = [kind for kind in kinds if kind not in found]
    if wanted:
        bodies = _checked(draw, digests, _bodies(session, draw, wanted))
        for kind in wanted:
            data = bodies[kind]
            assert isinstance(data, bytes)  # not mapped
            found[kind] = cache[(draw.id, kind, digests[kind])] = data
    return found


def views(session: Session, draw: Draw, kinds: Sequence[str]) -> dict[str, Stored]:
    """Like raw_many, but a text kept as a file comes memory-mapped, not copied (a record export
    hashes and writes 116 MB: copies and fresh pages cost as much as the rest of the step)."""
    digests = _digests(session, draw, kinds)
    return _checked(draw, digests, _bodies(session, draw, list(kinds), mapped=True))


def _digests(session: Session, draw: Draw, kinds: Sequence[str]) -> dict[str, str]:
    """The stored SHA-256 of each text; refused (naming the first) when one is missing."""
    query = select(DrawDocument.kind, DrawDocument.sha256).where(
        DrawDocument.draw_id == draw.id, DrawDocument.kind.in_(kinds)
    )
    digests: dict[str, str] = {kind: sha for kind, sha in session.execute(query)}
    for kind in kinds:
        if kind not in digests:
            raise DomainError(f"抽取 {draw.code} 尚无{KINDS[kind]}")
    return digests


def _checked(draw: Draw, digests: dict[str, str], bodies: dict[str, Stored]) -> dict[str, Stored]:
    """The bodies, once each hash is the stored one (hashed side by side: hashlib releases the
    GIL on large inputs)."""
    kinds = list(bodies)
    with ThreadPoolExecutor(max_workers=max(1, len(kinds))) as pool:
        hashed = dict(zip(kinds, pool.map(_sha256, (bodies[k] for k in kinds)), strict=True))
    for kind in kinds:
        if hashed[kind] != digests[kind]:
            raise RuntimeError(f"the stored {kind} of draw {draw.code} does not match its SHA-256")
    return bodies


def _bodies(
    session: Session, draw: Draw, kinds: list[str], mapped: bool = False
) -> dict[str, Stored]:
    """The texts' bytes: from the row, or from the file when the row's body is empty (mapped
    into memory when asked)."""
    if session.autoflush:
        session.flush()  # as a query through the session would: pending rows are seen
    connection = session.connection()
    if connection.dialect.name == "postgresql":
        # In binary format: as text, bytea comes as hex, twice the bytes to send and decode.
        raw = connection.connection.driver_connection
        with raw.cursor(binary=True) as cursor:  # type: ignore[union-attr]
            cursor.execute(
                "SELECT kind, sha256, size, body FROM draw_document"
                " WHERE draw_id = %s AND kind = ANY(%s)",
                (draw.id, kinds),
            )
            rows = cursor.fetchall()
    else:
        read = select(
            DrawDocument.kind, DrawDocument.sha256, DrawDocument.size, DrawDocument.body
        ).where(DrawDocument.draw_id == draw.id, DrawDocument.kind.in_(kinds))
        rows = [tuple(row) for row in session.execute(read)]
    out: dict[str, Stored] = {}
    for kind, digest, size, body in rows:
        if size and not body:
            try:
                out[kind] = _mapped(_file(digest)) if mapped else _file(digest).read_bytes()
            except FileNotFoundError:
                raise RuntimeError(
                    f"the {kind} of draw {draw.code} is missing from {folder()}"
                ) from None
        else:
            out[kind] = bytes(body)
    return out


def _mapped(path: Path) -> mmap.mmap:
    with path.open("rb") as handle:
        return mmap.mmap(handle.fileno(), 0, access=mmap.ACCESS_READ)


def _sha256(data: Stored) -> str:
    return hashlib.sha256(data).hexdigest()


def text(session: Session, draw: Draw, kind: str) -> str:
    """The text (see raw)."""
    return raw(session, draw, kind).decode("utf-8")


def value(session: Session, draw: Draw, kind: str) -> Any:
    """The text parsed as (canonical) JSON."""
    return parse_json(text(session, draw, kind))


def forget(session: Session) -> None:
    """Drop the texts this session keeps in memory (after a step that no longer needs them)."""
    _cache(session).clear()


def _cache(session: Session) -> dict[tuple[int, str, str], bytes]:
    # Per session (one request, one CLI command), by SHA-256: a step that reads the manifest
    # twice reads it from the database once, and a text replaced since is read afresh.
    found: dict[tuple[int, str, str], bytes] = session.info.setdefault(_CACHE, {})
    return found


@event.listens_for(Session, "after_rollback")
def _forget_on_rollback(session: Session) -> None:
    # A rolled-back transaction may have put texts that were never stored.
    session.info.pop(_CACHE, None)
