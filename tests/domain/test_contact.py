import pytest

from app.domain.contact import luhn_ok, validate_name, validate_phone
from app.domain.errors import DomainError


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("13812345678", "13812345678"),
        (" 138 1234 5678 ", "13812345678"),
        ("138-1234-5678", "13812345678"),
        ("１３８１２３４５６７８", "13812345678"),
        ("+8613812345678", "13812345678"),
        ("19912345678", "19912345678"),
        ("0771-1234567", "0771-1234567"),
        ("07711234567", "0771-1234567"),
        ("010-12345678", "010-12345678"),
        ("01012345678", "010-12345678"),
        ("0755-12345678", "0755-12345678"),
        ("", ""),
        (None, ""),
    ],
)
def test_valid_phones(text, expected):
    assert validate_phone(text) == expected


@pytest.mark.parametrize(
    "text", ["12812345678", "1381234567", "138123456789", "abc", "0771-123456", "771-1234567", "电话13812345678"]
)
def test_invalid_phones(text):
    with pytest.raises(DomainError) as info:
        validate_phone(text)
    assert info.value.field == "联系电话"
    assert info.value.message == f"联系电话格式不正确：{text}"


def test_luhn():
    assert luhn_ok("79927398713")
    assert luhn_ok("6222 0202 0000 0000 005") is luhn_ok("6222020200000000005")
    assert luhn_ok("4111111111111111")
    assert not luhn_ok("4111111111111112")
    assert not luhn_ok("") and not luhn_ok("0") and not luhn_ok("41111x1111111111")


@pytest.mark.parametrize(
    ("text", "expected"),
    [("张三", "张三"), (" 李四 ", "李四"), ("阿依古丽·买买提", "阿依古丽·买买提"),
     ("阿依古丽•买买提", "阿依古丽·买买提"), ("阿依古丽・买买提", "阿依古丽·买买提"), ("\u3000王五\u3000", "王五")],
)
def test_valid_names(text, expected):
    assert validate_name(text) == expected


@pytest.mark.parametrize("text", ["张三1", "张三Ａ", "Zhang San", "张 三", "王五２", "李x"])
def test_invalid_names(text):
    with pytest.raises(DomainError) as info:
        validate_name(text)
    assert info.value.field == "姓名"
    assert info.value.message == f"姓名含有数字、字母或空格：{text.strip()}"


@pytest.mark.parametrize("text", ["", "  ", None])
def test_empty_name(text):
    with pytest.raises(DomainError, match="^姓名不能为空$"):
        validate_name(text)
