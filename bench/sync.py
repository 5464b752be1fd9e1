"""Benchmark of sync (issue 7) on the real PostgreSQL and, where named, a real server over loopback.

    .venv/bin/python bench/sync.py --source demo10k.db [--pg postgresql+psycopg://postgres@127.0.0.1:5432/test]

--source is a demo laptop database (`kace demo --db demo10k.db --households 10000`). Measures:
1. server ingest of a 100k-change push (the service, batches of 5,000, one transaction each)
   against a PostgreSQL COPY of the same 100k rows into a table shaped like `change` (baseline);
   target: ingest rate >= 1/5 of COPY;
2. a new laptop from a snapshot of the server holding every change of the source (10k households)
   over HTTP on loopback; target < 30 s;
3. incremental sync of 1,000 edited households (laptop a pushes, then laptop b, also started
   from the snapshot, pulls); target < 5 s each;
4. server memory (RSS) while 1 and then 10 laptops sync concurrently; target: flat.
Prints a markdown table.
"""

from __future__ import annotations

import argparse
import io
import json
import os
import shutil
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, select, text  # noqa: E402

from app.db.engine import make_session_factory  # noqa: E402
from app.db.migrate import open_sqlite, upgrade_engine  # noqa: E402
from app.domain.pinyin_keys import initials  # noqa: E402
from app.db.models import SYNCED_TABLES, Change  # noqa: E402
from app.ops.context import OpContext  # noqa: E402
from app.sync import client  # noqa: E402
from app.sync import county_service as service  # noqa: E402
from app.sync.wire import WIRE_KEYS, to_wire  # noqa: E402

CH = Change.__table__
ROOT = Path(__file__).resolve().parents[1]


def pg_schema(url: str):
    schema = f"kace_bench_{uuid.uuid4().hex[:8]}"
    admin = create_engine(url)
    with admin.begin() as conn:
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    engine = create_engine(url, connect_args={"options": f"-csearch_path={schema}"})
    return admin, engine, schema


def source_changes(path: Path) -> tuple[list[dict], list[str]]:
    engine = open_sqlite(path)
    with engine.connect() as conn:
        rows = [to_wire(r) for r in conn.execute(select(CH).order_by(CH.c.log_seq)).mappings()]
        region = SYNCED_TABLES["region"]
        villages = list(conn.execute(select(region.c.code).where(region.c.level == "village")).scalars())
    engine.dispose()
    return rows, villages


def bench_ingest(engine, changes: list[dict], villages: list[str]) -> dict:
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        token = service.enrol(s, "bench-laptop", villages)
        key = service.redeem(s, token)["device_key"]
    incarnation = changes[0]["incarnation_id"]
    initials("卡册")  # as `kace serve` does at start: pypinyin's dictionaries are loaded
    t0 = time.perf_counter()
    for i in range(0, len(changes), 5000):
        part = changes[i:i + 5000]
        with sessions.begin() as s:
            device = service.authenticate(s, key)
            service.push(s, device, {"incarnation_id": incarnation, "through": i + len(part), "changes": part})
    ingest = time.perf_counter() - t0
    # Baseline: COPY of the same rows into a table shaped like the change log (no indexes), and
    # for reference into one with the change log's indexes too (what any ingest must at least do).
    raw = engine.raw_connection()
    timings = {}
    try:
        cur = raw.cursor()
        cols = list(WIRE_KEYS) + ["log_seq", "acked"]
        for name, like in (("copy_s", "INCLUDING DEFAULTS"), ("copy_indexed_s", "INCLUDING ALL")):
            cur.execute(f"CREATE TABLE {name} (LIKE change {like})")
            t0 = time.perf_counter()
            with cur.copy(f"COPY {name} ({', '.join(cols)}) FROM STDIN") as copy:
                for n, c in enumerate(changes):
                    copy.write_row([c[k] for k in WIRE_KEYS] + [n + 1, True])
            raw.commit()
            timings[name] = time.perf_counter() - t0
    finally:
        raw.close()
    return {"ingest_s": ingest, **timings, "n": len(changes), "key": key}


