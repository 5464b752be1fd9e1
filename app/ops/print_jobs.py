"""Print jobs: from the database to the printing data classes (app/printing/data.py), then to a PDF.

`prepare(ctx, request)` reads what a document needs for one household or a whole village, set-based
(one query per table for the whole scope, never one per household), and turns the rows into the
frozen data classes of app/printing: labels instead of codes, figures computed by app/domain.
`print_document(ctx, request, out, ...)` then writes the PDF; it is an op the UI runner can call
(with a progress callback) and what `kace print` runs.

Which households a village prints:
  - register (村有册): the registered households (新识别, 未脱贫, 预脱贫, 已脱贫, 返贫), not 注销;
    the per-member variant lists their members in status 正常;
  - card, mingbai, visit-form: the registered households plus the households under monitoring;
  - notice: identify → status 新识别贫困户; exit → 预脱贫; monitor → monitoring type set and the risk
    not marked 风险已消除 (a cleared household is not proposed for monitoring);
  - exit-form: status 预脱贫, or an exit assessment recorded for the year.
One household (by 户编号) prints whatever its status.

County settings read from the `setting` table (defaults in SETTING_DEFAULTS): `supervision_phone`
(监督电话, default 12317, the national 扶贫监督举报电话), `objection_place` (where to object during a
公示), `exit_profile` (the exit rule profile of app/domain/exit_rules).
"""

from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import Select, select
from sqlalchemy.orm import Session

from app import paths, printing
from app.db.models import (
    Assignment,
    Conditions,
    ExitAssessment,
    Helper,
    Household,
    Income,
    Loan,
    Measure,
    Member,
    MonitoringRecord,
    Plan,
    Region,
    Setting,
    Visit,
    WorkflowStep,
)
from app.domain import codes, exit_facts, fields
from app.domain import records as rec
from app.domain.errors import DomainError
from app.domain.exit_rules import PROFILES, HouseholdFacts, assess_household
from app.domain.income import (
    FIELD_LABELS,
    TRANSFER_ITEMS,
    IncomeItems,
    net_income,
    per_capita,
)
from app.domain.poverty_line import PovertyLine, PovertyLineTable
from app.domain.workflow import (
    EXITED,
    NEW,
    PRE_EXIT,
    PROCESSES,
    PUBLICITY_DAYS,
    REGISTERED,
)
from app.db.poverty_lines import poverty_lines
from app.ops.context import OpContext
from app.printing import data as pd
from app.printing.job import Output, Progress
from app.printing.notice import TITLES as NOTICE_TITLES

H, M, R = Household.__table__, Member.__table__, Region.__table__
INC, COND, HELPER, ASSIGN = Income.__table__, Conditions.__table__, Helper.__table__, Assignment.__table__
PLAN, MEASURE, LOAN, VISIT = Plan.__table__, Measure.__table__, Loan.__table__, Visit.__table__
STEP, ASSESS, MONITOR, SETTING = (WorkflowStep.__table__, ExitAssessment.__table__, MonitoringRecord.__table__,
                                  Setting.__table__)

DOCUMENTS = {  # document -> what it is called in messages
    "card": "户有卡（贫困户帮扶手册）", "mingbai": "明白卡", "register": "村有册（贫困户花名册）",
    "notice": "公示", "visit-form": "入户走访记录表", "exit-form": "贫困户退出验收表",
}
NOTICE_KINDS = {"identify": "拟识别贫困户", "exit": "拟退出贫困户", "monitor": "防止返贫监测对象"}
SETTING_DEFAULTS = {"supervision_phone": "12317", "objection_place": "村民委员会", "exit_profile": "national"}

HEAD = codes.RELATION.code("户主")
RISK_CLEARED = codes.RISK_STATUS.code("风险已消除")
TRANSFER_ITEM_NAMES = frozenset(TRANSFER_ITEMS)
NO_PROBLEM = "无"


class NotFound(DomainError):
    """The 户编号 or village code names nothing in the database."""


class NothingToPrint(DomainError):
    """The scope holds no household the document prints (a notice with no 拟识别 household...)."""


@dataclass(frozen=True)
class PrintRequest:
    """What to print: a document for households (户编号) or for a village (12-digit code).

    `kind` is the notice kind (identify / exit / monitor), `members` the per-member register, `year`
    the year of the record (default: this year), `blank` visit forms without the latest visit.
    """

    document: str
    households: tuple[str, ...] = ()
    village: str | None = None
    kind: str = "identify"
    members: bool = False
    year: int | None = None
    blank: bool = False


