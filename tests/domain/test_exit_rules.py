from dataclasses import replace
from decimal import Decimal

import pytest

from app.domain import codes
from app.domain.errors import DomainError
from app.domain.exit_rules import PROFILES, HouseholdFacts, MemberFacts, assess_household, household_passes
from app.domain.poverty_line import PovertyLineTable

LINE_2020 = PovertyLineTable().line_for(2020)
SEVENTH = codes.SCHOOLING.code("七年级")
PRESCHOOL = codes.SCHOOLING.code("学龄前儿童")
JUNIOR = codes.EDUCATION.code("初中")
PRIMARY = codes.EDUCATION.code("小学")


def adult(age=40, **kw):
    return MemberFacts(age=age, status_normal=True, schooling=None, education=JUNIOR, disabled=False,
                       medical_insured=True, critical_insured=True, **kw)


def child(age=12, schooling=SEVENTH, **kw):
    return replace(adult(age), **{"schooling": schooling, "education": None, **kw})


def household(**kw):
    facts = HouseholdFacts(
        year=2020, per_capita=Decimal("4500.00"), line=LINE_2020, members=[adult(), adult(38), child()],
        house_safety=codes.HOUSE_SAFETY.code("B级"), house_rebuilt=False, water_safe=True, water_difficult=False,
        has_electricity=True, has_tv=True, road_to_group=True, has_income_source_or_dibao=True,
        food_ok=True, clothing_ok=True,
    )
    return replace(facts, **kw)


def by_key(facts, profile="national"):
    return {i.key: i for i in assess_household(facts, profile)}


def failing(facts, profile="national"):
    """The indicators not met (未达标), not those merely not recorded (资料不全)."""
    return {i.key for i in assess_household(facts, profile) if not i.passed and not i.missing}


def incomplete(facts, profile="national"):
    return {i.key for i in assess_household(facts, profile) if i.missing}


def test_profiles():
    assert PROFILES["national"].title == "国家标准：两不愁三保障"
    assert PROFILES["guangxi_8you1chao"].title == "广西“八有一超”"
    names = [i.name for i in assess_household(household(), "guangxi_8you1chao")]
    assert names == ["有稳固住房", "有饮用水", "有电用", "有路通自然村", "有义务教育保障", "有医疗保障", "有电视看",
                     "有收入来源或最低生活保障", "人均纯收入超过国家扶贫标准"]
    keys = [i.key for i in assess_household(household())]
    assert keys == ["income", "food", "clothing", "education", "medical", "housing", "water"]


@pytest.mark.parametrize("profile", list(PROFILES))
def test_a_good_household_passes(profile):
    indicators = assess_household(household(), profile)
    assert household_passes(indicators)
    assert all(i.evidence for i in indicators)


def test_unknown_profile():
    with pytest.raises(DomainError, match="未知的脱贫退出标准"):
        assess_household(household(), "mars")
    assert not household_passes([])


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize(
    ("per_capita", "passed"), [(Decimal("4000.01"), True), (Decimal("4000.00"), False), (None, False)]
)
def test_income_must_exceed_the_line(profile, per_capita, passed):
    indicator = by_key(household(per_capita=per_capita), profile)["income"]
    assert indicator.passed is passed
    assert indicator.missing is (per_capita is None)  # not measured: 资料不全, not 未达标
    assert "2020年国家扶贫标准 4000元" in indicator.evidence
    if per_capita is not None:
        assert f"人均纯收入 {per_capita}元" in indicator.evidence


def test_food_and_clothing_are_recorded_facts():
    assert failing(household(food_ok=False)) == {"food"}
    assert failing(household(clothing_ok=False)) == {"clothing"}
    # no answer recorded: 资料不全, distinct from 未达标, and the household does not pass yet
    facts = household(food_ok=None, clothing_ok=None)
    assert failing(facts) == set() and incomplete(facts) == {"food", "clothing"}
    food = by_key(facts)["food"]
    assert food.verdict == "资料不全" and not household_passes(assess_household(facts))
    assert by_key(household())["food"].verdict == "达标" and by_key(household(food_ok=False))["food"].verdict == "未达标"


@pytest.mark.parametrize("profile", list(PROFILES))
def test_child_out_of_school_fails(profile):
    facts = household(members=[adult(), child(10, schooling=None, education=PRIMARY)])
    indicator = by_key(facts, profile)["education"]
    assert not indicator.passed
    assert indicator.evidence == "6至15岁儿童1人，其中1人失学辍学（未在校）"


