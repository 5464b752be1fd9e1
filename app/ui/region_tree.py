"""The region tree on the left of the main window: 县 › 乡镇 › 村 › 组 with household counts."""

from __future__ import annotations

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QStandardItem, QStandardItemModel
from PySide6.QtWidgets import QAbstractItemView, QHeaderView, QTreeView

from app.ops.reads import ListQuery

LEVEL_ROLE = Qt.ItemDataRole.UserRole + 1
ID_ROLE = Qt.ItemDataRole.UserRole + 2
NAME_ROLE = Qt.ItemDataRole.UserRole + 3


def build_model(model: QStandardItemModel, regions: list[dict], counts: dict[str, int],
                all_label: str) -> None:
    """Fill the tree: one root (the county, or 全部 when there are several), townships, villages
    and groups; each with its household count."""
    model.clear()
    items: dict[str, QStandardItem] = {}
    totals: dict[str, int] = dict(counts)
    by_id = {r["id"]: r for r in regions}
    for level in ("village", "township"):  # villages add up to townships, townships to counties
        for r in regions:
            if r["level"] == level and r["parent_id"] in by_id:
                totals[r["parent_id"]] = totals.get(r["parent_id"], 0) + totals.get(r["id"], 0)
    counties = [r for r in regions if r["level"] == "county"]
    root_total = sum(totals.get(r["id"], 0) for r in regions if r["level"] == "village")
    if len(counties) == 1:
        root = _item(counties[0], totals)
        items[counties[0]["id"]] = root
    else:
        root = QStandardItem(all_label)
        root.setData(None, LEVEL_ROLE)
        root.setData(None, ID_ROLE)
        root.setData(all_label, NAME_ROLE)
        root.setEditable(False)
    model.appendRow([root, _count(root_total)])
    for r in regions:
        if r["level"] == "county":
            continue
        item = _item(r, totals)
        parent = items.get(r["parent_id"], root)
        parent.appendRow([item, _count(totals.get(r["id"], 0))])
        items[r["id"]] = item


def _item(region: dict, totals: dict[str, int]) -> QStandardItem:
    n = totals.get(region["id"], 0)
    item = QStandardItem(region["name"])
    item.setData(region["level"], LEVEL_ROLE)
    item.setData(region["id"], ID_ROLE)
    item.setData(region["name"], NAME_ROLE)
    item.setToolTip(f"{region['code']}  {region['name']}：{n:,} 户")
    item.setEditable(False)
    return item


def _count(n: int) -> QStandardItem:
    item = QStandardItem(f"{n:,}")
    item.setTextAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
    item.setEditable(False)
    item.setSelectable(True)
    return item


class RegionTree(QTreeView):
    """Emits `scope_changed(ListQuery)` with the chosen place (level and id)."""

    scope_changed = Signal(object)

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("regionTree")
        self.model_ = QStandardItemModel(self)
        self.setModel(self.model_)
        self.setHeaderHidden(True)
        self.setUniformRowHeights(True)
        self.setEditTriggers(QAbstractItemView.EditTrigger.NoEditTriggers)
        self.setSelectionMode(QAbstractItemView.SelectionMode.SingleSelection)
        self.setSelectionBehavior(QAbstractItemView.SelectionBehavior.SelectRows)
        self.setAllColumnsShowFocus(True)
        self.setAccessibleName(self.tr("区划"))
        self.selectionModel().currentChanged.connect(self._current_changed)

    def populate(self, regions: list[dict], counts: dict[str, int], select_id: str | None = None) -> None:
        current = select_id if select_id is not None else self.current_id()
        self.selectionModel().blockSignals(True)
        build_model(self.model_, regions, counts, self.tr("全部"))
        self.selectionModel().blockSignals(False)
        root = self.model_.index(0, 0)
        self.expandToDepth(0 if self.model_.rowCount(root) > 30 else 1)
        header = self.header()
        header.setStretchLastSection(False)
        header.setSectionResizeMode(0, QHeaderView.ResizeMode.Stretch)
        header.setSectionResizeMode(1, QHeaderView.ResizeMode.ResizeToContents)
        index = self._find(current) if current else None
        self.select_index(index if index is not None and index.isValid() else root, emit=False)

    def _find(self, region_id: str):
        hits = self.model_.match(self.model_.index(0, 0), ID_ROLE, region_id, 1,
                                 Qt.MatchFlag.MatchExactly | Qt.MatchFlag.MatchRecursive)
        return hits[0] if hits else None

    def select_index(self, index, emit: bool = True) -> None:
        if not emit:
            self.selectionModel().blockSignals(True)
        self.selectionModel().setCurrentIndex(
            index, QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.selectionModel().blockSignals(False)
        self.scrollTo(index)

    def select_region(self, region_id: str | None) -> None:
        index = self._find(region_id) if region_id else self.model_.index(0, 0)
        if index is not None:
            self.select_index(index)

    def current_id(self) -> str | None:
        index = self._current()
        return index.data(ID_ROLE) if index.isValid() else None

    def current_level(self) -> str | None:
        index = self._current()
        return index.data(LEVEL_ROLE) if index.isValid() else None

    def current_name(self) -> str:
        index = self._current()
        return index.data(NAME_ROLE) or "" if index.isValid() else ""

    def _current(self):
        index = self.currentIndex()
        return index.siblingAtColumn(0) if index.isValid() else index

    def village_id(self) -> str | None:
        """The village chosen, or the village of the group chosen."""
        index = self._current()
        if index.isValid() and index.data(LEVEL_ROLE) == "group":
            index = index.parent()
        return index.data(ID_ROLE) if index.isValid() and index.data(LEVEL_ROLE) == "village" else None

    def scope(self) -> ListQuery:
        level = self.current_level()
        if level in (None, "county", "province", "prefecture"):
            return ListQuery()
        return ListQuery(level, self.current_id())

    def _current_changed(self, current, previous) -> None:
        if current.isValid() and (not previous.isValid() or current.siblingAtColumn(0) != previous.siblingAtColumn(0)):
            self.scope_changed.emit(self.scope())
