"""数据核查 view: the findings of the data-quality rules, grouped by rule; double-click opens the record
at the field (the `open_requested` signal, wired by the main window); export to xlsx.

Takes an app_ctx with .ops, .runner, .bus.changed and .interaction (app/ui/context.AppContext).
"""

from __future__ import annotations

from collections import defaultdict

from PySide6.QtCore import QDate, Qt, Signal
from PySide6.QtGui import QBrush, QColor
from PySide6.QtWidgets import (
    QCheckBox,
    QDateEdit,
    QHBoxLayout,
    QLabel,
    QSplitter,
    QPushButton,
    QTreeWidget,
    QTreeWidgetItem,
    QVBoxLayout,
    QWidget,
)

from app.domain import fields
from app.domain.quality import RULES, Finding
from app.ui.empty_state import set_empty_text
from app.ui.rule_chooser import RuleChooser

SEVERITY_COLORS = {"错误": QColor("#c0392b"), "警告": QColor("#b9770e"), "提示": QColor("#566573")}
FINDING_ROLE = Qt.ItemDataRole.UserRole + 1


def run_read(app_ctx, fn, *args, on_done, **kwargs):
    """A read on the database thread (the runner's read() when it has one), then on_done(value)."""
    runner = app_ctx.runner
    if hasattr(runner, "read"):
        return runner.read(fn, *args, on_done=on_done, **kwargs)
    return runner.run(fn, *args, on_success=on_done, **kwargs)


def _check(ops, village_id, rule_ids, as_of=None):
    from app.ops.quality import run_check

    return run_check(ops, village_id, rule_ids or None, as_of=as_of)


def _export(ops, findings, path):
    from app.exchange.findings import write_findings

    return write_findings(findings, path)


