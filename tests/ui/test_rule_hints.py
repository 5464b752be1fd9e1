"""The household editor's data-quality hints are the domain's rules (domain.md §8): each hint shown
names a rule of the registry, with that rule's severity, and gives the finding `kace check` gives once
the same values are saved."""

from __future__ import annotations

import re
from datetime import date
from decimal import Decimal

import pytest

from app.domain import codes
from app.domain.quality import RULES
from app.ops.quality import run_check
from tests import factories
from tests.ui.conftest import type_text

# "message（MB11 警告）": what the user reads under a field.
TAG = re.compile(r"（([A-Z]{2}\d{2}) (错误|警告|提示)）")
# Form prompts no rule of §8 says (what to fill in beside a hint); everything else shown is a rule.
PROMPTS = {("household", "monitoring_type"), ("income", "household_size")}
HOUSEHOLD_TABS = ("basic", "members", "conditions", "income", "assistance")


@pytest.fixture
def editor(zsf, window):
    window.settle()
    return window.open_household(zsf["id"])


def select_member(tab, name):
    for entry in tab.records.visible():
        if entry.values["name"] == name:
            tab.records.select(entry)
            return tab.records.form
    raise AssertionError(name)


def edit(form, name, value):
    """Set a field as the user would (the widget says it was edited)."""
    form.widgets[name].set_value(value)
    form.widgets[name].edited.emit()


def shown_hints(editor) -> dict[tuple[str, str], str]:
    """(table, field) → the text of every warning on screen in the editor's forms."""
    out = {}
    for key in HOUSEHOLD_TABS:
        tab = editor.tab(key, build=False)
        for form in tab.forms() if tab is not None else ():
            for name, label in form.error_labels.items():
                if name in form.warnings and name not in form.errors and label.text():
                    assert label.text() == form.warnings[name]
                    out[(form.table, name)] = label.text()
    return out


def rules_of(text: str) -> list[tuple[str, str, str]]:
    """(rule id, severity, message) of each hint in a label's text."""
    out, start = [], 0
    for m in TAG.finditer(text):
        out.append((m.group(1), m.group(2), text[start:m.start()].lstrip("；")))
        start = m.end()
    assert text[start:] == "", f"text after the last rule id: {text!r}"
    return out


def assert_all_from_rules(editor) -> dict[tuple[str, str], list[tuple[str, str, str]]]:
    found = {}
    for (table, name), text in shown_hints(editor).items():
        if (table, name) in PROMPTS and not TAG.search(text):
            continue
        hints = rules_of(text)
        assert hints, f"{table}.{name} shows a hint without a rule id: {text}"
        for rule_id, severity, message in hints:
            assert rule_id in RULES, f"{rule_id} is not a rule of the registry"
            assert severity == RULES[rule_id].severity, f"{rule_id}: {severity} on screen, {RULES[rule_id].severity} in the check"
            assert message and any("\u4e00" <= ch <= "\u9fff" for ch in message)
        found[(table, name)] = hints
    return found


def provoke(editor, today):
    """Values that trip each rule the editor hints; returns {(table, field): rule id} expected."""
    basic = editor.show_tab("basic").form
    edit(basic, "status", codes.HOUSEHOLD_STATUS.code("已脱贫"))
    edit(basic, "exit_year", None)
    edit(basic, "main_cause", None)
    type_text(basic.widgets["bank_account"], "6222021234567890123")  # Luhn fails

    members = editor.show_tab("members")
    form = select_member(members, "张三丰")
    edit(form, "education", codes.EDUCATION.code("初中"))
    edit(form, "schooling", codes.SCHOOLING.code("七年级"))
    type_text(form.widgets["work_place"], "广东省广州市")
    edit(form, "work_months", None)
    edit(form, "medical_insured", True)
    edit(form, "employee_medical", True)
    edit(form, "relation", codes.RELATION.code("户主"))

    conditions = editor.show_tab("conditions").form
    edit(conditions, "house_safety", codes.HOUSE_SAFETY.code("D级危房"))
    edit(conditions, "house_rebuilt", False)
    edit(conditions, "relocated", False)
    edit(conditions, "house_safe", True)
    edit(conditions, "water_safe", True)
    edit(conditions, "water_difficult", True)
    edit(conditions, "arable_mu", Decimal("250"))

    income = editor.show_tab("income").form
    edit(income, "business", Decimal("1000"))
    edit(income, "business_costs", Decimal("3000"))

    assistance = editor.show_tab("assistance")
    assistance.loans.add()
    edit(assistance.loans.form, "amount", Decimal("60000"))
    edit(assistance.loans.form, "term_months", 36)
    for key in HOUSEHOLD_TABS:
        for f in editor.tab(key).forms():
            f.reveal_all()
    return {("household", "exit_year"): "EX05", ("household", "main_cause"): "HH08",
            ("household", "bank_account"): "HH18", ("member", "schooling"): "MB11",
            ("member", "work_months"): "MB12", ("member", "employee_medical"): "MB13",
            ("conditions", "house_safe"): "CO01", ("conditions", "water_safe"): "CO02",
            ("conditions", "arable_mu"): "CO03", ("income", "business_costs"): "IN04",
            ("loan", "amount"): "MS03"}


