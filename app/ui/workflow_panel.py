"""The household's 办理记录 (workflow timeline with the next allowed actions), its 退出评估 tab, the
batch step dialog for a selection of households, and the 拟识别/拟退出/本年已脱贫/返贫 lists.

Takes an app_ctx with .ops, .runner, .bus.changed and .interaction (app/ui/context.AppContext).
"""

from __future__ import annotations

from datetime import date

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QAbstractScrollArea,
    QCheckBox,
    QComboBox,
    QDateEdit,
    QDialog,
    QDialogButtonBox,
    QFormLayout,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QSpinBox,
    QTableWidget,
    QTableWidgetItem,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain import codes, workflow
from app.ui.empty_state import set_empty_text
from app.ui.layouts import FlowBox
from app.ui.quality_view import run_read

FAILED = QColor("#c0392b")


def _flow(ops, household_id):
    from app.ops.workflow import household_flow

    return household_flow(ops, household_id)


def _record(ops, household_ids, process, step, on, **kw):
    from app.ops.workflow import record_steps

    return record_steps(ops, household_ids, process, step, on, **kw)


def _preview(ops, household_id):
    from app.ops.exit_assessment import preview_exit

    return preview_exit(ops, household_id)


def _assess(ops, household_id):
    from app.ops.exit_assessment import assess_exit

    return assess_exit(ops, household_id)


def _list(ops, village_id, name):
    from app.ops.workflow import household_list

    return household_list(ops, village_id, name)


def _to_date(q: QDate) -> date:
    return date(q.year(), q.month(), q.day())


class StepDialog(QDialog):
    """Date, result, document number and note of one step (and the type when a 监测对象 is
    confirmed). `values()` gives the keyword arguments of record_steps."""

    def __init__(self, process: str, step: int, today: date, parent: QWidget | None = None,
                 not_before: date | None = None):
        super().__init__(parent)
        spec = workflow.process(process)
        this = spec.step(step)
        self.setWindowTitle(self.tr("{0} 第{1}步").format(spec.title, step))
        self.date = QDateEdit(QDate(today.year, today.month, today.day))
        self.date.setCalendarPopup(True)
        self.date.setDisplayFormat("yyyy-MM-dd")
        self.date.setMaximumDate(QDate(today.year, today.month, today.day))
        self.result = QComboBox()
        self.result.addItem(this.pass_word, True)
        self.result.addItem(this.fail_word, False)
        self.actor = QLineEdit()
        self.doc_ref = QLineEdit()
        self.note = QLineEdit()
        self.monitoring_type = QComboBox()
        for label in codes.MONITORING_TYPE.labels():
            self.monitoring_type.addItem(label, label)
        form = QFormLayout(self)
        form.addRow(QLabel(this.name))
        if not_before:
            form.addRow(QLabel(self.tr("公示期满：{0} 以后").format(not_before.isoformat())))
        form.addRow(self.tr("日期"), self.date)
        form.addRow(self.tr("结果"), self.result)
        form.addRow(self.tr("经办人"), self.actor)
        form.addRow(self.tr("文号"), self.doc_ref)
        form.addRow(self.tr("备注/原因"), self.note)
        if process == "monitor" and step == 5:
            form.addRow(self.tr("监测对象类型"), self.monitoring_type)
        self.process, self.step = process, step
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self.accept)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)

    def values(self) -> dict:
        out = {"on": _to_date(self.date.date()), "passed": bool(self.result.currentData()),
               "actor": self.actor.text().strip() or None, "doc_ref": self.doc_ref.text().strip() or None,
               "note": self.note.text().strip() or None}
        if self.process == "monitor" and self.step == 5:
            out["monitoring_type"] = self.monitoring_type.currentData()
        return out


