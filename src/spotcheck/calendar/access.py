"""Who may change the working-day calendar (every administrator may read it, everyone may
use the working-day calculator).

The calendar is the whole platform's: only administrators of the top department change it
(pages use `web.security.shared_setting(*MANAGE)`, never `roles(...)`)."""

from __future__ import annotations

from spotcheck.accounts.access import ADMINS, SHARED, Roles

READ: Roles = ADMINS
MANAGE: Roles = SHARED
