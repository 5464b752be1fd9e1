"""The household list model (Anki's browser table): it holds only the row numbers of the
households in view, in order, and fetches the columns of a screenful at a time into a small cache.
Sorting and filtering work on keys in the database, never on display strings."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import date

from PySide6.QtCore import (
    QAbstractTableModel,
    QModelIndex,
    QPersistentModelIndex,
    Qt,
    Signal,
)
from PySide6.QtGui import QBrush, QColor

from app.db import ui_queries
from app.db.queries import NOT_REGISTERED
from app.db.ui_queries import ListQuery, ListRow
from app.domain import codes
from app.domain.privacy import mask_id
from app.ui.collation import PinyinCollator

# (key, header); the keys name the sort orders of ui_queries.
COLUMNS = (
    ("code", "户编号"), ("head_name", "户主姓名"), ("id_number", "身份证号"), ("size", "家庭人口"),
    ("category", "贫困户属性"), ("cause", "主要致贫原因"), ("status", "户状态"),
    ("helper", "帮扶责任人"), ("last_visit", "最近走访"),
)
COLUMN_KEYS = [k for k, _ in COLUMNS]
ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROWID_ROLE = Qt.ItemDataRole.UserRole + 2
# Rows fetched at once around the row asked for: a fetch of ~70 rows keeps a scrolling frame
# under 16 ms (measured in bench/gui.py). Fetching ahead on the database thread was tried and
# is slower: the fetch is mostly Python work, and the interpreter lock serialises it with painting.
BLOCK_BEFORE, BLOCK_AFTER = 10, 60
CACHE_LIMIT = 4000
EXITED = codes.HOUSEHOLD_STATUS.code("已脱贫")
CANCELLED = codes.HOUSEHOLD_STATUS.code("注销")
GREY = QBrush(QColor("#8a8a8a"))
LATE = QBrush(QColor("#b3261e"))

_collator = PinyinCollator()


def load_rowids(ops, query: ListQuery, order: str = "code", descending: bool = False) -> list[int]:
    """The list's row numbers for a query and a sort column (runs on the database thread)."""
    with ops.read() as s:
        if order in ui_queries.NAME_COLUMNS:
            rows = ui_queries.household_names(s, query, order)
        else:
            return ui_queries.household_rowids(s, query, order, descending)
    keys = _collator.keys(name for _, name, _ in rows)
    named = sorted(((k, code, rowid) for k, (rowid, _, code) in zip(keys, rows) if k),
                   reverse=descending)
    # Households without a name come last whichever way, in 户编号 order.
    unnamed = sorted((code, rowid) for k, (rowid, _, code) in zip(keys, rows) if not k)
    return [t[2] for t in named] + [t[1] for t in unnamed]


def status_label(status: str | None) -> str:
    return codes.HOUSEHOLD_STATUS.label(status) if status else NOT_REGISTERED


def _display(row: ListRow, month_start: date) -> tuple[tuple, tuple | None]:
    """The texts of a row's cells and their colours (None: all default)."""
    category = (codes.category_display(row.category, row.status == EXITED)
                if row.category else "")
    visit = row.last_visit.isoformat() if row.last_visit else ""
    texts = (row.code, row.head_name or "", mask_id(row.head_id_number) if row.head_id_number else "",
             str(row.size), category, codes.CAUSE.label(row.main_cause) if row.main_cause else "",
             status_label(row.status), row.helper or "", visit)
    if row.status == CANCELLED:
        return texts, (GREY,) * len(COLUMNS)
    late = row.status is not None and (row.last_visit is None or row.last_visit < month_start)
    return texts, ((None,) * (len(COLUMNS) - 1) + (LATE,)) if late else None


# Roles arrive as plain ints; comparing ints is what keeps painting cheap.
DISPLAY, TOOLTIP, ALIGNMENT, FOREGROUND = (int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.ToolTipRole),
                                           int(Qt.ItemDataRole.TextAlignmentRole),
                                           int(Qt.ItemDataRole.ForegroundRole))
ID_ROLE_INT, ROWID_ROLE_INT = int(ID_ROLE), int(ROWID_ROLE)
SIZE_COLUMN = COLUMN_KEYS.index("size")
VISIT_COLUMN = COLUMN_KEYS.index("last_visit")
CENTER = int(Qt.AlignmentFlag.AlignCenter)
MISSING = object()
ROW_FLAGS = Qt.ItemFlag.ItemIsEnabled | Qt.ItemFlag.ItemIsSelectable
NO_FLAGS = Qt.ItemFlag.NoItemFlags


