"""入户走访记录表 — the visit form: blank to take to the household, or filled from a visit record."""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.platypus import Spacer

from app.printing.data import VisitFormData
from app.printing.job import Job, Output, PrintOptions, PrintResult
from app.printing.page_style import PORTRAIT, content_width, para
from app.printing.tables import boxes, kv, signatures
from app.printing.pages import Part, write_parts
from app.printing.text import cn_day

WIDTH = content_width(PORTRAIT)
KINDS = ("入户走访", "电话走访", "集中走访")
CHANGES = ("人口", "健康", "就业", "上学", "住房", "收入")  # 家庭变化, one line each


def ticks(options: Iterable[str], chosen: str) -> str:
    """'√入户走访 □电话走访 □集中走访': the chosen option ticked, the others as boxes to tick by hand."""
    options = list(options)
    marks = [("√" if o == chosen else "□") + o for o in options]
    return "  ".join(marks + ([f"√{chosen}"] if chosen and chosen not in options else []))


def visit_part(job: Job, d: VisitFormData) -> Part:
    changes = dict(d.changes)
    top = [
        ("户编号", d.household_code), ("户主姓名", d.head_name), ("所属组", d.group), ("联系电话", d.phone),
        ("帮扶责任人", d.helper), ("走访日期", cn_day(d.date)), ("走访人", d.visitors), ("走访方式", ticks(KINDS, d.kind)),
    ]  # fmt: skip
    flowables = [
        para(job, "入户走访记录表", "title"),
        kv(job, top, WIDTH),
        kv(job, [("见到的家庭成员", d.met)], WIDTH, cols=1),
        Spacer(1, 8),
        para(job, "家庭变化情况"),
        Spacer(1, 3),
        boxes(job, [(k, changes.get(k, ""), 26) for k in CHANGES], WIDTH),
        Spacer(1, 8),
        boxes(
            job,
            [("存在问题和诉求", d.problems, 100), ("帮扶措施落实情况", d.progress, 100), ("下一步打算", d.next_steps, 80)],
            WIDTH,
        ),
        Spacer(1, 16),
        signatures(job, ["走访人（签字）", "户主（签字）"], WIDTH, per_row=2, date_line=True),
    ]
    return Part(d.header.line(), f"入户走访记录表　户编号 {d.household_code}", flowables)


def write_visit_forms(forms: Iterable[VisitFormData], out: Output, opts: PrintOptions | None = None) -> PrintResult:
    """Visit forms, blank or filled, one page each, in one PDF."""
    return write_parts(forms, out, opts, visit_part, lambda d: f"户编号 {d.household_code}", PORTRAIT, "入户走访记录表")


def write_visit_form(form: VisitFormData, out: Output, opts: PrintOptions | None = None) -> PrintResult:
    return write_visit_forms([form], out, opts)
