"""Fields of the household and of every record hanging off it (members, yearly conditions and
income, plans, measures, loans, visits...) that sync found in conflict: a red frame and a tooltip
listing every value, until someone decides in 数据 › 冲突处理."""

from __future__ import annotations

from datetime import UTC

from PySide6.QtCore import QCoreApplication, Qt
from PySide6.QtWidgets import QWidget

from app.ops import reads
from app.ui.editor.records import RecordEditor
from app.ui.editor.yearly import YearlyRecords
from app.ui.field_widgets import restyle

MARK_STYLE = "background-color: #fdecea; border: 2px solid #c0392b;"
Marks = dict[tuple[str, str], dict[str, str]]  # (table, row id) -> {field: tooltip}


def _t(text: str) -> str:
    return QCoreApplication.translate("ConflictMarks", text)


def read(ops, household_id: str) -> Marks:
    """The conflicted fields of the household row and its records, each with its values."""
    found, me = reads.household_conflicts(ops, household_id)
    return {key: {name: tooltip(candidates, me) for name, candidates in by_field.items()}
            for key, by_field in found.items()}


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
    from app.exchange.findings import TABLE_NAMES

    names = {m["id"]: m.get("name") or "" for m in members}
    parts = []
    for (table, row_id), found in marks.items():
        if table == "member":
            owner = _t("{0}的").format(names.get(row_id, ""))
        elif table != "household":
            owner = TABLE_NAMES.get(table, table) + "·"
        else:
            owner = ""
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
    """Mark a newly built tab now and whenever it shows another record or year."""
    refresh(editor, tab)
    for records in tab.findChildren(RecordEditor):
        records.shown.connect(lambda entry, e=editor, r=records: _mark_record(e, r, entry))
    for yearly in tab.findChildren(YearlyRecords):
        yearly.year_changed.connect(lambda _year, e=editor, y=yearly: _mark_year(e, y))


def refresh(editor, tab) -> None:
    for form in tab.forms():
        if form.table == "household":
            apply(form.widgets, editor.conflicts.get(("household", editor.household_id), {}))
    for records in tab.findChildren(RecordEditor):
        _mark_record(editor, records, records.current())
    for yearly in tab.findChildren(YearlyRecords):
        _mark_year(editor, yearly)


def _mark_record(editor, records, entry) -> None:
    row_id = entry.id if entry is not None else None
    apply(records.form.widgets, editor.conflicts.get((records.table_name, row_id), {}) if row_id else {})


def _mark_year(editor, yearly) -> None:
    """A per-year form (conditions, income, plan) shows the row of the chosen year, if stored."""
    row = yearly.rows.get(yearly.year) if yearly.year is not None else None
    row_id = row.get("id") if row else None
    apply(yearly.form.widgets, editor.conflicts.get((yearly.form.table, row_id), {}) if row_id else {})
