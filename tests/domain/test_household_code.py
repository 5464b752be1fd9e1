import pytest

from app.domain.errors import DomainError
from app.domain.household_code import (
    HouseholdCode,
    format_household_code,
    is_valid_household_code,
    parse_household_code,
)


def test_format_and_parse_round_trip():
    code = format_household_code("450881104201", 3, 12)
    assert code == "450881104201-03-0012"
    assert parse_household_code(code) == HouseholdCode("450881104201", 3, 12)
    assert format_household_code("450881104201", 0, 9999) == "450881104201-00-9999"


def test_parse_normalises():
    assert parse_household_code(" ４５０８８１１０４２０１－０３－００１２ ") == ("450881104201", 3, 12)


@pytest.mark.parametrize(
    ("device", "counter"), [(-1, 1), (100, 1), (1, 0), (1, 10000), (True, 1), ("1", 1)]
)
def test_format_ranges(device, counter):
    with pytest.raises(DomainError):
        format_household_code("450881104201", device, counter)


@pytest.mark.parametrize(
    "text",
    ["", "450881104201-3-0012", "450881104201-03-12", "450881104201030012", "450881104000-03-0012",
     "450881104201-03-0000", "4508811042-03-0012"],
)
def test_invalid(text):
    assert not is_valid_household_code(text)
    with pytest.raises(DomainError):
        parse_household_code(text)


def test_valid():
    assert is_valid_household_code("450881104201-01-0001")


def test_not_a_village():
    with pytest.raises(DomainError):
        format_household_code("450881104000", 1, 1)
