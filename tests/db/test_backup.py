"""kace backup / restore: verified copies, a refused backup leaves the database untouched."""

from __future__ import annotations

import hashlib
import os
import sqlite3
from contextlib import closing

import pytest

from app.cli import main
from app.db.backup import backup, daily_backup, restore
from app.db.migrate import DatabaseRefused
from app.ops.households import create_household


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def replica(path):
    with closing(sqlite3.connect(path)) as c:
        return c.execute("SELECT replica_id, incarnation_id FROM replica").fetchone()


def households(path) -> int:
    with closing(sqlite3.connect(path)) as c:
        return c.execute("SELECT count(*) FROM household").fetchone()[0]


def test_backup_then_restore_brings_the_data_back_with_a_new_incarnation(ctx, village, db_path, tmp_path):
    create_household(ctx, {"village_id": village["id"]})
    info = backup(db_path, tmp_path / "b.db")
    assert info.households == 1
    create_household(ctx, {"village_id": village["id"]})
    ctx.engine.dispose()
    before = replica(db_path)
    kept = restore(db_path, tmp_path / "b.db")
    assert households(db_path) == 1 and households(kept) == 2
    after = replica(db_path)
    assert after[0] == before[0] and after[1] != before[1]


def test_corrupt_or_foreign_backups_are_refused_and_the_database_untouched(ctx, village, db_path, tmp_path):
    create_household(ctx, {"village_id": village["id"]})
    ctx.engine.dispose()
    with closing(sqlite3.connect(db_path)) as c:
        c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    before = digest(db_path)
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(5000))
    good = tmp_path / "good.db"
    backup(db_path, good)
    broken = tmp_path / "broken.db"
    data = bytearray(good.read_bytes())
    data[5000:9000] = os.urandom(4000)
    broken.write_bytes(bytes(data))
    for bad in (junk, broken, tmp_path / "missing.db"):
        with pytest.raises(DatabaseRefused):
            restore(db_path, bad)
        assert digest(db_path) == before
    assert main(["restore", "--db", str(db_path), str(junk)]) == 3


def test_daily_backup_keeps_the_newest(ctx, db_path, tmp_path):
    from datetime import datetime

    folder = tmp_path / "daily"
    for day in range(1, 6):
        daily_backup(db_path, folder, keep=3, today=datetime(2026, 11, day))
    assert daily_backup(db_path, folder, keep=3, today=datetime(2026, 11, 5)) is None
    assert sorted(p.name for p in folder.iterdir()) == [
        "kace-daily-20261103.db", "kace-daily-20261104.db", "kace-daily-20261105.db"]


def test_cli_backup(ctx, db_path, tmp_path, capsys):
    assert main(["backup", "--db", str(db_path), "--out", str(tmp_path / "x.db")]) == 0
    assert "已通过完整性检查" in capsys.readouterr().err
    assert main(["backup", "--db", str(db_path), "--out", str(tmp_path / "no" / "x.db")]) == 3
