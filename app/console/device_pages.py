"""The console's 设备 page: laptops and their sync; enrol, disable and re-enrol (县管理员)."""

from __future__ import annotations

import json
import re

import segno
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.console import accounts, figures
from app.console.access import Gate
from app.console.tables import Table
from app.console.web import Console, ConsoleRefused, local_time


def build(console: Console, gate: Gate) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    me, change, page, audit = gate.me, gate.change, gate.page, gate.audit

    # --- 设备 --------------------------------------------------------------------------------

    def device_page(request: Request, s: Session, logged: accounts.LoggedIn, days: int, **extra):
        visible = None if logged.user.county_wide else figures.village_codes_in(s, logged.user.townships)
        rows = figures.devices(s, visible, console.now_fn(), days)
        t = Table("设备", ["编号", "设备名称", "状态", "村", "登记时间", "最近同步", "未同步天数", "收到变更(条)",
                           "待处理(条)"], numeric={0, 6, 7, 8})
        for d in rows:
            t.add([d["device_code"], d["name"], d["state"], "、".join(f"{v['name']}({v['code']})" for v in d["villages"]),
                   local_time(d["enrolled_at"]), local_time(d["last_seen_at"]) or "从未同步",
                   d["days_since"], d["received"], d["parked"]], None, "stale" if d["stale"] else "")
        return page(request, logged, "devices.html", "设备", [t], devices=rows, days=days, **extra)

    def stale_days(request: Request) -> int:
        text = request.query_params.get("days", "").strip()
        if not text:
            return console.stale_days
        if not text.isdigit() or not 1 <= int(text) <= 3650:
            raise ConsoleRefused(400, f"天数应为 1 到 3650 之间的整数：{text[:20]}", "参数不正确")
        return int(text)

    @router.get("/devices")
    def devices(request: Request):
        days = stale_days(request)
        with console.sessions.begin() as s:
            logged = me(s, request)
            return device_page(request, s, logged, days)

    def enrolled(request: Request, logged: accounts.LoggedIn, name: str, villages: list[str], token: str,
                 unknown: list[str]):
        server = str(request.base_url).rstrip("/")
        command = f"kace sync --server {server} --enrol {token}"
        qr = Markup(segno.make(command, error="m").svg_inline(scale=4, dark="#000", light="#fff"))
        return console.render(request, "enrolled.html", me=logged.user, csrf=logged.csrf_token,
                              title="登记码", name=name, villages=villages, token=token, server=server,
                              command=command, qr=qr, unknown=unknown)

    @router.post("/devices/enrol")
    async def enrol(request: Request):
        from app.sync import county_service as service

        with console.sessions.begin() as s:
            logged, form = await change(s, request)
            name = str(form.get("name", "")).strip()
            villages = [c.strip() for c in re.split(r"[,，、\s]+", str(form.get("villages", ""))) if c.strip()]
            if not 0 < len(name) <= 60:
                raise ConsoleRefused(400, "设备名称不能为空，最多 60 个字", "登记未完成")
            if s.execute(select(figures.DEVICE.c.id).where(figures.DEVICE.c.name == name)).first():
                raise ConsoleRefused(400, f"已有同名设备“{name}”：要给它换电脑请用该设备的“重新登记”",
                                     "登记未完成")
            try:
                token = service.enrol(s, name, villages)
            except service.SyncRefused as e:
                raise ConsoleRefused(400, e.message, "登记未完成") from None
            unknown = figures.device_villages_known(s, villages)
            audit(s, request, logged, "登记设备", name, "村：" + "、".join(villages))
        return enrolled(request, logged, name, villages, token, unknown)

    def device_row(s: Session, device_id: str):
        row = s.execute(select(figures.DEVICE).where(figures.DEVICE.c.id == device_id[:36])).mappings().first()
        if row is None:
            raise ConsoleRefused(404, "没有这个设备", "找不到")
        return row

    @router.post("/devices/{device_id}/disable")
    async def disable(request: Request, device_id: str):
        from sqlalchemy import update

        with console.sessions.begin() as s:
            logged, _form = await change(s, request)
            row = device_row(s, device_id)
            s.execute(update(figures.DEVICE).where(figures.DEVICE.c.id == row["id"]).values(disabled=True))
            audit(s, request, logged, "停用设备", row["name"])
        return RedirectResponse("/devices", status_code=303)

    @router.post("/devices/{device_id}/reenrol")
    async def reenrol(request: Request, device_id: str):
        from app.sync import county_service as service

        with console.sessions.begin() as s:
            logged, _form = await change(s, request)
            row = device_row(s, device_id)
            villages = json.loads(row["villages"])
            token = service.enrol(s, row["name"], villages)
            audit(s, request, logged, "重新登记设备", row["name"], "旧密钥作废")
            unknown = figures.device_villages_known(s, villages)
        return enrolled(request, logged, row["name"], villages, token, unknown)

    return router
