import pytest

from app.domain.errors import DomainError
from app.domain.regions import (
    LEVEL_NAMES,
    LEVELS,
    WESTERN_PROVINCES,
    DivisionCode,
    group_code,
    is_western,
    parse_division_code,
    parse_village_code,
)


def test_parse_parts():
    d = parse_division_code(" 450881104201 ")
    assert d == DivisionCode("450881104201", "45", "08", "81", "104", "201")
    assert d.county_code == "450881"
    assert d.township_code == "450881104"
    assert d.level == "village" and d.level_name == "村"


@pytest.mark.parametrize(
    ("code", "level"),
    [("450000000000", "province"), ("450800000000", "prefecture"), ("450881000000", "county"),
     ("450881104000", "township"), ("450881104201", "village"), ("110101001001", "village")],
)
def test_levels(code, level):
    assert parse_division_code(code).level == level


@pytest.mark.parametrize("text", ["", "45088110420", "4508811042011", "45088110420A", None])
def test_not_twelve_digits(text):
    with pytest.raises(DomainError) as info:
        parse_division_code(text)
    assert info.value.field == "区划代码"


def test_village_code():
    assert parse_village_code("450881104201").village == "201"
    with pytest.raises(DomainError, match="不是村级区划代码"):
        parse_village_code("450881104000")


def test_western():
    assert WESTERN_PROVINCES == {"15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"}
    assert is_western("45") and is_western("450881104201") and is_western("650102")
    assert not is_western("44") and not is_western("110000000000")
    with pytest.raises(DomainError):
        is_western("4")


def test_group_code():
    assert group_code("450881104201", 1) == "45088110420101"
    assert group_code("450881104201", 99) == "45088110420199"
    for bad in (0, 100, -1, True, "3"):
        with pytest.raises(DomainError):
            group_code("450881104201", bad)
    with pytest.raises(DomainError):
        group_code("450881", 1)


def test_level_names():
    assert LEVELS == ("province", "prefecture", "county", "township", "village", "group")
    assert [LEVEL_NAMES[level] for level in LEVELS] == ["省", "市", "县", "乡镇", "村", "组"]