@dataclass
class Prepared:
    """The data of a print run, read and converted; `write` lays it out."""

    request: PrintRequest
    items: list
    households: int  # how many households the document covers
    place: str  # the village (or 户编号) in messages
    writer: Callable[..., printing.PrintResult]

    @property
    def title(self) -> str:
        """"石山村 村有册（贫困户花名册）", "石山村 拟退出贫困户公示"."""
        doc = self.request.document
        name = NOTICE_TITLES[self.request.kind][0] if doc == "notice" else DOCUMENTS[doc]
        return f"{self.place} {name}"

    def write(self, out: Output, opts: printing.PrintOptions | None = None) -> printing.PrintResult:
        return self.writer(self.items, out, opts)


# --- the scope --------------------------------------------------------------------------------


@dataclass
class _Scope:
    where: Any  # the households, as a condition on the household table
    place: str


def _village(session: Session, code: str) -> Any:
    """The village with this 12-digit code (or this id)."""
    code = code.strip()
    row = session.execute(
        select(R.c.id, R.c.code, R.c.name)
        .where((R.c.code == code) | (R.c.id == code), R.c.level == "village", R.c.deleted.is_(False))
    ).first()
    if row is None:
        raise NotFound("村", f"村不存在：{code}（可用 {paths.cli_name()} villages 查看各村区划代码）")
    return row


def _household_ids(session: Session, household_codes: Sequence[str]) -> list[str]:
    """Household ids for 户编号 (or the national 户编号, or the id itself), in the order given."""
    ids = []
    for code in household_codes:
        code = code.strip()
        found = None
        for column in (H.c.code, H.c.national_code, H.c.id):
            found = session.execute(select(H.c.id).where(column == code, H.c.deleted.is_(False))).scalar()
            if found:
                break
        if found is None:
            raise NotFound("户编号", f"户编号不存在：{code}")
        ids.append(found)
    return ids


def _village_filter(request: PrintRequest, year: int) -> tuple[Any, str]:
    """Which households of a village the document prints, and what they are called."""
    live = H.c.deleted.is_(False)
    registered = H.c.status.in_(sorted(REGISTERED))
    if request.document == "register":
        return live & registered, "建档立卡贫困户"
    if request.document == "notice":
        monitored = H.c.monitoring_type.is_not(None) & ((H.c.risk_status != RISK_CLEARED) | H.c.risk_status.is_(None))
        kind = {"identify": H.c.status == NEW, "exit": H.c.status == PRE_EXIT, "monitor": monitored}[request.kind]
        return live & kind, NOTICE_KINDS[request.kind]
    if request.document == "exit-form":
        assessed = select(ASSESS.c.household_id).where(ASSESS.c.year == year, ASSESS.c.deleted.is_(False))
        return live & ((H.c.status == PRE_EXIT) | H.c.id.in_(assessed)), "拟退出贫困户"
    return live & (registered | H.c.monitoring_type.is_not(None)), "建档立卡贫困户或监测对象"


def _scope(session: Session, request: PrintRequest, year: int) -> _Scope:
    if request.households:
        ids = _household_ids(session, request.households)
        named = session.execute(select(H.c.code, H.c.head_name).where(H.c.id.in_(ids)).order_by(H.c.code)).all()
        place = f"{named[0].code} {named[0].head_name or ''}".strip() if len(named) == 1 else f"{len(named)}户"
        return _Scope(H.c.id.in_(ids), place)
    if not request.village:
        raise DomainError("打印范围", "请指定户编号或村")
    village = _village(session, request.village)
    where, what = _village_filter(request, year)
    where = where & (H.c.village_id == village.id)
    if session.execute(select(H.c.id).where(where).limit(1)).first() is None:
        raise NothingToPrint("打印范围", f"{village.name}没有{what}，没有可打印的{DOCUMENTS[request.document]}。")
    return _Scope(where, village.name)


# --- reading ----------------------------------------------------------------------------------


def _settings(session: Session) -> dict[str, str]:
    rows = session.execute(select(SETTING.c.key, SETTING.c.value).where(SETTING.c.key.in_(SETTING_DEFAULTS)))
    return {**SETTING_DEFAULTS, **{k: v for k, v in rows if v}}


