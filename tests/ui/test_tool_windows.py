"""The printing, data-check, import, statistics and life-cycle screens are reachable from the
main window's menus and open on the current village."""

from __future__ import annotations


def _menu_texts(window, name: str) -> list[str]:
    texts = []
    for action in window.menu(name).actions():
        texts.append(action.text())
        if action.menu():
            texts += [a.text() for a in action.menu().actions()]
    return texts


def test_menus_offer_every_screen(window):
    assert "数据核查…" in _menu_texts(window, "数据")
    assert "导入花名册（Excel）…" in _menu_texts(window, "数据")
    assert "统计分析…" in _menu_texts(window, "数据")
    assert "识别与退出名单…" in _menu_texts(window, "户籍")
    assert any(t.startswith("打印村册") for t in _menu_texts(window, "打印"))


def test_tool_windows_open_and_are_reused(qtbot, window, demo):
    ext = window.tool_windows
    quality = ext.show_quality()
    assert quality.isVisible() and quality.windowTitle() == "数据核查"
    assert ext.show_quality() is quality
    stats = ext.show_stats()
    lists = ext.show_lists()
    monitoring = ext.show_monitoring()
    for tool in (stats, lists, monitoring):
        assert tool.isVisible()
        tool.close()
    quality.close()


def test_a_finding_opens_its_household_on_the_right_tab(qtbot, window, demo, zsf):
    ext = window.tool_windows
    ext._open_code(zsf["code"], "income", "x", "wages")
    editor = window.editors[zsf["id"]]
    assert editor.tabs.tabText(editor.tabs.currentIndex()) == "收入情况"
    ext._open_code(zsf["code"], "household", zsf["id"], "phone")
    assert editor.tabs.tabText(editor.tabs.currentIndex()) == "基本信息"


def test_the_editor_prints_its_household(qtbot, window, demo, zsf, monkeypatch):
    editor = window.open_household(zsf["id"])
    printed = []
    monkeypatch.setattr(window.tool_windows.printing, "print_household",
                        lambda document, household_id: printed.append((document, household_id)))
    actions = editor.print_button.menu().actions()
    assert [a.text() for a in actions][0].startswith("打印户卡")
    actions[0].trigger()
    assert printed == [("card", zsf["id"])]


def test_batch_step_over_selected_households_of_a_list(qtbot, ctx, demo, window, interaction):
    from app.db import lookup_queries
    from app.domain.workflow import LISTS
    from app.ops.households import create_household, update_household
    from tests import factories

    with ctx.read() as s:
        village = lookup_queries.villages_with_groups(s)[0]
    for seq in (501, 502):  # households in 预脱贫 are on the 拟退出 list
        hid = create_household(ctx, {"village_id": village["id"]}, [factories.head("韦新", seq=seq)]).value["id"]
        update_household(ctx, hid, {"status": "预脱贫"})
    assert window.tree.village_id() is None  # the county is selected at start
    window.tree.select_region(village["id"])
    assert window.tree.village_id() == village["id"]
    lists = window.tool_windows.show_lists()  # opens on the village chosen in the tree
    body = lists.body
    assert body.village_id == village["id"]
    body.batch_step()
    assert interaction.of("info")  # nothing selected: it says so
    body.which.setCurrentIndex(list(LISTS).index("拟退出"))
    qtbot.waitUntil(lambda: body.table.rowCount() >= 2, timeout=5000)
    body.table.selectAll()
    dialog = body.batch_step()
    assert dialog is not None and dialog.isVisible()
    dialog.close()
    lists.close()


def test_data_check_offers_the_rules_by_family_and_fills_every_column(demo, window):
    from PySide6.QtCore import Qt

    from app.domain.quality import RULES
    from app.ui.rule_chooser import RULE_ROLE

    view = window.tool_windows.show_quality().body
    chooser = view.rules
    families = [chooser.topLevelItem(i) for i in range(chooser.topLevelItemCount())]
    listed = {f.child(j).data(0, RULE_ROLE): f.child(j).text(0) for f in families for j in range(f.childCount())}
    assert set(listed) == set(RULES)  # every rule of the registry, once
    assert listed["VS01"] == f"VS01 {RULES['VS01'].title}"
    assert any(f.text(0).startswith("走访（") for f in families)
    assert view.rule_ids() == []  # all checked: the whole registry, as kace check
    # only the 走访 family
    for f in families:
        f.setCheckState(0, Qt.CheckState.Checked if f.text(0).startswith("走访") else Qt.CheckState.Unchecked)
    assert view.rule_ids() and all(r.startswith("VS") for r in view.rule_ids())
    view.run_check()
    window.settle()
    top = [view.tree.topLevelItem(i) for i in range(view.tree.topLevelItemCount())]
    assert top and all(t.text(0).startswith("VS") for t in top)
    node = top[0]
    assert node.isFirstColumnSpanned() and "条）" in node.text(0)
    node.setExpanded(True)
    child = node.child(0)
    assert child.text(2) and child.text(4)  # 字段 and 问题说明 filled
    assert child.toolTip(4) == child.text(4)
    for f in families:
        f.setCheckState(0, Qt.CheckState.Unchecked)
    assert not view.run_button.isEnabled()
