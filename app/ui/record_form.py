"""Hand-bound forms: `load(values)`, `collect() -> values`, and a validator that asks app/domain
(through app/ops/validation.clean, the very check the save runs) and shows each message in Chinese
under its field as the user types."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from datetime import date
from typing import Any

from PySide6.QtCore import QObject, Qt, Signal
from PySide6.QtWidgets import QGridLayout, QLabel, QVBoxLayout, QWidget

from app.db.codec import to_json
from app.domain import fields
from app.domain.errors import DomainError, ValidationErrors
from app.ops.validation import clean
from app.ui.field_widgets import CheckField, ErrorLabel

Check = Callable[[dict], Mapping[str, str]]


def first_message(e: DomainError) -> str:
    if isinstance(e, ValidationErrors) and e.errors:
        return e.errors[0].message
    return e.message


class Form(QObject):
    """The fields of one record (one table). `edited` fires on every user change after load()."""

    edited = Signal()
    validated = Signal()

    def __init__(self, table: str, today: Callable[[], date], parent: QObject | None = None):
        super().__init__(parent)
        self.table = table
        self.today = today
        self.widgets: dict[str, QWidget] = {}
        self.error_labels: dict[str, ErrorLabel] = {}
        self.labels: dict[str, str] = {}
        self._loaded: dict[str, Any] = {}
        self._loading = False
        self._checks: list[Check] = []
        self._warnings: list[Check] = []
        self.errors: dict[str, str] = {}
        self.warnings: dict[str, str] = {}
        self.domain_checked = True  # False for fields not in the table (checked by add_check)
        # False: a field's message waits until the user has edited that field (or reveal_all());
        # the errors still block saving. For blank forms, which should not open in red.
        self.show_untouched = True
        self._touched: set[str] = set()

    # --- building -------------------------------------------------------------------------

    def add(self, name: str, widget: QWidget, label: str | None = None) -> QWidget:
        self.widgets[name] = widget
        self.labels[name] = label or fields.label(self.table, name)
        self.error_labels[name] = ErrorLabel()
        widget.setObjectName(name)
        widget.setAccessibleName(self.labels[name])
        widget.edited.connect(lambda n=name: self._on_edit(n))
        return widget

    def add_check(self, check: Check) -> None:
        """A rule across fields: values → {field: message}; an error blocks saving."""
        self._checks.append(check)

    def add_warning(self, check: Check) -> None:
        """Like add_check, but the message is a warning: shown, never blocking."""
        self._warnings.append(check)

    def cell(self, name: str) -> QWidget:
        """The field with its inline message under it, for a layout."""
        box = QWidget()
        layout = QVBoxLayout(box)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setSpacing(1)
        layout.addWidget(self.widgets[name])
        layout.addWidget(self.error_labels[name])
        return box

    # --- values ---------------------------------------------------------------------------

    @property
    def loading(self) -> bool:
        """True while load() fills the widgets (their signals are not user edits)."""
        return self._loading

    def load(self, values: Mapping[str, Any]) -> None:
        self._loading = True
        try:
            for name, widget in self.widgets.items():
                widget.set_value(values.get(name))
        finally:
            self._loading = False
        self._loaded = self.collect()
        self.validate()

    def collect(self) -> dict[str, Any]:
        return {name: w.value() for name, w in self.widgets.items()}

    def changes(self) -> dict[str, Any]:
        """The fields whose value differs from what was loaded."""
        now = self.collect()
        return {k: v for k, v in now.items() if to_json(v) != to_json(self._loaded.get(k))}

    def dirty(self) -> bool:
        return bool(self.changes())

    def mark_clean(self) -> None:
        self._loaded = self.collect()

    def value(self, name: str):
        return self.widgets[name].value()

    def set(self, name: str, value) -> None:
        """Set a field from code (a computed default): counts as an edit."""
        self.widgets[name].set_value(value)

    # --- validation -----------------------------------------------------------------------

    def _on_edit(self, name: str | None = None) -> None:
        if self._loading:
            return
        if name is not None:
            self._touched.add(name)
        self.validate()
        self.edited.emit()

    def field_error(self, name: str, value) -> str | None:
        problem = self.widgets[name].problem()
        if problem:
            return problem
        if not self.domain_checked or isinstance(self.widgets[name], CheckField):
            return None
        try:
            clean(self.table, {name: value}, self.today())
        except DomainError as e:
            return first_message(e)
        except KeyError:
            return None  # a form-only field
        return None

    def validate(self) -> dict[str, str]:
        values = self.collect()
        errors: dict[str, str] = {}
        for name in self.widgets:
            message = self.field_error(name, values[name])
            if message:
                errors[name] = message
        for check in self._checks:
            for name, message in check(values).items():
                if name in self.widgets:  # a message needs its field on screen
                    errors.setdefault(name, message)
        warnings: dict[str, str] = {}
        for check in self._warnings:
            for name, message in check(values).items():
                if name not in errors:
                    warnings.setdefault(name, message)
        self.errors, self.warnings = errors, warnings
        for name, label in self.error_labels.items():
            if not self.show_untouched and name not in self._touched:
                label.show_message(None)
            elif name in errors:
                label.show_message(errors[name])
            else:
                label.show_message(warnings.get(name), warning=True)
        self.validated.emit()
        return errors

    def touched(self) -> bool:
        """Whether the user has edited any field since the form was made."""
        return bool(self._touched)

    def reveal_all(self) -> None:
        """Show every message now (the user tried to go on)."""
        self._touched.update(self.widgets)
        self.validate()

    def show_error(self, field_label: str, message: str) -> bool:
        """Show a refusal from the save next to its field (matched by label); True if shown."""
        for name, label in self.labels.items():
            if label == field_label or field_label in (name, label.split("（")[0]):
                self.errors[name] = message
                self.error_labels[name].show_message(message)
                return True
        return False

    def first_error_widget(self) -> QWidget | None:
        for name in self.widgets:
            if name in self.errors:
                return self.widgets[name]
        return None


class FormGrid(QWidget):
    """Fields in label/field pairs over `columns` columns; wide fields take a whole row."""

    def __init__(self, form: Form, columns: int = 2, parent=None):
        super().__init__(parent)
        self.form = form
        self.columns = columns
        self.grid = QGridLayout(self)
        self.grid.setHorizontalSpacing(10)
        self.grid.setVerticalSpacing(6)
        self._row, self._col = 0, 0
        for c in range(columns):
            self.grid.setColumnStretch(c * 2 + 1, 1)

    def _label(self, name: str) -> QLabel:
        label = QLabel(self.form.labels[name] + "：")
        label.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignTop)
        label.setContentsMargins(0, 4, 0, 0)
        label.setBuddy(self.form.widgets[name])
        return label

    def add(self, *names: str) -> FormGrid:
        for name in names:
            self.grid.addWidget(self._label(name), self._row, self._col * 2)
            self.grid.addWidget(self.form.cell(name), self._row, self._col * 2 + 1)
            self._col += 1
            if self._col == self.columns:
                self._row, self._col = self._row + 1, 0
        return self

    def add_wide(self, *names: str) -> FormGrid:
        for name in names:
            self.newline()
            self.grid.addWidget(self._label(name), self._row, 0)
            self.grid.addWidget(self.form.cell(name), self._row, 1, 1, self.columns * 2 - 1)
            self._row += 1
        return self

    def add_widget(self, widget: QWidget, label: str = "") -> FormGrid:
        self.newline()
        if label:
            lab = QLabel(label)
            lab.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
            self.grid.addWidget(lab, self._row, 0)
        self.grid.addWidget(widget, self._row, 1, 1, self.columns * 2 - 1)
        self._row += 1
        return self

    def section(self, title: str) -> FormGrid:
        """A bold heading across the grid."""
        self.newline()
        heading = QLabel(title)
        heading.setObjectName("sectionTitle")
        font = heading.font()
        font.setBold(True)
        heading.setFont(font)
        heading.setContentsMargins(0, 8 if self._row else 0, 0, 2)
        self.grid.addWidget(heading, self._row, 0, 1, self.columns * 2)
        self._row += 1
        return self

    def newline(self) -> None:
        if self._col:
            self._row, self._col = self._row + 1, 0

    def finish(self) -> FormGrid:
        self.newline()
        self.grid.setRowStretch(self._row, 1)
        return self


def validate_values(table: str, values: Mapping[str, Any], today: date,
                    checks: Iterable[Check] = ()) -> dict[str, str]:
    """The errors of stored or staged values without their widgets (records not on screen)."""
    errors: dict[str, str] = {}
    for name, value in values.items():
        try:
            clean(table, {name: value}, today)
        except DomainError as e:
            errors[name] = first_message(e)
        except KeyError:
            pass
    for check in checks:
        for name, message in check(dict(values)).items():
            errors.setdefault(name, message)
    return errors
