"""汇总表 — a book of summary tables above the village: the township's 乡有簿 (per-village figures
and the township's household list) and the county's 县有档 (figures by township, villages above the
exit line, monitoring, income), A4 landscape, in the fonts and rules of every other print.

Plain text in (the tables as the county console shows them, values already formatted, ID numbers
already masked by the caller), PDF out. Column widths follow the text, shrunk to the page width
where they must (cells then wrap). A table longer than a page starts on a new page and is cut
into one block per page, each with the header row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, KeepTogether, PageBreak, Spacer

from app.printing.job import Job, Output, PrintOptions, PrintResult
from app.printing.page_style import (
    LANDSCAPE, MARGIN_BOTTOM, MARGIN_TOP, PAD, content_width, heading, para,
)
from app.printing.pages import Part, write_parts
from app.printing.tables import cell, grid
from app.printing.text import LEADING, cn_day

WIDTH = content_width(LANDSCAPE)
SIZE = 8  # table text
MIN_COLUMN = 26.0
PAGE_ROWS = 30  # a table with more rows starts on its own page, one block per page
SAFETY = 4.0  # points kept free at the foot of each block's page
FRAME_HEIGHT = LANDSCAPE[1] - MARGIN_TOP - MARGIN_BOTTOM
FIRST_PAGE_TOP = 28 + SAFETY  # the heading above the first block (11.5 pt, 1.35 leading, 8 + 4 around)
NOTE_ROOM = 40.0
CELL_PAD_Y = 2  # text_table's vertical cell padding
SIGN_ROOM = 64.0  # the sign-off and its date under the last table
SIGN_ROWS = 2  # rows that move to the next page to keep the sign-off company
MEASURED_ROWS = 300  # rows measured for a column's width
HEADER_CHARS = 4  # a header wraps to this many characters a line when the table is too wide


@dataclass(frozen=True)
class SummaryTable:
    """One titled table; `numeric` columns are aligned right. Cells are printed as given."""

    title: str
    columns: Sequence[str]
    rows: Sequence[Sequence[str]]
    numeric: frozenset[int] = frozenset()
    note: str = ""  # a line under the title (what a rate means, the unit)


@dataclass(frozen=True)
class SummaryBook:
    """A book: its title, the header line (省 市 县 乡), the tag at the top right, the tables."""

    title: str
    header: str
    tag: str
    tables: Sequence[SummaryTable]
    subtitle: str = ""
    date: date | None = None
    made_by: str = ""
    sign_as: str = ""  # who stamps it: 乡镇人民政府（盖章）, 县扶贫开发领导小组办公室（盖章）
    notes: Sequence[str] = field(default_factory=tuple)


def column_widths(font: str, columns: Sequence[str], rows: Sequence[Sequence[str]], width: float = WIDTH,
                  size: float = SIZE) -> list[float]:
    """Each column as wide as its longest text, at least MIN_COLUMN. When they do not fit, the
    headers wrap first (to HEADER_CHARS characters a line); when that is not enough, the columns
    wider than their share give up the excess (their cells wrap)."""
    def natural(header_cap: float) -> list[float]:
        out = []
        for i, title in enumerate(columns):
            head = max(stringWidth(t, font, size) for t in title.split("\n"))
            data = max((stringWidth(str(r[i]), font, size) for r in rows[:MEASURED_ROWS]), default=0.0)
            out.append(max(MIN_COLUMN, min(head, header_cap), data) + 2 * PAD + 1)
        return out

    widths = natural(float("inf"))
    if sum(widths) > width:
        widths = natural(HEADER_CHARS * size)
    if sum(widths) <= width:
        return widths
    # cap the widest columns at a level that makes the total fit (water-filling)
    rest, count, cap = width, len(widths), width / len(widths)
    for w in sorted(widths):
        if w * count > rest:
            cap = rest / count
            break
        rest -= w
        count -= 1
    return [min(w, cap) for w in widths]


def row_height(job: Job, row: Sequence[str], widths: Sequence[float], names: Sequence[str]) -> float:
    """A grid row's height as reportlab lays it out: its tallest cell's wrapped lines plus padding."""
    lines = max(cell(job, str(v), w, n, SIZE).count("\n") + 1 for v, w, n in zip(row, widths, names))
    return lines * SIZE * LEADING + 2 * CELL_PAD_Y


def table_flowables(job: Job, t: SummaryTable, reserve: float = 0.0) -> list[Flowable]:
    """The title, its note and the table. A table longer than a page starts on a page of its own
    and is cut into one block per page (measured once), so each page has exactly one header row
    and platypus never splits a long table (its split is quadratic in the rows). `reserve`: room
    the last page keeps below the table (the sign-off of the last table)."""
    widths = column_widths(job.font.name, t.columns, t.rows) if t.rows else []
    aligns = "".join("R" if i in t.numeric else "C" for i in range(len(t.columns)))
    long = len(t.rows) > PAGE_ROWS
    out: list[Flowable] = ([PageBreak()] if long else []) + heading(job, t.title)
    if t.note:
        out += [para(job, t.note), Spacer(1, 3)]
    if not t.rows:
        return out + [para(job, "（无）")]
    if not long:
        return out + [grid(job, t.columns, t.rows, widths, aligns, size=SIZE)]
    names = [c.replace("\n", "") for c in t.columns]
    heights = [row_height(job, t.columns, widths, names)] + [row_height(job, r, widths, names) for r in t.rows]
    room, used, start = FRAME_HEIGHT - FIRST_PAGE_TOP - (NOTE_ROOM if t.note else 0), heights[0], 0
    for i, h in enumerate(heights[1:]):
        if used + h > room and i > start:
            out += [grid(job, t.columns, t.rows[start:i], widths, aligns, size=SIZE), PageBreak()]
            room, used, start = FRAME_HEIGHT - SAFETY, heights[0], i
        used += h
    if used + reserve > room and len(t.rows) - start > SIGN_ROWS:  # the last rows go along with the sign-off
        end = len(t.rows) - SIGN_ROWS
        out += [grid(job, t.columns, t.rows[start:end], widths, aligns, size=SIZE), PageBreak()]
        start = end
    return out + [grid(job, t.columns, t.rows[start:], widths, aligns, size=SIZE)]


def book_part(job: Job, book: SummaryBook) -> Part:
    flowables: list[Flowable] = [para(job, book.title, "title")]
    if book.subtitle:
        flowables.append(para(job, book.subtitle, "subtitle"))
    for note in book.notes:
        flowables.append(para(job, note, "body"))
    for i, t in enumerate(book.tables, 1):
        with job.check.record(t.title):
            flowables += table_flowables(job, t, SIGN_ROOM if i == len(book.tables) else 0.0)
    blank = "______________"  # a paragraph collapses blanks: a line to sign on
    made = f"制表人：{book.made_by or blank}　　审核人：{blank}　　{book.sign_as}"
    flowables.append(KeepTogether([Spacer(1, 18), para(job, made, "sign"),
                                   para(job, cn_day(book.date), "sign")]))  # the date never alone on a page
    return Part(book.header, book.tag, flowables)


def write_summaries(books: Iterable[SummaryBook], out: Output, opts: PrintOptions | None = None) -> PrintResult:
    """Summary books in one PDF; each starts on a new page and numbers its own pages."""
    return write_parts(list(books), out, opts, book_part, lambda b: b.title, LANDSCAPE, "汇总表")


def write_summary(book: SummaryBook, out: Output, opts: PrintOptions | None = None) -> PrintResult:
    return write_summaries([book], out, opts)
