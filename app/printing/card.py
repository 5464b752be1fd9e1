"""户有卡 — 贫困户帮扶手册: the household handbook, A4 portrait, several pages (domain.md §7)."""

from __future__ import annotations

from collections.abc import Iterable

from reportlab.platypus import CondPageBreak, Flowable, PageBreak, Spacer

from app.printing.data import HelperData, HouseholdCardData, MemberRow
from app.printing.job import Job, Output, PrintOptions, PrintResult
from app.printing.page_style import PORTRAIT, content_width, heading, para
from app.printing.tables import grid, kv, signatures
from app.printing.pages import Part, write_parts
from app.printing.text import day, money, num

WIDTH = content_width(PORTRAIT)
VISIT_ROWS = 12  # a year of monthly visits: filled rows first, blank ones to write on after
MIN_BLANK_VISITS = 4
SIGN_OFF_ROOM = 166  # heading, table header, spacer and signature lines of the last section (points)
STEP_ROW_ROOM = 22  # one row of the exit record

MEMBER_COLUMNS = (
    ("序号", 22, "C"), ("姓名", 38, "C"), ("性别", 22, "C"), ("身份证号", 84, "C"), ("与户主\n关系", 36, "C"),
    ("民族", 28, "C"), ("文化程度/\n在校生状况", 42, "C"), ("健康状况", 44, "C"), ("劳动技能", 44, "C"),
    ("务工状况", 52, "C"), ("务工\n月数", 24, "C"), ("医保", 22, "C"), ("养老\n保险", 22, "C"), ("人口\n状态", 35, "C"),
)  # fmt: skip
MEASURE_COLUMNS = (
    ("类型", 84, "L"), ("内容", 205, "L"), ("年度", 34, "C"), ("金额（元）", 62, "R"), ("资金来源", 70, "C"),
    ("状态", 60, "C"),
)  # fmt: skip
LOAN_COLUMNS = (("金额（元）", 90, "R"), ("贷款银行", 160, "L"), ("发放日期", 80, "C"), ("期限", 80, "C"), ("还款情况", 105, "C"))
HELPER_COLUMNS = (("姓名", 60, "C"), ("单位", 170, "L"), ("职务", 80, "C"), ("联系电话", 85, "C"), ("帮扶起止", 120, "C"))
VISIT_COLUMNS = (("日期", 62, "C"), ("走访人", 62, "C"), ("方式", 52, "C"), ("走访情况", 259, "L"), ("户主签字", 80, "C"))
STEP_COLUMNS = (("步骤", 170, "L"), ("日期", 70, "C"), ("经办", 95, "C"), ("结果", 180, "L"))


def record(d: HouseholdCardData) -> str:
    """How a household is named in missing-character reports."""
    return f"户编号 {d.code} 户主 {d.head_name}"


def causes(d: HouseholdCardData) -> str:
    return d.main_cause + (f"（其他：{d.other_causes}）" if d.other_causes else "")


def period(h: HelperData) -> str:
    return f"{day(h.start)} 至 {day(h.end) or '今'}" if h.start else ""


def table(job: Job, columns: tuple, rows: Iterable[list[str]], **kw: object) -> Flowable:
    """A grid from a (header, width, align) column spec."""
    heads, widths, aligns = zip(*columns)
    return grid(job, heads, list(rows), widths, "".join(aligns), **kw)


def _member(i: int, m: MemberRow) -> list[str]:
    return [
        str(i), m.name, m.sex, m.id_number, m.relation, m.ethnicity, m.education or m.schooling, m.health, m.labour,
        m.work, num(m.work_months), m.medical, m.pension, m.status,
    ]  # fmt: skip


def _cover(job: Job, d: HouseholdCardData) -> list[Flowable]:
    h, helper = d.header, d.helper
    place = "".join(p for p in (h.county, h.township, h.village) if p) + (f" {d.group}" if d.group else "")
    pairs = [("户编号", d.code), ("户主姓名", d.head_name), ("所在地", place), ("贫困户属性", d.category)]
    if helper:
        pairs += [("帮扶责任人", helper.name), ("帮扶单位", helper.unit), ("联系电话", helper.phone)]
    return [
        Spacer(1, 90), para(job, "贫困户帮扶手册", "cover"), para(job, f"（户有卡 · {d.year}年度）", "subtitle"),
        Spacer(1, 70), kv(job, pairs, 340, cols=1, label_width=90, size=12), PageBreak(),
    ]  # fmt: skip


def _basics(job: Job, d: HouseholdCardData) -> list[Flowable]:
    pairs = [
        ("户编号", d.code), ("所属组", d.group), ("户主姓名", d.head_name), ("身份证号", d.head_id),
        ("联系电话", d.phone), ("家庭人口", f"{d.size}人"), ("贫困户属性", d.category), ("户状态", d.status),
        ("识别标准", d.standard), ("识别年度", num(d.identified_year)),
        ("计划脱贫年度", num(d.planned_exit_year)), ("脱贫年度", num(d.exit_year)),
    ]  # fmt: skip
    members = [_member(i, m) for i, m in enumerate(d.members, 1)]
    return [
        *heading(job, "一、家庭基本情况"), kv(job, pairs, WIDTH),
        *heading(job, "二、家庭成员"), table(job, MEMBER_COLUMNS, members, size=7.5),
        *heading(job, "三、生产生活条件"), kv(job, list(d.conditions) or [("", "")], WIDTH, label_width=110),
        *heading(job, "四、致贫原因"),
        kv(job, [("主要致贫原因", d.main_cause), ("其他致贫原因", d.other_causes)], WIDTH, cols=1, label_width=110),
    ]  # fmt: skip


