"""Who may change the department tree."""

from __future__ import annotations

from spotcheck.accounts.access import ADMINS, Roles

MANAGE: Roles = ADMINS