class _HouseholdPanel(QWidget):
    """A panel showing what `load(ops, household_id)` returns, via `show_data`, refreshed when the
    tables it reads change."""

    tables: frozenset[str] = frozenset()

    def __init__(self, app_ctx, household_id: str | None, parent: QWidget | None):
        super().__init__(parent)
        self.app_ctx = app_ctx
        self.household_id = household_id

    def _ready(self) -> None:
        """Call at the end of the subclass's __init__, once its widgets exist."""
        self.app_ctx.bus.changed.connect(self._changed)
        self.refresh()

    def set_household(self, household_id: str) -> None:
        self.household_id = household_id
        self.refresh()

    def refresh(self) -> None:
        if self.household_id:
            run_read(self.app_ctx, type(self).load, self.household_id, on_done=self._show_if_open)

    def _show_if_open(self, data) -> None:
        """The answer of a read may come after the window was closed (a card closed at once)."""
        import shiboken6

        if shiboken6.isValid(self) and shiboken6.isValid(self.window()):
            self.show_data(data)

    def _changed(self, tables) -> None:
        if self.household_id and self.tables & set(tables):
            self.refresh()

    @staticmethod
    def load(ops, household_id):
        raise NotImplementedError

    def show_data(self, data) -> None:
        raise NotImplementedError


class WorkflowPanel(_HouseholdPanel):
    """Timeline of every recorded step and buttons for the next allowed actions of one household."""

    recorded = Signal()
    tables = frozenset({"workflow_step", "household"})
    load = staticmethod(_flow)

    def __init__(self, app_ctx, household_id: str | None = None, parent: QWidget | None = None):
        super().__init__(app_ctx, household_id, parent)
        self.flow = None
        self.status = QLabel()
        self.lists = QLabel()
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("日期"), self.tr("程序"), self.tr("步骤"), self.tr("结果"), self.tr("经办人"),
                                   self.tr("文号"), self.tr("备注")])
        self.tree.setColumnWidth(2, 260)
        set_empty_text(self.tree, self.tr("还没有办理记录。用下方“可以办理”的按钮登记识别、退出、返贫监测等程序的步骤，"
                                          "办理过的步骤按日期列在这里。"))
        self.status.setWordWrap(True)
        self.lists.setWordWrap(True)
        # the next steps' buttons wrap onto more lines rather than widen the household card
        self.actions_widget = FlowBox()
        self.actions_box = self.actions_widget.flow
        head = QHBoxLayout()
        head.addWidget(self.status)
        head.addStretch(1)
        head.addWidget(self.lists)
        layout = QVBoxLayout(self)
        layout.addLayout(head)
        layout.addWidget(self.tree, 1)
        layout.addWidget(QLabel(self.tr("可以办理：")))
        layout.addWidget(self.actions_widget)
        self._ready()

    def show_data(self, flow) -> None:
        self.flow = flow
        self.status.setText(self.tr("户状态：{0}").format(flow.status_label))
        self.lists.setText("、".join(sorted(flow.lists)))
        self.tree.clear()
        for e in flow.timeline:
            item = QTreeWidgetItem([e.date.isoformat() if e.date else "", e.process_title, f"{e.step}. {e.step_name}",
                                    e.result, e.actor, e.doc_ref, e.note])
            if not e.passed:
                item.setForeground(3, QBrush(FAILED))
            self.tree.addTopLevelItem(item)
        while self.actions_box.count():
            w = self.actions_box.takeAt(0).widget()
            if w is not None:
                w.deleteLater()
        for action in flow.actions:
            button = QPushButton(action.title)
            button.clicked.connect(lambda _=False, a=action: self.start(a))
            button.setToolTip(action.title)
            self.actions_box.addWidget(button)
        self.actions_widget.fit_height()

    def start(self, action: workflow.Action) -> None:
        dialog = StepDialog(action.process, action.step, self.app_ctx.ops.today, self, action.not_before)
        if dialog.exec() == QDialog.DialogCode.Accepted:
            self.record(action.process, action.step, **dialog.values())

    def record(self, process: str, step: int, **values) -> None:
        on = values.pop("on")
        self.app_ctx.runner.run(_record, [self.household_id], process, step, on,
                                label=self.tr("{0}第{1}步").format(workflow.process(process).title, step),
                                on_success=lambda r: self.recorded.emit(), **values)


