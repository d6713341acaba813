"""Rulebook verbs: the built-in profiles, administrator copies, their versions, adoption."""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.db import utcnow
from spotcheck.departments.models import Department
from spotcheck.errors import DomainError, NotFound
from spotcheck.rulebooks import versions
from spotcheck.rulebooks.models import Adoption, CustomProfile, RulebookVersion
from spotcheck.rulebooks.schema import Profile, ProfileInvalid, ProfileProblem, parse

BUILTIN_DIR = Path(__file__).resolve().parent / "profiles"
# The built-in profiles in seed order (000 … 004).
BUILTIN_CODES = ("shanxi-daj", "xinzhou-joint", "zibo-gxj", "zaozhuang-gxq", "luan-daj")
_CODE = re.compile(r"^[a-z0-9][a-z0-9-]{1,38}$")


@dataclass(frozen=True)
class Entry:
    """A profile as listed: code, name, seed, whether built in, what it was copied from."""

    code: str
    name: str
    seed: str
    builtin: bool
    based_on: str
    profile: Profile


@dataclass(frozen=True)
class Change:
    """One parameter that differs from the original profile."""

    path: str
    old: Any
    new: Any


def builtin_text(code: str) -> str:
    """The TOML text of a built-in profile."""
    if code not in BUILTIN_CODES:
        raise NotFound("未找到该细则配置")
    return (BUILTIN_DIR / f"{code}.toml").read_text(encoding="utf-8")


@lru_cache(maxsize=16)
def _parsed_builtin(code: str) -> Profile:
    return parse(builtin_text(code))


@lru_cache(maxsize=64)
def _parsed(text: str) -> Profile:
    return parse(text)


def is_builtin(code: str) -> bool:
    """Whether the code names a profile shipped with the platform."""
    return code in BUILTIN_CODES


def get_text(session: Session, code: str) -> str:
    """The TOML text of any profile (built-in or a copy)."""
    if is_builtin(code):
        return builtin_text(code)
    custom = session.scalar(select(CustomProfile).where(CustomProfile.code == code))
    if custom is None:
        raise NotFound("未找到该细则配置")
    return custom.text


def get(session: Session, code: str) -> Profile:
    """The validated profile with that code."""
    if is_builtin(code):
        return _parsed_builtin(code)
    return _parsed(get_text(session, code))


def get_custom_or_404(session: Session, code: str) -> CustomProfile:
    """An administrator's copy by code."""
    custom = session.scalar(select(CustomProfile).where(CustomProfile.code == code))
    if custom is None:
        raise NotFound("未找到该细则配置")
    return custom


def get_all(session: Session) -> list[Entry]:
    """Every profile: the five built-in ones, then the copies by code."""
    out = [
        Entry(c, p.profile.name, p.profile.seed, True, "", p)
        for c in BUILTIN_CODES
        for p in [_parsed_builtin(c)]
    ]
    for custom in session.scalars(select(CustomProfile).order_by(CustomProfile.code)):
        profile = _parsed(custom.text)
        out.append(
            Entry(
                custom.code,
                profile.profile.name,
                profile.profile.seed,
                False,
                custom.based_on,
                profile,
            )
        )
    return out


def _with_code(text: str, code: str, based_on: str) -> str:
    """The text with [profile] code replaced and based_on set."""
    text, count = re.subn(r'(?m)^code\s*=\s*"[^"]*"', f'code = "{code}"', text, count=1)
    if not count:
        raise DomainError("原细则配置中没有 code 字段")
    text = re.sub(r'(?m)^based_on\s*=\s*"[^"]*"\n', "", text)
    return text.replace(f'code = "{code}"', f'code = "{code}"\nbased_on = "{based_on}"', 1)


def copy(session: Session, actor: Actor, source: str, code: str) -> CustomProfile:
    """Copy a profile under a new code, to be changed by an administrator."""
    code = code.strip()
    if not _CODE.match(code):
        raise DomainError(
            "编码只能用小写字母、数字和连字符，2–39 位，如 zibo-gxj-2026", field="code"
        )
    if is_builtin(code) or session.scalar(
        select(CustomProfile.id).where(CustomProfile.code == code)
    ):
        raise DomainError(f"编码“{code}”已被使用", field="code")
    original = get(session, source)
    root = original.profile.based_on or source
    text = _with_code(get_text(session, source), code, root)
    parse(text)
    custom = CustomProfile(
        code=code, based_on=root, text=text, created_by=actor.name, updated_by=actor.name
    )
    session.add(custom)
    session.flush()
    versions.record(session, code, text, based_on=root, created_by=actor.name)
    audit_service.record(
        session,
        actor,
        "rulebook.copy",
        object_type="rulebook",
        object_id=code,
        summary=f"复制细则配置 {source} 为 {code}",
    )
    return custom


