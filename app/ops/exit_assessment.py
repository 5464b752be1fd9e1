"""Exit assessment of households (per year) and of villages (domain.md §5).

A household assessment reads the record (income of the year against the year's line, members'
schooling and insurance, house safety, water), applies the county's rule profile, and is stored with
who made it, when, and the inputs as JSON, so the printed 退出验收表 can be reproduced later exactly.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.lookup_queries import place_names
from app.db.models import ExitAssessment, Household, Region, Setting
from app.domain import codes, exit_rules, village_exit, workflow
from app.domain.errors import DomainError
from app.domain.exit_facts import (
    facts_to_json,
    household_facts,
    indicators_from_json,
    indicators_to_json,
    reassess,
)
from app.domain.exit_rules import Indicator, household_passes
from app.domain.incidence import village_threshold
from app.domain.records import Dataset, is_normal
from app.domain.regions import is_western
from app.ops.context import OpContext, Result, done
from app.ops.households import _household
from app.ops.snapshot import load_dataset

EA, H, R, S = ExitAssessment.__table__, Household.__table__, Region.__table__, Setting.__table__
PROFILE_SETTING = "exit_profile"
VILLAGE_PROFILE_SETTING = "village_exit_profile"
COLLECTIVE_MIN_SETTING = "village_collective_income_min"
VILLAGE_MANUAL_SETTING = "village_exit_manual:"  # + village code: JSON {indicator: bool}


# --- county settings (the setting table is local configuration, not synced) --------------------


def get_setting(session: Session, key: str, default: str | None = None) -> str | None:
    value = session.execute(select(S.c.value).where(S.c.key == key)).scalar()
    return default if value is None else value


def set_setting(ctx: OpContext, key: str, value: str | None) -> None:
    with ctx.sessions.begin() as session:
        if session.execute(select(S.c.key).where(S.c.key == key)).first():
            session.execute(S.update().where(S.c.key == key).values(value=value))
        else:
            session.execute(S.insert().values(key=key, value=value))


def exit_profile(session: Session) -> str:
    return get_setting(session, PROFILE_SETTING, "national")


def set_exit_profile(ctx: OpContext, profile: str) -> Result:
    """The county's household exit standard: "national" or "guangxi_8you1chao"."""
    if profile not in exit_rules.PROFILES:
        raise DomainError("退出标准", f"未知的脱贫退出标准：{profile}")
    set_setting(ctx, PROFILE_SETTING, profile)
    return Result(profile, frozenset({"setting"}))


# --- 不愁吃 / 不愁穿: recorded facts, not defaults -------------------------------------------------


def record_food_clothing(ctx: OpContext, household_id: str, year: int, food: bool | None, clothing: bool | None,
                         checked_on: date | None = None, checked_by: str | None = None) -> Result:
    """Record 不愁吃 and 不愁穿 of a year (yes/no), when they were checked and by whom (the user by
    default): without them the exit assessment shows 资料不全."""
    from app.ops.yearly_records import set_conditions

    return set_conditions(ctx, household_id, year, {
        "food_secure": food, "clothing_secure": clothing,
        "food_clothing_checked_on": checked_on or ctx.today,
        "food_clothing_checked_by": checked_by or ctx.user})


# --- household assessment ---------------------------------------------------------------------


@dataclass(frozen=True)
class Assessment:
    household_id: str
    household_code: str
    year: int
    profile: str
    profile_title: str
    passed: bool
    indicators: list[Indicator]
    inputs: dict
    id: str | None = None  # the stored row, when stored
    assessed_by: str | None = None
    assessed_on: date | None = None

    @property
    def failures(self) -> list[str]:
        from app.domain.exit_facts import failures

        return failures(self.indicators)

    @property
    def line_text(self) -> str:
        line = self.inputs["facts"]["line"]
        from app.domain.poverty_line import PovertyLine

        return PovertyLine(**{**line, "amount": Decimal(line["amount"])}).describe()

    @property
    def per_capita(self) -> Decimal | None:
        value = self.inputs["facts"]["per_capita"]
        return None if value is None else Decimal(value)


def default_year(session: Session, household_id: str, today: date) -> int:
    """The year an assessment is of when none is given: the household's data year (the 年度 of the
    national sheet it came from), else the current year."""
    year = session.execute(select(H.c.data_year).where(H.c.id == household_id)).scalar()
    return year or today.year


def _assessment_date(year: int, today: date) -> date:
    """Ages are counted at the end of the assessed year (or today, for the current year)."""
    return today if year >= today.year else date(year, 12, 31)


