"""kill -9 of `kace sync` at random moments against a real server process over PostgreSQL
(sync-design.md property 4): mid-transaction, after a push was sent and before its acknowledgement
was stored, between a pulled page and its cursor, during a new laptop's snapshot. Afterwards every
database passes integrity_check, and one more sync converges with nothing lost or duplicated."""

from __future__ import annotations

import json
import os
import random
import signal
import sqlite3
import subprocess
import sys
import threading
import time

import pytest
from sqlalchemy import select

from app.db.engine import make_session_factory
from app.db.migrate import open_sqlite
from app.db.models import SYNCED_TABLES, Change
from app.ops.context import OpContext
from app.ops.households import add_member, create_household, update_household
from app.sync import client, replica
from app.sync.http_transport import HttpTransport
from app.sync import county_service as service
from tests.conftest import posix_processes
from tests.sync.fleet import TODAY, VILLAGE, seed_regions, state
from tests.sync.http_fleet import ROOT, PgSchema, ServerProcess

pytestmark = [pytest.mark.postgres, posix_processes]
MIN_KILLS = 50
H = SYNCED_TABLES["household"]
CH = Change.__table__
SMALL = ["--batch", "3", "--page", "4", "--retries", "3", "--backoff", "0.05"]


class ForkServer:
    """tests/sync/sync_child.py: runs `kace sync` in forked children the test can SIGKILL."""

    def __init__(self, log_dir):
        self.log_dir = log_dir
        self.proc = subprocess.Popen([sys.executable, "-m", "tests.sync.sync_child"], cwd=ROOT,
                                     stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True)
        assert self._line(120) == "ready"
        self.kills = 0
        self.durations: list[float] = []
        self.runs = 0

    def _line(self, timeout: float) -> str:
        out: list[str] = []
        reader = threading.Thread(target=lambda: out.append(self.proc.stdout.readline().strip()))
        reader.start()
        reader.join(timeout)
        if not out:
            raise AssertionError("the fork server stopped answering")
        return out[0]

    def sync(self, db, *args, kill_after: float | None = None) -> tuple[bool, int | None, str]:
        """Run `kace sync --db DB ARGS`; SIGKILL it after `kill_after` seconds if still running.
        Returns (killed, exit code, output)."""
        self.runs += 1
        log = self.log_dir / f"run-{self.runs}.log"
        self.proc.stdin.write(json.dumps({"argv": ["sync", "--db", str(db), *args], "log": str(log)}) + "\n")
        self.proc.stdin.flush()
        kind, pid = self._line(60).split()
        assert kind == "pid"
        started = time.monotonic()
        if kill_after is not None:
            time.sleep(kill_after)
            try:
                os.kill(int(pid), signal.SIGKILL)
            except ProcessLookupError:
                pass
        kind, done, status = self._line(300).split()
        assert kind == "exit" and done == pid
        status = int(status)
        killed = os.WIFSIGNALED(status) and os.WTERMSIG(status) == signal.SIGKILL
        self.kills += killed
        if not killed:
            self.durations.append(time.monotonic() - started)
        text = log.read_text(encoding="utf-8", errors="replace") if log.exists() else ""
        return killed, None if killed else os.WEXITSTATUS(status), text

    def typical(self) -> float:
        """How long a sync of this size takes here (kills are spread over that span)."""
        recent = sorted(self.durations[-8:])
        return recent[len(recent) // 2] if recent else 2.0

    def close(self) -> None:
        self.proc.stdin.close()
        self.proc.wait(60)


def integrity(path) -> str:
    conn = sqlite3.connect(path)
    try:
        return conn.execute("PRAGMA integrity_check").fetchone()[0]
    finally:
        conn.close()


def change_ids(engine) -> list[str]:
    with make_session_factory(engine, readonly=True).begin() as s:
        return list(s.execute(select(CH.c.change_id)).scalars())


class Laptop:
    """A laptop database edited in this process (while no child runs on it)."""

    def __init__(self, path, name, server, token):
        self.path, self.name = path, name
        ctx = self.open()
        transport = HttpTransport(server.url)
        client.enrol(ctx.sessions, transport, server.url, token)
        self.key = transport.key
        transport.close()
        ctx.engine.dispose()

    def open(self) -> OpContext:
        return OpContext(open_sqlite(self.path), user=self.name, today_fn=lambda: TODAY)

    def sync_here(self, server) -> client.SyncSummary:
        ctx = self.open()
        try:
            with HttpTransport(server.url, self.key) as transport:
                return client.SyncClient(ctx.sessions, transport, batch=50, page=100).run()
        finally:
            ctx.engine.dispose()


def edit(laptop: Laptop, rng: random.Random, village: str, created: set[str],
         n_new: int, n_updates: int) -> None:
    """New households (with two members) and updates of households this laptop holds."""
    ctx = laptop.open()
    try:
        with ctx.read() as s:
            known = sorted(s.execute(select(H.c.id)).scalars())
        for _ in range(n_new):
            hid = create_household(ctx, {"village_id": village, "note": f"{laptop.name}{rng.random():.6f}"},
                                   [{"name": "张三", "relation": "户主"}]).value["id"]
            add_member(ctx, hid, {"name": "李梅", "relation": "配偶"})
            known.append(hid)
            created.add(hid)
        for _ in range(n_updates):
            field = rng.choice(["phone", "note", "bank"])
            value = f"139{rng.randrange(10**8):08d}" if field == "phone" else f"{laptop.name}{rng.randrange(1000)}"
            update_household(ctx, rng.choice(known), {field: value})
    finally:
        ctx.engine.dispose()


@pytest.fixture
def county(tmp_path):
    schema = PgSchema()
    server = ServerProcess(schema.url, tmp_path / "server.log")
    forks = ForkServer(tmp_path)
    yield schema, server, forks
    forks.close()
    server.stop()
    schema.drop()


def test_kill_sync_at_random_moments(county, tmp_path):
    schema, server, forks = county
    rng = random.Random(20261128)
    sessions = make_session_factory(schema.engine)

    def token(name):
        with sessions.begin() as s:
            return service.enrol(s, name, [VILLAGE])

    a = Laptop(tmp_path / "a.db", "甲", server, token("甲"))
    b = Laptop(tmp_path / "b.db", "乙", server, token("乙"))
    ctx = a.open()
    village = seed_regions(ctx)[VILLAGE]
    ctx.engine.dispose()
    created: set[str] = set()
    edit(a, rng, village, created, n_new=30, n_updates=0)
    a.sync_here(server)  # the regions and households reach the county; b fetches them
    b.sync_here(server)
    edit(a, rng, village, created, n_new=25, n_updates=15)
    edit(b, rng, village, created, n_new=25, n_updates=15)
    b.sync_here(server)

    # A laptop syncing all the time: killed while pushing, pulling, checking digests.
    iterations = 0
    while forks.kills < MIN_KILLS - 6 and iterations < 200:
        iterations += 1
        killed, code, out = forks.sync(a.path, *SMALL, kill_after=rng.uniform(0, 1.3 * forks.typical()))
        assert killed or code == 0, out
        assert integrity(a.path) == "ok"
        if iterations % 2 == 0:  # the other laptop edits the same households (conflicts) and syncs
            edit(b, rng, village, created, n_new=rng.randrange(3), n_updates=rng.randrange(3, 8))
            b.sync_here(server)
        edit(a, rng, village, created, n_new=rng.randrange(2), n_updates=rng.randrange(4))

    # New laptops killed during their snapshot (and the pulls that follow a cut snapshot).
    fresh = [Laptop(tmp_path / f"new{i}.db", f"新{i}", server, token(f"新{i}")) for i in range(3)]
    for laptop in fresh:
        for _ in range(2):
            killed, code, out = forks.sync(laptop.path, *SMALL, kill_after=rng.uniform(0.1, 1.5))
            assert killed or code == 0, out
            assert integrity(laptop.path) == "ok"
    assert forks.kills >= MIN_KILLS, f"only {forks.kills} kills in {forks.runs} runs"

    # One full exchange: everything converges, nothing lost, nothing twice.
    for laptop in (a, b, a, *fresh):
        killed, code, out = forks.sync(laptop.path)
        assert code == 0 and "校验不一致" not in out, out
    server_ids = change_ids(schema.engine)
    assert len(server_ids) == len(set(server_ids))
    engines = {laptop.name: open_sqlite(laptop.path) for laptop in (a, b, *fresh)}
    try:
        expected = state(schema.engine)
        for name, engine in engines.items():
            ids = change_ids(engine)
            assert len(ids) == len(set(ids)) and set(ids) == set(server_ids), name
            with make_session_factory(engine).begin() as s:
                assert replica.unsynced_count(s) == 0, name
                assert set(s.execute(select(H.c.id)).scalars()) == created, name
            assert state(engine) == expected, name
    finally:
        for engine in engines.values():
            engine.dispose()
    print(f"{forks.kills} kills in {forks.runs} runs")
