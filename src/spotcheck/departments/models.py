"""Department tree stored with a materialised path for fast subtree queries."""

from __future__ import annotations

import enum

from sqlalchemy import ForeignKey, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spotcheck.db import Base, str_enum


class DepartmentLevel(enum.StrEnum):
    """Administrative level of a department."""

    PROVINCE = "province"
    CITY = "city"
    COUNTY = "county"
    SECTION = "section"


LEVEL_LABELS = {
    DepartmentLevel.PROVINCE: "省级",
    DepartmentLevel.CITY: "市级",
    DepartmentLevel.COUNTY: "县级",
    DepartmentLevel.SECTION: "科室",
}

# Which levels may sit directly under which: an agency's 科室 never has county children.
ALLOWED_CHILDREN = {
    DepartmentLevel.PROVINCE: {DepartmentLevel.CITY, DepartmentLevel.SECTION},
    DepartmentLevel.CITY: {DepartmentLevel.COUNTY, DepartmentLevel.SECTION},
    DepartmentLevel.COUNTY: {DepartmentLevel.SECTION},
    DepartmentLevel.SECTION: {DepartmentLevel.SECTION},
}


def path_ids(path: str) -> list[int]:
    """The ids of a materialised path "/1/4/9/", root first."""
    return [int(p) for p in path.strip("/").split("/") if p]


class Department(Base):
    """A government department or one of its sections."""

    __tablename__ = "department"

    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    level: Mapped[DepartmentLevel] = mapped_column(str_enum(DepartmentLevel, 20))
    parent_id: Mapped[int | None] = mapped_column(ForeignKey("department.id"), index=True)
    # "/1/4/9/": ancestors then self; a subtree is every path starting with this one.
    path: Mapped[str] = mapped_column(String(400), index=True, default="")
    industry: Mapped[str] = mapped_column(String(80), default="")
    region_code: Mapped[str] = mapped_column(String(12), default="")
    active: Mapped[bool] = mapped_column(default=True)

    parent: Mapped[Department | None] = relationship(remote_side=[id])

    @property
    def ancestor_ids(self) -> list[int]:
        """Ids on the path from the root down to this department (itself included)."""
        return path_ids(self.path) or [self.id]

    @property
    def level_label(self) -> str:
        """The level in Chinese."""
        return LEVEL_LABELS[self.level]
