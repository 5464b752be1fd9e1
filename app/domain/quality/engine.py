"""Running the rules (domain.md §8) over a Dataset: findings out, with the rule id, the severity and
the household's 户编号 added to each Hit. The rules themselves are registered in registry.RULES by the
modules of app/domain/quality/rules/ (app/domain/quality/__init__ imports them)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from app.domain import fields
from app.domain.errors import DomainError
from app.domain.quality.registry import RULES, SEVERITIES, Hit, Rule
from app.domain.quality.views import HouseholdView
from app.domain.records import Dataset, HouseholdRec


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
    if not rule_ids:
        return [RULES[k] for k in sorted(RULES)]
    wanted = [r.strip().upper() for r in rule_ids if r.strip()]
    unknown = [r for r in wanted if r not in RULES]
    if unknown:
        raise DomainError("规则", f"未知的核查规则：{'、'.join(unknown)}")
    return [RULES[k] for k in sorted(set(wanted))]


def _column(table: str, field: str) -> str:
    return fields.label(table, field)


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
