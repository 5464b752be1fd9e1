"""The fields of the tables that plain records mirror, declared once (domain.md §3).

app/db/models.py is the store's schema. The rules and the documents read plain records instead of
rows; their classes are made here from ONE declaration per table: each field's Python type and
default as the rules see them, and which records carry it:
  - RULES: the records of app/domain/records.py (data-quality rules, monitoring flags, exit facts);
  - PRINTED: the member rows of app/printing/data.py, where every code is already a label (text);
  - PERSON: the key of every member of the database (records.PersonKey), for duplicate rules.
A field added here reaches each record that carries it; tests/domain/test_schema.py checks the
declaration against the store's columns.
"""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from app.domain import codes

RULES, PRINTED, PERSON = "rules", "printed", "person"
REQUIRED = dataclasses.MISSING
NORMAL = codes.MEMBER_STATUS.code("正常")


@dataclass(frozen=True)
class Field:
    name: str
    type: Any  # as the rules see it: str | None, Decimal, date...
    default: Any = None  # REQUIRED: no default (the record cannot be made without it)
    mirrors: frozenset[str] = frozenset({RULES})
    shown_default: str = ""  # the default of a PRINTED text field


def _f(name: str, type_: Any = str | None, default: Any = None, *, also: tuple[str, ...] = (),
       only: tuple[str, ...] = (), shown_default: str = "") -> Field:
    return Field(name, type_, default, frozenset(only or (RULES, *also)), shown_default)


_MONEY = Decimal(0)

TABLES: dict[str, tuple[Field, ...]] = {
    "region": (
        _f("id", str, REQUIRED), _f("code", str, REQUIRED), _f("name", str, REQUIRED),
        _f("agri_population", int | None), _f("exit_year", int | None), _f("first_secretary"),
        _f("team_contact"),
    ),
    "household": (
        _f("id", str, REQUIRED), _f("code", str, REQUIRED), _f("village_id", str, REQUIRED),
        _f("national_code"), _f("group_id"), _f("phone"), _f("bank_account"), _f("category"),
        _f("main_cause"), _f("other_causes"), _f("identified_year", int | None), _f("exit_year", int | None),
        _f("status"), _f("size", int, 0), _f("monitoring_type"), _f("risk_status"),
        _f("reported_size", int | None), _f("reported_per_capita", Decimal | None),
        _f("reported_income_year", int | None), _f("data_year", int | None), _f("unmapped"),
    ),
    "member": (
        _f("id", str, REQUIRED, also=(PERSON,)), _f("household_id", str, REQUIRED, also=(PERSON,)),
        _f("name", str, REQUIRED, also=(PRINTED, PERSON)), _f("sex", also=(PRINTED,)),
        _f("id_number", also=(PRINTED, PERSON)), _f("birth_date", date | None, also=(PERSON,)),
        _f("relation", also=(PRINTED,)), _f("ethnicity", only=(PRINTED,)),
        _f("education", also=(PRINTED,)), _f("schooling", also=(PRINTED,)), _f("health", also=(PRINTED,)),
        _f("disability_kind"), _f("disability_grade"), _f("disability_year", int | None),
        _f("labour", also=(PRINTED,)), _f("work", also=(PRINTED,)), _f("work_place"),
        _f("work_months", int | None, also=(PRINTED,)), _f("medical_insured", bool | None),
        _f("employee_medical", bool | None), _f("critical_insured", bool | None), _f("dibao", bool | None),
        _f("tekun", bool | None), _f("status", str | None, NORMAL, also=(PRINTED,), shown_default="正常"),
        _f("status_date", date | None), _f("status_reason"), _f("person_code"),
        _f("home_schooled", bool | None), _f("dropout_reason"), _f("unmapped"),
    ),
    "income": (
        _f("id", str, REQUIRED), _f("household_id", str, REQUIRED), _f("year", int, REQUIRED),
        *(_f(name, Decimal, _MONEY) for name in (
            "wages", "business", "property", "transfers", "family_planning", "dibao_money", "tekun_money",
            "pension_money", "eco_compensation", "other_transfers", "business_costs")),
        _f("household_size", int, 0), _f("net_income", Decimal | None), _f("per_capita", Decimal | None),
    ),
    "conditions": (
        _f("id", str, REQUIRED), _f("household_id", str, REQUIRED), _f("year", int, REQUIRED),
        *(_f(name, Decimal | None) for name in ("arable_mu", "irrigated_mu", "forest_mu", "house_area_m2")),
        _f("house_safety"),
        *(_f(name, bool | None) for name in (
            "house_rebuilt", "relocated", "house_safe", "water_difficult", "water_safe", "household_power",
            "radio_tv")),
        _f("road_type"), _f("food_secure", bool | None), _f("clothing_secure", bool | None),
    ),
    "helper": (_f("id", str, REQUIRED), _f("name", str, REQUIRED), _f("phone")),
    "assignment": (
        _f("id", str, REQUIRED), _f("household_id", str, REQUIRED), _f("helper_id", str, REQUIRED),
        _f("start_date", date | None), _f("end_date", date | None),
    ),
    "visit": (
        _f("id", str, REQUIRED), _f("household_id", str, REQUIRED), _f("visit_date", date, REQUIRED),
        _f("helper_id"), _f("visitors"), _f("changes"), _f("change_note"),
    ),
    "plan": (_f("id", str, REQUIRED), _f("household_id", str, REQUIRED), _f("year", int, REQUIRED)),
    "measure": (
        _f("id", str, REQUIRED), _f("household_id", str, REQUIRED), _f("year", int, REQUIRED),
        _f("type"), _f("amount", Decimal | None),
    ),
    "loan": (
        _f("id", str, REQUIRED), _f("household_id", str, REQUIRED), _f("amount", Decimal | None),
        _f("term_months", int | None),
    ),
}


def _shown(f: Field) -> tuple[Any, Any]:
    """A PRINTED field's type and default: numbers stay numbers, everything else is text."""
    if f.default is REQUIRED:
        return str, REQUIRED
    if f.type in (int | None, Decimal | None):
        return f.type, None
    return str, f.shown_default


def _required(f: Field) -> tuple[Any, Any]:
    return f.type, REQUIRED


def mirror(cls_name: str, table: str, carried_by: str = RULES, *, module: str, doc: str | None = None,
           extra: tuple = (), tables: dict[str, tuple[Field, ...]] | None = None, **options: Any) -> type:
    """The dataclass `cls_name` of the fields of `table` carried by `carried_by`, in declaration order,
    then `extra` (make_dataclass field specs). PERSON fields have no defaults. `options` go to
    make_dataclass (slots, frozen, kw_only); `tables` replaces TABLES (tests)."""
    typed = {PRINTED: _shown, PERSON: _required}.get(carried_by, lambda f: (f.type, f.default))
    specs = []
    for f in (tables or TABLES)[table]:
        if carried_by in f.mirrors:
            type_, default = typed(f)
            specs.append((f.name, type_) if default is REQUIRED else
                         (f.name, type_, dataclasses.field(default=default)))
    cls = dataclasses.make_dataclass(cls_name, [*specs, *extra], **options)
    cls.__module__ = module  # pickles and shows as if written in that module
    cls.__doc__ = doc or f"The {table} fields of app/domain/schema.py that {carried_by!r} records carry."
    return cls
