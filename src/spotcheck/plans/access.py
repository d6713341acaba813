"""Who makes, approves and files annual plans, and who makes tasks.

Task visibility (initiator, participant, delegate) is `plans.tasks.visible_clause` /
`get_or_404` / `is_participant`; it stays with the task code.
"""

from __future__ import annotations

from spotcheck.accounts.access import COORDINATORS, LEADERS, OFFICERS, Roles

PLAN: Roles = COORDINATORS
APPROVE: Roles = LEADERS
TASKS: Roles = OFFICERS
