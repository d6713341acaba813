"""Settings are strict; migrations match the models on the real dialect."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from pydantic import ValidationError
from sqlalchemy import Engine

from spotcheck.config import DEV_SECRET_KEY, Settings
from spotcheck.db import Base


def test_it_parses_booleans_strictly() -> None:
    assert Settings(COOKIE_SECURE="true").cookie_secure is True
    assert Settings(COOKIE_SECURE="0").cookie_secure is False
    with pytest.raises(ValidationError, match="布尔值"):
        Settings(COOKIE_SECURE="ture")
    with pytest.raises(ValidationError, match="布尔值"):
        Settings(COOKIE_SECURE="yes please")


def test_it_refuses_the_default_key_outside_development() -> None:
    assert Settings(SPOTCHECK_ENV="development").secret_key == DEV_SECRET_KEY
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(SPOTCHECK_ENV="production")
    with pytest.raises(ValidationError, match="SECRET_KEY"):
        Settings(SPOTCHECK_ENV="production", SECRET_KEY="short")
    outside = {"UPLOAD_DIR": "/var/lib/spotcheck/uploads"}
    assert (
        Settings(SPOTCHECK_ENV="production", SECRET_KEY="k" * 40, **outside).environment
        == "production"
    )


def test_it_reads_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql://postgres@127.0.0.1:5432/x")
    monkeypatch.setenv("SESSION_IDLE_MINUTES", "20")
    settings = Settings()
    assert settings.database_url == "postgresql+psycopg://postgres@127.0.0.1:5432/x"
    assert settings.session_idle_minutes == 20
    monkeypatch.setenv("DATABASE_URL", "mysql://x")
    with pytest.raises(ValidationError, match="DATABASE_URL"):
        Settings()


def _postgres_only_index(diff: object) -> bool:
    # Trigram (GIN) indexes exist only on PostgreSQL, by migration; the models cannot declare them.
    return (
        isinstance(diff, tuple)
        and diff[0] == "remove_index"
        and str(getattr(diff[1], "name", "")).endswith("_trgm")
    )


def test_it_has_migrations_that_match_the_models(engine: Engine) -> None:
    with engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection), Base.metadata)
    assert [d for d in diff if not _postgres_only_index(d)] == []
