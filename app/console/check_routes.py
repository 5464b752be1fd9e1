"""数据核查 pages: the county's last check (counts by village and rule, drill-down to the household,
the findings xlsx), a run started in the background (app/console/check_job.py) and its progress
page, which reloads itself every two seconds (no script: the console's CSP allows none)."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from dataclasses import replace

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from app.console import accounts, figures
from app.console.tables import Table
from app.console.web import Console, ConsoleRefused, check_csrf, local_time, xlsx_download
from app.domain import fields
from app.domain.privacy import mask_id
from app.ops.undo import OBJECT_NAMES

H = figures.H
FIRST_WAIT_S = 3.0  # a first visit waits this long for the run it starts: a small county shows at once


def build_check_router(console: Console, *, me: Callable, scope: Callable, page: Callable,
                       scrub: Callable[[object], str], id_fields: set[str]) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    jobs = console.checks

    def masked(x):
        return replace(x, message=scrub(x.message),
                       value=mask_id(x.value) if x.field in id_fields and x.value else
                       (scrub(x.value) if x.value is not None else None))

    def latest(request: Request, logged: accounts.LoggedIn):
        """The last finished result; a first visit starts a run and waits a moment for it. None:
        still running (the caller shows the progress page)."""
        if jobs.result is None and jobs.running is None:
            jobs.start(logged.user.username)
        if jobs.running is not None:
            jobs.wait(FIRST_WAIT_S if jobs.result is None else 0)
        return jobs.result if jobs.running is None else None

    def visible(request: Request, logged: accounts.LoggedIn):
        """The villages of the page (?village= or all the user may see), and ?rule=."""
        from app.domain.quality import RULES

        village_code = request.query_params.get("village") or None
        rule_id = request.query_params.get("rule") or None
        if rule_id is not None and rule_id not in RULES:
            raise ConsoleRefused(400, f"没有这条核查规则：{rule_id[:20]}", "参数不正确")
        with console.sessions.begin() as s:
            places = figures.village_places(s, scope(logged.user))
            if village_code is not None:
                places = [p for p in places if p.code == village_code]
                if not places:
                    raise ConsoleRefused(404, f"没有这个村，或您无权查看：{village_code[:20]}", "找不到")
            household_ids = dict(s.execute(select(H.c.code, H.c.id).where(
                H.c.village_id == places[0].id)).all()) if village_code is not None else {}
        return village_code, rule_id, places, household_ids

    def shown(request: Request, masked_all: bool = False):
        """The user, the page's villages, the last result's counts by village code and rule, and
        the findings (masked) of the village of the page (all of them for the export); the result
        is None while the run goes on."""
        with console.sessions.begin() as s:
            logged = me(s, request)
        village_code, rule_id, places, household_ids = visible(request, logged)
        result = latest(request, logged)
        counts, by_code = {}, {}
        if result is not None:
            for p in places:
                c = result.counts.get(p.id, Counter())
                counts[p.code] = c if rule_id is None else Counter({rule_id: c[rule_id]} if c[rule_id] else {})
                if masked_all or p.code == village_code:
                    by_code[p.code] = [masked(x) for x in result.by_village.get(p.id, ())
                                       if rule_id is None or x.rule == rule_id]
        return logged, village_code, places, household_ids, result, counts, by_code

    def progress_page(request: Request, logged: accounts.LoggedIn):
        state = jobs.running
        return console.render(request, "check_progress.html", me=logged.user, csrf=logged.csrf_token,
                              title="数据核查", state=state, failed=jobs.failed, result=jobs.result)

    @router.get("/check/progress")
    def check_progress(request: Request):
        with console.sessions.begin() as s:
            logged = me(s, request)
        if jobs.running is None:
            return RedirectResponse("/check", status_code=303)
        return progress_page(request, logged)

    @router.post("/check/run")
    async def check_run(request: Request):
        """Start a new run of the whole county (a read: every role may; one run at a time)."""
        with console.sessions.begin() as s:
            logged = me(s, request)
            form = dict(await request.form())
            check_csrf(logged.csrf_token, form.get("csrf"))
        jobs.start(logged.user.username)
        return RedirectResponse("/check/progress", status_code=303)

    @router.get("/check/findings.xlsx")
    def check_findings(request: Request):
        """Every finding of the county (or of ?village=) as `kace check --xlsx` writes it."""
        import tempfile
        from pathlib import Path

        from app.exchange.findings import write_findings

        _logged, _code, _places, _ids, result, _counts, by_code = shown(request, masked_all=True)
        if result is None:
            return RedirectResponse("/check/progress", status_code=303)
        with tempfile.TemporaryDirectory(prefix="kace-findings-") as tmp:
            path = write_findings([x for code in sorted(by_code) for x in by_code[code]], Path(tmp) / "findings.xlsx")
            data = path.read_bytes()
        return xlsx_download(data, "数据核查问题清单")

    @router.get("/check")
    def check(request: Request):
        from app.domain.quality import RULES

        logged, village_code, places, household_ids, result, by_village, by_code = shown(request)
        if result is None:
            return progress_page(request, logged)
        rules = sorted({r for c in by_village.values() for r in c})
        counts = Table("问题数（按村和规则）", ["村", "乡镇", *rules, "合计"], numeric=set(range(2, len(rules) + 3)))
        for p in places:
            c = by_village[p.code]
            counts.add([p.name, p.township_name or "", *(c.get(r, 0) for r in rules), sum(c.values())],
                       f"/check?village={p.code}", "over" if sum(c.values()) else "")
        catalogue = Table("规则", ["规则", "级别", "说明", "问题数"], numeric={3})
        for r in rules:
            catalogue.add([r, RULES[r].severity, RULES[r].title, sum(c.get(r, 0) for c in by_village.values())])
        tables = [counts, catalogue]
        if village_code is not None:
            detail = Table(f"{places[0].name}的问题清单", ["户编号", "规则", "级别", "问题", "记录", "字段", "值"])
            for x in by_code[village_code]:
                detail.add([x.household_code, x.rule, x.severity, x.message, OBJECT_NAMES.get(x.table, x.table),
                            fields.label(x.table, x.field) if x.field else "", x.value or ""],
                           f"/household/{household_ids[x.household_code]}" if x.household_code in household_ids else None,
                           "over" if x.severity == "错误" else "")
            tables.append(detail)
        return page(request, logged, "check.html", "数据核查", tables, village_code=village_code, result=result,
                    finished=local_time(result.finished_at))

    return router
