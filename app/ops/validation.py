"""Turning what a user typed into stored values, through app/domain, or refusing it.

`clean()` checks every given field and raises one ValidationErrors listing each bad field with a
Chinese message naming the field and the value; nothing is written when anything is wrong.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from sqlalchemy import Numeric

from app.db.codec import coerce
from app.db.models import SYNCED_TABLES
from app.domain import codes, fields
from app.domain.contact import validate_name, validate_phone
from app.domain.errors import DomainError, ValidationErrors
from app.domain.idcard import parse_id
from app.domain.income import to_money
from app.domain.limits import (
    FUTURE_DATE_FIELDS,
    MAX_MONTHS,
    MONTH_FIELDS,
    NAME_FIELDS,
    NON_NEGATIVE_FIELDS,
    PHONE_FIELDS,
    YEAR_FIELDS,
    in_future,
    year_range,
)


def _clean_one(table: str, name: str, value: Any, today: date) -> Any:
    label = fields.label(table, name)
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if name in fields.CODED.get(table, {}):
        return fields.CODED[table][name].code(str(value))
    if name in fields.CODED_SETS.get(table, {}):
        return codes.encode_set(fields.CODED_SETS[table][name], value) or None
    if (table, name) in NAME_FIELDS:
        return validate_name(str(value))
    if (table, name) in PHONE_FIELDS:
        return validate_phone(str(value))
    if name == "id_number":
        return parse_id(str(value), today=today).number
    col = SYNCED_TABLES[table].c[name]
    try:
        if isinstance(col.type, Numeric):
            result = to_money(value)
        else:
            result = coerce(col, value)
    except (ValueError, TypeError) as e:
        raise DomainError(label, f"{label}格式不正确：{value}") from e
    if isinstance(result, Decimal) and result < 0:
        raise DomainError(label, f"{label}不能为负数：{result}")
    if name in NON_NEGATIVE_FIELDS and result < 0:
        raise DomainError(label, f"{label}不能为负数：{result}")
    if name in MONTH_FIELDS and result > MAX_MONTHS:
        raise DomainError(label, f"{label}应在 0–{MAX_MONTHS} 之间：{result}")
    if name in YEAR_FIELDS:
        first, last = year_range(today)
        if not first <= result <= last:
            raise DomainError(label, f"{label}不合理：{result}")
    if isinstance(result, date) and name.endswith(("_date", "_on")) and in_future(result, today):
        if name not in FUTURE_DATE_FIELDS:
            raise DomainError(label, f"{label}不能晚于今天：{result.isoformat()}")
    return result


def clean(table: str, values: Mapping[str, Any], today: date) -> dict[str, Any]:
    known = SYNCED_TABLES[table].c
    errors: list[DomainError] = []
    out: dict[str, Any] = {}
    for name, value in values.items():
        if name not in known:
            errors.append(DomainError(name, f"未知字段：{name}"))
            continue
        try:
            out[name] = _clean_one(table, name, value, today)
        except DomainError as e:
            errors.append(e)
    if errors:
        raise ValidationErrors(errors)
    return out
