"""Console pages: 登录, 退出登录 and 操作记录 (县管理员)."""

from __future__ import annotations

import secrets

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select

from app.console import accounts
from app.console.access import Gate
from app.console.masking import scrub
from app.console.tables import Table
from app.console.web import (
    COOKIE, LOGIN_COOKIE, Console, ConsoleRefused, check_csrf, client_ip,
    local_time, safe_next, set_cookie,
)
from app.db.models import ConsoleAudit

AUDIT = ConsoleAudit.__table__


def build(console: Console, gate: Gate) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    me, page = gate.me, gate.page

    # --- log-in --------------------------------------------------------------------------------

    @router.get("/login")
    def login_form(request: Request, next: str = "/"):
        token = secrets.token_urlsafe(24)
        response = console.render(request, "login.html", title="登录", csrf=token, next=safe_next(next))
        set_cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
        return response

    @router.post("/login")
    async def login(request: Request):
        form = dict(await request.form())
        check_csrf(request.cookies.get(LOGIN_COOKIE), form.get("csrf"))
        username, password = str(form.get("username", "")).strip(), str(form.get("password", ""))
        target, ip = safe_next(str(form.get("next", "/"))), client_ip(request)

        def again(message: str, status: int):
            token = secrets.token_urlsafe(24)
            response = console.render(request, "login.html", status, title="登录", csrf=token, next=target,
                                      error=message, username=username)
            set_cookie(request, response, LOGIN_COOKIE, token, max_age=3600)
            return response

        wait = console.throttle.wait_minutes(username, ip)
        if wait:
            return again(f"登录失败次数过多，请 {wait} 分钟后再试", 429)
        with console.sessions.begin() as s:
            user = accounts.verify(s, username, password) if username and password else None
            if user is None:
                console.throttle.failed(username, ip)
                accounts.audit(s, scrub(username)[:40] or None, "登录失败", None, None, ip)  # a typed ID stays masked
            else:
                console.throttle.succeeded(username)
                token = accounts.open_session(s, user)
                accounts.audit(s, user.username, "登录", None, user.role_label, ip)
        if user is None:
            return again("用户名或密码不正确，或该账号已停用", 401)
        response = RedirectResponse(target, status_code=303)
        set_cookie(request, response, COOKIE, token)
        response.delete_cookie(LOGIN_COOKIE, path="/")
        return response

    @router.post("/logout")
    async def logout(request: Request):
        with console.sessions.begin() as s:
            logged = me(s, request)
            form = dict(await request.form())
            check_csrf(logged.csrf_token, form.get("csrf"))
            accounts.close_session(s, request.cookies.get(COOKIE))
        response = RedirectResponse("/login", status_code=303)
        response.delete_cookie(COOKIE, path="/")
        return response

    # --- 操作记录 ----------------------------------------------------------------------------

    @router.get("/audit")
    def audit_page(request: Request):
        with console.sessions.begin() as s:
            logged = me(s, request)
            if not logged.user.is_admin:
                raise ConsoleRefused(403, "只有县管理员可以查看操作记录", "无权查看")
            rows = s.execute(select(AUDIT).order_by(AUDIT.c.at.desc()).limit(500)).mappings().all()
        t = Table("操作记录（最近 500 条）", ["时间", "用户", "操作", "对象", "说明", "地址"])
        for r in rows:
            t.add([local_time(r["at"]), r["username"] or "", r["action"], r["target"] or "", scrub(r["detail"]),
                   r["ip"] or ""])
        return page(request, logged, "audit.html", "操作记录", [t])

    return router


    return router
