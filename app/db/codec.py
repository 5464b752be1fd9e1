"""Column-aware conversion between Python values, database values and change-log JSON.

One home for "what is a value of this column". Each value is converted once: what a person typed by
app/ops/validation.clean (which needs the typed value for its range checks) and then handed to the
ChangeWriter as typed; values read back from the log (from_json: undo, merge) are typed too;
anything else written (workflow steps, imports) is converted by the ChangeWriter itself.
"""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from sqlalchemy import Boolean, Column, Date, DateTime, Integer, Numeric, String, Table


def logged_columns(table: Table) -> list[Column]:
    """Columns whose values the change log carries: not the key, not derived, not local."""
    return [
        c
        for c in table.columns
        if not c.primary_key and not c.info.get("derived") and not c.info.get("local")
    ]


def blank_row(table: Table) -> dict:
    """Every column with its scalar default (or None): the starting point of a new row."""
    return {c.name: c.default.arg if c.default is not None and c.default.is_scalar else None
            for c in table.columns}


def coerce(col: Column, value):
    """Bring a value to the column's Python type; raise ValueError for nonsense.

    Empty text is stored as NULL, so "" and None never count as a change of each other.
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    t = col.type
    if isinstance(t, Boolean):
        if isinstance(value, str):
            return value.strip().lower() in ("1", "true", "是", "yes")
        return bool(value)
    if isinstance(t, Numeric):
        try:
            d = Decimal(str(value)) if not isinstance(value, Decimal) else value
        except InvalidOperation as e:
            raise ValueError(f"不是数字：{value}") from e
        return d.quantize(Decimal(1).scaleb(-(t.scale or 0)))
    if isinstance(t, Integer):
        if isinstance(value, bool) or (isinstance(value, float) and not value.is_integer()):
            raise ValueError(f"不是整数：{value}")
        return int(value)
    if isinstance(t, DateTime):
        return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    if isinstance(t, Date):
        if isinstance(value, datetime):
            return value.date()
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    return value if isinstance(value, str) else str(value)


def field_entries(payload: dict) -> dict:
    """The field entries of a change payload, without the "_" context keys of a delete."""
    return {f: e for f, e in payload.items() if not f.startswith("_")}


def to_json(value):
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, (date, datetime)):
        return value.isoformat()
    return value


def from_json(col: Column, value):
    return None if value is None else coerce(col, value)


def json_reader(col: Column):
    """from_json for one column, quick for a value already of the column's type (nearly every
    received value): merging 100k received changes calls it millions of times."""
    t = col.type
    native = (bool if isinstance(t, Boolean) else int if isinstance(t, Integer)
              else str if isinstance(t, String) else None)

    def read(value):
        if value is None:
            return None
        if type(value) is native and (native is not str or value.strip()):
            return value
        return coerce(col, value)

    return read


def json_converter(col: Column):
    """A fast to_json for one column: None where the value is JSON as it is."""
    return to_json if isinstance(col.type, (Numeric, Date, DateTime)) else None
