"""The rules 数据核查 runs: a checkable list of the domain's rule registry, grouped by family, each
rule with its id and Chinese name (instead of typing rule ids)."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QTreeWidget, QTreeWidgetItem

from app.domain.quality import RULES, family_of

RULE_ROLE = Qt.ItemDataRole.UserRole + 2


class RuleChooser(QTreeWidget):
    """Families with their rules, all checked at first; `chosen()` is [] while every rule is."""

    changed = Signal()

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setHeaderLabels([self.tr("核查规则")])
        self.setAccessibleName(self.tr("核查规则"))
        self._rules: dict[str, QTreeWidgetItem] = {}
        families: dict[str, QTreeWidgetItem] = {}
        for rule_id, rule in RULES.items():
            family = family_of(rule_id)
            node = families.get(family)
            if node is None:
                node = families[family] = QTreeWidgetItem([family])
                node.setFlags(node.flags() | Qt.ItemFlag.ItemIsUserCheckable | Qt.ItemFlag.ItemIsAutoTristate)
                node.setCheckState(0, Qt.CheckState.Checked)
                self.addTopLevelItem(node)
            item = QTreeWidgetItem([f"{rule_id} {rule.title}"])
            item.setToolTip(0, f"{rule_id} {rule.title}（{rule.severity}）")
            item.setData(0, RULE_ROLE, rule_id)
            item.setFlags(item.flags() | Qt.ItemFlag.ItemIsUserCheckable)
            item.setCheckState(0, Qt.CheckState.Checked)
            node.addChild(item)
            self._rules[rule_id] = item
        for node in families.values():
            node.setText(0, self.tr("{0}（{1} 条）").format(node.text(0), node.childCount()))
        self.itemChanged.connect(lambda *_a: self.changed.emit())

    def chosen(self) -> list[str]:
        """The checked rule ids; [] when all are checked (the whole registry, as `kace check`)."""
        ids = [rid for rid, item in self._rules.items() if item.checkState(0) == Qt.CheckState.Checked]
        return [] if len(ids) == len(self._rules) else ids

    def set_chosen(self, ids) -> None:
        wanted = set(ids)
        for rid, item in self._rules.items():
            item.setCheckState(0, Qt.CheckState.Checked if rid in wanted else Qt.CheckState.Unchecked)

    def count_checked(self) -> int:
        return sum(item.checkState(0) == Qt.CheckState.Checked for item in self._rules.values())
