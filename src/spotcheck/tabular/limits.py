"""How much one import file may hold: bounds checked before a file is read and while it is read.

A small upload can unpack to gigabytes (a "zip bomb": an .xlsx is a zip archive) or claim a
worksheet area of billions of cells. The reader refuses such files with a Chinese message naming
the limit before python-calamine loads the sheet, so the memory of one import stays bounded.
The limits are settings (``IMPORT_MAX_UNPACKED_MB``, ``IMPORT_MAX_ROWS``, ``IMPORT_MAX_RATIO``).
"""

from __future__ import annotations

from dataclasses import dataclass

MIB = 1024 * 1024
COLUMNS_PER_ROW = 32  # the widest template has 17 columns; the cell area is rows × this


@dataclass(frozen=True)
class Limits:
    """Bounds of one import file; the defaults are those of the settings."""

    max_bytes: int = 200 * MIB  # the file as stored (the web caps uploads lower, at 100 MB)
    max_unpacked_bytes: int = 1024 * MIB  # an .xlsx's members once inflated, all together
    max_ratio: int = 100  # inflated ÷ compressed size of one member (real workbooks: 5–20)
    max_rows: int = 1_048_576  # data rows after the header (Excel's own sheet has this many)

    @property
    def max_cells(self) -> int:
        """The largest worksheet area (rows × columns) python-calamine may be asked to load."""
        return self.max_rows * COLUMNS_PER_ROW

    def unpacked_message(self) -> str:
        """The refusal of a file that inflates beyond ``max_unpacked_bytes``."""
        return (
            f"文件解压后超过 {self.max_unpacked_bytes // MIB} MB 的上限，无法导入；"
            "请拆分后分批导入，或另存为 CSV"
        )

    def ratio_message(self, member: str, ratio: int) -> str:
        """The refusal of a member that inflates far more than real workbooks do."""
        return (
            f"文件中的“{member}”解压后是压缩大小的 {ratio} 倍以上，超过 {self.max_ratio} 倍的上限"
            "（正常的 Excel 文件约为 5～20 倍）；文件可能是恶意构造的，已拒绝"
        )

    def rows_message(self) -> str:
        """The refusal of a file with more data rows than ``max_rows``."""
        return f"数据超过 {self.max_rows} 行的上限，无法导入；请拆分后分批导入"
