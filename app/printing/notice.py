"""公示 / 公告 for posting on the village wall: households proposed for identification, exit or monitoring.

Privacy (domain.md §4): ID numbers are printed as 450881********123X and phones as 138****5678, and no
bank account is printed. The masks are applied here, to whatever the caller passes, and every other
text cell is scrubbed of anything shaped like an ID, account or mobile number, so a number typed into
a note cannot reach the wall either.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from reportlab.platypus import Spacer

from app.domain.privacy import mask_id, mask_phone
from app.printing.data import NoticeData, NoticeRow
from app.printing.job import Job, Output, PrintOptions, PrintResult
from app.printing.page_style import PORTRAIT, content_width, para
from app.printing.tables import grid
from app.printing.pages import Part, write_parts
from app.printing.text import cn_day, money

WIDTH = content_width(PORTRAIT)
_LONG_NUMBER = re.compile(r"(?<![\dA-Za-z])\d{14,}[\dXx]?(?![\dA-Za-z])")  # ID, old ID, bank account
_MOBILE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")

TITLES = {  # kind -> (公示 title, 公告 title, the list in a 公示, the list in a 公告)
    "identify": ("拟识别贫困户公示", "新识别贫困户公告", "拟识别贫困户", "新识别贫困户"),
    "exit": ("拟退出贫困户公示", "贫困户退出公告", "拟退出贫困户", "退出贫困户"),
    "monitor": ("防止返贫监测对象公示", "防止返贫监测对象公告", "拟纳入防止返贫监测对象", "纳入防止返贫监测对象"),
}
PROCEDURES = {
    "identify": "经农户申请、入户调查核实、村民小组评议、村民代表大会民主评议，村两委和驻村工作队审查",
    "exit": "经入户核查测算、村民代表大会民主评议、村两委和驻村工作队核实、贫困户签字认可",
    "monitor": "经农户申报和干部排查、入户核实、村级评议",
}
COMMON = (("序号", 30, "C"), ("组", 50, "C"), ("户主姓名", 70, "C"), ("家庭\n人口", 40, "C"), ("身份证号", 130, "C"))
COLUMNS = {
    "identify": COMMON + (("主要致贫原因", 100, "C"), ("备注", 95, "L")),
    "exit": COMMON + (("人均纯收入（元）", 100, "R"), ("备注", 95, "L")),
    "monitor": COMMON + (("监测对象类型", 75, "C"), ("主要风险", 55, "C"), ("联系电话", 65, "C")),
}


def scrub(text: str) -> str:
    """Mask ID-, account- and mobile-shaped numbers inside free text."""
    text = _LONG_NUMBER.sub(lambda m: mask_id(m.group()), text)
    return _MOBILE.sub(lambda m: mask_phone(m.group()), text)


def _cells(kind: str, i: int, r: NoticeRow) -> list[str]:
    common = [str(i), r.group, r.head_name, str(r.size), mask_id(r.id_number) if r.id_number else ""]
    if kind == "identify":
        tail = [r.main_cause, r.note]
    elif kind == "exit":
        tail = [money(r.per_capita), r.note]
    else:
        tail = [r.monitor_type, r.risk, mask_phone(r.phone) if r.phone else ""]
    return [scrub(c) for c in common + tail]


def _text(d: NoticeData, households: int, people: int) -> str:
    village, what = d.header.village, TITLES[d.kind][3 if d.announcement else 2]
    listed = f"{village}{what}名单（共{households}户{people}人）"
    period = f"{cn_day(d.period_from, '    年  月  日')}至{cn_day(d.period_to, '    年  月  日')}"
    days = (d.period_to - d.period_from).days + 1 if d.period_from and d.period_to else 7  # both ends count
    phone = d.supervision_phone or "            "
    if d.announcement:
        return f"经乡镇审核、县级扶贫部门审定，现将{listed}予以公告。公告期：{period}。如有疑问，请拨打监督电话：{phone}。"
    place = d.objection_place or "村民委员会"
    return (
        f"根据工作程序，{PROCEDURES[d.kind]}，现将{listed}予以公示。公示期：{period}（{days}天）。"
        f"公示期内如有异议，请以书面或口头方式向{place}反映，或拨打监督电话：{phone}。"
    )


def _record(d: NoticeData) -> str:
    return f"{d.header.village} {TITLES[d.kind][0]}"


def notice_part(job: Job, d: NoticeData) -> Part:
    titles = TITLES[d.kind]
    title = titles[1] if d.announcement else titles[0]
    households, people = len(d.rows), sum(r.size for r in d.rows)
    heads, widths, aligns = zip(*COLUMNS[d.kind])
    rows = [_cells(d.kind, i, r) for i, r in enumerate(d.rows, 1)]
    year = f"{d.year}年" if d.year else ""
    flowables = [
        para(job, f"{d.header.village}{year}{title}", "title"),
        para(job, _text(d, households, people), "body", "公示说明"),
        Spacer(1, 4),
        grid(job, heads, rows, widths, "".join(aligns), size=9),
        Spacer(1, 4),
        para(job, f"合计：{households}户 {people}人"),
        Spacer(1, 28),
        para(job, f"{d.header.village}村民委员会（盖章）", "sign"),
        para(job, cn_day(d.date), "sign"),
    ]
    return Part(d.header.line(), title, flowables)


def write_notices(notices: Iterable[NoticeData], out: Output, opts: PrintOptions | None = None) -> PrintResult:
    """Notices of several villages (or kinds) in one PDF; each starts on a new page."""
    return write_parts(notices, out, opts, notice_part, _record, PORTRAIT, "公示")


def write_notice(notice: NoticeData, out: Output, opts: PrintOptions | None = None) -> PrintResult:
    return write_notices([notice], out, opts)
