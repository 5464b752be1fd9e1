"""The state of one row as a pure function of the set of its changes (sync-design.md).

A field's leaves are the changes to it that no other change names as that field's parent (a create
sets every field); one leaf, or several with one value: that value; several leaves with different
values: a conflict, shown provisionally as the leaf with the highest (clock, replica, change id)
and marked for review in ``field_head``. A row exists once its create is known; a row whose create
or referenced row is missing waits in ``pending_row``.

The store's own rule: the change writer recomputes a row here when a save meets a value that
arrived unseen, and the sync merge recomputes every row a received batch touches.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass

import orjson
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from app.db import derived
from app.db.codec import from_json, logged_columns
from app.db.many_rows import among
from app.db.models import Change, FieldHead, PendingRow

CH = Change.__table__
FH = FieldHead.__table__
PENDING = PendingRow.__table__


@dataclass
class RowState:
    pending: bool
    row: dict | None = None
    new_conflicts: int = 0


def _entry_value(payload: Mapping, op: str, name: str):
    entry = payload.get(name)
    if entry is None:
        return None  # a create leaves out empty fields
    return entry["new"]


def _canonical(value) -> str:
    return json.dumps(value, sort_keys=True, ensure_ascii=False)


def field_leaves(changes: list, payloads: Mapping[str, Mapping], name: str) -> list:
    """The changes to field `name` that no other change names as that field's parent."""
    touching = [c for c in changes if c.op == "create" or name in payloads[c.change_id]]
    superseded: set[str] = set()
    for c in touching:
        entry = payloads[c.change_id].get(name)
        if entry:
            superseded.update(entry.get("parents") or ())
    return [c for c in touching if c.change_id not in superseded] or touching


def winner(leaves: list):
    """The provisional value among conflicting leaves: the same choice on every replica."""
    return max(leaves, key=lambda c: (c.hlc, c.replica_id, c.change_id))


def merge_row(session: Session, table: Table, row_id: str) -> RowState:
    """Recompute one row, its field heads and conflict marks from all of its changes."""
    changes = session.execute(
        select(CH.c.change_id, CH.c.op, CH.c.hlc, CH.c.replica_id, CH.c.payload)
        .where(CH.c.table_name == table.name, CH.c.row_id == row_id)).all()
    creates = [c for c in changes if c.op == "create"]
    if not creates:
        set_pending(session, table.name, row_id, True)
        return RowState(pending=True)
    payloads = {c.change_id: orjson.loads(c.payload) for c in changes}
    values, heads = {}, {}
    single_create = creates[0].change_id if len(creates) == 1 else None
    for col in logged_columns(table):
        name = col.name
        leaves = field_leaves(changes, payloads, name)
        chosen = winner(leaves)
        values[name] = from_json(col, _entry_value(payloads[chosen.change_id], chosen.op, name))
        distinct = {_canonical(_entry_value(payloads[c.change_id], c.op, name)) for c in leaves}
        ids = sorted(c.change_id for c in leaves)
        if ids != [single_create]:
            heads[name] = (ids, len(distinct) > 1)
    row = {**values, "id": row_id}
    row.update(derived.row_values(table.name, row))
    if missing_references(session, table, [row]):
        set_pending(session, table.name, row_id, True)
        return RowState(pending=True)
    current = session.execute(select(table).where(table.c.id == row_id)).mappings().first()
    if current is None:
        session.execute(insert(table).values(row))
    else:
        changed = {k: v for k, v in row.items() if current[k] != v}
        if changed:
            session.execute(update(table).where(table.c.id == row_id).values(changed))
    new_conflicts = _write_heads(session, table.name, row_id, heads)
    set_pending(session, table.name, row_id, False)
    return RowState(pending=False, row=row, new_conflicts=new_conflicts)


def _write_heads(session, table_name: str, row_id: str, heads: dict) -> int:
    old = {f: bool(c) for f, c in session.execute(
        select(FH.c.field, FH.c.conflict).where(FH.c.table_name == table_name, FH.c.row_id == row_id))}
    session.execute(delete(FH).where(FH.c.table_name == table_name, FH.c.row_id == row_id))
    if heads:
        session.execute(insert(FH), [
            {"table_name": table_name, "row_id": row_id, "field": f,
             "change_ids": json.dumps(ids, separators=(",", ":")), "conflict": conflict}
            for f, (ids, conflict) in heads.items()])
    return sum(1 for f, (_, conflict) in heads.items() if conflict and not old.get(f))


def missing_references(session, table: Table, rows: list[dict]) -> set[str]:
    """Ids of rows that refer to a row not (yet) here."""
    missing: set[str] = set()
    own_ids = {r["id"] for r in rows}
    for col in table.columns:
        for fk in col.foreign_keys:
            target = fk.column
            wanted = sorted({r[col.name] for r in rows if r.get(col.name) is not None})
            if not wanted:
                continue
            present = set(session.execute(select(target).where(among(session, target, wanted))).scalars())
            if target.table is table:
                present |= own_ids  # a region's parent created in the same batch, earlier
            missing.update(r["id"] for r in rows
                           if r.get(col.name) is not None and r[col.name] not in present)
    return missing


def set_pending(session, table_name: str, row_id: str, pending: bool) -> None:
    exists = session.execute(select(PENDING.c.row_id).where(
        PENDING.c.table_name == table_name, PENDING.c.row_id == row_id)).first()
    if pending and not exists:
        session.execute(insert(PENDING).values(table_name=table_name, row_id=row_id))
    elif not pending and exists:
        session.execute(delete(PENDING).where(
            PENDING.c.table_name == table_name, PENDING.c.row_id == row_id))
