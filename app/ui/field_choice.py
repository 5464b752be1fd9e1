"""Which widget edits which field: chosen once from the column's type and app/domain/fields.py, so
every form of the program edits the same field the same way."""

from __future__ import annotations

from app.db.column_kinds import column_kind
from app.domain import fields
from app.domain.limits import MAX_MONTHS, MONTH_FIELDS, YEAR_FIELDS
from app.ui.field_widgets import (
    CheckField,
    ChoiceCombo,
    CodeCombo,
    CodeSetField,
    DateField,
    IntField,
    MultiLineField,
    NumberField,
    TextField,
    YesNoField,
)

SEX_CHOICES = [(None, ""), ("男", "男"), ("女", "女")]
SET_COLUMNS = {"other_causes": 5, "health": 4, "changes": 6}


def widget_for(table: str, name: str):
    """A new field widget for `table.name`."""
    if name in fields.CODED.get(table, {}):
        return CodeCombo(fields.CODED[table][name])
    if name in fields.CODED_SETS.get(table, {}):
        return CodeSetField(fields.CODED_SETS[table][name], columns=SET_COLUMNS.get(name, 4))
    if name == "sex":
        return ChoiceCombo(SEX_CHOICES)
    col = column_kind(table, name)
    if col.kind == "bool":
        return YesNoField() if col.nullable else CheckField(fields.label(table, name))
    if col.kind == "date":
        return DateField()
    if col.kind == "decimal":
        return NumberField(places=col.scale or 2)
    if col.kind == "int":
        if name in YEAR_FIELDS:
            return IntField(low=0, high=2100)
        if name in MONTH_FIELDS:
            return IntField(low=0, high=MAX_MONTHS)
        return IntField(low=0, high=999999)
    if col.kind == "text":
        return MultiLineField()
    length = col.length
    if name == "id_number":
        return TextField(max_length=22, placeholder="18位身份证号")
    if "phone" in name:
        return TextField(max_length=20)
    return TextField(max_length=length)


MAX_WIDTHS = ((IntField, 150), (NumberField, 180), (DateField, 160), (YesNoField, 110),
              (CodeCombo, 320), (TextField, 360))


def add_fields(form, *names: str) -> None:
    """Add the standard widget of each field to a Form."""
    for name in names:
        widget = widget_for(form.table, name)
        for kind, width in MAX_WIDTHS:
            if isinstance(widget, kind):
                widget.setMaximumWidth(width)
                break
        form.add(name, widget)
