"""Plain records of a county as the rules see them: no database, no ORM.

Field names are the column names of app/db/models.py, so a loader can select exactly these columns in
this order (app/ops/snapshot.py); they are declared once, in app/domain/schema.py. The data-quality
rules, the 返贫 monitoring flags and the exit assessment all read a Dataset; tests build one by hand.
"""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field, fields
from datetime import date
from functools import cached_property

from app.domain import codes
from app.domain.poverty_line import PovertyLine, PovertyLineTable
from app.domain.schema import PERSON, RULES, mirror
from app.domain.workflow import StepRecord


def _rec(cls_name: str, table: str, doc: str, carried_by: str = RULES) -> type:
    return mirror(cls_name, table, carried_by, module=__name__, doc=doc, slots=True)


# The record classes, made from the one declaration of their fields (app/domain/schema.py).
VillageRec = _rec("VillageRec", "region", "A village as the rules see it.")
HouseholdRec = _rec("HouseholdRec", "household", "A household as the rules see it.")
MemberRec = _rec("MemberRec", "member", "A member as the rules see it.")
IncomeRec = _rec("IncomeRec", "income", "One year's income record.")
ConditionsRec = _rec("ConditionsRec", "conditions", "One year's 生产生活条件.")
HelperRec = _rec("HelperRec", "helper", "A 帮扶责任人.")
AssignmentRec = _rec("AssignmentRec", "assignment", "Who helps a household, from when to when.")
VisitRec = _rec("VisitRec", "visit", "One visit to a household.")
PlanRec = _rec("PlanRec", "plan", "A household's plan of one year.")
MeasureRec = _rec("MeasureRec", "measure", "One 帮扶措施.")
LoanRec = _rec("LoanRec", "loan", "One 扶贫小额信贷.")
PersonKey = _rec("PersonKey", "member",
                 "Every live member of the database (not only the checked scope), for duplicate rules.", PERSON)


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
