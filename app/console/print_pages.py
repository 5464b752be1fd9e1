"""Console prints: the township's household register, 乡有簿 and 县有档 as PDF (app/printing),
the county 花名册 in the national layout (xlsx)."""

from __future__ import annotations

import io
from dataclasses import replace
from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response
from sqlalchemy import select
from sqlalchemy.orm import Session

from app import printing
from app.console import area_tables, figures
from app.console.access import Gate
from app.console.tables import Table
from app.console.web import Console, ConsoleRefused, number, xlsx_download
from app.db.models import Region
from app.db.lookup_queries import place_names
from app.printing.summary import SummaryBook, SummaryTable, write_summary
from app.printing.text import cn_day

R = Region.__table__
RATE_NOTE = ("贫困发生率 = 未脱贫建档立卡人口 ÷ 农业户籍人口；村退出标准 2%（西部地区 3%）。"
             "走访覆盖率 = 本月走访过的建档立卡户 ÷ 建档立卡户（注销除外）。身份证号隐去中间数字。")


def summary_table(t: Table) -> SummaryTable:
    """A console table as the printed book shows it: the same rows, values written as on the page."""
    return SummaryTable(t.title, t.columns, [[number(v) for v in row] for row in t.rows], frozenset(t.numeric))


def region_line(s: Session, region_id: str) -> str:
    """省 市 县 (乡) of a region, for the band at the top of each page."""
    names = place_names(s, region_id)
    return " ".join(names[k] for k in ("province", "prefecture", "county", "township") if names.get(k))


def pdf_response(data: bytes, filename: str) -> Response:
    return Response(data, media_type="application/pdf", headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}.pdf", "Cache-Control": "no-store"})


def print_book(book: SummaryBook, today: date) -> bytes:
    out = io.BytesIO()
    try:
        write_summary(book, out, printing.PrintOptions(print_date=today))
    except (printing.FontError, printing.MissingCharsError) as e:
        raise ConsoleRefused(500, f"无法打印：{e}", "打印失败") from None
    return out.getvalue()


