"""The keyboard alone: each flow is driven with key presses (CJK text through setText and the
editing signal, architecture.md), asserting where the focus goes and that Enter never saves an
incomplete record."""

from __future__ import annotations

from PySide6.QtCore import QPoint, Qt
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


def tab_walk(qtbot, start, presses: int):
    """The widgets Tab visits from `start`, in order."""
    out, w = [], start
    for _ in range(presses):
        qtbot.keyClick(w, Qt.Key.Key_Tab)
        w = focused()
        out.append(w)
    return out


def editor_for(qtbot, window, household_id):
    editor = window.open_household(household_id)
    show_active(qtbot, editor)
    return editor


def rows_of(ctx, table, household_id):
    from app.db.models import SYNCED_TABLES

    t = SYNCED_TABLES[table]
    with ctx.read() as s:
        return s.execute(select(t).where(t.c.household_id == household_id)).mappings().all()


def test_editor_opens_on_the_first_field_and_tab_runs_through_the_form_then_the_buttons(zsf, window, qtbot):
    from PySide6.QtWidgets import QScrollArea, QTabBar

    editor = editor_for(qtbot, window, zsf["id"])
    basic = editor.tab("basic")
    assert focused() is basic.first_field() and focused().objectName() == "group_id"
    visited = tab_walk(qtbot, focused(), 60)
    buttons = [b for b in (getattr(editor, "print_button", None), editor.save_button, editor.close_button)
               if b is not None]
    first_button = next(i for i, w in enumerate(visited) if w in buttons)
    fields = visited[:first_button]
    # the form's fields in the order they are laid out, every one inside the basic tab
    assert all(basic.isAncestorOf(w) for w in fields)
    names = [w.objectName() for w in fields]
    # in reading order: down the form, left to right within a row
    tops = [w.mapTo(basic, QPoint(0, 0)).y() for w in fields]
    assert all(b >= a - 4 for a, b in zip(tops, tops[1:])), list(zip(names, tops))
    assert names.index("phone") == 0 and "note" in names
    assert not any(isinstance(w, (QTabBar, QScrollArea)) for w in visited)
    # after the fields: the buttons at the bottom (打印, then 关闭; 保存 is disabled while clean)
    tail = visited[first_button:first_button + 2]
    assert tail == [b for b in buttons if b.isEnabled()][:2]


