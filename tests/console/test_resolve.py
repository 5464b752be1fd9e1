"""A county admin resolves, in the console, a field conflict between two laptops: the server
writes the resolution into its own change log (by 县扶贫办, the console user in the audit), and the
laptops receive it at their next sync, which closes the conflict there too."""

from __future__ import annotations

import re
from urllib.parse import quote

import pytest
from sqlalchemy import select

from app.db.engine import make_session_factory
from app.db.migrate import open_sqlite
from app.db.models import Change, ConsoleAudit, Household, Replica
from app.ops.context import OpContext
from app.ops.households import update_household
from app.db import review
from app.sync import client
from app.sync import county_service as service
from app.server.app import create_app
from app.server.direct import DirectTransport
from tests.console.county import TODAY, login, make_county

pytestmark = pytest.mark.postgres
H, CH, AUDIT = Household.__table__, Change.__table__, ConsoleAudit.__table__


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def field_items(ctx_or_engine) -> list[tuple[str, str]]:
    sessions = ctx_or_engine.read() if hasattr(ctx_or_engine, "read") else make_session_factory(ctx_or_engine).begin()
    with sessions as s:
        return [(i.row_id, i.field) for i in review.items(s) if i.kind == "field"]


def test_a_conflict_resolved_in_the_console_reaches_both_laptops(tmp_path):
    county = make_county(tmp_path, households=40)
    try:
        server = make_session_factory(county.engine)
        village = county.villages[0]
        with county.laptop.read() as s:
            key = s.execute(select(Replica.__table__.c.device_key)).scalar_one()
            household = s.execute(select(H.c.id).where(H.c.village_id == village["id"])
                                  .order_by(H.c.code).limit(1)).scalar_one()
        first = client.SyncClient(county.laptop.sessions, DirectTransport(server, key), sleep=lambda s: None)
        other = OpContext(open_sqlite(tmp_path / "other.db"), user="第二工作队", today_fn=lambda: TODAY)
        with server.begin() as s:
            token = service.enrol(s, "金头-笔记本2", [village["code"]])
        transport = DirectTransport(server)
        client.enrol(other.sessions, transport, "direct:", token)
        second = client.SyncClient(other.sessions, transport, sleep=lambda s: None)
        second.run()  # the new laptop starts from the county's snapshot of its village
        # Both laptops change 备注 and 开户银行 of the same household to different values.
        update_household(county.laptop, household, {"note": "甲队：已核实", "bank": "农商行"})
        update_household(other, household, {"note": "乙队：待复查", "bank": "邮储银行"})
        second.run()
        first.run()
        assert sorted(field_items(county.engine)) == [(household, "bank"), (household, "note")]

        app = create_app(county.engine)
        app.state.console.today_fn = lambda: TODAY
        admin = login(app, "admin")
        listing = admin.get("/pending").text
        item = f"field:household:{household}:note"
        assert f'/pending/conflict?item={quote(item, safe="")}' in listing
        assert "选用：甲队：已核实" in listing and "选用：乙队：待复查" in listing
        page = admin.get("/pending/conflict", params={"item": item}).text
        assert "金头-笔记本2" in page and "长河-笔记本1" in page, page  # who and which laptop
        with county.engine.connect() as c:
            chosen = c.execute(select(CH.c.change_id).where(
                CH.c.row_id == household, CH.c.user_name == "第二工作队")).scalar_one()

        # Refused: a 查看 account (its own valid token), a POST without a token, a wrong token.
        viewer = login(app, "viewer")
        r = viewer.post("/pending/resolve", params={"item": item, "choose": chosen},
                        data={"csrf": csrf_of(viewer.get("/pending").text)})
        assert r.status_code == 403 and "只能查看，不能修改" in r.text
        assert admin.post("/pending/resolve", params={"item": item, "choose": chosen}).status_code == 403
        r = admin.post("/pending/resolve", params={"item": item, "choose": chosen}, data={"csrf": "forged"})
        assert r.status_code == 403 and "安全检查未通过" in r.text
        assert len(field_items(county.engine)) == 2

        # A bad value is refused in Chinese and changes nothing.
        csrf = csrf_of(page)
        bank = f"field:household:{household}:bank"
        r = admin.post("/pending/resolve", data={"csrf": csrf, "item": bank, "value": "银" * 300})
        assert r.status_code == 400 and "开户银行" in r.text
        # Choose the second laptop's 备注; type a new 开户银行.
        r = admin.post("/pending/resolve", params={"item": item, "choose": chosen}, data={"csrf": csrf},
                       follow_redirects=False)
        assert r.status_code == 303, r.text
        r = admin.post("/pending/resolve", data={"csrf": csrf, "item": bank, "value": "县农村信用社"},
                       follow_redirects=False)
        assert r.status_code == 303, r.text
        assert field_items(county.engine) == []
        assert admin.post("/pending/resolve", data={"csrf": csrf, "item": bank, "value": "x"}).status_code == 404
        with county.engine.connect() as c:
            row = c.execute(select(H.c.note, H.c.bank).where(H.c.id == household)).one()
            authored = c.execute(select(CH.c.user_name, CH.c.village_id, CH.c.replica_id).where(
                CH.c.row_id == household, CH.c.user_name == service.COUNTY_OFFICE)).all()
            audit = c.execute(select(AUDIT.c.username, AUDIT.c.action, AUDIT.c.detail).where(
                AUDIT.c.action == "处理字段冲突").order_by(AUDIT.c.at)).all()
            own = c.execute(select(Replica.__table__.c.replica_id)).scalar_one()
        assert tuple(row) == ("乙队：待复查", "县农村信用社")
        assert {tuple(a) for a in authored} == {(service.COUNTY_OFFICE, village["id"], own)}
        assert len(authored) == 2
        assert [tuple(a) for a in audit] == [("admin", "处理字段冲突", "选用“乙队：待复查”"),
                                            ("admin", "处理字段冲突", "改为“县农村信用社”")]

        # Each laptop pulls the resolution at its next sync: its value is the chosen one and its
        # conflicts are closed.
        for laptop, sync in ((county.laptop, first), (other, second)):
            sync.run()
            with laptop.read() as s:
                assert tuple(s.execute(select(H.c.note, H.c.bank).where(H.c.id == household)).one()) == \
                    ("乙队：待复查", "县农村信用社")
            assert field_items(laptop) == []
        other.engine.dispose()
    finally:
        county.close()
