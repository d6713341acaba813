"""The one list of role sets every domain's access policy builds on, so that they agree.

A domain's `access.py` names its own sets from these (e.g. `APPROVE = LEADERS`); views, API and
CLI import their own domain's `access.py`, never a role tuple written out.
"""

from __future__ import annotations

from spotcheck.accounts.models import Role

Roles = tuple[Role, ...]

ADMINS: Roles = (Role.ADMIN,)
# Approvals and audit (领导审批): a leader, or the administrator, everywhere.
LEADERS: Roles = (Role.LEADER, Role.ADMIN)
# Item lists and annual plans (综合法规科 / 领导小组办公室).
COORDINATORS: Roles = (Role.COORDINATOR, Role.ADMIN)
# Tasks, draws and the registries (业务科室 / 发起部门), and everyone above them.
OFFICERS: Roles = (Role.OFFICER, Role.COORDINATOR, Role.ADMIN)
WITNESSES: Roles = (Role.WITNESS,)

# Settings every department shares (the working-day calendar, the rulebook profiles and the
# channels they name): these roles held in the top department only (`web.security.shared_setting`).
SHARED: Roles = ADMINS

# The accounts domain: users, roles and resets are the administrator's.
MANAGE: Roles = ADMINS
