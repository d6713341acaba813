"""Who copies, edits and adopts rulebook profiles, and who edits exemptions through the API.

Profiles (and the channels they name) are the whole platform's: copying, editing and importing
them is for administrators of the top department (`web.security.shared_setting(*PROFILES)`).
Adopting a profile is a department's own choice: any administrator, for departments in scope."""

from __future__ import annotations

from spotcheck.accounts.access import ADMINS, SHARED, Roles
from spotcheck.targets import access as targets_access

PROFILES: Roles = SHARED
ADOPT: Roles = ADMINS
# The 免检免扰 list is the targets domain's; its API here follows the same rule as its pages.
EXEMPTIONS: Roles = targets_access.EDIT
