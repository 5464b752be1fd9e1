"""A year and the reason for changing it (脱贫年度): the dialog behind Interaction.ask_year_and_reason."""

from __future__ import annotations

from PySide6.QtWidgets import QDialog, QDialogButtonBox, QFormLayout, QLabel, QLineEdit, QSpinBox, QWidget


class YearReasonDialog(QDialog):
    def __init__(self, title: str, text: str, year: int, low: int, high: int, parent: QWidget | None = None):
        super().__init__(parent)
        self.setWindowTitle(title)
        self.setMinimumWidth(380)
        self.year = QSpinBox()
        self.year.setRange(low, high)
        self.year.setValue(min(max(year, low), high))
        self.year.setSuffix(self.tr(" 年"))
        self.reason = QLineEdit()
        self.reason.setMaxLength(200)
        self.reason.setPlaceholderText(self.tr("必填，记入户的备注和变更历史"))
        self.hint = QLabel(self.tr("请填写修改原因"))
        self.hint.setObjectName("hint")
        intro = QLabel(text)
        intro.setWordWrap(True)
        self.buttons = QDialogButtonBox(QDialogButtonBox.StandardButton.Ok | QDialogButtonBox.StandardButton.Cancel)
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setText(self.tr("确定"))
        self.buttons.button(QDialogButtonBox.StandardButton.Cancel).setText(self.tr("取消"))
        form = QFormLayout(self)
        form.addRow(intro)
        form.addRow(self.tr("年度(&Y)："), self.year)
        form.addRow(self.tr("原因(&R)："), self.reason)
        form.addRow("", self.hint)
        form.addRow(self.buttons)
        self.buttons.accepted.connect(self.accept)
        self.buttons.rejected.connect(self.reject)
        self.reason.textChanged.connect(self._update)
        self._update()

    def _update(self) -> None:
        empty = not self.reason.text().strip()
        self.buttons.button(QDialogButtonBox.StandardButton.Ok).setEnabled(not empty)
        self.hint.setVisible(empty)

    def accept(self) -> None:
        if self.reason.text().strip():  # Enter in the reason field with nothing typed does nothing
            super().accept()

    def values(self) -> tuple[int, str]:
        return self.year.value(), self.reason.text().strip()
