"""HH: 户的信息 — the household's own fields, its 户主 and 配偶, its causes and its helper."""

from __future__ import annotations

from collections import defaultdict

from app.domain.contact import luhn_ok, validate_phone
from app.domain.errors import DomainError
from app.domain.exit_facts import DISABLED, health_codes
from app.domain.household_code import parse_household_code
from app.domain.quality.registry import ERROR, WARNING, Hit, rule
from app.domain.quality.rules.common import (
    ABLE,
    C,
    CAUSE,
    DIBAO_CATEGORY,
    REGISTERED,
    SICK,
    SPOUSE,
    TEKUN_CATEGORY,
    code_label,
    who,
)
from app.domain.quality.views import HouseholdView
from app.domain.records import Dataset


@rule("HH01", ERROR, "没有户主")
def no_head(hv: HouseholdView):
    if hv.normal and not hv.heads:
        return hv.hit("head_name", None, f"没有户主：该户{len(hv.normal)}名成员中无与户主关系为“户主”的人")
    return None


@rule("HH02", ERROR, "户主多于一人")
def two_heads(hv: HouseholdView):
    if len(hv.heads) > 1:
        names = "、".join(who(mv) for mv in hv.heads)
        second = hv.heads[1]
        return second.hit("relation", "户主", f"与户主关系为“户主”的成员有{len(hv.heads)}人：{names}")
    return None


@rule("HH03", WARNING, "户主不满16岁")
def young_head(hv: HouseholdView):
    head = hv.head
    if head is not None and head.age is not None and head.age < 16:
        return head.hit("birth_date", head.m.birth_date, f"户主年龄不足16岁：{who(head)}（{head.age}岁）")
    return None


@rule("HH04", ERROR, "家庭人口与正常状态成员数不符")
def size_mismatch(hv: HouseholdView):
    if hv.h.size != len(hv.normal):
        return hv.hit("size", hv.h.size, f"家庭人口登记为{hv.h.size}人，人口状态为正常的成员有{len(hv.normal)}人")
    reported = hv.h.reported_size
    if reported is not None and reported != len(hv.normal):
        year = f"{hv.h.data_year}年" if hv.h.data_year else ""
        return hv.hit("reported_size", reported, f"国家系统{year}花名册家庭人口为{reported}人，"
                      f"人口状态为正常的成员有{len(hv.normal)}人")
    return None


@rule("HH05", ERROR, "户编号重复或格式不正确", "dataset")
def household_code_rule(ds: Dataset):
    for h in ds.households:
        try:
            parse_household_code(h.code)
        except DomainError as e:
            yield Hit("household", h.id, "code", h.code, e.message, h.id)
    national = ds.national_codes
    if national is None:
        national = defaultdict(list)
        for h in ds.households:
            if h.national_code:
                national[h.national_code].append(h.id)
    for h in ds.households:
        if h.national_code and len(national.get(h.national_code, ())) > 1:
            others = "、".join(ds.household_code(o) for o in national[h.national_code] if o != h.id)
            yield Hit("household", h.id, "national_code", h.national_code,
                      f"全国户编号重复：{h.national_code}，另见户{others}", h.id)


@rule("HH06", WARNING, "未填写所属组")
def no_group(hv: HouseholdView):
    if hv.h.group_id is None:
        return hv.hit("group_id", None, "所属组为空")
    return None


@rule("HH07", WARNING, "联系电话格式不正确")
def bad_phone(hv: HouseholdView):
    if hv.h.phone:
        try:
            validate_phone(hv.h.phone)
        except DomainError as e:
            return hv.hit("phone", hv.h.phone, e.message)
    return None


@rule("HH08", ERROR, "没有主要致贫原因")
def no_main_cause(hv: HouseholdView):
    if hv.h.status in REGISTERED and not hv.h.main_cause:
        return hv.hit("main_cause", None, "主要致贫原因为空")
    return None


@rule("HH09", WARNING, "其他致贫原因重复主要致贫原因")
def cause_repeated(hv: HouseholdView):
    label = repeated_main_cause(hv.h.main_cause, hv.h.other_causes)
    if label:
        return hv.hit("other_causes", label, f"其他致贫原因重复了主要致贫原因：{label}")
    return None


def repeated_main_cause(main_cause: str | None, other_causes: str | None) -> str | None:
    """The label of the 主要致贫原因 when 其他致贫原因 repeats it (HH09 on stored data)."""
    if main_cause and other_causes and main_cause in other_causes.split(","):
        return code_label(C.CAUSE, main_cause)
    return None


