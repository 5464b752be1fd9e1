"""Writing Excel files with openpyxl in write-only mode (streams rows, flat memory).

Every value that is a number to people but an identifier to us (身份证号, 户编号, 银行账号, phone)
is written as a text cell, so Excel never shows 4.50881E+17.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from pathlib import Path

from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from app import fileops

BOLD = Font(bold=True)
TITLE = Font(bold=True, size=14)
CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
ERROR_FILL = PatternFill("solid", fgColor="FFF2CC")


def text_cell(value: object) -> str | None:
    """An identifier as text (None stays empty)."""
    return None if value is None or value == "" else str(value)


def styled(ws, value: object, font: Font | None = None, fill: PatternFill | None = None,
           alignment: Alignment | None = None) -> WriteOnlyCell:
    cell = WriteOnlyCell(ws, value=value)
    if font is not None:
        cell.font = font
    if fill is not None:
        cell.fill = fill
    if alignment is not None:
        cell.alignment = alignment
    return cell


def new_sheet(wb: Workbook, name: str, widths: Sequence[float] = ()):
    ws = wb.create_sheet(name[:31])
    for i, width in enumerate(widths, 1):
        ws.column_dimensions[get_column_letter(i)].width = width
    return ws


def write_sheet(path: Path | str, sheet: str, header: Sequence[str], rows: Iterable[Sequence],
                *, widths: Sequence[float] = (), title: str | None = None) -> Path:
    """One sheet: an optional title row, a bold header row, then the rows as given."""
    path = Path(path)
    wb = Workbook(write_only=True)
    ws = new_sheet(wb, sheet, widths)
    ws.freeze_panes = "A3" if title else "A2"
    if title:
        ws.append([styled(ws, title, TITLE)])
    ws.append([styled(ws, h, BOLD, alignment=CENTER) for h in header])
    for row in rows:
        ws.append(row)
    fileops.write_via(path, wb.save)  # beside it, then swapped in (retried while WPS holds it)
    return path
