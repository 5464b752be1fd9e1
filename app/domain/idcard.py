"""Resident identity numbers (GB 11643-1999, domain.md §4) and rules ID01–ID08.

18 characters: 6-digit address code, birth date YYYYMMDD, 3-digit sequence (odd = male), check
character. 15-digit numbers (before 1999) have YYMMDD and no check character; they are parsed, and a
warning offers the 18-digit form. A 20/22-character 残疾人证 number is the ID number plus category and
grade: it is kept whole and its first 18 characters are checked.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from operator import mul

from app.domain.errors import DomainError
from app.domain.text import squeeze

FIELD = "身份证号"
_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CHECK_CHARS = "10X98765432"
_ZERO_SUM = 48 * sum(_WEIGHTS)
_FIRST17 = re.compile(r"[0-9]{17}")
MAX_AGE = 120
_DISABILITY_CARD_LENGTHS = (20, 22)
_SHAPES = {15: re.compile(r"[0-9]{15}"), 18: re.compile(r"[0-9]{17}[0-9X]")}
_CARD_SUFFIX = re.compile(r"[0-9A-Z]*")


def normalize_id(text: object) -> str:
    """Half-width, no blanks, upper-case X. Does not validate."""
    return squeeze(text).upper()


def check_char(first17: str) -> str:
    """The check character of the first 17 digits of an 18-character number."""
    if not _FIRST17.fullmatch(first17 or ""):
        raise DomainError(FIELD, f"身份证号前17位必须是数字：{first17}", "ID02")
    # ASCII codes times the weights, minus 48 ("0") times the weights: the digit sum, computed in C.
    return _CHECK_CHARS[(sum(map(mul, first17.encode(), _WEIGHTS)) - _ZERO_SUM) % 11]


@dataclass(frozen=True)
class IdInfo:
    number: str  # the normalised number as given (15, 18, or a 20/22-character card number)
    birth_date: date
    sex: str  # "男" / "女"
    address_code: str
    is_15: bool

    @property
    def core(self) -> str:
        """The identity number proper: the first 18 (or the 15) characters."""
        return self.number[:15] if self.is_15 else self.number[:18]

    def age_on(self, on: date) -> int:
        return age_at(self.birth_date, on)


def _core(number: str) -> str:
    """Length and character checks (ID01, ID02); the 15- or 18-character identity part."""
    if not number:
        raise DomainError(FIELD, "身份证号不能为空", "ID01")
    length = len(number)
    if length not in (15, 18, *_DISABILITY_CARD_LENGTHS):
        raise DomainError(FIELD, f"身份证号位数不正确（{length}位，应为18位）：{number}", "ID01")
    core = number[:18] if length != 15 else number
    if not _SHAPES[len(core)].fullmatch(core) or not _CARD_SUFFIX.fullmatch(number[18:]):
        raise DomainError(FIELD, f"身份证号含有不允许的字符：{number}", "ID02")
    return core


def _birth(core: str, number: str) -> date:
    """The birth date written in the number (ID04 when it is not a date)."""
    text = "19" + core[6:12] if len(core) == 15 else core[6:14]
    try:
        return date(int(text[:4]), int(text[4:6]), int(text[6:8]))
    except ValueError:
        raise DomainError(FIELD, f"身份证号中的出生日期无效（{text}）：{number}", "ID04") from None


def _sex(core: str) -> str:
    return "男" if int(core[-1 if len(core) == 15 else -2]) % 2 else "女"


def parse_id(text: object, today: date | None = None) -> IdInfo:
    """Normalise and validate a number (ID01–ID05); DomainError at the first rule broken."""
    today = today or date.today()
    number = normalize_id(text)
    core = _core(number)
    birth = _birth(core, number)
    if birth > today:
        raise DomainError(FIELD, f"身份证号中的出生日期晚于今天（{birth:%Y-%m-%d}）：{number}", "ID05")
    if age_at(birth, today) > MAX_AGE:
        raise DomainError(FIELD, f"身份证号对应年龄超过{MAX_AGE}岁（{birth:%Y-%m-%d}）：{number}", "ID05")
    if len(core) == 18:
        expected = check_char(core[:17])
        if core[17] != expected:
            raise DomainError(FIELD, f"身份证号校验位错误：{number}（应为 {expected}）", "ID03")
    return IdInfo(number, birth, _sex(core), core[:6], len(core) == 15)


def is_valid_id(text: object, today: date | None = None) -> bool:
    """Whether parse_id accepts the number (a 15-digit number is valid, with a warning)."""
    try:
        parse_id(text, today)
    except DomainError:
        return False
    return True


def id_warnings(
    text: object,
    *,
    sex: str | None = None,
    province_code: str | None = None,
    today: date | None = None,
) -> list[DomainError]:
    """ID06 (sex digit ≠ 性别), ID07 (15-digit number), ID08 (address outside the province).

    An invalid number gives no warnings: parse_id reports what is wrong with it.
    """
    try:
        info = parse_id(text, today)
    except DomainError:
        return []
    return info_warnings(info, sex=sex, province_code=province_code)


def info_warnings(info: IdInfo, *, sex: str | None = None, province_code: str | None = None) -> list[DomainError]:
    """id_warnings for an already parsed number (the data check parses each number once)."""
    found = []
    if sex and sex.strip() in ("男", "女") and sex.strip() != info.sex:
        found.append(DomainError(
            "性别", f"性别与身份证号不符：登记为{sex.strip()}，身份证号为{info.sex}：{info.number}", "ID06"))
    if info.is_15:
        found.append(DomainError(
            FIELD, f"身份证号为15位旧号码：{info.number}，可转换为18位：{convert_15_to_18(info.number)}", "ID07"))
    province = squeeze(province_code)[:2]
    if province and info.address_code[:2] != province:
        found.append(DomainError(
            FIELD, f"身份证号地址码（{info.address_code}）不在本省（{province}）：{info.number}", "ID08"))
    return found


def convert_15_to_18(number15: object) -> str:
    """The 18-character form of a 15-digit number: insert "19", append the check character."""
    number = normalize_id(number15)
    if len(number) != 15:
        raise DomainError(FIELD, f"不是15位身份证号：{number}", "ID01")
    first17 = number[:6] + "19" + _core(number)[6:]
    return first17 + check_char(first17)


def sex_from_id(number: object) -> str:
    """男 or 女 from the sequence digit (length and characters are checked, not the check character)."""
    return _sex(_core(normalize_id(number)))


def birth_from_id(number: object) -> date:
    """The birth date written in the number."""
    normalised = normalize_id(number)
    return _birth(_core(normalised), normalised)


def age_at(birth: date, on: date) -> int:
    """Full years of age on a date (a 29 February birthday counts from 1 March in other years)."""
    return on.year - birth.year - ((on.month, on.day) < (birth.month, birth.day))
