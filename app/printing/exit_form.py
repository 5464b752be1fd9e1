"""贫困户退出验收表 — the exit assessment form: each indicator, its figure, 达标/未达标, five signatures."""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.platypus import Spacer

from app.printing.data import ExitFormData, Indicator
from app.printing.job import Job, Output, PrintOptions, PrintResult
from app.printing.page_style import PORTRAIT, content_width, para
from app.printing.tables import boxes, grid, kv, signatures
from app.printing.pages import Part, write_parts
from app.printing.text import money, num
from app.printing.visit_form import ticks

WIDTH = content_width(PORTRAIT)
SIGNERS = ("户主（签字）", "帮扶责任人（签字）", "村两委（盖章）", "驻村工作队（签字）", "乡镇（盖章）")
VERDICTS = ("达标", "未达标")
MISSING = "资料不全"


def _indicator(i: Indicator | tuple) -> Indicator:
    """Indicators may also come as (name, figure, passed) tuples."""
    return i if isinstance(i, Indicator) else Indicator(name=i[0], figure=i[1], passed=i[2])


def conclusion(indicators: list[Indicator]) -> str:
    """The verdict the indicators imply; blank while any is unassessed (to be written by hand)."""
    if not indicators or any(i.passed is None for i in indicators):
        return ""
    failed = [i.name for i in indicators if not i.passed and not i.missing]
    missing = [i.name for i in indicators if i.missing]
    parts = ([f"{'、'.join(failed)}未达标"] if failed else []) + ([f"{'、'.join(missing)}资料不全"] if missing else [])
    return f"未达到退出标准：{'；'.join(parts)}。" if parts else "各项指标均已达标，达到贫困户退出标准。"


def exit_part(job: Job, d: ExitFormData) -> Part:
    indicators = [_indicator(i) for i in d.indicators]
    top = [
        ("户编号", d.household_code), ("户主姓名", d.head_name), ("所属组", d.group), ("家庭人口", f"{d.size}人"),
        ("贫困户属性", d.category), ("识别年度", num(d.identified_year)), ("人均纯收入", f"{money(d.per_capita)}元"),
        ("扶贫标准", d.line_text),
    ]  # fmt: skip
    rows = [
        [str(n), i.name, i.figure, MISSING if i.missing else
         VERDICTS[not i.passed] if i.passed is not None else ticks(VERDICTS, "")]
        for n, i in enumerate(indicators, 1)
    ]
    flowables = [
        para(job, "贫困户退出验收表", "title"),
        para(job, f"（{d.year}年度）", "subtitle"),
        kv(job, top, WIDTH),
        kv(job, [("验收标准", d.profile)], WIDTH, cols=1),
        Spacer(1, 8),
        grid(job, ("序号", "验收指标", "实际情况", "是否达标"), rows, (32, 170, 213, 100), "CLLC", size=9.5),
        Spacer(1, 8),
        boxes(job, [("验收结论", d.conclusion or conclusion(indicators), 60)], WIDTH),
        Spacer(1, 14),
        signatures(job, SIGNERS, WIDTH, per_row=1, dated=True),
    ]
    return Part(d.header.line(), f"贫困户退出验收表　户编号 {d.household_code}", flowables)


def write_exit_forms(forms: Iterable[ExitFormData], out: Output, opts: PrintOptions | None = None) -> PrintResult:
    """Exit assessment forms, one per household, in one PDF."""
    return write_parts(forms, out, opts, exit_part, lambda d: f"户编号 {d.household_code}", PORTRAIT, "贫困户退出验收表")


def write_exit_form(form: ExitFormData, out: Output, opts: PrintOptions | None = None) -> PrintResult:
    return write_exit_forms([form], out, opts)