@pytest.mark.parametrize(
    ("member", "passed"),
    [
        (child(6, schooling=PRESCHOOL), False),  # 6 and still marked preschool
        (child(5, schooling=PRESCHOOL), True),  # too young
        (child(16, schooling=None), True),  # past compulsory age
        (child(9, schooling=None, disabled=True), False),  # disability alone is not enough
        (child(9, schooling=None, disabled=True, home_schooled=True), True),  # 送教上门
        (child(9, schooling=None, home_schooled=True), False),  # 送教上门 rests on a disability
        (child(15, schooling=None, education=JUNIOR), False),  # 文化程度 does not excuse: 辍学
        (child(13, schooling=codes.SCHOOLING.code("初中")), True),  # in school, grade not stated
        (child(16, schooling=codes.SCHOOLING.code("高中")), True),
        (child(11, schooling=None, dropout_reason="休学（白血病住院治疗）"), True),  # documented 休学
        (child(11, schooling=None, dropout_reason="缓学"), False),  # no reason given
        (child(11, schooling=None, dropout_reason="家庭困难"), False),
        (child(14, schooling=None, education=PRIMARY), False),
        (replace(child(12, schooling=None), status_normal=False), True),  # moved away: not counted
        (child(None, schooling=None), True),  # unknown age cannot be judged here (data check lists it)
    ],
)
def test_compulsory_education_cases(member, passed):
    assert by_key(household(members=[adult(), member]))["education"].passed is passed


def test_no_children():
    assert by_key(household(members=[adult()]))["education"].evidence == "家中无6至15岁义务教育阶段儿童"


@pytest.mark.parametrize("profile", list(PROFILES))
def test_medical(profile):
    facts = household(members=[adult(), replace(adult(), critical_insured=False)])
    indicator = by_key(facts, profile)["medical"]
    assert not indicator.passed
    assert indicator.evidence == "参加基本医疗保险2/2人，参加大病保险1/2人"
    facts = household(members=[adult(), replace(adult(), medical_insured=False)])
    assert failing(facts, profile) == {"medical"}
    # a member who died does not need insurance
    facts = household(members=[adult(), replace(adult(), status_normal=False, medical_insured=False)])
    assert failing(facts, profile) == set()
    assert failing(household(members=[]), profile) == {"medical"}


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize(
    ("grade", "rebuilt", "passed"),
    [("A级", False, True), ("B级", False, True), ("C级危房", False, False), ("D级危房", False, False),
     ("D级危房", True, True), (None, False, False), (None, True, True)],
)
def test_housing(profile, grade, rebuilt, passed):
    code = codes.HOUSE_SAFETY.code(grade) if grade else None
    indicator = by_key(household(house_safety=code, house_rebuilt=rebuilt), profile)["housing"]
    assert indicator.passed is passed
    assert indicator.missing is (grade is None and not rebuilt)  # no grade recorded: 资料不全
    if grade and not rebuilt:
        assert grade in indicator.evidence


@pytest.mark.parametrize("profile", list(PROFILES))
@pytest.mark.parametrize(
    ("safe", "difficult", "passed"),
    [(True, False, True), (False, False, False), (True, True, False), (None, False, False), (True, None, True)],
)
def test_water(profile, safe, difficult, passed):
    indicator = by_key(household(water_safe=safe, water_difficult=difficult), profile)["water"]
    assert indicator.passed is passed and indicator.missing is (safe is None)


@pytest.mark.parametrize("profile", list(PROFILES))
def test_housing_from_the_danger_house_flag(profile):
    """A national sheet says 危房户 是/否 without a grade: that is a recorded fact."""
    assert by_key(household(house_safety=None, house_safe=True), profile)["housing"].verdict == "达标"
    assert by_key(household(house_safety=None, house_safe=False), profile)["housing"].verdict == "未达标"
    assert by_key(household(house_safety=None, house_safe=None), profile)["housing"].verdict == "资料不全"


@pytest.mark.parametrize(
    ("field", "key"),
    [("has_electricity", "electricity"), ("has_tv", "tv"), ("road_to_group", "road"),
     ("has_income_source_or_dibao", "income_source")],
)
@pytest.mark.parametrize("value", [False, None])
def test_guangxi_flags(field, key, value):
    facts = household(**{field: value})
    assert (failing if value is False else incomplete)(facts, "guangxi_8you1chao") == {key}
    assert failing(facts, "national") == set()  # not part of the national standard
    evidence = by_key(facts, "guangxi_8you1chao")[key].evidence
    assert evidence.endswith("未填写" if value is None else "否")


def test_several_failures_are_all_reported():
    facts = household(per_capita=Decimal("3000"), water_safe=False, house_safety=codes.HOUSE_SAFETY.code("C级"))
    assert failing(facts) == {"income", "water", "housing"}
    assert not household_passes(assess_household(facts))
