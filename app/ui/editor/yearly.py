"""Per-year records: 生产生活条件 and 收入情况 (one row per household per year), and the year
switching they share with the 一户一策 plan."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import (
    QFrame,
    QGridLayout,
    QHBoxLayout,
    QLabel,
    QScrollArea,
    QVBoxLayout,
    QWidget,
)

from app.domain.errors import DomainError
from app.domain.income import (
    FIELD_LABELS,
    TRANSFER_ITEMS,
    IncomeItems,
    income_warnings,
    net_income,
    per_capita,
    transfer_items_total,
    validate_income,
)
from app.domain.money import format_yuan
from app.ops.yearly_records import set_conditions, set_income
from app.ui.editor.base import FormTab
from app.ui.editor.rule_hints import add_rule_hints
from app.ui.field_choice import add_fields
from app.ui.field_widgets import ChoiceCombo, restyle
from app.ui.record_form import Form, FormGrid

ITEMS = tuple(IncomeItems.__dataclass_fields__)
BADGE_OK = "color: white; background: #2e7d32; border-radius: 3px; padding: 2px 10px; font-weight: bold;"
BADGE_BAD = "color: white; background: #c62828; border-radius: 3px; padding: 2px 10px; font-weight: bold;"
CONDITION_FIELDS = (
    "arable_mu", "irrigated_mu", "forest_mu", "returned_forest_mu", "orchard_mu", "pasture_mu",
    "water_surface_mu", "cooperative", "household_power", "production_power", "road_distance_km",
    "road_type", "house_area_m2", "house_safety", "house_rebuilt", "relocated", "house_safe",
    "water_difficult", "water_safe", "fuel", "sanitary_toilet", "radio_tv", "broadband",
)

# The data-quality rules (domain.md §8) judged on one year's record, shown as hints.
CONDITION_RULES = ("CO01", "CO02", "CO03")
INCOME_RULES = ("IN04",)


class YearlyRecords(QObject):
    """One form showing one year of a per-year table. Switching the year keeps what was typed
    for the other year until the save."""

    year_changed = Signal(int)

    def __init__(self, form: Form, today: Callable, defaults: Callable[[int], dict] | None = None,
                 parent=None):
        super().__init__(parent)
        self.form = form
        self.today = today
        self.defaults = defaults or (lambda year: {})
        self.year_box = ChoiceCombo()
        self.year_box.setObjectName("year")
        self.year_box.setAccessibleName(self.tr("年度"))
        self.year_box.edited.connect(self._switch)
        self.rows: dict[int, dict] = {}
        self.staged: dict[int, dict] = {}
        self.year: int | None = None

    def load(self, rows: list[dict]) -> None:
        self.rows = {r["year"]: r for r in rows}
        self.staged = {}
        this_year = self.today().year
        years = sorted(set(self.rows) | {this_year, this_year - 1}, reverse=True)
        self.year_box.blockSignals(True)
        self.year_box.set_choices([(y, self.tr("{0}年").format(y) + ("" if y in self.rows else self.tr("（未填）")))
                                   for y in years])
        latest = max(self.rows) if self.rows else this_year
        self.year_box.set_value(latest)
        self.year_box.blockSignals(False)
        self._show(latest)

    def _stored(self, year: int) -> dict:
        return self.rows.get(year) or self.defaults(year)

    def _show(self, year: int) -> None:
        self.year = year
        self.form.load(self._stored(year))
        for name, value in self.staged.get(year, {}).items():
            self.form.set(name, value)
        self.year_changed.emit(year)

    def _switch(self) -> None:
        if self.year is not None:
            changes = self.form.changes()
            if changes:
                self.staged[self.year] = changes
            else:
                self.staged.pop(self.year, None)
        self._show(self.year_box.value())

    def pending(self) -> dict[int, dict]:
        """{year: changed fields} of every year edited."""
        out = dict(self.staged)
        changes = self.form.changes()
        if changes:
            out[self.year] = changes
        else:
            out.pop(self.year, None)
        return out

    def dirty(self) -> bool:
        return bool(self.pending())

    def steps(self, op, household_id: str, extra: Callable[[int], dict] | None = None):
        out = []
        for year, changes in sorted(self.pending().items()):
            values = {**(extra(year) if extra and year not in self.rows else {}), **changes}
            out.append(lambda c, y=year, v=values: op(c, household_id, y, v))
        return out


def _scroll(widget: QWidget) -> QScrollArea:
    area = QScrollArea()
    area.setWidget(widget)
    area.setWidgetResizable(True)
    area.setFrameShape(QFrame.Shape.NoFrame)
    return area


def year_row(records: YearlyRecords, hint: str) -> QHBoxLayout:
    row = QHBoxLayout()
    label = QLabel(hint)
    label.setBuddy(records.year_box)
    row.addWidget(label)
    row.addWidget(records.year_box)
    row.addStretch(1)
    return row


class YearlyTab(FormTab):
    """A tab over one per-year table: `records` (YearlyRecords) switches the year of `form`;
    `op(ctx, household_id, year, values)` saves a year; `detail_key` is its part of the detail."""

    op = None
    detail_key = ""
    records: YearlyRecords

    def load(self, detail):
        self.records.load(detail[self.detail_key])

    def dirty(self):
        return self.records.dirty()

    def new_record(self, year: int) -> dict:
        """Values a year's record starts with when it is saved for the first time."""
        return {}

    def steps(self):
        return self.records.steps(type(self).op, self.household_id, extra=self.new_record)


