"""Review items: every disagreement sync found, for a person to decide (sync-design.md table).

Items are derived from what the database holds, never stored separately, so every replica that
holds the same changes shows the same items, and a resolution that arrives from elsewhere closes
the item here too:
- ``field``: several leaves of one field with different values (the conflict mark in field_head);
- ``delete_edit``: a row deleted on one side and edited on the other (the edit is kept, the row
  stays deleted);
- ``orphan_member``: a member added to a household deleted elsewhere;
- ``duplicate``: the same family registered twice (two households, one head ID number);
- ``parked``: a received change stored but not applied (invalid, outside the device's villages,
  or a reused sequence number from a copied database). Local to the database that parked it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from datetime import datetime

from sqlalchemy import and_, func, select
from sqlalchemy.orm import Session

from app.db.models import SYNCED_TABLES, Change, FieldHead, ParkedChange
from app.db.row_merge import field_leaves, winner
from app.domain import fields as field_names

CH = Change.__table__
FH = FieldHead.__table__
PARKED = ParkedChange.__table__
H = SYNCED_TABLES["household"]
M = SYNCED_TABLES["member"]
KIND_TITLES = {"field": "同一字段改成了不同的值", "delete_edit": "一边删除、一边修改",
               "orphan_member": "在已删除的户里新增了成员", "duplicate": "同一户登记了两次",
               "parked": "收到的变更未应用"}
PARK_REASONS = {"invalid": "内容无效", "out_of_scope": "不属于该设备的村", "seq_reused": "序号重复（数据库被复制）"}


@dataclass
class Candidate:
    """One value a person can choose, with who/where/when."""

    change_id: str
    value: object
    text: str
    user: str | None
    replica: str
    when: datetime | None
    shown: bool = False


@dataclass
class ReviewItem:
    id: str
    kind: str
    table: str
    row_id: str
    field: str | None
    title: str
    detail: str
    household_id: str | None = None
    household_code: str | None = None
    head_name: str | None = None
    candidates: list[Candidate] = field(default_factory=list)

    def as_json(self) -> dict:
        out = {k: v for k, v in self.__dict__.items() if k != "candidates"}
        out["candidates"] = [{**c.__dict__, "when": c.when.isoformat() if c.when else None}
                             for c in self.candidates]
        return out


def items(session: Session) -> list[ReviewItem]:
    out = field_conflicts(session) + delete_edits(session) + orphan_members(session)
    out += duplicates(session) + parked(session)
    _add_households(session, out)
    return out


def item(session: Session, item_id: str) -> ReviewItem | None:
    return next((i for i in items(session) if i.id == item_id), None)


def _changes(session: Session, ids: list[str]) -> dict[str, dict]:
    rows = session.execute(select(CH).where(CH.c.change_id.in_(ids))).mappings().all()
    return {r["change_id"]: dict(r) for r in rows}


def candidates(session: Session, table: str, row_id: str, name: str) -> list[Candidate]:
    """Every current value of one field (its leaves), newest first, with who/where/when."""
    changes = session.execute(
        select(CH.c.change_id, CH.c.op, CH.c.hlc, CH.c.replica_id, CH.c.payload, CH.c.user_name,
               CH.c.created_at).where(CH.c.table_name == table, CH.c.row_id == row_id)).all()
    payloads = {c.change_id: json.loads(c.payload) for c in changes}
    leaves = field_leaves(changes, payloads, name)
    shown = winner(leaves).change_id
    out = []
    for c in sorted(leaves, key=lambda c: (c.hlc, c.replica_id, c.change_id), reverse=True):
        value = (payloads[c.change_id].get(name) or {}).get("new")
        out.append(Candidate(c.change_id, value, field_names.value_text(table, name, value) or "（空）",
                             c.user_name, c.replica_id, c.created_at, c.change_id == shown))
    return out


def field_conflicts(session: Session) -> list[ReviewItem]:
    out = []
    for h in session.execute(select(FH.c.table_name, FH.c.row_id, FH.c.field)
                             .where(FH.c.conflict.is_(True))
                             .order_by(FH.c.table_name, FH.c.row_id, FH.c.field)):
        label = field_names.label(h.table_name, h.field)
        out.append(ReviewItem(
            f"field:{h.table_name}:{h.row_id}:{h.field}", "field", h.table_name, h.row_id, h.field,
            KIND_TITLES["field"], f"{label}：两处改成了不同的值，暂时显示最新的一个",
            candidates=candidates(session, h.table_name, h.row_id, h.field)))
    return out


def _delete_context(session: Session, table: str, row_id: str) -> tuple[set[str], set[str]]:
    """What the current delete(s) of a row saw: field leaves and (households) members."""
    changes = session.execute(
        select(CH.c.change_id, CH.c.op, CH.c.hlc, CH.c.replica_id, CH.c.payload)
        .where(CH.c.table_name == table, CH.c.row_id == row_id)).all()
    payloads = {c.change_id: json.loads(c.payload) for c in changes}
    seen, members = set(), set()
    for c in field_leaves(changes, payloads, "deleted"):
        p = payloads[c.change_id]
        if (p.get("deleted") or {}).get("new") is True:
            seen.update(p.get("_seen", ()))
            seen.add(c.change_id)
            members.update(p.get("_members", ()))
    return seen, members


def delete_edits(session: Session) -> list[ReviewItem]:
    """Deleted rows with a current field value the person deleting never saw."""
    out = []
    deleted_rows = session.execute(select(FH.c.table_name, FH.c.row_id).where(FH.c.field == "deleted")
                                   .distinct().order_by(FH.c.table_name, FH.c.row_id)).all()
    for table_name, row_id in deleted_rows:
        table = SYNCED_TABLES[table_name]
        if not session.execute(select(table.c.deleted).where(table.c.id == row_id)).scalar():
            continue
        seen, _ = _delete_context(session, table_name, row_id)
        unseen = []
        for h in session.execute(select(FH.c.field, FH.c.change_ids).where(
                FH.c.table_name == table_name, FH.c.row_id == row_id, FH.c.field != "deleted")):
            if set(json.loads(h.change_ids)) - seen:
                unseen.append(h.field)
        if unseen:
            labels = "、".join(field_names.label(table_name, f) for f in unseen)
            out.append(ReviewItem(f"delete_edit:{table_name}:{row_id}", "delete_edit", table_name,
                                  row_id, None, KIND_TITLES["delete_edit"],
                                  f"记录已被删除，但另一处同时修改了：{labels}。修改已保留，记录仍为删除状态"))
    return out


def orphan_members(session: Session) -> list[ReviewItem]:
    out = []
    rows = session.execute(
        select(M.c.id, M.c.name, M.c.household_id).join(H, H.c.id == M.c.household_id)
        .where(H.c.deleted.is_(True), M.c.deleted.is_(False)).order_by(M.c.id)).all()
    contexts: dict[str, set[str]] = {}
    for member_id, name, household_id in rows:
        if household_id not in contexts:
            contexts[household_id] = _delete_context(session, "household", household_id)[1]
        if member_id in contexts[household_id]:
            continue  # the member was there when the household was deleted: nothing new
        out.append(ReviewItem(f"orphan_member:{member_id}", "orphan_member", "member", member_id, None,
                              KIND_TITLES["orphan_member"],
                              f"成员 {name} 是在户被删除的同时新增的：恢复该户，或删除该成员"))
    return out


def duplicates(session: Session) -> list[ReviewItem]:
    dup = (select(H.c.head_id_number).where(H.c.deleted.is_(False), H.c.head_id_number.is_not(None))
           .group_by(H.c.head_id_number).having(func.count() > 1))
    out = []
    for number in session.execute(dup).scalars():
        ids = session.execute(select(H.c.id, H.c.code, H.c.head_name).where(
            H.c.head_id_number == number, H.c.deleted.is_(False)).order_by(H.c.id)).all()
        codes = "、".join(r.code or "" for r in ids)
        out.append(ReviewItem(f"duplicate:{number}", "duplicate", "household", ids[0].id, None,
                              KIND_TITLES["duplicate"],
                              f"户主身份证号相同的 {len(ids)} 户：{codes}。保留一户，删除其余",
                              candidates=[Candidate(r.id, r.id, f"{r.code} {r.head_name or ''}", None,
                                                    "", None) for r in ids]))
    return out


def parked(session: Session) -> list[ReviewItem]:
    out = []
    for p in session.execute(select(PARKED).where(PARKED.c.dismissed.is_(False))
                             .order_by(PARKED.c.received_at)).mappings():
        record = json.loads(p["record"])
        table = record.get("table_name") if isinstance(record, dict) else None
        row_id = record.get("row_id") if isinstance(record, dict) else None
        who = f"来自设备 {p['device_name']}：" if p["device_name"] else ""
        out.append(ReviewItem(f"parked:{p['id']}", "parked", str(table or ""), str(row_id or ""), None,
                              KIND_TITLES["parked"],
                              f"{who}{PARK_REASONS.get(p['reason'], p['reason'])}。{p['detail'] or ''}"))
    return out


def _add_households(session: Session, out: list[ReviewItem]) -> None:
    """Which household each item concerns, for the list and to open the editor."""
    for it in out:
        if it.table == "household":
            it.household_id = it.row_id
        elif it.table in SYNCED_TABLES and "household_id" in SYNCED_TABLES[it.table].c and it.row_id:
            t = SYNCED_TABLES[it.table]
            it.household_id = session.execute(select(t.c.household_id).where(t.c.id == it.row_id)).scalar()
    ids = {it.household_id for it in out if it.household_id}
    if not ids:
        return
    names = {r.id: (r.code, r.head_name) for r in session.execute(
        select(H.c.id, H.c.code, H.c.head_name).where(H.c.id.in_(list(ids))))}
    for it in out:
        it.household_code, it.head_name = names.get(it.household_id, (None, None))


def conflicted_fields(session: Session, table: str, row_id: str) -> set[str]:
    """Fields of one row marked as conflicts: the editor marks them."""
    return set(session.execute(select(FH.c.field).where(
        and_(FH.c.table_name == table, FH.c.row_id == row_id, FH.c.conflict.is_(True)))).scalars())


def count_open(session: Session) -> int:
    return len(items(session))

