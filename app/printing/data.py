"""What the documents print: plain frozen data, display strings already resolved.

The caller (app/printing/print_jobs.py) turns database rows into these: labels not codes ("一般贫困户", "因病"),
figures already computed by app/domain. Printing only lays out what it is given; it looks nothing up and
computes no domain figure. Money is Decimal, dates are datetime.date, counts and years are int; None
or "" prints as a blank. Sequences may be lists or tuples. No bank account field exists on purpose:
no document prints one.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
import datetime as dt
from decimal import Decimal
from typing import Literal

from app.domain.schema import PRINTED, mirror

Pairs = Sequence[tuple[str, str]]  # ordered (label, value) lines


@dataclass(frozen=True, kw_only=True)
class RegionHeader:
    """省 市 县 乡 村 printed at the top of every page, and the village's 12-digit code."""

    province: str
    prefecture: str
    county: str
    township: str
    village: str
    village_code: str = ""

    def line(self) -> str:
        return " ".join(p for p in (self.province, self.prefecture, self.county, self.township, self.village) if p)


# One member as the household card and the member register show it: the member fields of
# app/domain/schema.py marked PRINTED (codes as labels; health several joined with ","), then the
# insurance lines, which join several fields: 医保 "是" / "否" / "职工医保", 养老保险.
MemberRow = mirror("MemberRow", "member", PRINTED, module=__name__, frozen=True, kw_only=True,
                   extra=(("medical", str, field(default="")), ("pension", str, field(default=""))),
                   doc="One member as the household card and the member register show it.")


@dataclass(frozen=True, kw_only=True)
class IncomeLine:
    """One line of the income statement; `level` 1 indents an item of 转移性收入."""

    label: str
    amount: Decimal | None
    level: int = 0


@dataclass(frozen=True, kw_only=True)
class IncomeData:
    """收入测算 of one year: the items, the results, and the poverty line they were compared with."""

    year: int
    lines: Sequence[IncomeLine]
    net_income: Decimal  # 家庭纯收入
    size: int  # 家庭人口 used for the division
    per_capita: Decimal  # 人均纯收入
    line_text: str  # "2020年国家扶贫标准 4000元"
    result: str  # "达标" / "未达标"


@dataclass(frozen=True, kw_only=True)
class PlanData:
    """一户一策 帮扶计划 of one year."""

    year: int
    goal: str = ""
    measures: str = ""
    expected: Decimal | None = None  # 预期增收（元）


@dataclass(frozen=True, kw_only=True)
class MeasureRow:
    """帮扶措施: type, content, year, amount, source of funds, status."""

    kind: str
    content: str = ""
    year: int | None = None
    amount: Decimal | None = None
    source: str = ""
    status: str = ""


@dataclass(frozen=True, kw_only=True)
class LoanRow:
    """扶贫小额信贷."""

    amount: Decimal
    bank: str = ""
    start: dt.date | None = None
    term: str = ""  # "3年"
    repaid: str = ""  # "已还清" / "未还" / amount as text


@dataclass(frozen=True, kw_only=True)
class HelperData:
    """帮扶责任人, current or past."""

    name: str
    unit: str = ""
    post: str = ""
    phone: str = ""
    start: dt.date | None = None
    end: dt.date | None = None


@dataclass(frozen=True, kw_only=True)
class VisitRow:
    """One 走访记录 line of the handbook."""

    date: dt.date | None
    visitor: str = ""
    kind: str = ""  # 入户走访 / 电话走访 / 集中走访
    summary: str = ""


@dataclass(frozen=True, kw_only=True)
class StepRow:
    """One dated step of a workflow (脱贫退出 record): what, when, by whom, result."""

    step: str
    date: dt.date | None = None
    by: str = ""
    result: str = ""


@dataclass(frozen=True, kw_only=True)
class HouseholdCardData:
    """Everything the 户有卡 handbook and the 明白卡 print for one household."""

    header: RegionHeader
    code: str  # 户编号
    year: int  # the handbook's year
    head_name: str
    head_id: str = ""
    group: str = ""
    phone: str = ""
    size: int = 0  # 家庭人口
    category: str = ""  # 贫困户属性
    status: str = ""  # 户状态
    standard: str = ""  # 识别标准
    main_cause: str = ""
    other_causes: str = ""  # joined with "、"
    identified_year: int | None = None
    planned_exit_year: int | None = None
    exit_year: int | None = None
    members: Sequence[MemberRow] = ()
    conditions: Pairs = ()  # 生产生活条件 as (label, value), in print order
    income: IncomeData | None = None
    plan: PlanData | None = None
    measures: Sequence[MeasureRow] = ()
    loans: Sequence[LoanRow] = ()
    helper: HelperData | None = None
    helper_history: Sequence[HelperData] = ()
    visits: Sequence[VisitRow] = ()
    exit_steps: Sequence[StepRow] = ()
    policies: Sequence[str] = ()  # 享受政策, for the 明白卡
    supervision_phone: str = ""  # 监督电话, for the 明白卡


