"""Keys a dump of the county database cannot reveal (issue 15): only a hash of each device key,
Ed25519 public keys for bundles, a laptop enrolled earlier migrating at its next sync, and `hello`
never rebinding a device to another database."""

from __future__ import annotations

import pytest
from sqlalchemy import String, Text, select, update

from app.db.migrate import open_sqlite
from app.db.models import Base, Device, Replica
from app.ops.households import update_household
from app.sync import bundle, replica
from app.sync.client import ServerRefused
from app.server.direct import DirectTransport
from tests.sync.fleet import VILLAGE, Laptop, Server, seed_regions
from tests.sync.test_sync_flow import new_household


def test_the_county_database_holds_no_device_key(tmp_path):
    server = Server(open_sqlite(tmp_path / "county.db"))
    laptops = [Laptop(tmp_path / f"{n}.db", server, n) for n in ("甲", "乙")]
    seed_regions(laptops[0].ctx)
    secrets = set()
    for laptop in laptops:
        laptop.sync()
        with laptop.ctx.read() as s:
            me = replica.state(s)
        secrets |= {me.device_key, me.signing_key}
        assert me.signing_key and me.server_public_key
    with server.sessions.begin() as s:
        texts = [str(v) for table in Base.metadata.sorted_tables
                 for row in s.execute(select(table)).all() for v, col in zip(row, table.columns, strict=True)
                 if isinstance(col.type, (String, Text)) and v is not None]
        devices = s.execute(select(Device.__table__)).mappings().all()
    assert all(d["key_hash"] and d["public_key"] for d in devices)
    assert not any(secret in text for secret in secrets for text in texts)
    assert "device_key" not in Device.__table__.c
    for laptop in laptops:
        laptop.close()


def test_a_laptop_enrolled_before_keys_gives_its_public_key_at_its_next_sync(tmp_path):
    server = Server(open_sqlite(tmp_path / "county.db"))
    a = Laptop(tmp_path / "a.db", server, "甲")
    village = seed_regions(a.ctx)[VILLAGE]
    # As a laptop and a server upgraded from before: no key pair, no public key on the server.
    with a.ctx.sessions.begin() as s:
        s.execute(update(Replica.__table__).values(signing_key=None, server_public_key=None))
    with server.sessions.begin() as s:
        s.execute(update(Device.__table__).values(public_key=None))
    hid = new_household(a, village)
    with pytest.raises(bundle.BundleRefused, match="签名密钥"):
        bundle.export_laptop(a.ctx.sessions, tmp_path / "early.kace")
    a.sync()  # authenticated by its device key, it sends its new public key
    with a.ctx.read() as s:
        me = replica.state(s)
    with server.sessions.begin() as s:
        stored = s.execute(select(Device.__table__.c.public_key)).scalar_one()
    assert me.signing_key and stored and me.server_public_key
    update_household(a.ctx, hid, {"phone": "13800000000"})
    report = bundle.import_laptop(server.sessions, bundle.export_laptop(a.ctx.sessions, tmp_path / "a.kace").path)
    assert report.ingest.stored == 1 and report.ingest.parked == 0
    # The key, once given, is not replaced by another one except through re-enrolment.
    with pytest.raises(ServerRefused) as e:
        a.transport.call("key", {"public_key": "ab" * 32})
    assert e.value.status == 409
    a.close()


def test_hello_never_rebinds_a_device_to_another_database(tmp_path):
    server = Server(open_sqlite(tmp_path / "county.db"))
    a = Laptop(tmp_path / "a.db", server, "甲")
    a.sync()
    with a.ctx.read() as s:
        me = replica.state(s)
    thief = DirectTransport(server.sessions, me.device_key)  # the key copied into another database
    with pytest.raises(ServerRefused) as e:
        thief.call("hello", {"replica_id": "another-replica", "incarnation_id": "x", "protocol": 1, "clock_ms": 0})
    assert e.value.status == 409 and "重新登记" in e.value.message
    # A restore: the same replica with a new incarnation is fine.
    thief.call("hello", {"replica_id": me.replica_id, "incarnation_id": "restored", "protocol": 1, "clock_ms": 0})
    # Re-enrolment unbinds: a new laptop takes the device over.
    b = Laptop(tmp_path / "b.db", server, "甲")
    assert b.sync().digest_ok
    with pytest.raises(ServerRefused) as e:
        a.sync()
    assert e.value.status == 401  # the old key went with the re-enrolment
    a.close()
    b.close()
