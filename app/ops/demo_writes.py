"""The writes of `kace demo` (app/demo): generated rows inserted through the change-log writer."""

from __future__ import annotations

from collections.abc import Sequence

from app.db.models import (
    Assignment, Conditions, Helper, Household, Income, Loan, Measure, Member, Plan, Region, Visit,
)
from app.ops.context import OpContext

# The tables of a demo batch in write order: parents before children (foreign keys are on).
TABLES = {"helper": Helper, "household": Household, "member": Member, "conditions": Conditions,
          "income": Income, "assignment": Assignment, "plan": Plan, "measure": Measure,
          "loan": Loan, "visit": Visit}


def write_regions(ctx: OpContext, rows: Sequence[dict]) -> None:
    """The county's places, parents before children, in one transaction."""
    with ctx.write() as w:
        w.insert_many(Region.__table__, rows, typed=True)


def write_batches(ctx: OpContext, batches: Sequence[dict[str, list[dict]]]) -> None:
    """Villages' rows ({table: rows}, TABLES' names) in one bulk transaction."""
    with ctx.write(bulk=True) as w:
        for batch in batches:
            for name, model in TABLES.items():
                w.insert_many(model.__table__, batch[name], typed=True)
