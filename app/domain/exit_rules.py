"""The household exit standard (domain.md §5) as named rule profiles.

Each check is written once and returns (passed, evidence); a profile lists which checks it uses under
which Chinese name. The county picks the profile; the exit assessment form prints the indicators.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from app.domain.codes import EDUCATION, HOUSE_SAFETY, UNSAFE_HOUSE, attends_school
from app.domain.errors import DomainError
from app.domain.poverty_line import PovertyLine

COMPULSORY_AGES = range(6, 16)  # 义务教育: 6–15 years old
# Education at or above 初中 means compulsory schooling is finished, not abandoned.
_FINISHED_COMPULSORY = frozenset(EDUCATION.code(level) for level in ("初中", "高中", "大专", "本科及以上"))
FINISHED_COMPULSORY = _FINISHED_COMPULSORY  # public name for the data-quality rules (MB01)


@dataclass
class MemberFacts:
    age: int | None
    status_normal: bool
    schooling: str | None = None  # SCHOOLING code
    education: str | None = None  # EDUCATION code
    disabled: bool = False
    medical_insured: bool = False  # either basic medical insurance
    critical_insured: bool = False  # 大病保险


@dataclass
class HouseholdFacts:
    year: int
    per_capita: Decimal | None
    line: PovertyLine
    members: list[MemberFacts]
    house_safety: str | None  # HOUSE_SAFETY code
    house_rebuilt: bool  # 危房改造 or 易地扶贫搬迁 done
    water_safe: bool | None
    water_difficult: bool | None
    has_electricity: bool | None
    has_tv: bool | None
    road_to_group: bool | None
    has_income_source_or_dibao: bool | None
    food_ok: bool = True
    clothing_ok: bool = True

    @property
    def current_members(self) -> list[MemberFacts]:
        return [m for m in self.members if m.status_normal]


@dataclass
class Indicator:
    key: str
    name: str
    passed: bool
    evidence: str


Check = Callable[[HouseholdFacts], tuple[bool, str]]


def _yes_no(value: bool | None) -> str:
    return "未填写" if value is None else ("是" if value else "否")


def _flag(label: str, attribute: str) -> Check:
    """A check that one yes/no fact is 是 (unknown fails: exit needs evidence)."""
    def check(facts: HouseholdFacts) -> tuple[bool, str]:
        value = getattr(facts, attribute)
        return value is True, f"{label}：{_yes_no(value)}"
    return check


def _income(facts: HouseholdFacts) -> tuple[bool, str]:
    line = facts.line.describe()
    if facts.per_capita is None:
        return False, f"未测算人均纯收入；{line}"
    return facts.per_capita > facts.line.amount, f"人均纯收入 {facts.per_capita}元；{line}"


def _education(facts: HouseholdFacts) -> tuple[bool, str]:
    children = [m for m in facts.current_members if m.age in COMPULSORY_AGES]
    # A disabled child may be taught at home (送教上门); finishing 初中 early is not dropping out.
    out = [m for m in children
           if not attends_school(m.schooling) and not m.disabled and m.education not in _FINISHED_COMPULSORY]
    if not children:
        return True, "家中无6至15岁义务教育阶段儿童"
    if out:
        return False, f"6至15岁儿童{len(children)}人，其中{len(out)}人失学辍学"
    return True, f"6至15岁儿童{len(children)}人，均在校或已完成义务教育"


def _medical(facts: HouseholdFacts) -> tuple[bool, str]:
    members = facts.current_members
    basic = sum(m.medical_insured for m in members)
    critical = sum(m.critical_insured for m in members)
    n = len(members)
    passed = n > 0 and basic == n and critical == n
    return passed, f"参加基本医疗保险{basic}/{n}人，参加大病保险{critical}/{n}人"


def _housing(facts: HouseholdFacts) -> tuple[bool, str]:
    if facts.house_rebuilt:
        return True, "已实施危房改造或易地扶贫搬迁"
    if facts.house_safety is None:
        return False, "未评定住房安全等级"
    grade = HOUSE_SAFETY.label(facts.house_safety)
    return facts.house_safety not in UNSAFE_HOUSE, f"住房安全等级：{grade}"


def _water(facts: HouseholdFacts) -> tuple[bool, str]:
    passed = facts.water_safe is True and facts.water_difficult is False
    return passed, f"饮水安全：{_yes_no(facts.water_safe)}，饮水困难：{_yes_no(facts.water_difficult)}"


@dataclass(frozen=True)
class Profile:
    key: str
    title: str
    indicators: tuple[tuple[str, str, Check], ...] = field(repr=False)  # (key, Chinese name, check)


PROFILES: dict[str, Profile] = {
    "national": Profile("national", "国家标准：两不愁三保障", (
        ("income", "人均纯收入稳定超过当年扶贫标准", _income),
        ("food", "不愁吃", _flag("不愁吃", "food_ok")),
        ("clothing", "不愁穿", _flag("不愁穿", "clothing_ok")),
        ("education", "义务教育有保障", _education),
        ("medical", "基本医疗有保障", _medical),
        ("housing", "住房安全有保障", _housing),
        ("water", "饮水安全有保障", _water),
    )),
    "guangxi_8you1chao": Profile("guangxi_8you1chao", "广西“八有一超”", (
        ("housing", "有稳固住房", _housing),
        ("water", "有饮用水", _water),
        ("electricity", "有电用", _flag("通生活用电", "has_electricity")),
        ("road", "有路通自然村", _flag("有路通自然村", "road_to_group")),
        ("education", "有义务教育保障", _education),
        ("medical", "有医疗保障", _medical),
        ("tv", "有电视看", _flag("通广播电视", "has_tv")),
        ("income_source", "有收入来源或最低生活保障", _flag("有收入来源或享受低保", "has_income_source_or_dibao")),
        ("income", "人均纯收入超过国家扶贫标准", _income),
    )),
}


def assess_household(facts: HouseholdFacts, profile: str = "national") -> list[Indicator]:
    """Every indicator of the profile, with its figures, in the order of the assessment form."""
    if profile not in PROFILES:
        raise DomainError("退出标准", f"未知的脱贫退出标准：{profile}")
    return [Indicator(key, name, *check(facts)) for key, name, check in PROFILES[profile].indicators]


def household_passes(indicators: list[Indicator]) -> bool:
    return bool(indicators) and all(i.passed for i in indicators)
