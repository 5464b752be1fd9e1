"""The console's pages (server-rendered, Simplified Chinese): 登录, 全县概况, 乡镇, 村, 户, 设备,
待处理, 数据核查, 操作记录. Every page reads the county database in one transaction; every change is
a POST with the session's CSRF token, made by a 县管理员 only, and recorded in console_audit."""

from __future__ import annotations

import json
import re
import secrets
from collections import Counter
from urllib.parse import quote

import segno
from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse, Response
from markupsafe import Markup
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.console import accounts, figures
from app.console.charts import bar_chart
from app.console.check_routes import build_check_router
from app.console.tables import Table
from app.console.web import (
    COOKIE, LOGIN_COOKIE, MSG_READ_ONLY, Console, ConsoleRefused, LoginRequired, check_csrf, client_ip,
    local_time, safe_next, set_cookie, xlsx_download, xlsx_response,
)
from app.db import ui_queries
from app.db.models import Change, ConsoleAudit, Household, Region
from app.domain import codes, fields
from app.domain.history import change_rows
from app.domain.incidence import DEFAULT_THRESHOLD, WESTERN_THRESHOLD
from app.domain.privacy import mask_id, mask_phone
from app.ops.undo import OBJECT_NAMES

H, R, CH, AUDIT = Household.__table__, Region.__table__, Change.__table__, ConsoleAudit.__table__
ID_FIELDS = {"id_number", "head_id_number", "id_number_reversed"}
PHONE_FIELDS = {"phone", "first_secretary_phone", "bank_account"}
ID_LIKE = re.compile(r"(?<![0-9])[0-9]{14,17}[0-9Xx](?![0-9])")
STATUS_COLUMNS = figures.STATUS_LABELS


def year(value) -> str:
    """A year as written (2026, not 2,026)."""
    return "" if value is None else str(value)


def scrub(text: object) -> str:
    """Any ID-number-like run of digits in a free text, masked (lists never show a whole ID)."""
    return ID_LIKE.sub(lambda m: mask_id(m.group(0)), str(text or ""))


