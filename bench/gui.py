"""Benchmark of the desktop client on a big county, against a bare QTableView + sqlite3 baseline
in the same run, on the same file.

    .venv/bin/python bench/gui.py --db /tmp/gui100k.db [--out bench/gui_results.md]

Make the file once with `kace demo --db /tmp/gui100k.db --households 100000` (about 2 min).

Measured (issue 4 targets): cold start to a populated list (< 2 s, a fresh process each time);
search as you type, every keystroke of realistic searches until the list shows the result
(p95 < 50 ms); opening the household editor until painted (< 150 ms); saving an edit through the
op runner (p95 < 20 ms); scrolling the whole list page by page, the longest UI-thread frame
(never > 16 ms); resident memory (< 400 MB).

The baseline is the simplest program that shows the same list: one sqlite3 query into a Python list
behind a QAbstractTableModel (every row in memory), a plain prefix search in sqlite3 per keystroke,
an sqlite3 UPDATE + COMMIT per save.
"""

from __future__ import annotations

import argparse
import os
import platform
import random
import shutil
import sqlite3
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

SEARCHES = ["zsf", "lxy", "wjh", "张", "张秀", "李", "黄桂", "0231", "19780", "4508811970",
            "450881101201-01-00", "chm", "梁", "1X"]
FRAME_BUDGET_MS = 16.0

# --- child processes: cold start -------------------------------------------------------------------

COLD_KACE = r"""
import sys, time
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from pathlib import Path
from app.ui.qapp import make_qapp
from app.ui.context import build_context
from app.ui.launch import open_main_window
from app.ui.capture import wait_until
make_qapp(offscreen=True)
ctx = build_context(Path({db!r}))
w = open_main_window(ctx)
w.show()
wait_until(lambda: w.list.is_loaded() and w.list.model.rowCount() > 0, 60)
w.list.table.viewport().repaint()
print("READY", (time.perf_counter() - t0) * 1000, w.list.model.rowCount(), flush=True)
import os; os._exit(0)
"""

COLD_BASE = r"""
import sys, time, sqlite3
t0 = time.perf_counter()
sys.path.insert(0, {root!r})
from bench.gui import BareModel, bare_rows
from PySide6.QtWidgets import QApplication, QTableView
app = QApplication(["x"])
conn = sqlite3.connect({db!r})
model = BareModel(bare_rows(conn))
view = QTableView(); view.setModel(model); view.resize(1280, 700); view.show()
app.processEvents(); view.viewport().repaint()
print("READY", (time.perf_counter() - t0) * 1000, model.rowCount(), flush=True)
import os; os._exit(0)
"""


def cold_start(template: str, db: Path, data_dir: Path) -> tuple[float, float]:
    """(ms measured inside the process from its first line, ms of wall clock from spawn)."""
    env = {**os.environ, "KACE_DATA_DIR": str(data_dir), "QT_QPA_PLATFORM": "offscreen"}
    started = time.perf_counter()
    out = subprocess.run([sys.executable, "-c", template.format(root=str(ROOT), db=str(db))], check=False,
                         capture_output=True, text=True, env=env, timeout=300)
    wall = (time.perf_counter() - started) * 1000
    line = next((l for l in out.stdout.splitlines() if l.startswith("READY")), None)
    if line is None:
        raise RuntimeError(out.stderr[-2000:])
    return float(line.split()[1]), wall


# --- the baseline program ----------------------------------------------------------------------------

def bare_rows(conn) -> list[tuple]:
    return conn.execute(
        "SELECT code, head_name, head_id_number, size, category, main_cause, status FROM household "
        "WHERE deleted = 0 ORDER BY code").fetchall()


def _bare_model_class():
    from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt

    class _BareModel(QAbstractTableModel):
        def __init__(self, rows):
            super().__init__()
            self.rows = rows

        def set_rows(self, rows):
            self.beginResetModel()
            self.rows = rows
            self.endResetModel()

        def rowCount(self, parent=QModelIndex()):
            return 0 if parent.isValid() else len(self.rows)

        def columnCount(self, parent=QModelIndex()):
            return 0 if parent.isValid() else 7

        def data(self, index, role=Qt.ItemDataRole.DisplayRole):
            if role == Qt.ItemDataRole.DisplayRole:
                return str(self.rows[index.row()][index.column()])
            return None

    return _BareModel


def __getattr__(name):  # BareModel is built lazily so importing this file needs no Qt
    if name == "BareModel":
        return _bare_model_class()
    raise AttributeError(name)


