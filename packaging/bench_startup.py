"""Start-up time of the built package (dist/kace/kace) against the same commands from the checkout.

    .venv/bin/python packaging/bench_startup.py [--dist dist/kace] [--runs 3] [--no-cold]

Makes a 2000-household demo with the built binary, then times `kace --version`, `kace stats` and
`kace gui --screenshot` (offscreen). "cold": the page cache is dropped before each run (needs root:
/proc/sys/vm/drop_caches), as after a reboot; "warm": the same command run again straight away.
Best of N wall-clock seconds; results go to bench/RESULTS.md by hand.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]


def drop_caches() -> bool:
    try:
        os.sync()
        Path("/proc/sys/vm/drop_caches").write_text("3\n")
        return True
    except OSError:
        return False


def timed(cmd: list[str], env: dict) -> float:
    t0 = time.perf_counter()
    subprocess.run(cmd, env=env, check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    return time.perf_counter() - t0


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--dist", type=Path, default=ROOT / "dist" / "kace")
    ap.add_argument("--runs", type=int, default=3)
    ap.add_argument("--households", type=int, default=2000)
    ap.add_argument("--no-cold", action="store_true", help="do not drop the page cache")
    args = ap.parse_args()

    frozen = str(args.dist.resolve() / "kace")
    source = str(ROOT / ".venv" / "bin" / "kace")
    with tempfile.TemporaryDirectory(prefix="kace-bench.") as tmp:
        env = dict(os.environ, KACE_DATA_DIR=tmp, QT_QPA_PLATFORM="offscreen")
        db = str(Path(tmp) / "bench.db")
        t = timed([frozen, "demo", "--db", db, "--households", str(args.households)], env)
        print(f"demo --households {args.households} with the built binary: {t:.1f} s "
              f"({Path(db).stat().st_size / 1e6:.1f} MB)")
        shot = str(Path(tmp) / "shot.png")
        commands = {
            "--version": ["--version"],
            "stats": ["stats", "--db", db],
            "gui --screenshot": ["gui", "--db", db, "--screenshot", shot],
        }
        cold = not args.no_cold and drop_caches()
        if not cold:
            print("page cache not dropped (not root, or --no-cold): 'cold' figures are warm")
        print(f"\n| command | built cold | built warm | checkout cold | checkout warm |\n|---|---|---|---|---|")
        for label, argv in commands.items():
            row = []
            for exe in (frozen, source):
                cold_t, warm_t = [], []
                for _ in range(args.runs):
                    if cold:
                        drop_caches()
                    cold_t.append(timed([exe, *argv], env))
                    warm_t.append(timed([exe, *argv], env))
                row += [f"{min(cold_t):.2f} s", f"{min(warm_t):.2f} s"]
            print(f"| `kace {label}` | " + " | ".join(row) + " |", flush=True)
    size = subprocess.run(["du", "-sh", str(args.dist)], capture_output=True, text=True).stdout.split()[0]
    files = sum(len(f) for _, _, f in os.walk(args.dist))
    print(f"\nfolder {args.dist}: {size}, {files} files; python {sys.version.split()[0]}, {os.cpu_count()} cores, "
          f"load {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