class QualityView(QWidget):
    open_requested = Signal(str, str, str, str)  # 户编号, table, row id, field

    def __init__(self, app_ctx, parent: QWidget | None = None, village_id: str | None = None):
        super().__init__(parent)
        self.app_ctx = app_ctx
        self.village_id = village_id
        self.findings: list[Finding] = []
        self._by_rule: dict[str, list[Finding]] = {}

        self.scope = QLabel()
        self.rules = RuleChooser()
        self.rules.changed.connect(self._rules_changed)
        # The reference date ages and "this year" count at: the data's latest 年度 unless the user
        # sets one (a 2020 register is checked as of 2020, not today).
        self.as_of_set = QCheckBox(self.tr("参考日期"))
        self.as_of_set.setToolTip(self.tr("不勾选：按数据的最新年度年末计算年龄和本年度"))
        self.as_of = QDateEdit()
        self.as_of.setCalendarPopup(True)
        self.as_of.setDisplayFormat("yyyy-MM-dd")
        self.as_of.setDate(QDate(app_ctx.ops.today.year, 12, 31))
        self.as_of.setEnabled(False)
        self.as_of_set.toggled.connect(self.as_of.setEnabled)
        self.run_button = QPushButton(self.tr("开始核查"))
        self.export_button = QPushButton(self.tr("导出 Excel…"))
        self.export_button.setEnabled(False)
        self.summary = QLabel(self.tr("尚未核查"))
        self.tree = QTreeWidget()
        self.tree.setHeaderLabels([self.tr("规则 / 户编号"), self.tr("级别"), self.tr("字段"), self.tr("值"),
                                   self.tr("问题说明")])
        self.tree.setColumnWidth(0, 190)
        self.tree.setColumnWidth(2, 110)
        self.tree.setColumnWidth(3, 150)
        self.tree.setUniformRowHeights(True)
        set_empty_text(self.tree, self.tr("点“开始核查”，按左侧勾选的规则检查数据；发现的问题按规则分组列在这里，"
                                          "展开一条规则可看到每一户，双击打开该户。"))

        bar = QHBoxLayout()
        bar.addWidget(self.scope)
        bar.addStretch(1)
        bar.addWidget(self.as_of_set)
        bar.addWidget(self.as_of)
        bar.addWidget(self.run_button)
        bar.addWidget(self.export_button)
        split = QSplitter(Qt.Orientation.Horizontal)
        split.addWidget(self.rules)
        split.addWidget(self.tree)
        split.setStretchFactor(1, 1)
        split.setSizes([250, 750])
        layout = QVBoxLayout(self)
        layout.addLayout(bar)
        layout.addWidget(self.summary)
        layout.addWidget(split, 1)

        self.run_button.clicked.connect(self.run_check)
        self.export_button.clicked.connect(self.export)
        self.tree.itemExpanded.connect(self._fill)
        self.tree.itemDoubleClicked.connect(self._open)
        app_ctx.bus.changed.connect(self._stale)
        self._show_scope()

    def set_village(self, village_id: str | None, name: str | None = None) -> None:
        self.village_id = village_id
        self._show_scope(name)

    def _show_scope(self, name: str | None = None) -> None:
        self.scope.setText(self.tr("范围：{0}").format(name or (self.tr("本村") if self.village_id else self.tr("全部村"))))

    def rule_ids(self) -> list[str]:
        return self.rules.chosen()

    def _rules_changed(self) -> None:
        n = self.rules.count_checked()
        self.run_button.setEnabled(n > 0)
        self.run_button.setToolTip("" if n else self.tr("请在左侧至少勾选一条规则"))

    def run_check(self) -> None:
        self.run_button.setEnabled(False)
        self.summary.setText(self.tr("正在核查…"))
        as_of = self.as_of.date().toPython() if self.as_of_set.isChecked() else None
        run_read(self.app_ctx, _check, self.village_id, self.rule_ids(), as_of, on_done=self.show_report,
                 on_failure=self._failed)

    def _failed(self, exc: BaseException) -> None:
        self.run_button.setEnabled(True)
        self.summary.setText(self.tr("核查未完成"))
        self.app_ctx.interaction.error(self.tr("数据核查"), str(exc))

    def show_report(self, report) -> None:
        self.run_button.setEnabled(True)
        self.findings = list(report.findings)
        by_rule = defaultdict(list)
        for f in self.findings:
            by_rule[f.rule].append(f)
        self._by_rule = dict(sorted(by_rule.items()))
        counts = report.counts
        sev = counts["by_severity"]
        as_of = getattr(report, "as_of", None)
        self.summary.setText(self.tr("参考日期 {5}：共 {0} 条（错误 {1}，警告 {2}，提示 {3}），涉及 {4} 户").format(
            counts["total"], sev["错误"], sev["警告"], sev["提示"], counts["households"],
            as_of.isoformat() if as_of else "—"))
        if as_of is not None and not self.as_of_set.isChecked():
            self.as_of.setDate(QDate(as_of.year, as_of.month, as_of.day))  # show the date used
        self.tree.clear()
        for rule_id, items in self._by_rule.items():
            rule = RULES[rule_id]
            node = QTreeWidgetItem([f"{rule_id} {rule.title}（{rule.severity}，{len(items)} 条）", rule.severity])
            node.setForeground(1, QBrush(SEVERITY_COLORS.get(rule.severity, QColor("black"))))
            node.setData(0, Qt.ItemDataRole.UserRole, rule_id)
            node.setChildIndicatorPolicy(QTreeWidgetItem.ChildIndicatorPolicy.ShowIndicator)
            node.setToolTip(0, node.text(0))
            self.tree.addTopLevelItem(node)
            node.setFirstColumnSpanned(True)  # the rule's whole name across the row, never cut
        self.export_button.setEnabled(bool(self.findings))
        if not self.findings:
            set_empty_text(self.tree, self.tr("按所选规则没有发现问题。"))

    def _fill(self, node: QTreeWidgetItem) -> None:
        """Children are made when a rule is opened (a county may have 100 000 findings)."""
        if node.childCount() or node.parent() is not None:
            return
        for f in self._by_rule.get(node.data(0, Qt.ItemDataRole.UserRole), ()):
            child = QTreeWidgetItem([f.household_code, f.severity, fields.label(f.table, f.field), f.value or "",
                                     f.message])
            child.setData(0, FINDING_ROLE, f)
            for column in range(5):
                child.setToolTip(column, child.text(column))
            node.addChild(child)

    def _open(self, item: QTreeWidgetItem, _column: int) -> None:
        f = item.data(0, FINDING_ROLE)
        if isinstance(f, Finding):
            self.open_requested.emit(f.household_code, f.table, f.row_id, f.field)

    def export(self) -> None:
        path = self.app_ctx.interaction.ask_save_path(self.tr("导出问题清单"), self.tr("Excel 文件 (*.xlsx)"),
                                                      "数据核查问题清单.xlsx")
        if path is None:
            return
        if path.suffix.lower() != ".xlsx":
            path = path.with_suffix(".xlsx")
        run_read(self.app_ctx, _export, list(self.findings), path,
                 on_done=lambda p: self.app_ctx.interaction.info(self.tr("导出完成"),
                                                                 self.tr("问题清单已导出：{0}").format(p)))

    def _stale(self, tables) -> None:
        if self.findings:
            self.summary.setText(self.summary.text().split("（数据")[0] + self.tr("（数据已修改，请重新核查）"))
