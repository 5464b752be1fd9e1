"""The data-quality rules on records as typed, before they are saved: the editor's hints run the very
rule functions `kace check` runs (same id, severity and message) over a one-household Dataset built
from the form's values, so a hint and the finding after the save cannot drift apart."""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import fields
from datetime import date

from app.domain.errors import DomainError
from app.domain.poverty_line import PovertyLineTable
from app.domain.quality.engine import Finding, run, select_rules
from app.domain.records import (
    ConditionsRec,
    Dataset,
    HouseholdRec,
    IncomeRec,
    LoanRec,
    MemberRec,
    VillageRec,
    VisitRec,
)

UNSAVED = "(unsaved)"  # the row id of a record built from a form (each table has one at most)
_VILLAGE = "(village)"


def _record(cls: type, values: Mapping | None, defaults: Mapping = {}, **given):  # noqa: B006 - read only
    """A record of `cls` from a form's values: an empty value takes the default (the field's own
    default, or the one given here)."""
    names = {f.name for f in fields(cls)}
    kw = {k: v for k, v in (values or {}).items() if k in names and v is not None}
    return cls(**{"id": UNSAVED, **defaults, **kw, **given})


def check_unsaved(rule_ids: Iterable[str], today: date, *, household: Mapping | None = None,
                  members: Sequence[Mapping] = (), conditions: Mapping | None = None,
                  income: Mapping | None = None, loans: Sequence[Mapping] = (),
                  visits: Sequence[Mapping] = (), village_code: str = "",
                  lines: PovertyLineTable | None = None) -> list[Finding]:
    """The findings of the chosen household and member rules on the given values. A record built from a
    form has the row id UNSAVED unless its values carry an "id"; a rule that cannot be judged (no
    poverty line for the year) gives nothing."""
    chosen = select_rules(rule_ids)
    if any(r.scope == "dataset" for r in chosen):
        raise ValueError("dataset rules need the whole database")
    h = _record(HouseholdRec, household, code=(household or {}).get("code") or "",
                village_id=_VILLAGE)
    year = today.year
    ds = Dataset(today=today, lines=lines or PovertyLineTable(),
                 villages={_VILLAGE: VillageRec(_VILLAGE, village_code, "")}, households=[h])
    ds.members[h.id] = [_record(MemberRec, m, {"name": ""}, household_id=h.id) for m in members]
    if conditions is not None:
        ds.conditions[h.id] = _record(ConditionsRec, conditions, {"year": year}, household_id=h.id)
    if income is not None:
        rec = _record(IncomeRec, income, {"year": year}, household_id=h.id)
        ds.incomes[h.id][rec.year] = rec
    ds.loans[h.id] = [_record(LoanRec, v, household_id=h.id) for v in loans]
    ds.visits[h.id] = [_record(VisitRec, v, household_id=h.id) for v in visits if v.get("visit_date")]
    out: list[Finding] = []
    for r in chosen:
        try:
            out += run(ds, [r.id])
        except DomainError:
            continue
    return out
