"""A small read-only table model over a list of dicts (members, measures, visits, history...)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from PySide6.QtCore import QAbstractTableModel, QModelIndex, Qt
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTableView

from app.domain import codes
from app.domain.codes import CodeList
from app.domain.money import format_yuan

ROW_ROLE = Qt.ItemDataRole.UserRole + 1


def show(value: Any) -> str:
    """How a stored value is written in a table cell."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "是" if value else "否"
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return format_yuan(value)
    return str(value)


def coded(codelist: CodeList) -> Callable[[Any], str]:
    def fmt(value):
        if not value:
            return ""
        try:
            return codelist.label(value)
        except Exception:  # noqa: BLE001 - a code not in the list shows as stored
            return str(value)
    return fmt


def coded_set(codelist: CodeList) -> Callable[[Any], str]:
    def fmt(value):
        try:
            return codes.set_labels(codelist, value, "、")
        except Exception:  # noqa: BLE001
            return str(value or "")
    return fmt


@dataclass(frozen=True)
class Column:
    key: str
    title: str
    fmt: Callable[[Any], str] = show
    align_right: bool = False
    of_row: bool = False  # fmt takes the whole row instead of row[key]
    width: int = 0  # initial column width in pixels (0: the view's default)


class RecordTableModel(QAbstractTableModel):
    def __init__(self, columns: Sequence[Column], parent=None):
        super().__init__(parent)
        self.columns = list(columns)
        self._rows: list[dict] = []
        self._colours: Callable[[dict], Any] | None = None

    def set_rows(self, rows: Sequence[dict]) -> None:
        self.beginResetModel()
        self._rows = list(rows)
        self.endResetModel()

    def set_colour(self, fn: Callable[[dict], Any]) -> None:
        self._colours = fn

    def rows(self) -> list[dict]:
        return self._rows

    def row(self, i: int) -> dict | None:
        return self._rows[i] if 0 <= i < len(self._rows) else None

    def refresh_row(self, i: int) -> None:
        if 0 <= i < len(self._rows):
            self.dataChanged.emit(self.index(i, 0), self.index(i, len(self.columns) - 1))

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rows)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self.columns)

    def headerData(self, section, orientation, role=Qt.ItemDataRole.DisplayRole):
        if role == Qt.ItemDataRole.DisplayRole and orientation == Qt.Orientation.Horizontal \
                and 0 <= section < len(self.columns):
            return self.columns[section].title
        return None

    def data(self, index, role=Qt.ItemDataRole.DisplayRole):
        if not index.isValid() or not 0 <= index.row() < len(self._rows):
            return None
        row = self._rows[index.row()]
        col = self.columns[index.column()]
        if role in (Qt.ItemDataRole.DisplayRole, Qt.ItemDataRole.ToolTipRole):
            return col.fmt(row) if col.of_row else col.fmt(row.get(col.key))
        if role == Qt.ItemDataRole.TextAlignmentRole and col.align_right:
            return int(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        if role == Qt.ItemDataRole.ForegroundRole and self._colours is not None:
            return self._colours(row)
        if role == ROW_ROLE:
            return index.row()
        return None

    def flags(self, index):
        if not index.isValid():
            return Qt.ItemFlag.NoItemFlags
        return Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable


def row_table_basics(view: QTableView) -> None:
    """What every table of the program shares: whole rows chosen, one at a time, no editing
    in place, no Tab trap, one line per row."""
    view.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
    view.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
    view.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
    view.setAlternatingRowColors(True)
    view.setTabKeyNavigation(False)
    view.setWordWrap(False)
    view.verticalHeader().setDefaultSectionSize(view.fontMetrics().height() + 8)


def compact_table(view: QTableView) -> None:
    """A small table: the basics, no row numbers, columns with a width in their Column get it."""
    row_table_basics(view)
    view.verticalHeader().hide()
    view.horizontalHeader().setStretchLastSection(True)
    view.horizontalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Interactive)
    for i, col in enumerate(getattr(view.model(), "columns", ())):
        if col.width:
            view.setColumnWidth(i, col.width)


def record_table(columns, parent=None) -> tuple[RecordTableModel, QTableView]:
    """A RecordTableModel over `columns` and the compact view that shows it."""
    model = RecordTableModel(columns, parent)
    view = QTableView()
    view.setModel(model)
    compact_table(view)
    return model, view
