"""The console's 数据核查: the rules of `kace check` on the county database, counts by village and
rule, drill-down to the household, the findings xlsx."""

from __future__ import annotations

from collections import Counter

from fastapi import APIRouter, Request
from sqlalchemy import select

from app.console import accounts, figures
from app.console.access import Gate
from app.console.masking import ID_FIELDS, scrub
from app.console.tables import Table
from app.console.web import Console, ConsoleRefused, xlsx_download
from app.db.models import Household
from app.domain import fields
from app.domain.privacy import mask_id
from app.ops.undo import OBJECT_NAMES

H = Household.__table__


def build(console: Console, gate: Gate) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    me, page, scope = gate.me, gate.page, gate.scope

    # --- 数据核查 ----------------------------------------------------------------------------

    def run_checks(request: Request) -> tuple[accounts.LoggedIn, list[figures.Figures], dict[str, list], dict]:
        """The data-quality rules of `kace check` over the villages the user may see (or the one
        of ?village=, or only the rule of ?rule=): findings per village code, with ID numbers
        masked, and the household ids of one village's codes."""
        from dataclasses import replace

        from app.domain.quality import RULES
        from app.ops.context import OpContext
        from app.ops.quality import check_villages

        village_code = request.query_params.get("village") or None
        rule_id = request.query_params.get("rule") or None
        today = console.today_fn()
        with console.sessions.begin() as s:
            logged = me(s, request)
            rows = figures.village_figures(s, scope(logged.user), today)
            if village_code is not None:
                rows = [f for f in rows if f.code == village_code]
                if not rows:
                    raise ConsoleRefused(404, f"没有这个村，或您无权查看：{village_code[:20]}", "找不到")
            household_ids = {}
            if village_code is not None:
                household_ids = dict(s.execute(select(H.c.code, H.c.id).where(
                    H.c.village_id == rows[0].village_id)).all())
        if rule_id is not None and rule_id not in RULES:
            raise ConsoleRefused(400, f"没有这条核查规则：{rule_id[:20]}", "参数不正确")
        ctx = OpContext(console.engine, today_fn=lambda: today)
        found = {}
        for f in rows:
            found[f.code] = [replace(x, message=scrub(x.message),
                                     value=mask_id(x.value) if x.field in ID_FIELDS and x.value else
                                     (scrub(x.value) if x.value is not None else None))
                             for x in check_villages(ctx, [f.village_id], [rule_id] if rule_id else None)]
        return logged, rows, found, household_ids

    @router.get("/check/findings.xlsx")
    def check_findings(request: Request):
        """Every finding of the county (or of ?village=) as `kace check --xlsx` writes it."""
        import tempfile
        from pathlib import Path

        from app.exchange.findings import write_findings

        _logged, _rows, found, _ids = run_checks(request)
        with tempfile.TemporaryDirectory(prefix="kace-findings-") as tmp:
            path = write_findings([x for code in sorted(found) for x in found[code]], Path(tmp) / "findings.xlsx")
            data = path.read_bytes()
        return xlsx_download(data, "数据核查问题清单")

    @router.get("/check")
    def check(request: Request):
        from app.domain.quality import RULES

        village_code = request.query_params.get("village") or None
        logged, rows, found, household_ids = run_checks(request)
        by_village = {code: Counter(x.rule for x in xs) for code, xs in found.items()}
        findings = found.get(village_code, [])
        rules = sorted({r for c in by_village.values() for r in c})
        counts = Table("问题数（按村和规则）", ["村", "乡镇", *rules, "合计"], numeric=set(range(2, len(rules) + 3)))
        for f in rows:
            c = by_village[f.code]
            counts.add([f.name, f.township, *(c.get(r, 0) for r in rules), sum(c.values())],
                       f"/check?village={f.code}", "over" if sum(c.values()) else "")
        catalogue = Table("规则", ["规则", "级别", "说明", "问题数"], numeric={3})
        for r in rules:
            catalogue.add([r, RULES[r].severity, RULES[r].title, sum(c.get(r, 0) for c in by_village.values())])
        tables = [counts, catalogue]
        if village_code is not None:
            detail = Table(f"{rows[0].name}的问题清单", ["户编号", "规则", "级别", "问题", "记录", "字段", "值"])
            for x in findings:
                detail.add([x.household_code, x.rule, x.severity, x.message, OBJECT_NAMES.get(x.table, x.table),
                            fields.label(x.table, x.field) if x.field else "", x.value or ""],
                           f"/household/{household_ids[x.household_code]}" if x.household_code in household_ids else None,
                           "over" if x.severity == "错误" else "")
            tables.append(detail)
        return page(request, logged, "check.html", "数据核查", tables, village_code=village_code)

    return router
