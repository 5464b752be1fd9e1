"""贫困发生率 and the village exit threshold (domain.md §5).

贫困发生率 = 未脱贫建档立卡人口 ÷ 农业户籍人口 × 100%; a village may exit at ≤ 2% (西部地区 ≤ 3%).
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal

from app.domain.errors import DomainError

WESTERN_THRESHOLD = Decimal("3")
DEFAULT_THRESHOLD = Decimal("2")


def _checked(poor_population: int, agricultural_population: int) -> None:
    if agricultural_population <= 0:
        raise DomainError("农业户籍人口", f"农业户籍人口必须大于0，无法计算贫困发生率：{agricultural_population}")
    if poor_population < 0:
        raise DomainError("贫困人口", f"贫困人口不能为负数：{poor_population}")


def poverty_incidence(poor_population: int, agricultural_population: int) -> Decimal:
    """The rate in percent, two places: for display only (compare with incidence_within)."""
    _checked(poor_population, agricultural_population)
    rate = Decimal(poor_population) * 100 / Decimal(agricultural_population)
    return rate.quantize(Decimal("0.01"), rounding=ROUND_HALF_UP)


def incidence_within(poor_population: int, agricultural_population: int, western: bool) -> bool:
    """Whether the unrounded rate is at or below the threshold: poor × 100 ≤ threshold × population,
    exact in integers (3.004% does not pass a 3% threshold although it shows as 3.00%)."""
    _checked(poor_population, agricultural_population)
    return Decimal(poor_population) * 100 <= village_threshold(western) * Decimal(agricultural_population)


def village_threshold(western: bool) -> Decimal:
    return WESTERN_THRESHOLD if western else DEFAULT_THRESHOLD


def village_rate_ok(rate: Decimal, western: bool) -> bool:
    return rate <= village_threshold(western)


def incidence_text(poor_population: int, agricultural_population: int) -> str:
    """The rate as shown: two places, more when rounding would hide that it is above a threshold
    (3.004% shows as 3.004%, not 3.00%)."""
    shown = poverty_incidence(poor_population, agricultural_population)
    exact = Decimal(poor_population) * 100 / Decimal(agricultural_population)
    if exact != shown and shown in (DEFAULT_THRESHOLD, WESTERN_THRESHOLD):
        return f"{exact.quantize(Decimal('0.0001'), rounding=ROUND_HALF_UP).normalize()}%"
    return f"{shown}%"
