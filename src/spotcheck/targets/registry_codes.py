"""登记编号: every target's stable, unique, immutable registry code, and the rule that keeps a
natural person's resident ID number out of a target's key.

- A target's registry code is given by its import (column 登记编号) or made here when it is
  created: the department's code, "-", and a 7-digit serial of that department
  (``370300-GXJ-0000123``); a department code too long for 40 characters gives way to
  ``D<department id>-``. It is unique in the department and is never changed.
- A target's ``key`` is what a draw commits to (spec/draw-v1.md "Commitments"): its
  统一社会信用代码 when it has one, else its registry code. A target known only by a resident ID
  number (身份证号, GB 11643) is keyed by its registry code and the ID number is kept in
  ``id_number`` (shown masked, never published), so no ID number ever enters a draw.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.orm import Session

from spotcheck.departments.models import Department
from spotcheck.tabular.codes import check_resident_id, check_uscc
from spotcheck.targets.models import Target

SERIAL_DIGITS = 7
MAX_LEN = 40


def is_resident_id(value: str) -> bool:
    """Whether ``value`` is a valid 身份证号 and not a valid 统一社会信用代码."""
    return (
        len(value) == 18
        and value[:17].isdigit()
        and check_resident_id(value) is None
        and check_uscc(value) is not None
    )


def prefix(department: Department) -> str:
    """The prefix of the registry codes the platform makes for the department."""
    code = department.code
    if len(code) + 1 + SERIAL_DIGITS <= MAX_LEN:
        return f"{code}-"
    return f"D{department.id}-"


def _escaped(text: str) -> str:
    return text.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")


class Serials:
    """Hands out the next registry codes of a department within one transaction."""

    def __init__(self, session: Session, department: Department) -> None:
        if session.get_bind().dialect.name == "postgresql":
            # One creator of a department's codes at a time: the second waits for the first.
            session.execute(
                select(Department.id).where(Department.id == department.id).with_for_update()
            )
        self.prefix = prefix(department)
        width = len(self.prefix) + SERIAL_DIGITS
        with session.no_autoflush:
            top = session.scalar(
                select(func.max(Target.registry_code)).where(
                    Target.department_id == department.id,
                    Target.registry_code.like(_escaped(self.prefix) + "%", escape="\\"),
                    func.length(Target.registry_code) == width,
                )
            )
        tail = (top or "")[len(self.prefix) :]
        self.serial = int(tail) if tail.isdigit() else 0
        self.taken: set[str] = set()

    def next(self) -> str:
        """The next free code."""
        while True:
            self.serial += 1
            code = f"{self.prefix}{self.serial:0{SERIAL_DIGITS}d}"
            if code not in self.taken:
                return code

    def reserve(self, codes: Iterable[str]) -> None:
        """Codes given by an import: never handed out again in this transaction."""
        self.taken.update(codes)


@event.listens_for(Session, "before_flush")
def _fill_codes(session: Session, _context: Any, _instances: Any) -> None:
    """A target added without a registry code gets one; one keyed by an ID number is rekeyed."""
    new = [t for t in session.new if isinstance(t, Target) and not t.registry_code]
    by_department: dict[int, list[Target]] = {}
    for target in new:
        by_department.setdefault(target.department_id, []).append(target)
    for department_id, targets in by_department.items():
        department = session.get(Department, department_id)
        if department is None:
            continue
        serials = Serials(session, department)
        for target in sorted(targets, key=lambda t: (t.name or "", t.key or "")):
            target.registry_code = serials.next()
    for target in session.new:
        if isinstance(target, Target) and (not target.key or is_resident_id(target.key)):
            if target.key and not target.id_number:
                target.id_number = target.key
            target.key = target.registry_code
