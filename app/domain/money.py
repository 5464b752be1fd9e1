"""Money: Decimal yuan with two places, never float."""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from app.domain.errors import DomainError
from app.domain.text import squeeze

CENT = Decimal("0.01")


def round_money(value: Decimal) -> Decimal:
    """Round to 0.01 元, halves away from zero (the way the forms are computed by hand)."""
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def to_money(value: object, field: str = "金额") -> Decimal:
    """A Decimal with two places from str/int/Decimal/None (None is 0).

    A float is taken through str() so 0.1 stays 0.1; thousands separators are allowed in text.
    """
    if value is None:
        return Decimal("0.00")
    if isinstance(value, bool):
        raise DomainError(field, f"{field}不是有效数字：{value}")
    if isinstance(value, float):
        value = str(value)
    if isinstance(value, str):
        value = squeeze(value).replace(",", "")
        if not value:
            return Decimal("0.00")
    try:
        amount = Decimal(value)
    except (InvalidOperation, TypeError, ValueError):
        raise DomainError(field, f"{field}不是有效数字：{value}") from None
    if not amount.is_finite():
        raise DomainError(field, f"{field}不是有效数字：{value}")
    return round_money(amount)


def format_yuan(amount: Decimal) -> str:
    """4000 for a whole amount, 3500.50 otherwise (for sentences, not for tables)."""
    return str(amount.quantize(Decimal(1))) if amount == amount.to_integral_value() else str(round_money(amount))
