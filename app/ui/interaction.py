"""Every question the program asks the user goes through one object (git-cola's idea), so tests
replace it with one that answers from a script and never blocks on a modal dialog."""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject
from PySide6.QtWidgets import QApplication, QFileDialog, QMessageBox, QWidget

SAVE, DISCARD, CANCEL = "save", "discard", "cancel"


class Interaction(QObject):
    """The real dialogs, parented to the active window."""

    def _parent(self) -> QWidget | None:
        return QApplication.activeWindow()

    def _box(self, icon, title: str, text: str, detail: str | None = None) -> QMessageBox:
        box = QMessageBox(icon, title, text, QMessageBox.StandardButton.NoButton, self._parent())
        if detail:
            box.setDetailedText(detail)
        return box

    def confirm(self, title: str, text: str, ok: str | None = None) -> bool:
        box = self._box(QMessageBox.Icon.Question, title, text)
        yes = box.addButton(ok or self.tr("确定"), QMessageBox.ButtonRole.AcceptRole)
        no = box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(no)
        box.setEscapeButton(no)
        box.exec()
        return box.clickedButton() is yes

    def save_discard_cancel(self, title: str, text: str) -> str:
        """The unsaved-changes guard: SAVE, DISCARD or CANCEL."""
        box = self._box(QMessageBox.Icon.Warning, title, text)
        save = box.addButton(self.tr("保存(&S)"), QMessageBox.ButtonRole.AcceptRole)
        discard = box.addButton(self.tr("不保存(&N)"), QMessageBox.ButtonRole.DestructiveRole)
        cancel = box.addButton(self.tr("取消"), QMessageBox.ButtonRole.RejectRole)
        box.setDefaultButton(save)
        box.setEscapeButton(cancel)
        box.exec()
        return {save: SAVE, discard: DISCARD}.get(box.clickedButton(), CANCEL)

    def info(self, title: str, text: str) -> None:
        self._box(QMessageBox.Icon.Information, title, text).exec()

    def error(self, title: str, text: str, detail: str | None = None) -> None:
        self._box(QMessageBox.Icon.Critical, title, text, detail).exec()

    def ask_year_and_reason(self, title: str, text: str, year: int, low: int, high: int) -> tuple[int, str] | None:
        """A year (low–high, starting at `year`) and the reason for the change; None when cancelled.
        确定 stays disabled while the reason is empty."""
        from app.ui.year_reason import YearReasonDialog

        dialog = YearReasonDialog(title, text, year, low, high, self._parent())
        if dialog.exec() != YearReasonDialog.DialogCode.Accepted:
            return None
        return dialog.values()

    def ask_save_path(self, title: str, filter: str, default: str | Path = "") -> Path | None:
        name, _ = QFileDialog.getSaveFileName(self._parent(), title, str(default), filter)
        return Path(name) if name else None

    def ask_open_path(self, title: str, filter: str, default: str | Path = "") -> Path | None:
        name, _ = QFileDialog.getOpenFileName(self._parent(), title, str(default), filter)
        return Path(name) if name else None
