"""The file layer of 一单两库: read, validate and write the registries' .xlsx and .csv files.

Pure: no database or web imports. Typical use::

    table = open_table(data, filename)          # TableError: the file cannot be read at all
    result = validate(table, specs.TARGETS)     # every error, with row numbers as in the file
    if not result.ok:
        write_error_report(out, table, result.errors)
"""

from spotcheck.tabular.reader import Cell, Table, TableError, open_table
from spotcheck.tabular.schema import (
    ERROR_COLUMN,
    Column,
    Record,
    Records,
    Result,
    RowError,
    Spec,
    ValidationStream,
    format_record,
    validate,
)
from spotcheck.tabular.specs import INSPECTORS, ITEMS, SPECS, TARGETS
from spotcheck.tabular.writer import (
    export_csv,
    export_xlsx,
    neutralise,
    write_csv,
    write_error_report,
    write_template,
    write_xlsx,
)

__all__ = [
    "ERROR_COLUMN",
    "INSPECTORS",
    "ITEMS",
    "SPECS",
    "TARGETS",
    "Cell",
    "Column",
    "Record",
    "Records",
    "Result",
    "RowError",
    "Spec",
    "Table",
    "TableError",
    "ValidationStream",
    "export_csv",
    "export_xlsx",
    "format_record",
    "neutralise",
    "open_table",
    "validate",
    "write_csv",
    "write_error_report",
    "write_template",
    "write_xlsx",
]
