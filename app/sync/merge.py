"""Merging received changes: the same code on laptops (pull, return bundles) and on the server.

The state of a row is a pure function of the SET of its changes, whatever order they arrive in
(sync-design.md); that rule, field leaves and conflicts, lives with the change log in
app/db/row_merge.py. Here: storing a received batch and applying it row by row.

Received records are stored once (by change_id, so any batch may arrive twice); a record that
fails validation, lies outside the sender's villages or reuses a sequence number with other content
(a cloned database) is parked for review and never applied, but still acknowledged.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime

import orjson
from sqlalchemy import Table, delete, insert, select, update
from sqlalchemy.orm import Session

from app.db import derived
from app.db.codec import blank_row, from_json, json_reader, logged_columns
from app.db.many_rows import among, bulk_insert
from app.db.models import SYNCED_TABLES, Base, Change, FieldHead, ParkedChange, PendingRow, Replica
from app.db.row_merge import merge_row, missing_references, set_pending
from app.sync import wire

CH = Change.__table__
FH = FieldHead.__table__
PARKED = ParkedChange.__table__
PENDING = PendingRow.__table__
REPLICA = Replica.__table__
# Synced tables in foreign-key order: a household before its members.
TABLE_ORDER = [t.name for t in Base.metadata.sorted_tables if t.name in SYNCED_TABLES]


class OutOfScope(Exception):
    """The sending device may not write this row's village (message in Chinese)."""


@dataclass
class IngestReport:
    received: int = 0
    stored: int = 0
    duplicates: int = 0
    parked: int = 0
    pending: int = 0
    conflicts: int = 0  # fields marked as conflicts by this batch
    tables: set[str] = field(default_factory=set)
    parked_reasons: list[str] = field(default_factory=list)

    def add(self, other: IngestReport) -> None:
        for name in ("received", "stored", "duplicates", "parked", "pending", "conflicts"):
            setattr(self, name, getattr(self, name) + getattr(other, name))
        self.tables |= other.tables
        self.parked_reasons += other.parked_reasons


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def local_positions(session: Session) -> Callable[[int], int]:
    """Log positions on a laptop: the replica's insertion counter (shared with ChangeWriter)."""

    def take(n: int) -> int:
        last = session.execute(select(REPLICA.c.last_log_seq)).scalar_one()
        session.execute(update(REPLICA).values(last_log_seq=last + n))
        return last + 1

    return take


def park(session: Session, record: object, reason: str, detail: str,
         device_name: str | None = None) -> None:
    change_id = record.get("change_id") if isinstance(record, Mapping) else None
    change_id = change_id if isinstance(change_id, str) and len(change_id) <= 36 else None
    if change_id and session.execute(select(PARKED.c.id).where(
            PARKED.c.change_id == change_id, PARKED.c.reason == reason)).first():
        return  # the same record sent again (a retried push, a bundle imported twice)
    session.execute(insert(PARKED).values(
        change_id=change_id,
        reason=reason, detail=detail, device_name=device_name,
        record=json.dumps(record, ensure_ascii=False, default=str), received_at=_now(),
        dismissed=False))


def ingest(session: Session, records: list, *, positions: Callable[[int], int], acked: bool,
           scope: Callable[[dict, dict], str | None] | None = None,
           device_name: str | None = None) -> IngestReport:
    """Store and merge received change records (in the sender's log order) in the caller's
    transaction. `scope(rec)` returns the record's village id or raises OutOfScope (server)."""
    report = IngestReport(received=len(records))
    payloads: dict[str, dict] = {}
    fresh = _new_records(session, records, report, device_name, acked, payloads)
    if scope is not None:
        if hasattr(scope, "prefetch"):
            scope.prefetch(fresh, payloads)
        kept = []
        for rec in fresh:
            try:
                rec["village_id"] = scope(rec, payloads[rec["change_id"]])
                kept.append(rec)
            except OutOfScope as e:
                _park(session, report, rec, "out_of_scope", str(e), device_name)
        fresh = kept
    if not fresh:
        return report
    prior = _rows_with_changes(session, fresh)
    first = positions(len(fresh))
    for i, rec in enumerate(fresh):
        rec["log_seq"] = first + i
        rec["acked"] = acked
        rec.setdefault("village_id", None)
    bulk_insert(session, CH, fresh)
    report.stored = len(fresh)
    _apply(session, fresh, prior, report, payloads)
    return report


def _park(session, report, record, reason, detail, device_name):
    park(session, record, reason, detail, device_name)
    report.parked += 1
    report.parked_reasons.append(detail)


