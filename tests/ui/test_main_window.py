"""The main window: list, search as you type, filters, sorting, tree, delete and undo."""

from __future__ import annotations

from datetime import date

from pypinyin import lazy_pinyin
from PySide6.QtCore import Qt
from PySide6.QtWidgets import QMenu
from sqlalchemy import func, select

from app.db.models import Household
from app.domain import codes
from app.ops.households import create_household
from app.ui.household_model import COLUMN_KEYS
from tests import factories
from tests.ui.conftest import type_text


def live_households(ctx) -> int:
    with ctx.read() as s:
        return s.execute(select(func.count()).select_from(Household).where(Household.deleted.is_(False))).scalar()


def test_window_shows_the_county_in_chinese(demo, window, ctx):
    assert window.list.model.rowCount() == 60
    for name in ("文件", "编辑", "户籍", "走访", "打印", "数据", "帮助"):
        assert isinstance(window.menu(name), QMenu)
        assert window.menu(name).title().startswith(name)
    assert window.count_label.text() == "显示 60 户 / 共 60 户"
    # a database not enrolled with a county (the demo) has local changes, not unsynced work
    assert window.unsynced_label.text().startswith("未登记同步（本机修改 ")
    assert "演示数据库从不登记" in window.unsynced_label.toolTip()
    assert window.actions_["quit"].shortcut().toString() == "Ctrl+Q"
    # at county level the helper filter is greyed and says why
    assert not window.list.helper_filter.isEnabled()
    assert "在左侧选择一个村后" in window.list.helper_filter.toolTip()
    assert "本月尚未走访" in window.list.legend.text()  # the legend of the red dates
    assert window.list.model.headerData(0, Qt.Orientation.Horizontal) == "户编号"
    # ID numbers are masked in the list
    shown = window.list.model.index(0, COLUMN_KEYS.index("id_number")).data()
    assert "********" in shown and len(shown) == 18
    assert window.tree.model_.rowCount() == 1  # the county
    assert window.tree.model_.index(0, 0).data() == "桂平市"


def test_search_zsf_selects_zhang_sanfeng(zsf, window, qtbot):
    window.settle()
    qtbot.keyClicks(window.list.search, "zsf")
    assert window.list.model.rowCount() == 1
    assert window.list.current_household_id() == zsf["id"]
    assert window.list.current_row().head_name == "张三丰"
    assert window.count_label.text().startswith("显示 1 户")


def test_search_by_name_id_digits_and_code(zsf, window, ctx):
    window.settle()
    assert window.list.index.ready
    search = window.list.search
    type_text(search, "张三")
    assert window.list.current_household_id() == zsf["id"]
    type_text(search, "秀英")  # any member, any part of the name
    assert zsf["id"] in [window.list.model.household_id(r) for r in range(window.list.model.rowCount())]
    number = factories.head("张三丰", seq=401)["id_number"]
    type_text(search, number[-6:])
    assert window.list.model.rowCount() == 1 and window.list.current_household_id() == zsf["id"]
    type_text(search, zsf["code"])
    assert window.list.model.rowCount() == 1
    type_text(search, "")
    assert window.list.model.rowCount() == 61


def test_search_as_you_type_is_answered_by_the_index_not_the_database(zsf, window, monkeypatch):
    """Keystrokes never wait for a database search once the in-memory index is built (how long a
    keystroke takes is measured in bench/gui.py, not asserted here)."""
    from app.db import lookup_queries

    window.settle()
    assert window.list.index.ready

    def no_database_search(*args, **kwargs):
        raise AssertionError("search as you type asked the database")

    monkeypatch.setattr(lookup_queries, "search_households", no_database_search)
    for text in ("zsf", "张三丰", zsf["code"]):
        type_text(window.list.search, text)
        assert window.list.model.rowCount() == 1, text
        assert window.list.current_household_id() == zsf["id"], text