def copy_written_rows(url: str, engine, schema: str) -> tuple[float, int]:
    """The floor of any ingest: COPY every row the push left in the change log and the record
    tables into a second, freshly migrated schema (the same indexes, keys and foreign keys), in
    one transaction. Returns (seconds, rows)."""
    from app.sync.merge import TABLE_ORDER
    admin, target, other = pg_schema(url)
    try:
        upgrade_engine(target)
        tables = {}
        with engine.connect() as conn:
            for name in ["change", *TABLE_ORDER]:
                result = conn.exec_driver_sql(f'SELECT * FROM "{schema}"."{name}"')
                tables[name] = (list(result.keys()), [tuple(r) for r in result])
        raw = target.raw_connection()
        try:
            cur = raw.cursor()
            t0 = time.perf_counter()
            for name, (cols, rows) in tables.items():
                with cur.copy(f'COPY "{name}" ({", ".join(cols)}) FROM STDIN') as copy:
                    for r in rows:
                        copy.write_row(r)
            raw.commit()
            seconds = time.perf_counter() - t0
        finally:
            raw.close()
        return seconds, sum(len(rows) for _, rows in tables.values())
    finally:
        target.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{other}" CASCADE'))
        admin.dispose()


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start_server(url: str, schema: str) -> tuple[subprocess.Popen, str]:
    port = free_port()
    env = {**os.environ, "PGOPTIONS": f"-csearch_path={schema}"}
    proc = subprocess.Popen([sys.executable, "-m", "app.cli", "serve", "--db-url", url, "--port", str(port)],
                            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    import httpx
    for _ in range(200):
        try:
            if httpx.get(base + "/health", timeout=1).status_code == 200:
                return proc, base
        except httpx.HTTPError:
            pass
        time.sleep(0.1)
    proc.kill()
    raise SystemExit("kace serve did not start")


def rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0


def new_laptop(path: Path, base: str, sessions, name: str, villages: list[str]):
    from app.sync.http_transport import HttpTransport
    with sessions.begin() as s:
        token = service.enrol(s, name, villages)
    ctx = OpContext(open_sqlite(path), user=name)
    transport = HttpTransport(base, None)
    client.enrol(ctx.sessions, transport, base, token)
    with ctx.read() as s:
        from app.sync import replica
        transport = HttpTransport(base, replica.state(s).device_key)
    return ctx, transport


def sync(ctx, transport, **kw):
    return client.SyncClient(ctx.sessions, transport, **kw).run()


def main() -> None:
    ap = argparse.ArgumentParser()
    ap.add_argument("--source", required=True, type=Path)
    ap.add_argument("--pg", default=os.environ.get("KACE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test"))
    ap.add_argument("--ingest", type=int, default=100_000)
    args = ap.parse_args()
    changes, villages = source_changes(args.source)
    rows = []
    admin, engine, schema = pg_schema(args.pg)
    tmp = Path(tempfile.mkdtemp(prefix="kace-bench-sync-"))
    proc = None
    try:
        upgrade_engine(engine)
        # 1. ingest of the first 100k changes, then the rest (so the server holds all households)
        r = bench_ingest(engine, changes[:args.ingest], villages)
        rate, copy_rate = r["n"] / r["ingest_s"], r["n"] / r["copy_s"]
        floor_s, floor_rows = copy_written_rows(args.pg, engine, schema)
        rows.append(("server ingest of a push", f"{r['n']:,} changes in {r['ingest_s']:.1f} s "
                     f"({rate:,.0f}/s)", f"COPY {r['copy_s']:.2f} s ({copy_rate:,.0f}/s); into a table "
                     f"with the change log's indexes {r['copy_indexed_s']:.2f} s; every row the push "
                     f"wrote ({floor_rows:,}: change log and records) into the real tables {floor_s:.2f} s",
                     f"{rate / copy_rate:.2f}× of COPY ({r['copy_s'] / floor_s:.2f}× for the floor "
                     f"itself); {floor_s / r['ingest_s']:.2f}× of the floor", "≥ 0.20×"))
        sessions = make_session_factory(engine)
        with sessions.begin() as s:
            device = service.authenticate(s, r["key"])
            for i in range(args.ingest, len(changes), 5000):
                service.push(s, device, {"incarnation_id": changes[0]["incarnation_id"],
                                         "through": i + 5000, "changes": changes[i:i + 5000]})
        households = sum(1 for c in changes if c["table_name"] == "household")
        # 2. a new laptop from the snapshot, over HTTP on loopback
        proc, base = start_server(args.pg, schema)
        ctx_a, t_a = new_laptop(tmp / "a.db", base, sessions, "bench-a", villages)
        from app.sync.http_transport import apply_snapshot, is_new_laptop
        t0 = time.perf_counter()
        assert is_new_laptop(ctx_a.sessions)
        apply_snapshot(ctx_a.sessions, t_a)  # as `kace sync` does on a new laptop
        summary = sync(ctx_a, t_a, full_check=True)  # and compare every village's digest
        snap = time.perf_counter() - t0
        rows.append(("new laptop from snapshot", f"{households:,} households, {len(changes):,} changes "
                     f"in {snap:.1f} s", "", "digest ok" if summary.digest_ok else "DIGEST MISMATCH", "< 30 s"))
        # 3. incremental: laptop a edits 1,000 households; b, another laptop that started from
        # the snapshot too, pulls them. (Not a byte copy of a: that would be a clone with a's
        # replica id, and a copy of the main file without its WAL misses a's last commits.)
        ctx_b, t_b = new_laptop(tmp / "b.db", base, sessions, "bench-b", villages)
        apply_snapshot(ctx_b.sessions, t_b)
        sync(ctx_b, t_b)
        from app.ops.households import update_household
        H = SYNCED_TABLES["household"]
        with ctx_a.read() as s:
            ids = list(s.execute(select(H.c.id).limit(1000)).scalars())
        for n, hid in enumerate(ids):
            update_household(ctx_a, hid, {"phone": f"139{n:08d}"})
        t0 = time.perf_counter()
        up = sync(ctx_a, t_a)
        t_push = time.perf_counter() - t0
        t0 = time.perf_counter()
        down = sync(ctx_b, t_b)
        t_pull = time.perf_counter() - t0
        with ctx_a.read() as s:
            touched = len(set(s.execute(select(H.c.village_id).where(H.c.id.in_(ids))).scalars()))
        rows.append(("incremental sync, 1,000 edited households", f"push {t_push:.2f} s ({up.sent} sent), "
                     f"pull {t_pull:.2f} s ({down.received} received)", f"{touched} villages' digests checked",
                     "", "< 5 s each"))
        # 4. server memory under 1 and 10 concurrent laptops (each a fresh snapshot of 2 villages)
        mem = {}
        for n in (1, 10):
            laptops = [new_laptop(tmp / f"m{n}-{i}.db", base, sessions, f"bench-m{n}-{i}", villages[:2])
                       for i in range(n)]
            peak = [rss_mb(proc.pid)]
            done = threading.Event()

            def watch():
                while not done.is_set():
                    peak.append(rss_mb(proc.pid))
                    time.sleep(0.05)
            w = threading.Thread(target=watch)
            w.start()
            threads = [threading.Thread(target=sync, args=lp) for lp in laptops]
            for t in threads:
                t.start()
            for t in threads:
                t.join()
            done.set()
            w.join()
            mem[n] = max(peak)
            for lp in laptops:
                lp[0].engine.dispose()
        rows.append(("server RSS while laptops sync", f"1 laptop: {mem[1]:.0f} MB", f"10 laptops: {mem[10]:.0f} MB",
                     f"{mem[10] / mem[1]:.2f}×", "flat"))
        ctx_a.engine.dispose()
        ctx_b.engine.dispose()
    finally:
        if proc:
            proc.kill()
        engine.dispose()
        with admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
        shutil.rmtree(tmp, ignore_errors=True)
    print("| measure | result | baseline | ratio | target |\n|---|---|---|---|---|")
    for r in rows:
        print("| " + " | ".join(r) + " |")


if __name__ == "__main__":
    main()