def _by_household(rows: Iterable[Any]) -> dict[str, list[Any]]:
    out: dict[str, list[Any]] = defaultdict(list)
    for r in rows:
        out[r.household_id].append(r)
    return out


class _Records:
    """The rows of the scope's households, table by table, grouped by household."""

    def __init__(self, session: Session, scope: _Scope, year: int, parts: frozenset[str]):
        self.session, self.year, self.scope = session, year, scope
        grp = R.alias("grp")  # households in print order: by group, then 户编号
        self.households = session.execute(
            select(H).join(grp, grp.c.id == H.c.group_id, isouter=True).where(scope.where)
            .order_by(grp.c.code, H.c.code)
        ).all()
        empty: dict = {}
        self.conditions = self.plans = self.assessments = self.last_visit = self.risks = empty
        self.measures = self.loans = self.steps = self.visits = empty
        self.members: dict[str, list[Any]] = {}
        if "members" in parts:  # head first, then by relation and age
            self.members = _by_household(self._where(M, M.c.household_id, order=(M.c.relation, M.c.birth_date, M.c.id)))
        self.lines: PovertyLineTable = poverty_lines(session)
        self._line_cache: dict[tuple[int, str], PovertyLine] = {}
        self.incomes: dict[str, dict[int, Any]] = defaultdict(dict)
        for r in self._where(INC, INC.c.household_id, INC.c.year <= year):
            self.incomes[r.household_id][r.year] = r
        self.settings = _settings(session)
        self._regions()
        self.helpers: dict[str, Any] = {}
        self.assignments = _by_household(self._where(ASSIGN, ASSIGN.c.household_id, order=(ASSIGN.c.start_date,)))
        helper_ids = {a.helper_id for rows in self.assignments.values() for a in rows}
        for r in self._chunked(HELPER, HELPER.c.id, sorted(helper_ids)):
            self.helpers[r.id] = r
        if "record" in parts:
            self.conditions, self.plans = {}, {}  # the household's whole file: card, mingbai, exit form
            for table, store in ((COND, self.conditions), (PLAN, self.plans)):
                for r in self._where(table, table.c.household_id, table.c.year <= year, order=(table.c.year,)):
                    store[r.household_id] = r  # the latest year wins
            self.measures = _by_household(self._where(
                MEASURE, MEASURE.c.household_id, MEASURE.c.year <= year, order=(MEASURE.c.year, MEASURE.c.type)))
            self.loans = _by_household(self._where(LOAN, LOAN.c.household_id, order=(LOAN.c.start_date,)))
            self.steps = _by_household(self._where(
                STEP, STEP.c.household_id, STEP.c.process.in_(("exit", "fallback")),
                order=(STEP.c.step_date, STEP.c.step)))
            self.assessments = {r.household_id: r for r in self._where(  # the newest of the year wins
                ASSESS, ASSESS.c.household_id, ASSESS.c.year == year, order=(ASSESS.c.assessed_on, ASSESS.c.id))}
        if "visits" in parts:
            first, last = date(year, 1, 1), date(year, 12, 31)
            self.visits = _by_household(self._where(
                VISIT, VISIT.c.household_id, VISIT.c.visit_date.between(first, last),
                order=(VISIT.c.visit_date, VISIT.c.id)))
        if "last_visit" in parts:
            latest = (select(VISIT.c.household_id, VISIT.c.visit_date, VISIT.c.id)
                      .where(VISIT.c.household_id.in_(self._id_select()), VISIT.c.deleted.is_(False))
                      .order_by(VISIT.c.household_id, VISIT.c.visit_date, VISIT.c.id))
            last_ids = {hid: vid for hid, _, vid in session.execute(latest)}  # the last row per household wins
            self.last_visit = {r.household_id: r for r in self._chunked(VISIT, VISIT.c.id, sorted(last_ids.values()))}
        if "monitoring" in parts:
            self.risks = {r.household_id: r.reason for r in self._where(
                MONITOR, MONITOR.c.household_id, MONITOR.c.reason.is_not(None),
                order=(MONITOR.c.record_date, MONITOR.c.id))}

    # Scope queries: the ids travel as a sub-select on the household table, one query per table.
    def _id_select(self) -> Select:
        return select(H.c.id).where(self.scope.where)

    def _where(self, table, key, *where, order=()) -> list:
        live = table.c.deleted.is_(False)
        query = select(table).where(key.in_(self._id_select()), live, *where).order_by(*order)
        return self.session.execute(query).all()

    def _chunked(self, table, key, values: list[str]) -> list:
        out = []
        for start in range(0, len(values), 500):
            out += self.session.execute(select(table).where(key.in_(values[start:start + 500]))).all()
        return out

    def _regions(self) -> None:
        """Headers (省 市 县 乡 村) of the villages involved and the names of their groups."""
        village_ids = sorted({h.village_id for h in self.households})
        regions: dict[str, Any] = {}
        wanted = set(village_ids)
        while wanted:
            rows = self.session.execute(select(R.c.id, R.c.code, R.c.name, R.c.level, R.c.parent_id)
                                        .where(R.c.id.in_(sorted(wanted)))).all()
            regions.update({r.id: r for r in rows})
            wanted = {r.parent_id for r in rows if r.parent_id and r.parent_id not in regions}
        self.headers: dict[str, pd.RegionHeader] = {}
        self.village_codes: dict[str, str] = {}
        for vid in village_ids:
            names: dict[str, str] = {}
            node = regions.get(vid)
            while node is not None:
                names[node.level] = node.name
                node = regions.get(node.parent_id)
            code = regions[vid].code
            self.village_codes[vid] = code
            self.headers[vid] = pd.RegionHeader(
                province=names.get("province", ""), prefecture=names.get("prefecture", ""),
                county=names.get("county", ""), township=names.get("township", ""),
                village=names.get("village", ""), village_code=code)
        self.groups = {r.id: r.name for r in self.session.execute(
            select(R.c.id, R.c.name).where(R.c.parent_id.in_(village_ids), R.c.level == "group"))}

    # --- per household ----------------------------------------------------------------------

    def line(self, h: Any, year: int) -> PovertyLine:
        county = self.village_codes[h.village_id][:6]
        key = (year, county)
        if key not in self._line_cache:
            self._line_cache[key] = self.lines.line_for(year, province_code=county[:2], county_code=county)
        return self._line_cache[key]

    def income(self, h: Any) -> Any | None:
        """The income record of the year, or failing that the latest earlier one."""
        by_year = self.incomes.get(h.id)
        return by_year[max(by_year)] if by_year else None

    def current_helper(self, h: Any) -> Any | None:
        current = [a for a in self.assignments.get(h.id, ()) if a.end_date is None]
        return self.helpers.get(current[-1].helper_id) if current else None

    def head(self, h: Any) -> Any | None:
        members = self.members.get(h.id, ())
        return next((m for m in members if m.relation == HEAD), members[0] if members else None)


