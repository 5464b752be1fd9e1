"""Per-year household records: living conditions and income (domain.md §3.3–§3.4)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.db.models import Conditions, Income
from app.db.poverty_lines import household_line
from app.domain.errors import ValidationErrors
from app.domain.income import IncomeItems, validate_income
from app.domain.poverty_line import PovertyLine
from app.ops.context import OpContext, Result, done
from app.ops.households import _household
from app.ops.validation import clean

C, I = Conditions.__table__, Income.__table__


def _upsert_yearly(w, table, household_id: str, year: int, values: Mapping[str, Any]) -> str:
    """Write a per-year record from values cleaned by app/ops/validation (already typed)."""
    row_id = w.session.execute(
        select(table.c.id).where(table.c.household_id == household_id, table.c.year == year)
    ).scalar()
    if row_id is None:
        return w.insert(table, {**values, "household_id": household_id, "year": year}, typed=True)
    w.update(table, row_id, values, typed=True)
    return row_id


def set_conditions(ctx: OpContext, household_id: str, year: int, values: Mapping[str, Any]) -> Result:
    v = clean("conditions", {**values, "year": year}, ctx.today)
    year = v.pop("year")
    with ctx.write() as w:
        _household(w.session, household_id)
        row_id = _upsert_yearly(w, C, household_id, year, v)
    return done(w, {"id": row_id})


@dataclass(frozen=True)
class IncomeFigures:
    id: str
    year: int
    net_income: Decimal
    per_capita: Decimal | None
    household_size: int
    line: PovertyLine
    above_line: bool | None


def set_income(ctx: OpContext, household_id: str, year: int, values: Mapping[str, Any]) -> Result:
    """Record a year's income items; 人均纯收入 is computed, never typed (domain.md §3.4)."""
    v = clean("income", {**values, "year": year}, ctx.today)
    year = v.pop("year")
    for derived_field in ("net_income", "per_capita"):
        v.pop(derived_field, None)
    with ctx.write() as w:
        household = _household(w.session, household_id)
        existing = w.session.execute(
            select(I).where(I.c.household_id == household_id, I.c.year == year)
        ).mappings().first()
        if existing is None:  # the divisor is the size when the year was first recorded
            v.setdefault("household_size", household["size"])
        merged = {**(existing or {}), **v}
        items = IncomeItems(**{f: merged.get(f) or Decimal(0) for f in IncomeItems.__dataclass_fields__})
        errors = validate_income(items)
        if errors:
            raise ValidationErrors(errors)
        row_id = _upsert_yearly(w, I, household_id, year, v)
        row = w.session.execute(select(I).where(I.c.id == row_id)).mappings().one()
        line = household_line(w.session, household_id, year)
    pc = row["per_capita"]
    figures = IncomeFigures(row_id, year, row["net_income"], pc, row["household_size"], line,
                            None if pc is None else pc > line.amount)
    return done(w, figures)
