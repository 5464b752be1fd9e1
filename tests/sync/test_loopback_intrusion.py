"""Issue 15's "done when", end to end: `kace serve` and two real laptops on loopback, 甲 for two
villages and 乙 for one. 乙 crafts pushes with its own key: a member of the other village moved
into its own and renamed, the other village's household and region record edited, its own
village's level changed, a county-wide helper edited. Nothing changes on the server or on 甲; the
county lists every one as parked; 乙's next sync exits 0 (its digests still agree)."""

from __future__ import annotations

import json
import uuid

import httpx
import pytest
from sqlalchemy import select

from app.db.models import SYNCED_TABLES
from app.ops.assistance import assign_helper, create_helper
from app.ops.households import create_household
from app.sync import replica
from tests.sync.fleet import OTHER_VILLAGE, TODAY, VILLAGE, seed_regions, state
from tests.sync.http_fleet import PgSchema, ServerProcess, enrol_token, kace
from tests.sync.test_scope_boundary import laptop_rows, parents_of
from tests.sync.test_server_http import open_laptop, sync

pytestmark = pytest.mark.postgres
M = SYNCED_TABLES["member"]


def test_crafted_pushes_from_a_laptop_change_nothing(tmp_path):
    schema = PgSchema()
    server = ServerProcess(schema.url, tmp_path / "server.log")
    try:
        a_db, b_db = tmp_path / "a.db", tmp_path / "b.db"
        a = open_laptop(a_db, "甲")
        ids = seed_regions(a, (VILLAGE, OTHER_VILLAGE))
        mine = create_household(a, {"village_id": ids[VILLAGE]}, [{"name": "李一", "relation": "户主"}]).value["id"]
        theirs = create_household(a, {"village_id": ids[OTHER_VILLAGE], "phone": "13800000002"},
                                  [{"name": "王二", "relation": "户主"}]).value["id"]
        helper = create_helper(a, {"name": "赵帮扶", "phone": "13800000003"}).value["id"]
        assign_helper(a, theirs, helper, start=TODAY)
        with a.read() as s:
            member = s.execute(select(M.c.id).where(M.c.household_id == theirs)).scalar_one()
        a.engine.dispose()
        sync(a_db, "--server", server.url, "--enrol", enrol_token(schema.url, "甲", [VILLAGE, OTHER_VILLAGE]))
        sync(b_db, "--server", server.url, "--enrol", enrol_token(schema.url, "乙", [VILLAGE]))
        server_before, a_before = state(schema.engine), laptop_rows(a_db)

        with open_laptop(b_db).read() as s:
            me = replica.state(s)
        seq = iter(range(10**6, 10**6 + 100))

        def change(table, row_id, fields):
            parents = parents_of(schema.engine, table, row_id, fields)
            payload = {f: {"new": v, "parents": parents[f]} for f, v in fields.items()}
            return {"change_id": str(uuid.uuid4()), "replica_id": me.replica_id,
                    "incarnation_id": me.incarnation_id, "seq": next(seq), "hlc": 2**50, "user_name": "乙",
                    "tx_id": str(uuid.uuid4()), "table_name": table, "row_id": row_id, "op": "update",
                    "payload": json.dumps(payload, ensure_ascii=False), "created_at": "2026-11-28T00:00:00"}

        crafted = {
            "member of village 2 moved into 乙's household and renamed":
                change("member", member, {"household_id": mine, "name": "改名"}),
            "household of village 2 edited": change("household", theirs, {"phone": "13900000000"}),
            "village 2's region record edited (name, level)":
                change("region", ids[OTHER_VILLAGE], {"name": "改名村", "level": "township"}),
            "乙's own village made a township": change("region", ids[VILLAGE], {"level": "township"}),
            "county-wide helper's phone edited": change("helper", helper, {"phone": "13900000001"}),
        }
        http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {me.device_key}"}, timeout=60)
        for what, rec in crafted.items():
            r = http.post("/sync/v1/push", json={"incarnation_id": me.incarnation_id, "through": 0, "changes": [rec]})
            assert r.status_code == 200 and r.json()["parked"] == 1 and r.json()["stored"] == 0, (what, r.text)
            assert state(schema.engine) == server_before, what
        http.close()

        # 甲 syncs: nothing of it arrives, it still lists its two villages.
        sync(a_db)
        assert laptop_rows(a_db) == a_before
        listed = json.loads(kace("villages", "--db", a_db, "--json", check=True).stdout)
        assert sorted(v["code"] for v in listed) == sorted([VILLAGE, OTHER_VILLAGE])
        # 乙 syncs: exit 0, its digests agree with the server's.
        assert "修复后" not in sync(b_db).stdout
        # The county lists every crafted change, parked, with the device and the reason.
        items = json.loads(kace("conflicts", "--db-url", schema.url, "--json", check=True).stdout)
        parked = {i["row_id"]: i for i in items if i["kind"] == "parked"}
        assert {rec["row_id"] for rec in crafted.values()} <= parked.keys()
        assert all("乙" in parked[rec["row_id"]]["detail"] for rec in crafted.values())
        print("\n".join(f"{what}: parked — {parked[rec['row_id']]['detail']}" for what, rec in crafted.items()))
    finally:
        server.stop()
        schema.drop()
