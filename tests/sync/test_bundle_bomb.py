"""A 1 GiB bundle bomb (about 1 MB of zip holding 1 GiB of newlines) is refused on the county and on
a laptop with the memory of the refusing process flat (peak RSS read from /proc, VmHWM)."""

from __future__ import annotations

import hashlib
import json
import os
import re
import subprocess
import sys
import zipfile

import pytest

from app.sync import bundle
from tests.sync.http_fleet import ROOT

GIB = 2**30
CHUNK = b"\n" * 2**20
# Runs `kace ARGS` in this process, then reports its own peak resident memory.
PEAK = ("import sys; from app.cli import main\n"
        "rc = main(sys.argv[1:])\n"
        "peak = [l for l in open('/proc/self/status') if l.startswith('VmHWM')][0]\n"
        "print('PEAK', peak.split()[1], file=sys.stderr); sys.exit(rc)")


@pytest.fixture(scope="module")
def bombs(tmp_path_factory):
    """A county-bound and a laptop-bound bomb: valid manifests whose content hash matches."""
    tmp = tmp_path_factory.mktemp("bomb")
    digest = hashlib.sha256()
    for _ in range(GIB // len(CHUNK)):
        digest.update(CHUNK)
    out = {}
    for kind in bundle.KINDS:
        manifest = {"format": bundle.FORMAT, "format_version": bundle.FORMAT_VERSION, "kind": kind,
                    "device_name": "乙", "change_count": 0, "counts": {}, "content_sha256": digest.hexdigest(),
                    "incarnation_id": "i", "last_server_seq": 0, "after_server_seq": 0}
        path = tmp / f"{kind}.kace"
        with zipfile.ZipFile(path, "w", zipfile.ZIP_DEFLATED, compresslevel=9) as z:
            z.writestr(bundle.MANIFEST, json.dumps(manifest))
            z.writestr(bundle.SIGNATURE, "0" * 64)
            with z.open(bundle.CHANGES, "w", force_zip64=True) as member:
                for _ in range(GIB // len(CHUNK)):
                    member.write(CHUNK)
        out[kind] = path
    return out


def run_peak(args, env=None) -> tuple[subprocess.CompletedProcess, int]:
    proc = subprocess.run([sys.executable, "-c", PEAK, *map(str, args)], cwd=ROOT, capture_output=True,
                          text=True, timeout=600, env={**os.environ, **(env or {})})
    kib = int(re.search(r"PEAK (\d+)", proc.stderr).group(1))
    return proc, kib // 1024


def test_a_gigabyte_bomb_is_refused_with_flat_memory(bombs, tmp_path):
    assert bombs["laptop"].stat().st_size < 3 * 2**20  # about 1 MB on the stick
    county = f"sqlite:///{tmp_path / 'county.db'}"
    laptop = tmp_path / "laptop.db"
    from app.db.migrate import open_sqlite

    open_sqlite(laptop).dispose()  # a laptop's database exists (a bundle import never creates one)
    peaks = {}
    # Refused by the size and ratio limits (what the zip declares; it cannot inflate beyond it).
    for where, args in (("county", ["bundle", "import", "--db-url", county, bombs["laptop"]]),
                        ("laptop", ["bundle", "import", "--db", laptop, bombs["return"]])):
        proc, peaks[where] = run_peak(args)
        assert proc.returncode == 2, proc.stderr
        assert "解压后的内容" in proc.stderr and "已拒绝" in proc.stderr
    # With the limits raised, the whole gigabyte is inflated as a stream: memory stays flat all the
    # same, and the bundle is then refused for what it is (no such device).
    proc, peaks["county, streamed 1 GiB"] = run_peak(
        ["bundle", "import", "--db-url", county, bombs["laptop"]],
        env={"KACE_MAX_BUNDLE_MB": "2048", "KACE_MAX_RATIO": "100000"})
    assert proc.returncode == 2 and "没有已登记的设备" in proc.stderr, proc.stderr
    print(f"peak RSS (MB): {peaks}")
    assert all(mb < 200 for mb in peaks.values()), peaks