def bare_search(conn, text: str) -> list[tuple]:
    """The plain way: prefix ranges on the member indexes, then the rows."""
    text = text.strip()
    hi = text[:-1] + chr(ord(text[-1]) + 1)
    if text.isascii() and text.isalpha():
        cond, args = "m.name_initials >= ? AND m.name_initials < ?", (text.lower(), hi.lower())
    elif any("\u4e00" <= c <= "\u9fff" for c in text):
        cond, args = "m.name >= ? AND m.name < ?", (text, hi)
    else:
        cond, args = "m.id_number >= ? AND m.id_number < ?", (text, hi)
    return conn.execute(
        "SELECT h.code, h.head_name, h.head_id_number, h.size, h.category, h.main_cause, h.status "
        f"FROM household h WHERE h.deleted = 0 AND h.id IN (SELECT m.household_id FROM member m WHERE {cond}) "
        "ORDER BY h.code", args).fetchall()


# --- measuring ------------------------------------------------------------------------------------------

def pct(values: list[float], q: float) -> float:
    values = sorted(values)
    if not values:
        return float("nan")
    k = (len(values) - 1) * q
    lo, hi = int(k), min(int(k) + 1, len(values) - 1)
    return values[lo] + (values[hi] - values[lo]) * (k - lo)


def keystrokes() -> list[str]:
    out = []
    for term in SEARCHES:
        out += [term[:i] for i in range(1, len(term) + 1)]
        out.append("")  # cleared before the next search
    return out


def rss_mb() -> tuple[float, float]:
    fields = {}
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(("VmRSS", "VmHWM")):
            key, value = line.split(":")
            fields[key] = int(value.split()[0]) / 1024
    return fields.get("VmRSS", float("nan")), fields.get("VmHWM", float("nan"))


def scroll_all(app, view, step_pages: int = 1) -> list[float]:
    """One frame = move the scroll bar a page and process events until the view has painted
    the new rows (the update the scroll schedules). Everything the UI thread does while the list
    scrolls happens inside some frame: this loop processes events nowhere else."""
    bar = view.verticalScrollBar()
    times = []
    bar.setValue(0)
    app.processEvents()
    value = 0
    while value < bar.maximum():
        value = min(bar.maximum(), value + bar.pageStep() * step_pages)
        t0 = time.perf_counter()
        bar.setValue(value)
        app.processEvents()
        times.append((time.perf_counter() - t0) * 1000)
    return times


def c_plus_plus_view(rows: list[tuple]):
    """The floor of any list: the baseline's rows held in a QStandardItemModel, so painting a
    cell never calls into Python (Qt's own model, all in C++)."""
    from PySide6.QtGui import QStandardItem, QStandardItemModel
    from PySide6.QtWidgets import QTableView
    model = QStandardItemModel(0, len(rows[0]) if rows else 0)
    for row in rows:
        model.appendRow([QStandardItem(str(v)) for v in row])
    view = QTableView()
    view.setModel(model)
    view.resize(1280, 700)
    view.show()
    view._model = model  # kept alive with the view
    return view


def frames(times: list[float]) -> str:
    """p50 / p99 / max of frame times, and how many took longer than the budget (at which pages)."""
    over = [(i + 1, t) for i, t in enumerate(times) if t > FRAME_BUDGET_MS]
    where = f": page {', '.join(f'{i} ({t:.0f} ms)' for i, t in over[:8])}" if over else ""
    return (f"{pct(times, .5):.1f} / {pct(times, .99):.1f} / {max(times):.1f} ms; "
            f"{len(over)} over 16 ms ({100 * len(over) / len(times):.2f} %){where}")


def wait_for_daily_backup(app, ctx, opened: float) -> float:
    """The program makes its daily backup (a copy of the whole file) on the database thread
    DAILY_BACKUP_DELAY_MS after start. Wait until it has run and its writes are on disk, so that
    the frames measured next compete with the same load as the baseline's; returns how long the
    backup still ran (ms)."""
    from app.ui.capture import wait_until
    from app.ui.launch import DAILY_BACKUP_DELAY_MS

    wait_until(lambda: time.perf_counter() - opened > DAILY_BACKUP_DELAY_MS / 1000 + 0.5, 120)
    t0 = time.perf_counter()
    ctx.runner.wait(600)
    took = (time.perf_counter() - t0) * 1000
    # The copy left ~2 GiB of dirty pages; their write-back would otherwise run beside the
    # scroll measured next (and not beside the baseline's, which comes later).
    os.sync()
    app.processEvents()
    return took


