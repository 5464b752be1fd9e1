"""The fields of the plain records are declared once (app/domain/schema.py): every record class is made
from the declaration, and the declaration matches the store's columns."""

from __future__ import annotations

import dataclasses
import subprocess
import sys
import types
from pathlib import Path

import pytest

from app.db import models
from app.domain import records, schema
from app.printing import data

ROOT = Path(__file__).resolve().parents[2]
# Each record class made from the declaration: (module, class name) -> (table, carried by).
MIRRORS = {
    ("app.domain.records", "VillageRec"): ("region", schema.RULES),
    ("app.domain.records", "HouseholdRec"): ("household", schema.RULES),
    ("app.domain.records", "MemberRec"): ("member", schema.RULES),
    ("app.domain.records", "IncomeRec"): ("income", schema.RULES),
    ("app.domain.records", "ConditionsRec"): ("conditions", schema.RULES),
    ("app.domain.records", "HelperRec"): ("helper", schema.RULES),
    ("app.domain.records", "AssignmentRec"): ("assignment", schema.RULES),
    ("app.domain.records", "VisitRec"): ("visit", schema.RULES),
    ("app.domain.records", "PlanRec"): ("plan", schema.RULES),
    ("app.domain.records", "MeasureRec"): ("measure", schema.RULES),
    ("app.domain.records", "LoanRec"): ("loan", schema.RULES),
    ("app.domain.records", "PersonKey"): ("member", schema.PERSON),
    ("app.printing.data", "MemberRow"): ("member", schema.PRINTED),
}
MODULES = {"app.domain.records": records, "app.printing.data": data}


def _declared(table: str, carried_by: str) -> list[str]:
    return [f.name for f in schema.TABLES[table] if carried_by in f.mirrors]


@pytest.mark.parametrize(("module", "name"), sorted(MIRRORS))
def test_each_record_has_exactly_the_declared_fields_in_order(module, name):
    table, carried_by = MIRRORS[(module, name)]
    names = [f.name for f in dataclasses.fields(getattr(MODULES[module], name))]
    assert names[:len(_declared(table, carried_by))] == _declared(table, carried_by)
    assert set(names) - set(_declared(table, carried_by)) <= {"medical", "pension"}  # MemberRow's joined lines


def _base(type_) -> set[type]:
    args = type_.__args__ if isinstance(type_, types.UnionType) else (type_,)
    return {a for a in args if a is not type(None)}


@pytest.mark.parametrize("table", sorted(schema.TABLES))
def test_the_declaration_matches_the_store(table):
    """Every declared field is a column of the table, of the same Python type (the snapshot loader
    selects exactly the declared columns, app/ops/snapshot.py)."""
    columns = models.Base.metadata.tables[table].c
    for f in schema.TABLES[table]:
        if schema.RULES not in f.mirrors and schema.PERSON not in f.mirrors:
            assert f.name in columns, f"{table}.{f.name}"
            continue
        assert f.name in columns, f"{table}.{f.name} is not a column"
        assert _base(f.type) == {columns[f.name].type.python_type}, f"{table}.{f.name}"


def test_a_field_added_to_the_declaration_reaches_every_record_that_carries_it():
    """Declare one more field on every table for every kind of record, then import the real modules:
    each record class has it (a class written by hand again would not)."""
    program = f"""
import dataclasses, importlib
from app.domain import schema
added = schema.Field("added_later", int | None, None, frozenset({{schema.RULES, schema.PRINTED, schema.PERSON}}))
schema.TABLES = {{t: (*fs, added) for t, fs in schema.TABLES.items()}}
for module, name in {sorted(MIRRORS)!r}:
    cls = getattr(importlib.import_module(module), name)
    assert "added_later" in [f.name for f in dataclasses.fields(cls)], name
record = importlib.import_module("app.domain.records").MemberRec(id="m", household_id="h", name="张三", added_later=3)
assert record.added_later == 3
print("ok")
"""
    done = subprocess.run([sys.executable, "-c", program], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "ok"
