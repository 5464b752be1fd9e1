"""The household editor: inline validation, one-transaction save, the unsaved guard, undo."""

from __future__ import annotations

import json
from datetime import date
from decimal import Decimal

import pytest
from PySide6.QtCore import Qt
from sqlalchemy import select
from sqlalchemy.exc import OperationalError

from app.db.models import Assignment, Change, Household, Income, Measure, Member
from app.domain import codes
from app.domain.income import IncomeItems, net_income, per_capita
from app.domain.money import format_yuan
from app.ui.interaction import DISCARD, SAVE
from tests import factories
from tests.ui.conftest import type_text


def row(ctx, model, **where):
    with ctx.read() as s:
        stmt = select(model.__table__)
        for k, v in where.items():
            stmt = stmt.where(model.__table__.c[k] == v)
        return s.execute(stmt).mappings().all()


def changes_after(ctx, seq):
    with ctx.read() as s:
        return s.execute(select(Change.__table__).where(Change.__table__.c.seq > seq)
                         .order_by(Change.__table__.c.seq)).mappings().all()


def last_seq(ctx):
    from app.ops.undo import replica_seq

    return replica_seq(ctx)


@pytest.fixture
def editor(zsf, window):
    window.settle()
    ed = window.open_household(zsf["id"])
    yield ed


def select_member(tab, name):
    for i, entry in enumerate(tab.records.visible()):
        if entry.values["name"] == name:
            tab.records.select(entry)
            return entry
    raise AssertionError(name)


def test_wrong_id_check_character_is_shown_and_blocks_save(editor, zsf):
    members = editor.show_tab("members")
    select_member(members, "张小明")
    good = factories.child(seq=403)["id_number"]
    bad = good[:-1] + ("0" if good[-1] != "0" else "1")
    field = members.records.form.widgets["id_number"]
    type_text(field, bad)
    message = members.records.form.error_labels["id_number"]
    assert message.isVisibleTo(editor)
    assert "身份证号校验位错误" in message.text() and f"应为 {good[-1]}" in message.text()
    assert not editor.save_button.isEnabled()
    assert editor.reason.text().startswith("无法保存：张小明：身份证号校验位错误")
    assert not editor.save()  # Ctrl+S does nothing either
    type_text(field, good)
    assert not message.isVisibleTo(editor)
    assert editor.reason.text() == ""


def test_id_number_fills_birth_date_and_sex_of_a_new_member(editor, ctx, zsf, window):
    members = editor.show_tab("members")
    members.add_member()
    form = members.records.form
    type_text(form.widgets["name"], "张小红")
    form.widgets["relation"].set_value(codes.RELATION.code("之女"))
    number = factories.id_number(date(2015, 6, 1), "女", seq=404)
    type_text(form.widgets["id_number"], number)
    assert form.value("birth_date") == date(2015, 6, 1)
    assert form.value("sex") == "女"
    form.widgets["schooling"].set_value(codes.SCHOOLING.code("小学"))
    assert editor.save_button.isEnabled()
    assert editor.save()
    window.settle()
    new = row(ctx, Member, id_number=number)
    assert len(new) == 1 and new[0]["name"] == "张小红" and new[0]["household_id"] == zsf["id"]
    assert row(ctx, Household, id=zsf["id"])[0]["size"] == 4
    assert "家庭人口 4 人" in editor.header.text()
    assert not editor.dirty()


