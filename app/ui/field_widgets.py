"""Field widgets of the forms: each has `value()`, `set_value(v)`, a `edited` signal and
`problem()` (a Chinese message when what is typed cannot be a value at all). Which field gets which
widget: app/ui/field_choice.py.

Code lists are editable combo boxes with type-ahead: typing part of a label or its pinyin initials
("yb" for 因病) offers the matching items, so no input method is needed to pick a code.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal, InvalidOperation

from PySide6.QtCore import QDate, QRegularExpression, Qt, Signal
from PySide6.QtGui import (
    QIntValidator,
    QRegularExpressionValidator,
    QStandardItem,
    QStandardItemModel,
)
from PySide6.QtWidgets import (
    QCheckBox,
    QComboBox,
    QCompleter,
    QDateEdit,
    QGridLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QSizePolicy,
    QWidget,
)

from app.domain.codes import CodeList, decode_set, encode_set
from app.domain.errors import DomainError
from app.domain.pinyin_keys import initials

SEARCH_ROLE = Qt.ItemDataRole.UserRole + 10
CODE_ROLE = Qt.ItemDataRole.UserRole + 11
EMPTY_DATE = QDate(1900, 1, 1)


class TextField(QLineEdit):
    edited = Signal()

    def __init__(self, parent=None, max_length: int | None = None, placeholder: str = ""):
        super().__init__(parent)
        if max_length:
            self.setMaxLength(max_length)
        if placeholder:
            self.setPlaceholderText(placeholder)
        self.textChanged.connect(lambda _t: self.edited.emit())

    def value(self):
        text = self.text().strip()
        return text or None

    def set_value(self, value) -> None:
        self.setText("" if value is None else str(value))
        self.setCursorPosition(0)

    def problem(self) -> str | None:
        return None


class NumberField(TextField):
    """Money, areas and other decimals: digits and up to `places` decimals, right-aligned."""

    def __init__(self, parent=None, places: int = 2, integer_digits: int = 10):
        super().__init__(parent)
        pattern = rf"^\d{{0,{integer_digits}}}(\.\d{{0,{places}}})?$" if places else rf"^\d{{0,{integer_digits}}}$"
        self.setValidator(QRegularExpressionValidator(QRegularExpression(pattern), self))
        self.setAlignment(Qt.AlignmentFlag.AlignRight | Qt.AlignmentFlag.AlignVCenter)
        self.places = places

    def value(self):
        text = self.text().strip()
        if not text or text == ".":
            return None
        try:
            return int(text) if not self.places else Decimal(text)
        except (InvalidOperation, ValueError):
            return None

    def set_value(self, value) -> None:
        if value is None:
            self.setText("")
        elif isinstance(value, Decimal):
            # 1200.00 shows as 1200, 35.50 as 35.5: what people write on the forms
            text = format(value.normalize(), "f") if value == value.to_integral_value() else str(value)
            self.setText(text.rstrip("0").rstrip(".") if "." in text else text)
        else:
            self.setText(str(value))


class IntField(NumberField):
    def __init__(self, parent=None, low: int = 0, high: int = 9999):
        super().__init__(parent, places=0, integer_digits=len(str(high)))
        self.setValidator(QIntValidator(low, high, self))


class MultiLineField(QPlainTextEdit):
    edited = Signal()

    def __init__(self, parent=None, lines: int = 3):
        super().__init__(parent)
        self.setTabChangesFocus(True)
        self.setFixedHeight(self.fontMetrics().lineSpacing() * lines + 14)
        self.textChanged.connect(self.edited)

    def value(self):
        text = self.toPlainText().strip()
        return text or None

    def set_value(self, value) -> None:
        self.setPlainText("" if value is None else str(value))

    def problem(self) -> str | None:
        return None


class _LabelCompleter(QCompleter):
    """Matches on label, pinyin initials and code; inserts the label."""

    def pathFromIndex(self, index):
        return index.data(Qt.ItemDataRole.DisplayRole)

    def splitPath(self, path):
        return [path.lower()]


class CodeCombo(QComboBox):
    """A code list as an editable combo box with type-ahead; value() is the code."""

    edited = Signal()

    def __init__(self, codelist: CodeList, parent=None, allow_empty: bool = True,
                 items: list[tuple[str, str]] | None = None):
        super().__init__(parent)
        self.codelist = codelist
        self.setEditable(True)
        self.setInsertPolicy(QComboBox.InsertPolicy.NoInsert)
        self.setMaxVisibleItems(20)
        self.setSizeAdjustPolicy(QComboBox.SizeAdjustPolicy.AdjustToMinimumContentsLengthWithIcon)
        self.setMinimumContentsLength(6)
        model = QStandardItemModel(self)
        pairs = items if items is not None else [(i.code, i.label) for i in codelist.items]
        if allow_empty:
            pairs = [("", ""), *pairs]
        for code, label in pairs:
            item = QStandardItem(label)
            item.setData(code or None, CODE_ROLE)
            item.setData(f"{label.lower()} {initials(label)} {code}", SEARCH_ROLE)
            model.appendRow(item)
        self.setModel(model)
        completer = _LabelCompleter(model, self)
        completer.setCompletionRole(SEARCH_ROLE)
        completer.setFilterMode(Qt.MatchFlag.MatchContains)
        completer.setCaseSensitivity(Qt.CaseSensitivity.CaseInsensitive)
        completer.setCompletionMode(QCompleter.CompletionMode.PopupCompletion)
        self.setCompleter(completer)
        self.currentTextChanged.connect(lambda _t: self.edited.emit())
        self.lineEdit().editingFinished.connect(self._normalise)

    def _normalise(self) -> None:
        """Show the label for a code or synonym typed in (01 → 因病, 五保户 → 特困供养贫困户)."""
        code = self.value()
        if code:
            label = self.codelist.label(code)
            if self.currentText() != label:
                self.set_value(code)

    def value(self):
        text = self.currentText().strip()
        if not text:
            return None
        index = self.findText(text, Qt.MatchFlag.MatchExactly)
        if index >= 0:
            return self.itemData(index, CODE_ROLE)
        return self.codelist.find(text)

    def set_value(self, code) -> None:
        if not code:
            self.setCurrentIndex(0 if self.itemData(0, CODE_ROLE) is None else -1)
            self.setEditText("")
            return
        index = self.findData(code, CODE_ROLE)
        if index >= 0:
            self.setCurrentIndex(index)
        else:
            self.setEditText(str(code))

    def problem(self) -> str | None:
        text = self.currentText().strip()
        if text and self.value() is None:
            return f"{self.codelist.title}不在代码表中：{text}"
        return None


class ChoiceCombo(QComboBox):
    """A fixed list of (value, label) choices, not editable (groups, years, helpers...).

    The values stay on the Python side (the item data is their index), so any value works and
    nothing but small integers crosses into Qt."""

    edited = Signal()

    def __init__(self, choices: list[tuple[object, str]] = (), parent=None):
        super().__init__(parent)
        self._values: list[object] = []
        self.set_choices(choices)
        self.currentIndexChanged.connect(lambda _i: self.edited.emit())

    def set_choices(self, choices) -> None:
        """Replace the choices, keeping the current value when it is still one (no signal)."""
        current = self.value() if self.count() else None
        self.blockSignals(True)
        self.clear()
        self._values = []
        for value, label in choices:
            self._values.append(value)
            self.addItem(label)
        self.set_value(current)
        self.blockSignals(False)

    def value(self):
        i = self.currentIndex()
        return self._values[i] if 0 <= i < len(self._values) else None

    def set_value(self, value) -> None:
        for i, v in enumerate(self._values):
            if v == value and type(v) is type(value):
                self.setCurrentIndex(i)
                return
        self.setCurrentIndex(0 if self.count() else -1)

    def problem(self) -> str | None:
        return None


class YesNoField(ChoiceCombo):
    """是 / 否 / not recorded."""

    def __init__(self, parent=None):
        super().__init__([(None, ""), (True, "是"), (False, "否")], parent)


class CheckField(QCheckBox):
    """A flag that is never empty (是否军烈属…)."""

    edited = Signal()

    def __init__(self, text: str, parent=None):
        super().__init__(text, parent)
        self.toggled.connect(lambda _b: self.edited.emit())

    def value(self):
        return self.isChecked()

    def set_value(self, value) -> None:
        self.setChecked(bool(value))

    def problem(self) -> str | None:
        return None


class CodeSetField(QWidget):
    """A set of codes (健康状况, 其他致贫原因, 家庭变化) as check boxes; value() is the stored
    form (sorted codes joined by commas) or None."""

    edited = Signal()

    def __init__(self, codelist: CodeList, parent=None, columns: int = 4):
        super().__init__(parent)
        self.codelist = codelist
        layout = QGridLayout(self)
        layout.setContentsMargins(0, 0, 0, 0)
        layout.setHorizontalSpacing(14)
        layout.setVerticalSpacing(2)
        self.boxes: dict[str, QCheckBox] = {}
        for i, item in enumerate(codelist.items):
            box = QCheckBox(item.label, self)
            box.toggled.connect(lambda _b, code=item.code: self._toggled(code))
            layout.addWidget(box, i // columns, i % columns)
            self.boxes[item.code] = box
        self.setFocusProxy(next(iter(self.boxes.values())))
        self._excluded: str | None = None

    def exclude(self, code: str | None) -> None:
        """Disable one item (the 主要致贫原因 cannot also be an 其他致贫原因)."""
        if self._excluded in self.boxes:
            self.boxes[self._excluded].setEnabled(True)
        self._excluded = code
        if code in self.boxes:
            self.boxes[code].setEnabled(False)

    def _toggled(self, code: str) -> None:
        exclusive = self.codelist.exclusive
        if exclusive and self.boxes[code].isChecked():
            # 健康 alone, or the illnesses without 健康
            others = [c for c in self.boxes if c != exclusive] if code == exclusive else [exclusive]
            for c in others:
                self.boxes[c].blockSignals(True)
                self.boxes[c].setChecked(False)
                self.boxes[c].blockSignals(False)
        self.edited.emit()

    def codes(self) -> list[str]:
        return [c for c, b in self.boxes.items() if b.isChecked()]

    def value(self):
        return encode_set(self.codelist, self.codes()) or None

    def set_value(self, value) -> None:
        try:
            chosen = set(decode_set(self.codelist, value))
        except DomainError:
            chosen = set()
        for code, box in self.boxes.items():
            box.blockSignals(True)
            box.setChecked(code in chosen)
            box.blockSignals(False)

    def problem(self) -> str | None:
        return None


class DateField(QDateEdit):
    """A date with a calendar popup; the lowest date means "not filled" and shows blank."""

    edited = Signal()

    def __init__(self, parent=None, allow_empty: bool = True):
        super().__init__(parent)
        self.setCalendarPopup(True)
        self.setDisplayFormat("yyyy-MM-dd")
        self.allow_empty = allow_empty
        if allow_empty:
            self.setMinimumDate(EMPTY_DATE)
            self.setSpecialValueText(" ")
        self.setDate(EMPTY_DATE if allow_empty else QDate.currentDate())
        self.dateChanged.connect(lambda _d: self.edited.emit())
        self.calendarWidget().setGridVisible(True)

    def value(self):
        d = self.date()
        if self.allow_empty and d == EMPTY_DATE:
            return None
        return date(d.year(), d.month(), d.day())

    def set_value(self, value) -> None:
        if value is None:
            self.setDate(EMPTY_DATE if self.allow_empty else QDate.currentDate())
            return
        if isinstance(value, str):
            value = date.fromisoformat(value)
        self.setDate(QDate(value.year, value.month, value.day))

    def problem(self) -> str | None:
        return None

    def focusNextPrevChild(self, next: bool) -> bool:
        """Tab leaves the date (QDateTimeEdit would walk its year, month and day sections, and an
        empty date shown as blank never lets go): the sections are for ← and →."""
        return QWidget.focusNextPrevChild(self, next)

    def keyPressEvent(self, event) -> None:
        """Enter in a date moves to the next field, as in a paper form: it never reaches the
        dialog's default button (Ctrl+T, Enter must not save a visit nobody wrote)."""
        if event.key() in (Qt.Key.Key_Return, Qt.Key.Key_Enter) and not event.modifiers() & ~Qt.KeyboardModifier.KeypadModifier:
            self.interpretText()
            # QWidget's move, not QDateTimeEdit's (which walks the year, month and day sections)
            QWidget.focusNextPrevChild(self, True)
            event.accept()
            return
        super().keyPressEvent(event)


ERROR_STYLE = "color: #b3261e; font-size: 9pt;"
WARNING_STYLE = "color: #8a5300; font-size: 9pt;"


def restyle(widget: QWidget, style: str) -> None:
    """Change a widget's own style sheet, only when it changes.

    (Re-polishing through QStyle.unpolish() corrupts reference counts in PySide6 6.12, which
    crashes the interpreter at exit: styles are switched by style sheet instead.)"""
    if widget.styleSheet() != style:
        widget.setStyleSheet(style)


class ErrorLabel(QLabel):
    """The inline message under a field: red for an error, amber for a warning, hidden when none."""

    def __init__(self, parent=None):
        super().__init__(parent)
        self.setObjectName("fieldError")
        self.setWordWrap(True)
        self.setSizePolicy(QSizePolicy.Policy.Preferred, QSizePolicy.Policy.Minimum)
        self.hide()

    def show_message(self, text: str | None, warning: bool = False) -> None:
        if text:
            restyle(self, WARNING_STYLE if warning else ERROR_STYLE)
        if self.text() != (text or ""):
            self.setText(text or "")
        self.setVisible(bool(text))
