"""The `kace` command contracts: names, JSON keys and exit codes are fixed by the issue."""

from __future__ import annotations

import hashlib
import json
import os
import subprocess
import sys

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.db.migrate import open_sqlite
from app.db.models import Change, Household, Member
from app.ops.context import OpContext


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("demo") / "demo.db"
    assert main(["demo", "--db", str(path), "--households", "300", "--seed", "7",
                 "--as-of", "2026-11-27"]) == 0
    return path


def run_json(capsys, *args):
    capsys.readouterr()
    code = main(list(args))
    out = capsys.readouterr().out
    return code, json.loads(out) if out.strip() else None


def test_stats_json_contract(demo_db, capsys):
    code, data = run_json(capsys, "stats", "--db", str(demo_db), "--json")
    assert code == 0
    assert {"households", "members", "villages", "visits", "changes", "by_status",
            "income_per_capita"} <= set(data)
    assert data["households"] == 300
    assert 2.5 * 300 < data["members"] < 5 * 300
    assert data["changes"] >= data["households"] + data["members"]
    assert sum(data["by_status"].values()) == 300 and "已脱贫" in data["by_status"]
    pc = data["income_per_capita"]
    assert pc["p10"] < pc["p50"] < pc["p90"]


def test_every_household_and_member_has_its_change_record(demo_db):
    ctx = OpContext(open_sqlite(demo_db))
    ch = Change.__table__
    with ctx.read() as s:
        for model in (Household, Member):
            t = model.__table__
            missing = s.execute(
                select(func.count()).select_from(t).where(
                    ~t.c.id.in_(select(ch.c.row_id).where(ch.c.table_name == t.name, ch.c.op == "create"))
                )
            ).scalar()
            assert missing == 0
    ctx.engine.dispose()


def test_villages_json_and_village_stats(demo_db, capsys):
    code, rows = run_json(capsys, "villages", "--db", str(demo_db), "--json")
    assert code == 0 and rows
    assert set(rows[0]) == {"code", "name", "township", "households"}
    assert sum(r["households"] for r in rows) == 300
    code, one = run_json(capsys, "stats", "--db", str(demo_db), "--village", rows[0]["code"], "--json")
    assert code == 0 and one["households"] == rows[0]["households"] and one["villages"] == 1
    assert one["changes"] >= one["households"]


def test_unknown_village_exits_2(demo_db, capsys):
    assert main(["stats", "--db", str(demo_db), "--village", "nonsense", "--json"]) == 2
    assert "村不存在：nonsense" in capsys.readouterr().err


def test_bad_arguments_exit_2(capsys):
    with pytest.raises(SystemExit) as e:
        main(["demo", "--households", "lots"])
    assert e.value.code == 2
    assert "参数错误" in capsys.readouterr().err


def test_demo_is_deterministic(tmp_path):
    a, b = tmp_path / "a.db", tmp_path / "b.db"
    for path in (a, b):
        assert main(["demo", "--db", str(path), "--households", "40", "--seed", "3",
                     "--as-of", "2026-11-27"]) == 0

    def people(path):
        ctx = OpContext(open_sqlite(path))
        with ctx.read() as s:
            rows = s.execute(select(Member.id, Member.name, Member.id_number).order_by(Member.id)).all()
        ctx.engine.dispose()
        return rows

    assert people(a) == people(b)


def test_refused_databases_exit_3_and_stay_unchanged(tmp_path, capsys):
    junk = tmp_path / "junk.db"
    junk.write_bytes(os.urandom(4096))
    before = hashlib.sha256(junk.read_bytes()).hexdigest()
    for args in (["stats", "--json"], ["villages"], ["db", "upgrade"], ["db", "check"],
                 ["demo", "--households", "5"]):
        assert main([*args, "--db", str(junk)]) == 3
        assert "不是卡册数据库文件" in capsys.readouterr().err
    assert hashlib.sha256(junk.read_bytes()).hexdigest() == before


def test_db_upgrade_and_check(tmp_path, capsys):
    path = tmp_path / "new.db"
    assert main(["db", "upgrade", "--db", str(path)]) == 0
    assert main(["db", "check", "--db", str(path)]) == 0
    out = capsys.readouterr().out
    assert "完整性检查：通过" in out and "结构版本" in out


def test_console_script_runs_as_a_process(demo_db):
    """The installed `kace` entry point, as scripts call it."""
    kace = os.path.join(os.path.dirname(sys.executable), "kace")
    done = subprocess.run([kace, "stats", "--db", str(demo_db), "--json"], capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert json.loads(done.stdout)["households"] == 300
    done = subprocess.run([kace, "villages", "--db", str(demo_db.parent / "missing" / "x.db")],
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 3 and "找不到数据库文件" in done.stderr and "missing/x.db" in done.stderr
