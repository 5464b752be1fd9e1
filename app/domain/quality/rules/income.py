"""IN: 收入 — income records against their items, the poverty line and the household's size."""

from __future__ import annotations

from decimal import Decimal
from operator import attrgetter

from app.domain.income import (
    IMPLAUSIBLE_FACTOR,
    TRANSFER_ITEMS,
    IncomeItems,
    income_warnings,
    net_income,
    per_capita,
    validate_income,
)
from app.domain.quality.registry import ERROR, WARNING, Hit, rule
from app.domain.quality.rules.common import REGISTERED
from app.domain.quality.views import HouseholdView


def _items(income) -> IncomeItems:
    return IncomeItems(**{f: getattr(income, f) or ZERO for f in IncomeItems.__dataclass_fields__})


ZERO = Decimal(0)
_AMOUNTS = tuple(IncomeItems.__dataclass_fields__)


@rule("IN01", WARNING, "人均纯收入与现有家庭人口计算结果不符")
def per_capita_mismatch(hv: HouseholdView):
    h = hv.h
    reported = hv.incomes.get(h.reported_income_year) if h.reported_per_capita is not None else None
    if reported is not None and reported.per_capita is not None and reported.per_capita != h.reported_per_capita:
        return hv.hit("reported_per_capita", h.reported_per_capita,
                      f"国家系统{h.reported_income_year}年人均纯收入为{h.reported_per_capita}元，"
                      f"按收入记录计算为{reported.per_capita}元")
    income = hv.income
    if income is None or not hv.normal:
        return None
    if income.household_size == len(hv.normal) and income.per_capita is not None:
        return None  # the stored figure is derived from the items with this divisor
    computed = per_capita(net_income(_items(income)), len(hv.normal))
    if income.per_capita != computed:
        return Hit("income", income.id, "per_capita", income.per_capita,
                   f"{income.year}年人均纯收入（{income.per_capita}元，按{income.household_size}人计算）"
                   f"与按现有家庭人口{len(hv.normal)}人计算的结果（{computed}元）不符")
    return None


_transfer_items = attrgetter(*TRANSFER_ITEMS)
_amounts = attrgetter(*_AMOUNTS)


def _suspect(income, rule_id: str) -> bool:
    """A quick look with the stored Decimals (never empty: the columns default to 0); the domain
    functions word the message."""
    if rule_id == "IN02":
        return sum(_transfer_items(income), ZERO) != income.transfers
    return min(_amounts(income)) < 0


def _income_errors(rule_id: str):
    def check(hv: HouseholdView):
        suspects = [i for i in hv.incomes.values() if _suspect(i, rule_id)]
        if not suspects:
            return None
        return [Hit("income", income.id, "transfers" if rule_id == "IN02" else "wages", None,
                    f"{income.year}年{e.message}")
                for income in sorted(suspects, key=lambda i: i.year)
                for e in validate_income(_items(income)) if e.rule == rule_id]
    return check


rule("IN02", ERROR, "转移性收入明细合计与转移性收入不符")(_income_errors("IN02"))
rule("IN03", ERROR, "收入项为负数")(_income_errors("IN03"))


def _income_warnings(rule_id: str, field: str, suspect):
    def check(hv: HouseholdView):
        suspects = [i for i in hv.incomes.values() if suspect(hv, i)]
        if not suspects:
            return None
        return [Hit("income", income.id, field, getattr(income, field), f"{income.year}年{e.message}")
                for income in sorted(suspects, key=lambda i: i.year)
                for e in income_warnings(_items(income), income.per_capita, hv.line(income.year).amount)
                if e.rule == rule_id]
    return check


rule("IN04", WARNING, "生产经营性支出大于生产经营性收入")(_income_warnings(
    "IN04", "business_costs", lambda hv, i: (i.business_costs or ZERO) > (i.business or ZERO)))
rule("IN05", WARNING, "人均纯收入超过扶贫标准10倍（单位是否误填为万元）")(_income_warnings(
    "IN05", "per_capita",
    lambda hv, i: i.per_capita is not None and i.per_capita > hv.line(i.year).amount * IMPLAUSIBLE_FACTOR))


@rule("IN06", WARNING, "没有本年度收入记录")
def no_income_this_year(hv: HouseholdView):
    h = hv.h
    reported = h.reported_per_capita is not None and h.reported_income_year == hv.ds.year
    if h.status in REGISTERED and hv.income is None and not reported:  # the national system's figure counts
        return hv.hit("income", None, f"没有{hv.ds.year}年收入记录")
    return None
