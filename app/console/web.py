"""The console's plumbing: templates, the logged-in user of a request, CSRF, refusals as pages."""

from __future__ import annotations

import secrets
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from urllib.parse import quote

from fastapi import Request
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from jinja2 import Environment, PackageLoader, select_autoescape
from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.console import accounts
from app.console.cache import SESSION_KEY, FiguresCache
from app.console.check_job import CheckJobs
from app.console.tables import XLSX_TYPE, Table, workbook
from app.db.engine import make_session_factory

COOKIE = "kace_console"
LOGIN_COOKIE = "kace_login"  # the log-in form's CSRF token (no session yet: double submit)
CHINA = timezone(timedelta(hours=8), "北京时间")
SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'none'; "
                               "frame-ancestors 'none'; form-action 'self'; base-uri 'none'",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
    "Referrer-Policy": "same-origin",
    "Cache-Control": "no-store",
}
MSG_CSRF = "表单已过期或缺少安全令牌（CSRF），请回到页面重新操作"
MSG_READ_ONLY = "您的账号只能查看，不能修改。需要修改请联系县管理员"


class ConsoleRefused(Exception):
    """Answered as a Chinese page with this status."""

    def __init__(self, status: int, message: str, title: str = "无法完成"):
        super().__init__(message)
        self.status = status
        self.message = message
        self.title = title


class LoginRequired(Exception):
    pass


def local_time(value: datetime | None) -> str:
    if value is None:
        return ""
    return value.replace(tzinfo=UTC).astimezone(CHINA).strftime("%Y-%m-%d %H:%M")


def number(value) -> str:
    if value is None:
        return "—"
    if isinstance(value, Decimal):
        return f"{value:,.2f}" if value != value.to_integral() or value.as_tuple().exponent < 0 else f"{value:,}"
    if isinstance(value, float):
        return f"{value:,.2f}"
    return f"{value:,}" if isinstance(value, int) else str(value)


def percent(value) -> str:
    return "—" if value is None else f"{value}%"


@dataclass
class Console:
    engine: Engine
    today_fn: Callable[[], date] = date.today
    now_fn: Callable[[], datetime] = accounts.now
    throttle: accounts.Throttle = field(default_factory=accounts.Throttle)
    stale_days: int = 30

    def __post_init__(self) -> None:
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self.cache = FiguresCache()  # figures per state of the data (app/console/cache.py)
        self.sessions.configure(info={SESSION_KEY: self.cache})
        self.env = Environment(loader=PackageLoader("app.console", "templates"),
                               autoescape=select_autoescape(["html"]), trim_blocks=True, lstrip_blocks=True)
        self.env.filters.update(local_time=local_time, number=number, percent=percent)
        self.checks = CheckJobs(self.engine, lambda: self.today_fn(), lambda: self.now_fn())  # 数据核查 runs

    def render(self, request: Request, template: str, status: int = 200, /, **values) -> HTMLResponse:
        html = self.env.get_template(template).render(request=request, **values)
        return HTMLResponse(html, status_code=status, headers=SECURITY_HEADERS)


def client_ip(request: Request) -> str:
    return request.client.host if request.client else "?"


def set_cookie(request: Request, response: Response, name: str, value: str, *, max_age: int | None = None) -> None:
    response.set_cookie(name, value, max_age=max_age, path="/", httponly=True, samesite="strict",
                        secure=request.url.scheme == "https")


def login_redirect(request: Request) -> RedirectResponse:
    target = request.url.path + (f"?{request.url.query}" if request.url.query else "")
    return RedirectResponse(f"/login?next={quote(target)}", status_code=303)


def check_csrf(expected: str | None, given: object) -> None:
    if not expected or not isinstance(given, str) or not secrets.compare_digest(expected, given):
        raise ConsoleRefused(403, MSG_CSRF, "安全检查未通过")


def safe_next(target: str | None) -> str:
    """Only a path of this site (no scheme, no //host): no open redirect after log-in."""
    if not target or not target.startswith("/") or target.startswith("//") or "\\" in target:
        return "/"
    return target


def xlsx_response(tables: list[Table], heading: str, filename: str) -> Response:
    return xlsx_download(workbook(tables, heading), filename)


def xlsx_download(data: bytes, filename: str) -> Response:
    return Response(data, media_type=XLSX_TYPE, headers={
        "Content-Disposition": f"attachment; filename*=UTF-8''{quote(filename)}.xlsx",
        "Cache-Control": "no-store"})


def year(value) -> str:
    """A year as written (2026, not 2,026)."""
    return "" if value is None else str(value)
