"""Resolving review items. Every resolution is an ordinary change whose parents are all current
leaves, so it closes the item on every replica that receives it (sync-design.md)."""

from __future__ import annotations

from sqlalchemy import select, update

from app.db import review
from app.db.models import SYNCED_TABLES, ParkedChange
from app.domain.errors import DomainError
from app.ops.context import OpContext, Result, done
from app.ops.validation import clean

PARKED = ParkedChange.__table__
H = SYNCED_TABLES["household"]
M = SYNCED_TABLES["member"]


def resolve_field(ctx: OpContext, table: str, row_id: str, field: str, value) -> Result:
    """Choose the value of a conflicted field (one of the candidates or a new one)."""
    values = clean(table, {field: value}, ctx.today)
    with ctx.write() as w:
        diff = w.update(table, row_id, values, force=True, typed=True)
    return done(w, diff)


def keep_deleted(ctx: OpContext, table: str, row_id: str) -> Result:
    """Confirm the delete: a new delete that has seen the concurrent edit."""
    with ctx.write() as w:
        diff = w.update(table, row_id, {"deleted": True}, op="delete", force=True)
    return done(w, diff)


def restore_row(ctx: OpContext, table: str, row_id: str) -> Result:
    """Undo the delete: the row comes back with the edits made meanwhile."""
    with ctx.write() as w:
        diff = w.update(table, row_id, {"deleted": False}, force=True)
    return done(w, diff)


def keep_household(ctx: OpContext, keep_id: str, drop_ids: list[str]) -> Result:
    """The same family registered twice: keep one household, delete the others and their members."""
    if keep_id in drop_ids:
        raise DomainError("合并", "保留的户不能同时被删除")
    with ctx.write() as w:
        for hid in drop_ids:
            for mid in w.session.execute(select(M.c.id).where(
                    M.c.household_id == hid, M.c.deleted.is_(False))).scalars().all():
                w.tombstone(M, mid)
            w.tombstone(H, hid)
    return done(w, {"kept": keep_id, "deleted": drop_ids})


def dismiss_parked(ctx: OpContext, parked_id: str) -> Result:
    """A person has looked at a parked change and decided it needs nothing more."""
    with ctx.write() as w:
        w.session.execute(update(PARKED).where(PARKED.c.id == parked_id).values(dismissed=True))
    return Result(parked_id, frozenset({"review"}))


def resolve(ctx: OpContext, item_id: str, *, value=None, choose: str | None = None,
            action: str | None = None) -> Result:
    """Resolve a review item by id: `choose` a candidate's change id, give a `value`, or an
    `action` (keep-deleted / restore / keep:<household id> / dismiss / delete-member)."""
    with ctx.read() as s:
        it = review.item(s, item_id)
    if it is None:
        raise DomainError("冲突", f"没有这个待处理项：{item_id}（可能已在别处处理）")
    if it.kind == "field":
        if choose is not None:
            match = [c for c in it.candidates if c.change_id.startswith(choose)]
            if len(match) != 1:
                raise DomainError("冲突", f"候选值 {choose} 不存在或不唯一")
            value = match[0].value
        return resolve_field(ctx, it.table, it.row_id, it.field, value)
    if it.kind == "delete_edit":
        if action == "restore":
            return restore_row(ctx, it.table, it.row_id)
        if action == "keep-deleted":
            return keep_deleted(ctx, it.table, it.row_id)
        raise DomainError("冲突", "请选择：keep-deleted（保持删除）或 restore（恢复记录）")
    if it.kind == "orphan_member":
        if action == "restore":
            return restore_row(ctx, "household", it.household_id)
        if action == "delete-member":
            with ctx.write() as w:
                w.tombstone(M, it.row_id)
            return done(w)
        raise DomainError("冲突", "请选择：restore（恢复该户）或 delete-member（删除该成员）")
    if it.kind == "duplicate":
        keep = choose or (action or "").removeprefix("keep:")
        ids = [c.change_id for c in it.candidates]
        if keep not in ids:
            raise DomainError("冲突", "请用 --choose 指定要保留的户")
        return keep_household(ctx, keep, [i for i in ids if i != keep])
    if it.kind == "parked":
        return dismiss_parked(ctx, it.id.removeprefix("parked:"))
    raise DomainError("冲突", f"无法处理的类型：{it.kind}")
