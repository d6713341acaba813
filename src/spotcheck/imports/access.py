"""Who may import each kind of file: the same roles that edit the registry it goes into."""

from __future__ import annotations

from spotcheck.accounts.access import OFFICERS, Roles
from spotcheck.catalog import access as catalog_access
from spotcheck.inspectors import access as inspectors_access
from spotcheck.targets import access as targets_access

EDITORS: dict[str, Roles] = {
    "targets": targets_access.EDIT,
    "inspectors": inspectors_access.EDIT,
    "items": catalog_access.EDIT,
    "history": OFFICERS,
}
