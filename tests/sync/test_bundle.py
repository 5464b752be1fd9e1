"""Change bundles on a USB stick: the same merge as the network path, verified before anything is
written, idempotent, order-independent (sync-design.md "Bundles")."""

from __future__ import annotations

import hashlib
import itertools
import json
import zipfile
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import select

from app.cli import main
from app.db import review
from app.db.migrate import backup_sqlite, open_sqlite
from app.db.models import Change, Device, DeviceAck, ParkedChange, Replica
from app.ops.conflicts import resolve_field
from app.ops.context import OpContext
from app.ops.households import create_household, update_household
from app.sync import bundle, replica, signing
from tests.factories import id_number
from tests.sync.fleet import TODAY, VILLAGE, Laptop, Server, seed_regions, state
from tests.sync.test_sync_flow import fleet  # noqa: F401 - the shared fixture

CH = Change.__table__


# --- helpers -----------------------------------------------------------------------------------


def snapshot(engine) -> tuple:
    """Everything a bundle import could touch: synced rows and heads, the whole change log (with
    positions and acknowledgements), parked records, the replica row, devices and acks."""
    with engine.connect() as c:
        def rows(table, *order):
            return [tuple(r) for r in c.execute(select(table).order_by(*order))]
        extra = (rows(CH, CH.c.change_id), rows(ParkedChange.__table__, ParkedChange.__table__.c.id),
                 rows(Replica.__table__), rows(Device.__table__, Device.__table__.c.id),
                 rows(DeviceAck.__table__, DeviceAck.__table__.c.device_id, DeviceAck.__table__.c.incarnation_id))
    return state(engine), extra


def review_marks(engine) -> list:
    """The review items a person sees, with every candidate value (not ids of local rows)."""
    from app.db.engine import make_session_factory

    with make_session_factory(engine, readonly=True).begin() as s:
        items = review.items(s)
    return sorted((i.kind, i.table, i.row_id, i.field or "",
                   tuple(sorted((c.change_id, json.dumps(c.value, default=str), c.shown) for c in i.candidates)))
                  for i in items)


_people = itertools.count(100)


def new_household(laptop, village, **values) -> str:
    """A household with its head (one ID number each: no duplicate-registration items)."""
    members = [{"name": "张三丰", "relation": "户主", "id_number": id_number(date(1970, 3, 15), "男", next(_people))}]
    return create_household(laptop.ctx, {"village_id": village, **values}, members).value["id"]


def export(laptop, path) -> bundle.ExportReport:
    return bundle.export_laptop(laptop.ctx.sessions, path)


def county_import(server, path) -> bundle.ImportReport:
    return bundle.import_laptop(server.sessions, path)


def county_return(server, laptop, path) -> bundle.ExportReport:
    return bundle.export_return(server.sessions, laptop.name, path)


def laptop_import(laptop, path) -> bundle.ImportReport:
    return bundle.import_return(laptop.ctx.sessions, path)


def unsynced(laptop) -> int:
    with laptop.ctx.read() as s:
        return replica.unsynced_count(s)


def cursor(laptop) -> int:
    with laptop.ctx.read() as s:
        return replica.state(s).pulled_server_seq


def members(path: Path) -> dict[str, bytes]:
    with zipfile.ZipFile(path) as z:
        return {n: z.read(n) for n in z.namelist()}


def rewrite(path: Path, out: Path, *, manifest: dict | None = None, key: str | None = None,
            content: bytes | None = None) -> Path:
    """A bundle rebuilt with other parts (re-signed with `key` when given)."""
    parts = members(path)
    if content is not None:
        parts[bundle.CHANGES] = content
    if manifest is not None:
        parts[bundle.MANIFEST] = json.dumps(manifest).encode()
    if key is not None:
        parts[bundle.SIGNATURE] = signing.sign(key, parts[bundle.MANIFEST]).encode()
    with zipfile.ZipFile(out, "w") as z:
        for name, data in parts.items():
            z.writestr(name, data)
    return out


