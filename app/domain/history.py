"""变更历史 rows from change records: one row per changed field (who, when, which record,
old → new), a created row as one line. Shared by the desktop editor's history tab and the county
console's household page (which masks ID numbers through `text`)."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime

from app.domain import fields

OPS = {"create": "新建", "update": "修改", "delete": "删除"}
SKIP = {"household_id", "deleted"}


def change_rows(records: list[dict], refs: dict[str, str], *, object_names: Mapping[str, str],
                when: Callable[[datetime], str],
                text: Callable[[str, str, object], str] | None = None) -> list[dict]:
    """`records` as app/db/detail_queries.household_history returns them; `text(table, field, value)`
    shows a logged value (default: its label, 是/否, names for references)."""
    show = text or (lambda table, field, value: fields.value_text(table, field, value, refs))
    rows = []
    for rec in records:
        table = rec["table_name"]
        what = object_names.get(table, table) + (f"（{rec['row_name']}）" if rec.get("row_name") else "")
        base = {"change_id": rec.get("change_id"), "when": when(rec["created_at"]), "user": rec["user_name"] or "",
                "object": what, "op": OPS.get(rec["op"], rec["op"])}
        payload = rec["payload"]
        if rec["op"] == "create":
            shown = [f"{fields.label(table, f)}：{show(table, f, e.get('new'))}"
                     for f, e in payload.items() if f not in SKIP and e.get("new") not in (None, "", False)]
            rows.append({**base, "field": "", "old": "", "new": "；".join(shown)})  # whole: the views wrap it
            continue
        if rec["op"] == "delete" or set(payload) == {"deleted"}:
            restored = payload.get("deleted", {}).get("new") is False
            rows.append({**base, "op": "恢复" if restored else "删除", "field": "", "old": "", "new": ""})
            continue
        for f, e in payload.items():
            if f not in SKIP:
                rows.append({**base, "field": fields.label(table, f), "old": show(table, f, e.get("old")),
                             "new": show(table, f, e.get("new"))})
    return rows
