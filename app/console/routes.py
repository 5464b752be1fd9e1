"""The console's pages (server-rendered, Simplified Chinese), one router per page family:
登录 and 操作记录, 全县概况/乡镇/村, 打印, 户, 设备, 待处理, 数据核查. Every page reads the county
database in one transaction; every change is a POST with the session's CSRF token, made by a
县管理员 only, and recorded in console_audit (app/console/access.Gate)."""

from __future__ import annotations

from fastapi import APIRouter

from app.console import account_pages, area_pages, device_pages, household_page, pending_pages, print_pages
from app.console.access import Gate
from app.console.check_routes import build_check_router
from app.console.masking import ID_FIELDS, scrub
from app.console.web import Console


def build_router(console: Console) -> APIRouter:
    gate = Gate(console)
    router = APIRouter(include_in_schema=False)
    for pages in (account_pages, area_pages, print_pages, household_page, device_pages, pending_pages):
        router.include_router(pages.build(console, gate))
    # 数据核查 runs in the background (app/console/check_job.py) with a progress page
    router.include_router(build_check_router(console, me=gate.me, scope=gate.scope, page=gate.page,
                                             scrub=scrub, id_fields=ID_FIELDS))
    return router
