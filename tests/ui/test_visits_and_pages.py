"""Quick visit entry, the visits window, the village page, the new-household wizard, About."""

from __future__ import annotations

from datetime import date, timedelta

from sqlalchemy import func, select

from app.db import list_queries, lookup_queries
from app.db.models import Household, Member, Visit
from app.domain import codes
from tests import factories
from tests.ui.conftest import type_text


def visits_of(ctx, household_id):
    with ctx.read() as s:
        return s.execute(select(Visit.__table__).where(Visit.__table__.c.household_id == household_id)
                         ).mappings().all()


def a_household_with_helper(ctx):
    with ctx.read() as s:
        for row in list_queries.household_choices(s, list(range(1, 61))):
            if row["helper"]:
                return row
    raise AssertionError("no helper in the demo")


def test_quick_visit_defaults_to_today_and_the_helper(demo, window, ctx):
    from app.ui.visits import VisitDialog

    target = a_household_with_helper(ctx)
    dialog = VisitDialog(window.app, None, search=window.list.search_rowids, parent=window)
    picker = dialog.picker
    assert dialog.reason.text() == "请先选择户" and not dialog.save_button.isEnabled()
    type_text(picker, target["code"][-9:])  # part of the 户编号
    labels = [picker.model.item(i).text() for i in range(picker.model.rowCount())]
    assert any(target["code"] in label for label in labels)
    picker.completer().activated.emit(next(label for label in labels if target["code"] in label))
    assert dialog.household_id == target["id"]
    form = dialog.form
    assert form.value("visit_date") == ctx.today
    assert form.widgets["helper_id"].currentText() == target["helper"]
    assert form.value("visitors") == target["helper"]
    assert form.value("kind") == codes.VISIT_KIND.code("入户走访")
    form.widgets["changes"].boxes[codes.VISIT_CHANGE.code("收入")].setChecked(True)
    form.widgets["problems"].setPlainText("希望提供技能培训")
    before = len(visits_of(ctx, target["id"]))
    dialog.save(close=False)  # 保存并录入下一户
    window.settle()
    rows = visits_of(ctx, target["id"])
    assert len(rows) == before + 1
    new = max(rows, key=lambda r: r["visit_date"])
    assert new["visit_date"] == ctx.today and new["problems"] == "希望提供技能培训"
    assert new["helper_id"] is not None and new["visitors"] == target["helper"]
    assert dialog.household_id is None and dialog.picker.text() == ""


def test_a_visit_in_the_future_is_refused_in_the_form(zsf, window):
    dialog = window.new_visit()
    dialog.set_household(zsf["id"])
    assert "请填写走访人" in dialog.reason.text()  # 张三丰 has no helper yet
    type_text(dialog.form.widgets["visitors"], "王队长")
    assert "请填写走访内容" in dialog.reason.text() and not dialog.save_button.isEnabled()
    dialog.form.widgets["problems"].setPlainText("缺少劳动力")
    assert dialog.save_button.isEnabled()
    dialog.form.widgets["visit_date"].set_value(date(2027, 1, 5))
    assert "走访日期不能晚于今天" in dialog.reason.text()
    assert not dialog.save_button.isEnabled()


def test_visits_window_by_month_and_unvisited_by_helper(demo, window, ctx):
    visits = window.show_visits()
    window.settle()
    start = ctx.today.replace(day=1)
    with ctx.read() as s:
        n = s.execute(select(func.count()).select_from(Visit).where(
            Visit.visit_date >= start, Visit.deleted.is_(False))).scalar()
        gaps = list_queries.unvisited_by_helper(s, list_queries.ListQuery(), start)
    assert visits.visits_model.rowCount() == n
    households = sum(visits.gaps_model.item(i).rowCount() for i in range(visits.gaps_model.rowCount()))
    assert households == len(gaps) > 0
    assert "未走访" in visits.summary.text()
    from pypinyin import lazy_pinyin

    names = [visits.gaps_model.item(i).text().split("（")[0] for i in range(visits.gaps_model.rowCount())]
    surnames = [lazy_pinyin(n)[0] for n in names if n]
    assert surnames == sorted(surnames)  # helpers in pinyin order
    assert visits.tabs.tabText(1).endswith("月未走访（按帮扶责任人）")


