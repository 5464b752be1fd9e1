"""Plain records of a county as the rules see them: no database, no ORM.

Field names are the column names of app/db/models.py, so a loader can select exactly these columns in
this order (app/ops/snapshot.py). The data-quality rules, the 返贫 monitoring flags and the exit
assessment all read a Dataset; tests build one by hand.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date
from decimal import Decimal
from functools import cached_property

from app.domain import codes
from app.domain.poverty_line import PovertyLine, PovertyLineTable
from app.domain.workflow import StepRecord


@dataclass(slots=True)
class VillageRec:
    id: str
    code: str
    name: str
    agri_population: int | None = None
    exit_year: int | None = None
    first_secretary: str | None = None
    team_contact: str | None = None


@dataclass(slots=True)
class HouseholdRec:
    id: str
    code: str
    village_id: str
    national_code: str | None = None
    group_id: str | None = None
    phone: str | None = None
    bank_account: str | None = None
    category: str | None = None
    main_cause: str | None = None
    other_causes: str | None = None
    identified_year: int | None = None
    exit_year: int | None = None
    status: str | None = None
    size: int = 0
    monitoring_type: str | None = None
    risk_status: str | None = None
    reported_size: int | None = None
    reported_per_capita: Decimal | None = None
    reported_income_year: int | None = None
    data_year: int | None = None
    unmapped: str | None = None


@dataclass(slots=True)
class MemberRec:
    id: str
    household_id: str
    name: str
    sex: str | None = None
    id_number: str | None = None
    birth_date: date | None = None
    relation: str | None = None
    education: str | None = None
    schooling: str | None = None
    health: str | None = None
    disability_kind: str | None = None
    disability_grade: str | None = None
    disability_year: int | None = None
    labour: str | None = None
    work: str | None = None
    work_place: str | None = None
    work_months: int | None = None
    medical_insured: bool | None = None
    employee_medical: bool | None = None
    critical_insured: bool | None = None
    dibao: bool | None = None
    tekun: bool | None = None
    status: str | None = codes.MEMBER_STATUS.code("正常")
    status_date: date | None = None
    status_reason: str | None = None
    person_code: str | None = None
    home_schooled: bool | None = None
    dropout_reason: str | None = None
    unmapped: str | None = None


@dataclass(slots=True)
class IncomeRec:
    id: str
    household_id: str
    year: int
    wages: Decimal = Decimal(0)
    business: Decimal = Decimal(0)
    property: Decimal = Decimal(0)
    transfers: Decimal = Decimal(0)
    family_planning: Decimal = Decimal(0)
    dibao_money: Decimal = Decimal(0)
    tekun_money: Decimal = Decimal(0)
    pension_money: Decimal = Decimal(0)
    eco_compensation: Decimal = Decimal(0)
    other_transfers: Decimal = Decimal(0)
    business_costs: Decimal = Decimal(0)
    household_size: int = 0
    net_income: Decimal | None = None
    per_capita: Decimal | None = None


@dataclass(slots=True)
class ConditionsRec:
    id: str
    household_id: str
    year: int
    arable_mu: Decimal | None = None
    irrigated_mu: Decimal | None = None
    forest_mu: Decimal | None = None
    house_area_m2: Decimal | None = None
    house_safety: str | None = None
    house_rebuilt: bool | None = None
    relocated: bool | None = None
    house_safe: bool | None = None
    water_difficult: bool | None = None
    water_safe: bool | None = None
    household_power: bool | None = None
    radio_tv: bool | None = None
    road_type: str | None = None
    food_secure: bool | None = None
    clothing_secure: bool | None = None


@dataclass(slots=True)
class HelperRec:
    id: str
    name: str
    phone: str | None = None


@dataclass(slots=True)
class AssignmentRec:
    id: str
    household_id: str
    helper_id: str
    start_date: date | None = None
    end_date: date | None = None


@dataclass(slots=True)
class VisitRec:
    id: str
    household_id: str
    visit_date: date
    helper_id: str | None = None
    visitors: str | None = None
    changes: str | None = None
    change_note: str | None = None


@dataclass(slots=True)
class PlanRec:
    id: str
    household_id: str
    year: int


@dataclass(slots=True)
class MeasureRec:
    id: str
    household_id: str
    year: int
    type: str | None = None
    amount: Decimal | None = None


@dataclass(slots=True)
class LoanRec:
    id: str
    household_id: str
    amount: Decimal | None = None
    term_months: int | None = None


@dataclass(slots=True)
class PersonKey:
    """Every live member of the database (not only the checked scope), for duplicate rules."""

    id: str
    household_id: str
    name: str
    id_number: str | None
    birth_date: date | None


def columns(rec: type) -> list[str]:
    """The column names a loader selects for a record type, in constructor order."""
    return [f.name for f in fields(rec)]


NORMAL = codes.MEMBER_STATUS.code("正常")


def is_normal(m: MemberRec) -> bool:
    """Counted in 家庭人口 (an empty status from an import counts as 正常)."""
    return m.status in (NORMAL, None)


@dataclass
class Dataset:
    """Records of the checked scope plus what cross-household rules need of the whole database."""

    today: date
    lines: PovertyLineTable = field(default_factory=PovertyLineTable)
    villages: dict[str, VillageRec] = field(default_factory=dict)
    households: list[HouseholdRec] = field(default_factory=list)
    members: dict[str, list[MemberRec]] = field(default_factory=lambda: defaultdict(list))
    incomes: dict[str, dict[int, IncomeRec]] = field(default_factory=lambda: defaultdict(dict))
    conditions: dict[str, ConditionsRec] = field(default_factory=dict)  # latest year per household
    helpers: dict[str, HelperRec] = field(default_factory=dict)
    assignments: dict[str, list[AssignmentRec]] = field(default_factory=lambda: defaultdict(list))
    visits: dict[str, list[VisitRec]] = field(default_factory=lambda: defaultdict(list))  # recent ones
    last_visit: dict[str, date] = field(default_factory=dict)  # latest visit on or before today
    plans: dict[str, set[int]] = field(default_factory=lambda: defaultdict(set))
    measures: dict[str, list[MeasureRec]] = field(default_factory=lambda: defaultdict(list))
    loans: dict[str, list[LoanRec]] = field(default_factory=lambda: defaultdict(list))
    steps: dict[str, list[StepRecord]] = field(default_factory=lambda: defaultdict(list))
    # Whole-database keys for ID09/ID10/HH05; None means "the scope is the whole database".
    people: list[PersonKey] | None = None
    household_codes: dict[str, tuple[str, str]] | None = None  # id -> (code, village_id)
    national_codes: dict[str, list[str]] | None = None  # national code -> household ids
    scope_villages: list[str] | None = None  # villages checked even without households (VL rules)
    # The real date when `today` is a reference date of the data (kace check --as-of): what "in the
    # future" means for a visit. None: `today` is the real date.
    clock: date | None = None
    exit_profile: str = "national"

    @property
    def year(self) -> int:
        return self.today.year

    @cached_property
    def by_id(self) -> dict[str, HouseholdRec]:
        return {h.id: h for h in self.households}

    def line(self, household: HouseholdRec, year: int) -> PovertyLine:
        code = self.villages[household.village_id].code if household.village_id in self.villages else ""
        return self._line(year, code[:6])

    def _line(self, year: int, county: str) -> PovertyLine:
        cache = self.__dict__.setdefault("_lines", {})
        key = (year, county)
        if key not in cache:
            cache[key] = self.lines.line_for(year, province_code=county[:2] or None, county_code=county or None)
        return cache[key]

    def household_code(self, household_id: str) -> str:
        h = self.by_id.get(household_id)
        if h is not None:
            return h.code
        if self.household_codes and household_id in self.household_codes:
            return self.household_codes[household_id][0]
        return ""

    def village_name_of(self, household_id: str) -> str:
        h = self.by_id.get(household_id)
        village_id = h.village_id if h else (self.household_codes or {}).get(household_id, ("", ""))[1]
        v = self.villages.get(village_id)
        return v.name if v else ""

    def current_helper(self, household_id: str) -> HelperRec | None:
        current = [a for a in self.assignments.get(household_id, ()) if a.end_date is None]
        if not current:
            return None
        latest = max(current, key=lambda a: a.start_date or date.min)
        return self.helpers.get(latest.helper_id)

    def all_people(self) -> list:
        """Every live member of the database: PersonKeys, or the scope's MemberRecs when the scope
        is the whole database (both have id, household_id, name, id_number, birth_date)."""
        if self.people is not None:
            return self.people
        return [m for ms in self.members.values() for m in ms]
