"""Change records as they travel (HTTP push/pull, bundles, snapshots) and their validation.

A change travels as a flat JSON object of WIRE_KEYS; its payload stays the exact JSON text the
author wrote, so signatures and digests never depend on how a side re-serialises it. Everything
received is checked here before it touches the database: a record that fails is parked for review,
never applied and never allowed to block the queue (sync-design.md).
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import orjson
from sqlalchemy import BigInteger, Boolean, Integer, Numeric, String

from app.db.codec import coerce, logged_columns
from app.db.models import SYNCED_TABLES

WIRE_KEYS = ("change_id", "replica_id", "incarnation_id", "seq", "hlc", "user_name", "tx_id",
             "table_name", "row_id", "op", "payload", "created_at")
OPS = ("create", "update", "delete")
_ID_MAX = 36
_HLC_MAX = 2**62


MAX_DEPTH = 64  # nesting of JSON arrays and objects in anything received


def too_deep(value, limit: int = MAX_DEPTH) -> bool:
    """Whether parsed JSON nests deeper than `limit` arrays/objects (iterative: no recursion)."""
    stack = [(value, 1)]
    while stack:
        item, depth = stack.pop()
        if isinstance(item, dict):
            item = item.values()
        elif not isinstance(item, list):
            continue
        if depth > limit:
            return True
        stack.extend((v, depth + 1) for v in item if isinstance(v, (dict, list)))
    return False


class InvalidChange(ValueError):
    """A received change that cannot be applied; the message is for the reviewer (Chinese)."""


def to_wire(rec: Mapping) -> dict:
    """A change-table row (mapping) as a JSON-ready dict."""
    out = {k: rec[k] for k in WIRE_KEYS}
    created = out["created_at"]
    if isinstance(created, datetime):
        out["created_at"] = created.isoformat()
    return out


def _text(d: Mapping, key: str, *, optional: bool = False, limit: int = _ID_MAX) -> str | None:
    value = d.get(key)
    if value is None and optional:
        return None
    if not isinstance(value, str) or not value or len(value) > limit or "\x00" in value:
        raise InvalidChange(f"字段 {key} 缺失或格式不对")
    return value


def _int(d: Mapping, key: str, low: int, high: int) -> int:
    value = d.get(key)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise InvalidChange(f"字段 {key} 不是有效的整数")
    return value


def fits(col, value) -> None:
    """Refuse what the column cannot hold on PostgreSQL (length, range, NUL): such a record would
    otherwise fail the whole batch at insert time and block the sender's queue."""
    t = col.type
    if isinstance(value, str):
        if "\x00" in value:
            raise ValueError("含有不可见的空字符")
        if isinstance(t, String) and t.length and len(value) > t.length:
            raise ValueError(f"超过 {t.length} 个字")
    elif isinstance(value, int) and not isinstance(value, bool) and isinstance(t, Integer):
        limit = 2**63 if isinstance(t, BigInteger) else 2**31
        if not -limit <= value < limit:
            raise ValueError("数值超出范围")
    elif isinstance(value, Decimal) and isinstance(t, Numeric) and t.precision:
        if abs(value) >= Decimal(10) ** (t.precision - (t.scale or 0)):
            raise ValueError("数值超出范围")


def _value_check(col):
    """A checker of one column's received values: raises ValueError/TypeError for what the
    column cannot hold. Text (most values) is checked in place, everything else coerced first."""
    t = col.type
    if isinstance(t, String):
        limit = t.length

        def text(value) -> None:
            if type(value) is not str:
                fits(col, coerce(col, value))
            elif "\x00" in value:
                raise ValueError("含有不可见的空字符")
            elif limit and len(value) > limit:
                raise ValueError(f"超过 {limit} 个字")
        return text
    if isinstance(t, Boolean):
        return lambda value: None if type(value) is bool else coerce(col, value)
    if isinstance(t, Integer):
        limit = 2**63 if isinstance(t, BigInteger) else 2**31

        def integer(value) -> None:
            if type(value) is not int:
                value = coerce(col, value)
            if not -limit <= value < limit:
                raise ValueError("数值超出范围")
        return integer
    return lambda value: fits(col, coerce(col, value))


_CHECKS = {name: {c.name: _value_check(c) for c in logged_columns(t)} for name, t in SYNCED_TABLES.items()}


def check(d: object) -> dict:
    """Validate one received change; return it as a change-table row (without local columns)."""
    return check_parsed(d)[0]


def check_parsed(d: object) -> tuple[dict, dict]:
    """check() and the parsed payload, so the merge does not parse it again."""
    if not isinstance(d, Mapping):
        raise InvalidChange("变更记录不是对象")
    rec = {
        "change_id": _text(d, "change_id"),
        "replica_id": _text(d, "replica_id"),
        "incarnation_id": _text(d, "incarnation_id"),
        "seq": _int(d, "seq", 1, 2**62),
        "hlc": _int(d, "hlc", 0, _HLC_MAX),
        "user_name": _text(d, "user_name", optional=True, limit=40),
        "tx_id": _text(d, "tx_id"),
        "table_name": _text(d, "table_name", limit=40),
        "row_id": _text(d, "row_id"),
        "op": _text(d, "op", limit=8),
        "payload": _text(d, "payload", limit=10_000_000),
    }
    try:
        rec["created_at"] = datetime.fromisoformat(_text(d, "created_at", limit=40)).replace(tzinfo=None)
    except ValueError:
        raise InvalidChange("字段 created_at 不是日期时间") from None
    if rec["op"] not in OPS:
        raise InvalidChange(f"未知的变更类型 {rec['op']}")
    table = SYNCED_TABLES.get(rec["table_name"])
    if table is None:
        raise InvalidChange(f"未知的表 {rec['table_name']}")
    try:
        payload = orjson.loads(rec["payload"])
    except orjson.JSONDecodeError:
        raise InvalidChange("变更内容不是有效的 JSON") from None
    if not isinstance(payload, dict) or not payload:
        raise InvalidChange("变更内容为空")
    if too_deep(payload, 3):  # {field: {"new": value, "parents": [ids]}}
        raise InvalidChange("变更内容的嵌套层次不对")
    checks = _CHECKS[table.name]
    create = rec["op"] == "create"
    for field, entry in payload.items():
        if field.startswith("_"):
            continue  # context of a delete (what the person saw), not a field
        check_value = checks.get(field)
        if check_value is None:
            raise InvalidChange(f"表 {table.name} 没有字段 {field}")
        if type(entry) is not dict or "new" not in entry:
            raise InvalidChange(f"字段 {field} 的变更格式不对")
        value = entry["new"]
        try:
            if value is not None:
                check_value(value)
        except (ValueError, TypeError, ArithmeticError) as e:
            raise InvalidChange(f"字段 {field} 的值无效：{e}") from None
        parents = entry.get("parents")
        if parents:
            if create:
                raise InvalidChange("新建记录不应有前驱")
            if type(parents) is not list or not all(type(p) is str for p in parents):
                raise InvalidChange(f"字段 {field} 的前驱格式不对")
        elif parents is not None and type(parents) is not list:
            raise InvalidChange(f"字段 {field} 的前驱格式不对")
    return rec, payload
