"""Who may read the audit log and check its chain."""

from __future__ import annotations

from spotcheck.accounts.access import ADMINS, Roles

READ: Roles = ADMINS
