"""Household income (domain.md §3.4) and rules IN02–IN05.

家庭纯收入 = 工资性 + 生产经营性 + 财产性 + 转移性 − 生产经营性支出;
人均纯收入 = 家庭纯收入 ÷ 家庭人口 (members in status 正常), rounded to 0.01 元.
"""

from __future__ import annotations

from dataclasses import dataclass, fields
from decimal import Decimal

from app.domain.errors import DomainError
from app.domain.money import round_money, to_money  # to_money is also this module's API

ZERO = Decimal("0")

# 10 × the line means the figure was probably typed in 万元 (IN05).
IMPLAUSIBLE_FACTOR = Decimal("10")


@dataclass
class IncomeItems:
    wages: Decimal = ZERO
    business: Decimal = ZERO
    property: Decimal = ZERO
    transfers: Decimal = ZERO
    family_planning: Decimal = ZERO
    dibao_money: Decimal = ZERO
    tekun_money: Decimal = ZERO
    pension_money: Decimal = ZERO
    eco_compensation: Decimal = ZERO
    other_transfers: Decimal = ZERO
    business_costs: Decimal = ZERO

    def money(self, name: str) -> Decimal:
        """One item as money (fields filled from forms may hold text or int)."""
        return to_money(getattr(self, name), FIELD_LABELS[name])


# The parts of 转移性收入; they must add up to it (IN02).
TRANSFER_ITEMS = ("family_planning", "dibao_money", "tekun_money", "pension_money", "eco_compensation",
                  "other_transfers")

FIELD_LABELS = {
    "wages": "工资性收入",
    "business": "生产经营性收入",
    "property": "财产性收入",
    "transfers": "转移性收入",
    "family_planning": "计划生育金",
    "dibao_money": "低保金",
    "tekun_money": "特困供养金（五保金）",
    "pension_money": "养老保险金",
    "eco_compensation": "生态补偿金",
    "other_transfers": "其他转移性收入",
    "business_costs": "生产经营性支出",
}
assert set(FIELD_LABELS) == {f.name for f in fields(IncomeItems)}


def net_income(items: IncomeItems) -> Decimal:
    """家庭纯收入."""
    gross = sum((items.money(n) for n in ("wages", "business", "property", "transfers")), ZERO)
    return round_money(gross - items.money("business_costs"))


def per_capita(net: Decimal, size: int) -> Decimal | None:
    """人均纯收入, or None for a household with nobody in status 正常."""
    if size < 0:
        raise DomainError("家庭人口", f"家庭人口不能为负数：{size}")
    if size == 0:
        return None
    return round_money(to_money(net) / size)


def transfer_items_total(items: IncomeItems) -> Decimal:
    return sum((items.money(n) for n in TRANSFER_ITEMS), ZERO)


def validate_income(items: IncomeItems) -> list[DomainError]:
    """Errors: negative items (IN03) and transfer items not adding up to 转移性收入 (IN02)."""
    errors = []
    for name, label in FIELD_LABELS.items():
        amount = items.money(name)
        if amount < 0:
            errors.append(DomainError(label, f"{label}不能为负数：{amount}", "IN03"))
    total, transfers = transfer_items_total(items), items.money("transfers")
    if total != transfers:
        errors.append(DomainError(
            "转移性收入", f"转移性收入明细合计（{total}）与转移性收入（{transfers}）不符", "IN02"))
    return errors


def income_warnings(items: IncomeItems, per_capita: Decimal | None, line: object) -> list[DomainError]:
    """Warnings: costs above business income (IN04); per-capita above 10 × the line (IN05).

    `line` is a PovertyLine or an amount.
    """
    warnings = []
    costs, business = items.money("business_costs"), items.money("business")
    if costs > business:
        warnings.append(DomainError(
            "生产经营性支出", f"生产经营性支出（{costs}）大于生产经营性收入（{business}）", "IN04"))
    amount = to_money(getattr(line, "amount", line), "扶贫标准")
    if per_capita is not None and per_capita > amount * IMPLAUSIBLE_FACTOR:
        warnings.append(DomainError(
            "人均纯收入",
            f"人均纯收入（{per_capita}元）超过扶贫标准（{amount}元）的{IMPLAUSIBLE_FACTOR}倍，单位是否误填为万元",
            "IN05"))
    return warnings