def build_router(console: Console) -> APIRouter:
    router = APIRouter(include_in_schema=False)

    # --- who is asking -------------------------------------------------------------------------

    def me(s: Session, request: Request) -> accounts.LoggedIn:
        logged = accounts.resume(s, request.cookies.get(COOKIE))
        if logged is None:
            raise LoginRequired()
        request.state.console_user = logged
        return logged

    def scope(user: accounts.ConsoleUserInfo) -> tuple[str, ...] | None:
        return None if user.county_wide else user.townships

    def allow_township(user: accounts.ConsoleUserInfo, township_code: str | None) -> None:
        if not user.county_wide and township_code not in user.townships:
            raise ConsoleRefused(403, "您的账号只能查看本乡镇的数据", "无权查看")

    def find_place(s: Session, logged: accounts.LoggedIn, level: str, code: str) -> figures.Place:
        """The township or village of a page, which the user may see; else a refusal page."""
        place = figures.township_of(s, level, code)
        if place is None:
            raise ConsoleRefused(404, f"县数据库中没有这个{'乡镇' if level == 'township' else '村'}：{code[:20]}",
                                 "找不到")
        allow_township(logged.user, place.township_code)
        return place

    async def change(s: Session, request: Request) -> tuple[accounts.LoggedIn, dict]:
        """A POST that changes something: a session, its CSRF token, a 县管理员."""
        logged = me(s, request)
        form = dict(await request.form())
        check_csrf(logged.csrf_token, form.get("csrf"))
        if not logged.user.is_admin:
            raise ConsoleRefused(403, MSG_READ_ONLY, "无权修改")
        return logged, form

    def page(request: Request, logged: accounts.LoggedIn, template: str, title: str, tables: list[Table],
             **values):
        if request.query_params.get("format") == "xlsx":
            return xlsx_response(tables, title, title)
        return console.render(request, template, me=logged.user, csrf=logged.csrf_token, title=title,
                              tables=tables, **values)

    def audit(s: Session, request: Request, logged: accounts.LoggedIn, action: str, target: str,
              detail: str | None = None) -> None:
        accounts.audit(s, logged.user.username, action, target, detail, client_ip(request))

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

    # --- 全县概况, 乡镇, 村 ------------------------------------------------------------------------

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

    @router.get("/")
    def overview(request: Request):
        with console.sessions.begin() as s:
            logged = me(s, request)
            rows = figures.village_figures(s, scope(logged.user), console.today_fn())
            towns = figures.by_township(rows)
            total = figures.totals(rows, "合计")
            over = [f for f in rows if f.over]
            t_over = figures_table("贫困发生率高于退出标准的村", over, "村", "/village/{code}", None)
            tables = [figures_table("各乡镇", towns, "乡镇", "/township/{code}", total), t_over,
                      monitoring_table(s, [f.village_id for f in rows])]
            income = income_table(s, [f.village_id for f in rows])
        charts = area_charts(towns, "各乡镇", income)
        tables.append(income)
        heading = "全县概况" if logged.user.county_wide else "本乡镇概况"
        return page(request, logged, "area.html", heading, tables, total=total, charts=charts,
                    month=console.today_fn().strftime("%Y年%m月"))

    @router.get("/township/{code}")
    def township(request: Request, code: str):
        with console.sessions.begin() as s:
            logged = me(s, request)
            place = find_place(s, logged, "township", code)
            rows = figures.village_figures(s, (place.code,), console.today_fn())
            total = figures.totals(rows, "合计")
            tables = [figures_table(f"{place.name}各村", rows, "村", "/village/{code}", total),
                      monitoring_table(s, [f.village_id for f in rows])]
            income = income_table(s, [f.village_id for f in rows])
        charts = area_charts(rows, "各村", income)
        tables.append(income)
        return page(request, logged, "area.html", place.name, tables, total=total, charts=charts, place=place,
                    month=console.today_fn().strftime("%Y年%m月"))

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

    @router.get("/village/{code}")
    def village(request: Request, code: str):
        today = console.today_fn()
        with console.sessions.begin() as s:
            logged = me(s, request)
            place = find_place(s, logged, "village", code)
            st = figures.village_stats(s, place.id, today)
            f = figures.village_figures(s, None, today, village_code=code)[0]
            helpers = figures.visits_by_helper(s, place.id, today)
            income = income_table(s, [place.id])
            households = figures.household_list(s, place.id)
            monitoring = monitoring_table(s, [place.id])
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

    # --- 户 ----------------------------------------------------------------------------------

    @router.get("/household/{household_id}")
    def household(request: Request, household_id: str):
        with console.sessions.begin() as s:
            logged = me(s, request)
            h = s.execute(select(H).where(H.c.id == household_id[:36])).mappings().first()
            if h is None:
                raise ConsoleRefused(404, "县数据库中没有这一户", "找不到")
            place = figures.township_of(s, "village", h["village_id"], by="id")
            allow_township(logged.user, place.township_code if place else None)
            show = request.query_params.get("show_ids") == "1"
            if show and not logged.user.may_see_ids:
                raise ConsoleRefused(403, "您的账号不能查看完整身份证号", "无权查看")
            if show:
                audit(s, request, logged, "查看身份证号", f"户 {h['code']}", place.name if place else None)
            detail = ui_queries.household_detail(s, h["id"], parts=["members", "incomes", "measures", "assignments"])
            visits = ui_queries.household_visits(s, h["id"])
            history = ui_queries.household_history(s, h["id"])
            replicas = dict(s.execute(select(CH.c.change_id, CH.c.replica_id).where(
                CH.c.change_id.in_([r["change_id"] for r in history]))).all()) if history else {}
            devices = dict(s.execute(select(figures.DEVICE.c.replica_id, figures.DEVICE.c.name)
                                     .where(figures.DEVICE.c.replica_id.is_not(None))).all())
            referenced = {e.get(k) for r in history for f, e in r["payload"].items()
                          if f.endswith("_id") for k in ("new", "old")} - {None}
            refs = ui_queries.helper_names(s, referenced)
            refs.update(s.execute(select(R.c.id, R.c.name).where(R.c.id.in_(list(referenced)))).all())
        idf = (lambda v: v or "") if show else (lambda v: mask_id(v) if v else "")
        phone = (lambda v: v or "") if show else (lambda v: mask_phone(v) if v else "")
        facts = Table("基本情况", ["项目", "内容"])
        for label, value in (("户编号", h["code"]), ("所在村", f"{place.township_name} {place.name}" if place else ""),
                             ("户主", h["head_name"]), ("户主身份证号", idf(h["head_id_number"])),
                             ("家庭人口", h["size"]), ("联系电话", phone(h["phone"])),
                             ("户状态", figures.status_label(h["status"])),
                             ("贫困户属性", figures.code_label(codes.CATEGORY, h["category"])),
                             ("主要致贫原因", figures.code_label(codes.CAUSE, h["main_cause"])),
                             ("识别年度", year(h["identified_year"])), ("脱贫年度", year(h["exit_year"])),
                             ("监测对象类型", figures.code_label(codes.MONITORING_TYPE, h["monitoring_type"])),
                             ("风险状态", figures.code_label(codes.RISK_STATUS, h["risk_status"]))):
            facts.add([label, value])
        members = Table("家庭成员", ["姓名", "与户主关系", "性别", "身份证号", "出生日期", "健康状况", "劳动技能",
                                     "人口状态"])
        for m in detail["members"]:
            members.add([m["name"], figures.code_label(codes.RELATION, m["relation"]), m["sex"] or "",
                         idf(m["id_number"]), m["birth_date"],
                         fields.value_text("member", "health", m["health"]),
                         figures.code_label(codes.LABOUR, m["labour"]),
                         figures.code_label(codes.MEMBER_STATUS, m["status"])])
        incomes = Table("收入", ["年度", "工资性收入", "生产经营性收入", "财产性收入", "转移性收入", "生产经营支出",
                                 "家庭纯收入", "计算人口", "人均纯收入"], numeric=set(range(0, 9)))
        for i in detail["incomes"]:
            incomes.add([year(i["year"]), i["wages"], i["business"], i["property"], i["transfers"], i["business_costs"],
                         i["net_income"], i["household_size"], i["per_capita"]])
        measures = Table("帮扶措施", ["年度", "类型", "内容", "金额(元)", "资金来源", "状态"], numeric={0, 3})
        for m in detail["measures"]:
            measures.add([year(m["year"]), figures.code_label(codes.MEASURE_TYPE, m["type"]), m["content"] or "",
                          m["amount"], figures.code_label(codes.FUND_SOURCE, m["source"]),
                          figures.code_label(codes.MEASURE_STATUS, m["status"])])
        helpers = Table("帮扶责任人", ["姓名", "单位", "职务", "开始", "结束"])
        for a in detail["assignments"]:
            helpers.add([a["name"], a["unit"] or "", a["post"] or "", a["start_date"], a["end_date"] or "至今"])
        visit_table = Table("走访记录", ["日期", "帮扶责任人", "方式", "见到", "发现的问题", "下一步"])
        for v in visits:
            visit_table.add([v["visit_date"], v["helper_name"] or v["visitors"] or "",
                             figures.code_label(codes.VISIT_KIND, v["kind"]), v["met_person"] or "",
                             scrub(v["problems"]), scrub(v["next_steps"])])
        changes = Table("变更历史", ["时间", "用户", "设备", "记录", "操作", "字段", "原值", "新值"], css="history")
        for row in history_rows(history, refs, show):
            replica = replicas.get(row["change_id"])
            changes.add([row["when"], row["user"], devices.get(replica, "（未登记的设备）"), row["object"],
                         row["op"], row["field"], row["old"], row["new"]])
        tables = [facts, members, incomes, measures, helpers, visit_table, changes]
        return page(request, logged, "household.html", f"户 {h['code']}", tables, household=h, place=place,
                    showing_ids=show)

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
        from app.sync.server import service

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
        from app.sync.server import service

        with console.sessions.begin() as s:
            logged, _form = await change(s, request)
            row = device_row(s, device_id)
            villages = json.loads(row["villages"])
            token = service.enrol(s, row["name"], villages)
            audit(s, request, logged, "重新登记设备", row["name"], "旧密钥作废")
            unknown = figures.device_villages_known(s, villages)
        return enrolled(request, logged, row["name"], villages, token, unknown)

    # --- 待处理 ------------------------------------------------------------------------------

    @router.get("/pending")
    def pending(request: Request):
        with console.sessions.begin() as s:
            logged = me(s, request)
            items = figures.review_items(s)
            reasons = dict(s.execute(select(figures.PARKED.c.id, figures.PARKED.c.reason)
                                     .where(figures.PARKED.c.dismissed.is_(False))).all())
            visible = None
            if not logged.user.county_wide:
                visible = {r.id for r in s.execute(select(H.c.id).join(R, R.c.id == H.c.village_id).where(
                    R.c.code.in_(figures.village_codes_in(s, logged.user.townships))))}
        t = Table("待处理", ["户编号", "户主", "类型", "说明", "记录", "字段"])
        for it in items:
            if visible is not None and it.household_id not in visible:
                continue
            actions = []
            if it.kind == "parked":
                parked_id = it.id.split(":", 1)[1]
                if reasons.get(parked_id) == "out_of_scope":
                    actions.append((f"/pending/{parked_id}/accept", "接受（应用到县数据库）"))
                actions.append((f"/pending/{parked_id}/dismiss", "驳回（不应用）"))
            t.add([it.household_code or "", it.head_name or "", it.title, scrub(it.detail),
                   OBJECT_NAMES.get(it.table, it.table), fields.label(it.table, it.field) if it.field else ""],
                  f"/household/{it.household_id}" if it.household_id else None, actions=actions)
        counts = Counter(row[2] for row in t.rows)
        return page(request, logged, "pending.html", "待处理", [t], counts=sorted(counts.items()))

    def open_parked(s: Session, parked_id: str):
        """A parked change not yet dealt with; else a refusal page."""
        P = figures.PARKED
        row = s.execute(select(P).where(P.c.id == parked_id[:36], P.c.dismissed.is_(False))).mappings().first()
        if row is None:
            raise ConsoleRefused(404, "没有这条待处理的变更（可能已被处理）", "找不到")
        return row

    @router.post("/pending/{parked_id}/accept")
    async def accept(request: Request, parked_id: str):
        """Apply a change parked because its laptop was not enrolled for the village: the county
        takes it as its own decision. It is stored and merged exactly as a push would (one more
        change in the server's log, in its village), so the laptops of that village receive it at
        their next sync."""
        from sqlalchemy import update

        from app.sync import merge
        from app.sync.scope import VillageResolver
        from app.sync.server import service

        with console.sessions.begin() as s:
            logged, _form = await change(s, request)
            row = open_parked(s, parked_id)
            if row["reason"] != "out_of_scope":
                raise ConsoleRefused(400, "只有“不属于该设备的村”的变更可以接受；内容无效或序号重复的变更只能驳回",
                                     "不能接受")
            # The parked copy stays (as received) but no longer names the change: ingest would take
            # it for a change already received. A refusal below rolls all of this back.
            s.execute(update(figures.PARKED).where(figures.PARKED.c.id == row["id"])
                      .values(dismissed=True, change_id=None))
            s.execute(select(service.COUNTER.c.value).where(service.COUNTER.c.name == "server_seq").with_for_update())
            report = merge.ingest(s, [json.loads(row["record"])], positions=service._positions(s), acked=True,
                                  scope=VillageResolver(s, None), device_name=row["device_name"])
            if report.parked:
                raise ConsoleRefused(400, "这条变更仍无法应用：" + scrub("；".join(report.parked_reasons)), "不能接受")
            audit(s, request, logged, "接受未应用的变更", f"{row['device_name'] or ''} {row['change_id'] or ''}".strip(),
                  "已应用到县数据库" if report.stored else "县数据库已有这条变更")
        return RedirectResponse("/pending", status_code=303)

    @router.post("/pending/{parked_id}/dismiss")
    async def dismiss(request: Request, parked_id: str):
        """Reject a parked change: it stays stored (the record as received) but leaves the list."""
        from sqlalchemy import update

        with console.sessions.begin() as s:
            logged, _form = await change(s, request)
            row = open_parked(s, parked_id)
            s.execute(update(figures.PARKED).where(figures.PARKED.c.id == row["id"]).values(dismissed=True))
            audit(s, request, logged, "驳回未应用的变更", f"{row['device_name'] or ''} {row['change_id'] or ''}".strip(),
                  scrub(row["detail"]))
        return RedirectResponse("/pending", status_code=303)

    # --- 数据核查 (app/console/check_routes.py) -------------------------------------------------

    router.include_router(build_check_router(console, me=me, scope=scope, page=page, scrub=scrub, id_fields=ID_FIELDS))

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


def history_rows(records: list[dict], refs: dict[str, str], show_ids: bool) -> list[dict]:
    """The change history with ID numbers and phones masked unless the page shows them."""
    def text(table: str, field: str, value) -> str:
        shown = fields.value_text(table, field, value, refs)
        if not show_ids and shown and field in ID_FIELDS:
            return mask_id(shown)
        if not show_ids and shown and field in PHONE_FIELDS:
            return mask_phone(shown)
        return shown if show_ids else scrub(shown)

    return change_rows(records, refs, object_names=OBJECT_NAMES, when=local_time, text=text)
