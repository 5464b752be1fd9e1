"""MB: 家庭成员 — one member's fields against each other, the member's age and the 户主."""

from __future__ import annotations

from app.domain.contact import validate_name
from app.domain.errors import DomainError
from app.domain.exit_facts import DISABLED, child_out_of_school, health_codes
from app.domain.quality.registry import ERROR, WARNING, rule
from app.domain.quality.rules.common import (
    ABLE,
    C,
    EXITED,
    HEALTHY,
    LOST,
    NO_LABOUR,
    NO_WORK,
    PLAIN_NAME,
    WEAK,
    code_label,
    who,
)
from app.domain.quality.views import HouseholdView, MemberView


# Plausible ages of each 在校生状况 (older grades by prefix).
_SCHOOL_AGES = [("学龄前儿童", 0, 7), ("学前教育", 2, 8), ("小学", 5, 16), ("七年级", 10, 19), ("八年级", 10, 19),
                ("九年级", 10, 20), ("普通高中", 13, 23), ("中职", 13, 25), ("高职高专", 15, 35),
                ("技师学院", 15, 35), ("本科", 16, 40), ("硕士研究生及以上", 20, 60)]


def _school_age_range(code: str) -> tuple[int, int] | None:
    label = code_label(C.SCHOOLING, code)
    for prefix, low, high in _SCHOOL_AGES:
        if label.startswith(prefix):
            return low, high
    return None


@rule("MB01", ERROR, "6至15岁儿童失学辍学", "member")
def out_of_school(mv: MemberView, hv: HouseholdView):
    if child_out_of_school(mv.m, mv.age):
        shown = code_label(C.SCHOOLING, mv.m.schooling) or "空"
        why = "登记为送教上门但未登记残疾" if mv.m.home_schooled else f"在校生状况为{shown}"
        education = code_label(C.EDUCATION, mv.m.education)
        extra = f"（文化程度“{education}”不能代替在校）" if education else ""
        return mv.hit("schooling", shown, f"{who(mv)}（{mv.age}岁）未在校：{why}{extra}")
    return None