class HouseholdTableModel(QAbstractTableModel):
    """Rows are household row numbers; `fetch(rowids) -> {rowid: ListRow}` reads their columns."""

    sort_requested = Signal(str, bool)  # column key, descending

    def __init__(self, fetch: Callable[[Sequence[int]], dict[int, ListRow]],
                 today: Callable[[], date] = date.today, parent=None):
        super().__init__(parent)
        self._fetch = fetch
        self._today = today
        self._rowids: list[int] = []
        self._cache: dict[int, tuple[ListRow, tuple]] = {}
        self._headers = [self.tr(h) for _, h in COLUMNS]

    # --- the id list ------------------------------------------------------------------------

    def set_rowids(self, rowids: list[int]) -> None:
        self.beginResetModel()
        self._rowids = list(rowids)
        self.endResetModel()

    def rowids(self) -> list[int]:
        return self._rowids

    def rowid_at(self, row: int) -> int | None:
        return self._rowids[row] if 0 <= row < len(self._rowids) else None

    def row_of(self, rowid: int) -> int | None:
        try:
            return self._rowids.index(rowid)  # one C-speed scan; cheaper than a map per keystroke
        except ValueError:
            return None

    def list_row(self, row: int) -> ListRow | None:
        entry = self._entry(row)
        return entry[0] if entry else None

    def household_id(self, row: int) -> str | None:
        entry = self._entry(row)
        return entry[0].id if entry else None

    def invalidate(self) -> None:
        """Forget fetched rows (their values changed); the view fetches what it shows again."""
        self._cache.clear()
        if self._rowids:
            self.dataChanged.emit(self.index(0, 0), self.index(len(self._rowids) - 1, len(COLUMNS) - 1))

    # --- lazy fetch -------------------------------------------------------------------------

    def _entry(self, row: int):
        rowid = self.rowid_at(row)
        if rowid is None:
            return None
        entry = self._cache.get(rowid, MISSING)
        if entry is MISSING:
            self._load_block(row)
            entry = self._cache.get(rowid)
        return entry

    def _trim(self, around: int) -> None:
        """Keep the cache small: forget the rows far from where the user is."""
        if len(self._cache) <= CACHE_LIMIT:
            return
        keep = set(self._rowids[max(0, around - CACHE_LIMIT // 4):around + CACHE_LIMIT // 4])
        self._cache = {r: e for r, e in self._cache.items() if r in keep}

    def _store(self, fetched: dict[int, ListRow], wanted) -> None:
        month_start = self._today().replace(day=1)
        for rowid, list_row in fetched.items():
            self._cache[rowid] = (list_row, *_display(list_row, month_start))
        for rowid in wanted:  # a row deleted meanwhile shows empty until the list reloads
            self._cache.setdefault(rowid, None)

    def _load_block(self, row: int) -> None:
        self._trim(row)
        start, end = max(0, row - BLOCK_BEFORE), min(len(self._rowids), row + BLOCK_AFTER)
        wanted = [r for r in self._rowids[start:end] if r not in self._cache]
        self._store(self._fetch(wanted), wanted)

    # --- QAbstractTableModel ------------------------------------------------------------------

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rowids)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=DISPLAY):
        if role != DISPLAY:
            return None
        if orientation == Qt.Orientation.Horizontal and 0 <= section < len(COLUMNS):
            return self._headers[section]
        if orientation == Qt.Orientation.Vertical and 0 <= section < len(self._rowids):
            return str(section + 1)
        return None

    def data(self, index: QModelIndex | QPersistentModelIndex, role=DISPLAY):
        # Called ~2000 times per painted screen: the common roles come first, in few steps.
        if role == DISPLAY or role == FOREGROUND:
            row = index.row()
            if row < 0 or row >= len(self._rowids):
                return None
            entry = self._cache.get(self._rowids[row], MISSING)
            if entry is MISSING:
                entry = self._entry(row)
            if not entry:
                return None
            if role == DISPLAY:
                return entry[1][index.column()]
            return entry[2][index.column()] if entry[2] else None
        if role == ALIGNMENT:
            return CENTER if index.column() == SIZE_COLUMN else None
        if role == TOOLTIP:
            if index.column() != VISIT_COLUMN:
                return None
            entry = self._entry(index.row())
            return self.tr("本月尚未走访") if entry and entry[2] and entry[2][VISIT_COLUMN] is LATE else None
        if role == ROWID_ROLE_INT:
            return self.rowid_at(index.row())
        if role == ID_ROLE_INT:
            entry = self._entry(index.row())
            return entry[0].id if entry else None
        return None

    def flags(self, index):
        return ROW_FLAGS if index.isValid() else NO_FLAGS

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(COLUMNS):
            self.sort_requested.emit(COLUMN_KEYS[column], order == Qt.SortOrder.DescendingOrder)
