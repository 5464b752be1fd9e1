"""A page's tables: shown as HTML and exported, the same rows, to xlsx (openpyxl)."""

from __future__ import annotations

import io
import re
from dataclasses import dataclass, field
from decimal import Decimal

from openpyxl import Workbook
from openpyxl.styles import Font

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


@dataclass
class Table:
    title: str
    columns: list[str]
    rows: list[list] = field(default_factory=list)
    links: list[str | None] = field(default_factory=list)  # per row: where its first cell leads
    classes: list[str] = field(default_factory=list)  # per row: CSS class ("over", "stale")
    numeric: set[int] = field(default_factory=set)  # column indexes aligned right
    css: str = ""  # the HTML table's class
    # per row, for 县管理员: (POST url, button), or (url, label, "get") for a link to a form
    actions: list[list[tuple[str, ...]]] = field(default_factory=list)

    @property
    def has_actions(self) -> bool:
        return any(self.actions)

    def add(self, row: list, link: str | None = None, css: str = "",
            actions: list[tuple[str, ...]] | None = None) -> None:
        self.rows.append(row)
        self.links.append(link)
        self.classes.append(css)
        self.actions.append(actions or [])


def _cell(value):
    if isinstance(value, Decimal):
        return float(value)
    if value is None:
        return ""
    return value


def _sheet_title(text: str, taken: set[str]) -> str:
    base = re.sub(r"[\[\]:*?/\\]", "", text)[:28] or "表"
    title, n = base, 2
    while title in taken:
        title, n = f"{base[:25]}{n}", n + 1
    taken.add(title)
    return title


def workbook(tables: list[Table], heading: str) -> bytes:
    """Every table on its own sheet: a title line, the column names in bold, the rows."""
    wb = Workbook()
    wb.remove(wb.active)
    taken: set[str] = set()
    for t in tables:
        ws = wb.create_sheet(_sheet_title(t.title, taken))
        ws.append([f"{heading} — {t.title}"])
        ws["A1"].font = Font(bold=True, size=12)
        ws.append(t.columns)
        for cell in ws[2]:
            cell.font = Font(bold=True)
        for row in t.rows:
            ws.append([_cell(v) for v in row])
        for i, name in enumerate(t.columns):
            width = max([len(str(name))] + [len(str(_cell(r[i]))) for r in t.rows[:200]]) + 2
            ws.column_dimensions[ws.cell(row=2, column=i + 1).column_letter].width = min(40, width * 1.6)
    if not tables:
        wb.create_sheet("表").append([heading])
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()