@rule("MB02", WARNING, "在校生状况与年龄不符", "member")
def schooling_age(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if not m.schooling or mv.age is None:
        return None
    bounds = _school_age_range(m.schooling)
    if bounds and not bounds[0] <= mv.age <= bounds[1]:
        shown = code_label(C.SCHOOLING, m.schooling)
        return mv.hit("schooling", shown, f"{who(mv)}（{mv.age}岁）在校生状况为{shown}，与年龄不符")
    return None


@rule("MB03", WARNING, "未参加基本医疗保险", "member")
def not_insured(mv: MemberView, hv: HouseholdView):
    if mv.normal and not mv.m.medical_insured and not mv.m.employee_medical:
        return mv.hit("medical_insured", "否", f"{who(mv)}未参加城乡居民基本医疗保险或城镇职工基本医疗保险")
    return None


@rule("MB04", WARNING, "劳动技能与年龄不符", "member")
def labour_age(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if mv.age is None or not m.labour:
        return None
    if (mv.age < 16 and m.labour != NO_LABOUR) or (mv.age > 80 and m.labour in ABLE):
        shown = code_label(C.LABOUR, m.labour)
        return mv.hit("labour", shown, f"{who(mv)}（{mv.age}岁）劳动技能为{shown}，与年龄不符")
    return None


@rule("MB05", WARNING, "务工时间不合理", "member")
def work_months(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if m.work_months is not None and not 0 <= m.work_months <= 12:
        return mv.hit("work_months", m.work_months, f"{who(mv)}务工时间（月）应在0至12之间：{m.work_months}")
    if m.work and m.work != NO_WORK and not m.work_months:
        shown = code_label(C.WORK, m.work)
        return mv.hit("work_months", m.work_months or 0, f"{who(mv)}务工状况为{shown}，但务工时间（月）为0或空")
    return None


@rule("MB06", WARNING, "残疾但未填残疾类别或等级", "member")
def disability_grade(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if DISABLED in health_codes(m) and not (m.disability_grade and m.disability_kind):
        missing = "、".join(x for x, v in (("残疾类别", m.disability_kind), ("残疾等级", m.disability_grade)) if not v)
        return mv.hit("disability_grade", None, f"{who(mv)}健康状况为残疾，但{missing}为空")
    return None


@rule("MB07", WARNING, "与户主关系与性别不符", "member")
def relation_sex(mv: MemberView, hv: HouseholdView):
    expected = C.RELATION_SEX.get(mv.m.relation)
    sex = mv.sex
    if expected and sex and sex != expected:
        shown = code_label(C.RELATION, mv.m.relation)
        return mv.hit("relation", shown, f"{who(mv)}与户主关系为“{shown}”，性别却为{sex}")
    return None


# (relation labels, minimum and maximum age difference member − 户主)
_GENERATIONS = [
    (("之子", "之女"), None, -15),
    (("之孙子", "之孙女", "之外孙子", "之外孙女"), None, -30),
    (("之父", "之母"), 15, None),
    (("之祖父", "之祖母", "之外祖父", "之外祖母"), 30, None),
]
_GENERATION_BY_CODE = {C.RELATION.code(label): (low, high) for labels, low, high in _GENERATIONS for label in labels}


@rule("MB08", WARNING, "成员与户主的年龄差不合辈分", "member")
def generation_age(mv: MemberView, hv: HouseholdView):
    bounds = _GENERATION_BY_CODE.get(mv.m.relation)
    head = hv.head
    if not bounds or head is None or head.age is None or mv.age is None:
        return None
    diff = mv.age - head.age
    low, high = bounds
    if (low is not None and diff < low) or (high is not None and diff > high):
        shown = code_label(C.RELATION, mv.m.relation)
        return mv.hit("birth_date", mv.m.birth_date,
                      f"{who(mv)}（{shown}，{mv.age}岁）与户主{who(head)}（{head.age}岁）的年龄差不合辈分")
    return None


@rule("MB09", WARNING, "姓名含数字、字母或空格", "member")
def name_chars(mv: MemberView, hv: HouseholdView):
    if PLAIN_NAME.fullmatch(mv.m.name or ""):
        return None  # Chinese characters only (and the 间隔号): nothing to look at
    try:
        validate_name(mv.m.name)
    except DomainError as e:
        return mv.hit("name", mv.m.name, e.message)
    return None


@rule("MB10", ERROR, "已减少的成员仍计入家庭人口", "member")
def reduced_but_counted(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if mv.normal and (m.status_reason or m.status_date):
        reason = m.status_reason or m.status_date.isoformat()
        return mv.hit("status", "正常", f"{who(mv)}登记了减少（{reason}），人口状态仍为正常，仍计入家庭人口")
    return None


@rule("MB11", WARNING, "文化程度与在校生状况应填且只填一项", "member")
def education_or_schooling(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if not mv.normal or bool(m.education) != bool(m.schooling):
        return None
    if m.education:
        return mv.hit("schooling", code_label(C.SCHOOLING, m.schooling),
                      f"{who(mv)}文化程度（{code_label(C.EDUCATION, m.education)}）和在校生状况"
                      f"（{code_label(C.SCHOOLING, m.schooling)}）都已填写")
    return mv.hit("education", None, f"{who(mv)}文化程度和在校生状况都为空")


@rule("MB12", WARNING, "务工所在地与务工时间不对应", "member")
def work_place_months(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if bool(m.work_place) != bool(m.work_months):
        if m.work_place:
            return mv.hit("work_months", m.work_months, f"{who(mv)}填写了务工所在地（{m.work_place}），但务工时间为空")
        return mv.hit("work_place", None, f"{who(mv)}务工时间为{m.work_months}个月，但务工所在地为空")
    return None


@rule("MB13", WARNING, "同时参加城乡居民和城镇职工基本医疗保险", "member")
def two_medical(mv: MemberView, hv: HouseholdView):
    if mv.m.medical_insured and mv.m.employee_medical:
        return mv.hit("employee_medical", "是", f"{who(mv)}同时参加了城乡居民基本医疗保险和城镇职工基本医疗保险")
    return None


@rule("MB14", WARNING, "健康的16至59岁非在校生标为无劳动力或弱劳动力", "member")
def healthy_without_labour(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if (mv.normal and mv.age is not None and 16 <= mv.age <= 59 and m.health == HEALTHY
            and not C.attends_school(m.schooling) and m.labour in (NO_LABOUR, WEAK)):
        shown = code_label(C.LABOUR, m.labour)
        return mv.hit("labour", shown, f"{who(mv)}（{mv.age}岁，健康，非在校生）劳动技能为{shown}")
    return None


@rule("MB15", WARNING, "脱贫户成员未参加大病保险", "member")
def exited_without_critical(mv: MemberView, hv: HouseholdView):
    if hv.h.status == EXITED and mv.normal and not mv.m.critical_insured:
        return mv.hit("critical_insured", "否", f"已脱贫户成员{who(mv)}未参加大病保险")
    return None


@rule("MB16", WARNING, "无劳动力或丧失劳动力却有务工记录", "member")
def working_without_labour(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if m.labour in (NO_LABOUR, LOST) and ((m.work and m.work != NO_WORK) or (m.work_months or 0) > 0):
        shown = code_label(C.LABOUR, m.labour)
        work = code_label(C.WORK, m.work) or f"{m.work_months}个月"
        return mv.hit("work", work, f"{who(mv)}劳动技能为{shown}，却有务工记录：{work}")
    return None
