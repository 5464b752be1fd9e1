"""The household list: search as you type, filters, the table; the centre of the main window."""

from __future__ import annotations

import logging
import time
from dataclasses import replace

from PySide6.QtCore import QByteArray, QItemSelectionModel, Qt, QTimer, Signal
from PySide6.QtGui import QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QAbstractItemView,
    QCheckBox,
    QHBoxLayout,
    QHeaderView,
    QLabel,
    QLineEdit,
    QPushButton,
    QTableView,
    QVBoxLayout,
    QWidget,
)

from app.domain import codes
from app.ops import reads
from app.ops.reads import NO_STATUS, ListQuery
from app.ui.empty_state import set_empty_text
from app.ui.field_widgets import ChoiceCombo
from app.ui.household_delegate import CachedCellDelegate
from app.ui.household_model import COLUMN_KEYS, SIZE_COLUMN, HouseholdTableModel, load_rowids
from app.ui.search_index import SearchIndex
from app.ui.table_model import row_table_basics

log = logging.getLogger("kace.ui")
LIST_TABLES = frozenset({"household", "member", "assignment", "visit", "helper", "region"})


def _build_index(ops) -> SearchIndex:
    started = time.perf_counter()
    index = reads.scan_search_keys(ops, SearchIndex.build)
    index.build_ms = (time.perf_counter() - started) * 1000
    return index


# default and smallest widths of the list's columns (px at 100%)
COLUMN_WIDTHS = {"code": 160, "head_name": 80, "id_number": 150, "size": 64, "category": 104,
                 "cause": 124, "status": 120, "helper": 80, "last_visit": 90}
COLUMN_MIN_WIDTHS = {"code": 152, "head_name": 50, "id_number": 136, "size": 42, "category": 58,
                     "cause": 56, "status": 78, "helper": 50, "last_visit": 82}


class HouseholdTable(QTableView):
    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("householdTable")
        row_table_basics(self)
        self.setHorizontalScrollMode(QAbstractItemView.ScrollMode.ScrollPerPixel)
        self.verticalHeader().setSectionResizeMode(QHeaderView.ResizeMode.Fixed)
        self.verticalHeader().setMinimumWidth(48)
        header = self.horizontalHeader()
        header.setSectionsMovable(True)
        header.setHighlightSections(False)
        header.setStretchLastSection(True)
        self.setSortingEnabled(True)
        self.setAccessibleName(self.tr("户列表"))
        self.fit_columns = True  # until the user sizes a column (or a saved layout is restored)
        self._fitting = False
        header.sectionResized.connect(self._user_resized)
        header.sectionMoved.connect(self._user_resized)

    def _user_resized(self, *_args) -> None:
        if not self._fitting:
            self.fit_columns = False

    def resizeEvent(self, event) -> None:
        super().resizeEvent(event)
        if self.fit_columns:
            self.fit_to_width()

    def fit_to_width(self) -> None:
        """Every column on screen: the default widths where there is room (1366 px), narrower
        ones down to each column's minimum on a 1024 px screen; cut text ends in … and the
        whole text is in the tooltip."""
        header = self.horizontalHeader()
        room = self.viewport().width() - 6
        full = sum(COLUMN_WIDTHS.values())
        least = sum(COLUMN_MIN_WIDTHS.values())
        share = 1.0 if room >= full else max(0.0, (room - least) / (full - least))
        self._fitting = True
        try:
            for i, key in enumerate(COLUMN_KEYS):
                low = COLUMN_MIN_WIDTHS[key]
                header.resizeSection(i, int(low + (COLUMN_WIDTHS[key] - low) * share))
        finally:
            self._fitting = False


