"""A digest per village of what a database holds: rows, field heads and conflict marks.

After a sync the laptop compares its digests with the server's; a mismatch means something was
missed, and triggers a repair pull from the start (never a wipe: applying again is idempotent).
"""

from __future__ import annotations

import hashlib

import orjson

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.codec import logged_columns, to_json
from app.db.models import SYNCED_TABLES, FieldHead

FH = FieldHead.__table__
H = SYNCED_TABLES["household"]
R = SYNCED_TABLES["region"]


def _rows_of_village(session: Session, village_id: str):
    """(table, rows) of everything that belongs to the village, in a fixed order."""
    households = select(H.c.id).where(H.c.village_id == village_id)
    yield "region", session.execute(select(R).where(
        (R.c.id == village_id) | (R.c.parent_id == village_id)).order_by(R.c.id)).mappings().all()
    yield "household", session.execute(
        select(H).where(H.c.village_id == village_id).order_by(H.c.id)).mappings().all()
    for name, table in sorted(SYNCED_TABLES.items()):
        if name != "household" and "household_id" in table.c:
            yield name, session.execute(select(table).where(
                table.c.household_id.in_(households)).order_by(table.c.id)).mappings().all()


def village_digest(session: Session, village_id: str) -> str:
    h = hashlib.sha256()
    for name, rows in _rows_of_village(session, village_id):
        cols = [c.name for c in logged_columns(SYNCED_TABLES[name])]
        ids = []
        for row in rows:
            ids.append(row["id"])
            h.update(orjson.dumps([name, row["id"], [to_json(row[c]) for c in cols]]))
        for i in range(0, len(ids), 500):
            for head in session.execute(
                    select(FH.c.row_id, FH.c.field, FH.c.change_ids, FH.c.conflict)
                    .where(FH.c.table_name == name, FH.c.row_id.in_(ids[i:i + 500]))
                    .order_by(FH.c.row_id, FH.c.field)):
                h.update(orjson.dumps([name, head.row_id, head.field, orjson.loads(head.change_ids),
                                       bool(head.conflict)]))
    return h.hexdigest()


def digests(session: Session, village_ids: dict[str, str]) -> dict[str, str]:
    """{village code: digest} for {village code: region id}."""
    return {code: village_digest(session, vid) for code, vid in sorted(village_ids.items())}