def test_home_schooling_is_recorded_on_the_member_form_with_the_compulsory_schooling_hint(editor, ctx, zsf,
                                                                                         window):
    members = editor.show_tab("members")
    select_member(members, "张小明")  # 14 years old on the test date
    form = members.records.form
    assert form.labels["home_schooled"] == "送教上门"
    assert "schooling" not in form.warnings  # in 八年级: secured
    form.widgets["schooling"].set_value(None)
    form.widgets["education"].set_value(codes.EDUCATION.code("小学"))
    form.widgets["home_schooled"].set_value(True)
    form.reveal_all()
    # The hint is the data check's MB01 (exit_rules.compulsory_schooling), under 在校生状况 as in kace check.
    message = form.error_labels["schooling"]
    assert form.warnings["schooling"] == ("张小明（14岁）未在校：登记为送教上门但未登记残疾"
                                          "（文化程度“小学”不能代替在校）（MB01 错误）")
    assert message.isVisibleTo(editor) and "未登记残疾" in message.text()
    assert editor.save_button.isEnabled()  # a hint, not a refusal
    form.widgets["health"].set_value(codes.HEALTH.code("残疾"))
    form.widgets["disability_grade"].set_value(codes.DISABILITY_GRADE.codes()[0])
    assert "schooling" not in form.warnings  # 送教上门 with a disability: secured
    form.widgets["home_schooled"].set_value(None)
    assert "未在校：在校生状况为空" in form.warnings["schooling"]
    form.widgets["home_schooled"].set_value(True)
    assert editor.save()
    window.settle()
    assert row(ctx, Member, name="张小明", household_id=zsf["id"])[0]["home_schooled"] is True


def test_a_household_without_head_cannot_be_saved(editor):
    members = editor.show_tab("members")
    select_member(members, "张三丰")
    members.records.form.widgets["relation"].set_value(codes.RELATION.code("之父"))
    assert "缺少户主" in members.household_label.text()
    assert not editor.save_button.isEnabled()
    assert "缺少户主" in editor.reason.text()


def test_income_edit_updates_per_capita_live_and_writes_exactly_one_change(editor, ctx, zsf, window):
    from app.ops.yearly_records import set_income

    year = ctx.today.year
    window.app.runner.run_sync(set_income, zsf["id"], year,
                               {"wages": 6000, "business": 2000, "business_costs": 500})
    editor.reload()
    income = editor.show_tab("income")
    assert income.records.year == year
    assert income.pc_label.text() == "2500 元"  # (6000 + 2000 − 500) ÷ 3
    before = last_seq(ctx)
    type_text(income.form.widgets["wages"], "9000")
    expected = per_capita(net_income(IncomeItems(wages=Decimal(9000), business=Decimal(2000),
                                                 business_costs=Decimal(500))), 3)
    assert income.pc_label.text() == f"{format_yuan(expected)} 元" == "3500 元"
    assert income.badge.text() == "未达标"  # the 2026 line is 4000 (2020's, kept)
    type_text(income.form.widgets["wages"], "12000")
    assert income.badge.text() == "达标"
    assert editor.save()
    window.settle()
    records = changes_after(ctx, before)
    assert len(records) == 1
    rec = records[0]
    assert rec["table_name"] == "income" and rec["op"] == "update" and rec["user_name"] == "测试员"
    payload = json.loads(rec["payload"])
    assert set(payload) == {"wages"}
    assert (payload["wages"]["old"], payload["wages"]["new"]) == ("6000.00", "12000.00")
    stored = row(ctx, Income, household_id=zsf["id"], year=year)[0]
    assert stored["per_capita"] == Decimal("4500.00")


def test_transfers_follow_their_items(editor):
    income = editor.show_tab("income")
    form = income.form
    type_text(form.widgets["dibao_money"], "1200")
    type_text(form.widgets["pension_money"], "300")
    assert form.value("transfers") == Decimal(1500)
    type_text(form.widgets["transfers"], "2000")  # typed by hand: no longer follows
    assert "转移性收入明细合计" in form.error_labels["transfers"].text()
    assert not editor.save_button.isEnabled()


def test_unsaved_guard_asks_through_the_interaction_layer(editor, ctx, zsf, interaction, window):
    basic = editor.tab("basic")
    type_text(basic.form.widgets["phone"], "13800138000")
    assert editor.windowTitle().endswith("* — 卡册")
    editor.reject()  # Esc
    assert interaction.of("guard")[-1][1] == "未保存的修改"
    assert editor.isVisible()  # cancelled
    interaction.guard_answers = [DISCARD]
    editor.close()
    assert not editor.isVisible()
    assert row(ctx, Household, id=zsf["id"])[0]["phone"] is None

    again = window.open_household(zsf["id"])
    type_text(again.tab("basic").form.widgets["phone"], "13800138000")
    interaction.guard_answers = [SAVE]
    assert again.close()
    assert row(ctx, Household, id=zsf["id"])[0]["phone"] == "13800138000"