# --- values as printed ------------------------------------------------------------------------


def _label(codelist: codes.CodeList, code: str | None) -> str:
    return codelist.label(code) if code else ""


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("是" if value else "否")


def _number(value: Decimal | int | None) -> str:
    """3.5, 10, 0.25: a quantity without trailing zeros."""
    if value is None:
        return ""
    if isinstance(value, Decimal):
        return format(value.normalize(), "f") if value else "0"
    return str(value)


def _category(h: Any) -> str:
    return codes.category_display(h.category, h.status == EXITED) if h.category else ""


def _group(records: _Records, h: Any) -> str:
    return records.groups.get(h.group_id, "")


def _insured(resident: bool | None, employee: bool | None, employee_label: str) -> str:
    """医保 / 养老保险 column: 是 (residents' scheme), the employees' scheme, 否, or blank when unknown."""
    if resident:
        return "是"
    return employee_label if employee else _yes_no(resident)


def member_row(m: Any) -> pd.MemberRow:
    return pd.MemberRow(
        name=m.name, sex=m.sex or "", id_number=m.id_number or "", relation=_label(codes.RELATION, m.relation),
        ethnicity=_label(codes.ETHNICITY, m.ethnicity), education=_label(codes.EDUCATION, m.education),
        schooling=_label(codes.SCHOOLING, m.schooling), health=codes.set_labels(codes.HEALTH, m.health),
        labour=_label(codes.LABOUR, m.labour), work=_label(codes.WORK, m.work), work_months=m.work_months,
        medical=_insured(m.medical_insured, m.employee_medical, "职工医保"),
        pension=_insured(m.pension_insured, m.employee_pension, "职工养老"),
        status=_label(codes.MEMBER_STATUS, m.status) or "正常",
    )


