"""Benchmarks of issue 6: `kace check` on 100k households, import and export of a 50,000-row 花名册.

Each figure is measured against a named baseline in the same run:
- check: a plain sqlite3 `fetchall` of the same tables (what reading the rows alone costs);
- import: an openpyxl read-only pass over the same file (targets: < 60 s and ≤ 3× the baseline);
- export: openpyxl write-only writing the same rows (target: ≤ 2× the baseline).

    .venv/bin/python bench/quality_and_excel.py [--db /tmp/q100k.db] [--rows 50000] [--out bench/quality_results.md]

The 100k demo county is made with `kace demo` when the file does not exist (about 4 minutes).
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sqlite3
import subprocess
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
KACE = str(Path(sys.executable).with_name("kace"))
AS_OF = date(2026, 11, 27)


def timed(fn):
    start = time.perf_counter()
    value = fn()
    return time.perf_counter() - start, value


def ensure_demo(db: Path, households: int) -> None:
    if db.exists():
        return
    print(f"making the {households}-household demo county in {db} …", flush=True)
    subprocess.run([KACE, "demo", "--db", str(db), "--households", str(households), "--as-of", AS_OF.isoformat()],
                   check=True)


def bench_check(db: Path, runs: int = 3) -> dict:
    """The whole `kace check --json` process, best of `runs` (the machine is shared: the spread is
    reported too)."""
    def run_cli():
        done = subprocess.run([KACE, "check", "--db", str(db), "--json"], capture_output=True, text=True,
                              check=False)
        assert done.returncode == 0, done.stderr
        return json.loads(done.stdout)["counts"]

    times = []
    for _ in range(runs):
        seconds, counts = timed(run_cli)
        times.append(seconds)
    seconds = min(times)

    def baseline():
        conn = sqlite3.connect(db)
        rows = 0
        for table in ("household", "member", "income", "conditions", "assignment", "plan", "measure", "loan"):
            rows += len(conn.execute(f"SELECT * FROM {table} WHERE deleted = 0").fetchall())
        conn.close()
        return rows

    base, rows = timed(baseline)
    with sqlite3.connect(db) as conn:
        households = conn.execute("SELECT count(*) FROM household").fetchone()[0]
    return {"seconds": seconds, "times": times, "baseline": base, "rows": rows, "households": households,
            "findings": counts["total"]}


def village_ids_for_rows(db: Path, rows: int) -> list[str]:
    conn = sqlite3.connect(db)
    found, total = [], 0
    for rid, n in conn.execute(
            "SELECT r.id, count(m.id) FROM region r JOIN household h ON h.village_id = r.id "
            "JOIN member m ON m.household_id = h.id WHERE h.deleted = 0 AND m.deleted = 0 "
            "GROUP BY r.id ORDER BY r.code"):
        if total >= rows:
            break
        found.append(rid)
        total += n
    conn.close()
    return found


def bench_excel(db: Path, rows: int, work: Path) -> dict:
    from openpyxl import Workbook, load_workbook

    from app.db.migrate import open_sqlite
    from app.exchange.exporter import export_xlsx
    from app.exchange.importer import import_xlsx
    from app.ops.context import OpContext

    ctx = OpContext(open_sqlite(db), user="bench", today_fn=lambda: AS_OF)
    villages = village_ids_for_rows(db, rows)
    roster = work / "roster.xlsx"
    export_s, result = timed(lambda: export_xlsx(ctx, villages, roster, members=True))
    ctx.engine.dispose()

    def openpyxl_read():
        wb = load_workbook(roster, read_only=True)
        values = [r for r in wb.active.iter_rows(values_only=True)]
        wb.close()
        return values

    read_s, values = timed(openpyxl_read)

    def openpyxl_write():
        wb = Workbook(write_only=True)
        ws = wb.create_sheet("花名册")
        for r in values:
            ws.append(r)
        wb.save(work / "baseline.xlsx")

    write_s, _ = timed(openpyxl_write)

    # import into a database holding only the county's places: every household and member is new
    target = work / "import.db"
    fresh = OpContext(open_sqlite(target), user="bench", today_fn=lambda: AS_OF)
    src = sqlite3.connect(db)
    regions = src.execute("SELECT id, code, name, level, parent_id FROM region WHERE level != 'group' "
                          "ORDER BY length(code), code").fetchall()
    src.close()
    with fresh.write() as w:
        w.insert_many("region", [dict(zip(("id", "code", "name", "level", "parent_id"), r)) for r in regions])
    import_s, report = timed(lambda: import_xlsx(fresh, roster))
    again_s, again = timed(lambda: import_xlsx(fresh, roster))
    fresh.engine.dispose()
    assert report.members["new"] == result.rows and not again.changes and again.members["new"] == 0
    return {"rows": result.rows, "households": result.households, "export": export_s, "write_baseline": write_s,
            "import": import_s, "reimport": again_s, "read_baseline": read_s, "columns": len(values[1])}


def write_results(path: Path, check: dict, excel: dict) -> str:
    cpu = os.cpu_count()
    lines = [
        "## Data checks and Excel exchange (issue 6) — bench/quality_and_excel.py",
        "",
        f"Machine: {platform.machine()}, {cpu} cores shared, Python {platform.python_version()}, "
        f"SQLite {sqlite3.sqlite_version}; run {time.strftime('%Y-%m-%d %H:%M')}.",
        "",
        "| what | figure | baseline (same run) | ratio | target |",
        "|---|---|---|---|---|",
        f"| `kace check --json`, {check['households']:,} households, all rules, whole process "
        f"({check['findings']:,} findings; runs: {', '.join(f'{t:.1f}' for t in check['times'])} s) "
        f"| {check['seconds']:.1f} s | sqlite3 fetchall of the checked tables "
        f"({check['rows']:,} rows) {check['baseline']:.1f} s | {check['seconds'] / check['baseline']:.1f}× | < 30 s |",
        f"| import of a {excel['rows']:,}-row 花名册 ({excel['columns']} columns, {excel['households']:,} households, "
        f"all new) | {excel['import']:.1f} s | openpyxl read-only pass {excel['read_baseline']:.1f} s | "
        f"{excel['import'] / excel['read_baseline']:.2f}× | < 60 s and ≤ 3× |",
        f"| re-import of the same file (nothing changes) | {excel['reimport']:.1f} s | openpyxl read-only pass "
        f"{excel['read_baseline']:.1f} s | {excel['reimport'] / excel['read_baseline']:.2f}× | — |",
        f"| export of {excel['rows']:,} member rows (`kace export xlsx --members` layout) | {excel['export']:.1f} s | "
        f"openpyxl write-only of the same rows {excel['write_baseline']:.1f} s | "
        f"{excel['export'] / excel['write_baseline']:.2f}× | ≤ 2× |",
        "",
        "Notes: `kace check` splits a county of 20,000+ households over two processes (half of the villages "
        "each) when the system can fork and a core is idle (1-minute load average below cores − 0.5); "
        "otherwise it runs in one: the spread of the runs above is that choice on a shared machine. Loading is "
        "set-based (one query per table through the driver's cursor, visits of this and last month plus each "
        "household's latest visit date), with the cyclic garbage collector paused. The import reads with "
        "python-calamine and writes in one transaction (`insert_many`, change records included).",
        "",
    ]
    text = "\n".join(lines)
    path.write_text(text, encoding="utf-8")
    return text


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, default=Path("/tmp/q100k.db"))
    parser.add_argument("--households", type=int, default=100_000)
    parser.add_argument("--rows", type=int, default=50_000)
    parser.add_argument("--out", type=Path, default=ROOT / "bench" / "quality_results.md")
    args = parser.parse_args()
    ensure_demo(args.db, args.households)
    check = bench_check(args.db)
    print(f"check: {check['seconds']:.1f} s", flush=True)
    with tempfile.TemporaryDirectory() as tmp:
        excel = bench_excel(args.db, args.rows, Path(tmp))
    print(write_results(args.out, check, excel))
    return 0


if __name__ == "__main__":
    sys.exit(main())
