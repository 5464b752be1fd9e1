"""数据核查 of the whole county as a background job: the same findings as `kace check`, progress
in households checked / total, and the progress page the console shows while it runs."""

from __future__ import annotations

import re
import threading

import pytest
from fastapi.testclient import TestClient

from app.console import check_job
from app.ops.context import OpContext
from app.ops.quality import run_check
from app.server.app import create_app
from tests.console.county import PASSWORD, TODAY

pytestmark = pytest.mark.postgres


def key(f) -> tuple:
    return tuple(sorted((k, str(v)) for k, v in f.to_json().items()))


def test_the_county_check_in_groups_equals_kace_check_and_reports_progress(county):
    server = OpContext(county.engine, today_fn=lambda: TODAY)
    steps = []
    on, households, by_village = check_job.check_county(server, lambda done, total: steps.append((done, total)),
                                                        size=60)
    whole = run_check(server)  # `kace check` over the county database, in one piece
    laptop = run_check(county.laptop)  # `kace check` on the laptop that pushed the data
    found = [f for fs in by_village.values() for f in fs]
    assert found and on == whole.as_of == laptop.as_of
    assert sorted(map(key, found)) == sorted(map(key, whole.findings)) == sorted(map(key, laptop.findings))
    # several groups, each step counted, ending at every live household
    total = steps[0][1]
    assert len(steps) > 3 and steps[0] == (0, total) and steps[-1] == (total, total) == (households, households)
    assert [d for d, _ in steps] == sorted(d for d, _ in steps) and all(t == total for _, t in steps)
    # each finding filed under its own village
    village_codes = {v["id"]: v["code"] for v in county.villages}
    for vid, fs in by_village.items():
        assert vid in village_codes
        expected = {f.household_code for f in run_check(county.laptop, vid).findings}
        assert {f.household_code for f in fs} == expected


def login(app) -> TestClient:
    c = TestClient(app, base_url="http://testserver")
    c.get("/login")
    r = c.post("/login", data={"username": "viewer", "password": PASSWORD, "csrf": c.cookies.get("kace_login"),
                               "next": "/"}, follow_redirects=False)
    assert r.status_code == 303
    return c


def test_the_progress_page_shows_households_checked_while_the_job_runs(county, monkeypatch):
    app = create_app(county.engine)
    app.state.console.today_fn = lambda: TODAY
    halfway, release = threading.Event(), threading.Event()
    real = check_job.check_county

    def slow(ctx, progress, size=check_job.GROUP_HOUSEHOLDS):
        def held(done, total):
            progress(done, total)
            if 0 < done < total and not halfway.is_set():
                halfway.set()
                release.wait(30)
        return real(ctx, held, size=60)

    monkeypatch.setattr(check_job, "check_county", slow)
    c = login(app)
    page = c.get("/devices").text
    csrf = re.search(r'name="csrf" value="([^"]+)"', page).group(1)
    assert c.post("/check/run", data={}).status_code == 403  # no CSRF token: refused
    r = c.post("/check/run", data={"csrf": csrf}, follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/check/progress"
    assert halfway.wait(30)
    progress = c.get("/check/progress")
    m = re.search(r"已核查 <strong>([\d,]+)</strong> / ([\d,]+) 户", progress.text)
    assert m, progress.text
    done, total = (int(x.replace(",", "")) for x in m.groups())
    assert 0 < done < total and 'http-equiv="refresh"' in progress.text
    assert "正在核查" in c.get("/check").text  # the list waits for the run
    assert c.post("/check/run", data={"csrf": csrf}).status_code == 200  # a second start joins the running one
    release.set()
    assert app.state.console.checks.wait(60)
    r = c.get("/check/progress", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/check"
    result = c.get("/check").text
    assert "问题数（按村和规则）" in result and f"共 {total:,} 户" in result
