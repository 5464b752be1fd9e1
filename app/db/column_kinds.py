"""What kind of value a column of a synced table holds, in plain terms, for code that must not
touch SQLAlchemy's types (the screens choose each field's widget from it)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Boolean, Date, Integer, Numeric, Text

from app.db.models import SYNCED_TABLES


@dataclass(frozen=True)
class ColumnKind:
    kind: str  # "bool", "date", "decimal", "int", "text" (long text) or "string"
    nullable: bool
    scale: int | None = None  # decimal places of a "decimal"
    length: int | None = None  # the longest "string", None when unbounded


def column_kind(table: str, name: str) -> ColumnKind:
    col = SYNCED_TABLES[table].c[name]
    t = col.type
    if isinstance(t, Boolean):
        return ColumnKind("bool", col.nullable)
    if isinstance(t, Date):
        return ColumnKind("date", col.nullable)
    if isinstance(t, Numeric):
        return ColumnKind("decimal", col.nullable, scale=t.scale)
    if isinstance(t, Integer):
        return ColumnKind("int", col.nullable)
    if isinstance(t, Text):
        return ColumnKind("text", col.nullable)
    return ColumnKind("string", col.nullable, length=getattr(t, "length", None))