class ExitAssessmentPanel(_HouseholdPanel):
    """退出评估: each indicator of the county's profile, 达标/未达标 with the evidence; 保存 stores the
    assessment (who, when, inputs) so the 退出验收表 can be reprinted as it was."""

    shown = Signal(object)  # the Assessment just shown
    tables = frozenset({"household", "member", "income", "conditions", "exit_assessment"})
    load = staticmethod(_preview)

    def __init__(self, app_ctx, household_id: str | None = None, parent: QWidget | None = None):
        super().__init__(app_ctx, household_id, parent)
        self.assessment = None
        self.title = QLabel()
        self.table = QTableWidget(0, 3)
        self.table.setHorizontalHeaderLabels([self.tr("指标"), self.tr("实际情况"), self.tr("是否达标")])
        self.title.setWordWrap(True)
        # every indicator on screen, 实际情况 wrapped in full: the table is as tall as its rows
        # (the 退出评估 tab scrolls) and its middle column takes the width left
        header = self.table.horizontalHeader()
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Interactive)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(2, QHeaderView.ResizeMode.ResizeToContents)
        self.table.setColumnWidth(0, 200)
        self.table.setWordWrap(True)
        self.table.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.ResizeToContents)
        self.table.setVerticalScrollBarPolicy(Qt.ScrollBarPolicy.ScrollBarAlwaysOff)
        self.table.setSizeAdjustPolicy(QAbstractScrollArea.SizeAdjustPolicy.AdjustToContents)
        self.save = QPushButton(self.tr("保存评估结果"))
        layout = QVBoxLayout(self)
        layout.addWidget(self.title)
        layout.addWidget(self.table, 1)
        layout.addWidget(self.save, 0, Qt.AlignmentFlag.AlignRight)
        self.save.clicked.connect(self.store)
        self._ready()

    def show_data(self, a) -> None:
        self.assessment = a
        verdict = self.tr("达到退出标准") if a.passed else self.tr("未达到退出标准")
        self.title.setText(self.tr("{0}年 {1}：{2}（{3}）").format(a.year, a.profile_title, verdict, a.line_text))
        self.table.setRowCount(len(a.indicators))
        for r, i in enumerate(a.indicators):
            ok = QTableWidgetItem(self.tr(i.verdict))  # 达标 / 未达标 / 资料不全 (not recorded)
            if not i.passed:
                ok.setForeground(QBrush(FAILED))
            for c, item in enumerate((QTableWidgetItem(i.name), QTableWidgetItem(i.evidence), ok)):
                item.setToolTip(item.text())
                self.table.setItem(r, c, item)
        self.table.resizeRowsToContents()
        rows = sum(self.table.rowHeight(r) for r in range(self.table.rowCount()))
        self.table.setMinimumHeight(rows + self.table.horizontalHeader().height() + 2 * self.table.frameWidth())
        self.shown.emit(a)

    def store(self) -> None:
        self.app_ctx.runner.run(_assess, self.household_id, label=self.tr("保存退出评估"))


