"""Witnesses and the revealed entropy of a committed draw: dice digits and the drand round."""

from __future__ import annotations

import hashlib
import re

from sqlalchemy import select
from sqlalchemy.orm import Session

from spotcheck.accounts.models import User
from spotcheck.audit import service as audit_service
from spotcheck.audit.service import Actor
from spotcheck.draws.models import Draw, DrawStatus, DrawWitness
from spotcheck.draws.service import profile_of, refuse, require_status
from spotcheck.errors import DomainError
from spotcheck.rulebooks.schema import cite
from spotcheck.sampling.entropy import check_entropy, utc_text
from spotcheck.sampling.manifest import DICE, DRAND, PlanItem, parse_plan

_DIGITS = re.compile(r"\A[0-9]+\Z")
_HEX = re.compile(r"\A[0-9a-f]+\Z")


def planned(draw: Draw, kind: str) -> PlanItem | None:
    """The planned entropy item of a kind (drand or dice), if any (from the committed plan,
    which the draw keeps beside the manifest: these steps never read the manifest)."""
    if not draw.entropy_plan:
        return None
    for item in parse_plan(draw.entropy_plan):
        if item.kind == kind:
            return item
    return None


def dice_so_far(draw: Draw) -> str:
    """The dice digits entered so far, in entry order."""
    return "".join(part for _, part in draw.entropy_choice.get("dice_parts", []))


def add_witness(
    session: Session,
    actor: Actor,
    draw: Draw,
    name: str,
    kind: str,
    organisation: str = "",
    user: User | None = None,
) -> DrawWitness:
    """Record a witness (监督人) of the ceremony, as one of the fixed kinds of the profile (the
    rulebook's list; where it names none, the platform's)."""
    require_status(session, actor, draw, {DrawStatus.PREPARED, DrawStatus.COMMITTED}, "登记监督人")
    if user is not None and not name.strip():
        name = user.full_name  # a linked account is the witness, under its own name
    if not name.strip():
        raise DomainError("请填写监督人姓名", field="name")
    rule = profile_of(session, draw).witnesses
    if kind.strip() not in rule.choices:
        source = "平台规则（细则未规定）" if rule.platform_kinds else cite(rule.article)
        raise DomainError(
            f"监督人身份须为以下之一：{'、'.join(rule.choices)}（{source}）", field="kind"
        )
    witness = DrawWitness(
        name=name.strip()[:60],
        kind=kind.strip()[:30],
        organisation=organisation.strip()[:120],
        user_id=user.id if user is not None else None,
        recorded_by=actor.name[:60],
    )
    draw.witnesses.append(witness)
    session.flush()
    audit_service.record(
        session,
        actor,
        "draw.witness",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code}：登记监督人 {witness.name}（{witness.kind}，{witness.organisation}）",
    )
    return witness


def enter_dice(
    session: Session, actor: Actor, draw: Draw, witness: DrawWitness, digits: str
) -> str:
    """Append a witness's dice digits; returns the digits so far (complete at the planned count)."""
    require_status(session, actor, draw, {DrawStatus.COMMITTED}, "录入骰子数字")
    plan = planned(draw, DICE)
    if plan is None:
        raise refuse(session, actor, draw, "录入骰子数字", f"抽取 {draw.code} 的随机数计划没有骰子")
    if witness.draw_id != draw.id:
        raise DomainError("该监督人不属于本次抽取", field="witness")
    if witness.user_id is not None and witness.user_id != actor.user_id:
        # A witness with a login rolls and enters their own digits; nobody types them for them.
        raise refuse(
            session,
            actor,
            draw,
            "录入骰子数字",
            f"监督人 {witness.name} 已关联登录账号：须由本人登录后录入自己掷出的数字（平台规则（细则未规定））",
        )
    digits = digits.strip()
    if not _DIGITS.match(digits):
        raise DomainError("骰子数字只能是 0–9 的数字（不含空格和其他字符）", field="digits")
    so_far = dice_so_far(draw)
    if len(so_far) + len(digits) > plan.digits:
        # Decided by the digits already entered (perhaps a moment ago by a concurrent request):
        # a refusal of the draw's state (409, audited), not a typing error.
        raise refuse(
            session,
            actor,
            draw,
            "录入骰子数字",
            f"骰子共 {plan.digits} 位，已录入 {len(so_far)} 位，还差 {plan.digits - len(so_far)} 位；"
            f"本次录入了 {len(digits)} 位，太多",
        )
    value = so_far + digits
    if len(value) == plan.digits:
        other = session.scalar(select(Draw).where(Draw.dice_value == value, Draw.id != draw.id))
        if other is not None:
            raise refuse(
                session,
                actor,
                draw,
                "录入骰子数字",
                f"骰子值 {value} 与抽取 {other.code} 的骰子值相同：不得重复使用其他抽取的随机数，请重新掷骰",
            )
        draw.dice_value = value
        draw.revealed = [
            *(i for i in draw.revealed if i.get("kind") != DICE),
            {"kind": DICE, "value": value},
        ]
    parts = [*draw.entropy_choice.get("dice_parts", []), [witness.id, digits]]
    draw.entropy_choice = {**draw.entropy_choice, "dice_parts": parts}
    witness.dice_digits = witness.dice_digits + digits
    audit_service.record(
        session,
        actor,
        "draw.dice",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code}：监督人 {witness.name} 掷出 {digits}（已录入 {len(value)}/{plan.digits} 位）",
    )
    session.flush()
    return value


def enter_drand(
    session: Session, actor: Actor, draw: Draw, round_number: int, signature_hex: str
) -> None:
    """Enter the planned drand quicknet round's signature; verified offline (BLS, timing)."""
    require_status(session, actor, draw, {DrawStatus.COMMITTED}, "录入 drand 随机数")
    plan = planned(draw, DRAND)
    if plan is None:
        raise refuse(
            session, actor, draw, "录入 drand 随机数", f"抽取 {draw.code} 的随机数计划没有 drand"
        )
    if round_number != plan.round:
        raise refuse(
            session,
            actor,
            draw,
            "录入 drand 随机数",
            f"drand 轮次 {round_number} 不是承诺时计划的第 {plan.round} 轮：只能使用计划的轮次",
        )
    signature = signature_hex.strip().lower()
    if not signature or len(signature) % 2 or not _HEX.match(signature):
        raise DomainError(
            "drand 签名应为十六进制字符串（从任一 drand 镜像复制 signature）", field="signature"
        )
    item = {
        "kind": DRAND,
        "round": round_number,
        "signature": signature,
        "randomness": hashlib.sha256(bytes.fromhex(signature)).hexdigest(),
    }
    assert draw.committed_at is not None  # a planned drand round means a committed draw
    committed = int(draw.committed_at.timestamp())
    check = check_entropy([plan], [item], committed)
    if check.problems:
        raise DomainError("drand 随机数未通过校验：" + "；".join(p.zh for p in check.problems))
    if not check.signatures_checked:
        raise DomainError("无法校验 drand 签名（未安装 drand-verify），不能录入")
    draw.revealed = [*(i for i in draw.revealed if i.get("kind") != DRAND), item]
    audit_service.record(
        session,
        actor,
        "draw.drand",
        object_type="draw",
        object_id=draw.id,
        summary=f"{draw.code}：录入 drand 第 {round_number} 轮（{utc_text(committed)} 承诺后发布），签名已校验",
    )
    session.flush()