def _income_data(records: _Records, h: Any) -> pd.IncomeData | None:
    row = records.income(h)
    if row is None:
        return None
    items = IncomeItems(**{name: getattr(row, name) or Decimal(0) for name in FIELD_LABELS})
    lines = []
    for name, label in FIELD_LABELS.items():
        amount = items.money(name)
        if name in TRANSFER_ITEM_NAMES:
            if amount:
                lines.append(pd.IncomeLine(label=f"其中：{label}", amount=amount, level=1))
        else:
            lines.append(pd.IncomeLine(label=label, amount=amount))
    net = net_income(items)
    pc = per_capita(net, row.household_size)
    line = records.line(h, row.year)
    result = "未测算（家庭人口为0）" if pc is None else ("达标" if pc > line.amount else "未达标")
    return pd.IncomeData(year=row.year, lines=lines, net_income=net, size=row.household_size, per_capita=pc,
                         line_text=line.describe(), result=result)


def _conditions(row: Any | None) -> list[tuple[str, str]]:
    if row is None:
        return []
    coded = fields.CODED["conditions"]
    pairs = [("调查年度", str(row.year))]
    for name, label in fields.LABELS["conditions"].items():
        if name == "year":
            continue
        value = getattr(row, name)
        if name in coded:
            text = _label(coded[name], value)
        elif isinstance(value, bool):
            text = _yes_no(value)
        else:
            text = _number(value)
        pairs.append((label, text))
    return pairs


def _helper(row: Any, a: Any = None) -> pd.HelperData:
    return pd.HelperData(name=row.name, unit=row.unit or "", post=row.post or "", phone=row.phone or "",
                         start=a.start_date if a is not None else None, end=a.end_date if a is not None else None)


def _loan(row: Any) -> pd.LoanRow:
    months = row.term_months
    term = "" if not months else (f"{months // 12}年" if months % 12 == 0 else f"{months}个月")
    if row.repaid_on or (row.repaid_amount is not None and row.repaid_amount >= row.amount):
        repaid = "已还清"
    elif row.repaid_amount:
        repaid = f"已还{_number(row.repaid_amount)}元"
    else:
        repaid = "未还清"
    return pd.LoanRow(amount=row.amount, bank=row.bank or "", start=row.start_date, term=term, repaid=repaid)


def _changes(v: Any) -> list[str]:
    return [codes.VISIT_CHANGE.label(c) for c in codes.decode_set(codes.VISIT_CHANGE, v.changes)]


def _visit_summary(v: Any) -> str:
    parts = []
    changed = _changes(v)
    if changed or v.change_note:
        parts.append("家庭变化：" + "、".join(changed) + (f"（{v.change_note}）" if v.change_note else ""))
    if v.problems and v.problems.strip() != NO_PROBLEM:
        parts.append(f"问题和诉求：{v.problems}")
    if v.measures_progress:
        parts.append(v.measures_progress)
    if v.next_steps:
        parts.append(f"下一步：{v.next_steps}")
    return "；".join(parts)


def _visitor(records: _Records, v: Any) -> str:
    if v.visitors:
        return v.visitors
    helper = records.helpers.get(v.helper_id)
    return helper.name if helper else ""


def _step(s: Any) -> pd.StepRow:
    process = PROCESSES.get(s.process)
    name = process.step(s.step).name if process and 1 <= s.step <= process.last else f"第{s.step}步"
    if process and process.key != "exit":
        name = f"{process.title}：{name}"
    result = "；".join(p for p in (s.result, s.note) if p)
    return pd.StepRow(step=name, date=s.step_date, by=s.actor or "", result=result)


