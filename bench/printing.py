"""Printing benchmark: village register and household handbooks against raw reportlab, same run.

    .venv/bin/python bench/printing.py [--quick]

Baseline: raw reportlab as one would write it by hand — one 25-row Table per page with the register's
columns, column widths, row height and font, plain strings, drawn on a Canvas; no fitting, no character
check, no subtotals. Kace's register does all of those. Times are the best of several runs (wall clock;
CPU time beside it, since the machine is shared).

Memory: each register of 1,000 / 10,000 / 50,000 rows is written to a file (as `kace print` does) in a
fresh process, twice: once for the growth of the resident set (peak RSS during the run minus RSS before
it, the data already built; Linux's VmHWM, reset through /proc/self/clear_refs), once for tracemalloc's
peak (Python allocations only). Writes the tables to bench/printing_results.md.
"""

from __future__ import annotations

import argparse
import gc
import io
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import reportlab  # noqa: E402
from reportlab.pdfgen.canvas import Canvas  # noqa: E402
from reportlab.platypus import Table, TableStyle  # noqa: E402

from app.printing import PrintOptions, load_font, write_cards, write_register  # noqa: E402
from app.printing.page_style import LANDSCAPE, MARGIN_X  # noqa: E402
from app.printing.register import HEAD_HEIGHT, HOUSEHOLD_COLUMNS, ROW_HEIGHT, ROWS_PER_PAGE, TABLE_TOP  # noqa: E402
from tests.printing import factories as F  # noqa: E402

RESULTS = ROOT / "bench" / "printing_results.md"


def baseline_register(data, font: str, out=None) -> bytes | None:  # noqa: ANN001
    """Raw reportlab: one 25-row Table per page, same columns, widths, row height and font.
    Returns the PDF, or writes it to the path `out`."""
    heads = [c.title for c in HOUSEHOLD_COLUMNS]
    widths = [c.width for c in HOUSEHOLD_COLUMNS]
    style = TableStyle([
        ("FONT", (0, 0), (-1, -1), font, 8),
        ("GRID", (0, 0), (-1, -1), 0.5, "black"),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
    ])
    rows = data.rows
    pages = (len(rows) + ROWS_PER_PAGE - 1) // ROWS_PER_PAGE
    buf = io.BytesIO()
    canv = Canvas(out or buf, pagesize=LANDSCAPE)
    w, h = LANDSCAPE
    for p in range(pages):
        chunk = rows[p * ROWS_PER_PAGE : (p + 1) * ROWS_PER_PAGE]
        first = p * ROWS_PER_PAGE
        body = [[str(first + i)] + [c.value(r) for c in HOUSEHOLD_COLUMNS[1:]] for i, r in enumerate(chunk, 1)]
        heights = [HEAD_HEIGHT] + [ROW_HEIGHT] * len(body)
        table = Table([heads] + body, colWidths=widths, rowHeights=heights, style=style)
        _, th = table.wrapOn(canv, w, h)
        table.drawOn(canv, MARGIN_X, TABLE_TOP - th)
        canv.setFont(font, 15)
        canv.drawCentredString(w / 2, h - 52, "兴上村建档立卡贫困户花名册")
        canv.setFont(font, 8)
        canv.drawCentredString(w / 2, 22, f"第 {p + 1} 页 共 {pages} 页")
        canv.showPage()
    canv.save()
    return None if out else buf.getvalue()


def best_of(runs: int, fn: Callable[[], object]) -> tuple[float, float]:
    """(best wall seconds, best CPU seconds) over `runs` calls."""
    walls, cpus = [], []
    for _ in range(runs):
        gc.collect()
        w, c = time.perf_counter(), time.process_time()
        fn()
        walls.append(time.perf_counter() - w)
        cpus.append(time.process_time() - c)
    return min(walls), min(cpus)


def peak_mb(fn: Callable[[], object]) -> float:
    gc.collect()
    tracemalloc.start()
    try:
        fn()
        return tracemalloc.get_traced_memory()[1] / 2**20
    finally:
        tracemalloc.stop()


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def rss_growth_mb(fn: Callable[[], object]) -> tuple[float, float]:
    """(peak RSS during `fn` minus RSS before it, wall seconds). Linux: the peak (VmHWM) is reset
    first; elsewhere ru_maxrss, which may include an earlier peak."""
    gc.collect()
    try:
        with open("/proc/self/clear_refs", "w") as f:
            f.write("5")  # reset VmHWM to the current RSS
        before, peak = _status_kb("VmRSS"), lambda: _status_kb("VmHWM")
    except OSError:
        before = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        peak = lambda: resource.getrusage(resource.RUSAGE_SELF).ru_maxrss  # noqa: E731
    t = time.perf_counter()
    fn()
    wall = time.perf_counter() - t
    return (peak() - before) / 1024, wall


