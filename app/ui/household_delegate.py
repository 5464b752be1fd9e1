"""Painting the household list's cells straight from the model's cache.

Qt's own delegate asks the model ~7 roles of every painted cell (text, font, colours, alignment,
check state, icon, background), each a call from C++ into Python; a screen of the list is ~240
cells, so scrolling a page cost ~1,700 such calls and about as long as Qt's painting itself
(bench/gui.py: 12-13 ms a page against 5-6 ms for the same rows in Qt's all-C++ model). This
delegate is one call per cell: it reads the cell's text and colour from the model's row cache and
draws them the way the style would, to the pixel (selection, colours, elision; a test compares
the two). The current cell, with its focus frame, and a row not read yet are left to Qt's delegate.
"""

from __future__ import annotations

from PySide6.QtCore import QPointF, Qt
from PySide6.QtGui import QFontMetricsF, QPalette, QTextLayout
from PySide6.QtWidgets import QStyle, QStyledItemDelegate

# Flags as plain ints: Qt's flags are Python enums here, and their operators cost a microsecond.
SELECTED = QStyle.StateFlag.State_Selected.value
HAS_FOCUS = QStyle.StateFlag.State_HasFocus.value
ENABLED = QStyle.StateFlag.State_Enabled.value
ACTIVE = QStyle.StateFlag.State_Active.value
ELIDE = Qt.TextElideMode.ElideRight
WIDTHS_KEPT = 50_000
Group, Role = QPalette.ColorGroup, QPalette.ColorRole


class CachedCellDelegate(QStyledItemDelegate):
    """`cell(row, column) -> (text, QBrush | None) | None` reads the cell. Cells of `qt_columns`
    (the centred 家庭人口: Qt places centred text by rules not worth copying) are Qt's to paint."""

    def __init__(self, cell, qt_columns: set[int], parent=None):
        super().__init__(parent)
        self._cell = cell
        self._qt_columns = qt_columns
        self._widths: dict[str, int] = {}
        self._margin: int | None = None
        self._ascent = self._line_height = 0
        self._metrics: QFontMetricsF | None = None
        self._palettes: dict[tuple, tuple] = {}

    def paint(self, painter, option, index):
        state = option.state.value
        column = index.column()
        cell = (None if state & HAS_FOCUS or column in self._qt_columns
                else self._cell(index.row(), column))
        if cell is None:
            super().paint(painter, option, index)
            return
        text, brush = cell
        highlight, highlighted_text, plain_text = self._colours(option.palette, state)
        if state & SELECTED:
            painter.fillRect(option.rect, highlight)
            painter.setPen(highlighted_text)
        else:
            painter.setPen(brush.color() if brush is not None else plain_text)
        if not text:
            return
        if self._margin is None:
            self._measure(option)
        rect = option.rect
        room = rect.width() - 2 * self._margin
        width = self._widths.get(text)
        if width is None:
            if len(self._widths) > WIDTHS_KEPT:
                self._widths.clear()
            width = self._widths[text] = round(self._metrics.horizontalAdvance(text))
        if width > room:
            text = option.fontMetrics.elidedText(text, ELIDE, room)
        # Where the style puts the line: centred by its whole height, drawn on its baseline.
        top = rect.y() + (rect.height() - self._line_height) // 2
        painter.drawText(QPointF(rect.x() + self._margin, top + self._ascent), text)

    def _measure(self, option) -> None:
        """Once: the application's font is set at start and stays."""
        # The style's text margin inside an item view cell (QCommonStyle: focus frame + 1).
        widget = option.widget
        style = widget.style() if widget is not None else None
        self._margin = (style.pixelMetric(QStyle.PixelMetric.PM_FocusFrameHMargin, None, widget) + 1
                        if style is not None else 3)
        # A line as the style lays it out (QTextLayout: its height rounded up, a fractional ascent).
        layout = QTextLayout("户", option.font)
        layout.beginLayout()
        line = layout.createLine()
        layout.endLayout()
        self._ascent, self._line_height = line.ascent(), int(line.height())
        self._metrics = QFontMetricsF(option.font)  # fractional advances, as the layout has them

    def _colours(self, palette: QPalette, state: int) -> tuple:
        """(highlight brush, highlighted text colour, text colour) of the cell's colour group."""
        key = (palette.cacheKey(), state & (ENABLED | ACTIVE))
        colours = self._palettes.get(key)
        if colours is None:
            group = (Group.Disabled if not state & ENABLED
                     else Group.Active if state & ACTIVE else Group.Inactive)
            colours = self._palettes[key] = (palette.brush(group, Role.Highlight),
                                             palette.color(group, Role.HighlightedText),
                                             palette.color(group, Role.Text))
        return colours
