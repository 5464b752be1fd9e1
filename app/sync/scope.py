"""Which village a change belongs to: the server filters pulls and refuses writes by it.

Household rows and everything hanging off a household belong to the household's village; village
and group rows (组) to that village; county-wide rows (higher regions, helpers, poverty lines) to
no village (every device reads them). The server decides a device's villages from its enrolment,
never from the request (sync-design.md).
"""

from __future__ import annotations

import json
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.models import SYNCED_TABLES
from app.sync.bulk import among
from app.sync.identity import natural_id
from app.sync.merge import OutOfScope

REGION = SYNCED_TABLES["region"]
HOUSEHOLD = SYNCED_TABLES["household"]
VILLAGE_LEVELS = {"village": "village", "group": "group"}


def village_ids(session: Session, codes: Collection[str]) -> set[str]:
    """Region ids of village codes: the key derived from the code (so a device may create its
    villages on an empty server) and whatever row holds the code here (older random keys)."""
    ids = {natural_id("region", {"code": c}) for c in codes}
    return ids | set(session.execute(select(REGION.c.id).where(REGION.c.code.in_(list(codes)))).scalars())


class VillageResolver:
    """Resolves a change's village from its payload, rows here, or creates earlier in the batch."""

    def __init__(self, session: Session, allowed: set[str] | None):
        self.session = session
        self.allowed = allowed  # None: every village (the county itself)
        self._household_village: dict[str, str | None] = {}
        self._region_village: dict[str, str | None] = {}

    def prefetch(self, records: list[dict], payloads: dict) -> None:
        """Look up, in one query, the villages of the households a batch refers to."""
        wanted = set()
        for rec in records:
            if rec["table_name"] == "household":
                wanted.add(rec["row_id"])
            else:
                entry = payloads[rec["change_id"]].get("household_id")
                if type(entry) is dict and type(entry.get("new")) is str:
                    wanted.add(entry["new"])
        wanted -= self._household_village.keys()
        if wanted:
            found = dict(self.session.execute(select(HOUSEHOLD.c.id, HOUSEHOLD.c.village_id).where(
                among(self.session, HOUSEHOLD.c.id, wanted))).all())
            for household in wanted:
                self._household_village[household] = found.get(household)

    def __call__(self, rec: dict, payload: dict | None = None) -> str | None:
        village = self.village_of(rec, payload)
        if village is not None and self.allowed is not None and village not in self.allowed:
            raise OutOfScope("该设备未登记这个村，变更未应用")
        return village

    def village_of(self, rec: dict, payload: dict | None = None) -> str | None:
        table, row_id = rec["table_name"], rec["row_id"]
        payload = json.loads(rec["payload"]) if payload is None else payload
        if table not in ("region", "household"):
            columns = SYNCED_TABLES[table].c
            if "household_id" not in columns:
                return None  # helper, poverty line: county-wide
            entry = payload.get("household_id")
            household = entry.get("new") if isinstance(entry, dict) else None
            return self._household(household or self._row_value(table, row_id, "household_id"))
        new = {f: e.get("new") for f, e in payload.items()
               if not f.startswith("_") and isinstance(e, dict)}
        if table == "region":
            return self._region(row_id, new)
        if table == "household":
            village = new.get("village_id") or self._household(row_id)
            if rec["op"] != "create":
                # Moving a household to another village needs both villages.
                old = self._household(row_id)
                if old is not None and self.allowed is not None and old not in self.allowed:
                    raise OutOfScope("该设备未登记这个村，变更未应用")
            self._household_village[row_id] = village
            return village
        return None

    def _row_value(self, table: str, row_id: str, column: str):
        t = SYNCED_TABLES[table]
        return self.session.execute(select(t.c[column]).where(t.c.id == row_id)).scalar()

    def _household(self, household_id: str | None) -> str | None:
        if household_id is None:
            return None
        if household_id not in self._household_village:
            self._household_village[household_id] = self._row_value("household", household_id, "village_id")
        return self._household_village[household_id]

    def _region(self, row_id: str, new: dict) -> str | None:
        if row_id in self._region_village and not new:
            return self._region_village[row_id]
        row = self.session.execute(select(REGION.c.level, REGION.c.parent_id).where(REGION.c.id == row_id)).first()
        level = new.get("level") or (row.level if row else None)
        parent = new.get("parent_id") or (row.parent_id if row else None)
        village = row_id if level == "village" else parent if level == "group" else None
        self._region_village[row_id] = village
        return village
