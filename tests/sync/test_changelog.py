"""The change log: one record per changed row, in the same transaction, with parents."""

from __future__ import annotations

import json

import pytest
from sqlalchemy import func, select

from app.db.models import Change, FieldHead, Household, Member, Replica
from app.domain.errors import DomainError
from app.ops.households import add_member, create_household, remove_member, update_household
from tests import factories

CH = Change.__table__


def changes(ctx, **where):
    with ctx.read() as s:
        q = select(CH).order_by(CH.c.seq)
        for k, v in where.items():
            q = q.where(CH.c[k] == v)
        return [dict(r) for r in s.execute(q).mappings()]


def test_create_writes_one_record_per_row_with_all_fields(ctx, village):
    before = len(changes(ctx))
    res = create_household(ctx, {"village_id": village["id"], "group_id": village["groups"][0],
                                 "main_cause": "因病", "phone": "13800138000"},
                           [factories.head(), factories.spouse()])
    new = changes(ctx)[before:]
    assert [c["table_name"] for c in new] == ["household", "member", "member"]
    assert len({c["tx_id"] for c in new}) == 1
    hh = json.loads(new[0]["payload"])
    assert hh["main_cause"] == {"new": "01"} and hh["phone"] == {"new": "13800138000"}
    assert all("parents" not in v for v in hh.values())
    assert new[0]["row_id"] == res.value["id"] and new[0]["op"] == "create"
    assert new[0]["user_name"] == "测试员"
    # derived columns are not logged
    assert "size" not in hh and "name_initials" not in json.loads(new[1]["payload"])


def test_seq_is_gap_free_and_clock_increases(ctx, village):
    create_household(ctx, {"village_id": village["id"]}, [factories.head()])
    with pytest.raises(DomainError):  # a refused op must not consume sequence numbers
        create_household(ctx, {"village_id": village["id"]}, [factories.head(seq=12)])
    create_household(ctx, {"village_id": village["id"]}, [factories.head("王五", seq=40)])
    rows = changes(ctx)
    assert [c["seq"] for c in rows] == list(range(1, len(rows) + 1))
    assert all(a["hlc"] < b["hlc"] for a, b in zip(rows, rows[1:]))
    with ctx.read() as s:
        assert s.execute(select(Replica.__table__.c.last_seq)).scalar() == len(rows)


def test_update_records_old_new_and_parents(ctx, village):
    hid = create_household(ctx, {"village_id": village["id"], "phone": "13800138000"}).value["id"]
    created = changes(ctx, row_id=hid)[0]
    update_household(ctx, hid, {"phone": "13900139000", "note": "搬迁"})
    first = changes(ctx, row_id=hid)[-1]
    payload = json.loads(first["payload"])
    assert payload["phone"] == {"new": "13900139000", "old": "13800138000",
                                "parents": [created["change_id"]]}
    assert payload["note"]["old"] is None
    update_household(ctx, hid, {"phone": "13700137000"})
    second = json.loads(changes(ctx, row_id=hid)[-1]["payload"])
    assert list(second) == ["phone"] and second["phone"]["parents"] == [first["change_id"]]
    with ctx.read() as s:
        heads = dict(s.execute(select(FieldHead.field, FieldHead.change_ids)
                               .where(FieldHead.row_id == hid)).all())
    assert json.loads(heads["phone"]) != json.loads(heads["note"])


def test_unchanged_values_write_nothing(ctx, village):
    hid = create_household(ctx, {"village_id": village["id"], "phone": "13800138000"}).value["id"]
    n = len(changes(ctx))
    result = update_household(ctx, hid, {"phone": "138 0013 8000"})
    assert result.value == {} and len(changes(ctx)) == n


def test_member_removal_is_a_tombstone(ctx, village):
    hid = create_household(ctx, {"village_id": village["id"]},
                           [factories.head(), factories.spouse()]).value["id"]
    with ctx.read() as s:
        spouse_id = s.execute(select(Member.id).where(Member.name == "李秀英")).scalar()
        assert s.execute(select(Household.size).where(Household.id == hid)).scalar() == 2
    remove_member(ctx, spouse_id)
    last = changes(ctx)[-1]
    assert last["op"] == "delete" and json.loads(last["payload"])["deleted"]["new"] is True
    with ctx.read() as s:
        assert s.execute(select(func.count()).select_from(Member)).scalar() == 2  # still there
        assert s.execute(select(Household.size).where(Household.id == hid)).scalar() == 1


def test_orm_writes_that_bypass_the_log_are_refused(ctx, village):
    with pytest.raises(RuntimeError, match="ChangeWriter"):
        with ctx.sessions.begin() as s:
            s.add(Household(code="x", village_id=village["id"]))


def test_member_added_later_has_its_own_record(ctx, village):
    hid = create_household(ctx, {"village_id": village["id"]}, [factories.head()]).value["id"]
    mid = add_member(ctx, hid, factories.child()).value["id"]
    rec = changes(ctx, row_id=mid)
    assert len(rec) == 1 and json.loads(rec[0]["payload"])["household_id"]["new"] == hid