@pytest.fixture
def stick(fleet):
    """The county server (SQLite), laptop 甲 that travels by USB stick and 乙 on the network
    (test_sync_flow's fleet), each synced once more: the second pull confirms what the first
    brought, so return bundles start there."""
    server, a, b, village = fleet
    a.sync()
    b.sync()
    return fleet


# --- the round trip ----------------------------------------------------------------------------


def test_round_trip_laptop_county_return_converges(stick, tmp_path):
    server, a, b, village = stick
    hid = new_household(a, village, phone="13800000000")
    update_household(a.ctx, hid, {"bank": "农商行"})
    waiting = unsynced(a)
    out = export(a, tmp_path / "a-1.kace")
    assert out.changes == waiting > 0 and out.counts["household"] >= 2
    m = out.manifest
    assert m["kind"] == "laptop" and m["device_name"] == "甲" and m["format_version"] == 1
    assert m["log_range"][0] <= m["log_range"][1] and m["seq_range"][0] <= m["seq_range"][1]
    assert unsynced(a) == waiting  # exporting acknowledges nothing

    got = county_import(server, tmp_path / "a-1.kace")
    assert got.ingest.stored == waiting and got.ingest.duplicates == 0
    assert state(server.engine)[("household", hid)] == state(a.ctx.engine)[("household", hid)]

    back_b = county_return(server, b, tmp_path / "b-return.kace")
    assert back_b.changes == waiting and back_b.manifest["kind"] == "return"
    assert laptop_import(b, tmp_path / "b-return.kace").ingest.stored == waiting
    back_a = county_return(server, a, tmp_path / "a-return.kace")
    done = laptop_import(a, tmp_path / "a-return.kace")
    assert done.acked == waiting and unsynced(a) == 0  # the county's acknowledgement came back
    assert done.ingest.stored == 0 and done.ingest.duplicates == back_a.changes  # its own changes
    assert state(a.ctx.engine) == state(b.ctx.engine) == state(server.engine)
    # The return bundle moved 乙's cursor: the network has nothing new for it, 甲 has nothing to send.
    assert b.sync().received == 0
    assert a.sync().sent == 0


def test_laptop_bundle_records_what_the_laptop_holds(stick, tmp_path):
    """The county's return bundle starts after what the laptop said it holds, never before."""
    server, a, b, village = stick
    new_household(b, village)
    b.sync()
    a.sync()  # 甲 holds everything by network
    with server.sessions.begin() as s:
        held = s.execute(select(Device.__table__.c.pulled_server_seq)
                         .where(Device.__table__.c.name == "甲")).scalar()
    new_household(a, village)
    bundle.export_laptop(a.ctx.sessions, tmp_path / "a.kace")
    county_import(server, tmp_path / "a.kace")
    with server.sessions.begin() as s:
        after = s.execute(select(Device.__table__.c.pulled_server_seq)
                          .where(Device.__table__.c.name == "甲")).scalar()
    assert after == cursor(a) >= held
    r = county_return(server, a, tmp_path / "r2.kace")
    assert r.manifest["after_server_seq"] == cursor(a)
    # 甲's own new household and member are not sent back (as the network pull): only acknowledged.
    assert r.changes == 0 and unsynced(a) > 0
    report = laptop_import(a, r.path)
    assert report.acked > 0 and unsynced(a) == 0


def test_export_of_the_return_bundle_changes_nothing_on_the_server(stick, tmp_path):
    server, a, b, village = stick
    for _ in range(3):
        new_household(a, village)
    county_import(server, export(a, tmp_path / "a.kace").path)
    before = snapshot(server.engine)
    with pytest.MonkeyPatch.context() as mp:
        mp.setattr(bundle.service, "MAX_PULL", 2)  # several pages
        r = county_return(server, b, tmp_path / "b.kace")
    assert r.changes == 6
    assert snapshot(server.engine) == before


# --- idempotence and order ---------------------------------------------------------------------


