"""A county admin accepts, in the console, a change the server parked because its laptop was not
enrolled for the village; it reaches the village's own laptop at its next sync."""

from __future__ import annotations

import re

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import select

from app.db.engine import make_session_factory
from app.db.migrate import open_sqlite
from app.db.models import ConsoleAudit, Household, ParkedChange, Replica
from app.ops.context import OpContext
from app.ops.households import update_household
from app.sync import client
from app.sync import county_service as service
from app.server.app import create_app
from app.server.direct import DirectTransport
from tests.console.county import PASSWORD, TODAY, make_county

NOTE = "县里同意：由原工作队补录"

pytestmark = pytest.mark.postgres
H, P, AUDIT = Household.__table__, ParkedChange.__table__, ConsoleAudit.__table__


def test_an_out_of_scope_change_accepted_in_the_console_reaches_the_villages_laptop(tmp_path):
    county = make_county(tmp_path, households=60)
    try:
        server = make_session_factory(county.engine)
        transport = DirectTransport(server)
        # A laptop that held 金头村 and 石龙村 is re-enrolled for 石龙村 alone (金头村 went to another
        # team); an edit it then makes in 金头村 is parked by the server: 不属于该设备的村.
        village = county.villages[0]
        other = OpContext(open_sqlite(tmp_path / "other.db"), user="石龙队员", today_fn=lambda: TODAY)
        with server.begin() as s:
            token = service.enrol(s, "石龙-笔记本", [village["code"], "450881190201"])
        client.enrol(other.sessions, transport, "direct:", token)
        client.SyncClient(other.sessions, transport, sleep=lambda s: None).run()
        with server.begin() as s:
            token = service.enrol(s, "石龙-笔记本", ["450881190201"])
        client.enrol(other.sessions, transport, "direct:", token)
        with other.read() as s:
            household = s.execute(select(H.c.id).where(H.c.village_id == village["id"])
                                  .order_by(H.c.code.desc()).limit(1)).scalar_one()
        update_household(other, household, {"note": NOTE})
        summary = client.SyncClient(other.sessions, transport, sleep=lambda s: None).run()
        with county.engine.connect() as c:
            parked = c.execute(select(P.c.id).where(P.c.dismissed.is_(False), P.c.device_name == "石龙-笔记本",
                                                    P.c.reason == "out_of_scope")).scalars().all()
            assert c.execute(select(H.c.note).where(H.c.id == household)).scalar() != NOTE
        assert len(parked) == 1, summary

        app = create_app(county.engine)
        app.state.console.today_fn = lambda: TODAY
        web = TestClient(app)
        web.get("/login")
        web.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": web.cookies.get("kace_login")})
        page = web.get("/pending").text
        csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
        for parked_id in parked:
            assert f'action="/pending/{parked_id}/accept"' in page
        viewer = TestClient(app)
        viewer.get("/login")
        viewer.post("/login", data={"username": "viewer", "password": PASSWORD,
                                    "csrf": viewer.cookies.get("kace_login")})
        assert viewer.post(f"/pending/{parked[0]}/accept",
                           data={"csrf": re.search(r'name="csrf" value="([^"]+)"',
                                                   viewer.get("/pending").text).group(1)}).status_code == 403
        for parked_id in parked:
            r = web.post(f"/pending/{parked_id}/accept", data={"csrf": csrf}, follow_redirects=False)
            assert r.status_code == 303, r.text
        assert "石龙-笔记本" not in web.get("/pending").text
        with county.engine.connect() as c:
            assert c.execute(select(H.c.note).where(H.c.id == household)).scalar() == NOTE
            actions = c.execute(select(AUDIT.c.detail, AUDIT.c.username).where(
                AUDIT.c.action == "接受未应用的变更")).all()
        assert [tuple(a) for a in actions] == [("已应用到县数据库", "admin")]
        assert len(actions) == len(parked) and {u for _, u in actions} == {"admin"}

        # The village's own laptop receives the edit at its next sync.
        with county.laptop.read() as s:
            assert s.execute(select(H.c.note).where(H.c.id == household)).scalar() != NOTE
        with county.laptop.read() as s:
            key = s.execute(select(Replica.__table__.c.device_key)).scalar_one()
        client.SyncClient(county.laptop.sessions, DirectTransport(server, key), sleep=lambda s: None).run()
        with county.laptop.read() as s:
            assert s.execute(select(H.c.note).where(H.c.id == household)).scalar() == NOTE
        other.engine.dispose()
    finally:
        county.close()
