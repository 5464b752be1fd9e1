"""Administrative division codes (统计用区划代码, domain.md §2).

12 digits = 2 province + 2 prefecture + 2 county + 3 township + 3 village; trailing zeros mark a
higher level. Groups (村民小组) have no national code and are numbered 01–99 inside the village.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from app.domain.errors import DomainError
from app.domain.text import squeeze

FIELD = "区划代码"

LEVELS = ("province", "prefecture", "county", "township", "village", "group")
LEVEL_NAMES = {"province": "省", "prefecture": "市", "county": "县", "township": "乡镇", "village": "村",
               "group": "组"}

# 西部地区: 内蒙古 广西 重庆 四川 贵州 云南 西藏 陕西 甘肃 青海 宁夏 新疆 (village exit threshold 3%).
WESTERN_PROVINCES = frozenset({"15", "45", "50", "51", "52", "53", "54", "61", "62", "63", "64", "65"})


@dataclass(frozen=True)
class DivisionCode:
    code: str
    province: str
    prefecture: str
    county: str
    township: str
    village: str

    @property
    def level(self) -> str:
        """The lowest level the code names: the first part that is all zeros ends it."""
        parts = (self.prefecture, self.county, self.township, self.village)
        for level, part in zip(LEVELS, parts):
            if not part.strip("0"):
                return level
        return "village"

    @property
    def level_name(self) -> str:
        return LEVEL_NAMES[self.level]

    @property
    def county_code(self) -> str:
        return self.code[:6]

    @property
    def township_code(self) -> str:
        return self.code[:9]


def parse_division_code(text: object) -> DivisionCode:
    code = squeeze(text)
    if not re.fullmatch(r"[0-9]{12}", code):
        raise DomainError(FIELD, f"区划代码应为12位数字：{code}")
    return DivisionCode(code, code[:2], code[2:4], code[4:6], code[6:9], code[9:12])


def parse_village_code(text: object) -> DivisionCode:
    """A 12-digit code that names a village (its last three digits are not 000)."""
    division = parse_division_code(text)
    if division.level != "village":
        raise DomainError(FIELD, f"不是村级区划代码：{division.code}")
    return division


def is_western(code: object) -> bool:
    """Whether a province (or any longer division code) lies in 西部地区."""
    digits = squeeze(code)
    if not re.fullmatch(r"[0-9]{2,12}", digits):
        raise DomainError(FIELD, f"区划代码不正确：{digits}")
    return digits[:2] in WESTERN_PROVINCES


def group_code(village_code: object, number: int) -> str:
    """The code of group `number` (01–99) of a village: the village code plus two digits."""
    village = parse_village_code(village_code)
    if isinstance(number, bool) or not isinstance(number, int) or not 1 <= number <= 99:
        raise DomainError("组", f"组号应为1至99：{number}")
    return f"{village.code}{number:02d}"


def parent_code(code: str) -> str | None:
    """The code of the level above (None for a province)."""
    level = parse_division_code(code).level
    keep = {"village": 9, "township": 6, "county": 4, "prefecture": 2}.get(level)
    return None if keep is None else code[:keep].ljust(12, "0")