def test_importing_twice_changes_nothing(stick, tmp_path):
    server, a, b, village = stick
    hid = new_household(a, village)
    update_household(a.ctx, hid, {"phone": "13911111111"})
    export(a, tmp_path / "a.kace")
    county_import(server, tmp_path / "a.kace")
    once = snapshot(server.engine)
    again = county_import(server, tmp_path / "a.kace")
    assert again.ingest.stored == 0 and again.ingest.duplicates == again.ingest.received > 0
    assert snapshot(server.engine) == once

    county_return(server, b, tmp_path / "b.kace")
    laptop_import(b, tmp_path / "b.kace")
    once = snapshot(b.ctx.engine)
    again = laptop_import(b, tmp_path / "b.kace")
    assert again.ingest.stored == 0 and again.acked == 0
    assert snapshot(b.ctx.engine) == once


def test_bundles_in_any_order(stick, tmp_path):
    server, a, b, village = stick
    hid = new_household(a, village)
    export(a, tmp_path / "a-1.kace")
    update_household(a.ctx, hid, {"phone": "13911111111"})
    other = new_household(a, village, note="第二批")
    export(a, tmp_path / "a-2.kace")  # holds bundle 1 too: nothing was acknowledged in between

    county_import(server, tmp_path / "a-2.kace")
    after_two = snapshot(server.engine)
    assert county_import(server, tmp_path / "a-1.kace").ingest.stored == 0
    assert snapshot(server.engine) == after_two

    # Return bundles in reverse order too: a new laptop gets the newer one first, then the older.
    c = Laptop(tmp_path / "c.db", server, "丙")
    county_return(server, c, tmp_path / "c-1.kace")
    b.sync()
    update_household(b.ctx, other, {"bank": "邮储"})
    b.sync()
    assert county_return(server, c, tmp_path / "c-2.kace").changes > bundle.read(tmp_path / "c-1.kace").manifest["change_count"]
    laptop_import(c, tmp_path / "c-2.kace")
    held = snapshot(c.ctx.engine)
    assert laptop_import(c, tmp_path / "c-1.kace").ingest.stored == 0
    assert snapshot(c.ctx.engine) == held
    county_return(server, a, tmp_path / "a-r.kace")
    laptop_import(a, tmp_path / "a-r.kace")
    assert state(a.ctx.engine) == state(b.ctx.engine) == state(c.ctx.engine) == state(server.engine)
    assert unsynced(a) == 0
    c.close()


def test_a_return_bundle_past_a_gap_applies_but_keeps_the_cursor(stick, tmp_path):
    """A laptop restored from an old copy gets a return bundle that starts after what the copy
    holds: the changes are applied, the cursor stays, the user is told, and nothing is lost."""
    server, a, b, village = stick
    a.close()
    backup_sqlite(tmp_path / "a.db", tmp_path / "a-old.db")
    a.ctx = OpContext(open_sqlite(tmp_path / "a.db"), user="甲", today_fn=lambda: TODAY)
    first = new_household(b, village)
    b.sync()
    county_return(server, a, tmp_path / "r-1.kace")
    laptop_import(a, tmp_path / "r-1.kace")
    county_import(server, export(a, tmp_path / "a.kace").path)  # the county learns 甲 holds more
    second = new_household(b, village)
    b.sync()
    r2 = county_return(server, a, tmp_path / "r-2.kace")
    assert r2.manifest["after_server_seq"] == cursor(a) > 0

    old = OpContext(open_sqlite(tmp_path / "a-old.db"), user="甲", today_fn=lambda: TODAY)
    with old.read() as s:
        was = replica.state(s).pulled_server_seq
    report = bundle.import_return(old.sessions, tmp_path / "r-2.kace")
    assert not report.cursor_moved and any("下载位置保持不变" in n for n in report.notes)
    with old.read() as s:
        assert replica.state(s).pulled_server_seq == was
    got = state(old.engine)
    assert ("household", second) in got and ("household", first) not in got
    report = bundle.import_return(old.sessions, tmp_path / "r-1.kace")  # the missing part
    assert report.cursor_moved
    with old.read() as s:
        assert replica.state(s).pulled_server_seq == r2.manifest["after_server_seq"]
    assert state(old.engine) == state(server.engine)
    old.engine.dispose()


