"""Fields of the household and its members that sync found in conflict (review.conflicted_fields):
a red frame and a tooltip listing every value, until someone decides in 数据 › 冲突处理."""

from __future__ import annotations

from datetime import UTC

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QWidget

from app.ui.widgets import restyle

MARK_STYLE = "background-color: #fdecea; border: 2px solid #c0392b;"
Marks = dict[tuple[str, str], dict[str, str]]  # (table, row id) -> {field: tooltip}


def _t(text: str) -> str:
    return QCoreApplication.translate("ConflictMarks", text)


def read(session, household_id: str, member_ids: list[str]) -> Marks:
    """The conflicted fields of the household row and its member rows, each with its values."""
    from app.sync import replica, review

    out: Marks = {}
    me = None
    for table, row_id in [("household", household_id)] + [("member", m) for m in member_ids]:
        names = review.conflicted_fields(session, table, row_id)
        if not names:
            continue
        me = me or replica.state(session).replica_id
        # only this row's changes are read (the whole review list would cost every editor opening)
        out[(table, row_id)] = {name: tooltip(review.candidates(session, table, row_id, name), me)
                                for name in sorted(names)}
    return out


def tooltip(candidates, me: str | None) -> str:
    lines = [_t("此字段在同步中有冲突：")]
    for c in candidates:
        who = [c.user or "", _t("本机") if c.replica == me else _t("其他设备"),
               c.when.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M") if c.when else ""]
        shown = _t("（当前显示）") if c.shown else ""
        lines.append(f"• {c.text}　{'，'.join(x for x in who if x)}{shown}")
    lines.append(_t("请在“数据 › 冲突处理”中选定正确的值。"))
    return "\n".join(lines)


def show_note(label, marks: Marks, members: list[dict]) -> None:
    """The line above the tabs naming the conflicted fields (hidden when there are none)."""
    from app.domain import fields

    names = {m["id"]: m.get("name") or "" for m in members}
    parts = []
    for (table, row_id), found in marks.items():
        owner = _t("{0}的").format(names.get(row_id, "")) if table == "member" else ""
        parts.extend(owner + fields.label(table, name) for name in found)
    label.setText(_t("此户有同步冲突：{0}（红框标出，鼠标停在字段上可看到各方的值）。请在“数据 › 冲突处理”中选定。")
                  .format("、".join(parts)) if parts else "")
    label.setVisible(bool(parts))


def apply(widgets: dict[str, QWidget], marks: dict[str, str]) -> None:
    """Mark the widgets of `marks` and unmark the others (a form's widgets, by field name)."""
    for name, widget in widgets.items():
        marked = widget.property("conflict") is True
        text = marks.get(name)
        if text:
            if not marked:
                widget.setProperty("plainToolTip", widget.toolTip())
                widget.setAttribute(Qt.WidgetAttribute.WA_StyledBackground, True)
            restyle(widget, MARK_STYLE)
            widget.setToolTip(text)
            widget.setProperty("conflict", True)
        elif marked:
            restyle(widget, "")
            widget.setToolTip(widget.property("plainToolTip") or "")
            widget.setProperty("conflict", False)


def attach(editor, tab) -> None:
    """Mark a newly built tab now and whenever it shows another member."""
    refresh(editor, tab)
    records = getattr(tab, "records", None)
    if getattr(records, "table_name", None) == "member":  # the member table's RecordEditor
        records.shown.connect(lambda entry, e=editor, r=records: _mark_record(e, r, entry))


def refresh(editor, tab) -> None:
    for form in tab.forms():
        if form.table == "household":
            apply(form.widgets, editor.conflicts.get(("household", editor.household_id), {}))
    records = getattr(tab, "records", None)
    if getattr(records, "table_name", None) == "member":  # the member table's RecordEditor
        _mark_record(editor, records, records.current())


def _mark_record(editor, records, entry) -> None:
    row_id = entry.id if entry is not None else None
    apply(records.form.widgets, editor.conflicts.get((records.table_name, row_id), {}) if row_id else {})
