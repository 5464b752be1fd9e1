"""变更历史 (from the change log: who, when, which record, field, old → new) and the read-only
退出评估 page the exit workflow fills."""

from __future__ import annotations

import json
from datetime import UTC

from PySide6.QtCore import Qt, QTimer
from PySide6.QtWidgets import (
    QGridLayout,
    QGroupBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.domain import fields
from app.domain import workflow
from app.domain.history import change_rows
from app.ops import reads
from app.ops.exit_assessment import record_food_clothing
from app.ops.undo import OBJECT_NAMES
from app.ops.workflow import set_exit_year
from app.ui.editor.base import EditorTab
from app.ui.empty_state import set_empty_text
from app.ui.field_widgets import DateField, TextField, YesNoField
from app.ui.table_model import Column, record_table

HISTORY_COLUMNS = [Column("when", "时间"), Column("user", "用户"), Column("object", "记录"),
                   Column("op", "操作"), Column("field", "字段"), Column("old", "原值"),
                   Column("new", "新值")]


def value_text(table: str, field: str, value, refs: dict[str, str]) -> str:
    """A logged JSON value as the user knows it (JSON values are text, numbers and booleans)."""
    return fields.value_text(table, field, value, refs)


def history_rows(records: list[dict], refs: dict[str, str]) -> list[dict]:
    """One row per changed field; a created row is one line (app/domain/history.py)."""
    return change_rows(records, refs, object_names=OBJECT_NAMES,
                       text=lambda table, field, value: value_text(table, field, value, refs),
                       when=lambda dt: dt.replace(tzinfo=UTC).astimezone().strftime("%Y-%m-%d %H:%M"))


class HistoryTab(EditorTab):
    key = "history"
    title = "变更历史"
    sections = frozenset(reads.DETAIL_TABLES)  # every save adds to the history

    def __init__(self, editor):
        super().__init__(editor)
        self.model, self.view = record_table(HISTORY_COLUMNS, self)
        header = self.view.horizontalHeader()
        for i, width in enumerate((120, 64, 140, 44, 110, 180)):
            header.resizeSection(i, width)
        header.setSectionResizeMode(len(HISTORY_COLUMNS) - 1, QHeaderView.ResizeMode.Stretch)
        # full values: wrapped in the row (and whole in the tooltip), never cut
        self.view.setWordWrap(True)
        self.view.setTextElideMode(Qt.TextElideMode.ElideNone)
        # the rows follow the wrapped text as the columns change width (the window resized)
        self._rows_timer = QTimer(self)
        self._rows_timer.setSingleShot(True)
        self._rows_timer.setInterval(0)
        self._rows_timer.timeout.connect(self.view.resizeRowsToContents)
        header.sectionResized.connect(lambda *_a: self._rows_timer.start())
        self.hint = QLabel(self.tr("每次保存都记入变更记录（谁、何时、改了什么）；同步时也据此发现冲突。"))
        self.hint.setObjectName("hint")
        layout = QVBoxLayout(self)
        layout.addWidget(self.hint)
        layout.addWidget(self.view)

    def load(self, detail):
        records, refs = reads.household_history(self.app.ops, self.household_id)
        refs.update({gid: name for gid, name in detail["groups"]})
        self.model.set_rows(history_rows(records, refs))
        self.view.resizeRowsToContents()
        self.hint.setText(self.tr("共 {0} 条变更记录。每次保存都记入变更记录（谁、何时、改了什么），同步时也据此发现冲突。")
                          .format(len(records)))


EXIT_COLUMNS = [Column("year", "年度"), Column("profile", "标准"),
                Column("passed", "结论", lambda v: "达标" if v else "未达标"),
                Column("assessed_by", "评估人"), Column("assessed_on", "评估日期"),
                Column("indicators", "指标", lambda v: "；".join(
                    f"{i.get('name', '')}：{'达标' if i.get('passed') else '未达标'}"
                    for i in (json.loads(v) if v else []) if isinstance(i, dict)))]


class FoodClothingBox(QGroupBox):
    """不愁吃 / 不愁穿 of the assessed year as recorded facts (是 / 否 / 未记录), when they were checked
    and by whom, saved at once through record_food_clothing: until they are recorded the exit
    assessment shows 资料不全 for them."""

    def __init__(self, tab: EditorTab):
        super().__init__(tab.tr("不愁吃、不愁穿"))
        self.tab = tab
        self.year: int | None = None
        self.rows: dict[int, dict] = {}
        self.food, self.clothing = YesNoField(), YesNoField()
        self.checked_on, self.checked_by = DateField(), TextField(max_length=60, placeholder=tab.tr("默认为当前用户"))
        self.record_button = QPushButton(tab.tr("记录不愁吃、不愁穿(&F)"))
        self.year_label = QLabel()
        grid = QGridLayout(self)
        grid.addWidget(self.year_label, 0, 0, 1, 4)
        for i, (text, widget) in enumerate(((tab.tr("不愁吃(&E)："), self.food),
                                            (tab.tr("不愁穿(&W)："), self.clothing),
                                            (tab.tr("核实日期："), self.checked_on),
                                            (tab.tr("核实人："), self.checked_by))):
            label = QLabel(text)
            label.setBuddy(widget)
            grid.addWidget(label, 1 + i // 2, 2 * (i % 2))
            grid.addWidget(widget, 1 + i // 2, 2 * (i % 2) + 1)
        grid.addWidget(self.record_button, 3, 3, 1, 2, Qt.AlignmentFlag.AlignRight)
        for widget, width in ((self.food, 110), (self.clothing, 110), (self.checked_on, 160), (self.checked_by, 200)):
            widget.setMaximumWidth(width)  # as wide as the same fields of the forms (app/ui/field_choice.py)
        grid.setColumnStretch(4, 1)
        self.record_button.clicked.connect(self.record)
        self.record_button.setEnabled(False)  # until the assessed year is known

    def load(self, rows: list[dict]) -> None:
        self.rows = {r["year"]: r for r in rows}
        self._fill()

    def set_year(self, year: int) -> None:
        if year != self.year:
            self.year = year
            self._fill()

    def _fill(self) -> None:
        if self.year is None:
            return
        row = self.rows.get(self.year, {})
        self.year_label.setText(self.tab.tr("{0}年（退出评估的年度）").format(self.year))
        self.food.set_value(row.get("food_secure"))
        self.clothing.set_value(row.get("clothing_secure"))
        self.checked_on.set_value(row.get("food_clothing_checked_on"))
        self.checked_by.set_value(row.get("food_clothing_checked_by"))
        self.record_button.setEnabled(True)

    def record(self) -> None:
        if self.year is None:
            return
        self.tab.app.runner.run(record_food_clothing, self.tab.household_id, self.year, self.food.value(),
                                self.clothing.value(), checked_on=self.checked_on.value(),
                                checked_by=self.checked_by.value(), label=self.tab.tr("记录不愁吃、不愁穿"))


class ExitYearRow(QWidget):
    """脱贫年度 of an exited household and 修改脱贫年度…: the year and the reason are asked through the
    interaction layer, saved by set_exit_year (which refuses an empty reason)."""

    def __init__(self, tab: EditorTab):
        super().__init__(tab)
        self.tab = tab
        self.household: dict = {}
        self.label = QLabel()
        self.button = QPushButton(tab.tr("修改脱贫年度(&T)…"))
        layout = QHBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.label, 1)
        layout.addWidget(self.button)
        self.button.clicked.connect(self.change)

    def load(self, household: dict) -> None:
        self.household = household
        exited = household.get("status") == workflow.EXITED
        year = household.get("exit_year")
        self.label.setText(self.tab.tr("脱贫年度：{0}").format(self.tab.tr("{0}年").format(year) if year else
                                                               self.tab.tr("未填")) if exited else
                           self.tab.tr("脱贫年度：该户未脱贫"))
        self.button.setEnabled(exited)

    def change(self) -> None:
        h, today = self.household, self.tab.app.today
        low, high = h.get("identified_year") or 2013, today.year + 1
        answer = self.tab.app.interaction.ask_year_and_reason(
            self.tab.tr("修改脱贫年度"),
            self.tab.tr("户 {0} 的脱贫年度（现为 {1}）改为：").format(h.get("code", ""), h.get("exit_year") or "空"),
            h.get("exit_year") or today.year, low, high)
        if answer is not None:
            year, reason = answer
            self.tab.app.runner.run(set_exit_year, self.tab.household_id, year, reason,
                                    label=self.tab.tr("修改脱贫年度"))


class ExitTab(EditorTab):
    """退出评估: the life-cycle timeline with the next allowed steps, the exit assessment computed
    from the record (stored on request, so the printed 退出验收表 can be reproduced), and the
    assessments stored so far."""

    key = "exit"
    title = "退出评估"
    sections = frozenset({"exit_assessments", "conditions", "household"})

    def __init__(self, editor):
        from app.ui.workflow_panel import ExitAssessmentPanel, WorkflowPanel

        super().__init__(editor)
        self.workflow = WorkflowPanel(self.app, self.household_id, self)
        self.assessment = ExitAssessmentPanel(self.app, self.household_id, self)
        self.food_clothing = FoodClothingBox(self)
        self.exit_year = ExitYearRow(self)
        self.assessment.shown.connect(lambda a: self.food_clothing.set_year(a.year))
        self.model, self.view = record_table(EXIT_COLUMNS, self)
        set_empty_text(self.view, self.tr("该户尚无退出评估记录。点上方“保存评估结果”把本次评估记下来，"
                                          "打印的退出验收表据此可以重现。"))
        self.note = QLabel()
        self.note.setWordWrap(True)
        self.note.setObjectName("hint")
        stored = QWidget(self)
        stored_layout = QVBoxLayout(stored)
        stored_layout.setContentsMargins(0, 0, 0, 0)
        stored_layout.addWidget(self.exit_year)
        stored_layout.addWidget(self.note)
        stored_layout.addWidget(self.view, 1)
        split = QSplitter(Qt.Orientation.Vertical)
        for part in (self.workflow, self.assessment, self.food_clothing, stored):
            split.addWidget(part)
        split.setChildrenCollapsible(False)
        self.workflow.tree.setMinimumHeight(110)
        self.view.setMinimumHeight(90)
        # the page scrolls (on a 1024×600 screen too) rather than squeeze the indicator table
        area = QScrollArea()
        area.setWidget(split)
        area.setWidgetResizable(True)
        area.setFrameShape(QScrollArea.Shape.NoFrame)
        area.setHorizontalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(area)

    def load(self, detail):
        rows = detail["exit_assessments"]
        self.model.set_rows(rows)
        self.food_clothing.load(detail["conditions"])
        self.exit_year.load(detail["household"])
        self.note.setText(self.tr("已保存的退出评估："))  # an empty list says so itself
