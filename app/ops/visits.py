"""走访记录 (domain.md §3.6)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from app.db.models import Visit
from app.domain.errors import DomainError
from app.domain.visit_content import CONTENT_MISSING, has_content
from app.ops.context import OpContext, Result, done
from app.ops.households import _household
from app.ops.rows import tombstone_row, update_row
from app.ops.validation import clean

V = Visit.__table__


def record_visit(ctx: OpContext, household_id: str, values: Mapping[str, Any]) -> Result:
    v = clean("visit", values, ctx.today)
    v.setdefault("visit_date", ctx.today)
    if v["visit_date"] is None:
        v["visit_date"] = ctx.today
    if not v.get("helper_id") and not v.get("visitors"):
        raise DomainError("走访人", "请填写走访人或选择帮扶责任人")
    if not has_content(v):  # the screen's rule, so the command line and imports cannot store one either
        raise DomainError("走访内容", CONTENT_MISSING)
    with ctx.write() as w:
        _household(w.session, household_id)
        visit_id = w.insert(V, {**v, "household_id": household_id}, typed=True)
    return done(w, {"id": visit_id})


def update_visit(ctx: OpContext, visit_id: str, values: Mapping[str, Any]) -> Result:
    return update_row(ctx, V, visit_id, values)


def delete_visit(ctx: OpContext, visit_id: str) -> Result:
    return tombstone_row(ctx, V, visit_id)