@dataclass(frozen=True, kw_only=True)
class RegisterRow:
    """One household line of the village register (村有册, per-household variant)."""

    group: str
    code: str
    head_name: str
    head_id: str = ""
    size: int = 0
    category: str = ""
    main_cause: str = ""
    identified_year: int | None = None
    status: str = ""
    exit_year: int | None = None
    per_capita: Decimal | None = None
    helper: str = ""
    phone: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class MemberRegisterRow:
    """One member line of the per-member register: the member and the household it belongs to."""

    group: str
    household_code: str
    member: MemberRow


@dataclass(frozen=True, kw_only=True)
class RegisterData:
    """A village register. Rows are printed grouped by `group` (groups in natural order, rows in the
    order given inside a group), with group subtotals and a grand total of 户数 and 人口."""

    header: RegionHeader
    year: int
    title: str = ""  # default: "<村>建档立卡贫困户花名册"
    rows: Sequence[RegisterRow] = ()
    per_member: bool = False
    member_rows: Sequence[MemberRegisterRow] = ()
    made_by: str = ""  # 制表人
    checked_by: str = ""  # 审核人
    date: dt.date | None = None


NoticeKind = Literal["identify", "exit", "monitor"]


@dataclass(frozen=True, kw_only=True)
class NoticeRow:
    """One household on a notice. ID number and phone are given in full; the notice masks them."""

    group: str
    head_name: str
    size: int = 0
    id_number: str = ""
    main_cause: str = ""  # 拟识别
    per_capita: Decimal | None = None  # 拟退出
    monitor_type: str = ""  # 监测对象: 脱贫不稳定户 / 边缘易致贫户 / 突发严重困难户
    risk: str = ""  # 监测对象: 主要风险
    phone: str = ""
    note: str = ""


@dataclass(frozen=True, kw_only=True)
class NoticeData:
    """公示 (or, with `announcement`, 公告) of households proposed for identification, exit or monitoring."""

    kind: NoticeKind
    header: RegionHeader
    rows: Sequence[NoticeRow]
    period_from: dt.date | None = None  # 公示期 (7 days)
    period_to: dt.date | None = None
    supervision_phone: str = ""  # 监督电话, printed in full: people must be able to call it
    objection_place: str = ""  # where to object, e.g. "村委会办公室"
    date: dt.date | None = None
    year: int | None = None
    announcement: bool = False


@dataclass(frozen=True, kw_only=True)
class VisitFormData:
    """入户走访记录表. With only the household fields set it prints blank, to be filled in the field."""

    header: RegionHeader
    household_code: str = ""
    head_name: str = ""
    group: str = ""
    phone: str = ""
    helper: str = ""
    date: dt.date | None = None
    visitors: str = ""
    kind: str = ""  # 入户走访 / 电话走访 / 集中走访
    met: str = ""  # who was met
    changes: Pairs = ()  # (人口|健康|就业|上学|住房|收入, text)
    problems: str = ""  # 存在问题和诉求
    progress: str = ""  # 帮扶措施落实情况
    next_steps: str = ""  # 下一步打算


@dataclass(frozen=True, kw_only=True)
class Indicator:
    """One line of the exit assessment: the indicator, the figure or evidence, and the verdict
    (None when not yet assessed: the form prints blank boxes)."""

    name: str
    figure: str = ""
    passed: bool | None = None
    missing: bool = False  # 资料不全: the fact is not recorded (distinct from 未达标)


@dataclass(frozen=True, kw_only=True)
class ExitFormData:
    """贫困户退出验收表."""

    header: RegionHeader
    household_code: str
    head_name: str
    year: int
    group: str = ""
    size: int = 0
    category: str = ""
    identified_year: int | None = None
    per_capita: Decimal | None = None
    line_text: str = ""  # the poverty line used, "2020年国家扶贫标准 4000元"
    profile: str = ""  # the rule profile, "国家标准（两不愁三保障）"
    indicators: Sequence[Indicator] = field(default_factory=tuple)
    conclusion: str = ""  # default from the indicators
    date: dt.date | None = None
