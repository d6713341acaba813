"""Create or migrate the database named by the settings, then seed reference data."""

from __future__ import annotations

from alembic import command
from alembic.config import Config
from sqlalchemy import Engine

from spotcheck.audit import service as audit_service
from spotcheck.calendar import service as calendar_service
from spotcheck.config import REPO_ROOT, Settings
from spotcheck.db import make_engine, make_session_factory, unit_of_work
from spotcheck.deadlines import service as deadlines_service
from spotcheck.draws import visits
from spotcheck.plans import readiness


def alembic_config(settings: Settings) -> Config:
    """Alembic's config pointing at our migrations and the configured database."""
    config = Config(str(REPO_ROOT / "alembic.ini"))
    config.set_main_option("script_location", str(REPO_ROOT / "migrations"))
    config.set_main_option("sqlalchemy.url", settings.database_url.replace("%", "%%"))
    return config


def upgrade(settings: Settings, engine: Engine | None = None) -> int:
    """Run every migration, add missing calendar years from chinesecalendar, open the deadlines
    of plans made before deadlines were rows and resolve pending due dates; returns days added."""
    config = alembic_config(settings)
    engine = engine or make_engine(settings)
    with engine.connect() as connection:
        sqlite = connection.dialect.name == "sqlite"
        if sqlite:
            # Batch mode rebuilds a table (copy, drop, rename): with foreign keys enforced the
            # drop would cascade to the child rows. Off for the migration, checked after it.
            connection.exec_driver_sql("PRAGMA foreign_keys=OFF")
            connection.commit()
        with connection.begin():
            config.attributes["connection"] = connection
            command.upgrade(config, "head")
        if sqlite:
            broken = connection.exec_driver_sql("PRAGMA foreign_key_check").all()
            connection.exec_driver_sql("PRAGMA foreign_keys=ON")
            connection.commit()
            if broken:
                raise RuntimeError(f"迁移后外键不一致：{broken[:5]}")
    with unit_of_work(make_session_factory(engine)) as session:
        added = calendar_service.seed_from_package(session)
        if added:
            audit_service.record(
                session,
                audit_service.SYSTEM,
                "calendar.seed",
                object_type="calendar",
                summary=f"从 chinesecalendar 载入工作日历 {added} 天",
            )
        readiness.open_missing_plan_dues(session)
        deadlines_service.resolve_pending(session)
        # Draws computed before drawn targets carried their order and group (migration 0014).
        visits.backfill_all(session)
    return added


def current_revision(settings: Settings) -> str | None:
    """The revision the database is at, or None when it was never migrated."""
    from alembic.runtime.migration import MigrationContext

    with make_engine(settings).connect() as connection:
        return MigrationContext.configure(connection).get_current_revision()
