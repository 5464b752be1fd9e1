"""Every boundary of a device's scope, generated from the synced tables (docs/sync.md 谁可以改什么).

For each synced table x create/update/delete/move x in/out of the device's villages, a crafted
change signed with the real key of an enrolled device (乙, villages V1 and V2) is pushed over HTTP to
a real `kace serve`, and the same kinds again in a bundle imported at the county. Out of scope: parked
with its reason, the server's rows unchanged, another laptop (甲, villages V1 and W) unchanged after
its sync. In scope: stored and applied. The cases come from SYNCED_TABLES and the columns' types;
nothing below names a table's fields except the place columns the rules are about.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from itertools import count

import httpx
import pytest
from sqlalchemy import BigInteger, Boolean, Date, DateTime, Integer, Numeric, String, Text, select

from app.db.codec import logged_columns, to_json
from app.db.engine import make_session_factory
from app.db.models import SYNCED_TABLES, Change, FieldHead, ParkedChange
from app.db.natural_keys import natural_id
from app.sync import bundle, signing
from app.sync.scope import CHILD_TABLES, VILLAGE_FIELDS
from tests.sync.fleet import state
from tests.sync.http_fleet import PgSchema, ServerProcess, enrol_token, kace

pytestmark = pytest.mark.postgres
CH, FH, PARKED = Change.__table__, FieldHead.__table__, ParkedChange.__table__
COUNTY, TOWN = "450881000000", "450881104000"
V1, V2, W = "450881104201", "450881104202", "450881104203"  # 乙: V1 and V2; W is not its village
PLACE = {"household": "village_id", **{t: "household_id" for t in CHILD_TABLES}, "region": "parent_id"}
_n = count(1)


def rid(code: str) -> str:
    return natural_id("region", {"code": code})


def value_for(col, n: int):
    """A valid wire value of a column, distinct per `n` (unique keys such as household + year)."""
    t = col.type
    if isinstance(t, Boolean):
        return False
    if isinstance(t, (Integer, BigInteger)):
        return 1900 + n
    if isinstance(t, Numeric):
        return f"{n}.00"
    if isinstance(t, DateTime):
        return f"2026-01-{1 + n % 28:02d}T00:00:00"
    if isinstance(t, Date):
        return f"2026-01-{1 + n % 28:02d}"
    if isinstance(t, (String, Text)):
        limit = getattr(t, "length", None) or 40
        return f"值{n}"[:limit]
    raise AssertionError(f"no value for {col}")


def edit_field(table: str) -> str:
    """A field a team records (not a place, key or flag): the first text or number column."""
    for c in logged_columns(SYNCED_TABLES[table]):
        if c.name not in ("deleted", PLACE.get(table)) and not c.foreign_keys \
                and not isinstance(c.type, Boolean) and c.name not in ("year", "code", "scope"):
            return c.name
    raise AssertionError(table)


class Device:
    """An enrolled device seen from outside: its key and a change log of its own."""

    def __init__(self, url: str, db_url: str, name: str, villages: list[str]):
        token = enrol_token(db_url, name, villages)
        self.private = signing.new_private_key()
        self.key = httpx.post(f"{url}/sync/v1/enrol", json={"token": token, "public_key": signing.public_key(
            self.private)}).json()["device_key"]
        self.replica, self.incarnation, self.seq = str(uuid.uuid4()), str(uuid.uuid4()), 0
        self.http = httpx.Client(base_url=url, headers={"Authorization": f"Bearer {self.key}"}, timeout=60)
        hello = self.http.post("/sync/v1/hello", json={"replica_id": self.replica, "incarnation_id": self.incarnation,
                                                       "protocol": 1, "clock_ms": 0})
        assert hello.status_code == 200, hello.text

    def change(self, table: str, row_id: str, op: str, fields: dict, parents: dict | None = None) -> dict:
        self.seq += 1
        payload = {f: {"new": v, **({"parents": parents[f]} if parents and parents.get(f) else {})}
                   for f, v in fields.items()}
        return {"change_id": str(uuid.uuid4()), "replica_id": self.replica, "incarnation_id": self.incarnation,
                "seq": self.seq, "hlc": 2**40 + self.seq, "user_name": "乙", "tx_id": str(uuid.uuid4()),
                "table_name": table, "row_id": row_id, "op": op, "payload": json.dumps(payload, ensure_ascii=False),
                "created_at": "2026-11-28T00:00:00"}

    def push(self, changes: list[dict]) -> dict:
        r = self.http.post("/sync/v1/push", json={"incarnation_id": self.incarnation, "through": self.seq,
                                                  "changes": changes})
        assert r.status_code == 200, r.text
        return r.json()


def create_fields(table: str, place: dict) -> dict:
    n = next(_n)
    fields = {c.name: value_for(c, n) for c in logged_columns(SYNCED_TABLES[table]) if not c.foreign_keys}
    fields["deleted"] = False
    if "end_date" in fields:
        fields["end_date"] = None  # a current assignment
    for c in logged_columns(SYNCED_TABLES[table]):
        if c.foreign_keys:
            fields[c.name] = place.get(c.name)
    return fields


class World:
    """Rows of every synced table in V1, V2 and W, created by the county's own device."""

    def __init__(self, county: Device):
        self.rows: dict[tuple[str, str], str] = {}  # (table, village code) -> row id
        regions = [(COUNTY, "county", None), (TOWN, "township", COUNTY)]
        regions += [(v, "village", TOWN) for v in (V1, V2, W)] + [(v + "01", "group", v) for v in (V1, V2, W)]
        changes = []
        for code, level, parent in regions:
            fields = {"code": code, "name": f"区划{code}", "level": level, "deleted": False,
                      "parent_id": rid(parent) if parent else None}
            changes.append(county.change("region", rid(code), "create", fields))
        self.rows[("region", "group")] = rid(V1 + "01")
        for v in (V1, V2, W):
            for k in (1, 2):
                hid = str(uuid.uuid4())
                self.rows[("household", v if k == 1 else v + "b")] = hid
                changes.append(county.change("household", hid, "create", {
                    **create_fields("household", {}), "village_id": rid(v), "group_id": rid(v + "01")}))
        for v in (V1, V2, W):
            helper = str(uuid.uuid4())
            self.rows[("helper", v)] = helper
            changes.append(county.change("helper", helper, "create", create_fields("helper", {})))
            for table in sorted(CHILD_TABLES):
                row = str(uuid.uuid4())
                self.rows[(table, v)] = row
                changes.append(county.change(table, row, "create", create_fields(
                    table, {"household_id": self.rows[("household", v)], "helper_id": helper})))
        line = natural_id("poverty_line", {"year": 2026, "scope": "county", "region_code": COUNTY})
        self.rows[("poverty_line", V1)] = self.rows[("poverty_line", W)] = line
        changes.append(county.change("poverty_line", line, "create", {
            "year": 2026, "amount": "4500.00", "scope": "county", "region_code": COUNTY, "deleted": False}))
        answer = county.push(changes)
        assert answer["parked"] == 0 and answer["stored"] == len(changes), answer


