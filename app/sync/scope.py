"""Which village a change belongs to, and whether the sending device may make it.

The server judges every change by the row it ALREADY holds (docs/sync.md "谁可以改什么"), never by
what the payload claims:

- a row's place is its village: a village or group region row (组) belongs to that village, a
  household to its ``village_id``, every row hanging off a household (member, income, visit...) to
  that household's village; higher regions, helpers and poverty lines are county-wide (no village:
  every device reads them);
- an update or delete is in scope only when the row's CURRENT village on the server is one of the
  device's; a move (a household to another village, a member or any child row to another
  household, a group to another village) needs the old AND the new place in scope; a create needs
  its place in scope; a create of a row the server already holds is judged like an update of it;
- region rows: a village laptop may record only the descriptive fields of its own villages
  (domain.md §2: poor-village flag, population, households, collective income, exit year, 第一书记
  and work-team contacts), and the name of its groups; never code, level or parent. It may create
  its own villages and their groups, and a higher region (county, township) the server does not
  hold yet (a laptop seeded before the county had its tree; the key is derived from the code, so
  every laptop creates the same row); it never changes a higher region;
- helpers (帮扶责任人) are county-wide: a laptop may create one, and change or delete one only while
  that helper helps a household of its villages (a current assignment) or was created by this very
  laptop; a delete also needs the helper to help no household outside its villages;
- poverty lines: only the county.

Everything out of scope raises OutOfScope (the merge parks it with its reason; nothing applies).
The device's villages come from its enrolment, never from the request (sync-design.md).
"""

from __future__ import annotations

import json
from collections.abc import Collection

from sqlalchemy import select
from sqlalchemy.orm import Session

from app.db.codec import to_json
from app.db.many_rows import among
from app.db.models import SYNCED_TABLES, Change
from app.db.natural_keys import natural_id
from app.sync.merge import OutOfScope

CH = Change.__table__
REGION = SYNCED_TABLES["region"]
HOUSEHOLD = SYNCED_TABLES["household"]
ASSIGNMENT = SYNCED_TABLES["assignment"]
# What a village team records about its own village (domain.md §2), and about its groups.
VILLAGE_FIELDS = frozenset({"poor_village", "agri_population", "total_households", "collective_income",
                            "exit_year", "first_secretary", "first_secretary_phone", "team_contact"})
GROUP_FIELDS = frozenset({"name", "deleted"})
COUNTY_ONLY = frozenset({"poverty_line"})
# Tables whose rows hang off a household (their place is the household's village).
CHILD_TABLES = frozenset(n for n, t in SYNCED_TABLES.items() if "household_id" in t.c)

NOT_MINE = "该设备未登记这个村，变更未应用"
UNKNOWN_ROW = "县服务器上没有这条记录，无法确认它属于哪个村，变更未应用"


def village_ids(session: Session, codes: Collection[str]) -> set[str]:
    """Region ids of village codes: the key derived from the code (so a device may create its
    villages on an empty server) and whatever row holds the code here (older random keys)."""
    ids = {natural_id("region", {"code": c}) for c in codes}
    return ids | set(session.execute(select(REGION.c.id).where(REGION.c.code.in_(list(codes)))).scalars())


def _fields(payload: dict) -> dict:
    """The changed fields of a payload: {field: new value} (context keys "_..." left out)."""
    return {f: e.get("new") for f, e in payload.items() if not f.startswith("_") and isinstance(e, dict)}