def test_village_page_figures(demo, window, ctx):
    with ctx.read() as s:
        village = lookup_queries.villages_with_groups(s)[0]
        total = s.execute(select(func.count()).select_from(Household).where(Household.deleted.is_(False))).scalar()
    window.tree.select_region(village["id"])
    window.settle()
    page = window.show_village()
    rows = page.table_model.rows()
    assert rows[-1]["status"] == "合计" and rows[-1]["households"] == total
    assert sum(r[1] for r in page.chart.rows) == total
    assert page.windowTitle() == f"村情概况 — {village['name']}"
    page.grab()  # paints the chart


def test_new_household_wizard_creates_household_and_head(demo, window, ctx):
    wizard = window.new_household()
    assert wizard.household_form.value("village_id")
    assert wizard.household_page.isComplete()
    wizard.next()
    head = wizard.head_form
    assert not wizard.head_page.isComplete()  # name missing
    type_text(head.widgets["name"], "赵新户")
    number = factories.id_number(date(1985, 1, 2), "男", seq=450)
    type_text(head.widgets["id_number"], number)
    assert head.value("sex") == "男" and head.value("birth_date") == date(1985, 1, 2)
    head.widgets["education"].set_value(codes.EDUCATION.code("初中"))
    assert wizard.head_page.isComplete()
    wizard.accept()
    window.settle()
    with ctx.read() as s:
        member = s.execute(select(Member.__table__).where(Member.__table__.c.id_number == number)).mappings().one()
    assert member["relation"] == codes.RELATION.code("户主")
    assert window.list.model.rowCount() == 61
    assert window.list.current_household_id() == member["household_id"]
    assert member["household_id"] in window.editors  # the editor opens for the other members


def test_about_names_version_database_schema_and_log(window, app_ctx):
    from app import paths

    about = window.about()
    assert about.values["数据库"] == str(app_ctx.db_path)
    assert str(paths.log_path()) == about.values["日志文件"]
    from app.db.migrate import head_revision
    assert about.values["数据库结构版本"].startswith(head_revision())
    shortcuts = window.show_shortcuts()
    assert shortcuts.findChildren(type(shortcuts.children()[0]))  # built


def test_village_page_and_statistics_count_this_months_visits_alike(demo, window, ctx, zsf):
    """本月已走访 has one definition (stats_queries.month_visits): 村情概况 and 统计分析 agree, also
    with a visit of a 注销 household, one back-dated to last month and one of today."""
    import re

    from app.db import stats_queries
    from app.ops.visits import record_visit

    today = ctx.today
    record_visit(ctx, zsf["id"], {"visit_date": today, "visitors": "王队长", "problems": "缺技术"})
    record_visit(ctx, zsf["id"], {"visit_date": today.replace(day=1) - timedelta(days=1),
                                  "visitors": "王队长", "problems": "复查"})
    with ctx.read() as s:
        village = lookup_queries.villages_with_groups(s)[0]
        expected = stats_queries.month_visits(s, select(Household.__table__.c.id), today)
    window.tree.select_region(village["id"])
    window.settle()
    page = window.show_village()
    stats = window.tool_windows.show_stats()
    window.settle()
    figures = [w.text() for w in stats.body.findChildren(type(page.findChild(type(window.count_label))))]
    shown = next(t for t in figures if "次 /" in t)
    visits, visited = map(int, re.findall(r"[\d,]+", shown.replace(",", ""))[:2])
    assert (page.data["visits"], page.data["visited"]) == (visits, visited) == expected
    assert f"已走访 {visited:,} 户" in " ".join(w.text() for w in page.findChildren(type(window.count_label)))