class HouseholdListPanel(QWidget):
    """Emits open_requested(household id) on Enter or double-click."""

    open_requested = Signal(str)
    counts_changed = Signal(int)  # rows shown
    current_changed = Signal(object)  # ListRow | None
    loaded = Signal()
    index_ready = Signal()

    def __init__(self, app_ctx, parent=None):
        super().__init__(parent)
        self.app = app_ctx
        self.scope = ListQuery()
        settings = app_ctx.settings
        self.sort_key = settings.sort_column if settings.sort_column in COLUMN_KEYS else "code"
        self.descending = settings.sort_descending
        self.index = SearchIndex()
        self._index_loading = False
        self._base: tuple[int, ...] | None = None  # a tuple: see HouseholdTableModel._rowids
        self._generation = 0
        self.last_search_ms = 0.0

        self.search = QLineEdit()
        self.search.setObjectName("search")
        self.search.setClearButtonEnabled(True)
        self.search.setPlaceholderText(self.tr("搜索：姓名、拼音首字母（如 zsf）、身份证号（任意几位）、户编号"))
        self.search.setAccessibleName(self.tr("搜索"))
        self.search.textChanged.connect(self._apply)
        self.search.returnPressed.connect(self._search_enter)
        self.search.installEventFilter(self)

        self.status_filter = ChoiceCombo([(None, self.tr("全部户状态")),
                                          *((i.code, i.label) for i in codes.HOUSEHOLD_STATUS),
                                          (NO_STATUS, reads.NOT_REGISTERED)])
        self.category_filter = ChoiceCombo([(None, self.tr("全部贫困户属性")),
                                            *((i.code, i.label) for i in codes.CATEGORY)])
        self.cause_filter = ChoiceCombo([(None, self.tr("全部致贫原因")),
                                         *((i.code, i.label) for i in codes.CAUSE)])
        self.helper_filter = ChoiceCombo([(None, self.tr("全部帮扶责任人"))])
        self.monitoring_filter = QCheckBox(self.tr("监测对象"))
        self.unvisited_filter = QCheckBox(self.tr("本月未走访"))
        self.clear_button = QPushButton(self.tr("清除筛选"))
        self.clear_button.clicked.connect(self.clear_filters)
        for name, combo in (("statusFilter", self.status_filter), ("categoryFilter", self.category_filter),
                            ("causeFilter", self.cause_filter), ("helperFilter", self.helper_filter)):
            combo.setObjectName(name)
            combo.setAccessibleName(combo.itemText(0))
            combo.edited.connect(self.reload)
        self.monitoring_filter.toggled.connect(self.reload)
        self.unvisited_filter.toggled.connect(self.reload)

        self.count_label = QLabel()
        self.count_label.setObjectName("countLabel")

        self.table = HouseholdTable()
        self.model = HouseholdTableModel(self._fetch_rows, lambda: app_ctx.today, self)
        self.table.setModel(self.model)
        self.table.setItemDelegate(CachedCellDelegate(self.model.cell, {SIZE_COLUMN}, self.table))
        self.model.sort_requested.connect(self.set_sort)
        self.table.activated.connect(self._activated)
        self.table.selectionModel().currentRowChanged.connect(self._row_changed)
        self._restore_header()

        # the legend of the red 最近走访 dates
        self.legend = QLabel(self.tr('<span style="color:#b3261e">红色</span>最近走访：本月尚未走访'))
        self.legend.setObjectName("hint")
        self.legend.setToolTip(self.tr("建档立卡户本月（1 日至今天）还没有走访记录时，“最近走访”显示为红色；"
                                       "勾选“本月未走访”只列出这些户。"))
        top = QHBoxLayout()
        top.addWidget(self.search, 1)
        top.addWidget(self.legend)
        top.addWidget(self.count_label)
        filters = QHBoxLayout()
        for w in (self.status_filter, self.category_filter, self.cause_filter, self.helper_filter,
                  self.monitoring_filter, self.unvisited_filter, self.clear_button):
            filters.addWidget(w)
        filters.addStretch(1)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(4)
        layout.addLayout(top)
        layout.addLayout(filters)
        layout.addWidget(self.table, 1)
        QShortcut(QKeySequence(Qt.Key.Key_Escape), self.search, self.search.clear,
                  context=Qt.ShortcutContext.WidgetShortcut)

        self._reload_timer = QTimer(self)
        self._reload_timer.setSingleShot(True)
        self._reload_timer.setInterval(150)
        self._reload_timer.timeout.connect(self._refresh_after_change)
        app_ctx.bus.changed.connect(self._on_changed)

    # --- header layout ------------------------------------------------------------------------

    def _restore_header(self) -> None:
        header = self.table.horizontalHeader()
        self.table.fit_to_width()
        state = self.app.settings.list_header
        if not state.isEmpty():
            self.table._fitting = True
            try:
                header.restoreState(state)
            finally:
                self.table._fitting = False
            self.table.fit_columns = False  # the user's own widths
        col = COLUMN_KEYS.index(self.sort_key)
        order = Qt.SortOrder.DescendingOrder if self.descending else Qt.SortOrder.AscendingOrder
        header.blockSignals(True)
        header.setSortIndicator(col, order)
        header.blockSignals(False)

    def save_layout(self) -> None:
        # the columns follow the window's width until the user arranges them
        self.app.settings.list_header = (QByteArray() if self.table.fit_columns
                                         else self.table.horizontalHeader().saveState())
        self.app.settings.sort_column = self.sort_key
        self.app.settings.sort_descending = self.descending

    # --- what is shown --------------------------------------------------------------------------

    def query(self) -> ListQuery:
        since = self.app.today.replace(day=1) if self.unvisited_filter.isChecked() else None
        return replace(self.scope, status=self.status_filter.value(),
                       category=self.category_filter.value(), cause=self.cause_filter.value(),
                       helper_id=self.helper_filter.value(),
                       monitoring=self.monitoring_filter.isChecked(), unvisited_since=since)

    def set_scope(self, scope: ListQuery) -> None:
        self.scope = scope
        self.helper_filter.set_choices([(None, self.tr("全部帮扶责任人"))])
        if scope.level in ("village", "group"):
            self.app.runner.read(lambda ops: self._helpers(ops, scope), on_done=self._set_helpers)
        self.helper_filter.setEnabled(scope.level in ("village", "group"))
        self.helper_filter.setToolTip("" if self.helper_filter.isEnabled()
                                      else self.tr("在左侧选择一个村后可按帮扶责任人筛选"))
        self.reload()

    @staticmethod
    def _helpers(ops, scope: ListQuery):
        return reads.helpers_in_scope(ops, scope)

    def _set_helpers(self, helpers) -> None:
        self.helper_filter.set_choices([(None, self.tr("全部帮扶责任人")), *helpers])

    def clear_filters(self) -> None:
        for combo in (self.status_filter, self.category_filter, self.cause_filter, self.helper_filter):
            combo.blockSignals(True)
            combo.setCurrentIndex(0)
            combo.blockSignals(False)
        for box in (self.monitoring_filter, self.unvisited_filter):
            box.blockSignals(True)
            box.setChecked(False)
            box.blockSignals(False)
        self.search.clear()
        self.reload()

    def set_sort(self, key: str, descending: bool) -> None:
        if (key, descending) == (self.sort_key, self.descending) and self._base is not None:
            return
        self.sort_key, self.descending = key, descending
        self.reload()

    def reload(self) -> None:
        """Read the row numbers of the list again (on the database thread)."""
        self._generation += 1
        generation = self._generation
        query, key, desc = self.query(), self.sort_key, self.descending
        self.app.runner.read(load_rowids, query, key, desc,
                             on_done=lambda rowids: self._base_loaded(generation, rowids))

    def _base_loaded(self, generation: int, rowids: list[int]) -> None:
        if generation != self._generation:
            return  # a newer reload is on its way
        self._base = tuple(rowids)
        self._apply()
        self.loaded.emit()
        if not self.index.ready and not self._index_loading:
            self._index_loading = True
            self.app.runner.read(_build_index, on_done=self._index_built)

    def _index_built(self, index: SearchIndex) -> None:
        self._index_loading = False
        self.index = index
        if self.search.text().strip():
            self._apply()
        self.index_ready.emit()

    def is_loaded(self) -> bool:
        return self._base is not None

    def _fetch_rows(self, rowids):
        return reads.household_rows(self.app.ops, rowids)

    def _matches(self, text: str) -> set[int] | None:
        if not text.strip():
            return None
        if self.index.ready:
            return self.index.matches(text)
        # Until the index is built (the first seconds after start): ask the database.
        return set(reads.search_rowids(self.app.ops, text, limit=5000))

    def search_rowids(self, text: str) -> list[int]:
        """Row numbers of the households matching `text` anywhere in the county, in 户编号 order
        of the index (for pickers)."""
        hits = self._matches(text) or set()
        return sorted(hits)

    def _apply(self, _text: str | None = None) -> None:
        """Show the base list narrowed by the search text (on every keystroke)."""
        if self._base is None:
            return
        started = time.perf_counter()
        hits = self._matches(self.search.text())
        rowids = self._base if hits is None else list(filter(hits.__contains__, self._base))
        current = self.current_rowid()
        self.model.set_rowids(rowids)
        # said once the list has loaded (not while it is still being read)
        set_empty_text(self.table, self.tr(
            "没有符合条件的户。换一个搜索词或筛选条件（清除筛选：Ctrl+Shift+C），或在左侧选择其他地方；"
            "登记新的一户：户籍 › 新建户（Ctrl+N）。"))
        row = self.model.row_of(current) if current is not None else None
        if row is None and rowids:
            row = 0
        if row is not None:
            self.table.selectionModel().setCurrentIndex(
                self.model.index(row, 0),
                QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        else:
            self.current_changed.emit(None)
        self.count_label.setText(self.tr("{0:,} 户").format(len(rowids)))
        self.counts_changed.emit(len(rowids))
        self.last_search_ms = (time.perf_counter() - started) * 1000

    # --- selection and opening -----------------------------------------------------------------

    def current_rowid(self) -> int | None:
        index = self.table.currentIndex()
        return self.model.rowid_at(index.row()) if index.isValid() else None

    def current_household_id(self) -> str | None:
        index = self.table.currentIndex()
        return self.model.household_id(index.row()) if index.isValid() else None

    def current_row(self):
        index = self.table.currentIndex()
        return self.model.list_row(index.row()) if index.isValid() else None

    def select_household(self, household_id: str) -> bool:
        rowid = reads.rowid_of(self.app.ops, household_id)
        row = self.model.row_of(rowid) if rowid is not None else None
        if row is None:
            return False
        self.table.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.table.scrollTo(self.model.index(row, 0))
        return True

    def _row_changed(self, current, _previous) -> None:
        self.current_changed.emit(self.model.list_row(current.row()) if current.isValid() else None)

    def _activated(self, index) -> None:
        household_id = self.model.household_id(index.row())
        if household_id:
            self.open_requested.emit(household_id)

    def _search_enter(self) -> None:
        if self.model.rowCount():
            self.table.setFocus()
            self._activated(self.table.currentIndex() if self.table.currentIndex().isValid()
                            else self.model.index(0, 0))

    def eventFilter(self, obj, event):
        if obj is self.search and event.type() == event.Type.KeyPress and \
                event.key() in (Qt.Key.Key_Down, Qt.Key.Key_PageDown):
            self.table.setFocus()
            return True
        return super().eventFilter(obj, event)

    # --- changes from anywhere ------------------------------------------------------------------

    def _on_changed(self, tables) -> None:
        if not set(tables) & LIST_TABLES:
            return
        self.model.invalidate()  # edited values show at once; the order follows shortly
        self._reload_timer.start()

    def _refresh_after_change(self) -> None:
        if self.index.ready:
            self.app.runner.read(reads.search_keys_since, self.index.mark, on_done=self._index_updated)
        self.reload()

    def _index_updated(self, delta) -> None:
        mark, rows = delta
        self.index.apply(rows)
        self.index.mark = mark
