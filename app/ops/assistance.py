"""帮扶: helpers and their assignment history, 一户一策 plans, measures, loans (domain.md §3.6)."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from app.db.models import Assignment, Helper, Loan, Measure, Plan
from app.domain.errors import DomainError
from app.domain.limits import LOAN_MAX_AMOUNT, LOAN_MAX_MONTHS
from app.ops.context import OpContext, Result, done
from app.ops.households import _household
from app.ops.rows import tombstone_row, update_row
from app.ops.validation import clean
from app.ops.yearly_records import _upsert_yearly

A, HP = Assignment.__table__, Helper.__table__


def create_helper(ctx: OpContext, values: Mapping[str, Any]) -> Result:
    v = clean("helper", values, ctx.today)
    if not v.get("name"):
        raise DomainError("帮扶责任人姓名", "帮扶责任人姓名不能为空")
    with ctx.write() as w:
        helper_id = w.insert(HP, v, typed=True)
    return done(w, {"id": helper_id})


def update_helper(ctx: OpContext, helper_id: str, values: Mapping[str, Any]) -> Result:
    return update_row(ctx, HP, helper_id, values)


def assign_helper(ctx: OpContext, household_id: str, helper_id: str,
                  start: date | None = None) -> Result:
    """Make `helper_id` the current helper; the previous assignment ends, its history stays."""
    start = start or ctx.today
    with ctx.write() as w:
        _household(w.session, household_id)
        if w.session.execute(
            select(HP.c.id).where(HP.c.id == helper_id, HP.c.deleted.is_(False))
        ).first() is None:
            raise DomainError("帮扶责任人", f"帮扶责任人不存在：{helper_id}")
        current = w.session.execute(
            select(A.c.id, A.c.helper_id).where(
                A.c.household_id == household_id, A.c.end_date.is_(None), A.c.deleted.is_(False)
            )
        ).all()
        if any(r.helper_id == helper_id for r in current):
            return done(w, {"id": next(r.id for r in current if r.helper_id == helper_id)})
        for r in current:
            w.update(A, r.id, {"end_date": start})
        assignment_id = w.insert(
            A, {"household_id": household_id, "helper_id": helper_id, "start_date": start}
        )
    return done(w, {"id": assignment_id})


def set_plan(ctx: OpContext, household_id: str, year: int, values: Mapping[str, Any]) -> Result:
    v = clean("plan", {**values, "year": year}, ctx.today)
    year = v.pop("year")
    with ctx.write() as w:
        _household(w.session, household_id)
        plan_id = _upsert_yearly(w, Plan.__table__, household_id, year, v)
    return done(w, {"id": plan_id})


def add_measure(ctx: OpContext, household_id: str, values: Mapping[str, Any]) -> Result:
    v = clean("measure", values, ctx.today)
    if not v.get("type"):
        raise DomainError("措施类型", "措施类型不能为空")
    v.setdefault("year", ctx.today.year)
    with ctx.write() as w:
        _household(w.session, household_id)
        measure_id = w.insert(Measure.__table__, {**v, "household_id": household_id}, typed=True)
    return done(w, {"id": measure_id})


def update_measure(ctx: OpContext, measure_id: str, values: Mapping[str, Any]) -> Result:
    return update_row(ctx, Measure.__table__, measure_id, values)


def remove_measure(ctx: OpContext, measure_id: str) -> Result:
    return tombstone_row(ctx, Measure.__table__, measure_id)


def loan_warnings(amount: Decimal | None, term_months: int | None) -> list[str]:
    """扶贫小额信贷: 5 万元以下, 3 年以内 — beyond that is allowed but worth a look."""
    out = []
    if amount is not None and amount > LOAN_MAX_AMOUNT:
        out.append(f"扶贫小额信贷金额超过5万元：{amount}")
    if term_months is not None and term_months > LOAN_MAX_MONTHS:
        out.append(f"扶贫小额信贷期限超过3年：{term_months}个月")
    return out


def add_loan(ctx: OpContext, household_id: str, values: Mapping[str, Any]) -> Result:
    v = clean("loan", values, ctx.today)
    if not v.get("amount"):
        raise DomainError("贷款金额（元）", "贷款金额不能为空")
    with ctx.write() as w:
        _household(w.session, household_id)
        loan_id = w.insert(Loan.__table__, {**v, "household_id": household_id}, typed=True)
    return done(w, {"id": loan_id}, loan_warnings(v["amount"], v.get("term_months")))