@dataclass
class Case:
    table: str
    op: str  # create, update, delete, move
    scope: str  # in, out
    what: str
    change: dict
    expect: str  # applied, parked

    @property
    def label(self) -> str:
        return f"{self.table}×{self.op}×{self.scope}({self.what})"


def parents_of(engine, table: str, row_id: str, fields) -> dict:
    """The current leaves of each field: what an edit made on a laptop names as its parents."""
    with make_session_factory(engine, readonly=True).begin() as s:
        heads = dict(s.execute(select(FH.c.field, FH.c.change_ids).where(
            FH.c.table_name == table, FH.c.row_id == row_id)).all())
        create = s.execute(select(CH.c.change_id).where(CH.c.table_name == table, CH.c.row_id == row_id,
                                                        CH.c.op == "create")).scalars().all()
    return {f: json.loads(heads[f]) if f in heads else create for f in fields}


def stored_row(engine, table: str, row_id: str) -> dict | None:
    t = SYNCED_TABLES[table]
    with make_session_factory(engine, readonly=True).begin() as s:
        row = s.execute(select(t).where(t.c.id == row_id)).mappings().first()
    return None if row is None else {k: to_json(v) for k, v in row.items()}


def cases(device: Device, world: World, engine) -> list[Case]:
    """Every table x operation x scope the schema allows; the expected outcome from the rules."""
    out: list[Case] = []

    def edit(table, op, scope, what, row_id, fields, expect):
        parents = parents_of(engine, table, row_id, fields) if op != "create" else None
        out.append(Case(table, op, scope, what, device.change(table, row_id, "delete" if op == "delete" else
                                                              "create" if op == "create" else "update",
                                                              fields, parents), expect))

    for table in sorted(SYNCED_TABLES):
        if table == "region":
            group = {"code": V1 + "09", "name": "新组", "level": "group", "deleted": False}
            edit(table, "create", "in", "group in V1", rid(V1 + "09"), {**group, "parent_id": rid(V1)}, "applied")
            edit(table, "create", "out", "group in W", rid(W + "09"),
                 {**group, "code": W + "09", "parent_id": rid(W)}, "parked")
            edit(table, "create", "out", "village W", rid(W), {"code": W, "name": "x", "level": "village",
                                                                "parent_id": rid(TOWN), "deleted": False}, "parked")
            field = "first_secretary"
            assert field in VILLAGE_FIELDS
            edit(table, "update", "in", f"V1.{field}", rid(V1), {field: "张书记"}, "applied")
            edit(table, "update", "in", "V1 group name", rid(V1 + "01"), {"name": "一组"}, "applied")
            edit(table, "update", "out", f"W.{field}", rid(W), {field: "李书记"}, "parked")
            for locked, value in (("level", "township"), ("code", "450881104299"), ("name", "改名村")):
                edit(table, "update", "out", f"V1.{locked}", rid(V1), {locked: value}, "parked")
            edit(table, "update", "out", "township name", rid(TOWN), {"name": "改名镇"}, "parked")
            edit(table, "delete", "in", "V1 group", rid(V1 + "01"), {"deleted": True}, "applied")
            edit(table, "delete", "out", "W group", rid(W + "01"), {"deleted": True}, "parked")
            edit(table, "delete", "out", "village V1", rid(V1), {"deleted": True}, "parked")
            edit(table, "move", "in", "V1 group to V2", rid(V1 + "01"), {"parent_id": rid(V2)}, "parked")
            edit(table, "move", "out", "W group to V1", rid(W + "01"), {"parent_id": rid(V1)}, "parked")
            continue
        if table == "poverty_line":
            line = world.rows[(table, V1)]
            edit(table, "create", "out", "any", str(uuid.uuid4()), {"year": 2030, "amount": "1.00", "scope": "county",
                                                                    "region_code": COUNTY, "deleted": False}, "parked")
            edit(table, "update", "out", "amount", line, {"amount": "1.00"}, "parked")
            edit(table, "delete", "out", "any", line, {"deleted": True}, "parked")
            continue
        if table == "helper":
            field = edit_field(table)
            edit(table, "create", "in", "new helper", str(uuid.uuid4()), create_fields(table, {}), "applied")
            edit(table, "update", "in", "helps V1", world.rows[(table, V1)], {field: "13800000001"[:20]}, "applied")
            edit(table, "update", "out", "helps W only", world.rows[(table, W)], {field: "13800000002"}, "parked")
            edit(table, "delete", "out", "helps W only", world.rows[(table, W)], {"deleted": True}, "parked")
            edit(table, "delete", "in", "helps V2 only", world.rows[(table, V2)], {"deleted": True}, "applied")
            continue
        place = PLACE[table]
        field = edit_field(table)
        mine, theirs = world.rows[(table, V1)], world.rows[(table, W)]
        if table == "household":
            new = {"village_id": rid(V1), "group_id": rid(V1 + "01")}
            edit(table, "create", "in", "in V1", str(uuid.uuid4()), {**create_fields(table, {}), **new}, "applied")
            edit(table, "create", "out", "in W", str(uuid.uuid4()),
                 {**create_fields(table, {}), "village_id": rid(W), "group_id": rid(W + "01")}, "parked")
            edit(table, "move", "in", "V1→V2", world.rows[(table, V1 + "b")],
                 {"village_id": rid(V2), "group_id": rid(V2 + "01")}, "applied")
            edit(table, "move", "out", "V2→W", world.rows[(table, V2 + "b")],
                 {"village_id": rid(W), "group_id": rid(W + "01")}, "parked")
            edit(table, "move", "out", "W→V1", world.rows[(table, W + "b")],
                 {"village_id": rid(V1), "group_id": rid(V1 + "01")}, "parked")
            edit(table, "move", "out", "V1 group of W", mine, {"group_id": rid(W + "01")}, "parked")
        else:
            extra = {"helper_id": world.rows[("helper", V1)]}
            edit(table, "create", "in", "household in V1", str(uuid.uuid4()),
                 create_fields(table, {place: world.rows[("household", V1)], **extra}), "applied")
            edit(table, "create", "out", "household in W", str(uuid.uuid4()),
                 create_fields(table, {place: world.rows[("household", W)], **extra}), "parked")
            edit(table, "move", "in", "V2 household→V1", world.rows[(table, V2)],
                 {place: world.rows[("household", V1 + "b")]}, "applied")
            edit(table, "move", "out", "W household→V1 (renamed)", theirs,
                 {place: world.rows[("household", V1)], field: value_for(SYNCED_TABLES[table].c[field], 7)}, "parked")
            edit(table, "move", "out", "V1 household→W", mine, {place: world.rows[("household", W)]}, "parked")
        value = value_for(SYNCED_TABLES[table].c[field], 3)
        edit(table, "update", "in", f"V1.{field}", mine, {field: value}, "applied")
        edit(table, "update", "out", f"W.{field}", theirs, {field: value}, "parked")
        edit(table, "delete", "out", "in W", theirs, {"deleted": True}, "parked")
        edit(table, "delete", "in", "in V1", mine, {"deleted": True}, "applied")
    return out


