"""A real county server process (`kace serve`) over a fresh PostgreSQL schema, and the `kace`
command run as a subprocess: the helpers of the HTTP sync tests."""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from urllib.parse import quote

import httpx
import pytest
from sqlalchemy import create_engine, text
from sqlalchemy.engine import make_url

from tests.conftest import PG_URL

ROOT = Path(__file__).resolve().parents[2]
# Not `-m app.cli`: run as __main__, its exception classes would differ from app.cli's.
KACE = [sys.executable, "-c", "import sys; from app.cli import main; sys.exit(main(sys.argv[1:]))"]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


class PgSchema:
    """A fresh schema on the test PostgreSQL; `url` is a postgresql:// URL whose connections use it."""

    def __init__(self):
        self.name = f"kace_http_{uuid.uuid4().hex[:10]}"
        self.admin = create_engine(PG_URL)
        try:
            with self.admin.begin() as conn:
                conn.execute(text(f'CREATE SCHEMA "{self.name}"'))
        except Exception as e:  # noqa: BLE001 - say plainly what is missing
            pytest.fail(f"PostgreSQL at {PG_URL} is not reachable: {e}")
        base = make_url(PG_URL).set(drivername="postgresql")
        self.url = (base.render_as_string(hide_password=False)
                    + ("&" if base.query else "?") + "options=" + quote(f"-csearch_path={self.name}"))
        self.engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={self.name}"})

    def drop(self) -> None:
        self.engine.dispose()
        with self.admin.begin() as conn:
            conn.execute(text(f'DROP SCHEMA "{self.name}" CASCADE'))
        self.admin.dispose()


def kace(*args, check: bool = False, timeout: float = 300, **kw) -> subprocess.CompletedProcess:
    """Run `kace ARGS` as a child process (the data folder is the test's, via KACE_DATA_DIR)."""
    proc = subprocess.run([*KACE, *map(str, args)], cwd=ROOT, capture_output=True, text=True,
                          timeout=timeout, **kw)
    if check and proc.returncode != 0:
        raise AssertionError(f"kace {' '.join(map(str, args))} -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}")
    return proc


class ServerProcess:
    """`kace serve` on a free loopback port; `log` collects its stderr (JSON request lines)."""

    def __init__(self, db_url: str, log: Path):
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.log_path = log
        self._log = log.open("w")
        self.proc = subprocess.Popen([*KACE, "serve", "--db-url", db_url, "--port", str(self.port)],
                                     cwd=ROOT, stdout=self._log, stderr=subprocess.STDOUT,
                                     start_new_session=True)
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline:
            if self.proc.poll() is not None:
                raise AssertionError(f"kace serve exited {self.proc.returncode}:\n{self.log()}")
            try:
                if httpx.get(f"{self.url}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            time.sleep(0.2)
        self.stop()
        raise AssertionError(f"kace serve did not answer /health:\n{self.log()}")

    def log(self) -> str:
        self._log.flush()
        return self.log_path.read_text(encoding="utf-8", errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(15)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait()
        self._log.close()


def enrol_token(db_url: str, device: str, villages: list[str]) -> str:
    proc = kace("server", "enrol", "--db-url", db_url, "--device", device, "--villages", ",".join(villages),
                check=True)
    assert "登记码" in proc.stderr
    token = proc.stdout.strip()
    assert token and "\n" not in token
    return token
