"""The console's 待处理 page: parked changes and conflicts; a 县管理员 accepts or rejects a
parked change and resolves a field conflict, each an op that writes into the server's change log."""

from __future__ import annotations

import json
from collections import Counter
from urllib.parse import quote

from fastapi import APIRouter, Request
from fastapi.responses import RedirectResponse
from sqlalchemy import select
from sqlalchemy.orm import Session

from app.console import figures
from app.console.access import Gate
from app.console.masking import masked_value, scrub
from app.console.tables import Table
from app.console.web import Console, ConsoleRefused, local_time
from app.db.models import SYNCED_TABLES, Household, Region
from app.domain import fields
from app.db import review
from app.ops.undo import OBJECT_NAMES

H, R = Household.__table__, Region.__table__


def build(console: Console, gate: Gate) -> APIRouter:
    router = APIRouter(include_in_schema=False)
    me, change, page, audit = gate.me, gate.change, gate.page, gate.audit

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
            actions, detail = [], scrub(it.detail)
            if it.kind == "field":
                detail += "：" + " / ".join(masked_value(it.field, c.text) for c in it.candidates)
                item = quote(it.id, safe="")
                actions += [(f"/pending/resolve?item={item}&choose={c.change_id}",
                             f"选用：{masked_value(it.field, c.text)}") for c in it.candidates]
                actions.append((f"/pending/conflict?item={item}", "改为其他值…", "get"))
            if it.kind == "parked":
                parked_id = it.id.split(":", 1)[1]
                if reasons.get(parked_id) == "out_of_scope":
                    actions.append((f"/pending/{parked_id}/accept", "接受（应用到县数据库）"))
                actions.append((f"/pending/{parked_id}/dismiss", "驳回（不应用）"))
            t.add([it.household_code or "", it.head_name or "", it.title, detail,
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

        from app.sync import county_service as service

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
            report = service.ingest_at_county(s, [json.loads(row["record"])], row["device_name"])
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

    # --- 字段冲突 ----------------------------------------------------------------------------

    def open_conflict(s: Session, item_id: str, logged) -> tuple[review.ReviewItem, figures.Place | None]:
        """A field conflict still open on the county database (`field:table:row:field`), which the
        user may see, and its household's place; else a refusal page."""
        kind, _, rest = item_id.partition(":")
        table, _, rest = rest.partition(":")
        row_id, _, field = rest.partition(":")
        FH = review.FH
        if kind != "field" or not s.execute(select(FH.c.row_id).where(
                FH.c.table_name == table, FH.c.row_id == row_id[:36], FH.c.field == field[:60],
                FH.c.conflict.is_(True))).first():
            raise ConsoleRefused(404, "没有这个字段冲突（可能已经处理过，或已在笔记本上处理并同步到县里）", "找不到")
        it = review.ReviewItem(item_id, "field", table, row_id, field, review.KIND_TITLES["field"], "",
                               candidates=review.candidates(s, table, row_id, field))
        rows = SYNCED_TABLES[table]
        it.household_id = row_id if table == "household" else (
            s.execute(select(rows.c.household_id).where(rows.c.id == row_id)).scalar()
            if "household_id" in rows.c else None)
        home = s.execute(select(H.c.code, H.c.head_name, H.c.village_id).where(H.c.id == it.household_id)).first()
        place = None
        if home is not None:
            it.household_code, it.head_name = home.code, home.head_name
            place = figures.township_of(s, "village", home.village_id, by="id")
        gate.allow_township(logged.user, place.township_code if place else None)
        return it, place

    @router.get("/pending/conflict")
    def conflict(request: Request):
        from app.sync import county_service as service

        with console.sessions.begin() as s:
            logged = me(s, request)
            it, place = open_conflict(s, request.query_params.get("item", ""), logged)
            devices = service.device_names(s)
        label = fields.label(it.table, it.field)
        t = Table(f"{label}的各个值", ["值", "修改人", "设备", "修改时间", "当前显示"])
        item = quote(it.id, safe="")
        for c in it.candidates:
            t.add([masked_value(it.field, c.text), c.user or "", devices.get(c.replica, "（未登记的设备）"),
                   local_time(c.when), "★" if c.shown else ""],
                  actions=[(f"/pending/resolve?item={item}&choose={c.change_id}", "选用这个值")])
        return page(request, logged, "conflict.html", "处理字段冲突", [t], item=it, place=place, label=label,
                    record=OBJECT_NAMES.get(it.table, it.table))

    @router.post("/pending/resolve")
    async def resolve(request: Request):
        """Close a field conflict: the chosen candidate's value, or a value typed in, written by
        the county as a change whose parents are all the field's values (service.author)."""
        from app.domain.errors import DomainError
        from app.ops.validation import clean
        from app.sync import county_service as service

        with console.sessions.begin() as s:
            logged, form = await change(s, request)
            it, _place = open_conflict(s, str(form.get("item") or request.query_params.get("item", "")), logged)
            label = fields.label(it.table, it.field)
            choose = str(form.get("choose") or request.query_params.get("choose") or "")
            if choose:
                match = [c for c in it.candidates if c.change_id == choose]
                if not match:
                    raise ConsoleRefused(400, "所选的值已不是该字段的当前值之一，请回到待处理重新选择", "无法处理")
                value, how = match[0].value, "选用“" + masked_value(it.field, match[0].text) + "”"
            else:
                text = str(form.get("value", "")).strip()
                value = None if text in ("", "（空）") else text
                how = "改为“" + masked_value(it.field, text or "（空）") + "”"
            try:
                values = clean(it.table, {it.field: value}, console.today_fn())
            except DomainError as e:
                raise ConsoleRefused(400, f"{label}：{e.message}", "无法处理") from None
            try:
                service.author(s, it.table, it.row_id, values)
            except service.SyncRefused as e:
                raise ConsoleRefused(400, f"{label}：{scrub(e.message)}", "无法处理") from None
            audit(s, request, logged, "处理字段冲突", f"户 {it.household_code or ''} {label}".strip(), how)
        return RedirectResponse("/pending", status_code=303)

    return router
