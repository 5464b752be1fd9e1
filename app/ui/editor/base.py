"""What every tab of the household editor offers the editor."""

from __future__ import annotations

from PySide6.QtCore import Qt, Signal
from PySide6.QtWidgets import QAbstractItemView, QAbstractScrollArea, QScrollArea, QWidget

from app.ops.batch import Step
from app.ui.record_form import Form


class EditorTab(QWidget):
    """A page of the editor. `changed` fires on every edit so the editor updates 保存."""

    changed = Signal()
    key = ""
    title = ""
    # the parts of the household's detail this tab shows (reads.DETAIL_TABLES); a save
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

    def first_field(self) -> QWidget | None:
        """Where the hand goes when the tab opens: the first field of its form (the year chooser
        and the lists come before it in the Tab order, but are not what one types into first),
        else the first widget of the tab that takes the keyboard."""
        for form in self.forms()[:1]:
            for widget in form.widgets.values():
                if takes_tab(widget, self):
                    return widget
        return first_focusable(self)


def takes_tab(widget: QWidget, within: QWidget) -> bool:
    target = widget.focusProxy() or widget
    return (bool(target.focusPolicy() & Qt.FocusPolicy.TabFocus) and target.isEnabled()
            and target.isVisibleTo(within))


def first_focusable(root: QWidget) -> QWidget | None:
    """The first widget inside `root`, in the window's Tab order, that Tab would stop at."""
    w = root.nextInFocusChain()
    seen = set()
    while w is not root and id(w) not in seen and root.isAncestorOf(w):
        seen.add(id(w))
        if w.focusProxy() is None and takes_tab(w, root) and not isinstance(w, QScrollArea):
            return w
        w = w.nextInFocusChain()
    return None


def tidy_tab_order(root: QWidget) -> None:
    """Tab goes from field to field: a scroll area around a form is no Tab stop of its own (its
    fields are), and Tab leaves a table instead of walking its cells (the arrows do that)."""
    for area in root.findChildren(QAbstractScrollArea):
        if isinstance(area, QScrollArea):
            area.setFocusPolicy(Qt.FocusPolicy.NoFocus)
        elif isinstance(area, QAbstractItemView):
            area.setTabKeyNavigation(False)


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
