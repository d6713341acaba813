"""Working days: the examples of the issue, unknown years, imports, the CLI."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest
from sqlalchemy.orm import Session
from typer.testing import CliRunner

from spotcheck.audit.service import SYSTEM
from spotcheck.calendar import service as calendar_service
from spotcheck.calendar.models import CalendarDay
from spotcheck.config import Settings

EXAMPLES = [
    ("2026-09-25", 10, "2026-10-15"),
    ("2025-12-31", 1, "2026-01-04"),
    ("2026-09-30", 1, "2026-10-08"),
    ("2026-12-24", 5, "2026-12-31"),
]


@pytest.mark.parametrize(("start", "n", "expected"), EXAMPLES)
def test_it_adds_working_days_over_holidays_and_make_up_days(
    db: Session, start: str, n: int, expected: str
) -> None:
    result = calendar_service.add_workdays(db, dt.date.fromisoformat(start), n)
    assert result.isoformat() == expected


def test_it_refuses_to_guess_into_an_unknown_year(db: Session) -> None:
    with pytest.raises(calendar_service.UnknownYear) as info:
        calendar_service.add_workdays(db, dt.date(2026, 12, 25), 5)
    assert info.value.year == 2027
    assert "2027" in info.value.message


def test_it_knows_make_up_workdays_and_holidays(db: Session) -> None:
    assert calendar_service.is_workday(db, dt.date(2026, 1, 4)) is True  # Sunday, 调休
    assert calendar_service.is_workday(db, dt.date(2026, 10, 1)) is False  # 国庆
    assert calendar_service.is_workday(db, dt.date(2026, 11, 23)) is True  # a Monday
    row = db.get(CalendarDay, dt.date(2026, 1, 4))
    assert row is not None and "调休" in row.note
    with pytest.raises(calendar_service.UnknownYear):
        calendar_service.is_workday(db, dt.date(2003, 6, 1))


def test_it_counts_working_days_between_dates(db: Session) -> None:
    assert calendar_service.workdays_between(db, dt.date(2026, 9, 30), dt.date(2026, 10, 8)) == 1
    with pytest.raises(calendar_service.UnknownYear):
        calendar_service.workdays_between(db, dt.date(2026, 12, 30), dt.date(2027, 1, 5))


def _year_csv(year: int, *, skip: int = 0, encoding: str = "utf-8", header: bool = True) -> bytes:
    lines = ["日期,是否工作日,备注"] if header else []
    day = dt.date(year, 1, 1)
    while day.year == year:
        workday = day.weekday() < 5 and not (day.month == 1 and day.day == 1)
        lines.append(
            f"{day.isoformat()},{'是' if workday else '否'},{'元旦' if day.timetuple().tm_yday == 1 else ''}"
        )
        day += dt.timedelta(days=1)
    if skip:
        lines = lines[:-skip]
    return ("\n".join(lines) + "\n").encode(encoding)


@pytest.mark.parametrize("encoding", ["utf-8", "utf-8-sig", "gb18030"])
def test_it_imports_a_whole_new_year_in_any_accepted_encoding(db: Session, encoding: str) -> None:
    rows = calendar_service.parse_calendar_csv(_year_csv(2027, encoding=encoding))
    added, updated = calendar_service.import_days(db, SYSTEM, rows)
    db.commit()
    assert (added, updated) == (365, 0)
    assert calendar_service.add_workdays(db, dt.date(2026, 12, 25), 5) == dt.date(2027, 1, 4)
    assert db.get(CalendarDay, dt.date(2027, 1, 1)).note == "元旦"  # type: ignore[union-attr]


def test_it_refuses_a_partial_new_year_and_writes_nothing(db: Session) -> None:
    rows = calendar_service.parse_calendar_csv(_year_csv(2027, skip=10))
    with pytest.raises(calendar_service.CalendarImportError) as info:
        calendar_service.import_days(db, SYSTEM, rows)
    assert "2027" in str(info.value.errors[0]) and "355" in str(info.value.errors[0])
    assert 2027 not in calendar_service.known_years(db)


def test_it_lists_every_bad_row_at_once() -> None:
    data = "date,is_workday,note\n2027-13-01,1,\n2027-01-02,maybe,\n2027-01-03,1\n2027-01-03,0,重复\n".encode()
    with pytest.raises(calendar_service.CalendarImportError) as info:
        calendar_service.parse_calendar_csv(data)
    text = [str(e) for e in info.value.errors]
    assert text[0].startswith("第 2 行 date 列") and "YYYY-MM-DD" in text[0]
    assert text[1].startswith("第 3 行 is_workday 列") and "是/否" in text[1]
    assert text[2].startswith("第 5 行 date 列") and "第 4 行" in text[2]
    assert len(text) == 3


def test_it_updates_a_known_day(db: Session) -> None:
    rows = [(dt.date(2026, 12, 31), False, "临时调整")]
    assert calendar_service.import_days(db, SYSTEM, rows) == (0, 1)
    assert calendar_service.is_workday(db, dt.date(2026, 12, 31)) is False
    db.rollback()


@pytest.fixture
def cli_env(settings: Settings, engine: object, monkeypatch: pytest.MonkeyPatch):  # type: ignore[no-untyped-def]
    """Point the CLI at the test database."""
    from spotcheck.config import get_settings

    monkeypatch.setenv("DATABASE_URL", settings.database_url)
    get_settings.cache_clear()
    yield CliRunner()
    get_settings.cache_clear()


@pytest.mark.parametrize(("start", "n", "expected"), EXAMPLES)
def test_it_answers_the_examples_from_the_cli(
    cli_env: CliRunner, start: str, n: int, expected: str
) -> None:
    from spotcheck.cli import app

    result = cli_env.invoke(app, ["calendar", "add-workdays", start, str(n)])
    assert result.exit_code == 0, result.output
    assert result.stdout.strip() == expected


def test_it_names_the_missing_year_from_the_cli(cli_env: CliRunner) -> None:
    from spotcheck.cli import app

    result = cli_env.invoke(app, ["calendar", "add-workdays", "2026-12-25", "5"])
    assert result.exit_code == 2
    assert "2027" in result.output
    assert result.stdout.strip() == ""


def test_it_imports_a_year_from_the_cli(cli_env: CliRunner, tmp_path: Path) -> None:
    from spotcheck.cli import app

    file = tmp_path / "2027.csv"
    file.write_bytes(_year_csv(2027, encoding="gb18030"))
    result = cli_env.invoke(app, ["calendar", "import", str(file)])
    assert result.exit_code == 0, result.output
    assert "新增 365 天" in result.output
    answer = cli_env.invoke(app, ["calendar", "add-workdays", "2026-12-25", "5"])
    assert answer.stdout.strip() == "2027-01-04"
    assert cli_env.invoke(app, ["calendar", "is-workday", "2027-01-01"]).exit_code == 1
    assert cli_env.invoke(app, ["calendar", "is-workday", "2027-01-04"]).exit_code == 0
