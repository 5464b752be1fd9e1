"""基本信息: the household's own fields (domain.md §3.1)."""

from __future__ import annotations

from PySide6.QtWidgets import QScrollArea, QVBoxLayout

from app.domain.errors import DomainError
from app.domain.quality.rules.household import refuse_repeated_main_cause
from app.ops.households import update_household
from app.ui.editor.base import FormTab
from app.ui.editor.rule_hints import add_rule_hints
from app.ui.field_choice import add_fields
from app.ui.field_widgets import ChoiceCombo
from app.ui.layouts import hbox
from app.ui.record_form import FormGrid

# The data-quality rules (domain.md §8) judged on the household's own fields, shown as hints.
HINT_RULES = ("EX05", "HH08", "HH18")
FIELDS = ("group_id", "phone", "bank", "bank_account", "standard", "category", "main_cause",
          "identified_year", "planned_exit_year", "exit_year", "status", "monitoring_type",
          "risk_status", "risk_identified_on", "risk_cleared_on")
FLAGS = ("military_family", "only_child", "two_daughters")


def household_checks(v: dict) -> dict[str, str]:
    errors = {}
    if v.get("identified_year") and v.get("exit_year") and v["exit_year"] < v["identified_year"]:
        errors["exit_year"] = "脱贫年度不能早于识别年度"
    if v.get("identified_year") and v.get("planned_exit_year") and \
            v["planned_exit_year"] < v["identified_year"]:
        errors["planned_exit_year"] = "计划脱贫年度不能早于识别年度"
    if v.get("risk_identified_on") and v.get("risk_cleared_on") and \
            v["risk_cleared_on"] < v["risk_identified_on"]:
        errors["risk_cleared_on"] = "风险消除时间不能早于风险识别时间"
    try:
        refuse_repeated_main_cause(v.get("main_cause"), v.get("other_causes"))
    except DomainError as e:
        errors["other_causes"] = e.message  # the save refuses it too
    return errors


def household_prompts(v: dict) -> dict[str, str]:
    """What to fill in beside the rules' hints (no data-quality rule says it)."""
    warnings = {}
    if v.get("risk_status") and not v.get("monitoring_type"):
        warnings["monitoring_type"] = "填写了风险状态，请同时填写监测对象类型"
    return warnings


class BasicTab(FormTab):
    key = "basic"
    title = "基本信息"
    sections = frozenset({"household"})

    def __init__(self, editor):
        super().__init__(editor)
        form = self.form = self.make_form("household")
        form.add("group_id", ChoiceCombo())
        add_fields(form, *FIELDS[1:], "other_causes", "note", *FLAGS)
        for name in FLAGS:
            form.widgets[name].setText(form.labels[name].removeprefix("是否"))
        form.add_check(household_checks)
        add_rule_hints(form, HINT_RULES, lambda v: {"today": self.app.today, "household": v})
        form.add_warning(household_prompts)
        form.widgets["main_cause"].edited.connect(self._main_cause_changed)
        form.edited.connect(self.changed)

        grid = FormGrid(form, columns=2)
        grid.section(self.tr("户基本情况"))
        grid.add("group_id", "phone", "bank", "bank_account", "standard", "category")
        grid.section(self.tr("致贫原因"))
        grid.add("main_cause")
        grid.add_wide("other_causes")
        grid.section(self.tr("识别与脱贫"))
        grid.add("identified_year", "planned_exit_year", "status", "exit_year")
        flags = hbox(*(form.widgets[n] for n in FLAGS), spacing=18)
        grid.add_widget(flags, self.tr("家庭类别："))
        grid.section(self.tr("防止返贫监测"))
        grid.add("monitoring_type", "risk_status", "risk_identified_on", "risk_cleared_on")
        grid.add_wide("note")
        grid.finish()
        area = QScrollArea()
        area.setWidget(grid)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(area)

    def _main_cause_changed(self) -> None:
        self.form.widgets["other_causes"].exclude(self.form.value("main_cause"))

    def load(self, detail: dict) -> None:
        groups = [(None, "")] + [(gid, name) for gid, name in detail["groups"]]
        self.form.widgets["group_id"].set_choices(groups)
        self.form.load(detail["household"])
        self._main_cause_changed()

    def steps(self):
        changes = self.form.changes()
        if not changes:
            return []
        return [lambda c, hid=self.household_id, ch=changes: update_household(c, hid, ch)]
