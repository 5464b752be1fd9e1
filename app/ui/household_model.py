"""The household list model (Anki's browser table): it holds only the row numbers of the
households in view, in order, and keeps the cells of the rows near the scroll position in a cache.
Sorting and filtering work on keys in the database, never on display strings.

A row is read once, with the ~40 rows around it, and turned at once into the strings and colours
of its cells, so painting a cell is a tuple lookup (app/ui/household_delegate.py paints it in one
call into Python); flags() is left to Qt's C++ default.

The read stays on the UI thread, when a row is first painted. Reading ahead on the database
thread was measured worse on 100k households (bench/gui.py, 2 cores): the read is mostly Python and
holds the interpreter lock every paint of the frame needs. With cells painted in one call each,
small blocks (a screenful and a half) keep frames steadiest: a read of ~1.5 ms in most frames
rather than one twice as long in every third."""

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

from app.domain import codes
from app.domain.privacy import mask_id
from app.ops import reads
from app.ops.reads import NOT_REGISTERED, ListQuery, ListRow
from app.ui.collation import PinyinCollator

# (key, header); the keys name the sort orders of app/db/list_queries.
COLUMNS = (
    ("code", "户编号"), ("head_name", "户主姓名"), ("id_number", "身份证号"), ("size", "家庭人口"),
    ("category", "贫困户属性"), ("cause", "主要致贫原因"), ("status", "户状态"),
    ("helper", "帮扶责任人"), ("last_visit", "最近走访"),
)
COLUMN_KEYS = [k for k, _ in COLUMNS]
COLUMN_COUNT = len(COLUMNS)
ID_ROLE = Qt.ItemDataRole.UserRole + 1
ROWID_ROLE = Qt.ItemDataRole.UserRole + 2
# A row not in the cache is read with the rows around it: about a screenful and a half, ~1.5 ms.
# Small blocks read often keep every frame short; blocks of 70 made every third frame 3-4 ms longer
# (a frame-by-frame trace of bench/gui.py's scroll on 100k households: p99 10.1-12.9 against
# 11.5-12.8 ms, within the machine's noise; the longest frames that read, ~14 against 17-20 ms).
BLOCK_BEFORE, BLOCK_AFTER = 10, 30
CACHE_LIMIT = 4000
EXITED = codes.HOUSEHOLD_STATUS.code("已脱贫")
CANCELLED = codes.HOUSEHOLD_STATUS.code("注销")
GREY = QBrush(QColor("#8a8a8a"))
LATE = QBrush(QColor("#b3261e"))
ALL_GREY = (GREY,) * len(COLUMNS)
VISIT_LATE = (None,) * (len(COLUMNS) - 1) + (LATE,)

_collator = PinyinCollator()


def load_rowids(ops, query: ListQuery, order: str = "code", descending: bool = False) -> list[int]:
    """The list's row numbers for a query and a sort column (runs on the database thread)."""
    if order not in reads.NAME_ORDERS:
        return reads.household_rowids(ops, query, order, descending)
    rows = reads.household_names(ops, query, order)
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
        return texts, ALL_GREY
    late = row.status is not None and (row.last_visit is None or row.last_visit < month_start)
    return texts, VISIT_LATE if late else None


def entries(fetched: dict[int, ListRow], wanted: Sequence[int], month_start: date) -> dict:
    """{rowid: (ListRow, texts, colours)} of the rows fetched; None for a row wanted but gone
    (deleted meanwhile: it shows empty until the list reloads)."""
    out = dict.fromkeys(wanted)
    for rowid, list_row in fetched.items():
        out[rowid] = (list_row, *_display(list_row, month_start))
    return out


# Roles arrive as plain ints.
DISPLAY, TOOLTIP, ALIGNMENT, FOREGROUND = (int(Qt.ItemDataRole.DisplayRole), int(Qt.ItemDataRole.ToolTipRole),
                                           int(Qt.ItemDataRole.TextAlignmentRole),
                                           int(Qt.ItemDataRole.ForegroundRole))
ID_ROLE_INT, ROWID_ROLE_INT = int(ID_ROLE), int(ROWID_ROLE)
SIZE_COLUMN = COLUMN_KEYS.index("size")
VISIT_COLUMN = COLUMN_KEYS.index("last_visit")
CENTER = int(Qt.AlignmentFlag.AlignCenter)
HORIZONTAL = Qt.Orientation.Horizontal
MISSING = object()