def build(console: Console, gate: Gate) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    me, audit, find_place = gate.me, gate.audit, gate.find_place

    @router.get("/township/{code}/register.pdf")
    def township_register(request: Request, code: str):
        """The township's household register: the 村有册 of each of its villages in one PDF,
        printed by app/printing as on the laptops. It holds whole ID numbers: only for the roles
        that may see them, and every print is logged."""
        from app.ops.context import OpContext
        from app.printing.print_jobs import NothingToPrint, PrintRequest, prepare

        today = console.today_fn()
        with console.sessions.begin() as s:
            logged = me(s, request)
            place = find_place(s, logged, "township", code)
            if not logged.user.may_see_ids:
                raise ConsoleRefused(403, "户名册含完整身份证号，您的账号不能打印", "无权打印")
            villages = [f.code for f in figures.village_figures(s, (place.code,), today) if f.households]
        ctx = OpContext(console.engine, today_fn=lambda: today)
        items = []
        for village_code in villages:
            try:
                items += prepare(ctx, PrintRequest("register", village=village_code)).items
            except NothingToPrint:
                continue
        if not items:
            raise ConsoleRefused(404, f"{place.name}没有建档立卡户，没有可打印的户名册", "没有可打印的内容")
        out = io.BytesIO()
        try:
            result = printing.write_registers(items, out, printing.PrintOptions(print_date=today))
        except (printing.FontError, printing.MissingCharsError) as e:
            raise ConsoleRefused(500, f"无法打印：{e}", "打印失败") from None
        with console.sessions.begin() as s:
            audit(s, request, logged, "打印乡镇户名册", place.name, f"{len(items)} 个村，{result.pages} 页，含身份证号")
        return pdf_response(out.getvalue(), place.name + "户名册")

    @router.get("/township/{code}/book.pdf")
    def township_book(request: Request, code: str):
        """乡有簿: the township's figures by village, its monitoring and income, then every household
        of the township village by village (ID numbers masked, so any role that sees the township
        may print it)."""
        today = console.today_fn()
        with console.sessions.begin() as s:
            logged = me(s, request)
            place = find_place(s, logged, "township", code)
            area = area_tables.township(s, place, today)
            register = area_tables.household_register(s, f"{place.name}户名册（按村）", area.villages)
            line = region_line(s, place.id)
        book = SummaryBook(
            title=f"{place.name}扶贫工作汇总簿（乡有簿）", header=line, tag=f"乡镇代码 {place.code}",
            subtitle=f"{today.year}年度　截至{cn_day(today)}　本月指{today.month}月", date=today,
            notes=[RATE_NOTE], sign_as=f"{place.name}人民政府（盖章）",
            tables=[summary_table(t) for t in [*area.tables, register]])
        return pdf_response(print_book(book, today), f"{place.name}乡有簿")

    @router.get("/county/book.pdf")
    def county_book(request: Request):
        """县有档: the county's summary tables (by township, every village, the villages above the
        exit line, monitoring, income)."""
        today = console.today_fn()
        with console.sessions.begin() as s:
            logged = me(s, request)
            if not logged.user.county_wide:
                raise ConsoleRefused(403, "县有档汇总表是全县的，乡镇账号请打印本乡镇的乡有簿", "无权打印")
            area = area_tables.county(s, None, today)
            county_id = s.execute(select(R.c.id).where(R.c.level == "county", R.c.deleted.is_(False))).scalar()
            line = region_line(s, county_id) if county_id else ""
            county_name = place_names(s, county_id).get("county", "") if county_id else ""
        villages = area_tables.figures_table(
            "各村", [replace(f, name=f"{f.township} {f.name}") for f in area.villages], "乡镇 村", None, area.total)
        tables = [area.tables[0], villages, *area.tables[1:]]
        book = SummaryBook(
            title=f"{county_name}扶贫档案汇总表（县有档）", header=line, tag="县扶贫办",
            subtitle=f"{today.year}年度　截至{cn_day(today)}　本月指{today.month}月", date=today,
            notes=[RATE_NOTE], sign_as="县扶贫开发领导小组办公室（盖章）",
            tables=[summary_table(t) for t in tables])
        return pdf_response(print_book(book, today), f"{county_name}县有档")

    @router.get("/roster.xlsx")
    def roster(request: Request):
        """The 花名册 of the county (a 乡镇 account: its townships; ?township=: one) in the national
        layout (app/exchange, as `kace export xlsx --layout national`), per household or, with
        ?members=1, the 47 columns per member. It holds whole ID numbers: only for the roles that may
        see them, and every export is logged."""
        import tempfile
        from pathlib import Path

        from app.exchange.exporter import export_xlsx
        from app.ops.context import OpContext

        today = console.today_fn()
        members = request.query_params.get("members") == "1"
        wanted = request.query_params.get("township") or None
        with console.sessions.begin() as s:
            logged = me(s, request)
            if not logged.user.may_see_ids:
                raise ConsoleRefused(403, "花名册含完整身份证号，您的账号不能导出", "无权导出")
            name = "全县" if logged.user.county_wide else "本乡镇"
            townships = gate.scope(logged.user)
            if wanted is not None:
                place = find_place(s, logged, "township", wanted)
                townships, name = (place.code,), place.name
            villages = [f.village_id for f in figures.village_figures(s, townships, today) if f.households]
        if not villages:
            raise ConsoleRefused(404, "没有可导出的户", "没有可导出的内容")
        with tempfile.TemporaryDirectory(prefix="kace-roster-") as tmp:
            result = export_xlsx(OpContext(console.engine, today_fn=lambda: today), villages,
                                 Path(tmp) / "roster.xlsx", members=members, layout="national")
            data = result.path.read_bytes()
        kind = "按人" if members else "按户"
        with console.sessions.begin() as s:
            audit(s, request, logged, "导出花名册", f"{name}（国家格式，{kind}）",
                  f"{result.households} 户，{result.rows} 行，含身份证号")
        return xlsx_download(data, f"{name}花名册（国家格式{kind}）")

    return router
