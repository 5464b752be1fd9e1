"""Administrative places: 省 › 市 › 县 › 乡镇 › 村 › 组 (domain.md §2)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import select

from app.db.models import Region
from app.domain.errors import DomainError
from app.domain.regions import parse_division_code
from app.ops.context import OpContext, Result, done
from app.ops.rows import update_row
from app.ops.validation import clean

R = Region.__table__
LEVELS = ("province", "prefecture", "county", "township", "village", "group")


def region_values(code: str, name: str, level: str, parent_id: str | None,
                  extra: Mapping[str, Any] | None = None) -> dict:
    """Checked values of a new region row (shared by the op and by batch writers)."""
    if level not in LEVELS:
        raise DomainError("级别", f"未知的区划级别：{level}")
    if level != "group":
        parse_division_code(code)
    return {"code": code, "name": name, "level": level, "parent_id": parent_id, **(extra or {})}


def create_region(ctx: OpContext, code: str, name: str, level: str, parent_id: str | None = None,
                  **extra: Any) -> Result:
    values = region_values(code, name, level, parent_id, clean("region", extra, ctx.today))
    with ctx.write() as w:
        if w.session.execute(select(R.c.id).where(R.c.code == code)).first():
            raise DomainError("区划代码", f"区划代码已存在：{code}")
        region_id = w.insert(R, values)
    return done(w, {"id": region_id})


def update_village(ctx: OpContext, village_id: str, values: Mapping[str, Any]) -> Result:
    return update_row(ctx, R, village_id, values)
