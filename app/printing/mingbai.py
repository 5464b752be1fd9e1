"""明白卡 — the one-page card posted in the home: who helps, why, what is done, whom to call."""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.platypus import KeepInFrame, Spacer

from app.printing.card import causes, record
from app.printing.data import HouseholdCardData
from app.printing.job import Job, Output, PrintOptions, PrintResult
from app.printing.page_style import MARGIN_BOTTOM, MARGIN_TOP, PORTRAIT, content_width, para
from app.printing.tables import boxes, kv
from app.printing.pages import Part, write_parts
from app.printing.text import money

WIDTH = content_width(PORTRAIT)
HEIGHT = PORTRAIT[1] - MARGIN_TOP - MARGIN_BOTTOM


def _numbered(lines: Iterable[str]) -> str:
    return "\n".join(f"{n}. {line}" for n, line in enumerate(lines, 1))


def mingbai_part(job: Job, d: HouseholdCardData) -> Part:
    h = d.helper
    this_year = [m for m in d.measures if m.year in (None, d.year)]
    measures = _numbered(
        f"{m.kind}：{m.content}" + (f"（{money(m.amount)}元）" if m.amount is not None else "") for m in this_year
    )
    pairs = [
        ("户编号", d.code), ("户主姓名", d.head_name), ("家庭人口", f"{d.size}人"), ("贫困户属性", d.category),
        ("致贫原因", causes(d)), ("帮扶责任人", h.name if h else ""), ("单位及职务", f"{h.unit} {h.post}" if h else ""),
        ("联系电话", h.phone if h else ""),
    ]  # fmt: skip
    content = [
        para(job, "扶贫明白卡", "cover"),
        para(job, f"{d.header.village} · {d.year}年度", "subtitle"),
        Spacer(1, 10),
        kv(job, pairs, WIDTH, cols=1, label_width=96, size=12),
        Spacer(1, 10),
        boxes(job, [("本年度帮扶措施", measures, 190), ("享受政策", _numbered(d.policies), 150)], WIDTH, size=11),
        Spacer(1, 16),
        para(job, f"监督电话：{d.supervision_phone}", "title"),
    ]
    # one page whatever the data: shrink rather than spill onto a second sheet
    return Part(d.header.line(), f"扶贫明白卡　户编号 {d.code}", [KeepInFrame(WIDTH, HEIGHT, content, mode="shrink")])


def write_mingbai_cards(
    households: Iterable[HouseholdCardData], out: Output, opts: PrintOptions | None = None
) -> PrintResult:
    """明白卡 of many households, one page each, in one PDF."""
    return write_parts(households, out, opts, mingbai_part, record, PORTRAIT, "扶贫明白卡")


def write_mingbai_card(household: HouseholdCardData, out: Output, opts: PrintOptions | None = None) -> PrintResult:
    return write_mingbai_cards([household], out, opts)
