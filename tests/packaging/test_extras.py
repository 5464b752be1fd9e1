"""A laptop install has no server extra: every laptop command works with FastAPI, uvicorn and the
other server packages unimportable, and the county's commands say which extra is missing."""

from __future__ import annotations

import importlib.util
import os
import subprocess
import sys
import textwrap

import pytest

from app import extras

# Run in a child process: a meta-path finder that refuses the server extra's packages (and what only
# they bring: starlette, pydantic), as if `pip install .` had installed the laptop alone.
BLOCKED = set(extras.MODULES["server"]) | {"starlette", "pydantic"}
RUNNER = textwrap.dedent(f"""
    import sys

    class NotInstalled:
        def find_spec(self, name, path=None, target=None):
            if name.partition(".")[0] in {sorted(BLOCKED)!r}:
                raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
            return None

    sys.meta_path.insert(0, NotInstalled())
    from app.cli import main
    sys.exit(main())
""")


def kace(*args: str, cwd) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", RUNNER, *args], cwd=cwd, capture_output=True,
                          text=True, encoding="utf-8", timeout=600,
                          env={**os.environ, "QT_QPA_PLATFORM": "offscreen"})


def test_the_blocker_really_blocks(tmp_path):
    probe = subprocess.run([sys.executable, "-c", RUNNER.replace("from app.cli import main", "import fastapi")],
                           capture_output=True, text=True, timeout=60)
    assert probe.returncode != 0 and "No module named 'fastapi'" in probe.stderr


def test_laptop_commands_work_without_the_server_extra(tmp_path):
    db = str(tmp_path / "kace.db")
    done = kace("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "serve" in done.stdout and "sync" in done.stdout  # listed, even if not installed
    if importlib.util.find_spec("faker") is not None:  # the demo extra (in the test install)
        done = kace("demo", "--db", db, "--households", "20", cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    else:
        done = kace("db", "upgrade", "--db", db, cwd=tmp_path)
        assert done.returncode == 0, done.stderr
    done = kace("stats", "--db", db, "--json", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    done = kace("sync", "--help", cwd=tmp_path)
    assert done.returncode == 0 and "--server" in done.stdout, done.stderr


@pytest.mark.parametrize("command", [["serve", "--db-url", "sqlite:///county.db"],
                                     ["server", "devices", "--db-url", "sqlite:///county.db"]])
def test_county_commands_without_the_server_extra_name_it(tmp_path, command):
    done = kace(*command, cwd=tmp_path)
    assert done.returncode == 2, done.stderr
    assert "需要可选组件 kace[server]" in done.stderr and 'pip install "kace[server]"' in done.stderr
    assert "Traceback" not in done.stderr
    assert not (tmp_path / "county.db").exists()  # nothing was created
