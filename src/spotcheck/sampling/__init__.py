"""SSJ-DRAW-1, the verifiable draw: a pure package (standard library only, no database, no web).

The public API for the platform and the ceremony:

- build_manifest(...) -> (manifest, openings): commit step, from plain inputs.
- manifest_digest(manifest) -> hex: what the witnesses sign before the entropy exists.
- first_safe_round(committed_at, margin_seconds) -> int: the drand round to plan.
- compute_record(manifest, entropy, events, ...) -> record: the published record.
- verify_record(record) -> VerifyResult: what `spotcheck verify` runs.
"""

from __future__ import annotations

from .build import build_manifest, dice_plan, drand_plan, salt_for
from .canonical import canonical_bytes, canonical_json
from .entropy import (
    QUICKNET_GENESIS,
    QUICKNET_PERIOD,
    check_entropy,
    derive_seed,
    first_safe_round,
    round_time,
)
from .errors import (
    DrawError,
    EntropyError,
    EventError,
    InfeasibleError,
    InputError,
    ManifestError,
    MatchingError,
    OpeningError,
    Reason,
)
from .manifest import Manifest, feasibility_problem, manifest_digest, parse_manifest
from .record import DEFAULT_ALTERNATES, compute_record
from .tickets import SPEC, commitment, inspector_ticket, target_ticket
from .verify import VerifyResult, is_record, verify_record

__all__ = [
    "DEFAULT_ALTERNATES",
    "QUICKNET_GENESIS",
    "QUICKNET_PERIOD",
    "SPEC",
    "DrawError",
    "EntropyError",
    "EventError",
    "InfeasibleError",
    "InputError",
    "Manifest",
    "ManifestError",
    "MatchingError",
    "OpeningError",
    "Reason",
    "VerifyResult",
    "build_manifest",
    "canonical_bytes",
    "canonical_json",
    "check_entropy",
    "commitment",
    "compute_record",
    "derive_seed",
    "dice_plan",
    "drand_plan",
    "feasibility_problem",
    "first_safe_round",
    "inspector_ticket",
    "is_record",
    "manifest_digest",
    "parse_manifest",
    "round_time",
    "salt_for",
    "target_ticket",
    "verify_record",
]