def run(db: Path, out: Path | None, repeat_cold: int) -> str:
    from app.db.backup import backup_folder

    data_dir = Path(tempfile.mkdtemp(prefix="kace-bench-"))
    os.environ["KACE_DATA_DIR"] = str(data_dir)
    backups = backup_folder(db)  # beside the database
    before = set(backups.glob("*")) if backups.exists() else set()
    try:
        return measure(db, out, repeat_cold, data_dir)
    finally:
        shutil.rmtree(data_dir, ignore_errors=True)
        # The program's daily backup copies the whole file (2 GiB for 100k households): remove
        # the copy (and its folder, if the run made it) so a run leaves nothing behind.
        for made in set(backups.glob("*")) - before if backups.exists() else ():
            made.unlink(missing_ok=True)
        if backups.exists() and not before and not any(backups.iterdir()):
            backups.rmdir()


def measure(db: Path, out: Path | None, repeat_cold: int, data_dir: Path) -> str:
    from PySide6.QtWidgets import QTableView

    from app.ui.capture import settle_window
    from app.ui.qapp import make_qapp

    # 1. cold start, alternating app and baseline processes
    cold_app, cold_base, wall_app, wall_base = [], [], [], []
    for _ in range(repeat_cold):
        a, wa = cold_start(COLD_KACE, db, data_dir)
        b, wb = cold_start(COLD_BASE, db, data_dir)
        cold_app.append(a), wall_app.append(wa), cold_base.append(b), wall_base.append(wb)

    app = make_qapp(offscreen=True)
    from app.db import list_queries
    from app.ops.households import update_household
    from app.ui.context import build_context
    from app.ui.launch import DAILY_BACKUP_DELAY_MS, open_main_window

    ctx = build_context(db)
    window = open_main_window(ctx)
    opened = time.perf_counter()
    window.resize(1280, 760)
    window.show()
    settle_window(window)
    while not window.list.index.ready:
        app.processEvents()
        time.sleep(0.01)
    index_build = window.list.index.build_ms  # on the database thread, after the list showed
    total = window.list.model.rowCount()

    # 2. search as you type
    search = window.list.search
    view = window.list.table
    app_keys = []
    for text in keystrokes():
        t0 = time.perf_counter()
        search.setText(text)  # textChanged → filter → model reset
        app.processEvents()  # … and the paint of the new rows
        app_keys.append((time.perf_counter() - t0) * 1000)
    # 3. open the editor (until painted)
    rng = random.Random(4)
    rowids = rng.sample(window.list.model.rowids(), 20)
    with ctx.ops.read() as s:
        ids = [r.id for r in list_queries.household_rows(s, rowids).values()]
    opens = []
    for hid in ids:
        t0 = time.perf_counter()
        editor = window.open_household(hid)
        app.processEvents()  # shown and painted
        opens.append((time.perf_counter() - t0) * 1000)
        editor.discard_and_close()
        app.processEvents()

    # 4. save: an edit through the editor and the op runner, until the editor shows it saved
    editor = window.open_household(ids[0])
    phone = editor.tab("basic").form.widgets["phone"]
    saves = []
    for i in range(30):
        phone.setText(f"1380013{i:04d}")
        t0 = time.perf_counter()
        editor.save(sync=True)
        saves.append((time.perf_counter() - t0) * 1000)
    editor.discard_and_close()
    window.settle()
    # 5. scroll the whole list, page by page (after the daily backup: see wait_for_daily_backup)
    search.setText("")
    window.settle()
    backup_ms = wait_for_daily_backup(app, ctx, opened)
    window.list.table.setFocus()
    scroll_app = scroll_all(app, view)
    rss, peak = rss_mb()  # the program alone: before the baseline loads its rows here

    # the baseline, in the same process after the app
    conn = sqlite3.connect(str(db))
    BareModel = _bare_model_class()
    everything = bare_rows(conn)
    bare = BareModel(everything)
    bare_view = QTableView()
    bare_view.setModel(bare)
    bare_view.resize(1280, 700)
    bare_view.show()
    base_keys = []
    for text in keystrokes():
        t0 = time.perf_counter()
        bare.set_rows(bare_search(conn, text) if text else everything)
        app.processEvents()
        base_keys.append((time.perf_counter() - t0) * 1000)

    base_saves = []
    wconn = sqlite3.connect(str(db), isolation_level=None)
    wconn.execute("PRAGMA journal_mode=WAL")
    wconn.execute("PRAGMA synchronous=FULL")
    for i in range(30):
        t0 = time.perf_counter()
        wconn.execute("BEGIN IMMEDIATE")
        wconn.execute("UPDATE household SET phone = ? WHERE id = ?", (f"1390013{i:04d}", ids[1]))
        wconn.execute("COMMIT")
        base_saves.append((time.perf_counter() - t0) * 1000)
    ctx.runner.run_sync(update_household, ids[1], {"phone": None}, undoable=False)
    wconn.close()

    scroll_base = scroll_all(app, bare_view)
    bare_view.close()
    scroll_floor = scroll_all(app, c_plus_plus_view(everything))
    window.close()
    ctx.close()

    cpu = platform.processor() or platform.machine()
    lines = [
        "## Desktop client (`bench/gui.py`)",
        "",
        f"{total} households on `{db.name}` ({db.stat().st_size / 2**30:.1f} GiB), offscreen Qt "
        f"{__import__('PySide6').__version__}, Python {platform.python_version()}, "
        f"{os.cpu_count()} cores ({cpu}) **shared with other engineers' builds and tests while it ran**; "
        "times are wall clock. Cold starts alternate fresh app and baseline processes; the other "
        "figures run the app, then the baseline, in one process on the same file.",
        "",
        "| what | measured | app | baseline (bare QTableView + sqlite3) | target |",
        "|---|---|---|---|---|",
        f"| cold start to a populated list | fresh process, median of {repeat_cold} (worst) | "
        f"{statistics.median(cold_app):.0f} ms ({max(cold_app):.0f}) | {statistics.median(cold_base):.0f} ms "
        f"({max(cold_base):.0f}) | < 2 s |",
        f"| … including interpreter start | wall clock from spawn, median | {statistics.median(wall_app):.0f} ms | "
        f"{statistics.median(wall_base):.0f} ms | |",
        f"| search as you type | {len(app_keys)} keystrokes of {len(SEARCHES)} searches, p50 / p95 / max | "
        f"{pct(app_keys, .5):.1f} / **{pct(app_keys, .95):.1f}** / {max(app_keys):.1f} ms | "
        f"{pct(base_keys, .5):.1f} / {pct(base_keys, .95):.1f} / {max(base_keys):.1f} ms | p95 < 50 ms |",
        f"| open the household editor | 20 random households, until painted, p50 / p95 / max | "
        f"{pct(opens, .5):.0f} / **{pct(opens, .95):.0f}** / {max(opens):.0f} ms | — | < 150 ms |",
        f"| save an edit | 30 saves through the editor and the op runner (fsync'd), p50 / p95 | "
        f"{pct(saves, .5):.1f} / **{pct(saves, .95):.1f}** ms | {pct(base_saves, .5):.1f} / "
        f"{pct(base_saves, .95):.1f} ms (UPDATE + COMMIT) | p95 < 20 ms |",
        f"| scroll the whole list | {len(scroll_app)} pages, UI-thread time per frame p50 / p99 / max; "
        f"frames over 16 ms | {frames(scroll_app)} | {frames(scroll_base)} | never > 16 ms |",
        f"| … the floor: the baseline's rows in Qt's own QStandardItemModel (no Python while painting) | "
        f"{len(scroll_floor)} pages | — | {frames(scroll_floor)} | |",
        f"| resident memory | after start, search index, all searches, 21 editors, 30 saves, the "
        f"whole list scrolled: now / peak | {rss:.0f} / **{peak:.0f}** MB | (measured before the "
        f"baseline loads) | < 400 MB |",
        "",
        f"The search index (pinyin initials, names, ID numbers, 户编号 of {total} households) is built on "
        f"the database thread after the list shows: {index_build / 1000:.1f} s more in the background; "
        "keystrokes before it is ready are answered by the database.",
        "",
        "Scrolling is measured after the program's daily backup has run (it starts "
        f"{DAILY_BACKUP_DELAY_MS // 1000} s after start; it still ran {backup_ms / 1000:.1f} s when the "
        "scroll was due): while that copy of the whole file runs, it competes for the same two cores "
        "and the baseline has nothing like it.",
        "",
        *([f"Scrolling: {sum(t > FRAME_BUDGET_MS for t in scroll_app)} of {len(scroll_app)} frames of the "
           f"app and {sum(t > FRAME_BUDGET_MS for t in scroll_base)} of {len(scroll_base)} of the bare "
           "baseline took longer than 16 ms, so the strict target is not met in this run (software "
           "rendering offscreen, 2 cores shared with other work).", ""]
          if max(scroll_app) > FRAME_BUDGET_MS else []),
        "Reproduce: `.venv/bin/python bench/gui.py --db /tmp/gui100k.db --out bench/gui_results.md`.",
        "",
    ]
    text = "\n".join(lines)
    if out:
        out.write_text(text, encoding="utf-8")
    return text


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--db", type=Path, required=True)
    parser.add_argument("--out", type=Path)
    parser.add_argument("--cold", type=int, default=3, help="cold starts of each program")
    args = parser.parse_args(argv)
    print(run(args.db, args.out, args.cold))
    return 0


if __name__ == "__main__":
    sys.exit(main())
