"""Benchmark of the foundation: demo county generation and the list/search/stats queries.

The app layer (app/db/lookup_queries and stats_queries through SQLAlchemy and the OpContext) is timed against a baseline of
the same questions asked in plain sqlite3 in the same run, on the same file.

    .venv/bin/python bench/demo_and_queries.py [--households 100000] [--db PATH] [--reuse]

Targets (issue 3): demo 100k < 2 min; one-village list < 50 ms; search p95 < 30 ms; stats on
100k < 2 s; app layer <= 1.5x the baseline. Prints a markdown table; --out writes it to a file.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import sqlite3
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from app.db import lookup_queries, stats_queries  # noqa: E402
from app.db.migrate import open_sqlite  # noqa: E402
from app.ops.context import OpContext  # noqa: E402


def timed(fn, repeat: int) -> list[float]:
    out = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        fn()
        out.append((time.perf_counter() - t0) * 1000)
    return out


def paired(app_fn, base_fn, repeat: int) -> tuple[list[float], list[float]]:
    """Alternate app and baseline runs so load from other processes hits both alike."""
    app, base = [], []
    for _ in range(repeat):
        app += timed(app_fn, 1)
        base += timed(base_fn, 1)
    return app, base


def p95(values: list[float]) -> float:
    return statistics.quantiles(values, n=20, method="inclusive")[18] if len(values) > 1 else values[0]


# --- the baseline: the same questions in plain sqlite3 --------------------------------------------

def base_village_list(conn, village_id):
    return conn.execute(
        "SELECT id, code, head_name, head_id_number, size, category, main_cause, status "
        "FROM household WHERE deleted = 0 AND village_id = ? ORDER BY group_id, code",
        (village_id,)).fetchall()


def base_search(conn, text, limit=200):
    if text.isascii() and text.isalpha():
        conds = [("m.name_initials", text.lower())]
    elif any("\u4e00" <= ch <= "\u9fff" for ch in text):
        conds = [("m.name", text)]
    else:
        conds = [("m.id_number", text), ("m.id_number_reversed", text[::-1])]
    parts, params = [], []
    for col, prefix in conds:
        parts.append(f"SELECT * FROM (SELECT h.id, h.code FROM household h JOIN member m "
                     f"ON m.household_id = h.id WHERE h.deleted = 0 AND m.deleted = 0 "
                     f"AND {col} >= ? AND {col} < ? LIMIT ?)")
        params += [prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1), limit]
    parts.append("SELECT * FROM (SELECT id, code FROM household WHERE deleted = 0 "
                 "AND code >= ? AND code < ? LIMIT ?)")
    params += [text, text[:-1] + chr(ord(text[-1]) + 1), limit]
    found = dict(conn.execute(" UNION ALL ".join(parts), params).fetchall())
    return sorted(found, key=found.__getitem__)[:limit]


def base_stats(conn):
    one = lambda sql, *a: conn.execute(sql, a).fetchone()[0]  # noqa: E731
    out = {
        "households": one("SELECT count(*) FROM household WHERE deleted = 0"),
        "members": one("SELECT count(*) FROM member m JOIN household h ON h.id = m.household_id "
                       "WHERE m.deleted = 0 AND h.deleted = 0"),
        "villages": one("SELECT count(*) FROM region WHERE level = 'village' AND deleted = 0"),
        "visits": one("SELECT count(*) FROM visit v JOIN household h ON h.id = v.household_id "
                      "WHERE v.deleted = 0 AND h.deleted = 0"),
        "changes": one("SELECT count(*) FROM change"),
        "by_status": dict(conn.execute("SELECT status, count(*) FROM household WHERE deleted = 0 "
                                       "GROUP BY status").fetchall()),
    }
    year = one("SELECT max(year) FROM income WHERE deleted = 0")
    values = sorted(r[0] for r in conn.execute(
        "SELECT i.per_capita FROM income i JOIN household h ON h.id = i.household_id "
        "WHERE i.year = ? AND i.deleted = 0 AND h.deleted = 0 AND i.per_capita IS NOT NULL", (year,)))
    deciles = statistics.quantiles(values, n=10, method="inclusive")
    out["income_per_capita"] = (deciles[0], deciles[4], deciles[8])
    return out


def search_terms(conn, rng: random.Random, n: int) -> list[str]:
    rows = conn.execute("SELECT name, name_initials, id_number FROM member WHERE id_number IS NOT NULL "
                        "ORDER BY random() LIMIT ?", (n,)).fetchall()
    terms = []
    for name, initials, number in rows:
        kind = rng.randrange(5)
        terms.append([name[:1], name[:2], initials[:3], number[:10], number[-4:]][kind])
    return terms


def machine() -> str:
    cpu = "unknown CPU"
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    mem = os.sysconf("SC_PAGE_SIZE") * os.sysconf("SC_PHYS_PAGES") / 2**30
    return (f"{os.cpu_count()} cores ({cpu}), {mem:.0f} GiB RAM, Python {platform.python_version()}, "
            f"SQLite {sqlite3.sqlite_version}")


def main() -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--households", type=int, default=100_000)
    ap.add_argument("--db", type=Path, default=Path("bench/_work/demo.db"))
    ap.add_argument("--reuse", action="store_true", help="use an existing demo file")
    ap.add_argument("--out", type=Path)
    args = ap.parse_args()
    args.db.parent.mkdir(parents=True, exist_ok=True)
    rows = []

    if not (args.reuse and args.db.exists()):
        for suffix in ("", "-wal", "-shm"):
            Path(str(args.db) + suffix).unlink(missing_ok=True)
        t0 = time.perf_counter()
        # The real command, as a user runs it (a fresh process, progress bar and all).
        subprocess.run([sys.executable, "-m", "app.cli", "demo", "--db", str(args.db),
                        "--households", str(args.households), "--seed", "1",
                        "--as-of", date.today().isoformat()], check=True)
        demo_s = time.perf_counter() - t0
        rows.append(("demo", f"kace demo --households {args.households}", f"{demo_s:.1f} s",
                     "—", "—", "< 120 s"))

    ctx = OpContext(open_sqlite(args.db))
    conn = sqlite3.connect(args.db)
    rng = random.Random(5)
    with ctx.read() as s:
        big = max(lookup_queries.villages(s), key=lambda v: v["households"])
        village = lookup_queries.village_by_code(s, big["code"])
        app_list, base_list = paired(lambda: lookup_queries.village_households(s, village.id),
                                     lambda: base_village_list(conn, village.id), 30)
    rows.append(("one-village list", f"{big['households']} households, median",
                 f"{statistics.median(app_list):.1f} ms", f"{statistics.median(base_list):.1f} ms",
                 f"{statistics.median(app_list) / statistics.median(base_list):.2f}×", "< 50 ms"))

    terms = search_terms(conn, rng, 200)
    with ctx.read() as s:
        for t in terms[:20]:  # same answers as the baseline
            assert set(lookup_queries.search_households(s, t)) == set(base_search(conn, t)), t
        app_search, base = [], []
        for t in terms:
            a, b = paired(lambda t=t: lookup_queries.search_households(s, t), lambda t=t: base_search(conn, t), 1)
            app_search += a
            base += b
    rows.append(("search as you type", "200 terms: 1–2 chars of a name, initials, ID start/end, p95",
                 f"{p95(app_search):.1f} ms", f"{p95(base):.1f} ms",
                 f"{p95(app_search) / p95(base):.2f}×", "p95 < 30 ms"))

    with ctx.read() as s:
        app_stats, base_st = paired(lambda: stats_queries.stats(s), lambda: base_stats(conn), 5)
        figures = stats_queries.stats(s)
    assert base_stats(conn)["households"] == figures["households"]
    rows.append(("stats", f"{figures['households']} households, {figures['changes']} changes, median",
                 f"{statistics.median(app_stats) / 1000:.2f} s", f"{statistics.median(base_st) / 1000:.2f} s",
                 f"{statistics.median(app_stats) / statistics.median(base_st):.2f}×", "< 2 s"))

    lines = [f"Machine: {machine()}. Database: {args.db.stat().st_size / 2**30:.2f} GiB, "
             f"{figures['members']} members, {figures['visits']} visits.", "",
             "| what | measured | app layer | baseline (sqlite3) | ratio | target |",
             "|---|---|---|---|---|---|"]
    lines += [f"| {a} | {b} | {c} | {d} | {e} | {f} |" for a, b, c, d, e, f in rows]
    text = "\n".join(lines)
    print(text)
    if args.out:
        args.out.write_text(text + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
