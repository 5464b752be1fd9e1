"""Empty lists say what would appear in them and how (not a blank table)."""

from __future__ import annotations

from PySide6.QtCore import QDate

from app.db import lookup_queries
from app.ui.empty_state import empty_text
from tests.ui.conftest import type_text


def test_empty_lists_say_what_would_appear_and_how(demo, zsf, window, ctx):
    # the household list: no match
    type_text(window.list.search, "没有这个人的名字")
    window.settle()
    assert window.list.model.rowCount() == 0
    assert "没有符合条件的户" in empty_text(window.list.table)
    window.list.search.clear()
    window.settle()
    assert window.list.model.rowCount() and empty_text(window.list.table) == ""

    # a household card without visits, workflow steps or stored assessments
    editor = window.open_household(zsf["id"])
    visits = editor.show_tab("visits")
    assert "还没有走访记录" in empty_text(visits.view) and "Ctrl+T" in empty_text(visits.view)
    exit_tab = editor.show_tab("exit")
    window.settle()
    assert "还没有办理记录" in empty_text(exit_tab.workflow.tree)
    assert "尚无退出评估记录" in empty_text(exit_tab.view)

    # 走访 of a month without visits
    with ctx.read() as s:
        village = lookup_queries.villages_with_groups(s)[0]
    window.tree.select_region(village["id"])
    window.settle()
    tool = window.show_visits()
    tool.month.setDate(QDate(2001, 1, 1))
    window.settle()
    assert "2001年1月" in empty_text(tool.visits_view) and "录入走访" in empty_text(tool.visits_view)

    # 数据核查 before it ran; 识别与退出名单 with nobody on the list
    quality = window.tool_windows.show_quality().body
    assert "开始核查" in empty_text(quality.tree)
    lists = window.tool_windows.show_lists().body
    window.settle()
    if not lists.rows:
        assert lists.empty.isVisibleTo(lists) and "会出现在对应的名单中" in lists.empty.text()
