"""The plain edit and tombstone of one row: validated, recorded, reported as a change-set."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Table

from app.ops.context import OpContext, Result, done
from app.ops.validation import clean


def update_row(ctx: OpContext, table: Table, row_id: str, values: Mapping[str, Any]) -> Result:
    v = clean(table.name, values, ctx.today)
    with ctx.write() as w:
        diff = w.update(table, row_id, v, typed=True)
    return done(w, diff)


def tombstone_row(ctx: OpContext, table: Table, row_id: str) -> Result:
    with ctx.write() as w:
        diff = w.tombstone(table, row_id)
    return done(w, diff)
