"""Check items, their versions, and list releases that a leader approves before publication."""

from __future__ import annotations

import datetime as dt
import enum

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from spotcheck.db import Base, UTCDateTime, str_enum, utcnow

LIST_TYPES = ("本部门", "部门联合")
ITEM_KINDS = ("重点", "一般")
DOMAINS = ("环保", "安全生产", "质量", "公共利益", "其他")
METHODS = (
    "书面检查",
    "实地核查",
    "网络检查",
    "网络监测",
    "检验检测",
    "委托专业机构",
    "采用其他部门结论",
)


class ReleaseStatus(enum.StrEnum):
    """Where a list release stands."""

    DRAFT = "draft"
    SUBMITTED = "submitted"
    PUBLISHED = "published"
    REJECTED = "rejected"


RELEASE_LABELS = {
    ReleaseStatus.DRAFT: "草稿",
    ReleaseStatus.SUBMITTED: "待审批",
    ReleaseStatus.PUBLISHED: "已发布",
    ReleaseStatus.REJECTED: "已退回",
}
# The allowed moves are the machine `catalog.service.RELEASE` (spotcheck.workflow).


class CheckItem(Base):
    """The identity of an item in a department's list; its content lives in versions."""

    __tablename__ = "check_item"
    __table_args__ = (UniqueConstraint("department_id", "code"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    code: Mapped[str] = mapped_column(String(40))
    latest_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("check_item_version.id", use_alter=True)
    )
    published_version_id: Mapped[int | None] = mapped_column(
        ForeignKey("check_item_version.id", use_alter=True)
    )
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    latest: Mapped[CheckItemVersion | None] = relationship(
        foreign_keys=[latest_version_id], lazy="joined", post_update=True
    )
    published: Mapped[CheckItemVersion | None] = relationship(
        foreign_keys=[published_version_id], lazy="joined", post_update=True
    )


class CheckItemVersion(Base):
    """One immutable version of an item's content; tasks point at the version they used."""

    __tablename__ = "check_item_version"
    __table_args__ = (UniqueConstraint("item_id", "version"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_id: Mapped[int] = mapped_column(
        ForeignKey("check_item.id", ondelete="CASCADE"), index=True
    )
    version: Mapped[int] = mapped_column()
    release_id: Mapped[int | None] = mapped_column(ForeignKey("catalog_release.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    list_type: Mapped[str] = mapped_column(String(10), default="本部门")
    target_type: Mapped[str] = mapped_column(String(100), default="")
    content: Mapped[str] = mapped_column(Text, default="")
    legal_basis: Mapped[str] = mapped_column(Text, default="")
    methods: Mapped[str] = mapped_column(String(200), default="")  # "|书面检查|实地核查|"
    ratio_bp: Mapped[int | None] = mapped_column()  # basis points: 500 = 5%
    frequency: Mapped[str] = mapped_column(String(100), default="")
    kind: Mapped[str] = mapped_column(String(4), default="一般")
    domains: Mapped[str] = mapped_column(String(100), default="")  # "|环保|安全生产|"
    implementer: Mapped[str] = mapped_column(String(200), default="")
    # Superseded by `points` (migration 0019 made each non-empty text its version's point 1);
    # kept read-only for the record: nothing writes it any more.
    guideline: Mapped[str] = mapped_column(Text, default="")
    created_by: Mapped[str] = mapped_column(String(60), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)

    points: Mapped[list[CheckPoint]] = relationship(
        order_by="CheckPoint.number",
        lazy="selectin",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )

    @property
    def method_list(self) -> list[str]:
        """Methods as a list."""
        return [m for m in self.methods.split("|") if m]

    @property
    def domain_list(self) -> list[str]:
        """Domains as a list."""
        return [d for d in self.domains.split("|") if d]

    @property
    def ratio_text(self) -> str:
        """The ratio as a percentage, e.g. 5%, 2.5%."""
        if self.ratio_bp is None:
            return ""
        whole, rest = divmod(self.ratio_bp, 100)
        return f"{whole}%" if not rest else f"{whole}.{rest:02d}".rstrip("0") + "%"


class CheckPoint(Base):
    """One check point (检查要点) of an item version's 抽查工作指引, with its legal basis.

    Part of the version's content: frozen once the version is in a release, like the rest.
    """

    __tablename__ = "check_point"
    __table_args__ = (UniqueConstraint("item_version_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    item_version_id: Mapped[int] = mapped_column(
        ForeignKey("check_item_version.id", ondelete="CASCADE"), index=True
    )
    number: Mapped[int] = mapped_column()  # 1, 2, … in the guideline's order
    text: Mapped[str] = mapped_column(Text)  # 要点: what to check
    method: Mapped[str] = mapped_column(String(20), default="")  # one of METHODS, or ""
    legal_basis: Mapped[str] = mapped_column(Text)  # 法律依据 (required)
    materials: Mapped[str] = mapped_column(Text, default="")  # 材料 to ask the target for

    def as_dict(self) -> dict[str, str]:
        """The point's content (without its number), as the service compares and stores it."""
        return {
            "text": self.text,
            "method": self.method,
            "legal_basis": self.legal_basis,
            "materials": self.materials,
        }


class CatalogRelease(Base):
    """A version of a department's whole list: submitted, approved by a leader, published."""

    __tablename__ = "catalog_release"
    __table_args__ = (UniqueConstraint("department_id", "number"),)

    id: Mapped[int] = mapped_column(primary_key=True)
    department_id: Mapped[int] = mapped_column(ForeignKey("department.id"), index=True)
    number: Mapped[int] = mapped_column()
    status: Mapped[ReleaseStatus] = mapped_column(
        str_enum(ReleaseStatus),
        default=ReleaseStatus.DRAFT,
    )
    note: Mapped[str] = mapped_column(String(300), default="")
    submitted_by: Mapped[str] = mapped_column(String(60), default="")
    submitted_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    decided_by: Mapped[str] = mapped_column(String(60), default="")
    decided_at: Mapped[dt.datetime | None] = mapped_column(UTCDateTime())
    opinion: Mapped[str] = mapped_column(String(300), default="")
    rule: Mapped[str] = mapped_column(String(120), default="")
    created_at: Mapped[dt.datetime] = mapped_column(UTCDateTime(), default=utcnow)
