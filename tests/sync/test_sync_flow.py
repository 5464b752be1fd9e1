"""Two laptops and the county server: the situations of sync-design.md's merge table."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db.migrate import open_sqlite
from app.db.models import FieldHead
from app.ops.context import OpContext
from app.ops.households import create_household, delete_household, update_household
from tests.sync.fleet import VILLAGE, Laptop, Server, seed_regions, state, two_laptops

FH = FieldHead.__table__


@pytest.fixture
def fleet(tmp_path):
    with two_laptops(tmp_path) as county:
        yield county


def conflicts(laptop) -> set[tuple[str, str]]:
    with laptop.ctx.read() as s:
        return {(r.row_id, r.field) for r in s.execute(select(FH).where(FH.c.conflict.is_(True)))}


def household(laptop, hid):
    with laptop.ctx.read() as s:
        from app.db.models import Household
        return s.execute(select(Household.__table__).where(Household.__table__.c.id == hid)).mappings().one()


def new_household(laptop, village, **values):
    members = [{"name": "张三丰", "relation": "户主", "id_number": "450881199001011235"}]
    return create_household(laptop.ctx, {"village_id": village, **values}, members).value["id"]


def test_new_household_travels_and_everything_converges(fleet):
    server, a, b, village = fleet
    hid = new_household(a, village, phone="13800000000")
    sent = a.sync()
    assert sent.sent > 0 and sent.digest_ok
    got = b.sync()
    assert got.received > 0 and got.digest_ok
    assert household(b, hid)["phone"] == "13800000000"
    assert household(b, hid)["head_name"] == "张三丰"
    a.sync()
    assert state(a.ctx.engine) == state(b.ctx.engine) == state(server.engine)


def test_different_fields_merge_same_field_conflicts(fleet):
    server, a, b, village = fleet
    hid = new_household(a, village)
    a.sync(), b.sync()
    update_household(a.ctx, hid, {"phone": "13911111111", "bank": "农商行"})
    update_household(b.ctx, hid, {"phone": "13922222222", "note": "乙的备注"})
    a.sync(), b.sync(), a.sync()
    for laptop in (a, b):
        row = household(laptop, hid)
        assert row["bank"] == "农商行" and row["note"] == "乙的备注"  # merged
        assert row["phone"] in ("13911111111", "13922222222")  # provisional value, one of them
        assert conflicts(laptop) == {(hid, "phone")}
    assert state(a.ctx.engine) == state(b.ctx.engine) == state(server.engine)
    # A resolution is an ordinary change whose parents are all leaves: it closes the conflict.
    from app.ops.conflicts import resolve_field
    resolve_field(b.ctx, "household", hid, "phone", "13933333333")
    b.sync(), a.sync()
    assert conflicts(a) == conflicts(b) == set()
    assert household(a, hid)["phone"] == "13933333333"
    assert state(a.ctx.engine) == state(b.ctx.engine) == state(server.engine)


def test_same_value_is_no_conflict(fleet):
    server, a, b, village = fleet
    hid = new_household(a, village)
    a.sync(), b.sync()
    update_household(a.ctx, hid, {"phone": "13911111111"})
    update_household(b.ctx, hid, {"phone": "13911111111"})
    a.sync(), b.sync(), a.sync()
    assert conflicts(a) == conflicts(b) == set()


def test_sync_twice_changes_nothing(fleet):
    server, a, b, village = fleet
    new_household(a, village)
    a.sync(), b.sync()
    before = state(b.ctx.engine)
    again = b.sync()
    assert again.sent == 0 and again.received == 0
    assert state(b.ctx.engine) == before


def test_value_synced_in_while_the_form_was_open_is_a_conflict_not_overwritten(fleet):
    from app.db.detail_queries import household_detail
    from app.ops.batch import run_steps

    server, a, b, village = fleet
    hid = new_household(a, village)
    a.sync(), b.sync()
    with b.ctx.read() as s:
        mark = household_detail(s, hid)["log_seq"]  # b opens the editor
    update_household(a.ctx, hid, {"phone": "13911111111"})
    a.sync(), b.sync()  # a's value arrives while b's form still shows the old one
    run_steps(b.ctx, [lambda c: update_household(c, hid, {"phone": "13922222222", "note": "乙"})], mark)
    assert conflicts(b) == {(hid, "phone")}  # b never saw a's value: flagged, both kept
    assert household(b, hid)["note"] == "乙"
    b.sync(), a.sync()
    assert conflicts(a) == {(hid, "phone")}
    assert state(a.ctx.engine) == state(b.ctx.engine) == state(server.engine)
    # After reloading (a fresh mark) an edit is an ordinary edit that closes nothing by surprise.
    with b.ctx.read() as s:
        fresh = household_detail(s, hid)["log_seq"]
    run_steps(b.ctx, [lambda c: update_household(c, hid, {"bank": "农商行"})], fresh)
    assert conflicts(b) == {(hid, "phone")}


def test_delete_on_one_side_edit_on_the_other_and_member_added(fleet):
    from app.db import review
    from app.ops.households import add_member

    server, a, b, village = fleet
    hid = new_household(a, village)
    a.sync(), b.sync()
    delete_household(a.ctx, hid)
    update_household(b.ctx, hid, {"phone": "13911111111"})
    add_member(b.ctx, hid, {"name": "李四", "relation": "子"})
    a.sync(), b.sync(), a.sync()
    for laptop in (a, b):
        assert household(laptop, hid)["deleted"] is True  # stays deleted
        assert household(laptop, hid)["phone"] == "13911111111"  # the edit is kept
        with laptop.ctx.read() as s:
            kinds = sorted(i.kind for i in review.items(s))
        assert kinds == ["delete_edit", "orphan_member"]
    from app.ops.conflicts import resolve
    with a.ctx.read() as s:
        item = next(i for i in review.items(s) if i.kind == "delete_edit")
    resolve(a.ctx, item.id, action="restore")
    a.sync(), b.sync()
    for laptop in (a, b):
        assert household(laptop, hid)["deleted"] is False
        with laptop.ctx.read() as s:
            assert review.items(s) == []


def test_same_family_registered_twice(fleet):
    from app.db import review
    from app.ops.conflicts import resolve

    server, a, b, village = fleet
    h1 = new_household(a, village)
    h2 = new_household(b, village)
    a.sync(), b.sync(), a.sync()
    with b.ctx.read() as s:
        items = review.items(s)
    assert [i.kind for i in items] == ["duplicate"]
    resolve(b.ctx, items[0].id, choose=h1)
    b.sync(), a.sync()
    assert household(a, h2)["deleted"] is True and household(a, h1)["deleted"] is False
    with a.ctx.read() as s:
        assert review.items(s) == []


def test_outside_the_device_villages_is_parked_on_the_server(tmp_path):
    from app.db import review
    from tests.sync.fleet import OTHER_VILLAGE

    server = Server(open_sqlite(tmp_path / "county.db"))
    county = Laptop(tmp_path / "county-office.db", server, "县", [VILLAGE, OTHER_VILLAGE])
    ids = seed_regions(county.ctx, (VILLAGE, OTHER_VILLAGE))
    county.sync()
    a = Laptop(tmp_path / "a.db", server, "甲")  # enrolled for VILLAGE only
    a.sync()
    with a.ctx.read() as s:  # it never received the other village
        from app.db.models import Region
        r = Region.__table__
        assert s.execute(select(r.c.id).where(r.c.id == ids[OTHER_VILLAGE])).first() is None
    # a forged write into the other village (a copied region row lets the op run)
    from app.db.changelog import ChangeWriter
    with a.ctx.sessions.begin() as s:
        w = ChangeWriter(s, "甲")
        w.insert("region", {"id": ids[OTHER_VILLAGE], "code": OTHER_VILLAGE, "name": "别村", "level": "village"})
        w.finish()
    new_household(a, ids[OTHER_VILLAGE])
    summary = a.sync()
    assert summary.parked_on_server >= 2
    with server.sessions.begin() as s:
        parked = [i for i in review.items(s) if i.kind == "parked"]
        assert parked and all("不属于该设备的村" in i.detail for i in parked)
        from app.db.models import Household
        assert s.execute(select(Household.__table__)).first() is None  # nothing applied
    county.sync()
    with county.ctx.read() as s:
        from app.db.models import Household
        assert s.execute(select(Household.__table__)).first() is None
    for x in (a, county):
        x.close()
    server.engine.dispose()


def test_server_restored_from_an_older_backup_gets_our_changes_again(fleet, tmp_path):
    """The county file is put back to an older copy: the laptops' acknowledged changes it lost
    are sent again at the next sync, because hello tells how far the server holds each log."""
    import shutil

    server, a, b, village = fleet
    server.engine.dispose()
    path = tmp_path / "county.db"
    shutil.copy(path, tmp_path / "county-old.db")
    hid = new_household(a, village)
    a.sync()
    server.engine.dispose()
    shutil.copy(tmp_path / "county-old.db", path)  # the restore: a's household is gone there
    summary = a.sync()
    assert summary.sent > 0 and summary.digest_ok
    b.sync()
    assert household(b, hid)["head_name"] == "张三丰"


def test_a_pull_leaves_out_what_the_laptop_itself_pushed(fleet):
    """Pushing 1 household and pulling in the same sync must not download it again; another
    laptop, a pull without the incarnation (a return bundle) and a restored copy of the laptop
    (a new incarnation) still get it."""
    from app.sync import replica
    from app.sync import county_service as service

    server, a, b, village = fleet
    hid = new_household(a, village)
    summary = a.sync()
    assert summary.sent > 0 and summary.received == 0 and summary.digest_ok
    assert b.sync().received == summary.sent
    with a.ctx.read() as s:
        me = replica.state(s)
    with server.sessions.begin() as s:
        device = service.device_by_name(s, "甲")

        def rows(**extra):
            page = service.pull(s, device, {"after": 0, "limit": 5000, **extra})
            return {c["row_id"] for c in page["changes"]}, page
        own_left_out, page = rows(incarnation_id=me.incarnation_id)
        assert hid not in own_left_out
        assert page["last"] == service.server_seq(s) and not page["more"]  # the cursor moves past them
        assert hid in rows()[0]
        assert hid in rows(incarnation_id="another-incarnation")[0]


def test_an_enrolment_cut_off_before_the_key_was_stored_can_be_redone(tmp_path):
    """The token stays good until the laptop has used a key: a laptop that lost the server's
    answer enrols again with the same token; once a key has been used, the token is spent."""
    from app.sync import client
    from app.sync.client import ServerRefused
    from app.server.direct import DirectTransport

    server = Server(open_sqlite(tmp_path / "county.db"))
    token = server.token("甲", [VILLAGE])
    lost = DirectTransport(server.sessions).call("enrol", {"token": token})  # answer never stored
    laptop = OpContext(open_sqlite(tmp_path / "a.db"), user="甲")
    transport = DirectTransport(server.sessions)
    client.enrol(laptop.sessions, transport, "direct:", token)  # the same token again
    assert transport.key != lost["device_key"]
    with pytest.raises(ServerRefused) as e:  # the first key was replaced
        DirectTransport(server.sessions, lost["device_key"]).call("hello", {"incarnation_id": "x"})
    assert e.value.status == 401
    assert client.SyncClient(laptop.sessions, transport, sleep=lambda s: None).run().digest_ok
    with pytest.raises(ServerRefused) as e:  # used: the token is spent
        DirectTransport(server.sessions).call("enrol", {"token": token})
    assert e.value.status == 403 and "登记码" in e.value.message
    laptop.engine.dispose()
