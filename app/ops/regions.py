"""Administrative places: 省 › 市 › 县 › 乡镇 › 村 › 组 (domain.md §2)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from sqlalchemy import select

from app.db.models import Region
from app.domain.errors import DomainError
from app.domain.regions import LEVELS, parent_code, parse_division_code
from app.ops.context import OpContext, Result, done
from app.ops.rows import update_row
from app.ops.validation import clean

R = Region.__table__


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
    extra = clean("region", extra, ctx.today)
    values = {**clean("region", region_values(code, name, level, parent_id), ctx.today), **extra}
    with ctx.write() as w:
        if w.session.execute(select(R.c.id).where(R.c.code == code)).first():
            raise DomainError("区划代码", f"区划代码已存在：{code}")
        region_id = w.insert(R, values, typed=True)
    return done(w, {"id": region_id})


@dataclass(frozen=True)
class PlacesAdded:
    created: list[tuple[str, str, str]]  # (code, name, level) in the order written
    existing: list[tuple[str, str, str]]  # already in the database (name as stored)


def add_places(ctx: OpContext, places: Sequence[tuple[str, str, str]]) -> Result:
    """Create the places (code, name, level) that do not exist yet, parents before children, in one
    transaction: the first-run wizard's region list, `kace region add|import` and the import of a
    花名册 with --create-villages. A place's parent is the nearest place above it by code (in the
    database or in the list). Existing codes are left as they are."""
    with ctx.write() as w:
        added = write_places(w, places)
    return done(w, added)


def write_places(w, places: Sequence[tuple[str, str, str]]) -> PlacesAdded:
    """add_places inside a caller's write transaction (the import writes places and households as one)."""
    for code, name, level in places:
        region_values(code, name, level, None)  # checked before anything is written
    order = {lv: i for i, lv in enumerate(LEVELS)}
    wanted = sorted({p[0]: p for p in places}.values(), key=lambda p: (order[p[2]], p[0]))
    created, existing = [], []
    ids = {code: rid for rid, code in w.session.execute(
        select(R.c.id, R.c.code).where(R.c.code.in_([p[0] for p in wanted] + _ancestors(wanted))))}
    names = dict(w.session.execute(select(R.c.code, R.c.name).where(R.c.code.in_(list(ids)))).all())
    for code, name, level in wanted:
        if code in ids:
            existing.append((code, names.get(code, name), level))
            continue
        parent = parent_code(code)
        while parent is not None and parent not in ids:
            parent = parent_code(parent)
        ids[code] = w.insert(R, region_values(code, name, level, ids.get(parent)))
        created.append((code, name, level))
    return PlacesAdded(created, existing)


def _ancestors(places) -> list[str]:
    out = set()
    for code, _, _ in places:
        parent = parent_code(code)
        while parent is not None:
            out.add(parent)
            parent = parent_code(parent)
    return sorted(out)


def update_village(ctx: OpContext, village_id: str, values: Mapping[str, Any]) -> Result:
    return update_row(ctx, R, village_id, values)
