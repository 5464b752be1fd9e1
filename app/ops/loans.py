"""扶贫小额信贷 records after they are entered: repayments and corrections (domain.md §3.6)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.db.models import Loan
from app.ops.assistance import loan_warnings
from app.ops.context import OpContext, Result, done
from app.ops.validation import clean

LN = Loan.__table__


def update_loan(ctx: OpContext, loan_id: str, values: Mapping[str, Any]) -> Result:
    v = clean("loan", values, ctx.today)
    with ctx.write() as w:
        diff = w.update(LN, loan_id, v, typed=True)
    return done(w, diff, loan_warnings(v.get("amount"), v.get("term_months")))


def remove_loan(ctx: OpContext, loan_id: str) -> Result:
    with ctx.write() as w:
        diff = w.tombstone(LN, loan_id)
    return done(w, diff)
