"""Empty lists say what would appear in them and how: a grey text over an item view's viewport
while its model has no rows."""

from __future__ import annotations

import shiboken6
from PySide6.QtCore import QEvent, QObject, Qt
from PySide6.QtWidgets import QAbstractItemView, QLabel


class _EmptyText(QObject):
    def __init__(self, view: QAbstractItemView):
        super().__init__(view)
        self.view = view
        self.model = None
        self.label = QLabel(view.viewport())
        self.label.setObjectName("emptyText")
        self.label.setWordWrap(True)
        self.label.setAlignment(Qt.AlignmentFlag.AlignHCenter | Qt.AlignmentFlag.AlignTop)
        self.label.setStyleSheet("color: #6b6b6b; background: transparent;")
        self.label.setAttribute(Qt.WidgetAttribute.WA_TransparentForMouseEvents)
        view.viewport().installEventFilter(self)

    def watch(self) -> None:
        model = self.view.model()
        if model is not self.model and model is not None:
            for signal in (model.modelReset, model.rowsInserted, model.rowsRemoved, model.layoutChanged):
                signal.connect(self.update)
            self.model = model
        self.update()

    def update(self) -> None:
        if not (shiboken6.isValid(self.view) and shiboken6.isValid(self.label)):
            return  # the view is being destroyed (its model says so on the way)
        model = self.view.model()
        show = bool(self.label.text()) and (model is None or model.rowCount() == 0)
        self._place()
        self.label.setVisible(show)

    def _place(self) -> None:
        area = self.view.viewport().rect().adjusted(24, 24, -24, -24)
        self.label.setGeometry(area)

    def eventFilter(self, watched, event) -> bool:  # noqa: N802 (Qt's naming)
        if event.type() == QEvent.Type.Resize:
            self._place()
        return False


def set_empty_text(view: QAbstractItemView, text: str) -> None:
    """Show `text` in `view` while it lists nothing (call again to change the text)."""
    hint = getattr(view, "_empty_text", None)
    if hint is None:
        hint = view._empty_text = _EmptyText(view)
    hint.label.setText(text)
    hint.watch()


def empty_text(view: QAbstractItemView) -> str:
    """The text `view` shows now ("" while it has rows or has none set)."""
    hint = getattr(view, "_empty_text", None)
    return hint.label.text() if hint is not None and not hint.label.isHidden() else ""
