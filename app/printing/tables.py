"""Tables: a faster reportlab Table for text, and the builders every document uses (ruled grids,
label/value sheets, fixed boxes to write in, signature lines). Every cell passes the font check."""

from __future__ import annotations

from collections.abc import Sequence
from functools import lru_cache

from reportlab.lib import colors
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Table, TableStyle
from reportlab.platypus.tables import CellStyle

from app.printing.job import Job
from app.printing.page_style import BODY, GRID, PAD, SHADE
from app.printing.text import LEADING, fit, wrap

CELL_CACHE_MAX = 50_000  # wrapped texts kept per run: bounded, a county-wide batch must not grow memory


class TextTable(Table):
    """A Table whose plain-text cells are all drawn through one PDF text object.

    reportlab's Table opens a text object, shapes and draws each cell on its own: most of the time of a
    handbook (~300 cells) or a register page (~400). Here a cell only moves the text origin; the font
    changes only when the cell's does. Cells that hold flowables still go through Table. Text is black.
    """

    def draw(self) -> None:
        self._tx = None
        self._tx_font = None
        super().draw()
        if self._tx is not None:
            self.canv.drawText(self._tx)

    def _drawCell(self, value, style, pos, size) -> None:  # noqa: ANN001 (reportlab's signature)
        if not isinstance(value, str):
            super()._drawCell(value, style, pos, size)
            return
        if not value:
            return
        tx = self._tx = self._tx or self.canv.beginText()
        font = (style.fontname, style.fontsize, style.leading)
        if font != self._tx_font:
            tx.setFont(*font)
            self._tx_font = font
        (x, y), (w, h) = pos, size
        lines = value.split("\n")
        # the same placement as Table._drawCell
        if style.valign == "TOP":
            top = y + h - style.topPadding - style.fontsize
        elif style.valign == "BOTTOM":
            top = y + style.bottomPadding + len(lines) * style.leading - style.fontsize
        else:
            top = y + (style.bottomPadding + h - style.topPadding + len(lines) * style.leading) / 2 - style.fontsize
        for line in lines:
            if style.alignment == "LEFT":
                left = x + style.leftPadding
            else:
                lw = stringWidth(line, style.fontname, style.fontsize)
                if style.alignment == "RIGHT":
                    left = x + w - style.rightPadding - lw
                else:
                    left = x + (w + style.leftPadding - style.rightPadding - lw) / 2
            tx.setTextOrigin(left, top)
            tx.textLine(line)
            top -= style.leading


def cell(job: Job, text: str, width: float, field: str = "", size: float = BODY) -> str:
    """Checked text broken into lines that fit a column `width` wide (padding included)."""
    text = job.text(text, field)
    if not text:
        return ""
    key = (text, width, size)  # labels and code values repeat across a batch: wrap each once
    lines = job.cells.get(key)
    if lines is None:
        if len(job.cells) >= CELL_CACHE_MAX:
            job.cells.clear()
        lines = job.cells[key] = "\n".join(wrap(text, width - 2 * PAD, job.font.name, size))
    return lines


@lru_cache(maxsize=32)
def _cell_defaults(font: str, size: float, pad_x: float, pad_y: float, valign: str) -> type[CellStyle]:
    """A CellStyle class whose class attributes are the table's defaults: Table would otherwise apply
    each font/padding/valign command to every cell one by one (a tenth of a handbook's time)."""

    def init(self: CellStyle) -> None:  # CellStyle's own __init__ only names the cell
        pass

    attrs = dict(
        name="cell", fontname=font, fontsize=size, leading=size * LEADING, leftPadding=pad_x, rightPadding=pad_x,
        topPadding=pad_y, bottomPadding=pad_y, valign=valign, __init__=init,
    )  # fmt: skip
    return type("KaceCellStyle", (CellStyle,), attrs)


def text_table(
    data: list[list],
    font: str,
    size: float = BODY,
    cmds: Sequence[tuple] = (),
    pad: tuple[float, float] = (PAD, 2),
    valign: str = "MIDDLE",
    grid: bool = True,
    **kw: object,
) -> TextTable:
    """A TextTable in `font` at `size`, thin grid unless `grid` is False, plus style commands `cmds`."""
    cls = _cell_defaults(font, size, pad[0], pad[1], valign)
    cells = [[cls() for _ in row] for row in data]
    style = TableStyle(([("GRID", (0, 0), (-1, -1), GRID, colors.black)] if grid else []) + list(cmds))
    return TextTable(data, style=style, cellStyles=cells, **kw)


def align_cmds(aligns: str, first_row: int = 0) -> list[tuple]:
    """'LCCR...' -> ALIGN commands, one letter per column."""
    names = {"L": "LEFT", "C": "CENTER", "R": "RIGHT"}
    return [("ALIGN", (i, first_row), (i, -1), names[a]) for i, a in enumerate(aligns) if a != "L"]


