"""Who is asking a console page and what they may do: the logged-in user of a request, the
townships they may see, the POST guard of every change (session, CSRF token, 县管理员), the page
answer (HTML or the same tables as xlsx) and the audit line of a change."""

from __future__ import annotations

from dataclasses import dataclass

from fastapi import Request
from sqlalchemy.orm import Session

from app.console import accounts, figures
from app.console.tables import Table
from app.console.web import (
    COOKIE, MSG_READ_ONLY, Console, ConsoleRefused, LoginRequired, check_csrf, client_ip, xlsx_response,
)


@dataclass
class Gate:
    console: Console

    def me(self, s: Session, request: Request) -> accounts.LoggedIn:
        logged = accounts.resume(s, request.cookies.get(COOKIE))
        if logged is None:
            raise LoginRequired()
        request.state.console_user = logged
        return logged

    @staticmethod
    def scope(user: accounts.ConsoleUserInfo) -> tuple[str, ...] | None:
        return None if user.county_wide else user.townships

    @staticmethod
    def allow_township(user: accounts.ConsoleUserInfo, township_code: str | None) -> None:
        if not user.county_wide and township_code not in user.townships:
            raise ConsoleRefused(403, "您的账号只能查看本乡镇的数据", "无权查看")

    def find_place(self, s: Session, logged: accounts.LoggedIn, level: str, code: str) -> figures.Place:
        """The township or village of a page, which the user may see; else a refusal page."""
        place = figures.township_of(s, level, code)
        if place is None:
            raise ConsoleRefused(404, f"县数据库中没有这个{'乡镇' if level == 'township' else '村'}：{code[:20]}",
                                 "找不到")
        self.allow_township(logged.user, place.township_code)
        return place

    async def change(self, s: Session, request: Request) -> tuple[accounts.LoggedIn, dict]:
        """A POST that changes something: a session, its CSRF token, a 县管理员."""
        logged = self.me(s, request)
        form = dict(await request.form())
        check_csrf(logged.csrf_token, form.get("csrf"))
        if not logged.user.is_admin:
            raise ConsoleRefused(403, MSG_READ_ONLY, "无权修改")
        return logged, form

    def page(self, request: Request, logged: accounts.LoggedIn, template: str, title: str, tables: list[Table],
             **values):
        if request.query_params.get("format") == "xlsx":
            return xlsx_response(tables, title, title)
        return self.console.render(request, template, me=logged.user, csrf=logged.csrf_token, title=title,
                                   tables=tables, **values)

    @staticmethod
    def audit(s: Session, request: Request, logged: accounts.LoggedIn, action: str, target: str,
              detail: str | None = None) -> None:
        accounts.audit(s, logged.user.username, action, target, detail, client_ip(request))
