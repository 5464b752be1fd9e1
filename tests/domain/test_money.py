from decimal import Decimal

import pytest

from app.domain.errors import DomainError
from app.domain.money import format_yuan, round_money, to_money


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (None, "0.00"),
        ("", "0.00"),
        (12, "12.00"),
        ("12.345", "12.35"),
        ("12.344", "12.34"),
        ("-0.005", "-0.01"),  # half away from zero
        (Decimal("2.675"), "2.68"),
        (0.1, "0.10"),  # float through str(): no binary noise
        (2.675, "2.68"),  # a float 2.675 is 2.67499999... in binary; str() keeps what was meant
        ("１２３４．５", "1234.50"),
        (" 1,234.5 ", "1234.50"),
    ],
)
def test_to_money(value, expected):
    result = to_money(value)
    assert isinstance(result, Decimal)
    assert result == Decimal(expected)
    assert str(result) == expected


@pytest.mark.parametrize("value", ["abc", "1.2.3", True, "NaN", "Infinity", [1], object()])
def test_to_money_refuses_non_numbers(value):
    with pytest.raises(DomainError) as info:
        to_money(value, "工资性收入")
    assert info.value.field == "工资性收入"
    assert info.value.message.startswith("工资性收入不是有效数字")


def test_round_money_and_format():
    assert round_money(Decimal("1.005")) == Decimal("1.01")
    assert format_yuan(Decimal("4000")) == "4000"
    assert format_yuan(Decimal("4000.00")) == "4000"
    assert format_yuan(Decimal("3500.5")) == "3500.50"
