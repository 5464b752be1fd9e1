"""Print jobs: from the database to the printing data classes (app/printing/data.py), then to a PDF.

`prepare(ctx, request)` reads what a document needs for one household or a whole village
(app/printing/print_reads.py: which households, and their rows set-based) and turns the rows into the
frozen data classes of app/printing: labels instead of codes, figures computed by app/domain.
`print_document(ctx, request, out, ...)` then writes the PDF; it is an op the UI runner can call
(with a progress callback) and what `kace print` runs.
"""


from __future__ import annotations

import json
from collections import defaultdict
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from app import printing
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
from app.domain.workflow import EXITED, PROCESSES, PUBLICITY_DAYS
from app.ops.context import OpContext
from app.printing import data as pd
from app.printing.job import Output, Progress
from app.printing.notice import TITLES as NOTICE_TITLES
from app.printing.print_reads import (
    DOCUMENTS,
    NOTICE_KINDS,
    SETTING_DEFAULTS,
    NotFound,
    NothingToPrint,
    PrintRequest,
    Records,
    data_year,
    read_scope,
)

TRANSFER_ITEM_NAMES = frozenset(TRANSFER_ITEMS)
NO_PROBLEM = "无"


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


def _group(records: Records, h: Any) -> str:
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


def _income_data(records: Records, h: Any) -> pd.IncomeData | None:
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


def _visitor(records: Records, v: Any) -> str:
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


def _policies(records: Records, h: Any) -> list[str]:
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


def _card(records: Records, h: Any, year: int) -> pd.HouseholdCardData:
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


def _register(records: Records, year: int, per_member: bool) -> pd.RegisterData:
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


def _notices(records: Records, kind: str, year: int, today: date) -> list[pd.NoticeData]:
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


def _visit_form(records: Records, h: Any, blank: bool) -> pd.VisitFormData:
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


def _exit_form(records: Records, h: Any, year: int, today: date) -> pd.ExitFormData:
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


def prepare(ctx: OpContext, request: PrintRequest) -> Prepared:
    """Read and convert everything the document needs (NotFound / NothingToPrint in Chinese)."""
    _check(request)
    today = ctx.today
    year = request.year or today.year
    with ctx.read() as session:
        if request.document == "exit-form" and not request.year:
            year = data_year(session, request) or year  # the exit is assessed for the data's 年度
        scope = read_scope(session, request, year)
        parts = set(_PARTS[request.document])
        if request.members and request.document == "register":
            parts.add("members")
        records = Records(session, scope, year, frozenset(parts))
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