class ConditionsTab(YearlyTab):
    key = "conditions"
    title = "生产生活条件"
    sections = frozenset({"conditions"})
    op = set_conditions
    detail_key = "conditions"
    error_prefix = "生产生活条件："

    def __init__(self, editor):
        super().__init__(editor)
        self.form = self.make_form("conditions")
        add_fields(self.form, *CONDITION_FIELDS)
        self.records = YearlyRecords(self.form, lambda: self.app.today, parent=self)
        add_rule_hints(self.form, CONDITION_RULES, lambda v: {
            "today": self.app.today, "conditions": {**v, "year": self.records.year}})
        self.form.edited.connect(self.changed)
        grid = FormGrid(self.form, columns=3)
        grid.section(self.tr("土地与生产"))
        grid.add(*CONDITION_FIELDS[:7], "cooperative", "household_power", "production_power")
        grid.section(self.tr("道路与住房"))
        grid.add("road_distance_km", "road_type", "house_area_m2", "house_safety", "house_rebuilt",
                 "relocated", "house_safe")
        grid.section(self.tr("饮水、燃料与设施"))
        grid.add("water_difficult", "water_safe", "fuel", "sanitary_toilet", "radio_tv", "broadband")
        grid.finish()
        layout = QVBoxLayout(self)
        layout.addLayout(year_row(self.records, self.tr("年度(&Y)：")))
        layout.addWidget(_scroll(grid))


def _money(value) -> Decimal:
    return value if isinstance(value, Decimal) else Decimal(value or 0)


