"""What every tab of the household editor offers the editor."""

from __future__ import annotations

from PySide6.QtCore import Signal
from PySide6.QtWidgets import QWidget

from app.ops.batch import Step
from app.ui.forms import Form


class EditorTab(QWidget):
    """A page of the editor. `changed` fires on every edit so the editor updates 保存."""

    changed = Signal()
    key = ""
    title = ""
    # the parts of the household's detail this tab shows (ui_queries.DETAIL_TABLES); a save
    # reloads the tabs whose parts it touched
    sections: frozenset[str] = frozenset()

    def __init__(self, editor):
        super().__init__()
        self.editor = editor
        self.app = editor.app
        self.household_id = editor.household_id
        self.setObjectName(f"tab_{self.key}")

    def make_form(self, table: str) -> Form:
        """A form over `table` validated against the program's today."""
        return Form(table, lambda: self.app.today, self)

    def load(self, detail: dict) -> None:
        """Show the household as stored (after opening and after every save)."""

    def dirty(self) -> bool:
        return False

    def errors(self) -> list[str]:
        """Messages that block saving, each naming its field."""
        return []

    def steps(self) -> list[Step]:
        """The ops that save this tab's changes (run with the others in one transaction)."""
        return []

    def forms(self) -> list[Form]:
        return []

    def show_refusal(self, field_label: str, message: str) -> bool:
        """Put a refusal of the save next to its field; True when a field of this tab took it."""
        return any(form.show_error(field_label, message) for form in self.forms())

    def tables_changed(self, tables: frozenset[str]) -> None:
        """Something was saved elsewhere (a visit from the quick entry...)."""


def form_errors(form: Form, prefix: str = "") -> list[str]:
    return [f"{prefix}{message}" for message in form.errors.values()]


class FormTab(EditorTab):
    """A tab whose edits live in one Form, `self.form`; `error_prefix` names the tab in messages."""

    error_prefix = ""
    form: Form

    def forms(self) -> list[Form]:
        return [self.form]

    def dirty(self) -> bool:
        return self.form.dirty()

    def errors(self) -> list[str]:
        return form_errors(self.form, self.tr(self.error_prefix) if self.error_prefix else "")
