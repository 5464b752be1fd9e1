"""One log file per process (issue 14, defect 8): the first Kace process owns kace.log and is the
only one to rotate it; others running meanwhile write logs/kace-<role>-<pid>.log. On Windows two
processes rotating one file fail (the rename of a file the other has open)."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

from app.cli import main

CLI = Path(sys.executable).parent / ("kace-cli.exe" if sys.platform == "win32" else "kace-cli")


def _hold_lock(folder: Path):
    """What the running program does: hold kace.log.lock."""
    f = open(folder / "kace.log.lock", "a+b")
    if os.name == "nt":
        import msvcrt

        msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
    else:
        import fcntl

        fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    return f


def _run(folder: Path, db: Path, n: int) -> list[subprocess.Popen]:
    env = {**os.environ, "KACE_DATA_DIR": str(folder)}
    return [subprocess.Popen([str(CLI), "stats", "--db", str(db), "--village", f"nonsense{i}"],
                             env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL) for i in range(n)]


@pytest.fixture
def db(tmp_path) -> Path:
    path = tmp_path / "kace.db"
    assert main(["db", "upgrade", "--db", str(path)]) == 0
    return path


def test_while_the_program_owns_kace_log_each_command_writes_its_own(tmp_path, db):
    folder = tmp_path / "data"
    folder.mkdir()
    lock = _hold_lock(folder)
    try:
        procs = _run(folder, db, 2)
        assert [p.wait(timeout=120) for p in procs] == [2, 2]
    finally:
        lock.close()
    assert not (folder / "kace.log").exists()  # the owner's file is not touched
    logs = {p.name: p.read_text("utf-8") for p in (folder / "logs").glob("kace-cli-*.log")}
    assert sorted(logs) == sorted(f"kace-cli-{p.pid}.log" for p in procs)
    for text in logs.values():
        assert len([i for i in range(2) if f"nonsense{i}" in text]) == 1  # its own lines only


def test_the_first_process_owns_kace_log(tmp_path, db):
    folder = tmp_path / "data"
    folder.mkdir()
    (proc,) = _run(folder, db, 1)
    assert proc.wait(timeout=120) == 2
    assert "nonsense0" in (folder / "kace.log").read_text("utf-8")
    assert not (folder / "logs").exists()
