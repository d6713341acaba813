"""The columns a row that owns a stored file carries (the store writes no row of its own)."""

from __future__ import annotations

import datetime as dt

from sqlalchemy import String
from sqlalchemy.orm import Mapped, mapped_column

from spotcheck.db import UTCDateTime, utcnow


class StoredFileColumns:
    """Mixin for a table whose rows each record one file of the store (`files.store`): the name
    shown, the type its content showed, size, SHA-256, where it lies under the store's root, who
    stored it and when. `files.store.StoredFile.columns()` fills them."""

    filename: Mapped[str] = mapped_column(String(200))
    content_type: Mapped[str] = mapped_column(String(100))
    size: Mapped[int] = mapped_column()
    sha256: Mapped[str] = mapped_column(String(64))
    stored_as: Mapped[str] = mapped_column(String(200))
    uploaded_by: Mapped[str] = mapped_column(String(60), default="")
    uploaded_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
