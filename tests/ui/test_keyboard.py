"""The keyboard alone: each flow is driven with key presses (CJK text through setText and the
editing signal, architecture.md), asserting where the focus goes and that Enter never saves an
incomplete record."""

from __future__ import annotations

from PySide6.QtCore import Qt
from PySide6.QtWidgets import QApplication
from sqlalchemy import select

from app.db.models import Visit
from tests.ui.conftest import type_text

V = Visit.__table__
ENTER = Qt.Key.Key_Return


def focused():
    return QApplication.focusWidget()


def visit_count(ctx) -> int:
    with ctx.read() as s:
        return len(s.execute(select(V.c.id).where(V.c.deleted.is_(False))).all())


def show_active(qtbot, widget) -> None:
    widget.show()
    widget.activateWindow()
    qtbot.waitUntil(lambda: QApplication.activeWindow() is widget, timeout=3000)


def test_enter_in_the_visit_entry_never_saves_an_empty_visit(demo, window, ctx, qtbot):
    window.list.table.setFocus()
    window.list.table.selectRow(0)
    window.settle()
    before = visit_count(ctx)
    dialog = window.new_visit()  # Ctrl+T
    show_active(qtbot, dialog)
    date_field = dialog.form.widgets["visit_date"]
    qtbot.waitUntil(lambda: focused() is date_field or focused() is date_field.lineEdit(), timeout=3000)
    assert "请填写走访内容" in dialog.reason.text()
    assert not dialog.save_button.isEnabled()
    # Enter in the date goes to the next field, it does not press 保存
    qtbot.keyClick(focused(), ENTER)
    window.settle()
    assert dialog.isVisible() and visit_count(ctx) == before
    assert focused() is not date_field and dialog.isAncestorOf(focused())
    # Down (a year back when the cursor is on the year), Enter: still nothing saved
    date_field.setFocus()
    qtbot.keyClick(date_field, Qt.Key.Key_Down)
    qtbot.keyClick(date_field, ENTER)
    qtbot.keyClick(focused(), ENTER)
    window.settle()
    assert dialog.isVisible() and visit_count(ctx) == before
    # with content, Enter in a one-line field saves (the default button)
    problems = dialog.form.widgets["problems"]
    problems.setFocus()
    problems.setPlainText("申请技能培训")
    assert dialog.save_button.isEnabled() and dialog.reason.text() == ""
    visitors = dialog.form.widgets["visitors"]
    visitors.setFocus()
    qtbot.keyClick(visitors, ENTER)
    window.settle()
    assert visit_count(ctx) == before + 1
