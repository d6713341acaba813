"""Who edits the inspector registry (everyone logged in may search it)."""

from __future__ import annotations

from spotcheck.accounts.access import OFFICERS, Roles

EDIT: Roles = OFFICERS
