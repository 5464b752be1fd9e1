"""Benchmark of the county web console (issue 19 item 4) on a 100,000-household county.

    .venv/bin/python bench/console_pages.py [--households 100000] [--requests 20] [--rebuild]
        [--pg postgresql+psycopg://postgres@127.0.0.1:5432/postgres] [--out bench/console_results.md]

1. Build (cached): a laptop makes the demo county (`kace demo`, SQLite), enrols with the county
   server and pushes everything through the server's sync service (app/server/direct.py:
   each call one server transaction, exactly what an HTTP request to `kace serve` runs, without the
   loopback socket). The push rate is measured and printed. The result lives in the PostgreSQL
   database `kace_bench_console`, schema `county<N>`, with a `bench_built` marker table; a re-run
   reuses it (--rebuild drops it).
2. Pages: a real `kace serve` (uvicorn) on a free loopback port, an HTTP client logged in as a
   县管理员; every page GET --requests times, p50/p95. Beside each page, the floor: one plain SQL
   query of the same figures (psycopg, no ORM, no templates), timed in the same run.
3. 数据核查 of the whole county as the console runs it (background job), wall time and progress.
Prints a markdown table (and writes it to --out).
"""

from __future__ import annotations

import argparse
import os
import re
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path
from urllib.parse import quote

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from sqlalchemy import create_engine, select, text, update  # noqa: E402
from sqlalchemy.engine import make_url  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
DATABASE = "kace_bench_console"
PASSWORD = "bench-pass-1"


# --- the county database ---------------------------------------------------------------------


def database_url(pg: str) -> str:
    return make_url(pg).set(database=DATABASE).render_as_string(hide_password=False)


def ensure_database(pg: str) -> None:
    admin = create_engine(pg, isolation_level="AUTOCOMMIT")
    with admin.connect() as conn:
        if not conn.execute(text("SELECT 1 FROM pg_database WHERE datname = :d"), {"d": DATABASE}).first():
            conn.execute(text(f'CREATE DATABASE "{DATABASE}"'))
    admin.dispose()


def schema_engine(pg: str, schema: str):
    return create_engine(database_url(pg), connect_args={"options": f"-csearch_path={schema}"})


def built(pg: str, schema: str) -> dict | None:
    engine = create_engine(database_url(pg))
    with engine.connect() as conn:
        exists = conn.execute(text("SELECT 1 FROM information_schema.tables WHERE table_schema = :s "
                                   "AND table_name = 'bench_built'"), {"s": schema}).first()
        info = dict(conn.execute(text(f'SELECT * FROM "{schema}".bench_built')).mappings().one()) if exists else None
    engine.dispose()
    return info


