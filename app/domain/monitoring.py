"""防止返贫监测 (domain.md §6): the attention flags of a household, each with its evidence.

Flags are computed for every household from its plain records (app/domain/records.Dataset); the
process (发现 → 入户核实 → 村级评议 → 乡镇审核 → 县级确认纳入 → 帮扶 → 风险消除) is the "monitor" process
of app/domain/workflow.py, and `household_changes` says what each of its steps writes on the household.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from app.domain import codes, workflow
from app.domain.errors import DomainError
from app.domain.exit_facts import (
    DISABLED,
    child_out_of_school,
    health_codes,
    member_age,
)
from app.domain.records import Dataset, HouseholdRec, is_normal

DROP_SHARE = Decimal("0.30")  # income dropped by 30% or more from last year
SERIOUS = codes.HEALTH.code("患有大病")
DISASTER = codes.CAUSE.code("因灾")
# 家庭变化 noted on a visit that may mean a sudden hardship: illness or accident, work, house, income.
HARDSHIP_CHANGES = frozenset(codes.VISIT_CHANGE.code(x) for x in ("健康", "就业", "住房", "收入"))
UNDER_WATCH = codes.RISK_STATUS.code("风险未消除")
CLEARED = codes.RISK_STATUS.code("风险已消除")

FLAGS = {
    "income_low": "人均纯收入低于扶贫标准的1.5倍",
    "income_drop": "人均纯收入比上年下降30%以上",
    "medical": "有成员患大病（医疗支出大）",
    "new_disability": "成员新增残疾",
    "hardship": "走访发现突发变故（疾病、事故、失业、灾情）",
    "disaster": "因灾致贫或受灾",
    "danger_house": "住房为危房",
    "out_of_school": "有义务教育阶段儿童失学辍学",
}


@dataclass(frozen=True)
class Flag:
    key: str
    title: str
    evidence: str


def household_flags(ds: Dataset, h: HouseholdRec) -> list[Flag]:
    """Every flag of §6 that the household's records raise, with the figures that raise it."""
    out: list[Flag] = []

    def flag(key: str, evidence: str) -> None:
        out.append(Flag(key, FLAGS[key], evidence))

    year, today = ds.year, ds.today
    incomes = ds.incomes.get(h.id, {})
    current = incomes.get(year) or (incomes[max(incomes)] if incomes else None)
    if current is not None and current.per_capita is not None:
        line = ds.line(h, current.year)
        threshold = line.monitoring_threshold()
        if current.per_capita < threshold:
            flag("income_low", f"{current.year}年人均纯收入{current.per_capita}元，低于{threshold}元"
                               f"（{line.describe()}的1.5倍）")
        before = incomes.get(current.year - 1)
        if before is not None and before.per_capita and before.per_capita > 0:
            drop = (before.per_capita - current.per_capita) / before.per_capita
            if drop >= DROP_SHARE:
                flag("income_drop", f"人均纯收入由{current.year - 1}年{before.per_capita}元降至"
                                    f"{current.year}年{current.per_capita}元，下降{(drop * 100).quantize(Decimal('0.1'))}%")
    members = [m for m in ds.members.get(h.id, ()) if is_normal(m)]
    sick = [m.name for m in members if SERIOUS in health_codes(m)]
    if sick:
        flag("medical", f"患大病：{'、'.join(sick)}")
    newly = [f"{m.name}（{m.disability_year}年）" for m in members
             if DISABLED in health_codes(m) and m.disability_year and m.disability_year >= year - 1]
    if newly:
        flag("new_disability", f"新增残疾：{'、'.join(newly)}")
    for v in sorted(ds.visits.get(h.id, ()), key=lambda v: v.visit_date, reverse=True):
        changed = set(v.changes.split(",")) if v.changes else set()
        if v.visit_date <= today and changed & HARDSHIP_CHANGES:
            labels = "、".join(codes.VISIT_CHANGE.label(c) for c in sorted(changed & HARDSHIP_CHANGES))
            note = f"：{v.change_note}" if v.change_note else ""
            flag("hardship", f"{v.visit_date.isoformat()}走访记录家庭变化：{labels}{note}")
            break
    causes = {h.main_cause, *(h.other_causes.split(",") if h.other_causes else ())}
    if DISASTER in causes:
        flag("disaster", "致贫原因含“因灾”")
    c = ds.conditions.get(h.id)
    if c is not None and c.house_safety in codes.UNSAFE_HOUSE and not (c.house_rebuilt or c.relocated):
        flag("danger_house", f"住房安全等级：{codes.HOUSE_SAFETY.label(c.house_safety)}，未改造")
    out_of_school = [f"{m.name}（{member_age(m, today)}岁）" for m in members
                     if child_out_of_school(m, member_age(m, today))]
    if out_of_school:
        flag("out_of_school", f"失学辍学：{'、'.join(out_of_school)}")
    return out


def suggested_type(h: HouseholdRec) -> str:
    """The 监测对象类型 a flagged household would be registered as."""
    if h.status == workflow.EXITED:
        return codes.MONITORING_TYPE.code("脱贫不稳定户")
    if h.status is None:
        return codes.MONITORING_TYPE.code("边缘易致贫户")
    return codes.MONITORING_TYPE.code("突发严重困难户")


def can_start(h_risk_status: str | None, h_status: str | None) -> None:
    """A household already under monitoring (风险未消除) cannot be reported again."""
    if h_status == workflow.CANCELLED:
        raise DomainError("户状态", "已注销的户不能纳入防止返贫监测")
    if h_risk_status == UNDER_WATCH:
        raise DomainError("风险状态", "该户已是监测对象（风险未消除），请先记录风险消除")


def household_changes(step: int, passed: bool, on: date, monitoring_type: str | None,
                      current_type: str | None) -> dict:
    """What a step of the monitor process writes on the household."""
    if not passed:
        return {}
    if step == 5:
        kind = monitoring_type or current_type
        if not kind:
            raise DomainError("监测对象类型", "县级确认纳入时请选择监测对象类型")
        return {"monitoring_type": codes.MONITORING_TYPE.code(kind), "risk_status": UNDER_WATCH,
                "risk_identified_on": on, "risk_cleared_on": None}
    if step == 7:
        return {"risk_status": CLEARED, "risk_cleared_on": on}
    return {}