def assess_loaded(ds: Dataset, household_id: str, year: int, profile: str) -> Assessment:
    """The assessment of one household of a loaded Dataset (nothing stored)."""
    h = ds.by_id.get(household_id)
    if h is None:
        raise DomainError("户", f"户不存在或已删除：{household_id}")
    line = ds.line(h, year)
    reported = h.reported_per_capita if h.reported_income_year == year else None
    facts = household_facts(ds.members.get(h.id, ()), ds.conditions.get(h.id), ds.incomes.get(h.id, {}).get(year),
                            line, year, _assessment_date(year, ds.today), reported)
    indicators = exit_rules.assess_household(facts, profile)
    inputs = {"profile": profile, "year": year, "facts": facts_to_json(facts)}
    return Assessment(h.id, h.code, year, profile, exit_rules.PROFILES[profile].title,
                      household_passes(indicators), indicators, inputs)


def compute_assessments(session: Session, today: date, household_ids: Collection[str], year: int,
                        profile: str | None = None) -> dict[str, Assessment]:
    """Assessments of several households with one load (batch exit steps)."""
    profile = profile or exit_profile(session)
    ds = load_dataset(session, today, household_ids=household_ids, whole_database_keys=False)
    return {hid: assess_loaded(ds, hid, year, profile) for hid in household_ids if hid in ds.by_id}


def assessment_row(a: Assessment, user: str | None, today: date) -> dict:
    return {"household_id": a.household_id, "year": a.year, "profile": a.profile, "passed": a.passed,
            "indicators": json.dumps(indicators_to_json(a.indicators), ensure_ascii=False),
            "inputs": json.dumps(a.inputs, ensure_ascii=False), "assessed_by": user, "assessed_on": today}


def preview_exit(ctx: OpContext, household_id: str, year: int | None = None,
                 profile: str | None = None) -> Assessment:
    """The 退出评估 tab: the indicators as the record stands now, not stored."""
    with ctx.read() as s:
        _household(s, household_id)
        year = year or default_year(s, household_id, ctx.today)
        return compute_assessments(s, ctx.today, [household_id], year, profile)[household_id]


def assess_exit(ctx: OpContext, household_id: str, year: int | None = None,
                profile: str | None = None) -> Result:
    """Assess and store (who, when, inputs) so the 退出验收表 can be reproduced."""
    with ctx.write() as w:
        _household(w.session, household_id)
        year = year or default_year(w.session, household_id, ctx.today)
        a = compute_assessments(w.session, ctx.today, [household_id], year, profile)[household_id]
        row_id = w.insert(EA, assessment_row(a, ctx.user, ctx.today))
    stored = Assessment(**{**a.__dict__, "id": row_id, "assessed_by": ctx.user, "assessed_on": ctx.today})
    return done(w, stored)


def _from_row(row: Mapping, code: str) -> Assessment:
    inputs = json.loads(row["inputs"]) if row["inputs"] else {}
    profile = row["profile"]
    title = exit_rules.PROFILES[profile].title if profile in exit_rules.PROFILES else profile
    return Assessment(row["household_id"], code, row["year"], profile, title, row["passed"],
                      indicators_from_json(json.loads(row["indicators"])), inputs, row["id"],
                      row["assessed_by"], row["assessed_on"])


def stored_assessments(ctx: OpContext, household_id: str) -> list[Assessment]:
    """The stored assessments of a household, newest first."""
    with ctx.read() as s:
        code = s.execute(select(H.c.code).where(H.c.id == household_id)).scalar() or ""
        rows = s.execute(select(EA).where(EA.c.household_id == household_id, EA.c.deleted.is_(False))
                         .order_by(EA.c.year.desc(), EA.c.id.desc())).mappings().all()
    return [_from_row(r, code) for r in rows]


def reproduce(a: Assessment) -> list[Indicator]:
    """The indicators again from the stored inputs (they equal the stored ones: the form reprints)."""
    return reassess(a.inputs["facts"], a.profile)


def exit_form(ctx: OpContext, assessment_id: str) -> dict:
    """Plain data of the 退出验收表 of a stored assessment (for app/printing)."""
    with ctx.read() as s:
        row = s.execute(select(EA).where(EA.c.id == assessment_id)).mappings().first()
        if row is None:
            raise DomainError("退出评估", f"退出评估记录不存在：{assessment_id}")
        h = s.execute(select(H).where(H.c.id == row["household_id"])).mappings().one()
        group = s.execute(select(R.c.name).where(R.c.id == h["group_id"])).scalar() if h["group_id"] else ""
        places = place_names(s, h["village_id"])
    a = _from_row(row, h["code"])
    facts = a.inputs["facts"]
    return {
        "places": places, "household_code": h["code"], "head_name": h["head_name"] or "", "year": a.year,
        "group": group or "", "size": sum(1 for m in facts["members"] if m["status_normal"]),
        "category": codes.category_display(h["category"], h["status"] == workflow.EXITED) if h["category"] else "",
        "identified_year": h["identified_year"], "per_capita": a.per_capita, "line_text": a.line_text,
        "profile": a.profile_title,
        "indicators": [{"name": i.name, "figure": i.evidence, "passed": i.passed, "missing": i.missing}
                       for i in a.indicators],
        "passed": a.passed, "assessed_by": a.assessed_by, "date": a.assessed_on,
    }