class HouseholdTableModel(QAbstractTableModel):
    """Rows are household row numbers; `fetch(rowids) -> {rowid: ListRow}` reads their columns."""

    sort_requested = Signal(str, bool)  # column key, descending

    def __init__(self, fetch: Callable[[Sequence[int]], dict[int, ListRow]],
                 today: Callable[[], date] = date.today, parent=None):
        super().__init__(parent)
        self._fetch = fetch
        self._today = today
        # A tuple, not a list: the collector stops looking into a tuple of ints after its first
        # pass, while a list of 100k ints is walked by every full collection (measured: a full
        # collection 12.3 ms with the list and the panel's copy, 5.4 ms with tuples).
        self._rowids: tuple[int, ...] = ()
        self._cache: dict[int, tuple | None] = {}
        self._headers = [self.tr(h) for _, h in COLUMNS]
        # Qt asks ~7 roles of a cell it paints itself (the current cell, 家庭人口); the roles it
        # asks in vain cost one dict lookup.
        self._roles = {DISPLAY: self._display_role, FOREGROUND: self._foreground_role,
                       ALIGNMENT: self._alignment_role, TOOLTIP: self._tooltip_role,
                       ROWID_ROLE_INT: self._rowid_role, ID_ROLE_INT: self._id_role}

    # --- the id list ------------------------------------------------------------------------

    def set_rowids(self, rowids: Sequence[int]) -> None:
        self.beginResetModel()
        self._rowids = tuple(rowids)
        self.endResetModel()

    def rowids(self) -> tuple[int, ...]:
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

    # --- the cache ----------------------------------------------------------------------------

    def _entry(self, row: int):
        if not 0 <= row < len(self._rowids):
            return None
        entry = self._cache.get(self._rowids[row], MISSING)
        if entry is MISSING:
            self._load_block(row)
            entry = self._cache.get(self._rowids[row])
        return entry

    def _trim(self, around: int) -> None:
        """Keep the cache small: forget the rows far from where the user is."""
        if len(self._cache) <= CACHE_LIMIT:
            return
        keep = set(self._rowids[max(0, around - CACHE_LIMIT // 4):around + CACHE_LIMIT // 4])
        self._cache = {r: e for r, e in self._cache.items() if r in keep}

    def _load_block(self, row: int) -> None:
        """Read the rows around `row` now, on the UI thread (a miss: the prefetch was not there)."""
        self._trim(row)
        start, end = max(0, row - BLOCK_BEFORE), min(len(self._rowids), row + BLOCK_AFTER)
        wanted = [r for r in self._rowids[start:end] if r not in self._cache]
        self._cache.update(entries(self._fetch(wanted), wanted, self._today().replace(day=1)))

    # --- QAbstractTableModel ------------------------------------------------------------------

    def index(self, row: int, column: int, parent=QModelIndex()) -> QModelIndex:
        # Qt's own index() asks rowCount() and columnCount(), two calls into Python for every
        # cell it paints; this is one.
        if 0 <= row < len(self._rowids) and 0 <= column < COLUMN_COUNT and not parent.isValid():
            return self.createIndex(row, column)
        return QModelIndex()

    def rowCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(self._rowids)

    def columnCount(self, parent=QModelIndex()) -> int:
        return 0 if parent.isValid() else len(COLUMNS)

    def headerData(self, section, orientation, role=DISPLAY):
        if role != DISPLAY:
            return None
        if orientation is HORIZONTAL:
            return self._headers[section] if 0 <= section < len(COLUMNS) else None
        return str(section + 1) if 0 <= section < len(self._rowids) else None

    # flags() is not overridden: the C++ default (enabled, selectable) spares two calls into
    # Python for every painted cell.

    def data(self, index: QModelIndex | QPersistentModelIndex, role=DISPLAY):
        # The list's delegate paints from cell(); data() serves everything else (tooltips,
        # accessibility, the current cell, tests). The roles Qt asks in vain end here.
        handler = self._roles.get(role)
        return handler(index) if handler is not None else None

    def _cached(self, index):
        return self._cached_row(index.row())

    def _cached_row(self, row: int):
        if row < 0:
            return None
        try:
            return self._cache[self._rowids[row]]
        except KeyError:
            return self._entry(row)
        except IndexError:
            return None

    def cell(self, row: int, column: int):
        """(text, colour brush or None) of a cell for the list's delegate; None for a row gone."""
        entry = self._cached_row(row)
        if entry is None:
            return None
        colours = entry[2]
        return entry[1][column], colours[column] if colours else None

    def _display_role(self, index):
        entry = self._cached(index)
        return entry[1][index.column()] if entry else None

    def _foreground_role(self, index):
        entry = self._cached(index)
        return entry[2][index.column()] if entry and entry[2] else None

    @staticmethod
    def _alignment_role(index):
        return CENTER if index.column() == SIZE_COLUMN else None

    def _tooltip_role(self, index):
        if index.column() != VISIT_COLUMN:
            return None
        entry = self._cached(index)
        return self.tr("本月尚未走访") if entry and entry[2] and entry[2][VISIT_COLUMN] is LATE else None

    def _rowid_role(self, index):
        return self.rowid_at(index.row())

    def _id_role(self, index):
        entry = self._entry(index.row())
        return entry[0].id if entry else None

    def sort(self, column: int, order=Qt.SortOrder.AscendingOrder) -> None:
        if 0 <= column < len(COLUMNS):
            self.sort_requested.emit(COLUMN_KEYS[column], order == Qt.SortOrder.DescendingOrder)
