"""Undo of a save by writing the reverse change (the log keeps both the save and its undo).

A save is identified by the range of this replica's change sequence numbers it wrote
(`last_seq` before and after it). Undoing walks those change records newest first and writes, through
the ChangeWriter, each field's old value back; a row the save created is tombstoned, a row it
tombstoned is restored. A field changed again since the save (by a later save or by a sync) is not
overwritten: the undo is refused and says which field.
"""

from __future__ import annotations

import json

from sqlalchemy import select

from app.db.codec import field_entries, from_json, to_json
from app.db.models import SYNCED_TABLES, Change, Replica
from app.domain import fields
from app.domain.errors import DomainError
from app.ops.context import OpContext, Result, done

CH, REPLICA = Change.__table__, Replica.__table__
OBJECT_NAMES = {"household": "户", "member": "家庭成员", "conditions": "生产生活条件",
                "income": "收入", "helper": "帮扶责任人", "assignment": "帮扶责任人",
                "plan": "帮扶计划", "measure": "帮扶措施", "loan": "小额信贷", "visit": "走访记录",
                "region": "区划"}


def replica_seq(ctx: OpContext) -> int:
    """The last change sequence number this replica wrote."""
    with ctx.read() as s:
        return s.execute(select(REPLICA.c.last_seq)).scalar_one()


def _changes(session, after_seq: int, through_seq: int) -> list:
    me = session.execute(select(REPLICA.c.replica_id, REPLICA.c.incarnation_id)).one()
    return session.execute(
        select(CH.c.table_name, CH.c.row_id, CH.c.op, CH.c.payload)
        .where(CH.c.replica_id == me.replica_id, CH.c.incarnation_id == me.incarnation_id,
               CH.c.seq > after_seq, CH.c.seq <= through_seq)
        .order_by(CH.c.seq.desc())
    ).all()


def _refuse(table_name: str, field: str) -> DomainError:
    what = OBJECT_NAMES.get(table_name, table_name)
    label = fields.label(table_name, field)
    return DomainError("撤销", f"无法撤销：{what}的“{label}”在保存之后又被修改过")


def undo_changes(ctx: OpContext, after_seq: int, through_seq: int) -> Result:
    """Reverse this replica's changes with after_seq < seq <= through_seq, newest first.

    Returns the number of rows written back. Nothing is written when any field was changed again.
    """
    if through_seq <= after_seq:
        raise DomainError("撤销", "没有可撤销的修改")
    with ctx.write() as w:
        records = _changes(w.session, after_seq, through_seq)
        if not records:
            raise DomainError("撤销", "没有可撤销的修改")
        for rec in records:
            table = SYNCED_TABLES[rec.table_name]
            payload = json.loads(rec.payload)
            row = w.session.execute(select(table).where(table.c.id == rec.row_id)).mappings().one()
            if rec.op == "create":
                if row["deleted"]:
                    raise _refuse(rec.table_name, "deleted")
                w.tombstone(table, rec.row_id)
                continue
            back = {}
            for name, entry in field_entries(payload).items():
                if to_json(row[name]) != entry.get("new"):
                    raise _refuse(rec.table_name, name)
                back[name] = from_json(table.c[name], entry.get("old"))
            w.update(table, rec.row_id, back, typed=True)  # from_json already converted them
    return done(w, len(records))