def save(session: Session, actor: Actor, code: str, text: str) -> CustomProfile:
    """Replace a copy's text after validation; the code and the original cannot change."""
    custom = get_custom_or_404(session, code)
    profile = parse(text)
    if profile.profile.code != code:
        raise ProfileInvalid(
            [ProfileProblem(line=None, where="profile.code", message=f"编码不能修改，应为 {code}")]
        )
    if profile.profile.based_on != custom.based_on:
        raise ProfileInvalid(
            [
                ProfileProblem(
                    line=None,
                    where="profile.based_on",
                    message=f"原始细则不能修改，应为 {custom.based_on}",
                )
            ]
        )
    before = {"text": custom.text, "version": current_version(session, code).label}
    custom.text = text
    custom.updated_by = actor.name
    custom.updated_at = utcnow()
    session.flush()
    # An unchanged text keeps its version; a changed one is a new version, the old one stays.
    version = versions.record(session, code, text, based_on=custom.based_on, created_by=actor.name)
    audit_service.record(
        session,
        actor,
        "rulebook.update",
        object_type="rulebook",
        object_id=code,
        summary=f"修改细则配置 {code}（现行版本 {version.label}）",
        before=before,
        after={"text": text, "version": version.label},
    )
    return custom


def current_version(session: Session, code: str) -> RulebookVersion:
    """The version in force for the code; a built-in's shipped text becomes a version when first used."""
    if is_builtin(code):
        return versions.record(session, code, builtin_text(code), created_by="平台内置")
    custom = get_custom_or_404(session, code)
    return versions.record(
        session, code, custom.text, based_on=custom.based_on, created_by=custom.updated_by
    )


def version_for(session: Session, department: Department) -> RulebookVersion:
    """The current version of the profile the department adopted (or inherits)."""
    return current_version(session, _adopted_code(session, department))


def get_version(session: Session, version_id: int) -> tuple[RulebookVersion, Profile]:
    """A pinned version and its validated profile."""
    row = versions.get_or_404(session, version_id)
    return row, versions.profile(row)


def _flatten(value: Any, prefix: str = "") -> dict[str, Any]:
    if isinstance(value, dict):
        out: dict[str, Any] = {}
        for k, v in value.items():
            out.update(_flatten(v, f"{prefix}.{k}" if prefix else str(k)))
        return out
    if isinstance(value, list) and value and isinstance(value[0], dict):
        out = {}
        for i, v in enumerate(value, start=1):
            out.update(_flatten(v, f"{prefix}[{i}]"))
        return out
    return {prefix: value}


def diff(session: Session, code: str) -> list[Change]:
    """The parameters of a copy that differ from its original built-in profile."""
    custom = get_custom_or_404(session, code)
    old = _flatten(get(session, custom.based_on).model_dump(mode="json"))
    new = _flatten(get(session, code).model_dump(mode="json"))
    skip = {"profile.code", "profile.based_on"}
    return [
        Change(path, old.get(path), new.get(path))
        for path in dict.fromkeys([*old, *new])
        if path not in skip and old.get(path) != new.get(path)
    ]


def adopt(session: Session, actor: Actor, department: Department, code: str) -> Adoption:
    """Make the department (and its sections and children without their own) use the profile."""
    profile = get(session, code)
    adoption = session.scalar(select(Adoption).where(Adoption.department_id == department.id))
    before = {"profile": adoption.profile_code} if adoption else None
    if adoption is None:
        adoption = Adoption(department_id=department.id, profile_code=code, adopted_by=actor.name)
        session.add(adoption)
    else:
        adoption.profile_code = code
        adoption.adopted_by = actor.name
        adoption.adopted_at = utcnow()
    session.flush()
    audit_service.record(
        session,
        actor,
        "rulebook.adopt",
        object_type="department",
        object_id=department.id,
        summary=f"{department.name} 采用细则配置 {code}（{profile.profile.name}）",
        before=before,
        after={"profile": code},
    )
    return adoption


def adoption_for(session: Session, department: Department) -> tuple[str, Department] | None:
    """The profile code in force for the department, and the department that adopted it."""
    ids = department.ancestor_ids
    rows = session.execute(
        select(Adoption.department_id, Adoption.profile_code).where(Adoption.department_id.in_(ids))
    ).all()
    by_department = {dep: code for dep, code in rows}
    for dep_id in reversed(ids):
        if dep_id in by_department:
            owner = session.get(Department, dep_id)
            assert owner is not None
            return by_department[dep_id], owner
    return None


def _adopted_code(session: Session, department: Department) -> str:
    found = adoption_for(session, department)
    if found is None:
        raise DomainError(f"{department.name} 尚未采用细则配置，请系统管理员在“细则配置”中为其选择")
    return found[0]


def profile_for(session: Session, department: Department) -> Profile:
    """The adopted profile of the department; a clear error if none was adopted."""
    return get(session, _adopted_code(session, department))


def warnings(profile: Profile, on: dt.date) -> list[str]:
    """Warnings about using the profile on that day (an expired document)."""
    out = []
    until = profile.profile.effective_until
    if until is not None and on > until:
        out.append(
            f"{profile.profile.name}（{profile.profile.document}）有效期至 {until.isoformat()}，"
            f"已于 {(until + dt.timedelta(days=1)).isoformat()} 失效；继续使用须确认已有新的细则或延续文件"
        )
    if on < profile.profile.effective_from:
        out.append(
            f"{profile.profile.name} 自 {profile.profile.effective_from.isoformat()} 起施行，尚未生效"
        )
    return out