class BatchStepDialog(QDialog):
    """One step for a selection of households in one transaction (e.g. 第一次公示 for 12 households).
    Refused households are listed; with 跳过 the others are recorded."""

    def __init__(self, app_ctx, household_ids: list[str], parent: QWidget | None = None):
        super().__init__(parent)
        self.app_ctx = app_ctx
        self.household_ids = list(household_ids)
        self.outcome = None
        self.setWindowTitle(self.tr("批量办理（{0} 户）").format(len(self.household_ids)))
        self.process = QComboBox()
        for key, spec in workflow.PROCESSES.items():
            if not spec.member_change:
                self.process.addItem(spec.title, key)
        self.step = QSpinBox()
        self.step.setMinimum(1)
        self.step_name = QLabel()
        self.skip = QCheckBox(self.tr("跳过不能办理的户，办理其余的户"))
        self.result = QLabel()
        self.result.setWordWrap(True)
        form = QFormLayout(self)
        form.addRow(self.tr("程序"), self.process)
        form.addRow(self.tr("步骤"), self.step)
        form.addRow("", self.step_name)
        form.addRow("", self.skip)
        form.addRow(self.result)
        buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        buttons.accepted.connect(self._next)
        buttons.rejected.connect(self.reject)
        form.addRow(buttons)
        self.process.currentIndexChanged.connect(self._update)
        self.step.valueChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        spec = workflow.process(self.process.currentData())
        self.step.setMaximum(spec.last)
        self.step_name.setText(spec.step(min(self.step.value(), spec.last)).name)

    def choose(self, process: str, step: int) -> None:
        self.process.setCurrentIndex(self.process.findData(process))
        self.step.setValue(step)

    def _next(self) -> None:
        details = StepDialog(self.process.currentData(), self.step.value(), self.app_ctx.ops.today, self)
        if details.exec() == QDialog.DialogCode.Accepted:
            self.record(**details.values())

    def record(self, **values) -> None:
        on = values.pop("on")
        self.app_ctx.runner.run(_record, self.household_ids, self.process.currentData(), self.step.value(), on,
                                skip_refused=self.skip.isChecked(), label=self.tr("批量办理"),
                                on_success=self._done, **values)

    def _done(self, result) -> None:
        self.outcome = result.value
        refused = "\n".join(f"{code}：{why}" for _, code, why in self.outcome.refused)
        text = self.tr("已办理 {0} 户。").format(len(self.outcome.recorded))
        if refused:
            text += self.tr("\n未办理：\n{0}").format(refused)
        self.app_ctx.interaction.info(self.tr("批量办理"), text)
        self.accept()


class _VillageTable(QWidget):
    """A village's households in a table with filters above it; double-click opens the household."""

    open_requested = Signal(str)  # household id

    def __init__(self, app_ctx, village_id: str | None, headers: list[str], filters: list[QComboBox],
                 parent: QWidget | None = None, widths: tuple[int, ...] = ()):
        super().__init__(parent)
        self.app_ctx = app_ctx
        self.village_id = village_id
        self.rows = []
        self.table = QTableWidget(0, len(headers))
        self.table.setHorizontalHeaderLabels(headers)
        self.table.setEditTriggers(QTableWidget.EditTrigger.NoEditTriggers)
        # fixed widths for the short columns, the last (the longest text) takes the rest and wraps
        for column, width in enumerate(widths):
            self.table.setColumnWidth(column, width)
        self.table.horizontalHeader().setStretchLastSection(True)
        self.table.setWordWrap(True)
        # what the list would hold, while it holds nothing
        self.empty = QLabel()
        self.empty.setObjectName("hint")
        self.empty.setWordWrap(True)
        self.empty.hide()
        bar = QHBoxLayout()
        for combo in filters:
            bar.addWidget(combo)
            combo.currentIndexChanged.connect(self.refresh)
        bar.addStretch(1)
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.empty)
        layout.addWidget(self.table, 1)
        self.table.cellDoubleClicked.connect(lambda r, _c: self.open_requested.emit(self.rows[r].id))
        app_ctx.bus.changed.connect(lambda tables: self.refresh() if self.isVisible() else None)

    def set_village(self, village_id: str | None) -> None:
        self.village_id = village_id
        self.refresh()

    def refresh(self) -> None:
        raise NotImplementedError

    def fill(self, rows, values) -> None:
        """One table row per household: `values(row)` gives its cells."""
        self.rows = list(rows)
        self.table.setRowCount(len(self.rows))
        for r, row in enumerate(self.rows):
            for c, value in enumerate(values(row)):
                item = QTableWidgetItem(value)
                item.setToolTip(value)
                self.table.setItem(r, c, item)
        if len(self.rows) <= 2000:  # wrapped rows cost a measurement each
            self.table.resizeRowsToContents()
        if self.rows:
            self.empty.hide()
        else:
            self.empty.setText(self.tr("请先在主窗口左侧选择一个村。") if not self.village_id else self.empty_text())
            self.empty.show()

    def empty_text(self) -> str:
        """What would be listed, and how a household gets here."""
        return self.tr("没有符合条件的户。")