def build(pg: str, schema: str, households: int, today: date) -> dict:
    """The demo county pushed by a laptop through the server's sync service, into a fresh schema."""
    from app.console import accounts
    from app.db.engine import make_session_factory
    from app.db.migrate import open_sqlite, upgrade_engine
    from app.db.models import Device, Region
    from app.ops.context import OpContext
    from app.demo import make_demo
    from app.sync import client
    from app.sync import county_service as service
    from app.server.direct import DirectTransport

    admin = create_engine(database_url(pg))
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA IF EXISTS "{schema}" CASCADE'))
        conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    admin.dispose()
    engine = schema_engine(pg, schema)
    upgrade_engine(engine)
    server = make_session_factory(engine)
    with tempfile.TemporaryDirectory(prefix="kace-bench-console-") as tmp:
        laptop = OpContext(open_sqlite(Path(tmp) / "laptop.db"), user="驻村队员", today_fn=lambda: today)
        t0 = time.perf_counter()
        report = make_demo(laptop, households, seed=7, as_of=today)
        demo_s = time.perf_counter() - t0
        print(f"demo: {households} households in {demo_s:.0f} s", flush=True)
        R = Region.__table__
        with laptop.read() as s:
            villages = list(s.execute(select(R.c.code).where(R.c.level == "village").order_by(R.c.code)).scalars())
        with server.begin() as s:
            token = service.enrol(s, "全县-笔记本1", villages)
        transport = DirectTransport(server)
        client.enrol(laptop.sessions, transport, "direct:", token)
        last = [time.perf_counter(), 0]

        def progress(stage: str, done: int, total: int) -> None:
            if stage == "上传" and done - last[1] >= 100_000:
                now = time.perf_counter()
                print(f"  push {done:,}/{total:,} ({(done - last[1]) / (now - last[0]):,.0f}/s)", flush=True)
                last[:] = [now, done]

        t0 = time.perf_counter()
        client.SyncClient(laptop.sessions, transport, batch=5000, sleep=lambda s: None, progress=progress).run()
        push_s = time.perf_counter() - t0
        laptop.engine.dispose()
    D = Device.__table__
    with server.begin() as s:
        changes = s.execute(text("SELECT count(*) FROM change")).scalar_one()
        service.enrol(s, "新村-笔记本2", villages[-1:])  # enrolled, never synced
        info = service.redeem(s, service.enrol(s, "旧村-笔记本3", villages[:1]))
        s.execute(update(D).where(D.c.name == info["device_name"]).values(
            last_seen_at=accounts.now() - timedelta(days=40), token_hash=None))
        accounts.add_user(s, "admin", PASSWORD, "县管理员", [])
    with engine.begin() as conn:
        conn.execute(text("ANALYZE"))
        conn.execute(text("CREATE TABLE bench_built (households int, changes int, demo_s float, push_s float, "
                          "today date, built_at timestamptz DEFAULT now())"))
        conn.execute(text("INSERT INTO bench_built (households, changes, demo_s, push_s, today) "
                          "VALUES (:h, :c, :d, :p, :t)"),
                     {"h": report.households, "c": changes, "d": demo_s, "p": push_s, "t": today})
    engine.dispose()
    print(f"push: {changes:,} changes in {push_s:.0f} s ({changes / push_s:,.0f}/s)", flush=True)
    return built(pg, schema)



# --- the pages and their floors ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """`kace serve` (uvicorn) on a free loopback port over the county schema."""

    def __init__(self, url: str, data_dir: Path):
        import httpx

        self.port = free_port()
        self.base = f"http://127.0.0.1:{self.port}"
        env = {**os.environ, "KACE_DATA_DIR": str(data_dir)}
        self.proc = subprocess.Popen(
            [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))",
             "serve", "--db-url", url, "--port", str(self.port)],
            cwd=ROOT, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, start_new_session=True)
        for _ in range(300):
            try:
                if httpx.get(self.base + "/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.3)
        raise SystemExit("kace serve did not start")

    def stop(self) -> None:
        self.proc.terminate()
        self.proc.wait(30)


def login(base: str):
    import httpx

    c = httpx.Client(base_url=base, timeout=600, follow_redirects=True)
    c.get("/login")
    r = c.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": c.cookies.get("kace_login"),
                               "next": "/"})
    assert r.status_code == 200 and "退出登录" in r.text, r.status_code
    return c


def timed(fn, n: int) -> list[float]:
    out = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def p50_p95(ms: list[float]) -> tuple[float, float]:
    ms = sorted(ms)
    return statistics.median(ms), ms[min(len(ms) - 1, max(0, round(0.95 * len(ms)) - 1))]


