"""Spreadsheets in and out, safely: no formulas in exported cells, no zip bombs parsed.

Out (formula injection, OWASP "CSV Injection"): a cell whose text begins with ``=``, ``+``,
``-`` or ``@`` (or a tab or carriage return) would be read by Excel or WPS as a formula, and
text in our ledgers comes from citizens and enterprises. In ``.xlsx`` such a cell is written
with the *string data type* (:func:`text_row`): Excel shows the text and never evaluates it,
and the value is kept exactly, so an exported ledger re-imports unchanged (a ``'`` prefix
would change the data). CSV has no types: there the text gets a leading ``'`` (:func:`csv_safe`),
which Excel hides and which the importers strip again (:func:`csv_unescape`).

In (zip bombs): an ``.xlsx`` is a zip archive, and a small upload can inflate to gigabytes.
:func:`xlsx_problem` reads the archive's directory (sizes declared by each member, which
Python's ``zipfile`` also enforces while reading: it never inflates a member past its
declared size) and refuses too many members, too many bytes in all, or a member that
inflates more than :data:`MAX_RATIO` times, before openpyxl parses anything.
"""

from __future__ import annotations

import zipfile
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
"""First characters that make a spreadsheet program read a cell as a formula."""

MAX_UNPACKED_BYTES = 100 * 1024 * 1024
"""Largest total size of an uploaded workbook's members once inflated (bytes)."""
MAX_MEMBERS = 1000
"""Most members (files) an uploaded workbook may have."""
MAX_RATIO = 200
"""Largest inflation ratio of one member over 1 MiB (legitimate sheets compress about 5 to 30 times)."""
_RATIO_FLOOR = 1024 * 1024


def is_formula_like(value: Any) -> bool:
    """True for text a spreadsheet program would take as a formula."""
    return isinstance(value, str) and value.startswith(FORMULA_STARTS)


def text_row(sheet: Any, values: Sequence[Any]) -> list[Any]:
    """A row for ``sheet.append`` of an openpyxl write-only sheet: formula-like text as string cells.

    Other values (numbers, dates, ordinary text) are passed through unchanged.
    """
    from openpyxl.cell import WriteOnlyCell

    row: list[Any] = []
    for value in values:
        if is_formula_like(value):
            cell = WriteOnlyCell(sheet, value=value)
            cell.data_type = "s"  # openpyxl infers "f" (formula) from a leading "="; a string is never evaluated
            row.append(cell)
        else:
            row.append(value)
    return row


def csv_safe(values: Iterable[Any]) -> list[Any]:
    """A CSV row with formula-like text prefixed by ``'`` (shown by Excel as the plain text)."""
    return [f"'{v}" if is_formula_like(v) else v for v in values]


def csv_unescape(value: str) -> str:
    """Undo :func:`csv_safe` for one cell read back from CSV (``'=x`` -> ``=x``; other text unchanged)."""
    return value[1:] if value.startswith("'") and is_formula_like(value[1:]) else value


def xlsx_problem(
    path: Path,
    *,
    max_bytes: int = MAX_UNPACKED_BYTES,
    max_members: int = MAX_MEMBERS,
    max_ratio: float = MAX_RATIO,
) -> str | None:
    """Why the workbook at ``path`` must not be parsed (a polite Chinese sentence), or None when it may.

    Refuses a file that is not a zip archive, more than ``max_members`` members, more than
    ``max_bytes`` inflated in all, or a member over 1 MiB inflating more than ``max_ratio`` times.
    """
    try:
        with zipfile.ZipFile(path) as archive:
            members = archive.infolist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return "无法读取 Excel 文件，请确认是 .xlsx 格式"
    if len(members) > max_members:
        return f"Excel 文件包含的部件过多（{len(members)}个），请另存为普通的 .xlsx 后再上传"
    total = 0
    for info in members:
        total += info.file_size
        ratio = info.file_size / max(info.compress_size, 1)
        if info.file_size > _RATIO_FLOOR and ratio > max_ratio:
            return "Excel 文件解压后异常膨胀，已拒绝读取，请另存为普通的 .xlsx 后再上传"
    if total > max_bytes:
        return f"Excel 文件解压后超过{max_bytes // (1024 * 1024)}MB，请拆分后分批上传"
    return None
