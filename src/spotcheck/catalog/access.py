"""Who edits the item list (随机抽查事项清单) and who approves a release of it."""

from __future__ import annotations

from spotcheck.accounts.access import COORDINATORS, LEADERS, Roles

EDIT: Roles = COORDINATORS
APPROVE: Roles = LEADERS
