"""村有册 — the village register (村贫困户花名册), A4 landscape, per household or per member.

Pages are laid out here, not by platypus: every row has the same height, so the page count is known
before drawing and each page is one fixed-size table (one huge reportlab table is super-linear in its
rows). Time per page is constant; a cell's text wraps or shrinks to fit, never overflows. Each page goes
to the file as soon as it is drawn (StreamingCanvas), so memory does not grow with the register.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import groupby, islice

from reportlab.pdfgen.canvas import Canvas

from app.printing.data import MemberRegisterRow, RegisterData, RegisterRow
from app.printing.job import Job, Output, PrintOptions, PrintResult, atomic_output, output_of
from app.printing.page_style import BODY, LANDSCAPE, MARGIN_X, PAD, SHADE, draw_decor
from app.printing.streaming import StreamingCanvas
from app.printing.tables import align_cmds, text_table
from app.printing.text import LEADING, cn_day, fit, money, num

ROWS_PER_PAGE = 25
ROW_HEIGHT = 18
HEAD_HEIGHT = 26
MIN_SIZE = 5.5  # smallest text a cell may shrink to
SIGN_ROWS = 2  # room the sign-off line takes on the last page, in rows
TABLE_TOP = LANDSCAPE[1] - 72
_FIT_CACHE_MAX = 20_000  # bounded: a 50,000-row register must not grow memory through its cache


@dataclass(frozen=True)
class Column:
    title: str  # may hold a line break where the heading should wrap
    width: float
    align: str  # L, C or R
    value: Callable[[object], str]

    @property
    def name(self) -> str:
        return self.title.replace("\n", "")


def _status(r: RegisterRow) -> str:
    return f"{r.status}/{r.exit_year}" if r.exit_year else r.status


HOUSEHOLD_COLUMNS = (
    Column("序号", 26, "C", lambda r: ""),  # filled with the running number
    Column("组", 34, "C", lambda r: r.group),
    Column("户编号", 92, "C", lambda r: r.code),
    Column("户主姓名", 48, "C", lambda r: r.head_name),
    Column("身份证号", 86, "C", lambda r: r.head_id),
    Column("家庭\n人口", 30, "C", lambda r: num(r.size)),
    Column("贫困户属性", 58, "C", lambda r: r.category),
    Column("主要致贫原因", 64, "C", lambda r: r.main_cause),
    Column("识别\n年度", 30, "C", lambda r: num(r.identified_year)),
    Column("户状态/\n脱贫年度", 62, "C", lambda r: _status(r)),
    Column("人均纯收入\n（元）", 50, "R", lambda r: money(r.per_capita)),
    Column("帮扶\n责任人", 46, "C", lambda r: r.helper),
    Column("联系电话", 60, "C", lambda r: r.phone),
    Column("备注", 76, "L", lambda r: r.note),
)


def _m(get: Callable[[object], str]) -> Callable[[MemberRegisterRow], str]:
    return lambda r: get(r.member)


MEMBER_COLUMNS = (
    Column("序号", 26, "C", lambda r: ""),
    Column("户编号", 92, "C", lambda r: r.household_code),
    Column("姓名", 46, "C", _m(lambda m: m.name)),
    Column("性别", 24, "C", _m(lambda m: m.sex)),
    Column("身份证号", 86, "C", _m(lambda m: m.id_number)),
    Column("与户主\n关系", 42, "C", _m(lambda m: m.relation)),
    Column("民族", 34, "C", _m(lambda m: m.ethnicity)),
    Column("文化程度", 46, "C", _m(lambda m: m.education)),
    Column("在校生状况", 62, "C", _m(lambda m: m.schooling)),
    Column("健康状况", 64, "C", _m(lambda m: m.health)),
    Column("劳动技能", 76, "C", _m(lambda m: m.labour)),
    Column("务工状况", 62, "C", _m(lambda m: m.work)),
    Column("务工时间\n（月）", 36, "C", _m(lambda m: num(m.work_months))),
    Column("医保", 30, "C", _m(lambda m: m.medical)),
    Column("养老保险", 36, "C", _m(lambda m: m.pension)),
)
LABEL_SPAN = 5  # subtotal and total labels span the first five columns


@dataclass(frozen=True)
class _Line:
    """A table line: a data row (numbered) or a subtotal / grand total."""

    row: object = None
    number: int = 0
    label: str = ""
    people: int | None = None


def _group_key(group: str) -> tuple[int, str]:
    """01组 < 2组 < 10组 < 新建组: numbers in numeric order, then the rest by name."""
    m = re.search(r"\d+", group)
    return (int(m.group()) if m else 10**9, group)


class _Variant:
    """What differs between the household and the member register."""

    def __init__(self, data: RegisterData):
        self.per_member = data.per_member
        self.columns = MEMBER_COLUMNS if data.per_member else HOUSEHOLD_COLUMNS
        rows: Sequence = data.member_rows if data.per_member else data.rows
        self.rows = sorted(rows, key=lambda r: _group_key(r.group))  # stable: caller's order inside a group
        self.groups = len({r.group for r in self.rows})
        self.people_col = None if data.per_member else 5  # 家庭人口 carries the subtotals too

    def record(self, r: RegisterRow | MemberRegisterRow) -> str:
        """How a row is named in missing-character reports."""
        if self.per_member:
            return f"户编号 {r.household_code} 成员 {r.member.name}"
        return f"户编号 {r.code}"

    def counts(self, rows: Sequence) -> tuple[int, int]:
        """(户数, 人口) of some rows."""
        if self.per_member:
            return len({r.household_code for r in rows}), len(rows)
        return len(rows), sum(r.size for r in rows)

    def lines(self) -> Iterator[_Line]:
        number = 0
        for group, members in groupby(self.rows, key=lambda r: r.group):
            members = list(members)
            for r in members:
                number += 1
                yield _Line(row=r, number=number)
            households, people = self.counts(members)
            yield _Line(label=f"{group}小计：{households}户 {people}人", people=people)
        households, people = self.counts(self.rows)
        yield _Line(label=f"合计：{households}户 {people}人", people=people)


def page_sizes(lines: int, per_page: int = ROWS_PER_PAGE, sign_rows: int = SIGN_ROWS) -> list[int]:
    """Lines on each page; the last page keeps room for the sign-off line."""
    sizes = []
    while lines > per_page:
        sizes.append(per_page)
        lines -= per_page
    if lines > per_page - sign_rows:  # the sign-off would not fit: the last lines go on a page of their own
        sizes += [lines - sign_rows, sign_rows]
    else:
        sizes.append(lines)
    return sizes


class _Painter:
    """Draws register pages: the fixed part of the table style is built once."""

    def __init__(self, job: Job, data: RegisterData, variant: _Variant):
        self.job, self.data, self.variant = job, data, variant
        cols = variant.columns
        self.font = job.font.name
        self.widths = [c.width for c in cols]
        self.cache: dict[tuple[int, str], tuple[str, float]] = {}
        self.head = [self._fit_text(i, job.text(c.title), HEAD_HEIGHT) for i, c in enumerate(cols)]
        self.style = [("BACKGROUND", (0, 0), (-1, 0), SHADE)] + align_cmds("".join(c.align for c in cols))
        self.style.append(("ALIGN", (0, 0), (-1, 0), "CENTER"))
        h = data.header
        self.left = job.text(h.line(), "地区")
        self.right = job.text(f"村代码 {h.village_code}" if h.village_code else "")
        self.title = job.text(data.title or f"{h.village}建档立卡贫困户花名册", "标题")
        self.subtitle = job.text(f"（{data.year}年度，按人）" if data.per_member else f"（{data.year}年度）　金额单位：元")
        self.sign = job.text(
            f"制表人：{data.made_by or '            '}　　　审核人：{data.checked_by or '            '}"
            f"　　　村委会（盖章）：　　　　　　日期：{cn_day(data.date)}",
            "签字栏",
        )

    def _fit_text(self, col: int, text: str, height: float, span: int = 1) -> tuple[str, float]:
        """Cell text with line breaks, and its font size (BODY unless it had to shrink)."""
        width = sum(self.widths[col : col + span]) - 2 * (PAD - 1)  # padding: 2 + 2 across, 1 + 1 down
        lines, size = fit(text, width, height - 2, self.font, BODY, MIN_SIZE)
        return "\n".join(lines), size

    def _fit(self, col: int, text: str) -> tuple[str, float]:
        """_fit_text for a body cell, remembered: categories and names repeat down a column."""
        key = (col, text)
        hit = self.cache.get(key)
        if hit is None:
            if len(self.cache) >= _FIT_CACHE_MAX:
                self.cache.clear()
            hit = self.cache[key] = self._fit_text(col, text, ROW_HEIGHT)
        return hit

    def _cells(self, line: _Line, r: int, extra: list) -> list[str]:
        """The cells of one table line (table row `r`); size and span commands go to `extra`."""
        job, cols = self.job, self.variant.columns
        if line.row is None:
            cells = [""] * len(cols)
            cells[0], size = self._fit_text(0, job.text(line.label), ROW_HEIGHT, LABEL_SPAN)
            if size != BODY:
                extra.append(("FONT", (0, r), (0, r), self.font, size, size * LEADING))
            if self.variant.people_col is not None:
                cells[self.variant.people_col] = str(line.people)
            extra += [("SPAN", (0, r), (LABEL_SPAN - 1, r)), ("BACKGROUND", (0, r), (-1, r), SHADE)]
            extra.append(("ALIGN", (0, r), (0, r), "LEFT"))
            return cells
        cells = [str(line.number)]
        with job.check.record(self.variant.record(line.row)):
            for i, col in enumerate(cols[1:], 1):
                text, size = self._fit(i, job.text(col.value(line.row), col.name))
                if size != BODY:
                    extra.append(("FONT", (i, r), (i, r), self.font, size, size * LEADING))
                cells.append(text)
        return cells

    def page(self, canv: Canvas, lines: list[_Line], number: int, total: int) -> None:
        extra: list = []
        data = [[t for t, _ in self.head]] + [self._cells(line, r, extra) for r, line in enumerate(lines, 1)]
        extra += [
            ("FONT", (i, 0), (i, 0), self.font, s, s * LEADING) for i, (_, s) in enumerate(self.head) if s != BODY
        ]
        heights = [HEAD_HEIGHT] + [ROW_HEIGHT] * len(lines)
        table = text_table(
            data, self.font, BODY, self.style + extra, pad=(PAD - 1, 1), colWidths=self.widths, rowHeights=heights
        )
        w, h = LANDSCAPE
        _, th = table.wrapOn(canv, w, h)
        table.drawOn(canv, MARGIN_X, TABLE_TOP - th)
        canv.setFont(self.font, 15)
        canv.drawCentredString(w / 2, h - 52, self.title)
        canv.setFont(self.font, 9)
        canv.drawCentredString(w / 2, h - 66, self.subtitle)
        if number == total:
            canv.setFont(self.font, 10)
            canv.drawString(MARGIN_X, TABLE_TOP - th - 22, self.sign)
        draw_decor(canv, self.font, self.left, self.right, number, total, self.job.print_date)
        canv.showPage()


def _draw_register(canv: Canvas, job: Job, data: RegisterData) -> int:
    """Draw one register; returns its page count."""
    variant = _Variant(data)
    painter = _Painter(job, data, variant)
    sizes = page_sizes(len(variant.rows) + variant.groups + 1)
    lines = variant.lines()
    for number, size in enumerate(sizes, 1):
        painter.page(canv, list(islice(lines, size)), number, len(sizes))
    return len(sizes)


def write_registers(registers: Iterable[RegisterData], out: Output, opts: PrintOptions | None = None) -> PrintResult:
    """Several village registers in one PDF; each numbers its own pages."""
    registers = list(registers)
    if not registers:
        raise ValueError("没有可打印的内容")
    job = Job(opts)
    with atomic_output(out) as stream:
        canv = StreamingCanvas(stream, pagesize=LANDSCAPE, initialFontName=job.font.name)  # no Helvetica
        canv.setTitle("村贫困户花名册")
        canv.setAuthor("Kace")
        pages = 0
        for i, data in enumerate(registers):
            with job.check.record(f"村 {data.header.village}"):
                pages += _draw_register(canv, job, data)
            if job.progress:
                job.progress(i + 1, len(registers))
        canv.save()
        result = job.finish(output_of(out), pages)
    return result


def write_register(register: RegisterData, out: Output, opts: PrintOptions | None = None) -> PrintResult:
    return write_registers([register], out, opts)
