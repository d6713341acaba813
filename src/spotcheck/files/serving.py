"""Serving a verified stored file over HTTP: its detected type, never HTML, never sniffed."""

from __future__ import annotations

import re
from pathlib import PurePosixPath
from urllib.parse import quote

from starlette.responses import StreamingResponse

from spotcheck.files.store import INLINE, TYPES, VerifiedFile, named_for


def disposition(content_type: str) -> str:
    """'inline' for images and PDF shown in the browser, 'attachment' (a download) otherwise."""
    return "inline" if content_type in INLINE else "attachment"


def content_disposition(kind: str, name: str) -> str:
    """`inline|attachment; filename="…"`, with an RFC 5987 `filename*` for non-ASCII names."""
    if re.fullmatch(r"[A-Za-z0-9._ ()+,-]+", name):
        return f'{kind}; filename="{name}"'
    path = PurePosixPath(name)
    stem = re.sub(r"[^A-Za-z0-9_-]+", "_", path.stem).strip("_") or "file"
    fallback = stem + re.sub(r"[^A-Za-z0-9.]", "", path.suffix)
    return f"{kind}; filename=\"{fallback}\"; filename*=UTF-8''{quote(name, safe='')}"


def file_response(verified: VerifiedFile) -> StreamingResponse:
    """Stream a file `open_verified` has just checked: the type its content showed (anything not
    known is a download of application/octet-stream), `nosniff`, a safe name with the extension
    of that type, inline only for images and PDF, not cached by shared caches."""
    media = verified.content_type if verified.content_type in TYPES else "application/octet-stream"
    name = named_for(verified.filename, media) if media in TYPES else "file.bin"
    return StreamingResponse(
        verified.chunks(),
        media_type=media,
        headers={
            "Content-Length": str(verified.size),
            "Content-Disposition": content_disposition(disposition(media), name),
            "X-Content-Type-Options": "nosniff",
            "X-Content-SHA256": verified.sha256,
            "Cache-Control": "private, no-cache",
        },
    )