# --- conflicts ---------------------------------------------------------------------------------


def test_bundle_conflict_marks_match_network_sync(stick, tmp_path):
    server, a, b, village = stick
    hid = new_household(b, village)
    b.sync()
    a.sync()
    update_household(a.ctx, hid, {"phone": "13911111111", "bank": "农商行"})  # travels by stick
    update_household(b.ctx, hid, {"phone": "13922222222", "note": "乙的备注"})  # by network
    b.sync()
    got = county_import(server, export(a, tmp_path / "a.kace").path)
    assert got.ingest.conflicts == 1
    county_return(server, a, tmp_path / "a-r.kace")
    assert laptop_import(a, tmp_path / "a-r.kace").ingest.conflicts == 1
    b.sync()
    marks = review_marks(server.engine)
    assert [m[:4] for m in marks if m[0] == "field"] == [("field", "household", hid, "phone")]
    assert review_marks(a.ctx.engine) == review_marks(b.ctx.engine) == marks
    assert state(a.ctx.engine) == state(b.ctx.engine) == state(server.engine)
    # A resolution travelling by stick closes the item everywhere.
    resolve_field(a.ctx, "household", hid, "phone", "13933333333")
    county_import(server, export(a, tmp_path / "a-2.kace").path)
    b.sync()
    assert review_marks(server.engine) == review_marks(b.ctx.engine) == []


# --- refusals: nothing changes -----------------------------------------------------------------


def _refused(fn, path, engine, needle: str) -> None:
    assert needle, "an empty needle is in every message"
    before = snapshot(engine)
    with pytest.raises(bundle.BundleRefused) as e:
        fn(path)
    assert needle in e.value.message
    assert snapshot(engine) == before


@pytest.fixture
def bundles(stick, tmp_path):
    """A laptop bundle of 甲 with real content, and a return bundle for 甲."""
    server, a, b, village = stick
    hid = new_household(a, village, phone="13800000000")
    update_household(a.ctx, hid, {"bank": "农商行"})
    new_household(b, village)
    b.sync()
    lap = export(a, tmp_path / "a.kace").path
    ret = county_return(server, a, tmp_path / "a-return.kace").path
    return stick, lap, ret


