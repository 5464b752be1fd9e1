"""The data-quality engine (domain.md §8): rules as pure functions over a Dataset, findings out.

A rule has an id (ID03, HH01...), a severity (错误 blocks the exit/print sign-off, 警告 asks a look,
提示 informs), a Chinese title, and a function. Member rules see one member at a time, household rules
one household with its records, dataset rules everything (duplicates across households and villages).
Each returns Hits; the engine adds the rule id, the severity and the household's 户编号.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date
from typing import NamedTuple

from app.domain import codes
from app.domain.errors import DomainError
from app.domain.idcard import IdInfo, age_at, info_warnings, parse_id
from app.domain.poverty_line import PovertyLine
from app.domain.records import (
    ConditionsRec,
    Dataset,
    HelperRec,
    HouseholdRec,
    IncomeRec,
    MemberRec,
    VillageRec,
    is_normal,
)

ERROR, WARNING, INFO = "错误", "警告", "提示"
SEVERITIES = (ERROR, WARNING, INFO)


@dataclass(frozen=True, slots=True)
class Finding:
    rule: str
    severity: str
    message: str
    table: str
    row_id: str
    household_code: str
    field: str
    value: str | None
    # What a checker sees on the printed 花名册: the national 户编号, the member's name and 人编号,
    # and the sheet's column header of the field.
    national_code: str | None = None
    name: str | None = None
    person_code: str | None = None
    column: str | None = None

    def to_json(self) -> dict:
        return {"rule": self.rule, "severity": self.severity, "message": self.message,
                "table": self.table, "row_id": self.row_id, "household_code": self.household_code,
                "field": self.field, "value": self.value, "national_code": self.national_code,
                "name": self.name, "person_code": self.person_code, "column": self.column}


class Hit(NamedTuple):
    """What a rule found: the record, the field and its value, and the message."""

    table: str
    row_id: str
    field: str
    value: object
    message: str
    household_id: str | None = None  # for dataset rules (member and household rules know it)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    scope: str  # "member" | "household" | "dataset"
    fn: Callable


RULES: dict[str, Rule] = {}

# The families of the rule ids (domain.md §8), by prefix, in the order they are listed.
FAMILIES = {"ID": "身份证号", "HH": "户的信息", "IN": "收入", "EX": "已脱贫户", "CO": "生产生活条件",
            "MB": "家庭成员", "VS": "走访", "MS": "帮扶措施", "VL": "村", "CD": "代码表以外的值"}


def family_of(rule_id: str) -> str:
    """The Chinese name of a rule's family (its id without the number)."""
    prefix = rule_id.rstrip("0123456789")
    return FAMILIES.get(prefix, prefix)


def rule(rule_id: str, severity: str, title: str, scope: str = "household"):
    """Register a rule function under its id."""
    assert severity in SEVERITIES and scope in ("member", "household", "dataset")

    def register(fn: Callable) -> Callable:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} defined twice")
        RULES[rule_id] = Rule(rule_id, severity, title, scope, fn)
        return fn

    return register


# --- what the rules see ---------------------------------------------------------------------------


class MemberView:
    """A member with what several rules need computed once: age, parsed ID number."""

    __slots__ = ("_warnings", "age", "id_error", "info", "m", "normal")

    def __init__(self, m: MemberRec, today: date):
        self.m = m
        self.normal = is_normal(m)
        self.info: IdInfo | None = None
        self.id_error: DomainError | None = None
        if m.id_number:
            try:
                self.info = parse_id(m.id_number, today)
            except DomainError as e:
                self.id_error = e
        birth = m.birth_date or (self.info.birth_date if self.info else None)
        self.age = age_at(birth, today) if birth else None
        self._warnings = None

    def warnings(self, hv: HouseholdView) -> dict[str, DomainError]:
        """ID06–ID08 of the parsed number, by rule id (computed once)."""
        if self._warnings is None:
            village = hv.village
            found = info_warnings(self.info, sex=self.m.sex,
                                  province_code=village.code[:2] if village else None) if self.info else []
            self._warnings = {w.rule: w for w in found}
        return self._warnings

    @property
    def sex(self) -> str | None:
        """The recorded sex, or the one the ID number says."""
        return self.m.sex or (self.info.sex if self.info else None)

    def hit(self, field: str, value: object, message: str) -> Hit:
        return Hit("member", self.m.id, field, value, message)


_UNSET = object()


class HouseholdView:
    """One household and its records, for household and member rules. What several rules need is
    computed once, on first use (by hand: functools.cached_property takes a lock on every read)."""

    __slots__ = ("h", "ds", "members", "normal", "incomes", "_heads", "_helper", "_causes")

    def __init__(self, h: HouseholdRec, ds: Dataset):
        self.h = h
        self.ds = ds
        self.members = [MemberView(m, ds.today) for m in ds.members.get(h.id, ())]
        self.normal = [mv for mv in self.members if mv.normal]
        self.incomes: dict[int, IncomeRec] = ds.incomes.get(h.id, {})
        self._heads = self._helper = self._causes = _UNSET

    @property
    def village(self) -> VillageRec | None:
        return self.ds.villages.get(self.h.village_id)

    @property
    def heads(self) -> list[MemberView]:
        if self._heads is _UNSET:
            self._heads = [mv for mv in self.normal if mv.m.relation == HEAD]
        return self._heads

    @property
    def head(self) -> MemberView | None:
        heads = self.heads
        return heads[0] if heads else None

    @property
    def income(self) -> IncomeRec | None:
        """This year's income record."""
        return self.incomes.get(self.ds.year)

    @property
    def latest_income(self) -> IncomeRec | None:
        return self.incomes[max(self.incomes)] if self.incomes else None

    @property
    def conditions(self) -> ConditionsRec | None:
        return self.ds.conditions.get(self.h.id)

    @property
    def helper(self) -> HelperRec | None:
        if self._helper is _UNSET:
            self._helper = self.ds.current_helper(self.h.id)
        return self._helper

    def line(self, year: int) -> PovertyLine:
        return self.ds.line(self.h, year)

    @property
    def causes(self) -> set[str]:
        if self._causes is _UNSET:
            other = set(self.h.other_causes.split(",")) if self.h.other_causes else set()
            self._causes = other | ({self.h.main_cause} if self.h.main_cause else set())
        return self._causes

    def hit(self, field: str, value: object, message: str) -> Hit:
        return Hit("household", self.h.id, field, value, message)