def memory_child(n: int, who: str) -> dict:
    """One register of `n` rows by `who` (kace or baseline) written to a file: RSS growth and time,
    then tracemalloc's peak, then the file size. Run in a fresh process."""
    font = load_font()
    opts = PrintOptions(font=font)
    data = F.register(n)
    with tempfile.TemporaryDirectory() as tmp:
        path = os.path.join(tmp, "register.pdf")
        if who == "kace":
            make = lambda: write_register(data, path, opts)  # noqa: E731
        else:
            make = lambda: baseline_register(data, font.name, path)  # noqa: E731
        small = F.register(200)  # warm up: font parsing, imports, caches
        write_register(small, path, opts), baseline_register(small, font.name, path)
        rss, wall = rss_growth_mb(make)
        traced = peak_mb(make)
        size = os.path.getsize(path) / 2**20
    return {"n": n, "who": who, "rss": rss, "wall": wall, "traced": traced, "size": size}


def measure_memory(n: int, who: str) -> dict:
    out = subprocess.run(
        [sys.executable, __file__, "--memory-child", str(n), who], check=True, capture_output=True, text=True
    ).stdout
    return json.loads(out.strip().splitlines()[-1])


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="fewer runs, no 50k memory run, 200 handbooks")
    ap.add_argument("--memory-only", action="store_true", help="only the memory table")
    ap.add_argument("--memory-child", nargs=2, metavar=("ROWS", "WHO"), help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.memory_child:
        print(json.dumps(memory_child(int(args.memory_child[0]), args.memory_child[1])))
        return
    runs = 2 if args.quick else 5
    font = load_font()
    opts = PrintOptions(font=font)
    kace = lambda d: write_register(d, io.BytesIO(), opts)  # noqa: E731
    base = lambda d: baseline_register(d, font.name)  # noqa: E731
    lines = []
    targets = {1000: "< 1 s and ≤ 1.3× baseline", 5000: "≤ 1.3× baseline (linear)"}
    for n in () if args.memory_only else (1000, 5000):
        data = F.register(n)
        kace(data), base(data)  # warm up: font subsets, caches
        (kw, kc), (bw, bc) = best_of(runs, lambda: kace(data)), best_of(runs, lambda: base(data))
        lines.append(
            f"| village register, {n:,} households | {kw:.3f} s ({kc:.3f} CPU) | {bw:.3f} s ({bc:.3f} CPU) "
            f"| {kw / bw:.2f}× ({kc / bc:.2f}× CPU) | {targets[n]} |"
        )
        print(lines[-1], flush=True)
    cards_n = 200 if args.quick else 1000
    if not args.memory_only:
        cards = [F.card(i) for i in range(cards_n)]
        pages = []
        runs_c = 1 if args.quick else 2
        cw, cc = best_of(runs_c, lambda: pages.append(write_cards(cards, io.BytesIO(), opts).pages))
        lines.append(
            f"| household handbooks, {cards_n:,} ({pages[-1]:,} pages) | {cw:.2f} s ({cc:.2f} CPU) | – | – "
            "| 1,000 < 10 s |"
        )
        print(lines[-1], flush=True)
    mem = []
    for n in (1000, 10000) if args.quick else (1000, 10000, 50000):
        k, b = measure_memory(n, "kace"), measure_memory(n, "baseline")
        mem.append(
            f"| {n:,} | {k['rss']:.1f} MB | {k['traced']:.1f} MB | {b['rss']:.1f} MB | {b['traced']:.1f} MB "
            f"| {k['wall']:.2f} s / {b['wall']:.2f} s | {k['size']:.2f} MB / {b['size']:.2f} MB |"
        )
        print(mem[-1], flush=True)
    try:
        import _rl_accel  # noqa: F401

        accel = "with rl_accel"
    except ImportError:
        accel = "without rl_accel (pure-Python reportlab helpers)"
    load = os.getloadavg()[0] if hasattr(os, "getloadavg") else float("nan")
    report = "\n".join(
        [
            "## Printing (bench/printing.py)",
            "",
            f"{platform.python_implementation()} {platform.python_version()}, {os.cpu_count()} CPUs, load {load:.1f} "
            f"at the end, reportlab {reportlab.Version} {accel}, font {font.spec.path.name}. "
            f"Best of {runs} runs (handbooks: {1 if args.quick else 2}).",
            "",
            "| what | Kace | baseline: raw reportlab, one 25-row Table per page | ratio | target |",
            "|---|---|---|---|---|",
            *lines,
            "",
            "Memory while one register PDF is written to a file (a fresh process for each; RSS: peak growth",
            "during the run; traced: tracemalloc's peak), time of that run and file size:",
            "",
            "| rows | Kace RSS | Kace traced | baseline RSS | baseline traced | time Kace / baseline "
            "| file Kace / baseline |",
            "|---|---|---|---|---|---|---|",
            *mem,
            "",
        ]
    )
    print()
    print(report)
    RESULTS.write_text(report, encoding="utf-8")


if __name__ == "__main__":
    main()
