"""Console prints: the township's household register, 乡有簿 and 县有档 as PDF (app/printing),
the county 花名册 in the national layout (xlsx)."""

from __future__ import annotations

from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import Response

from app.console import figures
from app.console.access import Gate
from app.console.web import Console, ConsoleRefused


def build(console: Console, gate: Gate) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    me, audit, find_place = gate.me, gate.audit, gate.find_place

    @router.get("/township/{code}/register.pdf")
    def township_register(request: Request, code: str):
        """The township's household register: the 村有册 of each of its villages in one PDF,
        printed by app/printing as on the laptops. It holds whole ID numbers: only for the roles
        that may see them, and every print is logged."""
        import io

        from app import printing
        from app.ops.context import OpContext
        from app.ops.print_jobs import NothingToPrint, PrintRequest, prepare

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
        return Response(out.getvalue(), media_type="application/pdf", headers={
            "Content-Disposition": f"attachment; filename*=UTF-8''{quote(place.name + '户名册')}.pdf",
            "Cache-Control": "no-store"})

    return router
