"""The change log writer: the only way rows of synced tables are written (sync-design.md).

Every insert, update and tombstone goes through a ChangeWriter inside one transaction, which writes
the row and one change record per changed row in that same transaction: replica, incarnation,
gap-free sequence number, hybrid logical clock, user, transaction id, and for each changed field its
new value, old value and parents (the field's current leaf change ids). ``field_head`` keeps the
leaves of fields changed after their row's creation; a field without a head row has one leaf, the
change that created the row.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from datetime import UTC, datetime

from sqlalchemy import Table, insert, select, update
from sqlalchemy.orm import Session

from app import paths
from app.db import clock, derived
from app.db.base import new_id
from app.db.codec import blank_row, coerce, json_converter, logged_columns, to_json
from app.db.many_rows import bulk_insert
from app.db.models import SYNCED_TABLES, Change, FieldHead, Replica
from app.db.natural_keys import natural_id
from app.db.row_merge import field_leaves, merge_row

CHANGE = Change.__table__
FIELD_HEAD = FieldHead.__table__
REPLICA = Replica.__table__


class ChangeLogError(RuntimeError):
    pass


# The log position the user's form was loaded at (see seen_as_of); None: the current state.
_seen_log_seq: ContextVar[int | None] = ContextVar("seen_log_seq", default=None)


@contextmanager
def seen_as_of(log_seq: int | None) -> Iterator[None]:
    """Writes inside this block change what the user saw when the form was loaded at `log_seq`:
    the parents of each changed field are its leaves as of then (sync-design.md). A value that
    arrived by sync while the form was open is then a concurrent leaf, flagged as a conflict,
    instead of being overwritten unseen."""
    token = _seen_log_seq.set(log_seq)
    try:
        yield
    finally:
        _seen_log_seq.reset(token)


_dumps = json.JSONEncoder(ensure_ascii=False, separators=(",", ":")).encode


class ChangeWriter:
    """Writes rows and their change records in the caller's open transaction."""

    def __init__(self, session: Session, user: str | None):
        self.session = session
        self.user = user
        self.tx_id = new_id()
        self.changed_tables: set[str] = set()
        self.dirty_households: set[str] = set()
        state = session.execute(select(REPLICA)).mappings().first()
        if state is None:
            raise ChangeLogError(f"数据库没有副本标识（replica），请先运行 {paths.cli_name()} db upgrade")
        self.replica_id = state["replica_id"]
        self.incarnation_id = state["incarnation_id"]
        self._seq = state["last_seq"]
        self._hlc = state["last_hlc"]
        self._log_seq = state["last_log_seq"]
        self._start_seq = self._seq
        self.seen_log_seq = _seen_log_seq.get()

    # --- public API --------------------------------------------------------------------------

    def insert(self, table: Table | str, values: Mapping, *, typed: bool = False) -> str:
        """Insert one row with its create record. `typed=True`: the values were already converted
        to the columns' types (app/ops/validation.clean, through app/db/codec), so they are not
        converted again; otherwise each is converted here."""
        table = self._table(table)
        return self._insert_rows(table, [self._complete(table, logged_columns(table), values, typed)])[0]

    def insert_many(self, table: Table | str, rows: Iterable[Mapping], *, typed: bool = False) -> list[str]:
        """Insert rows with one create record each. `typed=True` takes whole rows as they are, for
        batch writers (demo, import) whose values already have the columns' Python types."""
        table = self._table(table)
        if typed:
            blank = blank_row(table)
            complete = ({**blank, **values} for values in rows)
        else:
            cols = logged_columns(table)
            complete = (self._complete(table, cols, values) for values in rows)
        return self._insert_rows(table, complete)

    def _insert_rows(self, table: Table, rows: Iterable[dict]) -> list[str]:
        json_convs = [(c.name, json_converter(c)) for c in logged_columns(table)]
        now = datetime.now(UTC).replace(tzinfo=None)
        db_rows, change_rows, ids = [], [], []
        for row in rows:
            row["id"] = row.get("id") or natural_id(table.name, row) or new_id()
            row.update(derived.row_values(table.name, row))
            payload = {n: {"new": conv(row[n]) if conv else row[n]}
                       for n, conv in json_convs if row[n] is not None}
            change_rows.append(self._change(table.name, row["id"], "create", payload, now))
            db_rows.append(row)
            ids.append(row["id"])
            self._note_household(table.name, row)
        if db_rows:
            bulk_insert(self.session, table, db_rows)
            bulk_insert(self.session, CHANGE, change_rows)
            self.changed_tables.add(table.name)
        return ids

    def update(self, table: Table | str, row_id: str, values: Mapping, op: str = "update",
               *, force: bool = False, typed: bool = False) -> dict:
        """Write the fields of `values` that differ from the row; return {field: (old, new)}.

        force=True writes every given field even when the shown value already equals it: a
        conflict resolution must name all current leaves as parents to close the conflict.
        typed=True: the values already have the columns' types (see insert); not converted again.
        """
        table = self._table(table)
        by_name = {c.name: c for c in logged_columns(table)}
        unknown = set(values) - set(by_name)
        if unknown:
            raise ChangeLogError(f"{table.name} 没有字段 {sorted(unknown)}")
        current = self.session.execute(select(table).where(table.c.id == row_id)).mappings().first()
        if current is None:
            raise ChangeLogError(f"记录不存在：{table.name} {row_id}")
        diff = {}
        for name, value in values.items():
            new = value if typed else coerce(by_name[name], value)
            if force or to_json(new) != to_json(current[name]):
                diff[name] = (current[name], new)
        if not diff:
            return {}
        heads = self.heads(table.name, row_id, diff)
        unseen = self._arrived_since_seen(heads)
        if unseen:
            heads = self._heads_as_seen(table.name, row_id, diff, heads)
        payload = {
            f: {"new": to_json(new), "old": to_json(old), "parents": heads[f]}
            for f, (old, new) in diff.items()
        }
        if op == "delete":
            payload.update(self._delete_context(table, row_id))
        now = datetime.now(UTC).replace(tzinfo=None)
        change = self._change(table.name, row_id, op, payload, now)
        self.session.execute(insert(CHANGE), [change])
        if unseen:
            merge_row(self.session, table, row_id)  # the new change is one of several leaves
        else:
            self._set_heads(table.name, row_id, diff, change["change_id"])
            new_row = {**current, **{f: new for f, (_, new) in diff.items()}}
            new_values = {f: new for f, (_, new) in diff.items()}
            new_values.update(derived.row_values(table.name, new_row))
            self.session.execute(update(table).where(table.c.id == row_id).values(new_values))
        self.changed_tables.add(table.name)
        self._note_household(table.name, current)
        return diff

    def tombstone(self, table: Table | str, row_id: str) -> dict:
        """Deleting is a flag, never a physical delete (architecture.md)."""
        return self.update(table, row_id, {"deleted": True}, op="delete")

    def _delete_context(self, table: Table, row_id: str) -> dict:
        """What the person deleting saw: every field's current leaves (an edit made elsewhere that
        is not among them was concurrent with the delete: a review item) and, for a household, its
        members (a member added elsewhere meanwhile is a review item too). Keys starting with "_"
        are context, not fields."""
        names = [c.name for c in logged_columns(table)]
        seen = sorted({i for ids in self.heads(table.name, row_id, names).values() for i in ids})
        context = {"_seen": seen}
        if table.name == "household":
            member = SYNCED_TABLES["member"]
            context["_members"] = sorted(self.session.execute(
                select(member.c.id).where(member.c.household_id == row_id)).scalars())
        return context

    def _arrived_since_seen(self, heads: Mapping[str, list[str]]) -> bool:
        if self.seen_log_seq is None:
            return False
        ids = sorted({i for leaf in heads.values() for i in leaf})
        return bool(ids) and self.session.execute(
            select(CHANGE.c.change_id).where(CHANGE.c.change_id.in_(ids),
                                             CHANGE.c.log_seq > self.seen_log_seq).limit(1)).first() is not None

    def _heads_as_seen(self, table_name: str, row_id: str, fields, current: Mapping) -> dict:
        """Each field's leaves among the changes this database held at the seen position."""
        changes = self.session.execute(
            select(CHANGE.c.change_id, CHANGE.c.op, CHANGE.c.hlc, CHANGE.c.replica_id, CHANGE.c.payload)
            .where(CHANGE.c.table_name == table_name, CHANGE.c.row_id == row_id,
                   CHANGE.c.log_seq <= self.seen_log_seq)).all()
        if not changes:
            return dict(current)
        payloads = {c.change_id: json.loads(c.payload) for c in changes}
        return {f: sorted(c.change_id for c in field_leaves(changes, payloads, f)) for f in fields}

    def heads(self, table_name: str, row_id: str, fields: Iterable[str]) -> dict[str, list[str]]:
        """Current leaf change ids of each field (the parents of a new change to it)."""
        fields = list(fields)
        rows = self.session.execute(
            select(FIELD_HEAD.c.field, FIELD_HEAD.c.change_ids).where(
                FIELD_HEAD.c.table_name == table_name,
                FIELD_HEAD.c.row_id == row_id,
                FIELD_HEAD.c.field.in_(fields),
            )
        ).all()
        found = {f: json.loads(ids) for f, ids in rows}
        if len(found) < len(fields):
            origin = self.session.execute(
                select(CHANGE.c.change_id).where(
                    CHANGE.c.table_name == table_name,
                    CHANGE.c.row_id == row_id,
                    CHANGE.c.op == "create",
                )
            ).scalar()
            for f in fields:
                found.setdefault(f, [origin] if origin else [])
        return found

    def finish(self) -> None:
        """Refresh household aggregates and store the counters; call before commit."""
        if self.dirty_households:
            derived.refresh_households(self.session, self.dirty_households)
            self.changed_tables.add("household")
        if self._seq != self._start_seq:
            self.session.execute(
                update(REPLICA)
                .where(REPLICA.c.replica_id == self.replica_id)
                .values(last_seq=self._seq, last_hlc=self._hlc, last_log_seq=self._log_seq)
            )
            self._start_seq = self._seq

    # --- internals -----------------------------------------------------------------------------

    @staticmethod
    def _table(table: Table | str) -> Table:
        name = table if isinstance(table, str) else table.name
        try:
            return SYNCED_TABLES[name]
        except KeyError:
            raise ChangeLogError(f"{name} 不是同步表") from None

    @staticmethod
    def _complete(table: Table, cols: list, values: Mapping, typed: bool = False) -> dict:
        """A new row: the blank row with the given logged fields (`cols`), each converted to its
        column's type unless `typed`; the id is added by _insert_rows."""
        unknown = set(values) - {c.name for c in table.columns}
        if unknown:
            raise ChangeLogError(f"{table.name} 没有字段 {sorted(unknown)}")
        row = blank_row(table)
        for c in cols:
            if c.name in values:
                row[c.name] = values[c.name] if typed else coerce(c, values[c.name])
        row["id"] = values.get("id")
        return row

    def _change(self, table_name, row_id, op, payload, now) -> dict:
        self._seq += 1
        self._hlc = clock.tick(self._hlc)
        return {
            "change_id": new_id(),
            "replica_id": self.replica_id,
            "incarnation_id": self.incarnation_id,
            "seq": self._seq,
            "hlc": self._hlc,
            "user_name": self.user,
            "tx_id": self.tx_id,
            "table_name": table_name,
            "row_id": row_id,
            "op": op,
            "payload": _dumps(payload),
            "created_at": now,
            "log_seq": self._next_log_seq(),
            "acked": False,
        }

    def _next_log_seq(self) -> int:
        self._log_seq += 1
        return self._log_seq

    def _set_heads(self, table_name, row_id, fields, change_id) -> None:
        ids = _dumps([change_id])
        keys = [(table_name, row_id, f) for f in fields]
        existing = set(
            self.session.execute(
                select(FIELD_HEAD.c.field).where(
                    FIELD_HEAD.c.table_name == table_name,
                    FIELD_HEAD.c.row_id == row_id,
                    FIELD_HEAD.c.field.in_(list(fields)),
                )
            ).scalars()
        )
        for t, r, f in keys:
            if f in existing:
                self.session.execute(
                    update(FIELD_HEAD)
                    .where(
                        FIELD_HEAD.c.table_name == t,
                        FIELD_HEAD.c.row_id == r,
                        FIELD_HEAD.c.field == f,
                    )
                    .values(change_ids=ids, conflict=False)
                )
            else:
                self.session.execute(
                    insert(FIELD_HEAD).values(table_name=t, row_id=r, field=f, change_ids=ids)
                )

    def _note_household(self, table_name: str, row: Mapping) -> None:
        if table_name == "member":
            self.dirty_households.add(row["household_id"])
        elif table_name == "household":
            self.dirty_households.add(row["id"])

