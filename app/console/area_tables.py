"""The tables of the county and township pages, built once for the page, its xlsx and its printed
book (乡有簿, 县有档): figures per township or village, monitoring by risk, income bands, and the
township's household list (ID numbers masked)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from sqlalchemy.orm import Session

from app.console import figures
from app.console.tables import Table

STATUS_COLUMNS = figures.STATUS_LABELS


@dataclass
class Area:
    """A county (its townships) or a township (its villages): the page's tables, the rows its charts
    draw (`groups`: townships or villages), every village's figures, the total, the income bands."""

    tables: list[Table]
    groups: list[figures.Figures]
    villages: list[figures.Figures]
    total: figures.Figures
    income: Table


def figures_table(title: str, rows: list[figures.Figures], first: str, link: str | None,
                  total: figures.Figures | None) -> Table:
    t = Table(title, [first, "村数", "户数", "人数", *STATUS_COLUMNS, "未脱贫人口", "农业户籍人口",
                      "贫困发生率(%)", "退出标准(%)", "本月走访(户)", "走访覆盖率(%)", "监测户", "风险未消除"])
    t.numeric = set(range(1, len(t.columns)))
    for f in rows + ([total] if total else []):
        t.add([f.name, f.villages, f.households, f.members, *(f.by_status.get(k, 0) for k in STATUS_COLUMNS),
               f.poor_population, f.agri_population, f.rate, f.threshold, f.visited, f.coverage,
               f.monitored, f.at_risk],
              link.format(code=f.code) if link and f is not total else None,
              "over" if f.over else ("total" if f is total else ""))
    return t


def income_table(s: Session, village_ids: list[str]) -> Table:
    """人均纯收入 of the latest year: households per band."""
    year_, bands = figures.income_bands(s, village_ids)
    t = Table(f"{year_ or ''}年人均纯收入分布", ["人均纯收入(元)", "户数"], numeric={1})
    for label, n in bands:
        t.add([label, n])
    return t


def monitoring_table(s: Session, village_ids: list[str]) -> Table:
    t = Table("防返贫监测户（按风险）", ["监测对象类型", "风险未消除", "风险已消除", "未填写风险", "合计"])
    t.numeric = {1, 2, 3, 4}
    for r in figures.monitoring_by_risk(s, village_ids):
        t.add([r["type"], r["at_risk"], r["cleared"], r["unknown"], r["at_risk"] + r["cleared"] + r["unknown"]],
              css="over" if r["at_risk"] else "")
    return t


def county(s: Session, townships: tuple[str, ...] | None, today: date) -> Area:
    """全县概况 (or the townships of a 乡镇 account): by township, the villages above the exit line."""
    rows = figures.village_figures(s, townships, today)
    towns = figures.by_township(rows)
    total = figures.totals(rows, "合计")
    ids = [f.village_id for f in rows]
    income = income_table(s, ids)
    tables = [figures_table("各乡镇", towns, "乡镇", "/township/{code}", total),
              figures_table("贫困发生率高于退出标准的村", [f for f in rows if f.over], "村", "/village/{code}", None),
              monitoring_table(s, ids), income]
    return Area(tables, towns, rows, total, income)


def township(s: Session, place: figures.Place, today: date) -> Area:
    rows = figures.village_figures(s, (place.code,), today)
    total = figures.totals(rows, "合计")
    ids = [f.village_id for f in rows]
    income = income_table(s, ids)
    tables = [figures_table(f"{place.name}各村", rows, "村", "/village/{code}", total), monitoring_table(s, ids), income]
    return Area(tables, rows, rows, total, income)


def household_register(s: Session, title: str, villages: list[figures.Figures]) -> Table:
    """Every live household of these villages, village by village (户主身份证号 masked)."""
    t = Table(title, ["村", "户编号", "户主", "户主身份证号", "人数", "贫困户属性", "户状态", "监测对象类型",
                      "风险状态"], numeric={4})
    for f in villages:
        for h in figures.household_list(s, f.village_id):
            t.add([f.name, h["code"], h["head"], h["head_id"], h["size"], h["category"], h["status"],
                   h["monitoring"], h["risk"]], f"/household/{h['id']}")
    return t
