"""Check targets, their change history, sub-registries and import batches."""

from __future__ import annotations

import datetime as dt
from typing import Any

from sqlalchemy import JSON, Date, ForeignKey, Index, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column

from spotcheck.db import Base, UTCDateTime, utcnow

TARGET_TYPES = ("企业", "农民专业合作社", "个体工商户", "其他组织", "产品", "项目", "行为")
MARKET_ENTITY_TYPES = ("企业", "农民专业合作社", "个体工商户")
STATUSES = ("存续", "注销", "吊销", "撤销", "清算", "迁出")
RISK_CLASSES = ("A", "B", "C", "D")


class Target(Base):
    """One check target in one department's registry; `key` is its public identifier."""

    __tablename__ = "target"
    __table_args__ = (
        UniqueConstraint("department_id", "key"),
        UniqueConstraint("department_id", "registry_code"),
        Index("ix_target_department_id_name", "department_id", "name"),
        # Registry pages sort by (name, id): a page of a broad search is read in index order,
        # and the usual filters (scope, region, key, initials) are checked without the table.
        Index(
            "ix_target_name_id",
            "name",
            "id",
            "department_id",
            "region_code",
            "key",
            "initials",
        ),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    # Scoped queries use the (department_id, key) unique index; no separate index is kept.
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    key: Mapped[str] = mapped_column(String(40), index=True)
    # 登记编号: stable, unique in the department, never changed (targets.registry_codes).
    # `key` is the 统一社会信用代码 when the target has one, else this code: never an ID number.
    registry_code: Mapped[str] = mapped_column(String(40), default="")
    name: Mapped[str] = mapped_column(String(200))
    # Pinyin initials of the name ("zbsgy" for 淄博市钢铁…), searched like the name.
    initials: Mapped[str] = mapped_column(String(200), index=True, default="")
    target_type: Mapped[str] = mapped_column(String(20))
    address: Mapped[str] = mapped_column(String(500), default="")
    region_code: Mapped[str] = mapped_column(String(6), index=True, default="")
    jurisdiction_level: Mapped[str] = mapped_column(String(10), default="")
    industry_code: Mapped[str] = mapped_column(String(5), index=True, default="")
    legal_rep: Mapped[str] = mapped_column(String(100), default="")
    id_number: Mapped[str] = mapped_column(String(18), default="")
    phone: Mapped[str] = mapped_column(String(30), default="")
    business_scope: Mapped[str] = mapped_column(Text, default="")
    status: Mapped[str] = mapped_column(String(10), default="存续")
    risk_class: Mapped[str] = mapped_column(String(1), default="")
    abnormal: Mapped[bool] = mapped_column(default=False)
    dishonest: Mapped[bool] = mapped_column(default=False)
    complaints: Mapped[int] = mapped_column(default=0)
    # Stored as "|tag1|tag2|" so that one tag is found with a LIKE on "|tag|".
    tags: Mapped[str] = mapped_column(Text, default="")
    version: Mapped[int] = mapped_column(default=1)
    created_batch_id: Mapped[int | None] = mapped_column(ForeignKey("import_batch.id"))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    updated_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    @property
    def tag_list(self) -> list[str]:
        """The tags as a list."""
        return [t for t in self.tags.split("|") if t]


class TargetHistory(Base):
    """One change of a target: which fields, from what to what, by whom, from where."""

    __tablename__ = "target_history"

    id: Mapped[int] = mapped_column(primary_key=True)
    target_id: Mapped[int] = mapped_column(ForeignKey("target.id", ondelete="CASCADE"), index=True)
    version: Mapped[int] = mapped_column()
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    actor_name: Mapped[str] = mapped_column(String(60), default="")
    source: Mapped[str] = mapped_column(String(80), default="")
    changes: Mapped[dict[str, Any]] = mapped_column(JSON)


class SubRegistry(Base):
    """A 分库: the department's targets carrying any of the registry's tags."""

    __tablename__ = "sub_registry"
    __table_args__ = (UniqueConstraint("department_id", "name"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    name: Mapped[str] = mapped_column(String(60))
    description: Mapped[str] = mapped_column(String(300), default="")
    tag: Mapped[str] = mapped_column(String(40))
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class ImportBatch(Base):
    """One accepted import file: who, when, what, and its SHA-256, for traceability."""

    __tablename__ = "import_batch"

    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(20))
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    filename: Mapped[str] = mapped_column(String(200))
    sha256: Mapped[str] = mapped_column(String(64))
    rows: Mapped[int] = mapped_column(default=0)
    created: Mapped[int] = mapped_column(default=0)
    updated: Mapped[int] = mapped_column(default=0)
    unchanged: Mapped[int] = mapped_column(default=0)
    actor_name: Mapped[str] = mapped_column(String(60), default="")
    at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)


class Exemption(Base):
    """An entry of the 免检免扰 list (002 第九条): the target is exempt between the dates."""

    __tablename__ = "exemption"
    __table_args__ = (
        Index("ix_exemption_department_id_target_key", "department_id", "target_key"),
    )

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"))
    target_key: Mapped[str] = mapped_column(String(40))
    target_name: Mapped[str] = mapped_column(String(200), default="")
    valid_from: Mapped[dt.date] = mapped_column(Date)
    valid_until: Mapped[dt.date | None] = mapped_column(Date)
    basis: Mapped[str] = mapped_column(String(200), default="")
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
    revoked_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    revoked_by: Mapped[str] = mapped_column(String(60), default="")

    def valid_on(self, day: dt.date) -> bool:
        """Whether the exemption holds on that day."""
        if self.revoked_at is not None or day < self.valid_from:
            return False
        return self.valid_until is None or day <= self.valid_until
