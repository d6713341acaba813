"""SSJ-DRAW-1, the verifiable draw: a pure package (standard library only, no database, no web).

The public API for the platform and the ceremony:

- build_manifest(...) -> (manifest, openings): commit step, from plain inputs.
- manifest_digest(manifest) -> hex: what the witnesses sign before the entropy exists.
- first_safe_round(committed_at, margin_seconds) -> int: the drand round to plan.
- compute_record(manifest, entropy, events, ...) -> record: the published record.
- verify_record(record) -> VerifyResult: what `spotcheck verify` runs.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

# Names are imported on first use (PEP 562), so that a worker process, which imports only
# spotcheck.sampling.workers, does not pay for the whole package at start-up.
_WHERE = {
    "build_manifest": "build",
    "dice_plan": "build",
    "drand_plan": "build",
    "salt_for": "build",
    "canonical_bytes": "canonical",
    "canonical_json": "canonical",
    "QUICKNET_GENESIS": "entropy",
    "QUICKNET_PERIOD": "entropy",
    "check_entropy": "entropy",
    "derive_seed": "entropy",
    "first_safe_round": "entropy",
    "round_time": "entropy",
    "DrawError": "errors",
    "EntropyError": "errors",
    "EventError": "errors",
    "InfeasibleError": "errors",
    "InputError": "errors",
    "ManifestError": "errors",
    "MatchingError": "errors",
    "OpeningError": "errors",
    "Reason": "errors",
    "Manifest": "manifest",
    "feasibility_problem": "manifest",
    "manifest_digest": "manifest",
    "parse_manifest": "manifest",
    "DEFAULT_ALTERNATES": "record",
    "compute_record": "record",
    "compute_records": "record",
    "SPEC": "tickets",
    "commitment": "tickets",
    "inspector_ticket": "tickets",
    "target_ticket": "tickets",
    "VerifyResult": "verify",
    "is_record": "verify",
    "verify_record": "verify",
}

if TYPE_CHECKING:
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
    from .record import DEFAULT_ALTERNATES, compute_record, compute_records
    from .tickets import SPEC, commitment, inspector_ticket, target_ticket
    from .verify import VerifyResult, is_record, verify_record


def __getattr__(name: str) -> Any:
    module = _WHERE.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


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
    "compute_records",
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