class HouseholdListsWidget(_VillageTable):
    """拟识别 / 未纳入 / 拟退出 / 本年已脱贫 / 返贫 of a village."""

    def __init__(self, app_ctx, village_id: str | None = None, parent: QWidget | None = None):
        self.which = QComboBox()
        self.which.addItems(list(workflow.LISTS))
        super().__init__(app_ctx, village_id, ["户编号", "户主", "人口", "组", "户状态", "最近办理"], [self.which],
                         parent, widths=(160, 80, 48, 80, 110))
        # Batch: select several households (Shift/Ctrl+click) and record one step for all of them.
        self.table.setSelectionBehavior(QTableWidget.SelectionBehavior.SelectRows)
        self.batch_button = QPushButton(self.tr("为所选户登记流程步骤…"))
        self.batch_button.clicked.connect(self.batch_step)
        self.layout().itemAt(0).layout().addWidget(self.batch_button)

    def selected_ids(self) -> list[str]:
        return [self.rows[r].id for r in sorted({i.row() for i in self.table.selectedIndexes()})]

    def batch_step(self):
        ids = self.selected_ids()
        if not ids:
            self.app_ctx.interaction.info(self.tr("批量登记"), self.tr("请先在名单中选择一户或多户。"))
            return None
        dialog = BatchStepDialog(self.app_ctx, ids, self)
        dialog.open()
        return dialog

    def refresh(self) -> None:
        run_read(self.app_ctx, _list, self.village_id, self.which.currentText(), on_done=self.show_rows)

    def empty_text(self) -> str:
        return self.tr("本村当前没有“{0}”的户。户在户卡“退出评估”页（或在此选中多户后用“为所选户登记流程步骤”）办理识别、"
                       "退出、返贫等程序的相应步骤后，会出现在对应的名单中。").format(self.which.currentText())

    def show_rows(self, rows) -> None:
        self.fill(rows, lambda row: (
            row.code, row.head_name or "", str(row.size), row.group, row.status,
            f"{row.last_step} {row.last_date.isoformat() if row.last_date else ''}".strip()))


def _monitoring(ops, village_id, **filters):
    from app.ops.monitoring import monitoring_overview

    return monitoring_overview(ops, village_id, **filters)


class MonitoringListWidget(_VillageTable):
    """监测对象 and households raising 返贫 flags, with the evidence; filters by type and 风险状态."""

    def __init__(self, app_ctx, village_id: str | None = None, parent: QWidget | None = None):
        self.which = QComboBox()
        self.which.addItem("有预警的户", "flagged")
        self.which.addItem("监测对象", "objects")
        self.kind = QComboBox()
        self.kind.addItem("全部类型", None)
        for label in codes.MONITORING_TYPE.labels():
            self.kind.addItem(label, label)
        self.risk = QComboBox()
        self.risk.addItem("全部风险状态", None)
        for label in codes.RISK_STATUS.labels():
            self.risk.addItem(label, label)
        super().__init__(app_ctx, village_id, ["户编号", "户主", "户状态", "监测对象类型", "风险状态", "预警（依据）"],
                         [self.which, self.kind, self.risk], parent, widths=(160, 72, 100, 110, 90))

    def refresh(self) -> None:
        objects = self.which.currentData() == "objects"
        run_read(self.app_ctx, _monitoring, self.village_id, flagged_only=not objects, objects_only=objects,
                 monitoring_type=self.kind.currentData(), risk_status=self.risk.currentData(),
                 on_done=self.show_rows)

    def empty_text(self) -> str:
        if self.which.currentData() == "objects":
            return self.tr("本村没有符合条件的监测对象。在户卡“基本信息”页填写监测对象类型，或办理防止返贫监测"
                           "程序后，该户出现在这里。")
        return self.tr("本村没有符合条件的有预警的户。程序按防返贫监测规则（收入下降、低于扶贫标准的1.5倍、"
                       "走访发现突发变故、因病因灾等）逐户检查，发现风险的户会列在这里。")

    def show_rows(self, rows) -> None:
        self.fill(rows, lambda row: (
            row.code, row.head_name, row.status, row.monitoring_type or row.suggested_type, row.risk_status,
            "；".join(f"{f.title}：{f.evidence}" for f in row.flags)))