def _policies(records: _Records, h: Any) -> list[str]:
    """享受政策 for the 明白卡, read from the record (members, income, conditions, loans)."""
    members = [m for m in records.members.get(h.id, ()) if rec.is_normal(m)]
    income = records.income(h)
    out = []
    if any(m.dibao for m in members):
        money = income.dibao_money if income is not None and income.dibao_money else None
        out.append("农村最低生活保障" + (f"（低保金{_number(money)}元/年）" if money else ""))
    if any(m.tekun for m in members):
        out.append("特困人员救助供养")
    insured = sum(bool(m.medical_insured) for m in members)
    if insured:
        out.append(f"城乡居民基本医疗保险（{insured}人参保）")
    if any(m.critical_insured for m in members):
        out.append("大病保险")
    pension = sum(bool(m.pension_insured) for m in members)
    if pension:
        out.append(f"城乡居民基本养老保险（{pension}人参保）")
    pupils = sum(codes.attends_school(m.schooling) for m in members)
    if pupils:
        out.append(f"教育资助（在校生{pupils}人）")
    c = records.conditions.get(h.id)
    if c is not None and c.house_rebuilt:
        out.append("农村危房改造")
    if c is not None and c.relocated:
        out.append("易地扶贫搬迁")
    if income is not None and income.eco_compensation:
        out.append(f"生态补偿（{_number(income.eco_compensation)}元/年）")
    for loan in records.loans.get(h.id, ()):
        out.append(f"扶贫小额信贷（{_number(loan.amount)}元，财政贴息）")
    return out


# --- documents --------------------------------------------------------------------------------


def _card(records: _Records, h: Any, year: int) -> pd.HouseholdCardData:
    head = records.head(h)
    helper = records.current_helper(h)
    history = [_helper(records.helpers[a.helper_id], a) for a in records.assignments.get(h.id, ())
               if a.end_date is not None and a.helper_id in records.helpers]
    current = next((a for a in reversed(records.assignments.get(h.id, ())) if a.end_date is None), None)
    plan = records.plans.get(h.id)
    return pd.HouseholdCardData(
        header=records.headers[h.village_id], code=h.code, year=year,
        head_name=h.head_name or (head.name if head else ""), head_id=h.head_id_number or "",
        group=_group(records, h), phone=h.phone or "", size=h.size or 0, category=_category(h),
        status=_label(codes.HOUSEHOLD_STATUS, h.status) or _label(codes.MONITORING_TYPE, h.monitoring_type),
        standard=_label(codes.STANDARD, h.standard), main_cause=_label(codes.CAUSE, h.main_cause),
        other_causes=codes.set_labels(codes.CAUSE, h.other_causes, "、"),
        identified_year=h.identified_year, planned_exit_year=h.planned_exit_year, exit_year=h.exit_year,
        members=[member_row(m) for m in records.members.get(h.id, ())],
        conditions=_conditions(records.conditions.get(h.id)),
        income=_income_data(records, h),
        plan=pd.PlanData(year=plan.year, goal=plan.goal or "", measures=plan.main_measures or "",
                         expected=plan.expected_increase) if plan else None,
        measures=[pd.MeasureRow(kind=_label(codes.MEASURE_TYPE, m.type), content=m.content or "", year=m.year,
                                amount=m.amount, source=_label(codes.FUND_SOURCE, m.source),
                                status=_label(codes.MEASURE_STATUS, m.status))
                  for m in records.measures.get(h.id, ())],
        loans=[_loan(x) for x in records.loans.get(h.id, ())],
        helper=_helper(helper, current) if helper else None,
        helper_history=history,
        visits=[pd.VisitRow(date=v.visit_date, visitor=_visitor(records, v), kind=_label(codes.VISIT_KIND, v.kind),
                            summary=_visit_summary(v)) for v in records.visits.get(h.id, ())],
        exit_steps=[_step(s) for s in records.steps.get(h.id, ())],
        policies=_policies(records, h),
        supervision_phone=records.settings["supervision_phone"],
    )


def _register(records: _Records, year: int, per_member: bool) -> pd.RegisterData:
    rows, member_rows = [], []
    for h in records.households:
        group = _group(records, h)
        if per_member:
            member_rows += [pd.MemberRegisterRow(group=group, household_code=h.code, member=member_row(m))
                            for m in records.members.get(h.id, ()) if rec.is_normal(m)]
            continue
        helper = records.current_helper(h)
        income = records.income(h)
        notes = []
        if income is not None and income.year != year:
            notes.append(f"收入为{income.year}年")
        if h.monitoring_type:
            notes.append(f"监测：{_label(codes.MONITORING_TYPE, h.monitoring_type)}")
        if h.note:
            notes.append(h.note)
        rows.append(pd.RegisterRow(
            group=group, code=h.code, head_name=h.head_name or "", head_id=h.head_id_number or "", size=h.size or 0,
            category=_category(h), main_cause=_label(codes.CAUSE, h.main_cause), identified_year=h.identified_year,
            status=_label(codes.HOUSEHOLD_STATUS, h.status), exit_year=h.exit_year,
            per_capita=income.per_capita if income is not None else None,
            helper=helper.name if helper else "", phone=h.phone or "", note="；".join(notes)))
    header = records.headers[records.households[0].village_id]
    return pd.RegisterData(header=header, year=year, rows=rows, per_member=per_member, member_rows=member_rows)


