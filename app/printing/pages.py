"""Flowing documents (handbooks, cards, notices, forms): many parts in one PDF, pages numbered per part.

A part is one household's handbook, one village's notice...: it starts on a new page, carries its own
header, and its footer says "第 x 页 共 y 页" counted inside the part, because each handbook is handed
out on its own. The total is known only when the part ends, so the canvas holds a part's finished
pages and draws their header/footer band when the next part starts (or at save). Only one part's pages
wait, and the flowables are made one part at a time (_Feeder): memory grows only by the finished PDF.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from typing import TypeVar

from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import BaseDocTemplate, Flowable, Frame, PageBreak, PageTemplate
from reportlab.platypus.doctemplate import ActionFlowable

from app.printing.job import Job, Output, PrintOptions, PrintResult, atomic_output, output_of
from app.printing.page_style import MARGIN_BOTTOM, MARGIN_TOP, MARGIN_X, PORTRAIT, draw_decor

T = TypeVar("T")


@dataclass
class Part:
    """The flowables of one part, the header line (省 市 县 乡 村) and the tag printed on its right."""

    left: str
    right: str
    flowables: list[Flowable]


class _PartPages:
    """The pages of the current part, waiting for their total."""

    def __init__(self, job: Job):
        self.job = job
        self.pending: list[tuple[dict, str, str]] = []
        self.left = self.right = ""
        self.count = 0

    def canvas(self, *args: object, **kw: object) -> _PartCanvas:
        return _PartCanvas(self, *args, **kw)


class _PartCanvas(Canvas):
    """A canvas that keeps finished pages (their state, as reportlab's "page x of y" recipe does) until
    the part ends, then draws the band on each with the part's page total and emits them."""

    def __init__(self, part: _PartPages, *args: object, **kw: object):
        super().__init__(*args, **kw)
        self._part = part

    def showPage(self) -> None:
        p = self._part
        p.pending.append((dict(self.__dict__), p.left, p.right))
        self._startPage()

    def start_part(self, left: str, right: str) -> None:
        """Emit the previous part's pages; the page in progress is the new part's first."""
        p = self._part
        if p.pending:
            current = dict(self.__dict__)
            self._emit()
            self.__dict__.update(current)
        p.left, p.right = left, right

    def _emit(self) -> None:
        p = self._part
        pages, p.pending = p.pending, []
        for number, (state, left, right) in enumerate(pages, 1):
            self.__dict__.update(state)
            draw_decor(self, p.job.font.name, left, right, number, len(pages), p.job.print_date)
            Canvas.showPage(self)
        p.count += len(pages)

    def save(self) -> None:
        self._emit()
        super().save()


class _Doc(BaseDocTemplate):
    def handle_partStart(self, left: str, right: str) -> None:  # noqa: N802 (reportlab's naming)
        self.canv.start_part(left, right)


class _Feeder:
    """The flowable list platypus consumes, filled one part at a time: memory stays that of one part,
    and platypus deletes from the front of its list, which is quadratic on one list of a whole batch."""

    def __init__(self, parts: Iterator[list[Flowable]]):
        self._parts = parts
        self._buf: list[Flowable] = []

    def __len__(self) -> int:
        if not self._buf:
            self._buf = next(self._parts, [])
        return len(self._buf)

    def __getitem__(self, i):  # noqa: ANN001, ANN204 (list protocol, ints and slices)
        return self._buf[i]

    def __setitem__(self, i, value) -> None:  # noqa: ANN001
        self._buf[i] = value

    def __delitem__(self, i) -> None:  # noqa: ANN001
        del self._buf[i]

    def insert(self, i: int, value: Flowable) -> None:
        self._buf.insert(i, value)


def write_parts(
    items: Iterable[T],
    out: Output,
    opts: PrintOptions | None,
    make_part: Callable[[Job, T], Part],
    record: Callable[[T], str],
    pagesize: tuple[float, float] = PORTRAIT,
    title: str = "",
) -> PrintResult:
    """Lay out `make_part(job, item)` for each item into one PDF written atomically to `out`.

    `record(item)` names the item in missing-character reports (e.g. "户编号 …").
    """
    items = items if isinstance(items, Sequence) else list(items)
    if not items:
        raise ValueError("没有可打印的内容")
    job = Job(opts)

    def flowables() -> Iterator[list[Flowable]]:
        for i, item in enumerate(items):
            if job.progress and i:
                job.progress(i, len(items))
            with job.check.record(record(item)):
                part = make_part(job, item)
                left, right = job.text(part.left, "地区"), job.text(part.right)
            yield ([PageBreak()] if i else []) + [ActionFlowable(("partStart", left, right))] + part.flowables

    pages = _PartPages(job)
    with atomic_output(out) as stream:
        w, h = pagesize
        # the canvas starts in the embedded CJK font: reportlab's default start font, Helvetica,
        # would be listed in the PDF as a font not embedded
        doc = _Doc(stream, pagesize=pagesize, title=title, author="Kace", creator="Kace",
                   initialFontName=job.font.name)
        frame = Frame(MARGIN_X, MARGIN_BOTTOM, w - 2 * MARGIN_X, h - MARGIN_TOP - MARGIN_BOTTOM, 0, 0, 0, 0)
        doc.addPageTemplates([PageTemplate("page", [frame])])
        doc.build(_Feeder(flowables()), canvasmaker=pages.canvas)
        result = job.finish(output_of(out), pages.count)
    if job.progress:
        job.progress(len(items), len(items))
    return result
