"""A county PostgreSQL schema filled the real way: a laptop makes a demo county (app/demo),
enrols with the county server and syncs (the server service in-process, app/server/direct.py).
A second device is enrolled for one village and never syncs; a third synced 40 days ago."""

from __future__ import annotations

import uuid
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path

from sqlalchemy import select, update

from app.console import accounts
from app.db.engine import make_session_factory
from app.db.migrate import open_sqlite, upgrade_engine
from app.db.models import Change, Device, Household, Region
from app.demo import make_demo
from app.ops.context import OpContext
from app.ops.households import update_household
from app.ops.regions import create_region
from app.sync import client, merge, wire
from app.sync import county_service as service
from app.server.direct import DirectTransport
from tests.sync.http_fleet import PgSchema

TODAY = date(2026, 11, 27)
PASSWORD = "county-pass-1"
NOTE = "县里抽查：情况属实"
USERS = {"admin": ("县管理员", []), "viewer": ("查看", [])}  # and "town": 乡镇 of 石龙镇 (no households)


@dataclass
class County:
    schema: PgSchema
    laptop_path: Path
    laptop: OpContext
    villages: list[dict]  # {code, name, township_code, id}
    townships: list[str]
    edited: str  # the household whose 备注 was changed after the first sync
    users: dict[str, str] = field(default_factory=dict)

    @property
    def engine(self):
        return self.schema.engine

    def close(self) -> None:
        self.laptop.engine.dispose()
        self.schema.drop()


def make_county(tmp: Path, households: int = 500) -> County:
    schema = PgSchema()
    upgrade_engine(schema.engine)
    server = make_session_factory(schema.engine)
    path = tmp / "laptop.db"
    laptop = OpContext(open_sqlite(path), user="驻村队员", today_fn=lambda: TODAY)
    make_demo(laptop, households, seed=7, as_of=TODAY, parallel=False)
    R = Region.__table__
    with laptop.read() as s:
        county_id = s.execute(select(R.c.id).where(R.c.level == "county")).scalar_one()
    # A second township with an empty village: the 乡镇 account's own, away from the households.
    town2 = create_region(laptop, "450881190000", "石龙镇", "township", county_id).value["id"]
    create_region(laptop, "450881190201", "石龙村", "village", town2, agri_population=900)
    town = R.alias("town")
    with laptop.read() as s:
        villages = [dict(r) for r in s.execute(
            select(R.c.id, R.c.code, R.c.name, town.c.code.label("township_code"))
            .join(town, town.c.id == R.c.parent_id).where(R.c.level == "village").order_by(R.c.code)).mappings()]
    with server.begin() as s:
        token = service.enrol(s, "长河-笔记本1", [v["code"] for v in villages])
    transport = DirectTransport(server)
    client.enrol(laptop.sessions, transport, "direct:", token)
    client.SyncClient(laptop.sessions, transport, sleep=lambda s: None).run()
    # An edit after the first sync: the household page's history shows it as old -> new.
    H = Household.__table__
    with laptop.read() as s:
        edited = s.execute(select(H.c.id).order_by(H.c.code).limit(1)).scalar_one()
    update_household(laptop, edited, {"note": NOTE})
    client.SyncClient(laptop.sessions, transport, sleep=lambda s: None).run()
    D = Device.__table__
    with server.begin() as s:
        service.enrol(s, "新村-笔记本2", [villages[-1]["code"]])  # enrolled, never synced
        token3 = service.enrol(s, "旧村-笔记本3", [villages[0]["code"]])
        info = service.redeem(s, token3)
        s.execute(update(D).where(D.c.name == info["device_name"]).values(
            last_seen_at=accounts.now() - timedelta(days=40), token_hash=None))
        park_one(s, edited, info["device_name"])
        townships = sorted({v["township_code"] for v in villages})
        for name, (role, towns) in USERS.items():
            accounts.add_user(s, name, PASSWORD, role, towns)
        accounts.add_user(s, "town", PASSWORD, "乡镇", ["450881190000"])
    return County(schema, path, laptop, villages, townships, edited)


def park_one(session, household_id: str, device_name: str) -> None:
    """A change the server parked: a laptop sent a record of a village it was not enrolled for
    (a copy of the household's real create record, under a new change id)."""
    CH = Change.__table__
    row = session.execute(select(CH).where(CH.c.table_name == "household", CH.c.row_id == household_id)
                          .order_by(CH.c.log_seq).limit(1)).mappings().one()
    merge.park(session, {**wire.to_wire(row), "change_id": str(uuid.uuid4())}, "out_of_scope",
               "该设备无权修改此村的数据", device_name)


def login(app, username: str, password: str = PASSWORD):
    """A TestClient of the console app logged in as `username`."""
    from fastapi.testclient import TestClient

    web = TestClient(app)
    web.get("/login")
    r = web.post("/login", data={"username": username, "password": password, "csrf": web.cookies.get("kace_login")},
                 follow_redirects=False)
    assert r.status_code == 303, r.text
    return web
