from datetime import date

import pytest
from hypothesis import given
from hypothesis import strategies as st

from app.domain.errors import DomainError
from app.domain.idcard import (
    IdInfo,
    age_at,
    birth_from_id,
    check_char,
    convert_15_to_18,
    id_warnings,
    is_valid_id,
    normalize_id,
    parse_id,
    sex_from_id,
)

TODAY = date(2020, 6, 30)
VALID = "450881199001011235"  # check character computed by hand: sum % 11 == 10 → "5"
VALID_X = "11010519491231002X"  # the standard's own example


def rule_of(text, today=TODAY):
    with pytest.raises(DomainError) as info:
        parse_id(text, today)
    assert info.value.field == "身份证号"
    return info.value.rule


# ---- strategies --------------------------------------------------------------------------------

addresses = st.from_regex(r"[1-8][0-9]{5}", fullmatch=True)
births = st.dates(min_value=date(1901, 1, 1), max_value=TODAY)
sequences = st.integers(0, 999)


@st.composite
def valid_numbers(draw):
    first17 = f"{draw(addresses)}{draw(births):%Y%m%d}{draw(sequences):03d}"
    return first17 + check_char(first17)


@st.composite
def valid_15(draw):
    birth = draw(st.dates(min_value=date(1900, 1, 1), max_value=date(1999, 12, 31)))
    return f"{draw(addresses)}{birth:%y%m%d}{draw(sequences):03d}"


# ---- check character and parsing ---------------------------------------------------------------

def test_check_char():
    assert check_char("45088119900101123") == "5"
    assert check_char("11010519491231002") == "X"
    with pytest.raises(DomainError):
        check_char("4508811990")


def test_parse_valid():
    info = parse_id(VALID, TODAY)
    assert info == IdInfo(VALID, date(1990, 1, 1), "男", "450881", False)
    assert info.core == VALID
    assert info.age_on(TODAY) == 30
    x = parse_id(VALID_X.lower(), TODAY)
    assert x.number == VALID_X and x.sex == "女" and x.birth_date == date(1949, 12, 31)


def test_parse_normalises_input():
    typed = "　４５０８８１ １９９００１０１ １２３５ "
    assert parse_id(typed, TODAY).number == VALID
    assert normalize_id(" 11010519491231002x ") == VALID_X
    assert normalize_id(None) == ""


def test_check_character_message():
    with pytest.raises(DomainError) as info:
        parse_id("450881199001011234", TODAY)
    e = info.value
    assert e.rule == "ID03"
    assert e.message.startswith("身份证号校验位错误：450881199001011234")
    assert "应为 5" in e.message


@pytest.mark.parametrize("text", ["", "4508811990", "4508811990010112351", "45088119900101123512345"])
def test_length(text):
    assert rule_of(text) == "ID01"


@pytest.mark.parametrize(
    "text",
    ["45088119900101123A", "4508811990010112X5", "45088190010112X", "450881-99001011235",
     "٤٥٠٨٨١199001011235"],  # Arabic-Indic digits are digits to Python, not to the standard
)
def test_characters(text):
    assert rule_of(text) == "ID02"


@pytest.mark.parametrize("first17", ["45088119901301123", "45088119900230123", "45088119900000123"])
def test_invalid_birth_date(first17):
    assert rule_of(first17 + check_char(first17)) == "ID04"
    assert rule_of("450881" + first17[8:14] + "123") == "ID04"


def test_future_and_too_old():
    future = "45088120200701123"
    assert rule_of(future + check_char(future)) == "ID05"
    old = "45088118990101123"
    assert rule_of(old + check_char(old)) == "ID05"
    just_120 = "45088119000630123"
    assert parse_id(just_120 + check_char(just_120), TODAY).age_on(TODAY) == 120


def test_fifteen_digit_numbers_are_parsed():
    info = parse_id("450881900101124", TODAY)
    assert info.is_15 and info.sex == "女" and info.birth_date == date(1990, 1, 1)
    assert info.core == "450881900101124"


def test_disability_card_numbers_check_first_18():
    assert parse_id(VALID + "42", TODAY).number == VALID + "42"
    assert parse_id(VALID + "42", TODAY).core == VALID
    assert parse_id(VALID + "4201", TODAY).sex == "男"
    assert rule_of("450881199001011234" + "42") == "ID03"
    assert rule_of(VALID + "4?") == "ID02"
    assert rule_of(VALID + "421") == "ID01"


def test_derived_helpers():
    assert sex_from_id(VALID) == "男"
    assert sex_from_id(VALID_X) == "女"
    assert sex_from_id("450881900101123") == "男"
    assert birth_from_id(VALID) == date(1990, 1, 1)
    assert birth_from_id("450881900101123") == date(1990, 1, 1)
    with pytest.raises(DomainError):
        birth_from_id("450881199013011235")
    assert is_valid_id(VALID) and is_valid_id("450881900101123")
    assert not is_valid_id("450881199001011234") and not is_valid_id("")


def test_age_at():
    assert age_at(date(1990, 6, 30), date(2020, 6, 29)) == 29
    assert age_at(date(1990, 6, 30), date(2020, 6, 30)) == 30
    assert age_at(date(2000, 2, 29), date(2021, 2, 28)) == 20
    assert age_at(date(2000, 2, 29), date(2021, 3, 1)) == 21


def test_convert_15_to_18():
    assert convert_15_to_18("450881900101123") == VALID
    with pytest.raises(DomainError):
        convert_15_to_18(VALID)


# ---- warnings ----------------------------------------------------------------------------------

def test_warnings():
    assert id_warnings(VALID, sex="男", province_code="45", today=TODAY) == []
    (sex,) = id_warnings(VALID, sex="女", today=TODAY)
    assert (sex.rule, sex.field) == ("ID06", "性别")
    (old,) = id_warnings("450881900101123", today=TODAY)
    assert old.rule == "ID07" and VALID in old.message
    (place,) = id_warnings(VALID, province_code="520000000000", today=TODAY)
    assert place.rule == "ID08" and "450881" in place.message
    assert id_warnings("450881199001011234", sex="女", today=TODAY) == []
    assert id_warnings(VALID, sex="", province_code="", today=TODAY) == []


# ---- properties --------------------------------------------------------------------------------

@given(valid_numbers())
def test_generated_numbers_round_trip(number):
    info = parse_id(number, TODAY)
    assert info.number == number
    assert f"{info.birth_date:%Y%m%d}" == number[6:14]
    assert info.sex == ("男" if int(number[16]) % 2 else "女")
    assert parse_id(number.lower(), TODAY) == info


@given(valid_numbers(), st.integers(0, 17), st.integers(1, 10))
def test_single_character_change_is_detected(number, position, shift):
    alphabet = "0123456789X" if position == 17 else "0123456789"
    old = alphabet.index(number[position])
    changed = number[:position] + alphabet[(old + shift) % len(alphabet)] + number[position + 1:]
    if changed != number:
        assert not is_valid_id(changed, TODAY)


@given(valid_15())
def test_conversion_keeps_birth_and_sex(number15):
    number18 = convert_15_to_18(number15)
    old, new = parse_id(number15, TODAY), parse_id(number18, TODAY)
    assert not new.is_15 and len(number18) == 18
    assert (new.birth_date, new.sex, new.address_code) == (old.birth_date, old.sex, old.address_code)


@given(st.text(alphabet="0123456789xX０１２３４５６７８９ｘＸ \u3000\t", max_size=25))
def test_normalisation_is_idempotent(text):
    once = normalize_id(text)
    assert normalize_id(once) == once
    assert set(once) <= set("0123456789X")
