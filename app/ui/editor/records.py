"""Child records of a household edited master-detail: a table of the records above, the form of
the chosen one below. Changes are staged and saved with the household (one transaction)."""

from __future__ import annotations

import itertools
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QItemSelectionModel, Qt, Signal
from PySide6.QtGui import QBrush, QColor, QKeySequence, QShortcut
from PySide6.QtWidgets import (
    QHBoxLayout,
    QLabel,
    QPushButton,
    QScrollArea,
    QSplitter,
    QVBoxLayout,
    QWidget,
)

from app.db.codec import to_json
from app.ops.batch import Step
from app.ui.empty_state import set_empty_text
from app.ui.record_form import Check, validate_values
from app.ui.table_model import Column, record_table

_keys = itertools.count(1)
NEW_COLOUR = QBrush(QColor("#1f4e79"))


@dataclass
class Entry:
    id: str | None  # the stored row, None for a new one
    values: dict[str, Any]
    orig: dict[str, Any] = field(default_factory=dict)
    removed: bool = False
    errors: dict[str, str] = field(default_factory=dict)
    key: int = field(default_factory=lambda: next(_keys))

    def changes(self) -> dict[str, Any]:
        return {k: v for k, v in self.values.items() if to_json(v) != to_json(self.orig.get(k))}

    @property
    def dirty(self) -> bool:
        return self.id is None or self.removed or bool(self.changes())


