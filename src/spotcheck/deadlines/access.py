"""Who manages deadlines: `spotcheck deadline refresh` is an operator's command (like the calendar
import); deadlines are shown on their subject's page under that domain's own access rules."""

from __future__ import annotations

from spotcheck.accounts.access import ADMINS, Roles

MANAGE: Roles = ADMINS
