"""Matching inspectors to targets: working pools, caps, the two-pass pick and loads."""

from __future__ import annotations

from collections.abc import Sequence

from .errors import MatchingError
from .kernels import pack_order, unpack_order
from .manifest import Manifest
from .tickets import inspector_ticket, lp, working_pool

Group = list[list[str]]  # [[slot name, inspector], ...] in group order


class Matcher:
    """Loads, removals, conflicts and cached rankings of one draw; picks and matches."""

    def __init__(self, manifest: Manifest, seed: bytes, selected_count: int) -> None:
        self.manifest = manifest
        self.seed = seed
        self.slots = manifest.slots
        self.slot_index = {slot.name: n for n, slot in enumerate(self.slots)}
        self.working = [working_pool(seed, s.name, s.pool, s.draw) for s in self.slots]
        self.position = [{key: n for n, key in enumerate(w)} for w in self.working]
        self.lp_keys = [[lp(key.encode("utf-8")) for key in w] for w in self.working]
        # cap(s) = ceil(selected × count / working size), fixed for the whole draw.
        self.caps = [
            -(-selected_count * s.count // len(w)) if w else 0
            for s, w in zip(self.slots, self.working, strict=True)
        ]
        self.loads = [[0] * len(w) for w in self.working]
        # Loads of people outside a slot's working pool (manual assignments) never decide a
        # pick, but are kept so that the arithmetic of the spec holds for everyone.
        self.other_loads: list[dict[str, int]] = [{} for _ in self.slots]
        self.removed: dict[str, set[str]] = {}
        self.conflicts = manifest.conflicts_by_target
        self._orders: dict[str, tuple[bytes, ...]] = {}

    def set_orders(self, target: str, packed: tuple[bytes, ...]) -> None:
        """Store precomputed rankings (from the scan's workers) for a target."""
        self._orders[target] = packed

    def add_orders(self, orders: dict[str, tuple[bytes, ...]]) -> None:
        """Store many precomputed rankings at once."""
        self._orders.update(orders)

    def orders(self, target: str) -> tuple[bytes, ...]:
        """The packed rankings of every slot's working pool for `target` (computed if new)."""
        packed = self._orders.get(target)
        if packed is None:
            per_slot = []
            for keys in self.working:
                tickets = [inspector_ticket(self.seed, target, key) for key in keys]
                ranking = sorted(range(len(keys)), key=tickets.__getitem__)
                per_slot.append(pack_order(ranking, len(keys)))
            packed = tuple(per_slot)
            self._orders[target] = packed
        return packed

    def excluded(self, target: str) -> set[str] | frozenset[str]:
        """Inspectors who may never serve `target`: conflicts and those removed by events."""
        removed = self.removed.get(target)
        conflicts = self.conflicts.get(target)
        if removed and conflicts:
            return removed | conflicts
        return removed or conflicts or frozenset()

    def pick(self, target: str, slot: int, members: set[str] | frozenset[str]) -> int | None:
        """pick(c, s, group): first pass under the cap, second pass without; None if nobody.

        `members` are the inspectors the pick must avoid besides conflicts and removals: the
        group (without the one being replaced, who is already counted as removed).
        """
        return self._pick(
            unpack_order(self.orders(target)[slot], len(self.working[slot])),
            slot,
            members,
            self.excluded(target),
        )

    def _pick(
        self,
        order: Sequence[int],
        slot: int,
        members: set[str] | frozenset[str],
        excluded: set[str] | frozenset[str],
    ) -> int | None:
        working = self.working[slot]
        load = self.loads[slot]
        cap = self.caps[slot]
        for n in order:
            if load[n] < cap:
                key = working[n]
                if key not in members and key not in excluded:
                    return n
        for n in order:
            key = working[n]
            if key not in members and key not in excluded:
                return n
        return None

    def match(self, target: str) -> Group:
        """match(c): fill every slot in manifest order, `count` times each."""
        packed = self.orders(target)
        excluded = self.excluded(target)
        group: Group = []
        members: set[str] = set()
        for index, slot in enumerate(self.slots):
            working = self.working[index]
            order = unpack_order(packed[index], len(working))
            load = self.loads[index]
            cap = self.caps[index]
            for _ in range(slot.count):
                # The first pass, inlined: this loop runs for every selected target.
                chosen = -1
                for n in order:
                    if load[n] < cap:
                        key = working[n]
                        if key not in members and key not in excluded:
                            chosen = n
                            break
                if chosen < 0:
                    picked = self._pick(order, index, members, excluded)
                    if picked is None:
                        raise MatchingError(
                            f"对象 {target} 的岗位 {slot.name!r} 找不到可用的检查人员",
                            f"no inspector is available for slot {slot.name!r} of target {target}",
                            code="matching",
                        )
                    chosen = picked
                key = working[chosen]
                group.append([slot.name, key])
                members.add(key)
                load[chosen] += 1
        return group

    def add_load(self, slot: int, key: str, delta: int) -> None:
        """Change the load of `key` in `slot` (working pool member or not)."""
        n = self.position[slot].get(key)
        if n is not None:
            self.loads[slot][n] += delta
        else:
            other = self.other_loads[slot]
            other[key] = other.get(key, 0) + delta

    def dissolve(self, group: Group) -> None:
        """Give back the loads of a group that is dissolved."""
        for slot_name, key in group:
            self.add_load(self.slot_index[slot_name], key, -1)
