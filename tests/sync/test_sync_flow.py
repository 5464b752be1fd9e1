"""Two laptops and the county server: the situations of sync-design.md's merge table."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db.migrate import open_sqlite
from app.db.models import FieldHead
from app.ops.households import create_household, delete_household, update_household
from tests.sync.fleet import VILLAGE, Laptop, Server, seed_regions, state

FH = FieldHead.__table__


@pytest.fixture
def fleet(tmp_path):
    server = Server(open_sqlite(tmp_path / "county.db"))
    a = Laptop(tmp_path / "a.db", server, "甲")
    b = Laptop(tmp_path / "b.db", server, "乙")
    village = seed_regions(a.ctx)[VILLAGE]
    a.sync()
    b.sync()
    yield server, a, b, village
    a.close()
    b.close()
    server.engine.dispose()


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
    update_household(b.ctx, hid, {"phone": "13922222222"}) if False else None
    from app.sync.resolve import resolve_field
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