class IncomeTab(YearlyTab):
    """Income items; 家庭纯收入 and 人均纯收入 computed live against the year's poverty line."""

    key = "income"
    title = "收入情况"
    sections = frozenset({"incomes"})
    op = set_income
    detail_key = "incomes"
    error_prefix = "收入："

    def __init__(self, editor):
        super().__init__(editor)
        self.lines = None
        self.village_code = ""
        self.form = self.make_form("income")
        add_fields(self.form, *ITEMS, "household_size")
        self.form.add_check(self._checks)
        self.records = YearlyRecords(self.form, lambda: self.app.today,
                                     defaults=lambda year: {"household_size": self.current_size()},
                                     parent=self)
        add_rule_hints(self.form, INCOME_RULES, lambda v: {
            "today": self.app.today, "income": {**v, "year": self.records.year}, "lines": self.lines,
            "village_code": self.village_code})
        self.form.add_warning(self._size_prompt)
        self.records.year_changed.connect(lambda _y: self.recompute())
        self._linked_transfers = True
        for name in TRANSFER_ITEMS:
            self.form.widgets[name].edited.connect(self._item_edited)
        self.form.widgets["transfers"].edited.connect(self._transfers_edited)
        self.form.edited.connect(self.recompute)
        self.form.edited.connect(self.changed)

        grid = FormGrid(self.form, columns=2)
        grid.section(self.tr("收入（元/年）"))
        grid.add("wages", "business", "property", "business_costs")
        grid.section(self.tr("转移性收入（元/年）"))
        grid.add("transfers", *TRANSFER_ITEMS)
        grid.section(self.tr("计算人口"))
        grid.add("household_size")
        grid.finish()

        self.net_label = QLabel()
        self.pc_label = QLabel()
        self.line_label = QLabel()
        self.badge = QLabel()
        self.note_label = QLabel()
        for w in (self.net_label, self.pc_label):
            w.setObjectName("figure")
        self.net_label.setAccessibleName(self.tr("家庭纯收入"))
        self.pc_label.setAccessibleName(self.tr("人均纯收入"))
        self.note_label.setObjectName("hint")
        self.note_label.setWordWrap(True)
        panel = QFrame()
        panel.setFrameShape(QFrame.Shape.StyledPanel)
        box = QGridLayout(panel)
        box.addWidget(QLabel(self.tr("家庭纯收入")), 0, 0)
        box.addWidget(self.net_label, 1, 0)
        box.addWidget(QLabel(self.tr("人均纯收入")), 0, 1)
        box.addWidget(self.pc_label, 1, 1)
        box.addWidget(QLabel(self.tr("扶贫标准")), 0, 2)
        box.addWidget(self.line_label, 1, 2)
        box.addWidget(self.badge, 1, 3, Qt.AlignmentFlag.AlignLeft)
        box.addWidget(self.note_label, 2, 0, 1, 4)
        box.setColumnStretch(3, 1)
        formula = QLabel(self.tr("家庭纯收入 = 工资性 + 生产经营性 + 财产性 + 转移性 − 生产经营性支出；"
                                 "人均纯收入 = 家庭纯收入 ÷ 计算人口"))
        formula.setObjectName("hint")
        layout = QVBoxLayout(self)
        layout.addLayout(year_row(self.records, self.tr("年度(&Y)：")))
        layout.addWidget(panel)
        layout.addWidget(formula)
        layout.addWidget(_scroll(grid), 1)

    def current_size(self) -> int:
        members = self.editor.tab("members", build=False)
        if members is not None:
            return members.normal_count()
        return self.editor.detail["household"]["size"]

    def items(self, v: dict | None = None) -> IncomeItems:
        v = v if v is not None else self.form.collect()
        return IncomeItems(**{name: _money(v.get(name)) for name in ITEMS})

    def _item_edited(self) -> None:
        """转移性收入 follows its items while it agreed with them."""
        if self._linked_transfers and not self.form.loading:
            self.form.set("transfers", transfer_items_total(self.items()))

    def _transfers_edited(self) -> None:
        if self.form.loading:
            return
        self._linked_transfers = _money(self.form.value("transfers")) == transfer_items_total(self.items())

    def _checks(self, v: dict) -> dict[str, str]:
        out = {}
        for e in validate_income(self.items(v)):
            name = next((k for k, label in FIELD_LABELS.items() if label == e.field), "transfers")
            out.setdefault(name, e.message)
        if not v.get("household_size"):
            out["household_size"] = "计算人口必须大于0"
        return out

    def _size_prompt(self, v: dict) -> dict[str, str]:
        """What to look at beside the rules' hints (no data-quality rule says it of a form)."""
        size = self.current_size()
        if v.get("household_size") and size and v["household_size"] != size:
            return {"household_size": f"与当前家庭人口（{size}人）不一致"}
        return {}

    def _per_capita(self, v: dict):
        try:
            return per_capita(net_income(self.items(v)), int(v.get("household_size") or 0))
        except DomainError:
            return None

    def line(self):
        if self.lines is None or self.records.year is None:
            return None
        try:
            return self.lines.line_for(self.records.year, province_code=self.village_code[:2],
                                       county_code=self.village_code[:6])
        except DomainError:
            return None

    def recompute(self) -> None:
        v = self.form.collect()
        net = net_income(self.items(v))
        pc = self._per_capita(v)
        line = self.line()
        self.net_label.setText(self.tr("{0} 元").format(format_yuan(net)))
        self.pc_label.setText(self.tr("{0} 元").format(format_yuan(pc)) if pc is not None else "—")
        self.line_label.setText(self.tr("{0} 元").format(format_yuan(line.amount)) if line else self.tr("无"))
        self.line_label.setToolTip(line.describe() if line else "")
        if pc is None or line is None:
            self.badge.setText("")
            restyle(self.badge, "")
        elif pc > line.amount:
            self.badge.setText(self.tr("达标"))
            restyle(self.badge, BADGE_OK)
        else:
            self.badge.setText(self.tr("未达标"))
            restyle(self.badge, BADGE_BAD)
        notes = [line.describe()] if line else []
        if line is not None:
            notes += [e.message for e in income_warnings(self.items(v), pc, line) if e.field == "人均纯收入"]
        self.note_label.setText("；".join(notes))

    def load(self, detail):
        self.lines = detail["lines"]
        self.village_code = detail["village"]["code"]
        super().load(detail)
        self._linked_transfers = _money(self.form.value("transfers")) == transfer_items_total(self.items())
        self.recompute()

    def new_record(self, year: int) -> dict:
        return {"household_size": self.current_size()}