# --- village exit -----------------------------------------------------------------------------


@dataclass(frozen=True)
class VillageReport:
    village_code: str
    village_name: str
    year: int
    profile: str
    profile_title: str
    western: bool
    agri_population: int | None
    poor_population: int
    rate: Decimal | None
    threshold: Decimal
    indicators: list[Indicator]
    passed: bool

    def to_json(self) -> dict:
        return {
            "village": self.village_code, "name": self.village_name, "year": self.year, "profile": self.profile,
            "profile_title": self.profile_title, "western": self.western,
            "agri_population": self.agri_population, "poor_population": self.poor_population,
            "rate": None if self.rate is None else str(self.rate), "threshold": str(self.threshold),
            "passed": self.passed,
            "indicators": [{"key": i.key, "name": i.name, "passed": i.passed, "evidence": i.evidence,
                            "missing": i.missing, "verdict": i.verdict}
                           for i in self.indicators],
        }


def village_facts(ds: Dataset, village_id: str) -> village_exit.VillageFacts:
    v = ds.villages[village_id]
    water, housing, medical = [], [], []
    poor_population = 0
    for h in ds.households:
        if h.village_id != village_id or h.status not in workflow.REGISTERED:
            continue
        members = [m for m in ds.members.get(h.id, ()) if is_normal(m)]
        if h.status in workflow.NOT_EXITED:
            poor_population += len(members)
        c = ds.conditions.get(h.id)
        if c is None or c.water_safe is not True or c.water_difficult is True:
            water.append(h.code)
        if c is not None and c.house_safety in codes.UNSAFE_HOUSE and not (c.house_rebuilt or c.relocated):
            housing.append(h.code)
        if any(not (m.medical_insured or m.employee_medical) for m in members):
            medical.append(h.code)
    return village_exit.VillageFacts(v.code, v.name, is_western(v.code), v.agri_population, poor_population,
                                     None, water, housing, medical)


def assess_village(ctx: OpContext, village_id: str, year: int | None = None, profile: str | None = None,
                   manual: Mapping[str, bool] | None = None, keys: Sequence[str] | None = None) -> VillageReport:
    """The village exit report: 贫困发生率 against the threshold and the configured indicators."""
    year = year or ctx.today.year
    with ctx.read() as s:
        profile = profile or get_setting(s, VILLAGE_PROFILE_SETTING, "national")
        collective_min = Decimal(get_setting(s, COLLECTIVE_MIN_SETTING, str(village_exit.COLLECTIVE_INCOME_MIN)))
        village = s.execute(select(R).where(R.c.id == village_id, R.c.level == "village")).mappings().first()
        if village is None:
            raise DomainError("村", f"村不存在：{village_id}")
        if manual is None:
            stored = get_setting(s, VILLAGE_MANUAL_SETTING + village["code"])
            manual = json.loads(stored) if stored else {}
        ds = load_dataset(s, ctx.today, village_id=village_id, whole_database_keys=False)
    facts = village_facts(ds, village_id)
    facts.collective_income = village["collective_income"]
    indicators = village_exit.assess_village(facts, profile, manual, collective_min, keys)
    title = village_exit.PROFILES[profile][0] if profile in village_exit.PROFILES else profile
    return VillageReport(village["code"], village["name"], year, profile, title, facts.western,
                         facts.agri_population, facts.poor_population, village_exit.rate(facts),
                         village_threshold(facts.western), indicators, household_passes(indicators))


def set_village_manual(ctx: OpContext, village_code: str, values: Mapping[str, bool]) -> Result:
    """The team's statements for the manual village indicators (四有, 四通)."""
    unknown = [k for k in values if village_exit.INDICATORS.get(k, ("", ""))[1] != "manual"]
    if unknown:
        raise DomainError("退出指标", f"不是需要填写的贫困村退出指标：{'、'.join(unknown)}")
    set_setting(ctx, VILLAGE_MANUAL_SETTING + village_code, json.dumps(dict(values), ensure_ascii=False))
    return Result(dict(values), frozenset({"setting"}))