def _notices(records: _Records, kind: str, year: int, today: date) -> list[pd.NoticeData]:
    by_village: dict[str, list[pd.NoticeRow]] = defaultdict(list)
    for h in records.households:
        income = records.income(h)
        risk = records.risks.get(h.id) or _label(codes.CAUSE, h.main_cause)
        by_village[h.village_id].append(pd.NoticeRow(
            group=_group(records, h), head_name=h.head_name or "", size=h.size or 0, id_number=h.head_id_number or "",
            main_cause=_label(codes.CAUSE, h.main_cause), per_capita=income.per_capita if income is not None else None,
            monitor_type=_label(codes.MONITORING_TYPE, h.monitoring_type), risk=risk, phone=h.phone or ""))
    settings = records.settings
    return [pd.NoticeData(kind=kind, header=records.headers[vid], rows=rows, period_from=today,
                          period_to=today + timedelta(days=PUBLICITY_DAYS - 1),
                          supervision_phone=settings["supervision_phone"], objection_place=settings["objection_place"],
                          date=today, year=year)
            for vid, rows in by_village.items()]


def _visit_form(records: _Records, h: Any, blank: bool) -> pd.VisitFormData:
    helper = records.current_helper(h)
    base = {"header": records.headers[h.village_id], "household_code": h.code, "head_name": h.head_name or "",
            "group": _group(records, h), "phone": h.phone or "", "helper": helper.name if helper else ""}
    v = None if blank else records.last_visit.get(h.id)
    if v is None:
        return pd.VisitFormData(**base)
    note = v.change_note or "有变化"
    return pd.VisitFormData(
        **base, date=v.visit_date, visitors=_visitor(records, v), kind=_label(codes.VISIT_KIND, v.kind),
        met=v.met_person or "", changes=[(label, note) for label in _changes(v)], problems=v.problems or "",
        progress=v.measures_progress or "", next_steps=v.next_steps or "")


def _rec(record_type: type, row: Any) -> Any:
    return record_type(*(getattr(row, name) for name in rec.columns(record_type)))


def _stored_facts(inputs: str | None) -> HouseholdFacts | None:
    """The facts an assessment was made on: inputs are {"profile", "year", "facts": {...}}
    (app/ops/exit_assessment) or, older, the facts themselves."""
    data = json.loads(inputs) if inputs else {}
    data = data.get("facts", data)
    return exit_facts.facts_from_json(data) if "line" in data else None


def _exit_form(records: _Records, h: Any, year: int, today: date) -> pd.ExitFormData:
    base = {"header": records.headers[h.village_id], "household_code": h.code, "head_name": h.head_name or "",
            "year": year, "group": _group(records, h), "size": h.size or 0, "category": _category(h),
            "identified_year": h.identified_year}
    stored = records.assessments.get(h.id)
    if stored is not None:  # print what was assessed, not what the record says today
        indicators = exit_facts.indicators_from_json(json.loads(stored.indicators))
        facts = _stored_facts(stored.inputs)
        profile = PROFILES[stored.profile].title if stored.profile in PROFILES else stored.profile
        when = stored.assessed_on
    else:
        income = records.income(h)
        line = records.line(h, income.year if income is not None else year)
        on = min(today, date(year, 12, 31))
        members = [_rec(rec.MemberRec, m) for m in records.members.get(h.id, ())]
        conditions = records.conditions.get(h.id)
        facts = exit_facts.household_facts(
            members, _rec(rec.ConditionsRec, conditions) if conditions is not None else None,
            _rec(rec.IncomeRec, income) if income is not None else None, line, year, on,
            h.reported_per_capita if getattr(h, "reported_income_year", None) == year else None)
        key = records.settings["exit_profile"]
        key = key if key in PROFILES else "national"
        indicators, profile, when = assess_household(facts, key), PROFILES[key].title, None
    if facts is not None:
        base.update(per_capita=facts.per_capita, line_text=facts.line.describe())
    return pd.ExitFormData(**base, profile=profile, date=when, indicators=[
        pd.Indicator(name=i.name, figure=i.evidence, passed=i.passed, missing=i.missing) for i in indicators])


