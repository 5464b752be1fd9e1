"""Applying change records to a database: rebuilds rows from the log.

The property test replays the whole log into an empty database and expects every table back;
sync will apply received changes through the same function.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping

from sqlalchemy import insert, update
from sqlalchemy.orm import Session

from app.db import derived
from app.db.codec import blank_row, field_entries, from_json
from app.db.models import SYNCED_TABLES


def apply_changes(session: Session, changes: Iterable[Mapping]) -> None:
    """Apply changes (rows of the change table, in causal order) to the synced tables."""
    households: set[str] = set()
    for ch in changes:
        table = SYNCED_TABLES[ch["table_name"]]
        payload = field_entries(json.loads(ch["payload"]))
        values = {f: from_json(table.c[f], v["new"]) for f, v in payload.items()}
        if ch["op"] == "create":
            row = blank_row(table)
            row.update(values, id=ch["row_id"])
            row.update(derived.row_values(table.name, row))
            session.execute(insert(table).values(row))
        else:
            current = session.execute(table.select().where(table.c.id == ch["row_id"])).mappings().one()
            merged = {**current, **values}
            values.update(derived.row_values(table.name, merged))
            session.execute(update(table).where(table.c.id == ch["row_id"]).values(values))
            row = merged
        if table.name == "household":
            households.add(ch["row_id"])
        elif table.name == "member":
            households.add(row["household_id"])
    derived.refresh_households(session, households)