def grid(
    job: Job,
    headers: Sequence[str],
    rows: Sequence[Sequence[str]],
    widths: Sequence[float],
    aligns: str = "",
    blank_rows: int = 0,
    blank_height: float = 24,
    size: float = BODY,
) -> Table:
    """A ruled table: a shaded header row repeated on each page, wrapped cells, then `blank_rows`
    empty rows `blank_height` high to write on. Each cell is checked under its column's name."""
    data = [[cell(job, h, w, size=size) for h, w in zip(headers, widths)]]
    names = [h.replace("\n", "") for h in headers]  # headings may hold a line break
    for row in rows:
        data.append([cell(job, v, w, name, size) for v, w, name in zip(row, widths, names)])
    data += [[""] * len(headers) for _ in range(blank_rows)]
    heights = [None] * (len(data) - blank_rows) + [blank_height] * blank_rows
    cmds = align_cmds(aligns, 1) + [("BACKGROUND", (0, 0), (-1, 0), SHADE), ("ALIGN", (0, 0), (-1, 0), "CENTER")]
    return text_table(data, job.font.name, size, cmds, colWidths=list(widths), rowHeights=heights, repeatRows=1)


def kv(
    job: Job, pairs: Sequence[tuple[str, str]], width: float, cols: int = 2, label_width: float = 78,
    size: float = 9,
) -> Table:
    """Label/value pairs, `cols` pairs a row, labels shaded: the 登记表 look."""
    value_width = width / cols - label_width
    data, row = [], []
    for label, value in pairs:
        row += [cell(job, label, label_width, size=size), cell(job, value, value_width, label, size)]
        if len(row) == 2 * cols:
            data.append(row)
            row = []
    if row:
        data.append(row + [""] * (2 * cols - len(row)))
    shade = [("BACKGROUND", (c, 0), (c, -1), SHADE) for c in range(0, 2 * cols, 2)]
    return text_table(data, job.font.name, size, shade, pad=(PAD, 4), colWidths=[label_width, value_width] * cols)


def boxes(
    job: Job, items: Sequence[tuple[str, str, float]], width: float, label_width: float = 96, size: float = 10
) -> Table:
    """Labelled boxes of fixed height, (label, text, height) each: room to write on a blank form; on a
    filled one the text is fitted into its box (wrapped, shrunk if it must), the box never grows."""
    font, value_width = job.font.name, width - label_width
    rows, style = [], [("BACKGROUND", (0, 0), (0, -1), SHADE)]
    for r, (label, text, height) in enumerate(items):
        text = job.text(text, label)
        lines, fitted = fit(text, value_width - 2 * PAD, height - 4, font, size, 6) if text else ([""], size)
        rows.append([cell(job, label, label_width, size=size), "\n".join(lines)])
        if fitted != size:
            style.append(("FONT", (1, r), (1, r), font, fitted, fitted * LEADING))
        if len(lines) > 1 or height > 40:  # a box of several lines reads from its top
            style.append(("VALIGN", (1, r), (1, r), "TOP"))
    heights = [h for _, _, h in items]
    return text_table(rows, font, size, style, colWidths=[label_width, value_width], rowHeights=heights)


def signatures(
    job: Job, labels: Sequence[str], width: float, per_row: int = 3, dated: bool = False, date_line: bool = False
) -> Table:
    """Sign-off lines "户主（签字）：______", `per_row` signers to a row. `dated` puts "年 月 日" after
    each signer; `date_line` ends with one "日期：  年  月  日" for all."""
    font, size, blank_date = job.font.name, 10, "      年    月    日"
    texts = [job.text(f"{label}：") for label in labels]
    # labels are right-aligned: with several signers to a row, room before each keeps a label
    # clear of the previous signer's line
    label_w = max(stringWidth(t, font, size) for t in texts) + 2 * PAD + (24 if per_row > 1 else 0)
    date_w = stringWidth(blank_date, font, size) + 2 * PAD if dated else 0
    unit = [label_w, width / per_row - label_w - date_w] + ([date_w] if dated else [])
    step = len(unit)
    cells = [[t, ""] + ([blank_date] if dated else []) for t in texts]
    rows = [sum(cells[i : i + per_row], []) for i in range(0, len(cells), per_row)]
    rows = [r + [""] * (step * per_row - len(r)) for r in rows]
    style = [("ALIGN", (c, 0), (c, -1), "RIGHT") for c in range(0, step * per_row, step)]
    style += [
        ("LINEBELOW", (c, r), (c, r), GRID, colors.black)
        for r, row in enumerate(rows) for c in range(1, len(row), step) if row[c - 1]
    ]  # fmt: skip
    if date_line:
        rows.append([""] * (step * per_row - 2) + ["日期：", blank_date])
        style.append(("ALIGN", (-2, -1), (-1, -1), "RIGHT"))
    return text_table(
        rows, font, size, style, valign="BOTTOM", grid=False, colWidths=unit * per_row, rowHeights=30, hAlign="LEFT"
    )
