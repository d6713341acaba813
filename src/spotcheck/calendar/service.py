"""Working-day arithmetic over the calendar table; unknown years are errors, never guesses."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Iterable
from dataclasses import dataclass

from sqlalchemy import func, insert, select
from sqlalchemy.orm import Session

from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.calendar.models import CalendarDay
from spotcheck.errors import DomainError

SEED_FIRST_YEAR = 2004
SEED_LAST_YEAR = 2026
_WEEKDAYS = "一二三四五六日"


class UnknownYear(DomainError):
    """A date falls in a year the calendar table does not hold."""

    def __init__(self, year: int) -> None:
        super().__init__(
            f"工作日历中没有 {year} 年的数据，无法计算工作日；请系统管理员先导入 {year} 年日历"
        )
        self.year = year


def known_years(session: Session) -> list[int]:
    """Years that have at least one day in the table."""
    days = session.execute(select(CalendarDay.day)).scalars()
    return sorted({d.year for d in days})


def year_counts(session: Session) -> list[tuple[int, int, int]]:
    """(year, days, working days) for every year in the table."""
    rows = session.execute(select(CalendarDay.day, CalendarDay.is_workday)).all()
    stats: dict[int, list[int]] = {}
    for day, is_workday in rows:
        entry = stats.setdefault(day.year, [0, 0])
        entry[0] += 1
        entry[1] += int(is_workday)
    return [(year, v[0], v[1]) for year, v in sorted(stats.items())]


def seed_from_package(
    session: Session, first: int = SEED_FIRST_YEAR, last: int = SEED_LAST_YEAR
) -> int:
    """Insert the years first..last from chinesecalendar where the table has none; returns rows added."""
    import chinese_calendar

    have = set(known_years(session))
    added = 0
    for year in range(first, last + 1):
        if year in have:
            continue
        day = dt.date(year, 1, 1)
        rows = []
        while day.year == year:
            on_holiday, name = chinese_calendar.get_holiday_detail(day)
            workday = chinese_calendar.is_workday(day)
            if workday and day.weekday() >= 5:
                note = f"调休上班（{_holiday_zh(name)}）" if name else "调休上班"
            elif on_holiday and name:
                note = _holiday_zh(name)
            else:
                note = ""
            rows.append(
                {"day": day, "is_workday": workday, "note": note, "source": "chinesecalendar"}
            )
            day += dt.timedelta(days=1)
        session.execute(insert(CalendarDay), rows)
        added += len(rows)
    return added


_HOLIDAY_NAMES = {
    "New Year's Day": "元旦",
    "Spring Festival": "春节",
    "Tomb-sweeping Day": "清明节",
    "Labour Day": "劳动节",
    "Dragon Boat Festival": "端午节",
    "National Day": "国庆节",
    "Mid-autumn Festival": "中秋节",
    "Anti-Fascist 70th Day": "抗战胜利70周年纪念日",
}


def _holiday_zh(name: object) -> str:
    return _HOLIDAY_NAMES.get(str(name), str(name))


def _load_range(session: Session, start: dt.date, end: dt.date) -> dict[dt.date, bool]:
    rows = session.execute(
        select(CalendarDay.day, CalendarDay.is_workday).where(
            CalendarDay.day >= start, CalendarDay.day <= end
        )
    ).all()
    return {day: bool(flag) for day, flag in rows}


def is_workday(session: Session, day: dt.date) -> bool:
    """Whether the date is a working day; UnknownYear when its year is not in the table."""
    row = session.get(CalendarDay, day)
    if row is None:
        raise UnknownYear(day.year)
    return row.is_workday


def add_workdays(session: Session, start: dt.date, count: int) -> dt.date:
    """The count-th working day after start (start itself never counts)."""
    if count < 1:
        raise DomainError("工作日数必须是正整数")
    day = start
    found = 0
    cache: dict[dt.date, bool] = {}
    while found < count:
        day += dt.timedelta(days=1)
        if day not in cache:
            # Load a year at a time: a 60-working-day deadline touches at most two years.
            cache.update(_load_range(session, day, dt.date(day.year, 12, 31)))
            if day not in cache:
                raise UnknownYear(day.year)
        if cache[day]:
            found += 1
    return day


def workdays_between(session: Session, start: dt.date, end: dt.date) -> int:
    """Working days after start up to and including end (0 when end <= start)."""
    if end <= start:
        return 0
    days = _load_range(session, start + dt.timedelta(days=1), end)
    expected = (end - start).days
    if len(days) != expected:
        missing = next(
            start + dt.timedelta(days=i)
            for i in range(1, expected + 1)
            if start + dt.timedelta(days=i) not in days
        )
        raise UnknownYear(missing.year)
    return sum(days.values())


def month_days(session: Session, year: int, month: int) -> list[CalendarDay]:
    """The rows of one month, in date order."""
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1)
    return list(
        session.execute(
            select(CalendarDay)
            .where(CalendarDay.day >= start, CalendarDay.day < end)
            .order_by(CalendarDay.day)
        ).scalars()
    )


def set_day(
    session: Session, actor: Actor, day: dt.date, is_workday_flag: bool, note: str
) -> CalendarDay:
    """Change one known day (e.g. a newly announced 调休)."""
    row = session.get(CalendarDay, day)
    if row is None:
        raise UnknownYear(day.year)
    before = {"is_workday": row.is_workday, "note": row.note}
    row.is_workday = is_workday_flag
    row.note = note.strip()[:60]
    row.source = "admin"
    session.flush()
    audit_service.record(
        session,
        actor,
        "calendar.update_day",
        object_type="calendar_day",
        object_id=day.isoformat(),
        summary=f"修改日历 {day.isoformat()}：{'工作日' if is_workday_flag else '休息日'} {row.note}",
        before=before,
        after={"is_workday": row.is_workday, "note": row.note},
    )
    return row


@dataclass(frozen=True)
class RowError:
    """One problem in an imported calendar file."""

    row: int
    column: str
    value: str
    message: str

    def __str__(self) -> str:
        return f"第 {self.row} 行 {self.column} 列“{self.value}”：{self.message}"


class CalendarImportError(DomainError):
    """The file was refused; `errors` lists every problem found."""

    def __init__(self, errors: list[RowError]) -> None:
        super().__init__(f"日历文件有 {len(errors)} 处错误，未导入任何数据")
        self.errors = errors


_TRUE = {"1", "true", "是", "工作日", "y", "yes"}
_FALSE = {"0", "false", "否", "休息日", "n", "no"}


def workday_flag(value: str, field: str = "类型（is_workday）") -> bool:
    """A working-day flag from a form: 1/0, true/false, 是/否 (as in the CSV); else refused."""
    word = value.strip().lower()
    if word in _TRUE:
        return True
    if word in _FALSE:
        return False
    raise DomainError(
        f"“{field}”只能是 1（工作日）或 0（休息日），收到“{value[:20]}”；未作修改",
        field="is_workday",
    )


def decode_csv(data: bytes) -> str:
    """UTF-8 (with or without BOM), falling back to GB18030."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        try:
            return data.decode("gb18030")
        except UnicodeDecodeError as exc:
            raise DomainError("文件编码无法识别：请使用 UTF-8 或 GB18030 编码的 CSV") from exc