def test_ctrl_s_saves_and_undo_restores_the_old_values(editor, ctx, zsf, window, qtbot):
    basic = editor.tab("basic")
    form = basic.form
    type_text(form.widgets["phone"], "13800138000")
    form.widgets["main_cause"].set_value(codes.CAUSE.code("缺资金"))
    qtbot.keyClick(editor, Qt.Key.Key_S, Qt.KeyboardModifier.ControlModifier)
    window.settle()
    h = row(ctx, Household, id=zsf["id"])[0]
    assert (h["phone"], h["main_cause"]) == ("13800138000", codes.CAUSE.code("缺资金"))
    assert editor.saved_label.text().startswith("已保存")
    before = last_seq(ctx)
    window.actions_["undo"].trigger()
    window.settle()
    h = row(ctx, Household, id=zsf["id"])[0]
    assert (h["phone"], h["main_cause"]) == (None, codes.CAUSE.code("因病"))
    undo = changes_after(ctx, before)
    assert len(undo) == 1 and set(json.loads(undo[0]["payload"])) == {"phone", "main_cause"}
    assert form.value("phone") is None  # the open editor shows the restored values
    history = editor.show_tab("history")
    fields = [history.model.index(r, 4).data() for r in range(history.model.rowCount())]
    assert "联系电话" in fields and "主要致贫原因" in fields


def test_a_refused_save_keeps_the_typed_values_and_says_why(editor, ctx, zsf, window, demo):
    with ctx.read() as s:
        taken = s.execute(select(Member.__table__.c.id_number, Member.__table__.c.name)
                          .where(Member.__table__.c.household_id != zsf["id"],
                                 Member.__table__.c.id_number.is_not(None))).first()
    members = editor.show_tab("members")
    members.add_member()
    form = members.records.form
    type_text(form.widgets["name"], "李四")
    form.widgets["relation"].set_value(codes.RELATION.code("其他"))
    type_text(form.widgets["id_number"], taken.id_number)
    assert editor.save()
    window.settle()
    assert "身份证号已登记" in editor.banner.text()
    assert editor.banner.isVisibleTo(editor)
    assert form.value("name") == "李四" and form.value("id_number") == taken.id_number
    assert "身份证号已登记" in form.error_labels["id_number"].text()
    assert editor.dirty()
    assert not row(ctx, Member, name="李四")


def test_a_locked_database_keeps_the_form_and_explains(editor, ctx, zsf, window, interaction, monkeypatch):
    import app.ui.editor.household_editor as module

    def locked(*_args, **_kw):
        raise OperationalError("UPDATE household", {}, Exception("database is locked"))

    monkeypatch.setattr(module, "run_steps", locked)
    type_text(editor.tab("basic").form.widgets["phone"], "13800138000")
    assert editor.save()
    window.settle()
    assert "已锁定" in editor.banner.text()
    assert interaction.of("error") and "仍保留" in interaction.of("error")[-1][2]
    assert editor.tab("basic").form.value("phone") == "13800138000"
    assert editor.dirty() and editor.save_button.isEnabled()


def test_conditions_measures_and_helper_change_save_together(editor, ctx, zsf, window, demo):
    conditions = editor.show_tab("conditions")
    type_text(conditions.form.widgets["arable_mu"], "3.5")
    conditions.form.widgets["house_safety"].set_value(codes.HOUSE_SAFETY.code("B级"))
    assistance = editor.show_tab("assistance")
    assistance.measures.add()
    mform = assistance.measures.form
    mform.widgets["type"].set_value(codes.MEASURE_TYPE.code("产业扶持"))
    type_text(mform.widgets["amount"], "3000")
    helpers = editor.show_tab("helpers")
    picker = helpers.choose()
    assert picker.model.rowCount() > 0
    picker.accept()
    chosen = helpers.pending["helper_id"]
    before = last_seq(ctx)
    assert editor.save()
    window.settle()
    assert not editor.dirty()
    with ctx.read() as s:
        tx_ids = set(s.execute(select(Change.__table__.c.tx_id).where(Change.__table__.c.seq > before)).scalars())
    assert len(tx_ids) == 1  # one save, one transaction
    measure = row(ctx, Measure, household_id=zsf["id"])
    assert len(measure) == 1 and measure[0]["amount"] == Decimal("3000.00")
    current = [a for a in row(ctx, Assignment, household_id=zsf["id"]) if a["end_date"] is None]
    assert [a["helper_id"] for a in current] == [chosen]
    assert helpers.model.rowCount() == 1


