"""The console's 户 page: a read-only household with its change history (who, which laptop, when)."""

from __future__ import annotations


from fastapi import APIRouter, Request
from sqlalchemy import select

from app.console import figures
from app.console.access import Gate
from app.console.masking import masked_value, scrub
from app.console.tables import Table
from app.console.web import Console, ConsoleRefused, local_time, year
from app.db import detail_queries
from app.db.models import Change, Household, Region
from app.domain import codes, fields
from app.domain.history import change_rows
from app.domain.privacy import mask_id, mask_phone
from app.ops.undo import OBJECT_NAMES
from app.sync import county_service as service

H, R, CH = Household.__table__, Region.__table__, Change.__table__


def build(console: Console, gate: Gate) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    me, page, audit, allow_township = gate.me, gate.page, gate.audit, gate.allow_township

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
            detail = detail_queries.household_detail(s, h["id"], parts=["members", "incomes", "measures", "assignments"])
            visits = detail_queries.household_visits(s, h["id"])
            history = detail_queries.household_history(s, h["id"])
            replicas = dict(s.execute(select(CH.c.change_id, CH.c.replica_id).where(
                CH.c.change_id.in_([r["change_id"] for r in history]))).all()) if history else {}
            devices = service.device_names(s)  # the server's own replica: changes made in the console
            referenced = {e.get(k) for r in history for f, e in r["payload"].items()
                          if f.endswith("_id") for k in ("new", "old")} - {None}
            refs = detail_queries.helper_names(s, referenced)
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

    return router
def history_rows(records: list[dict], refs: dict[str, str], show_ids: bool) -> list[dict]:
    """The change history with ID numbers and phones masked unless the page shows them."""
    def text(table: str, field: str, value) -> str:
        shown = fields.value_text(table, field, value, refs)
        return shown if show_ids else masked_value(field, shown)

    return change_rows(records, refs, object_names=OBJECT_NAMES, when=local_time, text=text)