def test_truncated_bundles_are_refused(bundles, tmp_path):
    (server, a, b, village), lap, ret = bundles
    for source, fn, engine in ((lap, lambda p: county_import(server, p), server.engine),
                               (ret, lambda p: laptop_import(a, p), a.ctx.engine)):
        data = source.read_bytes()
        for cut in (0, 1, 30, len(data) // 3, len(data) // 2, len(data) - 23, len(data) - 1):
            part = tmp_path / f"cut-{source.stem}-{cut}.kace"
            part.write_bytes(data[:cut])
            _refused(fn, part, engine, "不完整或已损坏")


def test_altered_bundles_are_refused(bundles, tmp_path):
    (server, a, b, village), lap, ret = bundles
    parts = members(lap)
    # One character of the changes, with a consistent zip around it (so only the hash can tell).
    text = parts[bundle.CHANGES].replace(b"13800000000", b"13800000001")
    assert text != parts[bundle.CHANGES]
    _refused(lambda p: county_import(server, p), rewrite(lap, tmp_path / "x1.kace", content=text),
             server.engine, "内容与清单不符")
    # The manifest (its hash made to match the altered changes), without the device key.
    manifest = json.loads(parts[bundle.MANIFEST])
    manifest["content_sha256"] = hashlib.sha256(text).hexdigest()
    _refused(lambda p: county_import(server, p),
             rewrite(lap, tmp_path / "x2.kace", manifest=manifest, content=text), server.engine, "签名不符")
    # Signed with another key.
    _refused(lambda p: county_import(server, p),
             rewrite(lap, tmp_path / "x3.kace", manifest=manifest, content=text, key=signing.new_private_key()),
             server.engine, "签名不符")
    # A byte flipped anywhere in the file: refused, or (zip metadata such as a timestamp) the very
    # content that was signed. Never anything else, never an unexpected exception.
    for source in (lap, ret):
        data = source.read_bytes()
        original = bundle.read(source)
        for i in range(len(data)):
            try:
                got = bundle.parse(data[:i] + bytes([data[i] ^ 0x5A]) + data[i + 1:])
            except bundle.BundleRefused:
                continue
            assert (got.manifest_bytes, got.signature, got.changes) == (
                original.manifest_bytes, original.signature, original.changes), i
    # A flipped byte in the compressed changes, through the real import.
    data = lap.read_bytes()
    at = data.index(b"changes.ndjson") + 60
    bad = tmp_path / "flip-import.kace"
    bad.write_bytes(data[:at] + bytes([data[at] ^ 1]) + data[at + 1:])
    _refused(lambda p: county_import(server, p), bad, server.engine, "数据包文件不完整或已损坏")


def test_foreign_unknown_and_wrong_kind_are_refused(bundles, tmp_path):
    (server, a, b, village), lap, ret = bundles
    # 甲's return bundle on 乙's laptop.
    _refused(lambda p: laptop_import(b, p), ret, b.ctx.engine, "不是本机")
    # 甲's return bundle renamed for 乙 (and so not signed with 乙's key).
    manifest = json.loads(members(ret)[bundle.MANIFEST])
    manifest["device_name"] = "乙"
    _refused(lambda p: laptop_import(b, p), rewrite(ret, tmp_path / "f.kace", manifest=manifest),
             b.ctx.engine, "签名不符")
    # Wrong kind: a laptop bundle on a laptop, a return bundle on the server.
    _refused(lambda p: laptop_import(b, p), lap, b.ctx.engine, "应在县服务器上导入")
    _refused(lambda p: laptop_import(a, p), lap, a.ctx.engine, "应在县服务器上导入")
    _refused(lambda p: county_import(server, p), ret, server.engine, "应在笔记本上导入")
    # A laptop enrolled with another county server.
    elsewhere = Server(open_sqlite(tmp_path / "elsewhere.db"))
    stranger = Laptop(tmp_path / "s.db", elsewhere, "丁")
    new_household_elsewhere = export(stranger, tmp_path / "s.kace").path
    _refused(lambda p: county_import(server, p), new_household_elsewhere, server.engine, "没有已登记的设备")
    # The same name, enrolled here too, but the file was signed with the other server's key.
    Laptop(tmp_path / "d.db", server, "丁").close()
    _refused(lambda p: county_import(server, p), new_household_elsewhere, server.engine, "签名不符")
    stranger.close()
    elsewhere.engine.dispose()


def test_other_refusals(bundles, tmp_path):
    (server, a, b, village), lap, ret = bundles
    with a.ctx.read() as s:
        device_key = replica.state(s).signing_key
    # A newer format version (correctly signed): refused, with the reason.
    manifest = json.loads(members(lap)[bundle.MANIFEST])
    manifest["format_version"] = 2
    newer = rewrite(lap, tmp_path / "v2.kace", manifest=manifest, key=device_key)
    _refused(lambda p: county_import(server, p), newer, server.engine, "格式版本 2 不受支持")
    # Not a bundle at all.
    other = tmp_path / "notes.kace"
    other.write_text("村里的笔记")
    _refused(lambda p: county_import(server, p), other, server.engine, "不是卡册数据包")
    _refused(lambda p: county_import(server, p), tmp_path / "missing.kace", server.engine, "找不到")
    # Never overwrite: an existing file is kept byte for byte.
    kept = lap.read_bytes()
    with pytest.raises(bundle.BundleRefused, match="不会覆盖"):
        export(a, lap)
    with pytest.raises(bundle.BundleRefused, match="不会覆盖"):
        county_return(server, a, lap)
    assert lap.read_bytes() == kept
    # A laptop not enrolled cannot export.
    loner = OpContext(open_sqlite(tmp_path / "loner.db"), user="x", today_fn=lambda: TODAY)
    with pytest.raises(bundle.BundleRefused, match="本机尚未在县服务器登记"):
        bundle.export_laptop(loner.sessions, tmp_path / "loner.kace")
    assert not (tmp_path / "loner.kace").exists()
    _refused(lambda p: bundle.import_return(loner.sessions, p), ret, loner.engine, "尚未在县服务器登记")
    loner.engine.dispose()
    with pytest.raises(bundle.BundleRefused, match="没有已登记的设备"):
        bundle.export_return(server.sessions, "无此设备", tmp_path / "none.kace")
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []  # no temp files left


# --- the command -------------------------------------------------------------------------------


def test_command_line(stick, tmp_path, capsys):
    server, a, b, village = stick
    new_household(a, village)
    url = f"sqlite:///{tmp_path / 'county.db'}"
    out = tmp_path / "stick" / "a.kace"
    out.parent.mkdir()
    assert main(["bundle", "export", "--db", str(tmp_path / "a.db"), "--out", str(out)]) == 0
    assert "已导出本机的变更包" in capsys.readouterr().err
    assert main(["bundle", "export", "--db", str(tmp_path / "a.db"), "--out", str(out)]) == 2
    assert "不会覆盖" in capsys.readouterr().err
    assert main(["bundle", "import", "--db", str(tmp_path / "b.db"), str(out)]) == 2
    assert "应在县服务器上导入" in capsys.readouterr().err
    assert main(["bundle", "import", "--db-url", url, str(out)]) == 0
    assert "新增 2 条" in capsys.readouterr().err
    back = tmp_path / "stick" / "b.kace"
    assert main(["bundle", "export", "--db-url", url, "--out", str(back)]) == 2
    assert "--device" in capsys.readouterr().err
    assert main(["bundle", "export", "--db-url", url, "--device", "乙", "--out", str(back)]) == 0
    assert main(["bundle", "import", "--db", str(tmp_path / "b.db"), str(back)]) == 0
    assert "新增 2 条" in capsys.readouterr().err
    assert state(b.ctx.engine) == state(server.engine)
    cut = tmp_path / "cut.kace"
    cut.write_bytes(back.read_bytes()[:100])
    assert main(["bundle", "import", "--db", str(tmp_path / "b.db"), str(cut)]) == 2
    assert "不完整" in capsys.readouterr().err
    not_db = tmp_path / "not.db"
    not_db.write_text("hello")
    assert main(["bundle", "import", "--db", str(not_db), str(back)]) == 3
    assert not_db.read_text() == "hello"


# --- the county on PostgreSQL ------------------------------------------------------------------


def test_round_trip_through_postgresql(pg_migrated, tmp_path):
    server = Server(pg_migrated)
    a = Laptop(tmp_path / "a.db", server, "甲")
    b = Laptop(tmp_path / "b.db", server, "乙")
    village = seed_regions(a.ctx)[VILLAGE]
    a.sync()
    b.sync()
    hid = new_household(b, village)
    b.sync()
    a.sync()
    update_household(a.ctx, hid, {"phone": "13911111111", "bank": "农商行"})
    update_household(b.ctx, hid, {"phone": "13922222222"})
    new_household(a, village, note="U 盘带来的")
    b.sync()
    county_import(server, export(a, tmp_path / "a.kace").path)
    once = snapshot(server.engine)
    county_import(server, tmp_path / "a.kace")
    assert snapshot(server.engine) == once
    county_return(server, a, tmp_path / "a-r.kace")
    laptop_import(a, tmp_path / "a-r.kace")
    b.sync()
    assert unsynced(a) == 0
    assert state(a.ctx.engine) == state(b.ctx.engine) == state(server.engine)
    assert review_marks(a.ctx.engine) == review_marks(b.ctx.engine) == review_marks(server.engine) != []
    a.close()
    b.close()