def test_filters_and_sorting_in_pinyin_order(demo, window, ctx):
    panel = window.list
    panel.status_filter.set_value(codes.HOUSEHOLD_STATUS.code("已脱贫"))
    window.settle()
    n = panel.model.rowCount()
    assert 0 < n < 60
    status_col = COLUMN_KEYS.index("status")
    assert {panel.model.index(r, status_col).data() for r in range(n)} == {"已脱贫"}
    panel.clear_filters()
    window.settle()
    assert panel.model.rowCount() == 60

    panel.table.sortByColumn(COLUMN_KEYS.index("head_name"), Qt.SortOrder.AscendingOrder)
    window.settle()
    names = [panel.model.index(r, COLUMN_KEYS.index("head_name")).data() for r in range(60)]
    # pinyin order of the surnames (homophone characters keep the collator's own order)
    surnames = [lazy_pinyin(n)[0] for n in names if n]
    assert surnames == sorted(surnames)
    assert surnames[0] < surnames[-1]
    panel.table.sortByColumn(COLUMN_KEYS.index("size"), Qt.SortOrder.DescendingOrder)
    window.settle()
    sizes = [int(panel.model.index(r, COLUMN_KEYS.index("size")).data()) for r in range(60)]
    assert sizes == sorted(sizes, reverse=True)


def test_unvisited_this_month_and_monitoring_filters(village, window, app_ctx, ctx):
    """The expected rows are the households this test made, each with a known visit history."""
    from app.ops import visits

    def household(name: str, seq: int, **values) -> str:
        values = {"village_id": village["id"], "group_id": village["groups"][0], "category": "一般贫困户",
                  "main_cause": "因病", "status": "未脱贫", "identified_year": 2016, **values}
        return create_household(ctx, values, [factories.head(name, seq=seq)]).value["id"]

    this_month = household("甲一", 501)  # visited on the 10th of this month (TODAY is the 27th)
    last_month = household("乙二", 502, monitoring_type="脱贫不稳定户")  # visited in October only
    never = household("丙三", 503)  # never visited
    deleted_visit = household("丁四", 504)  # its visit this month was deleted
    visits.record_visit(ctx, this_month, {"visit_date": date(2026, 11, 10), "visitors": "王", "changes": "就业"})
    visits.record_visit(ctx, last_month, {"visit_date": date(2026, 10, 31), "visitors": "王", "changes": "就业"})
    gone = visits.record_visit(ctx, deleted_visit, {"visit_date": date(2026, 11, 1), "visitors": "王", "changes": "就业"})
    visits.delete_visit(ctx, gone.value["id"])
    window.refresh()
    window.settle()
    panel = window.list

    def shown() -> set[str]:
        return {panel.model.household_id(r) for r in range(panel.model.rowCount())}

    assert shown() == {this_month, last_month, never, deleted_visit}
    panel.unvisited_filter.setChecked(True)
    window.settle()
    assert shown() == {last_month, never, deleted_visit}
    panel.unvisited_filter.setChecked(False)
    panel.monitoring_filter.setChecked(True)
    window.settle()
    assert shown() == {last_month}


def test_item_models_pass_the_model_tester(demo, window, qtmodeltester):
    qtmodeltester.check(window.list.model)
    qtmodeltester.check(window.tree.model_)
    editor = window.open_household(window.list.model.household_id(0))
    qtmodeltester.check(editor.members_tab().records.model)
    qtmodeltester.check(editor.tab("history").model)
    qtmodeltester.check(editor.tab("visits").model)


def test_tree_scopes_the_list(demo, window):
    tree = window.tree
    county = tree.model_.index(0, 0)
    township = tree.model_.index(0, 0, county)
    village = tree.model_.index(0, 0, township)
    group = tree.model_.index(0, 0, village)
    tree.select_index(group)
    window.settle()
    n_group = window.list.model.rowCount()
    assert 0 < n_group < 60
    assert int(tree.model_.index(0, 1, village).data().replace(",", "")) == n_group
    tree.select_index(village)
    window.settle()
    assert window.list.model.rowCount() == 60
    assert window.actions_["village_page"].isEnabled()


