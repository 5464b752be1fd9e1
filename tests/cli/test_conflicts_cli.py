"""`kace conflicts`: the review items of a real sync conflict (two laptops, one county server),
listed as a table and as JSON, and resolved from the command line."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.cli import main
from app.db.models import Household
from app.ops.households import create_household, delete_household, update_household
from tests.cli.test_cli import run_json
from tests.sync.fleet import two_laptops

H = Household.__table__


@pytest.fixture
def fleet(tmp_path):
    with two_laptops(tmp_path) as (_server, a, b, village):
        yield conflicted(tmp_path, a, b, village)


def conflicted(tmp_path, a, b, village):
    hid = create_household(a.ctx, {"village_id": village},
                           [{"name": "张三丰", "relation": "户主", "id_number": "450881199001011235"}]).value["id"]
    a.sync(), b.sync()
    update_household(a.ctx, hid, {"phone": "13911111111"})
    update_household(b.ctx, hid, {"phone": "13922222222"})
    a.sync(), b.sync(), a.sync()
    return tmp_path / "a.db", a, b, hid, village


def phone(laptop, hid):
    with laptop.ctx.read() as s:
        return s.execute(select(H.c.phone).where(H.c.id == hid)).scalar()


def test_list_json_and_table(fleet, capsys):
    db, a, _b, hid, _v = fleet
    code, items = run_json(capsys, "conflicts", "--db", str(db), "--json")
    assert code == 0 and len(items) == 1
    item = items[0]
    assert item["id"] == f"field:household:{hid}:phone" and item["kind"] == "field"
    assert item["household_id"] == hid and item["head_name"] == "张三丰"
    values = {c["value"]: c for c in item["candidates"]}
    assert set(values) == {"13911111111", "13922222222"}
    assert values["13911111111"]["user"] == "甲" and values["13922222222"]["user"] == "乙"
    # The device's name beside its replica id: 甲 is this laptop, 乙 as the county told it.
    assert values["13911111111"]["device"] == "甲" and values["13922222222"]["device"] == "乙"
    assert sum(c["shown"] for c in item["candidates"]) == 1
    assert all(c["when"] for c in item["candidates"])

    assert main(["conflicts", "--db", str(db)]) == 0
    out = capsys.readouterr().out
    for word in ("类型", "户编号", "户主", "字段", "各方的值", "字段冲突", "张三丰", "联系电话",
                 "13911111111（甲，本机，", "13922222222（乙，设备“乙”，", "当前显示"):
        assert word in out, word


def test_resolve_by_choosing_a_candidate(fleet, capsys):
    db, a, b, hid, _v = fleet
    _, items = run_json(capsys, "conflicts", "--db", str(db), "--json")
    chosen = next(c for c in items[0]["candidates"] if c["value"] == "13922222222")
    other = next(c for c in items[0]["candidates"] if c is not chosen)
    # the shortest beginning that tells the two apart (ids of one millisecond share 13 characters)
    n = next(n for n in range(8, 37) if chosen["change_id"][:n] != other["change_id"][:n])
    code = main(["conflicts", "resolve", "--db", str(db), items[0]["id"][:30], "--choose",
                 chosen["change_id"][:n]])
    assert code == 0 and "已处理" in capsys.readouterr().out
    assert phone(a, hid) == "13922222222"
    assert run_json(capsys, "conflicts", "--db", str(db), "--json") == (0, [])
    assert main(["conflicts", "--db", str(db)]) == 0
    assert "没有待处理的冲突" in capsys.readouterr().out
    # the resolution travels: the other laptop's conflict closes too
    a.sync(), b.sync()
    assert phone(b, hid) == "13922222222"
    with b.ctx.read() as s:
        from app.db import review

        assert review.items(s) == []


def test_resolve_with_another_value_and_bad_input(fleet, capsys):
    db, a, _b, hid, _v = fleet
    item_id = f"field:household:{hid}:phone"
    assert main(["conflicts", "resolve", "--db", str(db), "field:nothing", "--value", "13900000000"]) == 2
    assert "没有这个待处理项：field:nothing" in capsys.readouterr().err
    assert main(["conflicts", "resolve", "--db", str(db), item_id, "--choose", "zzzz"]) == 2
    assert "候选编号 zzzz 不存在或不唯一" in capsys.readouterr().err
    assert main(["conflicts", "resolve", "--db", str(db), item_id, "--action", "restore"]) == 2
    assert "字段冲突请用" in capsys.readouterr().err
    assert main(["conflicts", "resolve", "--db", str(db), item_id, "--value", "123"]) == 2
    assert "联系电话" in capsys.readouterr().err  # refused by the domain rule, nothing written
    assert phone(a, hid) in ("13911111111", "13922222222")
    assert main(["conflicts", "resolve", "--db", str(db), item_id, "--value", "13933333333"]) == 0
    assert phone(a, hid) == "13933333333"
    with pytest.raises(SystemExit) as exit_:
        main(["conflicts", "resolve", "--db", str(db), item_id])  # no way of resolving given
    assert exit_.value.code == 2


def test_delete_against_edit_restore(fleet, capsys):
    db, a, b, hid, _v = fleet
    main(["conflicts", "resolve", "--db", str(db), f"field:household:{hid}:phone", "--value", "13933333333"])
    a.sync(), b.sync()
    delete_household(a.ctx, hid)
    update_household(b.ctx, hid, {"bank": "农商行"})
    b.sync(), a.sync()
    code, items = run_json(capsys, "conflicts", "--db", str(db), "--json")
    kinds = {i["kind"]: i for i in items}
    assert "delete_edit" in kinds, items
    assert main(["conflicts", "resolve", "--db", str(db), kinds["delete_edit"]["id"], "--value", "x"]) == 2
    assert main(["conflicts", "resolve", "--db", str(db), kinds["delete_edit"]["id"], "--action", "restore"]) == 0
    with a.ctx.read() as s:
        row = s.execute(select(H.c.deleted, H.c.bank).where(H.c.id == hid)).one()
    assert row == (False, "农商行")
    _, left = run_json(capsys, "conflicts", "--db", str(db), "--json")
    assert not [i for i in left if i["kind"] == "delete_edit"]


def test_county_server_lists_with_device_names(fleet, capsys, tmp_path):
    url = f"sqlite:///{tmp_path / 'county.db'}"
    assert main(["conflicts", "--db-url", url]) == 0
    out = capsys.readouterr().out
    assert "13911111111（甲，设备“甲”，" in out and "13922222222（乙，设备“乙”，" in out
    assert "笔记本上处理" in out
    code, items = run_json(capsys, "conflicts", "--db-url", url, "--json")
    assert code == 0 and [i["kind"] for i in items] == ["field"]
    assert {c["value"]: c["device"] for c in items[0]["candidates"]} == {"13911111111": "甲", "13922222222": "乙"}
    assert main(["conflicts", "--db-url", url, "resolve", items[0]["id"], "--value", "13900000000"]) == 2
    assert "只能列出" in capsys.readouterr().err
