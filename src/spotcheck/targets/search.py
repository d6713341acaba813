"""Finding targets: the registry search (key, name, pinyin initials, region, type, flags, …) with
capped counts and pagination, the streamed export of every match, and the scope's count."""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from typing import Any, cast

from sqlalchemy import ColumnElement, Select, and_, func, or_, select, text
from sqlalchemy.orm import Session

from spotcheck.targets.models import Target

COUNT_CAP = 10_000  # counting a million matches costs more than it tells


@dataclass(frozen=True)
class Filters:
    """Search filters of the registry pages, the API and exports."""

    q: str = ""
    key: str = ""
    region: str = ""
    level: str = ""
    target_type: str = ""
    industry: str = ""
    scope_text: str = ""
    status: str = ""
    risk: str = ""
    abnormal: bool = False
    dishonest: bool = False
    tag: str = ""
    department_id: int | None = None


def _starts(column: Any, prefix: str, hint: bool) -> ColumnElement[bool]:
    """``column LIKE 'prefix%'``, plus (``hint``) the equivalent range that an index can use.

    Neither SQLite (BINARY columns) nor PostgreSQL (a non-C collation such as C.UTF-8) can
    use a B-tree index for LIKE. The range is only added for an ASCII letters-and-digits
    prefix whose last character is not 9, Z or z, so that it holds every LIKE match in any
    collation that orders letters and digits as usual; the LIKE still decides.
    """
    like = column.startswith(prefix, autoescape=True)
    last = prefix[-1:]
    if not hint or not (prefix.isascii() and prefix.isalnum()) or last in ("9", "Z", "z"):
        return cast(ColumnElement[bool], like)
    upper = prefix[:-1] + chr(ord(last) + 1)
    return and_(column >= prefix, column < upper, like)


def _conditions(
    scope: Sequence[int], filters: Filters, hint: bool = True
) -> list[ColumnElement[bool]]:
    where: list[ColumnElement[bool]] = []
    if filters.department_id is not None:
        where.append(Target.department_id == filters.department_id)
    else:
        where.append(Target.department_id.in_(scope))
    if filters.q:
        q = filters.q.strip()
        lowered = q.lower()
        conditions = [Target.name.contains(q, autoescape=True)]
        if lowered.isascii() and lowered.isalnum():
            conditions.append(Target.initials.startswith(lowered, autoescape=True))
            conditions.append(Target.key.startswith(q.upper(), autoescape=True))
        where.append(or_(*conditions))
    if filters.key:
        where.append(_starts(Target.key, filters.key.strip().upper(), hint))
    if filters.region:
        # 370300 means the whole city: trailing zeros of a prefecture or province widen the match.
        region = filters.region.strip()
        prefix = (
            region[:2]
            if region.endswith("0000")
            else region[:4]
            if region.endswith("00")
            else region
        )
        where.append(_starts(Target.region_code, prefix, hint))
    if filters.level:
        where.append(Target.jurisdiction_level == filters.level)
    if filters.target_type:
        where.append(Target.target_type == filters.target_type)
    if filters.industry:
        where.append(_starts(Target.industry_code, filters.industry.strip(), hint))
    if filters.scope_text:
        where.append(Target.business_scope.contains(filters.scope_text.strip(), autoescape=True))
    if filters.status:
        where.append(Target.status == filters.status)
    if filters.risk:
        where.append(Target.risk_class == filters.risk)
    if filters.abnormal:
        where.append(Target.abnormal.is_(True))
    if filters.dishonest:
        where.append(Target.dishonest.is_(True))
    if filters.tag:
        where.append(Target.tags.contains(f"|{filters.tag.strip()}|", autoescape=True))
    return where


def _query(scope: Sequence[int], filters: Filters) -> Select[Target]:
    return select(Target).where(*_conditions(scope, filters))


def search(
    session: Session, scope: Sequence[int], filters: Filters, page: int = 1, per_page: int = 50
) -> tuple[list[Target], int, bool]:
    """One page of matches, their count up to COUNT_CAP, and whether the count was capped.

    The capped count comes first and keeps the ids it finds: a fragment of a name cannot use
    an index, so a rare one costs a full scan, and doing it once is what keeps the search
    fast. Up to COUNT_CAP matches, the page is sorted from those ids; beyond it, the page's
    ids are read in name order from the (name, id, …) index, which stops after one page.
    """
    if session.get_bind().dialect.name == "postgresql":
        # psycopg prepares a statement run 5 times; PostgreSQL then may switch to a generic
        # plan that cannot see the LIKE pattern and scans the name index for a rare fragment
        # (5x slower). Plans are cheap next to that; this lasts to the end of the transaction.
        session.execute(text("SET LOCAL plan_cache_mode = force_custom_plan"))
    ids = list(
        session.execute(
            select(Target.id).where(*_conditions(scope, filters)).limit(COUNT_CAP + 1)
        ).scalars()
    )
    total = len(ids)
    if total > COUNT_CAP:
        # The page's ids in name order, read from the name index alone when the filters are
        # on its columns; without the range hints, which tempt SQLite away from that order.
        ids = list(
            session.execute(
                select(Target.id)
                .where(*_conditions(scope, filters, hint=False))
                .order_by(Target.name, Target.id)
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).scalars()
        )
        page, per_page = 1, len(ids)
    rows: list[Target] = []
    if ids:
        rows = list(
            session.execute(
                select(Target)
                .where(Target.id.in_(ids))
                .order_by(Target.name, Target.id)
                .offset((page - 1) * per_page)
                .limit(per_page)
            ).scalars()
        )
    return rows, min(total, COUNT_CAP), total > COUNT_CAP


def iter_export(session: Session, scope: Sequence[int], filters: Filters) -> Iterator[Target]:
    """Every match, streamed in key order, for exports."""
    query = _query(scope, filters).order_by(Target.key).execution_options(yield_per=5000)
    yield from session.execute(query).scalars()


def count(session: Session, scope: Sequence[int]) -> int:
    """How many targets the scope's registries hold."""
    return session.execute(
        select(func.count(Target.id)).where(Target.department_id.in_(scope))
    ).scalar_one()
