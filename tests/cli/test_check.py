"""`kace check`: the JSON contract, filters, exit codes and the findings export."""

from __future__ import annotations

import json
from datetime import date

import pytest
from openpyxl import load_workbook

from app.cli import main
from app.db.migrate import open_sqlite
from app.demo import make_demo
from app.ops.context import OpContext
from app.ops.quality import run_check
from tests.cli.test_cli import run_json

KEYS = {"rule", "severity", "message", "table", "row_id", "household_code", "field", "value",
        "national_code", "name", "person_code", "column"}


@pytest.fixture(scope="module")
def demo_db(tmp_path_factory):
    path = tmp_path_factory.mktemp("check") / "demo.db"
    ctx = OpContext(open_sqlite(path), today_fn=lambda: date(2026, 11, 27))
    make_demo(ctx, 150, seed=5, as_of=date(2026, 11, 27), parallel=False)
    ctx.engine.dispose()
    return path


def test_check_json_contract(demo_db, capsys):
    code, data = run_json(capsys, "check", "--db", str(demo_db), "--json")
    assert code == 0 and set(data) == {"findings", "counts", "as_of"}
    assert data["findings"] and all(set(f) == KEYS for f in data["findings"])
    counts = data["counts"]
    assert counts["total"] == len(data["findings"]) == sum(counts["by_severity"].values())
    assert sum(counts["by_rule"].values()) == counts["total"]
    assert {f["severity"] for f in data["findings"]} <= {"错误", "警告", "提示"}


def test_check_one_village_and_some_rules(demo_db, capsys):
    _, villages = run_json(capsys, "villages", "--db", str(demo_db), "--json")
    code = villages[0]["code"]
    _, data = run_json(capsys, "check", "--db", str(demo_db), "--village", code, "--rule", "VS01,ID11", "--json")
    assert {f["rule"] for f in data["findings"]} <= {"VS01", "ID11"}
    assert all(f["household_code"].startswith(code) for f in data["findings"])
    _, again = run_json(capsys, "check", "--db", str(demo_db), "--village", code, "--rule", "VS01", "ID11", "--json")
    assert again == data


def test_exit_codes(demo_db, capsys, tmp_path):
    assert main(["check", "--db", str(demo_db), "--village", "nonsense", "--json"]) == 2
    assert "村不存在：nonsense" in capsys.readouterr().err
    assert main(["check", "--db", str(demo_db), "--rule", "ZZ01", "--json"]) == 2
    assert "未知的核查规则：ZZ01" in capsys.readouterr().err
    empty = tmp_path / "empty.db"
    assert main(["check", "--db", str(empty), "--json"]) == 3  # never an empty database by accident
    assert f"找不到数据库文件：{empty}" in capsys.readouterr().err and not empty.exists()
    assert main(["db", "upgrade", "--db", str(empty)]) == 0
    capsys.readouterr()
    code, data = run_json(capsys, "check", "--db", str(empty), "--json")
    data.pop("as_of")
    assert code == 0 and data == {"findings": [], "counts": {"total": 0, "by_severity": {"错误": 0, "警告": 0, "提示": 0},
                                                             "by_rule": {}, "households": 0}}


def test_findings_export_writes_ids_as_text(demo_db, tmp_path, capsys):
    out = tmp_path / "findings.xlsx"
    assert main(["check", "--db", str(demo_db), "--rule", "ID09", "ID10", "ID11", "VS01", "--xlsx", str(out)]) == 0
    assert "问题清单已导出" in capsys.readouterr().out
    ws = load_workbook(out, read_only=True).active
    rows = list(ws.iter_rows(values_only=True))
    assert rows[0][0] == "数据质量核查问题清单" and rows[1][:3] == ("序号", "规则", "级别")
    assert len(rows) > 3 and all(isinstance(r[4], str) for r in rows[2:])