def _new_records(session: Session, records: list, report: IngestReport,
                 device_name: str | None, acked: bool, payloads: dict) -> list[dict]:
    """Valid records not seen before; duplicates are counted (and marked acknowledged)."""
    valid: dict[str, dict] = {}
    for raw in records:
        try:
            rec, payload = wire.check_parsed(raw)
        except wire.InvalidChange as e:
            _park(session, report, raw, "invalid", str(e), device_name)
            continue
        if rec["change_id"] in valid:
            report.duplicates += 1
            continue
        valid[rec["change_id"]] = rec
        payloads[rec["change_id"]] = payload
    ids = list(valid)
    known: set[str] = set()
    if ids:
        known.update(session.execute(select(CH.c.change_id).where(among(session, CH.c.change_id, ids))).scalars())
        known.update(session.execute(select(PARKED.c.change_id).where(
            among(session, PARKED.c.change_id, ids))).scalars())
    if known:
        report.duplicates += len(known)
        if acked:
            session.execute(update(CH).where(among(session, CH.c.change_id, known), CH.c.acked.is_(False))
                            .values(acked=True))
    fresh = [rec for cid, rec in valid.items() if cid not in known]
    return _without_reused_seqs(session, fresh, report, device_name)


def _without_reused_seqs(session, fresh: list[dict], report, device_name) -> list[dict]:
    """A (replica, incarnation, seq) already held with another change id: a copied database
    wrote different changes under the same numbers. Quarantine the newcomer for review."""
    by_stream: dict[tuple[str, str], list[dict]] = {}
    for rec in fresh:
        by_stream.setdefault((rec["replica_id"], rec["incarnation_id"]), []).append(rec)
    kept = []
    for (replica, incarnation), recs in by_stream.items():
        seqs = [r["seq"] for r in recs]
        held = dict(session.execute(
            select(CH.c.seq, CH.c.change_id).where(
                CH.c.replica_id == replica, CH.c.incarnation_id == incarnation,
                CH.c.seq.between(min(seqs), max(seqs)))).all())
        for rec in recs:
            other = held.get(rec["seq"])
            if other is not None and other != rec["change_id"]:
                _park(session, report, wire.to_wire(rec), "seq_reused",
                      f"副本 {replica[:8]} 的序号 {rec['seq']} 已被另一条变更使用（数据库可能被复制过）",
                      device_name)
                continue
            held[rec["seq"]] = rec["change_id"]
            kept.append(rec)
    order = {id(r): i for i, r in enumerate(fresh)}
    kept.sort(key=lambda r: order[id(r)])  # back to the sender's log order
    return kept


def _rows_with_changes(session: Session, fresh: list[dict]) -> set[tuple[str, str]]:
    """Rows of this batch that already had changes here before it (they need a full merge)."""
    row_ids = {r["row_id"] for r in fresh}
    return set(session.execute(select(CH.c.table_name, CH.c.row_id)
                               .where(among(session, CH.c.row_id, row_ids)).distinct()).all())


def _apply(session: Session, fresh: list[dict], prior: set, report: IngestReport,
           payloads: dict) -> None:
    per_row: dict[tuple[str, str], list[dict]] = {}
    for rec in fresh:
        per_row.setdefault((rec["table_name"], rec["row_id"]), []).append(rec)
    households: set[str] = set()
    for name in TABLE_ORDER:
        table = SYNCED_TABLES[name]
        simple, full = [], []
        for (t, row_id), recs in per_row.items():
            if t != name:
                continue
            if (t, row_id) not in prior and len(recs) == 1 and recs[0]["op"] == "create":
                simple.append(recs[0])
            else:
                full.append(row_id)
        if simple:
            _insert_created(session, table, simple, report, households, payloads)
        if full:
            full = _linear_updates(session, table, {r: per_row[(name, r)] for r in full}, payloads,
                                   report, households)
        for row_id in full:
            _merge_and_note(session, table, row_id, report, households)
    _retry_pending(session, report, households)
    if households:
        derived.refresh_households(session, households)
        report.tables.add("household")


