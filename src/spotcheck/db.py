"""Database plumbing: declarative base with a naming convention, UTC datetimes, sessions."""

from __future__ import annotations

import datetime as dt
import enum
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TypeVar

from sqlalchemy import (
    DateTime,
    Engine,
    Enum,
    MetaData,
    create_engine,
    event,
    inspect,
    select,
    update,
)
from sqlalchemy.orm import DeclarativeBase, Session, sessionmaker
from sqlalchemy.types import TypeDecorator

from spotcheck import clock
from spotcheck.config import Settings

_Row = TypeVar("_Row")

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_N_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}


class Base(DeclarativeBase):
    """Base class of every ORM model."""

    metadata = MetaData(naming_convention=NAMING_CONVENTION)


class UTCDateTime(TypeDecorator[dt.datetime]):
    """Timezone-aware UTC datetimes on both SQLite (stored naive UTC) and PostgreSQL."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        """Refuse naive datetimes so that local time never sneaks into the database."""
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime given to a UTC column")
        value = value.astimezone(dt.UTC)
        return value.replace(tzinfo=None) if dialect.name == "sqlite" else value

    def process_result_value(self, value: dt.datetime | None, dialect: Any) -> dt.datetime | None:
        """Always hand back aware UTC datetimes."""
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=dt.UTC)
        return value.astimezone(dt.UTC)


def str_enum(kind: type[enum.StrEnum], length: int = 12) -> Enum:
    """A StrEnum column stored as its values in a plain string (no native type to ALTER)."""
    return Enum(
        kind, native_enum=False, length=length, values_callable=lambda e: [m.value for m in e]
    )


def utcnow() -> dt.datetime:
    """The current time, aware, in UTC, from the one clock (column stamps)."""
    return clock.utcnow()


def _sqlite_pragmas(lock_timeout_ms: int) -> Callable[[Any, Any], None]:
    def on_connect(dbapi_connection: Any, _record: Any) -> None:
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={int(lock_timeout_ms)}")
        cursor.close()

    return on_connect


# SQLSTATEs of PostgreSQL meaning "another transaction holds what this one needs".
_LOCK_STATES = {"55P03", "40P01", "40001"}  # lock_not_available, deadlock, serialization


def is_lock_timeout(error: BaseException) -> bool:
    """Whether a database error means a lock held by another operation was waited for too long
    (SQLite "database is locked" after busy_timeout; PostgreSQL lock_timeout or a deadlock)."""
    original = getattr(error, "orig", None)
    if original is None:
        return False
    if getattr(original, "sqlstate", None) in _LOCK_STATES:
        return True
    return "database is locked" in str(original)


def make_engine(settings: Settings) -> Engine:
    """Create the engine for the configured database (SQLite file directory is created)."""
    url = settings.database_url
    kwargs: dict[str, Any] = {"echo": settings.sql_echo, "future": True}
    if url.startswith("sqlite"):
        path = url.removeprefix("sqlite:///")
        if path and path != ":memory:":
            from pathlib import Path

            Path(path).parent.mkdir(parents=True, exist_ok=True)
        kwargs["connect_args"] = {"check_same_thread": False}
    else:
        kwargs["pool_pre_ping"] = True
        kwargs["connect_args"] = {"options": f"-c lock_timeout={settings.db_lock_timeout_ms}"}
    engine = create_engine(url, **kwargs)
    if url.startswith("sqlite"):
        event.listen(engine, "connect", _sqlite_pragmas(settings.db_lock_timeout_ms))
    return engine


def make_session_factory(engine: Engine) -> sessionmaker[Session]:
    """Sessions that never expire objects on commit (pages render after the commit)."""
    return sessionmaker(bind=engine, expire_on_commit=False, autoflush=True)


@contextmanager
def unit_of_work(factory: sessionmaker[Session]) -> Iterator[Session]:
    """One transaction: commit on success, roll back on any error."""
    session = factory()
    try:
        yield session
        session.commit()
    except BaseException as error:
        settle(session, error)
        raise
    finally:
        session.close()


def lock_row(session: Session, model: type[_Row], ident: int) -> _Row | None:
    """Lock one row for this transaction and read it as the database holds it now (None if it
    does not exist): the one way every exclusive change starts (workflow subjects, audit head).

    PostgreSQL: SELECT … FOR UPDATE waits for another transaction holding the row. SQLite has no
    row locks and reads outside a write transaction see the last commit only: a no-op UPDATE of
    the row first takes the database's write lock (waiting up to busy_timeout). The read uses
    populate_existing, so an object this session cached in an earlier transaction is refreshed
    and a concurrent winner's commit is seen."""
    mapper = inspect(model)
    key = mapper.primary_key[0]
    session.flush()
    if session.get_bind().dialect.name == "sqlite":
        session.execute(update(mapper.local_table).where(key == ident).values({key: key}))
    query = (
        select(model)
        .where(key == ident)
        .with_for_update()
        .execution_options(populate_existing=True)
    )
    return session.execute(query).scalar()


def settle(session: Session, error: BaseException) -> None:
    """End a failed transaction: a refused move (errors.Refused) has written only its
    "…refused" audit event, which is kept (committed); anything else is rolled back."""
    from spotcheck.errors import Refused

    if isinstance(error, Refused):
        session.commit()
    else:
        session.rollback()


def import_all_models() -> None:
    """Import every domain's models so that Base.metadata knows all tables."""
    from spotcheck.accounts import models as _accounts  # noqa: F401
    from spotcheck.audit import models as _audit  # noqa: F401
    from spotcheck.calendar import models as _calendar  # noqa: F401
    from spotcheck.catalog import models as _catalog  # noqa: F401
    from spotcheck.channels import models as _channels  # noqa: F401
    from spotcheck.deadlines import models as _deadlines  # noqa: F401
    from spotcheck.departments import models as _departments  # noqa: F401
    from spotcheck.draws import models as _draws  # noqa: F401
    from spotcheck.eligibility import models as _eligibility  # noqa: F401
    from spotcheck.history import models as _history  # noqa: F401
    from spotcheck.inspectors import models as _inspectors  # noqa: F401
    from spotcheck.plans import models as _plans  # noqa: F401
    from spotcheck.rulebooks import models as _rulebooks  # noqa: F401
    from spotcheck.targets import models as _targets  # noqa: F401
    from spotcheck.workflow import models as _workflow  # noqa: F401