class VillageResolver:
    """Resolves a change's village and refuses what the device may not do (module docstring).

    `allowed` is the set of the device's village ids (None: the county itself, which may do
    anything); `codes` its village codes; `replica_id` its laptop's replica (helpers it created).
    Rows are looked up on the server first, then among the accepted creates and moves earlier in
    the same batch (the batch view), then in the server's change log (a row still pending)."""

    def __init__(self, session: Session, allowed: set[str] | None, *, codes: Collection[str] = (),
                 replica_id: str | None = None):
        self.session = session
        self.allowed = allowed
        self.codes = set(codes)
        self.replica_id = replica_id
        self._rows: dict[tuple[str, str], dict | None] = {}  # server rows (None: not held)
        self._batch: dict[tuple[str, str], dict] = {}  # rows as accepted earlier in this batch
        self._logged: dict[tuple[str, str], str | None] = {}  # village of a row's last logged change
        self._helpers: dict[str, set[str]] = {}  # helper id -> households with a current assignment
        self._own_helpers: set[str] = set()

    # --- lookups ---------------------------------------------------------------------------

    def _load(self, table: str, ids: Collection[str]) -> None:
        ids = {i for i in ids if isinstance(i, str) and (table, i) not in self._rows}
        if not ids:
            return
        t = SYNCED_TABLES[table]
        found = {r["id"]: dict(r) for r in self.session.execute(
            select(t).where(among(self.session, t.c.id, ids))).mappings()}
        missing = ids - found.keys()
        for i in ids:
            self._rows[(table, i)] = found.get(i)
        if missing:
            rows = self.session.execute(select(CH.c.row_id, CH.c.village_id).where(
                CH.c.table_name == table, among(self.session, CH.c.row_id, missing)).order_by(CH.c.log_seq)).all()
            for row_id, village in rows:
                self._logged[(table, row_id)] = village

    def prefetch(self, records: list[dict], payloads: dict) -> None:
        """Look up, a few queries per batch, the rows a batch changes and the places it names."""
        by_table: dict[str, set[str]] = {}
        households, regions = set(), set()
        for rec in records:
            by_table.setdefault(rec["table_name"], set()).add(rec["row_id"])
            new = _fields(payloads[rec["change_id"]])
            if isinstance(new.get("household_id"), str):
                households.add(new["household_id"])
            for f in ("village_id", "group_id", "parent_id"):
                if isinstance(new.get(f), str):
                    regions.add(new[f])
        for table, ids in by_table.items():
            self._load(table, ids)
        for (table, _), row in list(self._rows.items()):
            if row is not None and table in CHILD_TABLES:
                households.add(row["household_id"])
        helpers = by_table.get("helper", set())
        if helpers and self.allowed is not None:
            self._load_helpers(helpers)
            households.update(h for hs in self._helpers.values() for h in hs)
        self._load("household", households)
        for (table, _), row in list(self._rows.items()):
            if row is not None and table == "household":
                regions.update(r for r in (row["village_id"], row["group_id"]) if r)
        self._load("region", regions)

    def _load_helpers(self, helpers: set[str]) -> None:
        wanted = helpers - self._helpers.keys()
        if not wanted:
            return
        for h in wanted:
            self._helpers[h] = set()
        for helper, household in self.session.execute(
                select(ASSIGNMENT.c.helper_id, ASSIGNMENT.c.household_id).where(
                    among(self.session, ASSIGNMENT.c.helper_id, wanted), ASSIGNMENT.c.deleted.is_(False),
                    ASSIGNMENT.c.end_date.is_(None))):
            self._helpers[helper].add(household)
        if self.replica_id:
            self._own_helpers.update(self.session.execute(select(CH.c.row_id).where(
                CH.c.table_name == "helper", CH.c.op == "create", CH.c.replica_id == self.replica_id,
                among(self.session, CH.c.row_id, wanted))).scalars())

    def _row(self, table: str, row_id: str | None) -> dict | None:
        """The row as the server holds it, or as this batch created or moved it; None: unknown."""
        if row_id is None:
            return None
        if (table, row_id) in self._batch:
            return self._batch[(table, row_id)]
        if (table, row_id) not in self._rows:
            self._load(table, [row_id])
        return self._rows[(table, row_id)]

    def _known(self, table: str, row_id: str) -> bool:
        return self._row(table, row_id) is not None or (table, row_id) in self._logged

    def _region_village(self, region_id: str | None) -> str | None:
        """The village a village or group region row belongs to (None: higher or unknown)."""
        row = self._row("region", region_id)
        if row is None:
            return self._logged.get(("region", region_id)) if region_id else None
        if row.get("level") == "village":
            return region_id
        if row.get("level") == "group":
            return row.get("parent_id")
        return None

    def _household_village(self, household_id: str | None) -> str | None:
        row = self._row("household", household_id)
        if row is None:
            return self._logged.get(("household", household_id)) if household_id else None
        return row.get("village_id")

    def _place(self, table: str, row: dict) -> str | None:
        """The village of a row (given as stored, or as it would be after a change)."""
        if table == "region":
            level = row.get("level")
            return row.get("id") if level == "village" else row.get("parent_id") if level == "group" else None
        if table == "household":
            return row.get("village_id")
        if table in CHILD_TABLES:
            return self._household_village(row.get("household_id"))
        return None

    # --- the judgement ---------------------------------------------------------------------

    def __call__(self, rec: dict, payload: dict | None = None) -> str | None:
        payload = json.loads(rec["payload"]) if payload is None else payload
        table, row_id, op = rec["table_name"], rec["row_id"], rec["op"]
        new = _fields(payload)
        stored = self._row(table, row_id)
        logged = self._logged.get((table, row_id))
        after = {**(stored or {}), **new, "id": row_id}
        village = self._place(table, after)
        if self.allowed is not None:
            self._judge(table, row_id, op, new, stored, (table, row_id) in self._logged, logged, after, village)
        if op == "create" or stored is not None:
            self._batch[(table, row_id)] = after
        if table == "assignment" and after.get("helper_id") and not after.get("deleted") \
                and after.get("end_date") is None:
            self._helpers.setdefault(after["helper_id"], set()).add(after.get("household_id"))
        if table == "helper" and op == "create" and stored is None:
            self._own_helpers.add(row_id)
        return village

    def village_of(self, rec: dict, payload: dict | None = None) -> str | None:
        """The village of a change (the place of its row after the change), judged or not as
        the resolver was made (a laptop noting which villages a sync touched: not judged)."""
        return self(rec, payload)

    def _mine(self, village: str | None) -> bool:
        return village is not None and village in self.allowed

    def _judge(self, table, row_id, op, new, stored, was_logged, logged, after, village) -> None:
        if table in COUNTY_ONLY:
            raise OutOfScope("扶贫标准（贫困线）只能由县里修改，变更未应用")
        held = stored is not None or was_logged
        if table == "helper":
            return self._judge_helper(row_id, op, held)
        if op != "create" and not held:
            raise OutOfScope(UNKNOWN_ROW)
        if table == "region":
            return self._judge_region(row_id, op, new, stored, held, logged, after)
        old = self._place(table, stored) if stored is not None else logged
        if held and not self._mine(old):
            raise OutOfScope(NOT_MINE)
        if not self._mine(village):
            raise OutOfScope(NOT_MINE if held else "新建的记录所属的村不是该设备登记的村，变更未应用")
        if table == "household" and after.get("group_id") and "group_id" in new:
            if self._region_village(after["group_id"]) != village:
                raise OutOfScope("户所属的组不在该户的村里，变更未应用")

    def _judge_helper(self, row_id: str, op: str, held: bool) -> None:
        if op == "create" and not held:
            return  # a new helper, county-wide: the team registers whom it assigns
        self._load_helpers({row_id})
        if row_id in self._own_helpers:
            return
        households = self._helpers.get(row_id, set())
        villages = {self._household_village(h) for h in households}
        if not any(self._mine(v) for v in villages):
            raise OutOfScope("帮扶责任人是全县共用的：只有在他/她帮扶本机负责的村的农户时，本机才能修改，变更未应用")
        if op == "delete" and not all(self._mine(v) for v in villages):
            raise OutOfScope("这位帮扶责任人还在帮扶其他村的农户，只能由县里删除，变更未应用")

    def _judge_region(self, row_id, op, new, stored, held, logged, after) -> None:
        level = after.get("level")
        if stored is None and not held:  # a new region row
            if level == "village":
                if after.get("code") in self.codes and row_id in self.allowed:
                    return
                raise OutOfScope("只能新建本设备登记的村，变更未应用")
            if level == "group":
                if self._mine(self._region_village(after.get("parent_id"))):
                    return
                raise OutOfScope("只能在本设备登记的村里新建组，变更未应用")
            if level in ("province", "prefecture", "county", "township") and isinstance(after.get("code"), str) \
                    and row_id == natural_id("region", {"code": after["code"]}):
                return  # a higher region the county does not hold yet: the same row everywhere
            raise OutOfScope("县以上和乡镇的区划只能由县里修改，变更未应用")
        if stored is None:
            raise OutOfScope("这个区划在县服务器上还没有生效，暂时不能修改，变更未应用")
        current = stored.get("level")
        changed = {f for f, v in new.items() if op != "create" or _differs(stored, f, v)}
        if current == "village" and self._mine(row_id):
            editable = VILLAGE_FIELDS
        elif current == "group" and self._mine(stored.get("parent_id")):
            editable = GROUP_FIELDS
        else:
            raise OutOfScope(NOT_MINE if current in ("village", "group")
                             else "县以上和乡镇的区划只能由县里修改，变更未应用")
        if op == "delete" and "deleted" not in editable:
            raise OutOfScope("村只能由县里删除，变更未应用")
        refused = sorted(changed - editable)
        if refused:
            raise OutOfScope(f"村里的电脑不能修改区划的这些项目：{'、'.join(refused)}，变更未应用")


def _differs(stored: dict, field: str, value) -> bool:
    """A create's value of `field` differs from the stored row's (compared in wire form)."""
    return to_json(stored.get(field)) != value
