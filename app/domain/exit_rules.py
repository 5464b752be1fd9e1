"""The household exit standard (domain.md §5) as named rule profiles.

Each check is written once and returns (passed, evidence); a profile lists which checks it uses under
which Chinese name. The county picks the profile; the exit assessment form prints the indicators.
A check returns passed=None when the fact it needs is not recorded: the indicator is 资料不全 (a
completeness finding), not 未达标, and the household does not pass until it is recorded.
"""

from __future__ import annotations

from collections.abc import Callable
import re
from dataclasses import dataclass, field
from decimal import Decimal

from app.domain.codes import HOUSE_SAFETY, UNSAFE_HOUSE, attends_school
from app.domain.errors import DomainError
from app.domain.poverty_line import PovertyLine

COMPULSORY_AGES = range(6, 16)  # 义务教育: 6–15 years old
# 休学 / 缓学 with a documented reason (in 失学或辍学原因) keeps a child's schooling secured.
SUSPENDED = re.compile(r"休\s*学|缓\s*学")
MISSING, MET, NOT_MET = "资料不全", "达标", "未达标"


def compulsory_schooling(age: int | None, schooling: str | None, home_schooled: bool | None, disabled: bool,
                         reason: str | None) -> tuple[bool, str]:
    """Whether a child's 义务教育 is secured (domain.md §5), and why: in school at any level (graded or
    not); taught at home (送教上门) when disabled; or 休学/缓学 with a documented reason. Disability alone
    is not enough, and 文化程度 does not excuse a child of 6–15 out of school (that is 辍学)."""
    if age not in COMPULSORY_AGES:
        return True, "不在6至15岁"
    if attends_school(schooling):
        return True, "在校"
    if home_schooled:
        if disabled:
            return True, "送教上门"
        return False, "登记为送教上门，但未登记残疾"
    if reason and SUSPENDED.search(reason) and len(SUSPENDED.sub("", reason).strip(" （）()：:，,")) >= 2:
        return True, f"休学/缓学（{reason}）"
    return False, "未在校"


@dataclass
class MemberFacts:
    age: int | None
    status_normal: bool
    schooling: str | None = None  # SCHOOLING code
    education: str | None = None  # EDUCATION code
    disabled: bool = False
    medical_insured: bool = False  # either basic medical insurance
    critical_insured: bool = False  # 大病保险
    home_schooled: bool | None = None  # 送教上门
    dropout_reason: str | None = None  # 失学或辍学原因 (a 休学/缓学 reason)


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
    food_ok: bool | None = None  # 不愁吃 as recorded (None: not recorded)
    clothing_ok: bool | None = None  # 不愁穿
    house_safe: bool | None = None  # 危房户 否 / 住房安全 as recorded, when no grade is

    @property
    def current_members(self) -> list[MemberFacts]:
        return [m for m in self.members if m.status_normal]


@dataclass
class Indicator:
    key: str
    name: str
    passed: bool
    evidence: str
    missing: bool = False  # 资料不全: the fact is not recorded (passed is then False)

    @property
    def verdict(self) -> str:
        return MISSING if self.missing else (MET if self.passed else NOT_MET)


Check = Callable[[HouseholdFacts], tuple[bool | None, str]]


def _yes_no(value: bool | None) -> str:
    return "未填写" if value is None else ("是" if value else "否")


def _flag(label: str, attribute: str) -> Check:
    """A check that one yes/no fact is 是 (not recorded: 资料不全)."""
    def check(facts: HouseholdFacts) -> tuple[bool | None, str]:
        value = getattr(facts, attribute)
        return (None if value is None else value), f"{label}：{_yes_no(value)}"
    return check


def _income(facts: HouseholdFacts) -> tuple[bool, str]:
    line = facts.line.describe()
    if facts.per_capita is None:
        return None, f"未测算人均纯收入；{line}"
    return facts.per_capita > facts.line.amount, f"人均纯收入 {facts.per_capita}元；{line}"


def _education(facts: HouseholdFacts) -> tuple[bool, str]:
    children = [m for m in facts.current_members if m.age in COMPULSORY_AGES]
    if not children:
        return True, "家中无6至15岁义务教育阶段儿童"
    verdicts = [compulsory_schooling(m.age, m.schooling, m.home_schooled, m.disabled, m.dropout_reason)
                for m in children]
    out = [why for ok, why in verdicts if not ok]
    if out:
        return False, f"6至15岁儿童{len(children)}人，其中{len(out)}人失学辍学（{'；'.join(out)}）"
    home = sum(1 for _, why in verdicts if why == "送教上门")
    paused = sum(1 for _, why in verdicts if why.startswith("休学"))
    extra = "".join(f"，{label}{n}人" for label, n in (("送教上门", home), ("休学/缓学", paused)) if n)
    return True, f"6至15岁儿童{len(children)}人，均有保障{extra}"


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
        if facts.house_safe is not None:
            return facts.house_safe, f"未评定住房安全等级；危房户：{_yes_no(not facts.house_safe)}"
        return None, "未评定住房安全等级"
    grade = HOUSE_SAFETY.label(facts.house_safety)
    return facts.house_safety not in UNSAFE_HOUSE, f"住房安全等级：{grade}"


def _water(facts: HouseholdFacts) -> tuple[bool | None, str]:
    evidence = f"饮水安全：{_yes_no(facts.water_safe)}，饮水困难：{_yes_no(facts.water_difficult)}"
    if facts.water_safe is False or facts.water_difficult is True:
        return False, evidence
    return (None if facts.water_safe is None else True), evidence


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
    out = []
    for key, name, check in PROFILES[profile].indicators:
        passed, evidence = check(facts)
        out.append(Indicator(key, name, bool(passed), evidence, passed is None))
    return out


def household_passes(indicators: list[Indicator]) -> bool:
    return bool(indicators) and all(i.passed for i in indicators)
