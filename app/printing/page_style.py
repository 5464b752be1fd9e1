"""Page layout shared by every document: geometry, the header/footer band, paragraph styles.
(Tables are in tables.py.) Documents describe content; how it looks is decided here once."""

from __future__ import annotations

from datetime import date
from functools import lru_cache
from types import SimpleNamespace
from xml.sax.saxutils import escape

from reportlab.lib import colors
from reportlab.lib.enums import TA_CENTER, TA_LEFT, TA_RIGHT
from reportlab.lib.pagesizes import A4, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import CondPageBreak, Flowable, Paragraph

from app.printing.job import Job
from app.printing.text import cn_day, wrap

PORTRAIT = A4
LANDSCAPE = landscape(A4)
MARGIN_X = 40  # left and right
MARGIN_TOP = 48  # below the header band
MARGIN_BOTTOM = 44  # above the footer band
PAD = 3  # cell padding
BODY = 8.5  # table text size
GRID = 0.5
HEADING_ROOM = 90  # a heading needs this much below it, or it moves to the next page
SHADE = colors.Color(0.9, 0.9, 0.9)


def content_width(pagesize: tuple[float, float]) -> float:
    return pagesize[0] - 2 * MARGIN_X


def draw_decor(
    canv: Canvas, font: str, left: str, right: str, page: int, total: int, printed: date
) -> None:
    """The band on every page: 省 市 县 乡 村 (left) and the document's tag (right) on top;
    "第 x 页 共 y 页" and the print date at the bottom. Texts must have passed the font check."""
    w, h = canv._pagesize
    canv.saveState()
    canv.setFont(font, 8)
    canv.setLineWidth(GRID)
    top = h - 30
    canv.drawString(MARGIN_X, top, left)
    canv.drawRightString(w - MARGIN_X, top, right)
    canv.line(MARGIN_X, top - 4, w - MARGIN_X, top - 4)
    canv.line(MARGIN_X, 34, w - MARGIN_X, 34)
    canv.drawCentredString(w / 2, 22, f"第 {page} 页 共 {total} 页")
    canv.drawRightString(w - MARGIN_X, 22, f"打印日期：{cn_day(printed)}")
    canv.restoreState()


@lru_cache(maxsize=8)
def styles(font: str) -> SimpleNamespace:
    """Paragraph styles in the document font; CJK word wrap breaks between any two characters."""

    def style(name: str, size: float, align: int = TA_LEFT, **kw: object) -> ParagraphStyle:
        kw.setdefault("leading", size * 1.35)
        return ParagraphStyle(name, fontName=font, fontSize=size, alignment=align, wordWrap="CJK", **kw)

    return SimpleNamespace(
        cover=style("cover", 26, TA_CENTER, leading=40),
        title=style("title", 16, TA_CENTER, spaceAfter=6),
        subtitle=style("subtitle", 10.5, TA_CENTER, spaceAfter=8),
        heading=style("heading", 11.5, spaceBefore=8, spaceAfter=4),
        body=style("body", 10, firstLineIndent=20, spaceAfter=4),
        plain=style("plain", 10),
        sign=style("sign", 11, TA_RIGHT, spaceAfter=6),
    )


class ChineseParagraph(Paragraph):
    """A Paragraph of plain text whose lines are broken by text.wrap (the Chinese rules: no line
    starting with ，。、；：？！）」》 or ending with （「《), not by reportlab's CJK wrap, which
    starts lines with a full-width comma. The lines are found when the width is known."""

    def __init__(self, text: str | None, style: ParagraphStyle, *args, **kw):
        # None: a piece reportlab made when splitting across pages (its lines are already broken)
        self._plain = text
        self._broken_for: float | None = None
        super().__init__(None if text is None else self._markup([text]), style, *args, **kw)

    @staticmethod
    def _markup(lines: list[str]) -> str:
        return "<br/>".join(escape(line) for line in lines)

    def wrap(self, availWidth, availHeight):  # noqa: N803 (reportlab's naming)
        if self._plain is not None and self._broken_for != availWidth:
            st = self.style
            width = availWidth - st.leftIndent - st.rightIndent
            lines = wrap(self._plain, width, st.fontName, st.fontSize,
                         first_width=width - st.firstLineIndent)
            self._broken_for = availWidth
            self.__init_broken(lines)
        return super().wrap(availWidth, availHeight)

    def __init_broken(self, lines: list[str]) -> None:
        # re-parse with the line breaks in place (Paragraph keeps its parsed fragments)
        Paragraph.__init__(self, self._markup(lines), self.style)


def para(job: Job, text: str, style: str = "plain", field: str = "") -> Paragraph:
    """A Paragraph of checked text, its lines broken by the Chinese rules (text.wrap)."""
    return ChineseParagraph(job.text(text, field), getattr(styles(job.font.name), style))


def heading(job: Job, text: str) -> list[Flowable]:
    """A section heading that never stands alone at the foot of a page. (A page break when little room
    is left, rather than keepWithNext, which lays the next table out twice.)"""
    return [CondPageBreak(HEADING_ROOM), para(job, text, "heading")]