def _income(job: Job, d: HouseholdCardData) -> list[Flowable]:
    inc = d.income
    if inc is None:
        return [*heading(job, "五、收入测算"), para(job, "本年度尚无收入记录。")]
    rows = [["　　" * line.level + line.label, money(line.amount)] for line in inc.lines]
    rows += [
        ["家庭纯收入", money(inc.net_income)], ["家庭人口（人）", str(inc.size)], ["人均纯收入", money(inc.per_capita)],
        ["扶贫标准", inc.line_text], ["测算结果", inc.result],
    ]  # fmt: skip
    return [*heading(job, f"五、收入测算（{inc.year}年）"), table(job, (("项目", 300, "L"), ("金额（元）", 215, "R")), rows)]


def _assistance(job: Job, d: HouseholdCardData) -> list[Flowable]:
    out: list[Flowable] = [*heading(job, f"六、一户一策帮扶计划（{d.plan.year if d.plan else d.year}年）")]
    if d.plan:
        plan = [("脱贫目标", d.plan.goal), ("主要措施", d.plan.measures), ("预期增收（元）", money(d.plan.expected))]
        out.append(kv(job, plan, WIDTH, cols=1, label_width=110))
    rows = [[m.kind, m.content, num(m.year), money(m.amount), m.source, m.status] for m in d.measures]
    amounts = [m.amount for m in d.measures if m.amount is not None]
    if amounts:
        rows.append(["合计", "", "", money(sum(amounts)), "", ""])
    out += [Spacer(1, 6), table(job, MEASURE_COLUMNS, rows, blank_rows=0 if rows else 2)]
    if d.loans:
        loans = [[money(x.amount), x.bank, day(x.start), x.term, x.repaid] for x in d.loans]
        out += [*heading(job, "扶贫小额信贷"), table(job, LOAN_COLUMNS, loans)]
    return out


def _helpers(job: Job, d: HouseholdCardData) -> list[Flowable]:
    h = d.helper
    out: list[Flowable] = [*heading(job, "七、帮扶责任人")]
    if h:
        pairs = [("姓名", h.name), ("联系电话", h.phone), ("单位", h.unit), ("职务", h.post), ("帮扶起止", period(h))]
        out.append(kv(job, pairs, WIDTH))
    if d.helper_history:
        rows = [[x.name, x.unit, x.post, x.phone, period(x)] for x in d.helper_history]
        out += [Spacer(1, 6), para(job, "历任帮扶责任人："), Spacer(1, 3), table(job, HELPER_COLUMNS, rows)]
    return out


def _visits_and_exit(job: Job, d: HouseholdCardData) -> list[Flowable]:
    visits = [[day(v.date), v.visitor, v.kind, v.summary, ""] for v in d.visits]
    blank = max(MIN_BLANK_VISITS, VISIT_ROWS - len(visits))
    steps = [[s.step, day(s.date), s.by, s.result] for s in d.exit_steps]
    # The exit record and the signatures stay together: not a blank row and the sign-off alone overleaf.
    room = SIGN_OFF_ROOM + STEP_ROW_ROOM * max(len(steps), 3)
    return [
        *heading(job, "八、走访记录"), table(job, VISIT_COLUMNS, visits, blank_rows=blank, blank_height=26),
        CondPageBreak(room), *heading(job, "九、脱贫退出"), table(job, STEP_COLUMNS, steps, blank_rows=0 if steps else 3),
        # two signers to a row: three on one line left each a short blank close to the next label
        Spacer(1, 24), signatures(job, ["户主（签字）", "帮扶责任人（签字）", "村委会（盖章）"], WIDTH, per_row=2,
                                  date_line=True),
    ]  # fmt: skip


def card_part(job: Job, d: HouseholdCardData) -> Part:
    flowables = _cover(job, d) + _basics(job, d) + _income(job, d) + _assistance(job, d)
    flowables += _helpers(job, d) + _visits_and_exit(job, d)
    return Part(d.header.line(), f"贫困户帮扶手册　户编号 {d.code}", flowables)


def write_cards(households: Iterable[HouseholdCardData], out: Output, opts: PrintOptions | None = None) -> PrintResult:
    """Handbooks of many households in one PDF; each starts on a new page and is numbered on its own."""
    return write_parts(households, out, opts, card_part, record, PORTRAIT, "贫困户帮扶手册")


def write_card(household: HouseholdCardData, out: Output, opts: PrintOptions | None = None) -> PrintResult:
    return write_cards([household], out, opts)
