"""The console's figures are computed once per state of the county database (app/console/cache.py)
and computed again as soon as a laptop's sync changes the data."""

from __future__ import annotations

import io

import pytest
from fastapi.testclient import TestClient
from openpyxl import load_workbook
from sqlalchemy import select

from app.console import figures
from app.db.engine import make_session_factory
from app.db.models import Replica
from app.domain import codes
from app.ops.households import create_household
from app.sync import client
from app.server.app import create_app
from app.server.direct import DirectTransport
from tests.console.county import PASSWORD, TODAY, make_county

pytestmark = pytest.mark.postgres


def county_households(web: TestClient) -> int:
    sheet = load_workbook(io.BytesIO(web.get("/?format=xlsx").content))["各乡镇"]
    rows = list(sheet.iter_rows(values_only=True))
    header = next(r for r in rows if r and r[0] == "乡镇")
    total = next(r for r in rows if r and r[0] == "合计")
    return total[header.index("户数")]


def test_figures_are_reused_until_a_sync_changes_the_data(tmp_path):
    county = make_county(tmp_path, households=60)
    try:
        app = create_app(county.engine)
        console = app.state.console
        console.today_fn = lambda: TODAY
        web = TestClient(app)
        web.get("/login")
        web.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": web.cookies.get("kace_login")})
        before = county_households(web)
        with console.sessions.begin() as s:
            first = figures.village_figures(s, None, TODAY)
            assert figures.village_figures(s, None, TODAY) is first  # the same state: computed once
            assert figures.village_figures(s, None, TODAY, village_code=county.villages[0]["code"]) is not first
        with make_session_factory(county.engine).begin() as s:
            assert figures.village_figures(s, None, TODAY) is not first  # a session without the cache

        village = county.villages[0]
        create_household(county.laptop, {"village_id": village["id"], "head_name": "黄新"},
                         [{"name": "黄新", "relation": codes.RELATION.code("户主")}])
        with county.laptop.read() as s:
            key = s.execute(select(Replica.__table__.c.device_key)).scalar_one()
        client.SyncClient(county.laptop.sessions, DirectTransport(make_session_factory(county.engine), key),
                          sleep=lambda s: None).run()

        assert county_households(web) == before + 1
        with console.sessions.begin() as s:
            again = figures.village_figures(s, None, TODAY)
        assert again is not first
        assert sum(f.households for f in again) == sum(f.households for f in first) + 1
    finally:
        county.close()
