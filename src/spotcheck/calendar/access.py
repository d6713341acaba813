"""Who may change the working-day calendar (everyone logged in may read it)."""

from __future__ import annotations

from spotcheck.accounts.access import ADMINS, Roles

MANAGE: Roles = ADMINS
