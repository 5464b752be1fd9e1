"""Names, phone numbers and bank account digits (domain.md §3.1, §3.2; rules HH07, HH18, MB09)."""

from __future__ import annotations

import re

from app.domain.errors import DomainError
from app.domain.text import squeeze

_MOBILE = re.compile(r"1[3-9][0-9]{9}")
_FIXED = re.compile(r"(0[0-9]{2,3})-?([0-9]{7,8})")
_DOUBLED = (0, 2, 4, 6, 8, 1, 3, 5, 7, 9)  # a digit doubled, its digits summed (Luhn)
_COUNTRY_CODE = re.compile(r"^\+?86(?=1)")
# Variants of the 间隔号 in minority names, typed from different input methods.
_NAME_DOTS = str.maketrans({c: "·" for c in "•・･‧∙⋅．."})


def _fixed_line(text: str) -> str | None:
    """0771-1234567; without a dash the area code is 3 digits for 010/02x and 4 otherwise."""
    match = _FIXED.fullmatch(text)
    if not match:
        return None
    if "-" not in text:
        area = 3 if text[1] in "12" else 4
        if not 7 <= len(text) - area <= 8:
            return None
        return f"{text[:area]}-{text[area:]}"
    return f"{match.group(1)}-{match.group(2)}"


def validate_phone(text: object) -> str:
    """The normalised phone number: 11-digit mobile or 区号-号码; "" for an empty field."""
    phone = squeeze(text)
    if not phone:
        return ""
    mobile = _COUNTRY_CODE.sub("", phone.replace("-", ""))  # drop the country code
    if _MOBILE.fullmatch(mobile):
        return mobile
    fixed = _fixed_line(phone)
    if fixed is None:
        raise DomainError("联系电话", f"联系电话格式不正确：{phone}", "HH07")
    return fixed


def luhn_ok(digits: object) -> bool:
    """The Luhn check of a bank card number (a failure is only a warning: HH18)."""
    number = squeeze(digits)
    if len(number) < 2 or not number.isascii() or not number.isdigit():
        return False
    digits = number[::-1]
    total = sum(map(int, digits[0::2])) + sum(map(_DOUBLED.__getitem__, map(int, digits[1::2])))
    return total % 10 == 0


def validate_name(text: object) -> str:
    """A Chinese name, stripped; minority names keep their "·" (MB09)."""
    name = ("" if text is None else str(text)).strip().translate(_NAME_DOTS)
    if not name:
        raise DomainError("姓名", "姓名不能为空")
    if any(ch.isdigit() or ch.isspace() or squeeze(ch).isascii() and squeeze(ch).isalpha() for ch in name):
        raise DomainError("姓名", f"姓名含有数字、字母或空格：{name}", "MB09")
    return name

