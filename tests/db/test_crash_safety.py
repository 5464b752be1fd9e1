"""kill -9 at random moments of saves, backups, restores and migrations (at least 50 kills):
the database always passes integrity_check and every committed save is still there."""

from __future__ import annotations

import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.db.backup import backup
from app.db.migrate import head_revision, open_sqlite
from app.ops.context import OpContext
from app.ops.regions import create_region
from tests.conftest import posix_processes

pytestmark = posix_processes  # SIGKILL

ROOT = Path(__file__).resolve().parents[2]
rng = random.Random(20261127)


def run_and_kill(args: list[str], delay: float) -> list[str]:
    """Start the child, SIGKILL it after `delay` seconds, return the lines it reported."""
    proc = subprocess.Popen([sys.executable, "-m", "tests.db.crash_child", *args], cwd=ROOT,
                            stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True)
    lines: list[str] = []
    ready = threading.Event()

    def read() -> None:
        for line in proc.stdout:
            if line.strip() == "ready":
                ready.set()
            else:
                lines.append(line.strip())
        ready.set()

    reader = threading.Thread(target=read)
    reader.start()
    if args[0] == "save":  # start the clock once the child can save: a loaded machine starts slowly
        ready.wait(60)
    time.sleep(delay)
    proc.send_signal(signal.SIGKILL)
    proc.wait()
    reader.join()
    return lines


def integrity(path: Path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def codes_in(path: Path) -> set[str]:
    conn = sqlite3.connect(path)
    try:
        return {r[0] for r in conn.execute("SELECT code FROM household")}
    finally:
        conn.close()


@pytest.fixture
def county(tmp_path):
    db = tmp_path / "crash.db"
    ctx = OpContext(open_sqlite(db))
    town = create_region(ctx, "450881104000", "木乐镇", "township").value["id"]
    village = create_region(ctx, "450881104201", "长河村", "village", town).value["id"]
    ctx.engine.dispose()
    return db, village


def test_kill_during_saves(county):
    db, village = county
    committed: set[str] = set()
    for _ in range(20):
        committed |= set(run_and_kill(["save", str(db), village], rng.uniform(0.8, 2.0)))
        assert integrity(db) == "ok"
        assert committed <= codes_in(db)  # no committed save lost
    assert len(committed) > 20
    ctx = OpContext(open_sqlite(db))  # and the program opens it normally afterwards
    ctx.engine.dispose()


def test_kill_during_backups(county):
    db, _ = county
    before = codes_in(db)
    for _ in range(10):
        run_and_kill(["backup", str(db)], rng.uniform(0.6, 1.5))
        assert integrity(db) == "ok" and codes_in(db) == before
        for copy in db.parent.glob("bak-*.db"):  # a finished backup is whole; a half one has
            assert integrity(copy) == "ok"         # only its .part name, never the real one


def test_kill_during_restores(county, tmp_path):
    db, village = county
    saved = tmp_path / "saved.db"
    backup(db, saved)
    ctx = OpContext(open_sqlite(db))
    from app.ops.households import create_household

    create_household(ctx, {"village_id": village})
    ctx.engine.dispose()
    current, restored = codes_in(db), codes_in(saved)
    for _ in range(10):
        run_and_kill(["restore", str(db), str(saved)], rng.uniform(0.6, 1.5))
        assert integrity(db) == "ok"
        assert codes_in(db) in (current, restored)


def test_kill_during_migrations(tmp_path):
    for i in range(10):
        db = tmp_path / f"m{i}.db"
        run_and_kill(["migrate", str(db)], rng.uniform(0.5, 1.2))
        if db.exists() and db.stat().st_size:
            assert integrity(db) == "ok"
        engine = open_sqlite(db)  # a half-started file is finished, never refused
        with engine.connect() as conn:
            assert conn.exec_driver_sql("SELECT version_num FROM alembic_version").scalar() == head_revision()
            assert conn.exec_driver_sql("SELECT count(*) FROM replica").scalar() == 1
        engine.dispose()