def test_every_hint_of_the_household_editor_is_a_domain_rule_with_its_severity(editor, ctx):
    expected = provoke(editor, ctx.today)
    found = assert_all_from_rules(editor)
    for where, rule_id in expected.items():
        assert where in found, f"no hint on {where} (expected {rule_id})"
        assert rule_id in [r for r, _s, _m in found[where]], f"{where}: {found[where]}"
    assert found[("conditions", "water_safe")][0][1] == "错误"  # CO02 is an error in the check too
    assert found[("household", "exit_year")][0][2] == "户状态为已脱贫，但脱贫年度为空"
    assert found[("conditions", "arable_mu")][0][2] == "耕地面积（亩）不合理：250.00（超过200亩）"
    assert editor.save_button.isEnabled()  # hints never block the save


def test_hints_follow_the_rules_where_the_old_copies_drifted(editor):
    basic = editor.show_tab("basic").form
    edit(basic, "main_cause", None)
    assert basic.rule_hints.findings["main_cause"][0].rule == "HH08"
    edit(basic, "status", codes.HOUSEHOLD_STATUS.code("注销"))  # not a registered household
    assert "main_cause" not in basic.warnings
    conditions = editor.show_tab("conditions").form
    edit(conditions, "house_safety", codes.HOUSE_SAFETY.code("C级危房"))
    edit(conditions, "house_safe", True)
    assert conditions.rule_hints.findings["house_safe"][0].rule == "CO01"
    edit(conditions, "relocated", True)  # moved out of the danger house: safe
    assert "house_safe" not in conditions.warnings


def test_repeated_main_cause_is_refused_by_the_form_with_the_saves_message(editor):
    basic = editor.show_tab("basic").form
    edit(basic, "other_causes", codes.CAUSE.code("因病"))  # 张三丰's main cause is 因病
    assert basic.errors.get("other_causes") == "其他致贫原因不能重复主要致贫原因：因病"
    assert not editor.save_button.isEnabled()


def test_the_hints_are_the_findings_of_kace_check_once_saved(editor, ctx, zsf, window):
    provoke(editor, ctx.today)
    on_screen = {}
    for key in HOUSEHOLD_TABS:
        for form in editor.tab(key).forms():
            hints = getattr(form, "rule_hints", None)
            for field, findings in (hints.findings if hints else {}).items():
                for f in findings:
                    on_screen[(f.rule, f.table, f.field)] = (f.severity, f.message)
    assert len(on_screen) >= 11
    assert editor.save()
    window.settle()
    report = run_check(ctx, rule_ids=sorted({r for r, _t, _f in on_screen}), as_of=ctx.today)
    checked = {(f.rule, f.table, f.field): (f.severity, f.message)
               for f in report.findings if f.household_code == zsf["code"]}
    for key, value in on_screen.items():
        assert checked.get(key) == value, f"{key}: on screen {value}, kace check {checked.get(key)}"


def test_a_new_member_is_hinted_as_kace_check_would(editor, ctx):
    members = editor.show_tab("members")
    members.add_member()
    form = members.records.form
    type_text(form.widgets["name"], "张小红")
    edit(form, "relation", codes.RELATION.code("之子"))
    type_text(form.widgets["id_number"], factories.id_number(date(2015, 6, 1), "女", seq=405))
    form.reveal_all()
    (hint,) = form.rule_hints.findings["relation"]
    assert (hint.rule, hint.severity) == ("MB07", RULES["MB07"].severity)
    assert hint.message == "张小红与户主关系为“之子”，性别却为女"
    assert form.error_labels["relation"].text() == "张小红与户主关系为“之子”，性别却为女（MB07 警告）"