class RecordEditor(QWidget):
    """`make_form()` returns (Form, layout widget). `noun` names a record in messages."""

    changed = Signal()
    shown = Signal(object)  # the Entry the form now shows (None: no record chosen)

    def __init__(self, app_ctx, table: str, columns: Sequence[Column], make_form: Callable,
                 noun: str, defaults: Callable[[], dict] | None = None,
                 checks: Sequence[Check] = (), orientation=Qt.Orientation.Vertical,
                 describe: Callable[[dict], str] | None = None, parent=None):
        super().__init__(parent)
        self.app = app_ctx
        self.table_name = table
        self.noun = noun
        self.defaults = defaults or (dict)
        self.checks = list(checks)
        self.describe = describe or (lambda values: noun)
        self.entries: list[Entry] = []
        self._current: Entry | None = None

        self.model, self.view = record_table(columns, self)
        self.model.set_colour(lambda row: NEW_COLOUR if row.get("_new") else None)
        self.view.setAccessibleName(noun)
        set_empty_text(self.view, self.tr("还没有{0}。点下方“添加{0}”（Alt+A）添加。").format(noun))
        self.view.selectionModel().currentRowChanged.connect(self._row_changed)

        self.form, form_widget = make_form()
        for check in self.checks:
            self.form.add_check(check)
        self.form.edited.connect(self._form_edited)
        self.form_area = QScrollArea()
        self.form_area.setWidget(form_widget)
        self.form_area.setWidgetResizable(True)
        self.form_area.setFrameShape(QScrollArea.Shape.NoFrame)

        self.add_button = QPushButton(self.tr("添加{0}(&A)").format(noun))
        self.remove_button = QPushButton(self.tr("删除{0}(&D)").format(noun))
        self.add_button.clicked.connect(self.add)
        self.remove_button.clicked.connect(self.remove_current)
        self.summary = QLabel()
        self.summary.setObjectName("saveReason")
        self.summary.setWordWrap(True)
        QShortcut(QKeySequence(Qt.Key.Key_Delete), self.view, self.remove_current,
                  context=Qt.ShortcutContext.WidgetShortcut)
        QShortcut(QKeySequence(Qt.Key.Key_Insert), self, self.add,
                  context=Qt.ShortcutContext.WidgetWithChildrenShortcut)

        buttons = QHBoxLayout()
        buttons.addWidget(self.add_button)
        buttons.addWidget(self.remove_button)
        buttons.addWidget(self.summary, 1)
        top = QWidget()
        top_layout = QVBoxLayout(top)
        top_layout.setContentsMargins(0, 0, 0, 0)
        top_layout.addLayout(buttons)
        top_layout.addWidget(self.view)
        self.splitter = QSplitter(orientation)
        self.splitter.addWidget(top)
        self.splitter.addWidget(self.form_area)
        self.splitter.setChildrenCollapsible(False)
        layout = QVBoxLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.addWidget(self.splitter)
        self._update_buttons()

    # --- loading ------------------------------------------------------------------------------

    def load(self, rows: Sequence[dict]) -> None:
        names = list(self.form.widgets)
        self.entries = []
        for row in rows:
            values = {n: row.get(n) for n in names}
            entry = Entry(row["id"], values, dict(values))
            entry.errors = validate_values(self.table_name, values, self.app.today, self.checks)
            self.entries.append(entry)
        self._current = None
        self._refresh_table()
        if self.visible():
            self.select(self.visible()[0])
        else:
            self._show(None)

    def visible(self) -> list[Entry]:
        return [e for e in self.entries if not e.removed]

    def _refresh_table(self) -> None:
        rows = []
        for e in self.visible():
            rows.append({**e.values, "_key": e.key, "_new": e.id is None})
        current = self._current
        self.model.set_rows(rows)
        if current is not None and not current.removed:
            self._select_row(self.visible().index(current))
        self._update_buttons()

    def _select_row(self, row: int) -> None:
        self.view.selectionModel().blockSignals(True)
        self.view.selectionModel().setCurrentIndex(
            self.model.index(row, 0),
            QItemSelectionModel.SelectionFlag.ClearAndSelect | QItemSelectionModel.SelectionFlag.Rows)
        self.view.selectionModel().blockSignals(False)

    def select(self, entry: Entry) -> None:
        row = self.visible().index(entry)
        self._select_row(row)
        self._show(entry)

    def _row_changed(self, current, _previous) -> None:
        entries = self.visible()
        self._show(entries[current.row()] if current.isValid() and current.row() < len(entries) else None)

    def _show(self, entry: Entry | None) -> None:
        self._current = entry
        self.form_area.widget().setEnabled(entry is not None)
        self.form.load(entry.values if entry else {})
        if entry is not None:
            # keep the message of a value refused at save time on screen
            entry.errors = dict(self.form.errors)
        self._update_buttons()
        self.shown.emit(entry)

    def current(self) -> Entry | None:
        return self._current

    # --- editing ------------------------------------------------------------------------------

    def _form_edited(self) -> None:
        entry = self._current
        if entry is None:
            return
        entry.values = self.form.collect()
        entry.errors = dict(self.form.errors)
        row = self.visible().index(entry)
        self.model.rows()[row].update(entry.values)
        self.model.refresh_row(row)
        self._update_buttons()
        self.changed.emit()

    def add(self, values: dict | None = None) -> Entry:
        names = list(self.form.widgets)
        base = {n: None for n in names}
        base.update(self.defaults())
        base.update(values or {})
        entry = Entry(None, base)
        self.entries.append(entry)
        self._current = entry
        self._refresh_table()
        self._show(entry)
        first = next(iter(self.form.widgets.values()))
        first.setFocus()
        self.changed.emit()
        return entry

    def remove_current(self) -> None:
        entry = self._current
        if entry is None:
            return
        what = self.describe(entry.values)
        if not self.app.interaction.confirm(self.tr("删除{0}").format(self.noun),
                                            self.tr("确定删除{0}吗？保存后生效。").format(what),
                                            self.tr("删除")):
            return
        row = self.visible().index(entry)
        if entry.id is None:
            self.entries.remove(entry)
        else:
            entry.removed = True
        self._current = None
        self._refresh_table()
        left = self.visible()
        if left:
            self.select(left[min(row, len(left) - 1)])
        else:
            self._show(None)
        self.changed.emit()

    def _update_buttons(self) -> None:
        self.remove_button.setEnabled(self._current is not None)
        problems = self.errors()
        self.summary.setText("；".join(problems[:2]) + ("…" if len(problems) > 2 else ""))

    # --- state for the editor ---------------------------------------------------------------

    def dirty(self) -> bool:
        return any(e.dirty for e in self.entries)

    def errors(self) -> list[str]:
        out = []
        for e in self.visible():
            for message in e.errors.values():
                out.append(f"{self.describe(e.values)}：{message}")
        return out

    def steps(self, add: Callable, update: Callable, remove: Callable,
              order: Callable[[Entry], Any] = lambda e: 0) -> list[Step]:
        """The ops of the staged changes: removals, then updates, then additions."""
        out: list[Step] = []
        for e in self.entries:
            if e.removed and e.id is not None:
                out.append(lambda c, rid=e.id: remove(c, rid))
        for e in sorted((e for e in self.entries if e.id and not e.removed and e.changes()), key=order):
            changes = e.changes()
            out.append(lambda c, rid=e.id, ch=changes: update(c, rid, ch))
        for e in sorted((e for e in self.entries if e.id is None and not e.removed), key=order):
            values = {k: v for k, v in e.values.items() if v is not None}
            out.append(lambda c, v=values: add(c, v))
        return out