def outcome(engine, case: Case) -> str:
    with make_session_factory(engine, readonly=True).begin() as s:
        cid = case.change["change_id"]
        stored = s.execute(select(CH.c.change_id).where(CH.c.change_id == cid)).first()
        parked = s.execute(select(PARKED.c.reason, PARKED.c.detail).where(PARKED.c.change_id == cid)).first()
    if parked:
        assert not stored and parked.reason == "out_of_scope" and parked.detail, case.label
        return "parked"
    assert stored, case.label
    row = stored_row(engine, case.table, case.change["row_id"])
    for f, e in json.loads(case.change["payload"]).items():
        assert row[f] == e["new"], (case.label, f, row[f], e["new"])
    return "applied"


def import_bundle(engine, device: Device, batch: list[Case], path):
    """The device's crafted changes as a signed laptop bundle, imported at the county."""
    changes = [c.change for c in batch]
    manifest = bundle._base_manifest("laptop", "乙", changes)
    manifest.update({"replica_id": device.replica, "incarnation_id": device.incarnation, "seq_range": None,
                     "log_range": [1, device.seq], "last_server_seq": 0})
    bundle._write(path, manifest, changes, device.private)
    return bundle.import_laptop(make_session_factory(engine), path)


@pytest.fixture(scope="module")
def county(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("scope")
    schema = PgSchema()
    server = ServerProcess(schema.url, tmp / "server.log")
    yield schema, server, tmp
    server.stop()
    schema.drop()


def laptop_rows(path) -> dict:
    from app.db.migrate import open_sqlite
    engine = open_sqlite(path)
    try:
        return state(engine)
    finally:
        engine.dispose()


def test_every_boundary_over_http_and_in_a_bundle(county):
    schema, server, tmp = county
    world = World(Device(server.url, schema.url, "县局", [COUNTY]))
    b = Device(server.url, schema.url, "乙", [V1, V2])
    # 甲, a real laptop for V1 and W, holds the world before 乙 tries anything.
    a_db = tmp / "a.db"
    kace("sync", "--db", a_db, "--server", server.url, "--enrol", enrol_token(schema.url, "甲", [V1, W]), check=True)
    a_before = laptop_rows(a_db)
    assert any(k[0] == "household" for k in a_before)

    generated = cases(b, world, schema.engine)
    tables = {c.table for c in generated}
    assert tables == set(SYNCED_TABLES)
    outside = [c for c in generated if c.expect == "parked"]
    inside = [c for c in generated if c.expect == "applied"]
    results: list[tuple[Case, str, str]] = []

    # 1. Everything out of scope in ONE bundle imported at the county: all parked, nothing changed.
    before = state(schema.engine)
    as_bundle = [Case(c.table, c.op, c.scope, c.what, {**c.change, "change_id": str(uuid.uuid4())}, c.expect)
                 for c in outside]
    report = import_bundle(schema.engine, b, as_bundle, tmp / "乙.kace")
    assert report.ingest.parked == len(as_bundle) and report.ingest.stored == 0
    assert state(schema.engine) == before
    results += [(c, "bundle", outcome(schema.engine, c)) for c in as_bundle]

    # 2. The same kinds one by one over HTTP: each parked, the server unchanged after each.
    for c in outside:
        answer = b.push([c.change])
        assert answer["parked"] == 1 and answer["stored"] == 0, (c.label, answer)
        assert state(schema.engine) == before, c.label
        results.append((c, "http", outcome(schema.engine, c)))
    # ...and the other laptop receives nothing of it.
    kace("sync", "--db", a_db, check=True)
    assert laptop_rows(a_db) == a_before

    # 3. In scope: each one applied (over HTTP), then a second round of the same kinds in a bundle.
    for c in inside:
        answer = b.push([c.change])
        assert answer["stored"] == 1 and answer["parked"] == 0, (c.label, answer)
        results.append((c, "http", outcome(schema.engine, c)))
    # The in-scope kinds once more, drawn afresh from the rows as they are now, in a bundle.
    again = [c for c in cases(b, world, schema.engine) if c.expect == "applied"]
    report = import_bundle(schema.engine, b, again, tmp / "乙-2.kace")
    assert report.ingest.parked == 0 and report.ingest.stored == len(again), report
    results += [(c, "bundle", outcome(schema.engine, c)) for c in again]
    assert [(c.label, via, got) for c, via, got in results if got != c.expect] == []
    print("\n".join(f"| {c.table} | {c.op} | {c.scope} | {c.what} | {via} | {got} |" for c, via, got in results))
