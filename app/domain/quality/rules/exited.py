"""EX: 已脱贫户 — households marked 已脱贫 against the exit standard (domain.md §5)."""

from __future__ import annotations

from app.domain import workflow
from app.domain.exit_facts import child_out_of_school, household_facts
from app.domain.exit_rules import assess_household
from app.domain.idcard import age_at
from app.domain.quality.registry import ERROR, WARNING, Hit, rule
from app.domain.quality.rules.common import C, EXITED
from app.domain.quality.views import HouseholdView


@rule("EX01", ERROR, "已脱贫户人均纯收入未超过扶贫标准")
def exited_below_line(hv: HouseholdView):
    if hv.h.status != EXITED:
        return None
    income = hv.incomes.get(hv.h.exit_year) if hv.h.exit_year else None
    income = income or hv.latest_income
    h = hv.h
    if (h.reported_per_capita is not None and h.reported_income_year
            and (income is None or income.year < h.reported_income_year)):
        line = hv.line(h.reported_income_year)  # the national system's figure is the newest evidence
        if h.reported_per_capita <= line.amount:
            return hv.hit("reported_per_capita", h.reported_per_capita,
                          f"已脱贫户{h.reported_income_year}年人均纯收入（国家系统）{h.reported_per_capita}元，"
                          f"未超过{line.describe()}")
        return None
    if income is None or income.per_capita is None:
        return None
    line = hv.line(income.year)
    if income.per_capita <= line.amount:
        return Hit("income", income.id, "per_capita", income.per_capita,
                   f"已脱贫户{income.year}年人均纯收入{income.per_capita}元，未超过{line.describe()}")
    return None


_TWO_THREE = ("education", "medical", "housing")


def _two_three_look_fine(hv: HouseholdView) -> bool:
    """A quick look at 义务教育, 基本医疗 and 住房 (most exited households pass); the exit rules
    themselves decide and word the finding when anything looks wrong."""
    normal = hv.normal
    if not normal or any(not (mv.m.medical_insured or mv.m.employee_medical) or not mv.m.critical_insured
                         for mv in normal):
        return False
    today = hv.ds.today
    for mv in normal:
        birth = mv.m.birth_date
        if birth and 5 <= today.year - birth.year <= 16 and child_out_of_school(mv.m, age_at(birth, today)):
            return False
    c = hv.conditions
    if c is None:
        return False
    return bool(c.house_rebuilt or c.relocated) or (c.house_safety is not None and c.house_safety not in C.UNSAFE_HOUSE)


def _exit_indicators(hv: HouseholdView):
    year = hv.ds.year
    reported = hv.h.reported_per_capita if hv.h.reported_income_year == year else None
    facts = household_facts([mv.m for mv in hv.members], hv.conditions, hv.latest_income, hv.line(year), year,
                            hv.ds.today, reported)
    return assess_household(facts, hv.ds.exit_profile)


@rule("EX02", ERROR, "已脱贫户“两不愁三保障”有指标未达标")
def exited_failing(hv: HouseholdView):
    if hv.h.status != EXITED or _two_three_look_fine(hv):
        return None
    failing = [i for i in _exit_indicators(hv) if i.key in _TWO_THREE and not i.passed and not i.missing]
    if failing:
        text = "；".join(f"{i.name}：{i.evidence}" for i in failing)
        return hv.hit("status", "已脱贫", f"户状态为已脱贫，但{text}")
    return None


# The fact each indicator needs, for the finding's field.
_INDICATOR_FIELD = {"food": "food_secure", "clothing": "clothing_secure", "housing": "house_safety",
                    "water": "water_safe", "income": "per_capita", "electricity": "household_power",
                    "tv": "radio_tv", "road": "road_type", "income_source": "per_capita"}


@rule("EX06", WARNING, "已脱贫户退出指标资料不全（未记录，不是未达标）")
def exited_incomplete(hv: HouseholdView):
    if hv.h.status != EXITED:
        return None
    missing = [i for i in _exit_indicators(hv) if i.missing]
    if not missing:
        return None
    names = "、".join(i.name for i in missing)
    return hv.hit(_INDICATOR_FIELD.get(missing[0].key, "status"), None,
                  f"户状态为已脱贫，以下指标没有记录，资料不全：{names}")


@rule("EX03", ERROR, "已脱贫户饮水不安全")
def exited_water(hv: HouseholdView):
    c = hv.conditions
    if hv.h.status == EXITED and c is not None and (c.water_safe is False or c.water_difficult is True):
        return Hit("conditions", c.id, "water_safe", c.water_safe,
                   f"户状态为已脱贫，但饮水安全为“{'是' if c.water_safe else '否'}”，"
                   f"饮水困难为“{'是' if c.water_difficult else '否'}”")
    return None


@rule("EX04", WARNING, "已脱贫户退出程序不完整")
def exit_steps(hv: HouseholdView):
    if hv.h.status != EXITED:
        return None
    steps = hv.ds.steps.get(hv.h.id, ())
    state = workflow.run_state("exit", steps)
    if state.state == "done":
        return None
    if state.state != "none" or hv.h.exit_year == hv.ds.year:
        done = f"只记录到第{state.last_step}步" if state.steps else "没有记录退出程序"
        return hv.hit("status", "已脱贫", f"户状态为已脱贫（{hv.h.exit_year or '无'}年），但脱贫退出程序{done}（共7步）")
    return None


@rule("EX05", ERROR, "已脱贫户没有脱贫年度")
def exited_without_year(hv: HouseholdView):
    if hv.h.status == EXITED and not hv.h.exit_year:
        return hv.hit("exit_year", None, "户状态为已脱贫，但脱贫年度为空")
    return None
