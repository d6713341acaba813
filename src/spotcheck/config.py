"""Settings: one pydantic-settings object read from the environment (prefix-free names)."""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Literal

from pydantic import Field, StrictBool, field_validator, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

REPO_ROOT = Path(__file__).resolve().parents[2]
DEV_SECRET_KEY = "dev-insecure-secret-key-change-me"  # noqa: S105 - refused outside development

_BOOL_WORDS = {"true": True, "false": False, "1": True, "0": False}


class Settings(BaseSettings):
    """Runtime configuration; unknown or malformed values are refused at start-up."""

    model_config = SettingsConfigDict(
        env_file=None, extra="ignore", frozen=True, populate_by_name=True
    )

    environment: Literal["development", "test", "production"] = Field(
        default="development", validation_alias="SPOTCHECK_ENV"
    )
    database_url: str = Field(
        default=f"sqlite:///{REPO_ROOT / 'var' / 'spotcheck.db'}", validation_alias="DATABASE_URL"
    )
    secret_key: str = Field(default=DEV_SECRET_KEY, validation_alias="SECRET_KEY")
    session_idle_minutes: int = Field(default=30, ge=1, le=24 * 60)
    session_absolute_hours: int = Field(default=12, ge=1, le=72)
    lockout_attempts: int = Field(default=5, ge=1, le=20)
    lockout_minutes: int = Field(default=15, ge=1, le=24 * 60)
    # Under var/ of the checkout for development; anywhere else outside the code otherwise.
    upload_dir: Path = Field(default=REPO_ROOT / "var" / "uploads", validation_alias="UPLOAD_DIR")
    # Size limit of each kind of stored file (files.store), in MB of 1024 × 1024 bytes; an upload
    # is refused as soon as it passes its kind's limit.
    upload_max_photo_mb: int = Field(
        default=20, ge=1, le=1024, validation_alias="UPLOAD_MAX_PHOTO_MB"
    )
    upload_max_video_mb: int = Field(
        default=500, ge=1, le=16384, validation_alias="UPLOAD_MAX_VIDEO_MB"
    )
    upload_max_pdf_mb: int = Field(default=30, ge=1, le=1024, validation_alias="UPLOAD_MAX_PDF_MB")
    upload_max_scan_mb: int = Field(
        default=30, ge=1, le=1024, validation_alias="UPLOAD_MAX_SCAN_MB"
    )
    # Bounds of one import file (wizard, API, CLI): an .xlsx's unpacked size and inflation ratio,
    # and the data rows of any file; a file past one is refused before it is read (a zip bomb).
    import_max_unpacked_mb: int = Field(default=1024, ge=1, le=16384)
    import_max_ratio: int = Field(default=100, ge=10, le=2000)
    import_max_rows: int = Field(default=1_048_576, ge=10, le=50_000_000)
    # None = automatic: `spotcheck serve` sets it from the address it listens on (on unless
    # 127.0.0.1/localhost); any other server gets it on in production (`secure_cookies`).
    cookie_secure: StrictBool | None = Field(default=None, validation_alias="COOKIE_SECURE")
    sql_echo: StrictBool = Field(default=False, validation_alias="SQL_ECHO")
    # How long a request waits for a row or database lock another operation holds (SQLite
    # busy_timeout, PostgreSQL lock_timeout) before it is answered 503 "please retry".
    db_lock_timeout_ms: int = Field(
        default=30_000, ge=100, le=600_000, validation_alias="DB_LOCK_TIMEOUT_MS"
    )

    @field_validator("cookie_secure", "sql_echo", mode="before")
    @classmethod
    def _strict_bool(cls, value: object) -> object:
        """Accept only true/false/1/0 so that a typo such as 'ture' is an error, not False."""
        if isinstance(value, str):
            word = value.strip().lower()
            if word not in _BOOL_WORDS:
                raise ValueError(f"布尔值只能是 true/false/1/0，收到 {value!r}")
            return _BOOL_WORDS[word]
        return value

    @field_validator("database_url")
    @classmethod
    def _known_database(cls, value: str) -> str:
        """Only SQLite and PostgreSQL (psycopg 3) are supported."""
        if value.startswith("postgresql://") or value.startswith("postgres://"):
            value = "postgresql+psycopg://" + value.split("://", 1)[1]
        if not (value.startswith("sqlite:///") or value.startswith("postgresql+psycopg://")):
            raise ValueError("DATABASE_URL 只支持 sqlite:/// 或 postgresql://")
        return value

    @model_validator(mode="after")
    def _no_default_key_outside_development(self) -> Settings:
        """A non-development instance must never sign sessions with the published development key."""
        if self.environment != "development" and (
            self.secret_key == DEV_SECRET_KEY or len(self.secret_key) < 32
        ):
            raise ValueError("非开发环境必须设置至少 32 个字符的 SECRET_KEY，不能使用开发默认值")
        return self

    @model_validator(mode="after")
    def _uploads_outside_the_code(self) -> Settings:
        """Outside development and tests, uploaded files never live inside the code checkout."""
        if self.environment in ("development", "test"):
            return self
        folder = self.upload_dir.expanduser().resolve()
        if folder.is_relative_to(REPO_ROOT):
            raise ValueError(
                f"UPLOAD_DIR（上传文件存放目录）不能位于代码目录 {REPO_ROOT} 之内（当前为 {folder}）；"
                "非开发环境请设置为代码目录之外的路径，如 /var/lib/spotcheck/uploads。"
                f" / UPLOAD_DIR must be outside the code directory {REPO_ROOT} when SPOTCHECK_ENV "
                f"is {self.environment} (now {folder})."
            )
        return self

    @property
    def secure_cookies(self) -> bool:
        """Whether cookies carry the Secure flag: COOKIE_SECURE if set, else on in production."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.environment == "production"

    @property
    def is_sqlite(self) -> bool:
        """Whether the configured database is SQLite."""
        return self.database_url.startswith("sqlite")


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (tests build their own Settings instead)."""
    return Settings()