def test_duplicates_across_villages_are_found_by_a_village_check(ctx, village):
    from app.ops.households import create_household
    from app.ops.regions import create_region
    from tests import factories

    other = create_region(ctx, "450881104202", "石龙村", "village",
                          create_region(ctx, "450881104999", "别镇", "township").value["id"]).value["id"]
    create_household(ctx, {"village_id": village["id"]}, [factories.head()])
    with ctx.write() as w:  # the same person registered again elsewhere (bypassing the op's check)
        hid = w.insert("household", {"village_id": other, "code": "450881104202-01-0001", "status": "02"})
        w.insert("member", {"household_id": hid, **{k: v for k, v in factories.head().items()
                                                     if k in ("name", "id_number")}, "relation": "01", "status": "01"})
    report = run_check(ctx, village["id"], ["ID09"])
    (f,) = report.findings
    assert f.household_code == "450881104201-01-0001" and "450881104202-01-0001" in f.message and "石龙村" in f.message


def test_a_big_county_is_checked_in_two_processes_with_the_same_findings(demo_db, monkeypatch):
    import app.ops.quality as q

    ctx = OpContext(open_sqlite(demo_db), today_fn=lambda: date(2026, 11, 27))
    serial = q.run_check(ctx).findings
    monkeypatch.setattr(q, "PARALLEL_FROM", 10)
    monkeypatch.setattr(q.os, "getloadavg", lambda: (0.0, 0.0, 0.0))
    monkeypatch.setattr(q.threading, "active_count", lambda: 1)  # another test's idle thread
    assert q._halves(ctx) is not None
    assert q.run_check(ctx).findings == serial
    ctx.engine.dispose()


def test_village_exit_report_command(ctx, village, db_path, capsys):
    from tests.ops.helpers import exit_ready

    exit_ready(ctx, village)
    assert main(["village-exit", "--db", str(db_path), "--village", village["code"], "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["poor_population"] == 3 and data["rate"] == "0.25" and data["threshold"] == "3"
    assert [i["key"] for i in data["indicators"]] == ["rate", "collective_income"]
    assert main(["village-exit", "--db", str(db_path), "--village", village["code"], "--profile", "guangxi"]) == 0
    assert "广西“一低四有四通三解决”" in capsys.readouterr().out
    assert main(["village-exit", "--db", str(db_path), "--village", "nonsense"]) == 2


def test_vs01_at_a_past_reference_date_judges_that_month_by_that_month_s_visits(ctx, village, capsys, db_path):
    from app.ops.assistance import assign_helper, create_helper
    from app.ops.households import create_household
    from app.ops.visits import record_visit
    from tests import factories

    helper = create_helper(ctx, {"name": "王五"}).value["id"]
    ids = {}
    for n, name in enumerate(("甲户", "乙户", "丙户")):
        ids[name] = create_household(ctx, {"village_id": village["id"], "status": "02"},
                                     [factories.head(name, seq=20 + n)]).value["id"]
        assign_helper(ctx, ids[name], helper, date(2020, 1, 1))
    visit = {"helper_id": helper, "problems": "缺技术"}
    record_visit(ctx, ids["甲户"], {**visit, "visit_date": date(2020, 12, 10)})  # in the month: fine
    record_visit(ctx, ids["乙户"], {**visit, "visit_date": date(2020, 11, 20)})  # the month before
    record_visit(ctx, ids["乙户"], {**visit, "visit_date": date(2021, 1, 5)})  # after the reference date
    record_visit(ctx, ids["丙户"], {**visit, "visit_date": date(2026, 11, 20)})  # only today's month

    report = run_check(ctx, village["id"], ["VS01"], as_of=date(2020, 12, 31))
    flagged = {f.name: f.message for f in report.findings}
    assert set(flagged) == {"乙户", "丙户"}
    assert "2020年12月" in flagged["乙户"] and "上次走访 2020-11-20" in flagged["乙户"]
    assert "没有走访记录" in flagged["丙户"]
    # the same data at the end of November 2026: only 丙户 was visited that month
    later = {f.name for f in run_check(ctx, village["id"], ["VS01"], as_of=date(2026, 11, 30)).findings}
    assert later == {"甲户", "乙户"}
    # and through the command
    ctx.engine.dispose()
    code, data = run_json(capsys, "check", "--db", str(db_path), "--rule", "VS01", "--as-of", "2020-12-31", "--json")
    assert data["as_of"] == "2020-12-31" and {f["name"] for f in data["findings"]} == {"乙户", "丙户"}
