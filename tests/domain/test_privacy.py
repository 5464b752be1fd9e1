import pytest

from app.domain.privacy import mask_id, mask_phone


def test_mask_id_18():
    assert mask_id("45088119900101123X") == "450881********123X"
    assert mask_id(" 450881199001011235 ") == "450881********1235"


@pytest.mark.parametrize(
    ("number", "masked"),
    [
        ("450881900101123", "450881*****1123"),
        ("45088119900101123542", "450881**********3542"),
        ("1234567890", "12******90"),
        ("1234", "1**4"),
        ("12", "**"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_id_other_lengths(number, masked):
    assert mask_id(number) == masked


@pytest.mark.parametrize("length", range(0, 30))
def test_mask_id_never_reveals_more_than_ten(length):
    masked = mask_id("1" * length)
    assert len(masked) == length
    assert len(masked) - masked.count("*") <= 10


@pytest.mark.parametrize(
    ("phone", "masked"),
    [
        ("13812345678", "138****5678"),
        ("0771-1234567", "077*****4567"),
        ("1234567", "****567"),
        ("", ""),
        (None, ""),
    ],
)
def test_mask_phone(phone, masked):
    assert mask_phone(phone) == masked


def test_an_id_number_in_free_text_is_found_by_one_rule_for_logs_and_console_lists():
    """app/domain/privacy.ID_IN_TEXT is the one home: the log filter and the console's lists
    hide the same numbers (18 characters, the old 15-digit form, a mistyped length between)."""
    from app.console.masking import scrub
    from app.domain.privacy import ID_IN_TEXT
    from app.logsafe import mask

    for number in ("45088119900101123X", "450881900101123", "4508811990010112345"[:17]):
        text = f"备注：身份证{number}，已核实"
        assert ID_IN_TEXT.search(text)
        assert number not in mask(text) and number not in scrub(text)
    assert mask("户编号 450881101201-01-0001") == "户编号 450881101201-01-0001"
