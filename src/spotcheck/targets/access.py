"""Who edits the target registry and the 免检免扰 list (everyone logged in may search it)."""

from __future__ import annotations

from spotcheck.accounts.access import OFFICERS, Roles

EDIT: Roles = OFFICERS