def test_enter_opens_the_editor(zsf, window, qtbot):
    window.settle()
    window.list.select_household(zsf["id"])
    window.list.table.setFocus()
    qtbot.keyClick(window.list.table, Qt.Key.Key_Return)
    assert zsf["id"] in window.editors
    assert "张三丰" in window.editors[zsf["id"]].header.text()


def test_delete_asks_then_tombstones_and_undo_restores(zsf, window, ctx, interaction):
    window.settle()
    window.list.select_household(zsf["id"])
    interaction.confirm_answers = [False]
    window.delete_current()
    window.settle()
    assert live_households(ctx) == 61
    window.delete_current()
    window.settle()
    assert "确定删除户" in interaction.of("confirm")[-1][2]
    assert live_households(ctx) == 60
    assert window.list.model.rowCount() == 60
    assert window.actions_["undo"].text().startswith("撤销“删除户")
    window.actions_["undo"].trigger()
    window.settle()
    assert live_households(ctx) == 61
    assert window.list.model.rowCount() == 61
    assert not window.undo_stack


def test_layout_is_remembered(window, app_ctx, qtbot):
    """Geometry, splitter, column widths and sort order are stored in the INI file and restored
    (the offscreen test screen is 800×600, so the restored window itself is clamped to it)."""
    from app.ui.main_window import MainWindow

    window.splitter.setSizes([300, 900])
    window.list.table.setColumnWidth(0, 222)
    window.list.table.sortByColumn(COLUMN_KEYS.index("size"), Qt.SortOrder.DescendingOrder)
    splitter_state = window.splitter.saveState()
    window.close()
    assert app_ctx.settings.path.is_file()
    assert app_ctx.settings.splitter == splitter_state
    assert app_ctx.settings.sort_column == "size" and app_ctx.settings.sort_descending
    second = MainWindow(app_ctx)
    qtbot.addWidget(second)
    assert second.list.table.columnWidth(0) == 222
    assert (second.list.sort_key, second.list.descending) == ("size", True)
    assert second.list.table.horizontalHeader().sortIndicatorSection() == COLUMN_KEYS.index("size")


def test_list_cells_paint_exactly_as_qt_would(demo, window, ctx):
    """The list's own delegate (one call into Python per cell, for scrolling speed) draws the same
    pixels as Qt's: texts, the grey of cancelled households, the red of late visits, the
    selection, the centred 家庭人口 and the elided text of a narrowed column."""
    from PySide6.QtWidgets import QStyledItemDelegate

    from app.ops.households import update_household
    from app.ui.household_delegate import CachedCellDelegate

    table, model = window.list.table, window.list.model
    with ctx.read() as s:
        cancelled = s.execute(select(Household.id).order_by(Household.code).offset(2).limit(1)).scalar()
    update_household(ctx, cancelled, {"status": codes.HOUSEHOLD_STATUS.code("注销")})
    window.refresh()
    window.settle()
    table.setColumnWidth(COLUMN_KEYS.index("cause"), 40)  # 主要致贫原因 elided
    table.selectRow(4)
    colours = {model.data(model.index(r, c), Qt.ItemDataRole.ForegroundRole) is not None
               for r in range(8) for c in range(len(COLUMN_KEYS))}
    assert colours == {True, False}  # some cells grey or red, some plain: all drawn below

    def picture():
        table.viewport().repaint()
        return table.viewport().grab().toImage()

    assert isinstance(table.itemDelegate(), CachedCellDelegate)
    ours = picture()
    table.setItemDelegate(QStyledItemDelegate(table))
    qts = picture()
    assert ours.size() == qts.size()
    assert ours == qts
