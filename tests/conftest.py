"""Shared fixtures: real databases made by the real migrations, never mocks."""

from __future__ import annotations

import os
import sys
import uuid
from datetime import date
from pathlib import Path

import pytest
from sqlalchemy import create_engine, text

os.environ.setdefault("QT_QPA_PLATFORM", "offscreen")

from app.db.migrate import open_sqlite, upgrade_engine  # noqa: E402
from app.ops.context import OpContext  # noqa: E402

pytest_plugins = ["tests.windows_rules"]

# Tests that kill a process at random moments: they need fork, SIGKILL and process groups, which
# Windows does not have (TerminateProcess is not a signal, and there is no fork server to reuse).
posix_processes = pytest.mark.skipif(
    sys.platform == "win32",
    reason="needs fork/SIGKILL/process groups (POSIX); the Windows file rules are tested under "
           "tests/windows_rules.py on every CI run instead")

PG_URL = os.environ.get("KACE_TEST_PG_URL", "postgresql+psycopg://postgres@127.0.0.1:5432/test")
TODAY = date(2026, 11, 27)


@pytest.fixture(autouse=True)
def _data_dir(tmp_path_factory, monkeypatch):
    """Logs and default files of the program under test go to a temporary folder."""
    monkeypatch.setenv("KACE_DATA_DIR", str(tmp_path_factory.mktemp("kace-data")))


@pytest.fixture
def db_path(tmp_path) -> Path:
    return tmp_path / "kace.db"


@pytest.fixture
def ctx(db_path) -> OpContext:
    context = OpContext(open_sqlite(db_path), user="测试员", today_fn=lambda: TODAY)
    yield context
    context.engine.dispose()


@pytest.fixture
def village(ctx):
    """A county with one township, one village and two groups; returns ids and codes."""
    from app.ops.regions import create_region

    county = create_region(ctx, "450881000000", "桂平市", "county").value["id"]
    town = create_region(ctx, "450881104000", "木乐镇", "township", county).value["id"]
    v = create_region(ctx, "450881104201", "长河村", "village", town, agri_population=1200)
    g1 = create_region(ctx, "45088110420101", "第1组", "group", v.value["id"]).value["id"]
    g2 = create_region(ctx, "45088110420102", "第2组", "group", v.value["id"]).value["id"]
    return {"id": v.value["id"], "code": "450881104201", "groups": [g1, g2]}


@pytest.fixture
def pg_engine():
    """A fresh schema on the real PostgreSQL (127.0.0.1:5432, database test), dropped afterwards."""
    schema = f"kace_test_{uuid.uuid4().hex[:10]}"
    admin = create_engine(PG_URL)
    try:
        with admin.begin() as conn:
            conn.execute(text(f'CREATE SCHEMA "{schema}"'))
    except Exception as e:  # noqa: BLE001 - say plainly what is missing
        pytest.fail(f"PostgreSQL at {PG_URL} is not reachable: {e}")
    engine = create_engine(PG_URL, connect_args={"options": f"-csearch_path={schema}"})
    yield engine
    engine.dispose()
    with admin.begin() as conn:
        conn.execute(text(f'DROP SCHEMA "{schema}" CASCADE'))
    admin.dispose()


@pytest.fixture
def pg_migrated(pg_engine):
    upgrade_engine(pg_engine)
    return pg_engine