HEAD = codes.RELATION.code("户主")


# --- running ------------------------------------------------------------------------------------


def _value(value: object) -> str | None:
    if value is None:
        return None
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, date):
        return value.isoformat()
    return str(value)


def _as_hits(result) -> Iterable[Hit]:
    if result is None:
        return ()
    if isinstance(result, Hit):
        return (result,)
    return result


def select_rules(rule_ids: Iterable[str] | None = None) -> list[Rule]:
    """The rules to run, in id order; DomainError naming an unknown id."""
    from app.domain.quality import rules  # noqa: F401 - registers the rules

    if not rule_ids:
        return [RULES[k] for k in sorted(RULES)]
    wanted = [r.strip().upper() for r in rule_ids if r.strip()]
    unknown = [r for r in wanted if r not in RULES]
    if unknown:
        raise DomainError("规则", f"未知的核查规则：{'、'.join(unknown)}")
    return [RULES[k] for k in sorted(set(wanted))]


def _column(table: str, field: str) -> str:
    from app.domain.fields import label

    return label(table, field)


def run(ds: Dataset, rule_ids: Iterable[str] | None = None, *, households: Sequence[HouseholdRec] | None = None,
        per_household: bool = True, whole_dataset: bool = True,
        column_of: Callable[[str, str], str] | None = None) -> list[Finding]:
    """Every finding of the chosen rules (all by default), households in the dataset's order.

    `households` (a slice of ds.households), `per_household` and `whole_dataset` let a caller split
    the work: the member and household rules of some households, or only the dataset rules.
    """
    chosen = select_rules(rule_ids)
    column_of = column_of or _column
    columns: dict[tuple[str, str], str] = {}

    def column(table: str, field: str) -> str:
        key = (table, field)
        if key not in columns:
            columns[key] = column_of(table, field)
        return columns[key]
    member_rules = [r for r in chosen if r.scope == "member"] if per_household else []
    household_rules = [r for r in chosen if r.scope == "household"] if per_household else []
    dataset_rules = [r for r in chosen if r.scope == "dataset"] if whole_dataset else []
    out: list[Finding] = []
    append = out.append
    household_fns = [(r.id, r.severity, r.fn) for r in household_rules]
    member_fns = [(r.id, r.severity, r.fn) for r in member_rules]
    for h in ds.households if households is None else households:
        if not (member_fns or household_fns):
            break
        hv = HouseholdView(h, ds)
        for rule_id, severity, fn in household_fns:
            result = fn(hv)
            if result is None:
                continue
            head = hv.head
            for hit in (result,) if type(result) is Hit else result:
                mv = next((m for m in hv.members if m.m.id == hit.row_id), None) if hit.table == "member" else head
                append(Finding(rule_id, severity, hit.message, hit.table, hit.row_id, h.code, hit.field,
                               _value(hit.value), h.national_code, mv.m.name if mv else None,
                               mv.m.person_code if mv else None, column(hit.table, hit.field)))
        members = hv.members
        for rule_id, severity, fn in member_fns:
            for mv in members:
                hit = fn(mv, hv)
                if hit is not None:
                    append(Finding(rule_id, severity, hit.message, hit.table, hit.row_id, h.code, hit.field,
                                   _value(hit.value), h.national_code, mv.m.name, mv.m.person_code,
                                   column(hit.table, hit.field)))
    across = []
    for r in dataset_rules:
        for hit in _as_hits(r.fn(ds)):
            code = ds.household_code(hit.household_id) if hit.household_id else ""
            h = ds.by_id.get(hit.household_id) if hit.household_id else None
            across.append(Finding(r.id, r.severity, hit.message, hit.table, hit.row_id, code, hit.field,
                                  _value(hit.value), h.national_code if h else None, None, None,
                                  column(hit.table, hit.field)))
    return out + sorted(across, key=dataset_order)


def dataset_order(f: Finding) -> tuple:
    """Findings of the dataset rules come after the others, by rule, 户编号 and record (so a check
    split over several processes by village gives the same list)."""
    return f.rule, f.household_code, f.table, f.row_id


def is_dataset_finding(f: Finding) -> bool:
    return RULES[f.rule].scope == "dataset"


def counts(findings: Iterable[Finding]) -> dict:
    """Totals for the report: all, by severity, by rule."""
    findings = list(findings)
    by_rule = Counter(f.rule for f in findings)
    by_severity = Counter(f.severity for f in findings)
    return {
        "total": len(findings),
        "by_severity": {s: by_severity.get(s, 0) for s in SEVERITIES},
        "by_rule": dict(sorted(by_rule.items())),
        "households": len({f.household_code for f in findings if f.household_code}),
    }
