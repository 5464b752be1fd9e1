"""The facts of the exit standard read from a household's record (domain.md §5), and back from JSON.

The exit assessment stores these inputs with its result, so the printed 退出验收表 can be reproduced
exactly later, whatever has changed in the record since.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import asdict
from datetime import date
from decimal import Decimal

from app.domain import codes
from app.domain.exit_rules import (
    HouseholdFacts,
    Indicator,
    MemberFacts,
    assess_household,
    compulsory_schooling,
)
from app.domain.idcard import age_at
from app.domain.poverty_line import PovertyLine
from app.domain.records import ConditionsRec, IncomeRec, MemberRec, is_normal

DISABLED = codes.HEALTH.code("残疾")
HARD_ROADS = frozenset(codes.ROAD_TYPE.code(r) for r in ("砂石路", "水泥路", "柏油路"))
NO_WORK = codes.WORK.code("未务工")
ZERO = Decimal(0)


def member_age(m: MemberRec, on: date) -> int | None:
    return age_at(m.birth_date, on) if m.birth_date else None


def health_codes(m: MemberRec) -> set[str]:
    return set(m.health.split(",")) if m.health else set()


def child_out_of_school(m: MemberRec, age: int | None) -> bool:
    """A child of compulsory-school age (6–15) whose 义务教育 is not secured (exit_rules.compulsory_schooling)."""
    if not is_normal(m):
        return False
    return not compulsory_schooling(age, m.schooling, m.home_schooled, DISABLED in health_codes(m),
                                    m.dropout_reason)[0]


def member_facts(m: MemberRec, on: date) -> MemberFacts:
    return MemberFacts(
        age=member_age(m, on),
        status_normal=is_normal(m),
        schooling=m.schooling,
        education=m.education,
        disabled=DISABLED in health_codes(m),
        medical_insured=bool(m.medical_insured or m.employee_medical),
        critical_insured=bool(m.critical_insured),
        home_schooled=m.home_schooled,
        dropout_reason=m.dropout_reason,
    )


def _income_source(members: Iterable[MemberRec], income: IncomeRec | None) -> bool | None:
    members = list(members)
    if any(m.dibao or m.tekun for m in members):
        return True
    if any(m.work and m.work != NO_WORK and (m.work_months or 0) > 0 for m in members):
        return True
    if income is None:
        return None
    earned = (income.wages or ZERO) + (income.business or ZERO) + (income.property or ZERO)
    return earned > 0 or (income.dibao_money or ZERO) > 0 or (income.tekun_money or ZERO) > 0


def household_facts(
    members: Iterable[MemberRec],
    conditions: ConditionsRec | None,
    income: IncomeRec | None,
    line: PovertyLine,
    year: int,
    on: date,
    reported_per_capita: Decimal | None = None,
) -> HouseholdFacts:
    """HouseholdFacts of one household for the exit standard of `year`, ages counted on `on`. Without
    an income record of the year, the 人均纯收入 the national system reported for it is used."""
    members = list(members)
    c = conditions
    road = None if c is None or c.road_type is None else c.road_type in HARD_ROADS
    return HouseholdFacts(
        year=year,
        per_capita=income.per_capita if income and income.per_capita is not None else reported_per_capita,
        line=line,
        members=[member_facts(m, on) for m in members],
        house_safety=c.house_safety if c else None,
        house_rebuilt=bool(c and (c.house_rebuilt or c.relocated)),
        water_safe=c.water_safe if c else None,
        water_difficult=c.water_difficult if c else None,
        has_electricity=c.household_power if c else None,
        has_tv=c.radio_tv if c else None,
        road_to_group=road,
        has_income_source_or_dibao=_income_source(members, income),
        food_ok=c.food_secure if c else None,
        clothing_ok=c.clothing_secure if c else None,
        house_safe=c.house_safe if c else None,
    )


def facts_to_json(facts: HouseholdFacts) -> dict:
    data = asdict(facts)
    data["per_capita"] = None if facts.per_capita is None else str(facts.per_capita)
    data["line"] = {**asdict(facts.line), "amount": str(facts.line.amount)}
    return data


def facts_from_json(data: Mapping) -> HouseholdFacts:
    values = dict(data)
    values["per_capita"] = None if values.get("per_capita") is None else Decimal(values["per_capita"])
    line = dict(values["line"])
    line["amount"] = Decimal(line["amount"])
    values["line"] = PovertyLine(**line)
    values["members"] = [MemberFacts(**m) for m in values["members"]]
    return HouseholdFacts(**values)


def indicators_to_json(indicators: Iterable[Indicator]) -> list[dict]:
    return [asdict(i) for i in indicators]


def indicators_from_json(data: Iterable[Mapping]) -> list[Indicator]:
    return [Indicator(**i) for i in data]


def failures(indicators: Iterable[Indicator]) -> list[str]:
    """The indicators not met as "name（evidence）" for a refusal message (资料不全 said so)."""
    return [f"{i.name}（{'资料不全：' if i.missing else ''}{i.evidence}）" for i in indicators if not i.passed]


def reassess(inputs: Mapping, profile: str) -> list[Indicator]:
    """The indicators again from stored inputs: the same result the form printed."""
    return assess_household(facts_from_json(inputs), profile)