def refuse_repeated_main_cause(main_cause: str | None, other_causes: str | None) -> None:
    """Saving a repeated cause is refused (app/ops/households, and the editor before the save)."""
    label = repeated_main_cause(main_cause, other_causes)
    if label:
        raise DomainError("其他致贫原因", f"其他致贫原因不能重复主要致贫原因：{label}")


@rule("HH10", ERROR, "识别年度晚于脱贫年度")
def identified_after_exit(hv: HouseholdView):
    h = hv.h
    if h.identified_year and h.exit_year and h.identified_year > h.exit_year:
        return hv.hit("identified_year", h.identified_year,
                      f"识别年度（{h.identified_year}）晚于脱贫年度（{h.exit_year}）")
    return None


def _cause_backed(label: str, title: str, backed):
    def check(hv: HouseholdView):
        if CAUSE[label] in hv.causes and not any(backed(mv) for mv in hv.normal):
            return hv.hit("main_cause" if hv.h.main_cause == CAUSE[label] else "other_causes", label,
                          f"致贫原因为“{label}”，但{title}")
        return None
    return check


rule("HH11", WARNING, "因病致贫但无患病成员")(
    _cause_backed("因病", "没有患长期慢性病或大病的成员", lambda mv: bool(health_codes(mv.m) & SICK)))
rule("HH12", WARNING, "因残致贫但无残疾成员")(
    _cause_backed("因残", "没有残疾成员", lambda mv: DISABLED in health_codes(mv.m)))
rule("HH13", WARNING, "因学致贫但无在校生")(
    _cause_backed("因学", "没有在校生", lambda mv: C.attends_school(mv.m.schooling)))


@rule("HH14", WARNING, "缺劳力但有两个以上劳动力")
def short_of_labour(hv: HouseholdView):
    able = [mv for mv in hv.normal if mv.m.labour in ABLE]
    if CAUSE["缺劳力"] in hv.causes and len(able) >= 2:
        names = "、".join(who(mv) for mv in able)
        return hv.hit("main_cause" if hv.h.main_cause == CAUSE["缺劳力"] else "other_causes", "缺劳力",
                      f"致贫原因为“缺劳力”，但有{len(able)}个劳动力：{names}")
    return None


@rule("HH15", WARNING, "低保贫困户无成员享受低保")
def dibao_without_member(hv: HouseholdView):
    if hv.h.category == DIBAO_CATEGORY and not any(mv.m.dibao for mv in hv.normal):
        return hv.hit("category", "低保贫困户", "贫困户属性为“低保贫困户”，但没有成员享受低保")
    return None


@rule("HH16", WARNING, "特困供养贫困户有劳动力")
def tekun_with_worker(hv: HouseholdView):
    if hv.h.category != TEKUN_CATEGORY:
        return None
    able = [mv for mv in hv.normal if mv.m.labour in ABLE]
    if able:
        return hv.hit("category", "特困供养贫困户",
                      f"贫困户属性为“特困供养贫困户”，但有劳动力成员：{'、'.join(who(mv) for mv in able)}")
    return None


@rule("HH17", WARNING, "没有帮扶责任人或其电话格式不正确")
def no_helper(hv: HouseholdView):
    if hv.h.status not in REGISTERED:
        return None
    helper = hv.helper
    if helper is None:
        return hv.hit("helper", None, "没有当前帮扶责任人")
    if helper.phone:
        try:
            validate_phone(helper.phone)
        except DomainError:
            return Hit("helper", helper.id, "phone", helper.phone,
                       f"帮扶责任人{helper.name}的联系电话格式不正确：{helper.phone}")
    return None


@rule("HH18", WARNING, "银行账号校验不通过")
def bank_account(hv: HouseholdView):
    account = hv.h.bank_account
    if account and not luhn_ok(account):
        return hv.hit("bank_account", account, f"银行账号未通过校验（Luhn），请核对：{account}")
    return None


@rule("HH19", ERROR, "配偶多于一人")
def two_spouses(hv: HouseholdView):
    spouses = [mv for mv in hv.normal if mv.m.relation == SPOUSE]
    if len(spouses) > 1:
        return spouses[1].hit("relation", "配偶",
                              f"与户主关系为“配偶”的成员有{len(spouses)}人：{'、'.join(who(mv) for mv in spouses)}")
    return None


@rule("HH20", WARNING, "配偶与户主性别相同")
def same_sex_spouse(hv: HouseholdView):
    head = hv.head
    if head is None or head.info is None:
        return None
    for mv in hv.normal:
        if mv.m.relation == SPOUSE and mv.info is not None and mv.info.sex == head.info.sex:
            return mv.hit("relation", "配偶",
                          f"配偶与户主性别相同（按身份证号均为{head.info.sex}性）：户主{who(head)}，配偶{who(mv)}")
    return None
