"""Layout helpers of every window: a row of widgets, a window sized to fit a small laptop screen,
and a flow layout that wraps long rows of buttons."""

from __future__ import annotations

from PySide6.QtCore import QPoint, QRect, QSize, Qt
from PySide6.QtWidgets import QHBoxLayout, QLayout, QWidget


def hbox(*widgets, stretch: bool = True, spacing: int = 6) -> QWidget:
    box = QWidget()
    layout = QHBoxLayout(box)
    layout.setContentsMargins(0, 0, 0, 0)
    layout.setSpacing(spacing)
    for w in widgets:
        layout.addWidget(w)
    if stretch:
        layout.addStretch(1)
    return box


def fit_to_screen(window: QWidget, width: int, height: int) -> None:
    """Resize to width × height, or less on a small screen (1366×768 laptops)."""
    screen = window.screen() if window.screen() is not None else None
    if screen is not None:
        available = screen.availableGeometry()
        if available.width() >= 1024:  # a real screen (the offscreen one is 800×600)
            width = min(width, available.width() - 40)
            height = min(height, available.height() - 60)
    window.resize(width, height)


class FlowLayout(QLayout):
    """Widgets left to right, wrapping onto the next line when the row is full (Qt's flow layout
    example): long buttons stack on a narrow window instead of widening it."""

    def __init__(self, parent: QWidget | None = None, spacing: int = 6):
        super().__init__(parent)
        self._items: list = []
        self._spacing = spacing
        self.setContentsMargins(0, 0, 0, 0)

    def addItem(self, item) -> None:
        self._items.append(item)

    def count(self) -> int:
        return len(self._items)

    def itemAt(self, index: int):
        return self._items[index] if 0 <= index < len(self._items) else None

    def takeAt(self, index: int):
        return self._items.pop(index) if 0 <= index < len(self._items) else None

    def expandingDirections(self):
        return Qt.Orientation(0)

    def hasHeightForWidth(self) -> bool:
        return True

    def heightForWidth(self, width: int) -> int:
        return self._arrange(QRect(0, 0, width, 0), move=False)

    def setGeometry(self, rect: QRect) -> None:
        super().setGeometry(rect)
        self._arrange(rect, move=True)

    def sizeHint(self) -> QSize:
        return self.minimumSize()

    def minimumSize(self) -> QSize:
        size = QSize()
        for item in self._items:
            size = size.expandedTo(item.minimumSize())
        m = self.contentsMargins()
        return size + QSize(m.left() + m.right(), m.top() + m.bottom())

    def _arrange(self, rect: QRect, move: bool) -> int:
        m = self.contentsMargins()
        area = rect.adjusted(m.left(), m.top(), -m.right(), -m.bottom())
        x, y, line = area.x(), area.y(), 0
        for item in self._items:
            if item.isEmpty():
                continue
            hint = item.sizeHint()
            if x + hint.width() > area.right() + 1 and line:
                x, y, line = area.x(), y + line + self._spacing, 0
            if move:
                item.setGeometry(QRect(QPoint(x, y), hint))
            x += hint.width() + self._spacing
            line = max(line, hint.height())
        return y + line - rect.y() + m.bottom()


class FlowBox(QWidget):
    """A widget holding a FlowLayout that keeps its minimum height at what its wrapped rows need
    (splitters and scroll areas do not ask layouts for height-for-width)."""

    def __init__(self, parent: QWidget | None = None):
        super().__init__(parent)
        self.flow = FlowLayout(self)

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        self.fit_height()

    def fit_height(self) -> None:
        need = self.flow.heightForWidth(max(self.width(), 1))
        if need != self.minimumHeight():
            self.setMinimumHeight(need)
