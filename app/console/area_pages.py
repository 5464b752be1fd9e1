"""Console pages of figures: 全县概况, 乡镇 and 村 (tables, charts, xlsx of every table)."""

from __future__ import annotations

from fastapi import APIRouter, Request
from markupsafe import Markup

from app.console import area_tables, figures
from app.console.access import Gate
from app.console.charts import bar_chart
from app.console.masking import scrub
from app.console.tables import Table
from app.console.web import Console
from app.domain.incidence import DEFAULT_THRESHOLD, WESTERN_THRESHOLD


def build(console: Console, gate: Gate) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    me, page, scope, find_place = gate.me, gate.page, gate.scope, gate.find_place

    # --- 全县概况, 乡镇, 村 ------------------------------------------------------------------------

    def rate_chart(rows: list[figures.Figures], title: str) -> Markup:
        return bar_chart([(f.name, f.rate) for f in rows], unit="%", title=title,
                         lines=[(float(DEFAULT_THRESHOLD), "2%"), (float(WESTERN_THRESHOLD), "3%")],
                         highlight_over=float(min(f.threshold for f in rows if f.threshold is not None))
                         if any(f.threshold is not None for f in rows) else None)

    def area_charts(rows: list[figures.Figures], each: str, income: Table) -> list[tuple[str, Markup]]:
        if not rows:
            return []
        return [(f"{each}贫困发生率", rate_chart(rows, f"{each}贫困发生率")),
                (f"{each}本月走访覆盖率", bar_chart([(f.name, f.coverage) for f in rows], unit="%",
                                                   title=f"{each}本月走访覆盖率")),
                income_chart(income)]

    def income_chart(income: Table) -> tuple[str, Markup]:
        return income.title, bar_chart([(label, n) for label, n in income.rows], title=income.title)

    @router.get("/")
    def overview(request: Request):
        with console.sessions.begin() as s:
            logged = me(s, request)
            area = area_tables.county(s, scope(logged.user), console.today_fn())
        heading = "全县概况" if logged.user.county_wide else "本乡镇概况"
        return page(request, logged, "area.html", heading, area.tables, total=area.total,
                    charts=area_charts(area.groups, "各乡镇", area.income), month=console.today_fn().strftime("%Y年%m月"))

    @router.get("/township/{code}")
    def township(request: Request, code: str):
        with console.sessions.begin() as s:
            logged = me(s, request)
            place = find_place(s, logged, "township", code)
            area = area_tables.township(s, place, console.today_fn())
        return page(request, logged, "area.html", place.name, area.tables, total=area.total,
                    charts=area_charts(area.groups, "各村", area.income), place=place,
                    month=console.today_fn().strftime("%Y年%m月"))

    @router.get("/village/{code}")
    def village(request: Request, code: str):
        today = console.today_fn()
        with console.sessions.begin() as s:
            logged = me(s, request)
            place = find_place(s, logged, "village", code)
            st = figures.village_stats(s, place.id, today)
            f = figures.village_figures(s, None, today, village_code=code)[0]
            helpers = figures.visits_by_helper(s, place.id, today)
            income = area_tables.income_table(s, [place.id])
            households = figures.household_list(s, place.id)
            monitoring = area_tables.monitoring_table(s, [place.id])
            report = figures.village_assessment(s, place.id, today)
        pi = st["poverty_incidence"]
        summary = Table("概况", ["项目", "数值"])
        for label, value in (("户数", st["households"]), ("人数", st["members"]),
                             ("未脱贫人口", pi["poor_population"]), ("农业户籍人口", pi["agri_population"]),
                             ("贫困发生率(%)", pi["rate"]), ("退出标准(%)", pi["threshold"]),
                             ("本月走访(次)", st["visits_this_month"]),
                             ("本月走访(户)", st["households_visited_this_month"]),
                             ("走访覆盖率(%)", f.coverage),
                             (f"{st['income_per_capita']['year'] or ''}年人均纯收入 P10(元)", st["income_per_capita"]["p10"]),
                             ("人均纯收入 P50(元)", st["income_per_capita"]["p50"]),
                             ("人均纯收入 P90(元)", st["income_per_capita"]["p90"]),
                             ("变更记录(条)", st["changes"])):
            summary.add([label, value])
        by_status = Table("户数（按户状态）", ["户状态", "户数"], numeric={1})
        for label, n in st["by_status"].items():
            by_status.add([label, n])
        exit_table = Table(f"贫困村退出指标（{report.profile_title}）", ["指标", "是否达标", "依据"])
        for i in report.indicators:
            exit_table.add([i.name, "达标" if i.passed else "未达标", scrub(i.evidence)], css="" if i.passed else "over")
        helper_table = Table("本月走访（按帮扶责任人）", ["帮扶责任人", "帮扶户数", "走访次数", "走访户数"], numeric={1, 2, 3})
        for h in helpers:
            helper_table.add([h["helper"], h["assigned"], h["visits"], h["households"]])
        household_table = Table("户名单", ["户编号", "户主", "户主身份证号", "人数", "贫困户属性", "户状态",
                                          "监测对象类型", "风险状态"], numeric={3})
        for h in households:
            household_table.add([h["code"], h["head"], h["head_id"], h["size"], h["category"], h["status"],
                                 h["monitoring"], h["risk"]], f"/household/{h['id']}")
        tables = [summary, by_status, exit_table, helper_table, income, monitoring, household_table]
        charts = [("户数（按户状态）", bar_chart([(k, v) for k, v in st["by_status"].items()], title="户数（按户状态）")),
                  income_chart(income)]
        return page(request, logged, "village.html", place.name, tables, place=place, stats=st, report=report,
                    figures=f, charts=charts, month=today.strftime("%Y年%m月"))

    return router
