"""贫困村退出 (domain.md §5): 贫困发生率 against 2% (西部地区 3%) plus the province's indicators.

Indicators are configurable: a county lists the keys it uses (national: the rate and the collective
income; Guangxi: 一低四有四通三解决). Computed ones come from the records; the others (四有, 四通) are
facts the team states, entered by hand.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from app.domain.errors import DomainError
from app.domain.exit_rules import Indicator
from app.domain.incidence import incidence_text, incidence_within, poverty_incidence, village_threshold
from app.domain.money import format_yuan

COLLECTIVE_INCOME_MIN = Decimal(20000)  # 村集体经济收入 ≥ 2 万元/年 (configurable)

# key: (name, kind) — kind "computed" from the records, "manual" stated by the team
INDICATORS: dict[str, tuple[str, str]] = {
    "rate": ("贫困发生率降至退出标准以下（一低）", "computed"),
    "collective_income": ("村集体经济收入达到标准", "computed"),
    "cooperative": ("有农民专业合作社", "manual"),
    "industry": ("有特色产业", "manual"),
    "public_service": ("有公共服务设施", "manual"),
    "leadership": ("有好的领导班子", "manual"),
    "road": ("通硬化路", "manual"),
    "power": ("通电", "manual"),
    "tv": ("通广播电视", "manual"),
    "broadband": ("通宽带", "manual"),
    "water": ("解决贫困户饮水安全", "computed"),
    "housing": ("解决贫困户危房问题", "computed"),
    "medical": ("解决贫困户基本医疗保险", "computed"),
}

PROFILES: dict[str, tuple[str, tuple[str, ...]]] = {
    "national": ("国家标准：贫困发生率", ("rate", "collective_income")),
    "guangxi": ("广西“一低四有四通三解决”", tuple(INDICATORS)),
}


@dataclass
class VillageFacts:
    code: str
    name: str
    western: bool
    agri_population: int | None
    poor_population: int
    collective_income: Decimal | None
    # households (户编号) of the village's registered households failing each computed item
    water_failing: Sequence[str] = field(default_factory=list)
    housing_failing: Sequence[str] = field(default_factory=list)
    medical_failing: Sequence[str] = field(default_factory=list)


def _codes(codes: Sequence[str]) -> str:
    shown = "、".join(codes[:5])
    return shown + (f"等{len(codes)}户" if len(codes) > 5 else "")


def rate(facts: VillageFacts) -> Decimal | None:
    if not facts.agri_population or facts.agri_population <= 0:
        return None
    return poverty_incidence(facts.poor_population, facts.agri_population)


def assess_village(facts: VillageFacts, profile: str = "national", manual: Mapping[str, bool] | None = None,
                   collective_min: Decimal = COLLECTIVE_INCOME_MIN, keys: Sequence[str] | None = None) -> list[Indicator]:
    """Every indicator of the profile (or of `keys`) with its evidence."""
    if keys is None:
        if profile not in PROFILES:
            raise DomainError("退出标准", f"未知的贫困村退出标准：{profile}")
        keys = PROFILES[profile][1]
    unknown = [k for k in keys if k not in INDICATORS]
    if unknown:
        raise DomainError("退出标准", f"未知的贫困村退出指标：{'、'.join(unknown)}")
    manual = manual or {}
    out = []
    for key in keys:
        name, kind = INDICATORS[key]
        if kind == "manual":
            value = manual.get(key)
            evidence = "未填写" if value is None else ("是" if value else "否")
            out.append(Indicator(key, name, value is True, f"{name}：{evidence}"))
            continue
        out.append(Indicator(key, name, *_computed(key, facts, collective_min)))
    return out


def _computed(key: str, facts: VillageFacts, collective_min: Decimal) -> tuple[bool, str]:
    if key == "rate":
        threshold = village_threshold(facts.western)
        value = rate(facts)
        if value is None:
            return False, "农业户籍人口未填写，无法计算贫困发生率"
        passed = incidence_within(facts.poor_population, facts.agri_population, facts.western)
        return passed, (f"未脱贫人口{facts.poor_population}人，农业户籍人口{facts.agri_population}人，"
                                    f"贫困发生率{incidence_text(facts.poor_population, facts.agri_population)}（标准{threshold}%）")
    if key == "collective_income":
        if facts.collective_income is None:
            return False, "村集体经济收入未填写"
        return (facts.collective_income >= collective_min,
                f"村集体经济收入{format_yuan(facts.collective_income)}元（标准{format_yuan(collective_min)}元）")
    failing = {"water": facts.water_failing, "housing": facts.housing_failing, "medical": facts.medical_failing}[key]
    if failing:
        return False, f"未解决：{_codes(list(failing))}"
    return True, "贫困户均已解决"