def sample_places(conn) -> dict:
    """A township (the largest), a village of it (its median-sized one), a household of that
    village with the most change records."""
    town = conn.execute(text(
        "SELECT t.code, t.id FROM region t JOIN region v ON v.parent_id = t.id JOIN household h ON h.village_id = v.id "
        "WHERE NOT h.deleted GROUP BY t.code, t.id ORDER BY count(*) DESC LIMIT 1")).one()
    villages = conn.execute(text(
        "SELECT v.code, v.id, count(h.id) n FROM region v JOIN household h ON h.village_id = v.id "
        "WHERE v.parent_id = :t AND NOT h.deleted GROUP BY v.code, v.id ORDER BY n"), {"t": town.id}).all()
    village = villages[len(villages) // 2]
    household = conn.execute(text(
        "SELECT h.id FROM household h JOIN change c ON c.row_id = h.id WHERE h.village_id = :v "
        "GROUP BY h.id ORDER BY count(*) DESC, h.id LIMIT 1"), {"v": village.id}).scalar_one()
    return {"township": town.code, "township_id": town.id, "village": village.code, "village_id": village.id,
            "village_households": village.n, "household": household}


def floors(places: dict, today: date) -> dict[str, list[str]]:
    """Per page, the plain SQL reading the same figures (the least a page showing them must do)."""
    from app.domain import codes, workflow

    normal = codes.MEMBER_STATUS.code("正常")
    not_exited = ", ".join(f"'{c}'" for c in sorted(workflow.NOT_EXITED))
    registered = ", ".join(f"'{c}'" for c in sorted(workflow.REGISTERED))
    month = today.replace(day=1).isoformat()

    def area(where: str) -> list[str]:
        return [
            f"SELECT h.village_id, h.status, count(*), count(h.monitoring_type) FROM household h "
            f"JOIN region v ON v.id = h.village_id WHERE NOT h.deleted AND {where} GROUP BY 1, 2",
            f"SELECT h.village_id, count(*), count(*) FILTER (WHERE m.status = '{normal}' AND h.status IN ({not_exited})) "
            f"FROM member m JOIN household h ON h.id = m.household_id JOIN region v ON v.id = h.village_id "
            f"WHERE NOT h.deleted AND NOT m.deleted AND {where} GROUP BY 1",
            f"SELECT h.village_id, count(*), count(DISTINCT v2.household_id) FILTER (WHERE h.status IN ({registered})) "
            f"FROM visit v2 JOIN household h ON h.id = v2.household_id JOIN region v ON v.id = h.village_id "
            f"WHERE NOT h.deleted AND NOT v2.deleted AND v2.visit_date >= '{month}' AND v2.visit_date <= '{today}' "
            f"AND {where} GROUP BY 1",
            f"SELECT width_bucket(i.per_capita, ARRAY[4000, 6000, 8000, 10000, 15000, 20000]), count(*) "
            f"FROM income i JOIN household h ON h.id = i.household_id JOIN region v ON v.id = h.village_id "
            f"WHERE NOT h.deleted AND NOT i.deleted AND {where} "
            f"AND i.year = (SELECT max(year) FROM income) GROUP BY 1",
        ]

    county = area("true")
    town = area(f"v.parent_id = '{places['township_id']}'")
    vid, hid = places["village_id"], places["household"]
    village = area(f"v.id = '{vid}'") + [
        f"SELECT id, code, head_name, head_id_number, size, category, status FROM household "
        f"WHERE village_id = '{vid}' AND NOT deleted ORDER BY code"]
    household = [f"SELECT * FROM household WHERE id = '{hid}'", f"SELECT * FROM member WHERE household_id = '{hid}'",
                 f"SELECT * FROM income WHERE household_id = '{hid}'", f"SELECT * FROM visit WHERE household_id = '{hid}'",
                 f"SELECT * FROM change WHERE row_id IN (SELECT '{hid}' UNION ALL SELECT id FROM member "
                 f"WHERE household_id = '{hid}') ORDER BY log_seq"]
    devices = ["SELECT * FROM sync_device ORDER BY device_code",
               "SELECT replica_id, count(*) FROM change GROUP BY replica_id"]
    pending = ["SELECT table_name, row_id, field FROM field_head WHERE conflict",
               "SELECT DISTINCT table_name, row_id FROM field_head WHERE field = 'deleted'",
               "SELECT m.id FROM member m JOIN household h ON h.id = m.household_id WHERE h.deleted AND NOT m.deleted",
               "SELECT head_id_number FROM household WHERE NOT deleted AND head_id_number IS NOT NULL "
               "GROUP BY 1 HAVING count(*) > 1",
               "SELECT * FROM parked_change WHERE NOT dismissed ORDER BY received_at"]
    check_list = ["SELECT v.id, v.code, v.name, t.name FROM region v LEFT JOIN region t ON t.id = v.parent_id "
                  "WHERE v.level = 'village' AND NOT v.deleted ORDER BY v.code"]
    check_village = check_list + [f"SELECT code, id FROM household WHERE village_id = '{vid}'"]
    return {"county": county, "township": town, "village": village, "household": household, "devices": devices,
            "pending": pending, "check": check_list, "check_village": check_village,
            "audit": ["SELECT * FROM console_audit ORDER BY at DESC LIMIT 500"]}


def measure(args, schema: str, info: dict) -> None:
    import psycopg

    today = info["today"]
    url = database_url(args.pg).replace("postgresql+psycopg://", "postgresql://")
    serve_url = url + "?options=" + quote(f"-csearch_path={schema}")
    engine = schema_engine(args.pg, schema)
    with engine.connect() as conn:
        places = sample_places(conn)
    engine.dispose()
    sql = floors(places, today)
    pg = psycopg.connect(url, options=f"-csearch_path={schema}", autocommit=True)
    n = args.requests
    t, v, h = places["township"], places["village"], places["household"]
    pages = [  # (what, path, floor, requests)
        ("设备", "/devices", "devices", n),
        ("全县概况", "/", "county", n),
        ("乡镇", f"/township/{t}", "township", n),
        ("村", f"/village/{v}", "village", n),
        ("户", f"/household/{h}", "household", n),
        ("待处理", "/pending", "pending", n),
        ("数据核查（全县，上次结果）", "/check", "check", n),
        ("数据核查（一村明细）", f"/check?village={v}", "check_village", n),
        ("操作记录", "/audit", "audit", n),
        ("导出：设备 xlsx", "/devices?format=xlsx", "devices", n),
        ("导出：全县概况 xlsx", "/?format=xlsx", "county", n),
        ("导出：乡镇 xlsx", f"/township/{t}?format=xlsx", "township", n),
        ("导出：村 xlsx", f"/village/{v}?format=xlsx", "village", n),
        ("导出：户 xlsx", f"/household/{h}?format=xlsx", "household", n),
        ("导出：待处理 xlsx", "/pending?format=xlsx", "pending", n),
        ("导出：核查问题数 xlsx", "/check?format=xlsx", "check", n),
        ("导出：全县问题清单 xlsx", "/check/findings.xlsx", "check", 3),
        ("打印：乡镇户名册 PDF", f"/township/{t}/register.pdf", "township", 1),
    ]
    if args.pages:
        pages = [p for p in pages if any(p[1] == x or x.endswith("*") and p[1].startswith(x[:-1]) for x in args.pages)]
    with tempfile.TemporaryDirectory(prefix="kace-bench-serve-") as data:
        server = Server(serve_url, Path(data))
        try:
            client = login(server.base)
            # 数据核查 of the whole county, as the console runs it: started, then followed on its page.
            t0 = time.perf_counter()
            r = client.post("/check/run", data={"csrf": csrf_of(client.get("/devices").text)})
            seen = []
            while True:
                page = client.get("/check/progress", follow_redirects=False)
                if page.status_code == 303:
                    break
                m = re.search(r"已核查 <strong>([\d,]+)</strong> / ([\d,]+) 户", page.text)
                if m:
                    seen.append((round(time.perf_counter() - t0, 1), m.group(1), m.group(2)))
                time.sleep(1)
            check_s = time.perf_counter() - t0
            shown = re.search(r"用时 ([\d.]+) 秒", client.get("/check").text)
            rows = []
            for what, path, floor, count in pages:
                def get(path=path):
                    r = client.get(path)
                    assert r.status_code == 200, (path, r.status_code, r.text[:300])
                if count > 3:
                    get()  # warm-up: templates compiled, plans cached, figures of this state computed
                app_ms = timed(get, count)
                floor_ms = timed(lambda floor=floor: [pg.execute(q).fetchall() for q in sql[floor]], count)
                rows.append((what, path, count, *p50_p95(app_ms), *p50_p95(floor_ms)))
                print(f"{what}: p50 {rows[-1][3]:.0f} ms, p95 {rows[-1][4]:.0f} ms; floor {rows[-1][5]:.0f} / "
                      f"{rows[-1][6]:.0f} ms", flush=True)
        finally:
            server.stop()
    cold = cold_pages(serve_url, [p for p in pages if "format" not in p[1] and ".pdf" not in p[1]][:6],
                      max(5, n // 4), today)
    pg.close()
    report(args, info, places, rows, check_s, shown.group(1) if shown else "?", seen, cold)


def cold_pages(url: str, pages, n: int, today: date) -> dict[str, tuple[float, float]]:
    """The same pages with the figures cache off (app/console/cache.py): what the first view after
    a sync costs. In this process (FastAPI's TestClient on the same app), not over HTTP."""
    from fastapi.testclient import TestClient

    from app.db.migrate import open_url
    from app.server.app import create_app

    engine = open_url(url)
    app = create_app(engine)
    app.state.console.cache.enabled = False
    web = TestClient(app)
    web.get("/login")
    web.post("/login", data={"username": "admin", "password": PASSWORD, "csrf": web.cookies.get("kace_login")})
    out = {}
    for what, path, _floor, _count in pages:
        web.get(path)
        out[path] = p50_p95(timed(lambda path=path: web.get(path), n))
        print(f"{what} (cache off): p50 {out[path][0]:.0f} ms, p95 {out[path][1]:.0f} ms", flush=True)
    engine.dispose()
    return out


def csrf_of(page: str) -> str:
    return re.search(r'name="csrf" value="([^"]+)"', page).group(1)


def report(args, info, places, rows, check_s, check_inner, seen, cold) -> None:
    import platform

    lines = [
        f"{date.today()}, {platform.machine()}, {os.cpu_count()} cores, Python {platform.python_version()}, "
        f"county `{DATABASE}`/`county{args.households}`: {info['households']:,} households, {info['changes']:,} changes "
        f"(built by a laptop push: demo {info['demo_s']:.0f} s, push {info['push_s']:.0f} s = "
        f"{info['changes'] / info['push_s']:,.0f} changes/s). Pages over HTTP from a real `kace serve`, "
        f"{args.requests} requests each after one warm-up; floor = the plain SQL of the same figures "
        f"(psycopg, same run). Sample township {places['township']}, village {places['village']} "
        f"({places['village_households']} households), household with the most changes.",
        "",
        "| page | path | requests | p50 ms | p95 ms | floor p50 ms | floor p95 ms | p95 < 300 ms | cache off p50 / p95 ms |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for what, path, count, a50, a95, f50, f95 in rows:
        off = f"{cold[path][0]:.0f} / {cold[path][1]:.0f}" if path in cold else ""
        lines.append(f"| {what} | `{path}` | {count} | {a50:.0f} | {a95:.0f} | {f50:.0f} | {f95:.0f} | "
                     f"{'met' if a95 < 300 else '**not met**'} | {off} |")
    lines += ["", f"数据核查 of the whole county (background job, progress page polled each second): "
              f"{check_s:.1f} s from the click to the result ({check_inner} s inside the job); progress seen: "
              + ", ".join(f"{t} s {d}/{n}" for t, d, n in seen[:: max(1, len(seen) // 8)]) + "."]
    text_ = "\n".join(lines) + "\n"
    print(text_)
    args.out.write_text(text_, encoding="utf-8")

def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--requests", type=int, default=20)
    parser.add_argument("--rebuild", action="store_true")
    parser.add_argument("--build-only", action="store_true")
    parser.add_argument("--pages", nargs="*", help="measure only these paths (a trailing * matches any ending)")
    parser.add_argument("--pg", default="postgresql+psycopg://postgres@127.0.0.1:5432/postgres")
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "console_results.md")
    args = parser.parse_args()
    schema = f"county{args.households}"
    ensure_database(args.pg)
    info = None if args.rebuild else built(args.pg, schema)
    if info is None:
        info = build(args.pg, schema, args.households, date.today())
    print(f"county: {info}", flush=True)
    if args.build_only:
        return
    measure(args, schema, info)


if __name__ == "__main__":
    main()
