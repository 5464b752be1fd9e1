"""户编号: `<12-digit village code>-<2-digit device code>-<4-digit counter>` (domain.md §2).

Laptops number households offline, so the device code makes the number unique without asking anyone.
The number is printed on paper and never used as a key.
"""

from __future__ import annotations

import re
from typing import NamedTuple

from app.domain.errors import DomainError
from app.domain.regions import parse_village_code
from app.domain.text import squeeze

FIELD = "户编号"
_PATTERN = re.compile(r"([0-9]{12})-([0-9]{2})-([0-9]{4})")


class HouseholdCode(NamedTuple):
    village_code: str
    device_code: int
    counter: int


def _in_range(value: object, low: int, high: int, name: str) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise DomainError(FIELD, f"{name}应为{low}至{high}：{value}")
    return value


def format_household_code(village_code: object, device_code: int, counter: int) -> str:
    village = parse_village_code(village_code).code
    device = _in_range(device_code, 0, 99, "设备编号")
    number = _in_range(counter, 1, 9999, "户序号")
    return f"{village}-{device:02d}-{number:04d}"


def parse_household_code(text: object) -> HouseholdCode:
    code = squeeze(text)  # NFKC also turns a full-width dash into "-"
    match = _PATTERN.fullmatch(code)
    if not match:
        raise DomainError(FIELD, f"户编号格式不正确（应为“12位村代码-2位设备号-4位序号”）：{code}")
    village, device, counter = match.groups()
    parse_village_code(village)
    return HouseholdCode(village, int(device), _in_range(int(counter), 1, 9999, "户序号"))


def is_valid_household_code(text: object) -> bool:
    try:
        parse_household_code(text)
    except DomainError:
        return False
    return True
