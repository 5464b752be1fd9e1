"""Poverty lines (扶贫标准, domain.md §3.4): the national table plus province and county overrides.

Every computation says which line it used: PovertyLine carries the year of the table row, the scope
and the year asked for, and describe() says so in Chinese.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal
from typing import NamedTuple

from app.domain.errors import DomainError
from app.domain.money import format_yuan, round_money, to_money
from app.domain.text import squeeze

FIELD = "扶贫标准"

# 当年价 yuan per person and year (2300 at 2010 prices); counties check them against their own figures.
NATIONAL_DEFAULTS = {year: Decimal(amount) for year, amount in
                     {2014: 2800, 2015: 2855, 2016: 2952, 2017: 2952, 2018: 2995, 2019: 3218, 2020: 4000}.items()}

# 防止返贫监测: attention when 人均纯收入 is below 1.5 × the year's line (domain.md §6).
MONITORING_FACTOR = Decimal("1.5")

SCOPES = ("national", "province", "county")  # least to most specific
SCOPE_NAMES = {"national": "国家", "province": "省定", "county": "县定"}
_REGION_DIGITS = {"national": 0, "province": 2, "county": 6}


class PovertyLineEntry(NamedTuple):
    year: int
    amount: Decimal
    scope: str = "national"
    region_code: str | None = None


@dataclass(frozen=True)
class PovertyLine:
    year: int  # the table year actually used
    amount: Decimal
    scope: str
    region_code: str | None
    requested_year: int

    def describe(self) -> str:
        text = f"{self.requested_year}年{SCOPE_NAMES[self.scope]}扶贫标准 {format_yuan(self.amount)}元"
        if self.requested_year > self.year:
            text += f"（沿用{self.year}年标准）"
        return text

    def monitoring_threshold(self) -> Decimal:
        """The income below which a household is watched for falling back."""
        return round_money(self.amount * MONITORING_FACTOR)


def _entry(year: object, amount: object, scope: str = "national", region_code: object = None) -> PovertyLineEntry:
    if scope not in SCOPES:
        raise DomainError(FIELD, f"扶贫标准范围不正确：{scope}")
    if isinstance(year, bool) or not isinstance(year, int):
        raise DomainError(FIELD, f"扶贫标准年度不正确：{year}")
    money = to_money(amount, FIELD)
    if money <= 0:
        raise DomainError(FIELD, f"扶贫标准必须大于0：{money}")
    digits = _REGION_DIGITS[scope]
    region = squeeze(region_code)[:digits] if digits else None
    if digits and not re.fullmatch(rf"[0-9]{{{digits}}}", region or ""):
        raise DomainError(FIELD, f"{SCOPE_NAMES[scope]}扶贫标准需要{digits}位区划代码：{region_code}")
    return PovertyLineEntry(year, money, scope, region)


class PovertyLineTable:
    """The national defaults overlaid by the given entries (a later entry replaces an earlier one)."""

    def __init__(self, entries: Iterable[PovertyLineEntry | tuple] = ()) -> None:
        self._rows: dict[tuple[int, str, str | None], Decimal] = {}
        defaults = [PovertyLineEntry(year, amount) for year, amount in NATIONAL_DEFAULTS.items()]
        for raw in [*defaults, *entries]:
            entry = _entry(*raw)
            self._rows[(entry.year, entry.scope, entry.region_code)] = entry.amount

    def entries(self) -> list[PovertyLineEntry]:
        rows = [PovertyLineEntry(y, a, s, r) for (y, s, r), a in self._rows.items()]
        return sorted(rows, key=lambda e: (e.year, SCOPES.index(e.scope), e.region_code or ""))

    def with_override(self, year: int, amount: object, scope: str, region_code: object = None) -> PovertyLineTable:
        """A new table with one more (or one replaced) entry."""
        return PovertyLineTable([*self.entries(), (year, amount, scope, region_code)])

    def line_for(self, year: int, province_code: object = None, county_code: object = None) -> PovertyLine:
        """The line for a year in a place: county beats province beats national.

        The year used is the latest year ≤ `year` with any line for the place, so a county figure for
        2019 does not hide the national figure for 2020.
        """
        county = squeeze(county_code)[:6] or None
        province = squeeze(province_code)[:2] or (county[:2] if county else None)
        applicable = {(None, "national"), (province, "province"), (county, "county")}
        rows = {(y, s): a for (y, s, r), a in self._rows.items() if (r, s) in applicable and y <= year}
        if not rows:
            earliest = min(y for y, _, _ in self._rows)
            raise DomainError(FIELD, f"{year}年没有扶贫标准（最早为{earliest}年）")
        used = max(y for y, _ in rows)
        scope = max((s for y, s in rows if y == used), key=SCOPES.index)
        region = {"national": None, "province": province, "county": county}[scope]
        return PovertyLine(used, rows[(used, scope)], scope, region, year)