def parse_calendar_csv(data: bytes) -> list[tuple[dt.date, bool, str]]:
    """Parse `date,is_workday,note` rows (a header row is optional); every error at once."""
    text = decode_csv(data)
    errors: list[RowError] = []
    parsed: list[tuple[dt.date, bool, str]] = []
    seen: dict[dt.date, int] = {}
    for number, cells in enumerate(csv.reader(io.StringIO(text)), start=1):
        if not cells or all(not c.strip() for c in cells):
            continue
        first = cells[0].strip()
        if number == 1 and first.lower() in {"date", "日期"}:
            continue
        if len(cells) < 2:
            errors.append(RowError(number, "is_workday", "", "缺少“是否工作日”列"))
            continue
        try:
            day = dt.date.fromisoformat(first)
        except ValueError:
            errors.append(RowError(number, "date", first, "日期格式应为 YYYY-MM-DD"))
            continue
        flag_text = cells[1].strip().lower()
        if flag_text in _TRUE:
            flag = True
        elif flag_text in _FALSE:
            flag = False
        else:
            errors.append(
                RowError(number, "is_workday", cells[1], "只能填 1/0、true/false 或 是/否")
            )
            continue
        note = cells[2].strip() if len(cells) > 2 else ""
        if len(note) > 60:
            errors.append(RowError(number, "note", note[:20] + "…", "备注不能超过 60 个字"))
            continue
        if day in seen:
            errors.append(RowError(number, "date", first, f"与第 {seen[day]} 行日期重复"))
            continue
        seen[day] = number
        parsed.append((day, flag, note))
    if not parsed and not errors:
        errors.append(RowError(1, "date", "", "文件中没有任何日期"))
    if errors:
        raise CalendarImportError(errors)
    return parsed


def import_days(
    session: Session, actor: Actor, rows: Iterable[tuple[dt.date, bool, str]]
) -> tuple[int, int]:
    """Add or update days; a year new to the table must be complete. Returns (added, updated)."""
    rows = list(rows)
    have_years = set(known_years(session))
    by_year: dict[int, set[dt.date]] = {}
    for day, _flag, _note in rows:
        by_year.setdefault(day.year, set()).add(day)
    errors = []
    for year, days in sorted(by_year.items()):
        if year in have_years:
            continue
        full = (dt.date(year + 1, 1, 1) - dt.date(year, 1, 1)).days
        if len(days) != full:
            errors.append(
                RowError(
                    0,
                    "date",
                    str(year),
                    f"新增年份 {year} 须包含全年 {full} 天，文件中只有 {len(days)} 天",
                )
            )
    if errors:
        raise CalendarImportError(errors)
    added = updated = 0
    for day, flag, note in rows:
        row = session.get(CalendarDay, day)
        if row is None:
            session.add(CalendarDay(day=day, is_workday=flag, note=note, source="import"))
            added += 1
        elif row.is_workday != flag or row.note != note:
            row.is_workday, row.note, row.source = flag, note, "import"
            updated += 1
    session.flush()
    audit_service.record(
        session,
        actor,
        "calendar.import",
        object_type="calendar",
        object_id=",".join(str(y) for y in sorted(by_year)),
        summary=f"导入工作日历：新增 {added} 天，修改 {updated} 天（{'、'.join(str(y) for y in sorted(by_year))} 年）",
    )
    return added, updated


def total_days(session: Session) -> int:
    """How many days the table holds."""
    return session.execute(select(func.count()).select_from(CalendarDay)).scalar_one()


def weekday_zh(day: dt.date) -> str:
    """星期一…星期日."""
    return "星期" + _WEEKDAYS[day.weekday()]
