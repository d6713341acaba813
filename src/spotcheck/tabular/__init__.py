"""The file layer of 一单两库: read, validate and write the registries' .xlsx and .csv files.

Pure: no database or web imports. Typical use::

    table = open_table(data, filename)          # TableError: the file cannot be read at all
    result = validate(table, specs.TARGETS)     # every error, with row numbers as in the file
    if not result.ok:
        write_error_report(out, table, result.errors)
"""

from __future__ import annotations

import importlib
from typing import Any

# Where each public name lives. They are imported on first use, so that a module needing one
# small helper (a code check, the formula guard) does not load openpyxl with the package.
_HOME = {
    **dict.fromkeys(["Cell", "Table", "TableError", "open_table"], "reader"),
    **dict.fromkeys(
        [
            "ERROR_COLUMN",
            "Column",
            "Record",
            "Records",
            "Result",
            "RowError",
            "Spec",
            "ValidationStream",
            "format_record",
            "validate",
        ],
        "schema",
    ),
    **dict.fromkeys(["INSPECTORS", "ITEMS", "SPECS", "TARGETS"], "specs"),
    **dict.fromkeys(
        [
            "export_csv",
            "export_xlsx",
            "write_csv",
            "write_error_report",
            "write_template",
            "write_xlsx",
        ],
        "writer",
    ),
    "neutralise": "formula",
}


def __getattr__(name: str) -> Any:
    home = _HOME.get(name)
    if home is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    return getattr(importlib.import_module(f"{__name__}.{home}"), name)


__all__ = sorted(_HOME)
