"""A deliberately plain second implementation of SSJ-DRAW-1, read straight off the spec.

No chunks, no processes, no thresholds: every ticket is computed and everything is sorted.
The property tests compare the engine with it on random manifests.
"""

from __future__ import annotations

import hashlib
import json
from typing import Any


def H(data: bytes) -> bytes:
    return hashlib.sha256(data).digest()


def T(name: str) -> bytes:
    return ("ssj-draw-v1/" + name).encode("ascii")


def lp(data: bytes) -> bytes:
    return len(data).to_bytes(4, "big") + data


def digest(manifest: dict[str, Any]) -> bytes:
    text = json.dumps(manifest, ensure_ascii=False, sort_keys=True, separators=(",", ":"))
    return H(text.encode("utf-8"))


def seed(manifest: dict[str, Any], entropy: list[dict[str, Any]]) -> bytes:
    message = T("seed") + digest(manifest)
    for item in entropy:
        data = (
            bytes.fromhex(item["randomness"])
            if item["kind"] == "drand-quicknet"
            else item["value"].encode()
        )
        message += lp(item["kind"].encode()) + lp(data)
    return H(message)


def ranked(manifest: dict[str, Any], s: bytes) -> list[list[str]]:
    out = []
    for stratum in manifest["strata"]:
        tickets = {c: H(T("target") + s + bytes.fromhex(c)) for c in stratum["candidates"]}
        out.append(sorted(stratum["candidates"], key=lambda c: (tickets[c], c)))
    return out


class Matching:
    def __init__(self, manifest: dict[str, Any], s: bytes, selected_count: int) -> None:
        self.seed = s
        self.slots = manifest["slots"]
        self.working = {}
        for slot in self.slots:
            pool = slot["pool"]
            if "draw" in slot:
                key = lambda i, name=slot["name"]: (  # noqa: E731
                    H(T("pool") + s + lp(name.encode()) + lp(i.encode())),
                    i,
                )
                pool = sorted(pool, key=key)[: slot["draw"]]
            self.working[slot["name"]] = pool
        self.cap = {
            slot["name"]: -(-selected_count * slot["count"] // len(self.working[slot["name"]]))
            for slot in self.slots
        }
        self.load: dict[tuple[str, str], int] = {}
        self.removed: dict[str, set[str]] = {}
        self.conflicts = {(i, c) for i, c in manifest["conflicts"]}
        self.first_pass_failures: list[tuple[str, str, str]] = []

    def ranking(self, c: str, slot: str) -> list[str]:
        def ticket(i: str) -> tuple[bytes, str]:
            return H(T("inspector") + self.seed + bytes.fromhex(c) + lp(i.encode())), i

        return sorted(self.working[slot], key=ticket)

    def pick(self, c: str, slot: str, group: list[list[str]]) -> str | None:
        members = {i for _, i in group}
        ok = [
            i
            for i in self.ranking(c, slot)
            if i not in members
            and i not in self.removed.get(c, set())
            and (i, c) not in self.conflicts
        ]
        for i in ok:
            if self.load.get((slot, i), 0) < self.cap[slot]:
                return i
        if ok:
            self.first_pass_failures.append((c, slot, ok[0]))
            return ok[0]
        return None

    def match(self, c: str) -> list[list[str]]:
        group: list[list[str]] = []
        for slot in self.slots:
            for _ in range(slot["count"]):
                i = self.pick(c, slot["name"], group)
                assert i is not None, "nobody"
                group.append([slot["name"], i])
                self.load[(slot["name"], i)] = self.load.get((slot["name"], i), 0) + 1
        return group


def record(
    manifest: dict[str, Any], entropy: list[dict[str, Any]], events: list[dict[str, Any]]
) -> dict[str, Any]:
    """The record fields the engine computes (no openings), by the book."""
    s = seed(manifest, entropy)
    ranks = ranked(manifest, s)
    quotas = [st["quota"] for st in manifest["strata"]]
    selected = [r[:q] for r, q in zip(ranks, quotas)]
    remainder = [r[q:] for r, q in zip(ranks, quotas)]
    tickets = {c: H(T("target") + s + bytes.fromhex(c)) for row in selected for c in row}
    visit = sorted(tickets, key=lambda c: (tickets[c], c))
    m = Matching(manifest, s, len(visit))
    groups = {c: m.match(c) for c in visit}
    assignments = [{"target": c, "inspectors": [list(x) for x in groups[c]]} for c in visit]
    stratum_of = {c: n for n, row in enumerate(selected) for c in row}
    current = [list(row) for row in selected]
    used = [0] * len(selected)
    out_events = []
    for event in events:
        e = dict(event)
        c = e["target"]
        if e["type"] == "replace-target":
            n = stratum_of.pop(c)
            r = remainder[n][used[n]]
            used[n] += 1
            for slot, i in groups.pop(c):
                m.load[(slot, i)] -= 1
            current[n][current[n].index(c)] = r
            stratum_of[r] = n
            groups[r] = m.match(r)
            e["replacement"], e["group"] = r, [list(x) for x in groups[r]]
        elif e["type"] == "replace-inspector":
            group = groups[c]
            at = group.index([e["slot"], e["inspector"]])
            m.load[(e["slot"], e["inspector"])] -= 1
            m.removed.setdefault(c, set()).add(e["inspector"])
            j = m.pick(c, e["slot"], group[:at] + group[at + 1 :])
            assert j is not None
            group[at] = [e["slot"], j]
            m.load[(e["slot"], j)] = m.load.get((e["slot"], j), 0) + 1
            e["replacement"] = j
        else:
            group = groups[c]
            j = e["replacement"]
            if e.get("inspector") is not None:
                at = group.index([e["slot"], e["inspector"]])
                m.load[(e["slot"], e["inspector"])] -= 1
                m.removed.setdefault(c, set()).add(e["inspector"])
                group[at] = [e["slot"], j]
            else:
                last = [n for n, (slot, _) in enumerate(group) if slot == e["slot"]]
                group.insert(last[-1] + 1 if last else len(group), [e["slot"], j])
            m.load[(e["slot"], j)] = m.load.get((e["slot"], j), 0) + 1
        out_events.append(e)
    names = [st["name"] for st in manifest["strata"]]
    return {
        "manifest_digest": digest(manifest).hex(),
        "seed": s.hex(),
        "selected": dict(zip(names, selected)),
        "alternates": dict(zip(names, remainder)),
        "assignments": assignments,
        "events": out_events,
        "first_pass_failures": m.first_pass_failures,
        "caps": m.cap,
        "final_groups": groups,
    }
