"""Who copies, edits and adopts rulebook profiles, and who edits exemptions through the API."""

from __future__ import annotations

from spotcheck.accounts.access import ADMINS, Roles
from spotcheck.targets import access as targets_access

MANAGE: Roles = ADMINS
# The 免检免扰 list is the targets domain's; its API here follows the same rule as its pages.
EXEMPTIONS: Roles = targets_access.EDIT