# --- the op -----------------------------------------------------------------------------------

_PARTS = {  # what each document reads besides households, incomes and helpers
    "card": {"members", "record", "visits"}, "mingbai": {"members", "record"}, "register": set(),
    "notice": {"monitoring"}, "visit-form": {"last_visit"}, "exit-form": {"members", "record"},
}
_WRITERS = {
    "card": printing.write_cards, "mingbai": printing.write_mingbai_cards, "notice": printing.write_notices,
    "visit-form": printing.write_visit_forms, "exit-form": printing.write_exit_forms,
    "register": printing.write_registers,
}


def _check(request: PrintRequest) -> None:
    if request.document not in DOCUMENTS:
        raise DomainError("文书", f"未知的文书：{request.document}（可选：{'、'.join(DOCUMENTS)}）")
    if request.document == "notice" and request.kind not in NOTICE_KINDS:
        raise DomainError("公示类型", f"未知的公示类型：{request.kind}（可选：{'、'.join(NOTICE_KINDS)}）")
    if bool(request.households) == bool(request.village):
        raise DomainError("打印范围", "请指定户编号或村（二者选一）")


def _data_year(session, request: PrintRequest) -> int | None:
    """The latest 年度 of the households asked for (from an imported national sheet), if any."""
    from sqlalchemy import func, or_

    query = select(func.max(H.c.data_year)).where(H.c.deleted.is_(False))
    if request.households:
        query = query.where(or_(H.c.code.in_(request.households), H.c.national_code.in_(request.households)))
    else:
        query = query.where(H.c.village_id.in_(select(R.c.id).where(R.c.code == request.village)))
    return session.execute(query).scalar()


def prepare(ctx: OpContext, request: PrintRequest) -> Prepared:
    """Read and convert everything the document needs (NotFound / NothingToPrint in Chinese)."""
    _check(request)
    today = ctx.today
    year = request.year or today.year
    with ctx.read() as session:
        if request.document == "exit-form" and not request.year:
            year = _data_year(session, request) or year  # the exit is assessed for the data's 年度
        scope = _scope(session, request, year)
        parts = set(_PARTS[request.document])
        if request.members and request.document == "register":
            parts.add("members")
        records = _Records(session, scope, year, frozenset(parts))
    doc, hs = request.document, records.households
    if doc == "register":
        items = [_register(records, year, request.members)]
    elif doc == "notice":
        items = _notices(records, request.kind, year, today)
    elif doc == "visit-form":
        items = [_visit_form(records, h, request.blank) for h in hs]
    elif doc == "exit-form":
        items = [_exit_form(records, h, year, today) for h in hs]
    else:
        items = [_card(records, h, year) for h in hs]
    return Prepared(request, items, len(hs), scope.place, _WRITERS[doc])


@dataclass(frozen=True)
class Printed:
    """What print_document made: the PrintResult and what it covers, for messages and file names."""

    result: printing.PrintResult
    title: str
    households: int

    @property
    def output(self) -> Any:
        return self.result.output

    @property
    def pages(self) -> int:
        return self.result.pages

    @property
    def missing(self) -> list[printing.MissingChar]:
        return self.result.missing


class PrintRefused(DomainError):
    """No usable font, or (strict) the font lacks characters: nothing was written."""


def print_document(
    ctx: OpContext, request: PrintRequest, out: Output, *, font: Any = None, strict: bool = False,
    progress: Progress | None = None,
) -> Printed:
    """Read, convert and print in one go (the UI runner's op). `progress(done, total)` is called per
    household/part; raising from it cancels the run and nothing is written."""
    prepared = prepare(ctx, request)
    opts = printing.PrintOptions(font=font, print_date=ctx.today, strict=strict, progress=progress)
    try:
        result = prepared.write(out, opts)
    except printing.FontError as e:
        raise PrintRefused("字体", str(e)) from e
    except printing.MissingCharsError as e:
        raise PrintRefused("字体", str(e)) from e
    return Printed(result, prepared.title, prepared.households)


__all__ = [
    "DOCUMENTS",
    "NOTICE_KINDS",
    "SETTING_DEFAULTS",
    "NotFound",
    "NothingToPrint",
    "Prepared",
    "PrintRefused",
    "PrintRequest",
    "Printed",
    "member_row",
    "prepare",
    "print_document",
]
