from decimal import Decimal

import pytest

from app.domain.errors import DomainError
from app.domain.income import (
    FIELD_LABELS,
    TRANSFER_ITEMS,
    IncomeItems,
    income_warnings,
    net_income,
    per_capita,
    to_money,
    validate_income,
)
from app.domain.poverty_line import PovertyLineTable

D = Decimal


def test_defaults_and_labels():
    items = IncomeItems()
    assert all(getattr(items, name) == D("0") for name in FIELD_LABELS)
    assert set(TRANSFER_ITEMS) < set(FIELD_LABELS)
    assert FIELD_LABELS["wages"] == "工资性收入"
    assert FIELD_LABELS["tekun_money"] == "特困供养金（五保金）"
    assert to_money("1.005") == D("1.01")


def test_net_income_formula_is_exact():
    items = IncomeItems(wages=D("10000.10"), business=D("5000.20"), property=D("0.30"),
                        transfers=D("1200.40"), business_costs=D("2000.01"))
    assert net_income(items) == D("14200.99")
    # float-prone figures stay exact
    tenth = IncomeItems(wages=D("0.1"), business=D("0.2"))
    assert net_income(tenth) == D("0.30")


def test_net_income_accepts_form_text():
    assert net_income(IncomeItems(wages="1,000", business=500, business_costs="200.5")) == D("1299.50")


def test_net_income_can_be_negative():
    assert net_income(IncomeItems(business=D("100"), business_costs=D("300"))) == D("-200.00")


@pytest.mark.parametrize(
    ("net", "size", "expected"),
    [(D("10000"), 3, D("3333.33")), (D("20000"), 3, D("6666.67")), (D("0.05"), 2, D("0.03")),
     (D("-100"), 3, D("-33.33")), (D("12000"), 4, D("3000.00")), (D("100.01"), 1, D("100.01"))],
)
def test_per_capita(net, size, expected):
    result = per_capita(net, size)
    assert result == expected and result.as_tuple().exponent == -2


def test_per_capita_of_empty_household():
    assert per_capita(D("5000"), 0) is None
    with pytest.raises(DomainError):
        per_capita(D("5000"), -1)


def test_validate_income_ok():
    items = IncomeItems(wages=D("8000"), transfers=D("1500"), dibao_money=D("1000"), pension_money=D("500"))
    assert validate_income(items) == []


def test_negative_item():
    (error,) = validate_income(IncomeItems(wages=D("-100")))
    assert error.rule == "IN03" and error.field == "工资性收入"
    assert error.message == "工资性收入不能为负数：-100.00"


def test_transfer_items_must_add_up():
    (error,) = validate_income(IncomeItems(transfers=D("1000"), dibao_money=D("1200")))
    assert error.rule == "IN02" and "1200.00" in error.message and "1000.00" in error.message
    (error,) = validate_income(IncomeItems(transfers=D("1000")))  # not itemised
    assert error.rule == "IN02"


def test_warnings():
    line = PovertyLineTable().line_for(2020)
    items = IncomeItems(business=D("3000"), business_costs=D("5000"))
    (costs,) = income_warnings(items, D("3000"), line)
    assert costs.rule == "IN04"
    (units,) = income_warnings(IncomeItems(), D("40000.01"), line)
    assert units.rule == "IN05" and "万元" in units.message
    assert income_warnings(IncomeItems(), D("40000.00"), D("4000")) == []
    assert income_warnings(IncomeItems(), None, line) == []