def test_keyboard_reaches_every_tab(editor, qtbot):
    for i in range(9):
        qtbot.keyClick(editor, Qt.Key(Qt.Key.Key_1 + i), Qt.KeyboardModifier.AltModifier)
        assert editor.tabs.currentIndex() == i
    assert editor.tabs.tabText(8) == "退出评估"
    exit_tab = editor.tab("exit")
    assert "已保存的退出评估" in exit_tab.note.text()
    assert exit_tab.workflow.isVisible() and exit_tab.assessment.isVisible()


def test_history_names_the_village_and_shows_whole_values(editor, zsf, ctx):
    """变更历史: 所属村 as the village's name (not its id) and every value of a new record whole."""
    from app.db import lookup_queries

    with ctx.read() as s:
        village = lookup_queries.villages_with_groups(s)[0]
    history = editor.show_tab("history")
    texts = [history.model.index(r, 6).data() for r in range(history.model.rowCount())]
    created = next(t for t in texts if "所属村" in t)
    assert f"所属村：{village['name']}" in created and village["id"] not in created
    assert not created.endswith("…")
    index = history.model.index(texts.index(created), 6)
    assert index.data(Qt.ItemDataRole.ToolTipRole) == created  # the whole text also as a tooltip
    assert history.view.wordWrap()


def test_exit_year_is_changed_from_the_exit_tab_with_a_reason(zsf, window, ctx, interaction, qtbot):
    from app.domain import workflow
    from app.ui.year_reason import YearReasonDialog

    with ctx.write() as w:
        w.update(Household.__table__, zsf["id"], {"status": workflow.EXITED, "exit_year": 2020})
    window.settle()
    editor = window.open_household(zsf["id"])
    row_ = editor.show_tab("exit").exit_year
    assert row_.button.isEnabled() and row_.label.text() == "脱贫年度：2020年"
    interaction.year_reasons += [(2021, "   "), None, (2021, "验收批次为2021年")]
    row_.button.click()  # an empty reason is refused by the op, nothing changes
    window.settle()
    assert any("修改脱贫年度须填写原因" in c[2] for c in interaction.of("error"))
    row_.button.click()  # cancelled
    window.settle()
    assert row(ctx, Household, id=zsf["id"])[0]["exit_year"] == 2020
    row_.button.click()
    window.settle()
    (asked, *_) = [c for c in interaction.of("year_reason")][-1:]
    assert asked[3:] == (2020, 2016, ctx.today.year + 1)  # from the current year, not before 识别年度
    h = row(ctx, Household, id=zsf["id"])[0]
    assert h["exit_year"] == 2021 and "脱贫年度由2020改为2021" in h["note"] and "验收批次为2021年" in h["note"]
    qtbot.waitUntil(lambda: row_.label.text() == "脱贫年度：2021年", timeout=5000)
    # the real dialog: 确定 stays disabled while the reason is empty
    dialog = YearReasonDialog("修改脱贫年度", "改为：", 2021, 2016, 2027)
    qtbot.addWidget(dialog)
    ok = dialog.buttons.button(dialog.buttons.StandardButton.Ok)
    assert not ok.isEnabled() and dialog.hint.isVisibleTo(dialog)
    dialog.accept()
    assert dialog.result() != YearReasonDialog.DialogCode.Accepted
    dialog.reason.setText(" 复核 ")
    dialog.year.setValue(2019)
    assert ok.isEnabled() and dialog.values() == (2019, "复核")


def test_exit_year_cannot_be_changed_before_the_household_exited(editor):
    row_ = editor.show_tab("exit").exit_year
    assert not row_.button.isEnabled() and row_.label.text() == "脱贫年度：该户未脱贫"
