"""汇总表 — a book of summary tables above the village: the township's 乡有簿 (per-village figures
and the township's household list) and the county's 县有档 (figures by township, villages above the
exit line, monitoring, income), A4 landscape, in the fonts and rules of every other print.

Plain text in (the tables as the county console shows them, values already formatted, ID numbers
already masked by the caller), PDF out. Column widths follow the text, shrunk to the page width
where they must (cells then wrap). Long tables are cut into blocks so platypus lays each out in
constant time; every block repeats its header row.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import date

from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.platypus import Flowable, Spacer

from app.printing.job import Job, Output, PrintOptions, PrintResult
from app.printing.layout import LANDSCAPE, PAD, content_width, heading, para
from app.printing.pages import Part, write_parts
from app.printing.tables import grid
from app.printing.text import cn_day

WIDTH = content_width(LANDSCAPE)
SIZE = 8  # table text
MIN_COLUMN = 26.0
BLOCK_ROWS = 40  # rows per laid-out table block
MEASURED_ROWS = 300  # rows measured for a column's width


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
    """Each column as wide as its longest text (the header may wrap at its line breaks), at least
    MIN_COLUMN; when they do not fit, the columns wider than their share give up the excess."""
    natural = []
    for i, title in enumerate(columns):
        texts = title.split("\n") + [str(r[i]) for r in rows[:MEASURED_ROWS]]
        natural.append(max(MIN_COLUMN, max(stringWidth(t, font, size) for t in texts) + 2 * PAD + 1))
    if sum(natural) <= width:
        return natural
    # cap the widest columns at a level that makes the total fit (water-filling)
    ordered = sorted(natural)
    rest, count = width, len(natural)
    cap = width / count
    for w in ordered:
        if w * count > rest:
            cap = rest / count
            break
        rest -= w
        count -= 1
    return [min(w, cap) for w in natural]


def table_flowables(job: Job, t: SummaryTable) -> list[Flowable]:
    out: list[Flowable] = heading(job, t.title)
    if t.note:
        out.append(para(job, t.note))
        out.append(Spacer(1, 3))
    if not t.rows:
        out.append(para(job, "（无）"))
        return out
    widths = column_widths(job.font.name, t.columns, t.rows)
    aligns = "".join("R" if i in t.numeric else "C" for i in range(len(t.columns)))
    for start in range(0, len(t.rows), BLOCK_ROWS):
        out.append(grid(job, t.columns, t.rows[start:start + BLOCK_ROWS], widths, aligns, size=SIZE))
    return out


def book_part(job: Job, book: SummaryBook) -> Part:
    flowables: list[Flowable] = [para(job, book.title, "title")]
    if book.subtitle:
        flowables.append(para(job, book.subtitle, "subtitle"))
    for note in book.notes:
        flowables.append(para(job, note, "body"))
    for t in book.tables:
        with job.check.record(t.title):
            flowables += table_flowables(job, t)
    flowables.append(Spacer(1, 18))
    made = f"制表：{book.made_by}　　　" if book.made_by else "制表人：            　　　"
    flowables.append(para(job, f"{made}审核人：            　　　{book.sign_as}", "sign"))
    flowables.append(para(job, cn_day(book.date), "sign"))
    return Part(book.header, book.tag, flowables)


def write_summaries(books: Iterable[SummaryBook], out: Output, opts: PrintOptions | None = None) -> PrintResult:
    """Summary books in one PDF; each starts on a new page and numbers its own pages."""
    return write_parts(list(books), out, opts, book_part, lambda b: b.title, LANDSCAPE, "汇总表")


def write_summary(book: SummaryBook, out: Output, opts: PrintOptions | None = None) -> PrintResult:
    return write_summaries([book], out, opts)