def _linear_updates(session, table: Table, rows: dict[str, list[dict]], payloads: dict,
                    report: IngestReport, households: set[str]) -> list[str]:
    """The common case of an edit made elsewhere: every changed field names exactly the field's
    current leaves as parents. Apply it like a local save (no full merge); return the row ids
    that need the full merge."""
    candidates = [r for r, recs in rows.items() if all(c["op"] != "create" for c in recs)]
    slow = [r for r in rows if r not in set(candidates)]
    if not candidates:
        return slow
    current, heads, creates = {}, {}, {}
    current.update((r["id"], dict(r)) for r in session.execute(
        select(table).where(among(session, table.c.id, candidates))).mappings())
    for h in session.execute(select(FH.c.row_id, FH.c.field, FH.c.change_ids, FH.c.conflict).where(
            FH.c.table_name == table.name, among(session, FH.c.row_id, candidates))):
        heads.setdefault(h.row_id, {})[h.field] = orjson.loads(h.change_ids)
    for row_id, change_id in session.execute(select(CH.c.row_id, CH.c.change_id).where(
            CH.c.table_name == table.name, among(session, CH.c.row_id, candidates), CH.c.op == "create")):
        creates.setdefault(row_id, []).append(change_id)
    columns = {c.name: c for c in logged_columns(table)}
    for row_id in candidates:
        row, origin = current.get(row_id), creates.get(row_id, [])
        if row is None or len(origin) != 1:
            slow.append(row_id)
            continue
        leaves = heads.setdefault(row_id, {})
        changed: dict[str, list[str]] = {}
        linear = True
        for rec in rows[row_id]:
            for f, entry in payloads[rec["change_id"]].items():
                if f.startswith("_"):
                    continue
                if sorted(entry.get("parents") or ()) != sorted(leaves.get(f, origin)):
                    linear = False
                    break
                leaves[f] = [rec["change_id"]]
                row[f] = from_json(columns[f], entry["new"])
                changed[f] = leaves[f]
            if not linear:
                break
        if not linear:
            slow.append(row_id)
            continue
        row.update(derived.row_values(table.name, row))
        if missing_references(session, table, [row]):
            slow.append(row_id)
            continue
        session.execute(update(table).where(table.c.id == row_id).values(
            {k: v for k, v in row.items() if k != "id"}))
        session.execute(delete(FH).where(FH.c.table_name == table.name, FH.c.row_id == row_id,
                                         FH.c.field.in_(list(changed))))
        session.execute(insert(FH), [{"table_name": table.name, "row_id": row_id, "field": f,
                                      "change_ids": json.dumps(ids, separators=(",", ":")),
                                      "conflict": False} for f, ids in changed.items()])
        report.tables.add(table.name)
        _note_household(table.name, row, households)
    return slow


def _merge_and_note(session, table, row_id, report, households) -> None:
    state = merge_row(session, table, row_id)
    if state.pending:
        report.pending += 1
        return
    report.conflicts += state.new_conflicts
    report.tables.add(table.name)
    _note_household(table.name, state.row, households)


def _note_household(table_name: str, row: Mapping | None, households: set[str]) -> None:
    if row is None:
        return
    if table_name == "household":
        households.add(row["id"])
    elif table_name == "member":
        households.add(row["household_id"])


def _insert_created(session, table: Table, recs: list[dict], report, households, payloads) -> None:
    """The common case (new households on another laptop): one create, nothing else known."""
    readers = _readers(table)
    blank = blank_row(table)
    rows = []
    for rec in recs:
        row = blank.copy()
        for name, entry in payloads[rec["change_id"]].items():
            if name[0] != "_":  # field names are wire-checked
                row[name] = readers[name](entry["new"])
        row["id"] = rec["row_id"]
        row.update(derived.row_values(table.name, row))
        rows.append(row)
    missing = missing_references(session, table, rows)
    ready = [r for r in rows if r["id"] not in missing]
    bulk_insert(session, table, ready)
    for row_id in missing:
        set_pending(session, table.name, row_id, True)
    report.pending += len(missing)
    if ready:
        report.tables.add(table.name)
    for row in ready:
        _note_household(table.name, row, households)


_READERS: dict[str, dict] = {}


def _readers(table: Table) -> dict:
    if table.name not in _READERS:
        _READERS[table.name] = {c.name: json_reader(c) for c in logged_columns(table)}
    return _READERS[table.name]


def _retry_pending(session, report, households) -> None:
    """Rows waiting for their create or for a row they refer to: merge again until no progress."""
    while True:
        waiting = session.execute(select(PENDING.c.table_name, PENDING.c.row_id)).all()
        if not waiting:
            return
        order = {name: i for i, name in enumerate(TABLE_ORDER)}
        progress = False
        for name, row_id in sorted(waiting, key=lambda w: order.get(w[0], 99)):
            state = merge_row(session, SYNCED_TABLES[name], row_id)
            if not state.pending:
                progress = True
                report.pending = max(0, report.pending - 1)
                report.conflicts += state.new_conflicts
                report.tables.add(name)
                _note_household(name, state.row, households)
        if not progress:
            return