def test_alt_n_switches_the_tab_and_puts_the_keyboard_on_its_first_field(zsf, window, qtbot):
    editor = editor_for(qtbot, window, zsf["id"])
    qtbot.keyClick(focused(), Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    assert editor.tabs.currentWidget().isAncestorOf(focused())
    assert focused().objectName() == "wages"  # 工资性收入, not the year chooser
    assert tab_walk(qtbot, focused(), 1)[0].objectName() == "business"  # one press to the next item
    qtbot.keyClick(focused(), Qt.Key.Key_2, Qt.KeyboardModifier.AltModifier)
    assert focused().objectName() == "name" and editor.tab("members").isAncestorOf(focused())


def test_income_entry_with_keys_only_enter_does_not_save_ctrl_s_does(zsf, window, ctx, qtbot):
    editor = editor_for(qtbot, window, zsf["id"])
    qtbot.keyClick(focused(), Qt.Key.Key_4, Qt.KeyboardModifier.AltModifier)
    wages = focused()
    qtbot.keyClicks(wages, "36000")
    qtbot.keyClick(wages, ENTER)
    window.settle()
    income = editor.tab("income")
    assert income.form.value("wages") is not None and editor.dirty()
    assert rows_of(ctx, "income", zsf["id"]) == [] or all(
        r["wages"] != 36000 for r in rows_of(ctx, "income", zsf["id"]))  # Enter saved nothing
    qtbot.keyClick(focused(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    window.settle()
    assert any(r["wages"] == 36000 for r in rows_of(ctx, "income", zsf["id"]))
    assert not editor.dirty()


def test_add_member_with_keys_only_an_incomplete_member_is_never_saved(zsf, window, ctx, qtbot):
    window.list.select_household(zsf["id"])
    window.settle()
    editor = window.add_member()  # Ctrl+M
    show_active(qtbot, editor)
    editor.members_tab().records.form.widgets["name"].setFocus()
    name = focused()
    assert name.objectName() == "name" and editor.tab("members").isAncestorOf(name)
    before = len(rows_of(ctx, "member", zsf["id"]))
    qtbot.keyClick(name, ENTER)
    qtbot.keyClick(focused(), Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    window.settle()
    assert len(rows_of(ctx, "member", zsf["id"])) == before  # no name: neither Enter nor Ctrl+S saves
    assert not editor.save_button.isEnabled() and "姓名" in editor.reason.text()
    type_text(name, "张小丰")
    # Tab goes on to the next field of the member form
    nxt = tab_walk(qtbot, name, 1)[0]
    assert editor.tab("members").isAncestorOf(nxt) and nxt.objectName() != "name"


def test_new_household_with_keys_only(demo, window, ctx, qtbot):
    from datetime import date

    from tests import factories

    wizard = window.new_household()  # Ctrl+N
    show_active(qtbot, wizard)
    assert focused() is wizard.household_form.widgets["village_id"]
    qtbot.keyClick(focused(), ENTER)  # page 1 is complete: Enter goes on
    assert wizard.currentPage() is wizard.head_page
    head = wizard.head_form
    assert focused() is head.widgets["name"]
    assert not any(label.isVisible() for label in head.error_labels.values())  # no red before typing
    assert wizard.head_page.error.text().startswith("请填写：姓名")  # what is missing, in grey
    qtbot.keyClick(focused(), ENTER)  # no name yet: Enter creates nothing
    window.settle()
    assert wizard.isVisible() and window.list.model.rowCount() == 60
    type_text(head.widgets["name"], "键盘户")
    assert head.error_labels["name"].isHidden()
    number = factories.id_number(date(1980, 3, 4), "女", seq=461)
    type_text(head.widgets["id_number"], number)
    assert wizard.head_page.isComplete()
    qtbot.keyClick(head.widgets["id_number"], ENTER)
    window.settle()
    assert window.list.model.rowCount() == 61


def test_exit_assessment_with_keys_only(zsf, window, ctx, qtbot):
    editor = editor_for(qtbot, window, zsf["id"])
    qtbot.keyClick(focused(), Qt.Key.Key_9, Qt.KeyboardModifier.AltModifier)
    window.settle()
    exit_tab = editor.tab("exit")
    assert exit_tab.isAncestorOf(focused())
    save = exit_tab.assessment.save
    visited = tab_walk(qtbot, focused(), 30)
    assert save in visited
    # the assessment's own button comes before the editor's buttons
    assert visited.index(save) < visited.index(editor.close_button)
    save.setFocus()
    qtbot.keyClick(save, Qt.Key.Key_Space)
    window.settle()
    assert len(rows_of(ctx, "exit_assessment", zsf["id"])) == 1


def test_food_and_clothing_recorded_with_keys_only_change_the_exit_assessment(zsf, window, ctx, qtbot):
    from tests.conftest import TODAY

    editor = editor_for(qtbot, window, zsf["id"])
    qtbot.keyClick(focused(), Qt.Key.Key_9, Qt.KeyboardModifier.AltModifier)
    window.settle()
    exit_tab = editor.tab("exit")
    box = exit_tab.food_clothing

    def verdicts():
        return {i.name: i.verdict for i in exit_tab.assessment.assessment.indicators}

    qtbot.waitUntil(lambda: exit_tab.assessment.assessment is not None and box.year is not None, timeout=5000)
    year = exit_tab.assessment.assessment.year
    assert box.year == year and f"{year}年" in box.year_label.text()
    assert verdicts()["不愁吃"] == verdicts()["不愁穿"] == "资料不全"
    qtbot.keyClick(focused(), Qt.Key.Key_E, Qt.KeyboardModifier.AltModifier)  # 不愁吃(&E)
    assert focused() is box.food
    qtbot.keyClick(box.food, Qt.Key.Key_Down)  # 是
    qtbot.keyClick(focused(), Qt.Key.Key_W, Qt.KeyboardModifier.AltModifier)  # 不愁穿(&W)
    assert focused() is box.clothing
    qtbot.keyClick(box.clothing, Qt.Key.Key_Down)
    qtbot.keyClick(box.clothing, Qt.Key.Key_Down)  # 否
    assert (box.food.value(), box.clothing.value()) == (True, False)
    qtbot.keyClick(focused(), Qt.Key.Key_F, Qt.KeyboardModifier.AltModifier)  # 记录不愁吃、不愁穿(&F)

    def stored():
        return [r for r in rows_of(ctx, "conditions", zsf["id"]) if r["year"] == year]

    qtbot.waitUntil(lambda: bool(stored()), timeout=5000)  # a mnemonic clicks after a short animation
    window.settle()
    (row,) = stored()
    assert (row["food_secure"], row["clothing_secure"]) == (True, False)
    assert row["food_clothing_checked_on"] == TODAY and row["food_clothing_checked_by"] == ctx.user
    qtbot.waitUntil(lambda: verdicts()["不愁吃"] == "达标", timeout=5000)
    assert verdicts()["不愁穿"] == "未达标"
    assert not exit_tab.assessment.assessment.passed
    # the box shows the facts as stored, with who checked them
    assert box.checked_by.value() == ctx.user and box.checked_on.value() == TODAY
