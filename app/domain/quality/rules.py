"""The rules of domain.md §8. Each names the field and the value in its Chinese message."""

from __future__ import annotations

import json
import re
from collections import Counter, defaultdict
from decimal import Decimal
from operator import attrgetter

from app.domain import codes, workflow
from app.domain.contact import luhn_ok, validate_name, validate_phone
from app.domain.errors import DomainError
from app.domain.exit_facts import (
    DISABLED,
    child_out_of_school,
    health_codes,
    household_facts,
)
from app.domain.exit_rules import assess_household
from app.domain.household_code import parse_household_code
from app.domain.idcard import age_at
from app.domain.incidence import incidence_text, incidence_within, village_threshold
from app.domain.income import (
    IMPLAUSIBLE_FACTOR,
    TRANSFER_ITEMS,
    IncomeItems,
    income_warnings,
    net_income,
    per_capita,
    validate_income,
)
from app.domain.quality.engine import (
    ERROR,
    INFO,
    WARNING,
    Hit,
    HouseholdView,
    MemberView,
    rule,
)
from app.domain.records import Dataset, is_normal
from app.domain.regions import is_western

C = codes
REGISTERED = workflow.REGISTERED
EXITED = workflow.EXITED
SPOUSE = C.RELATION.code("配偶")
SICK = frozenset(C.HEALTH.code(x) for x in ("长期慢性病", "患有大病"))
HEALTHY = C.HEALTH.code("健康")
ABLE = frozenset(C.LABOUR.code(x) for x in ("普通劳动力", "技能劳动力"))
NO_LABOUR = C.LABOUR.code("无劳动力")
WEAK = C.LABOUR.code("弱劳动力或半劳动力")
LOST = C.LABOUR.code("丧失劳动力")
NO_WORK = C.WORK.code("未务工")
CAUSE = {label: C.CAUSE.code(label) for label in ("因病", "因残", "因学", "缺劳力")}
DIBAO_CATEGORY = C.CATEGORY.code("低保贫困户")
TEKUN_CATEGORY = C.CATEGORY.code("特困供养贫困户")
MAX_ARABLE_MU = Decimal(200)
MAX_AREA_PER_PERSON = Decimal(200)
LOAN_MAX_AMOUNT = Decimal(50000)  # 扶贫小额信贷: 5 万元以下, 3 年以内
LOAN_MAX_MONTHS = 36
AREA_FIELDS = ("arable_mu", "irrigated_mu", "forest_mu")
_PLAIN_NAME = re.compile(r"[\u4e00-\u9fff·]+")


def _label(table: str, field: str) -> str:
    from app.domain.fields import label

    return label(table, field)


def _code_label(codelist: codes.CodeList, code: str | None) -> str:
    if not code:
        return ""
    return codelist.label(code) if code in codelist else code


def _who(mv: MemberView) -> str:
    return mv.m.name or "（无名）"


# === ID: identity numbers =======================================================================


def _parse_rule(rule_id: str):
    def check(mv: MemberView, hv: HouseholdView):
        e = mv.id_error
        if e is not None and e.rule == rule_id:
            return mv.hit("id_number", mv.m.id_number, f"{_who(mv)}：{e.message}")
        return None
    return check


for _id, _severity, _title in (
    ("ID01", ERROR, "身份证号位数不正确"),
    ("ID02", ERROR, "身份证号含有不允许的字符"),
    ("ID03", ERROR, "身份证号校验位错误"),
    ("ID04", ERROR, "身份证号中的出生日期无效"),
    ("ID05", ERROR, "身份证号出生日期晚于今天或年龄超过120岁"),
):
    rule(_id, _severity, _title, "member")(_parse_rule(_id))


def _warning_rule(rule_id: str):
    def check(mv: MemberView, hv: HouseholdView):
        if mv.info is None:
            return None
        w = mv.warnings(hv).get(rule_id)
        if w is None:
            return None
        field = "sex" if rule_id == "ID06" else "id_number"
        return mv.hit(field, mv.m.sex if field == "sex" else mv.m.id_number, f"{_who(mv)}：{w.message}")
    return check


for _id, _severity, _title in (
    ("ID06", WARNING, "性别与身份证号不符"),
    ("ID07", INFO, "15位旧身份证号（可转换为18位）"),
    ("ID08", WARNING, "身份证号地址码不在本省"),
):
    rule(_id, _severity, _title, "member")(_warning_rule(_id))


def _groups(people, key) -> dict:
    """People sharing a key with someone else (counted first: duplicates are rare)."""
    keys = [key(p) for p in people]
    counts = Counter(keys)
    groups = defaultdict(list)
    for k, p in zip(keys, people):
        if k is not None and counts[k] > 1:
            groups[k].append(p)
    return groups


def _elsewhere(ds: Dataset, household_id: str) -> str:
    return f"户{ds.household_code(household_id)}（{ds.village_name_of(household_id)}）"


@rule("ID09", ERROR, "同一身份证号重复登记（跨户、跨村）", "dataset")
def duplicate_id(ds: Dataset):
    in_scope = ds.by_id
    for number, people in _groups(ds.all_people(), lambda p: p.id_number or None).items():
        for p in people:
            if p.household_id in in_scope:
                others = "、".join(f"{_elsewhere(ds, o.household_id)}{o.name}" for o in people if o is not p)
                yield Hit("member", p.id, "id_number", number,
                          f"身份证号重复登记：{p.name} {number}，另登记在{others}", p.household_id)


@rule("ID10", WARNING, "同名同出生日期的人登记在不同户（疑似重复）", "dataset")
def duplicate_person(ds: Dataset):
    in_scope = ds.by_id
    groups = _groups(ds.all_people(), lambda p: (p.name, p.birth_date) if p.name and p.birth_date else None)
    for (name, birth), people in groups.items():
        if len({p.household_id for p in people}) < 2:
            continue
        if len({p.id_number for p in people}) == 1 and people[0].id_number:
            continue  # the same number: ID09 says it
        for p in people:
            if p.household_id in in_scope:
                others = "、".join(_elsewhere(ds, o.household_id) for o in people if o.household_id != p.household_id)
                yield Hit("member", p.id, "name", name,
                          f"姓名和出生日期相同的人登记在不同户：{name}（{birth.isoformat()}），另见{others}",
                          p.household_id)


@rule("ID11", INFO, "成员没有身份证号", "member")
def no_id_number(mv: MemberView, hv: HouseholdView):
    if mv.m.id_number or not mv.normal:
        return None
    birth = f"，出生日期 {mv.m.birth_date.isoformat()}" if mv.m.birth_date else "，也没有出生日期"
    return mv.hit("id_number", None, f"身份证号为空：{_who(mv)}{birth}")


# === HH: the household ===========================================================================


@rule("HH01", ERROR, "没有户主")
def no_head(hv: HouseholdView):
    if hv.normal and not hv.heads:
        return hv.hit("head_name", None, f"没有户主：该户{len(hv.normal)}名成员中无与户主关系为“户主”的人")
    return None


@rule("HH02", ERROR, "户主多于一人")
def two_heads(hv: HouseholdView):
    if len(hv.heads) > 1:
        names = "、".join(_who(mv) for mv in hv.heads)
        second = hv.heads[1]
        return second.hit("relation", "户主", f"与户主关系为“户主”的成员有{len(hv.heads)}人：{names}")
    return None


@rule("HH03", WARNING, "户主不满16岁")
def young_head(hv: HouseholdView):
    head = hv.head
    if head is not None and head.age is not None and head.age < 16:
        return head.hit("birth_date", head.m.birth_date, f"户主年龄不足16岁：{_who(head)}（{head.age}岁）")
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
    h = hv.h
    if h.main_cause and h.other_causes and h.main_cause in h.other_causes.split(","):
        label = _code_label(C.CAUSE, h.main_cause)
        return hv.hit("other_causes", label, f"其他致贫原因重复了主要致贫原因：{label}")
    return None


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
        names = "、".join(_who(mv) for mv in able)
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
                      f"贫困户属性为“特困供养贫困户”，但有劳动力成员：{'、'.join(_who(mv) for mv in able)}")
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
                              f"与户主关系为“配偶”的成员有{len(spouses)}人：{'、'.join(_who(mv) for mv in spouses)}")
    return None


@rule("HH20", WARNING, "配偶与户主性别相同")
def same_sex_spouse(hv: HouseholdView):
    head = hv.head
    if head is None or head.info is None:
        return None
    for mv in hv.normal:
        if mv.m.relation == SPOUSE and mv.info is not None and mv.info.sex == head.info.sex:
            return mv.hit("relation", "配偶",
                          f"配偶与户主性别相同（按身份证号均为{head.info.sex}性）：户主{_who(head)}，配偶{_who(mv)}")
    return None


# === IN: income ==================================================================================


def _items(income) -> IncomeItems:
    return IncomeItems(**{f: getattr(income, f) or ZERO for f in IncomeItems.__dataclass_fields__})


ZERO = Decimal(0)
_AMOUNTS = tuple(IncomeItems.__dataclass_fields__)


@rule("IN01", WARNING, "人均纯收入与现有家庭人口计算结果不符")
def per_capita_mismatch(hv: HouseholdView):
    h = hv.h
    reported = hv.incomes.get(h.reported_income_year) if h.reported_per_capita is not None else None
    if reported is not None and reported.per_capita is not None and reported.per_capita != h.reported_per_capita:
        return hv.hit("reported_per_capita", h.reported_per_capita,
                      f"国家系统{h.reported_income_year}年人均纯收入为{h.reported_per_capita}元，"
                      f"按收入记录计算为{reported.per_capita}元")
    income = hv.income
    if income is None or not hv.normal:
        return None
    if income.household_size == len(hv.normal) and income.per_capita is not None:
        return None  # the stored figure is derived from the items with this divisor
    computed = per_capita(net_income(_items(income)), len(hv.normal))
    if income.per_capita != computed:
        return Hit("income", income.id, "per_capita", income.per_capita,
                   f"{income.year}年人均纯收入（{income.per_capita}元，按{income.household_size}人计算）"
                   f"与按现有家庭人口{len(hv.normal)}人计算的结果（{computed}元）不符")
    return None


_transfer_items = attrgetter(*TRANSFER_ITEMS)
_amounts = attrgetter(*_AMOUNTS)


def _suspect(income, rule_id: str) -> bool:
    """A quick look with the stored Decimals (never empty: the columns default to 0); the domain
    functions word the message."""
    if rule_id == "IN02":
        return sum(_transfer_items(income), ZERO) != income.transfers
    return min(_amounts(income)) < 0


def _income_errors(rule_id: str):
    def check(hv: HouseholdView):
        suspects = [i for i in hv.incomes.values() if _suspect(i, rule_id)]
        if not suspects:
            return None
        return [Hit("income", income.id, "transfers" if rule_id == "IN02" else "wages", None,
                    f"{income.year}年{e.message}")
                for income in sorted(suspects, key=lambda i: i.year)
                for e in validate_income(_items(income)) if e.rule == rule_id]
    return check


rule("IN02", ERROR, "转移性收入明细合计与转移性收入不符")(_income_errors("IN02"))
rule("IN03", ERROR, "收入项为负数")(_income_errors("IN03"))


def _income_warnings(rule_id: str, field: str, suspect):
    def check(hv: HouseholdView):
        suspects = [i for i in hv.incomes.values() if suspect(hv, i)]
        if not suspects:
            return None
        return [Hit("income", income.id, field, getattr(income, field), f"{income.year}年{e.message}")
                for income in sorted(suspects, key=lambda i: i.year)
                for e in income_warnings(_items(income), income.per_capita, hv.line(income.year).amount)
                if e.rule == rule_id]
    return check


rule("IN04", WARNING, "生产经营性支出大于生产经营性收入")(_income_warnings(
    "IN04", "business_costs", lambda hv, i: (i.business_costs or ZERO) > (i.business or ZERO)))
rule("IN05", WARNING, "人均纯收入超过扶贫标准10倍（单位是否误填为万元）")(_income_warnings(
    "IN05", "per_capita",
    lambda hv, i: i.per_capita is not None and i.per_capita > hv.line(i.year).amount * IMPLAUSIBLE_FACTOR))


@rule("IN06", WARNING, "没有本年度收入记录")
def no_income_this_year(hv: HouseholdView):
    h = hv.h
    reported = h.reported_per_capita is not None and h.reported_income_year == hv.ds.year
    if h.status in REGISTERED and hv.income is None and not reported:  # the national system's figure counts
        return hv.hit("income", None, f"没有{hv.ds.year}年收入记录")
    return None


# === EX: households marked 已脱贫 =================================================================


@rule("EX01", ERROR, "已脱贫户人均纯收入未超过扶贫标准")
def exited_below_line(hv: HouseholdView):
    if hv.h.status != EXITED:
        return None
    income = hv.incomes.get(hv.h.exit_year) if hv.h.exit_year else None
    income = income or hv.latest_income
    h = hv.h
    if (h.reported_per_capita is not None and h.reported_income_year
            and (income is None or income.year < h.reported_income_year)):
        line = hv.line(h.reported_income_year)  # the national system's figure is the newest evidence
        if h.reported_per_capita <= line.amount:
            return hv.hit("reported_per_capita", h.reported_per_capita,
                          f"已脱贫户{h.reported_income_year}年人均纯收入（国家系统）{h.reported_per_capita}元，"
                          f"未超过{line.describe()}")
        return None
    if income is None or income.per_capita is None:
        return None
    line = hv.line(income.year)
    if income.per_capita <= line.amount:
        return Hit("income", income.id, "per_capita", income.per_capita,
                   f"已脱贫户{income.year}年人均纯收入{income.per_capita}元，未超过{line.describe()}")
    return None


_TWO_THREE = ("education", "medical", "housing")


def _two_three_look_fine(hv: HouseholdView) -> bool:
    """A quick look at 义务教育, 基本医疗 and 住房 (most exited households pass); the exit rules
    themselves decide and word the finding when anything looks wrong."""
    normal = hv.normal
    if not normal or any(not (mv.m.medical_insured or mv.m.employee_medical) or not mv.m.critical_insured
                         for mv in normal):
        return False
    today = hv.ds.today
    for mv in normal:
        birth = mv.m.birth_date
        if birth and 5 <= today.year - birth.year <= 16 and child_out_of_school(mv.m, age_at(birth, today)):
            return False
    c = hv.conditions
    if c is None:
        return False
    return bool(c.house_rebuilt or c.relocated) or (c.house_safety is not None and c.house_safety not in C.UNSAFE_HOUSE)


def _exit_indicators(hv: HouseholdView):
    year = hv.ds.year
    reported = hv.h.reported_per_capita if hv.h.reported_income_year == year else None
    facts = household_facts([mv.m for mv in hv.members], hv.conditions, hv.latest_income, hv.line(year), year,
                            hv.ds.today, reported)
    return assess_household(facts, hv.ds.exit_profile)


@rule("EX02", ERROR, "已脱贫户“两不愁三保障”有指标未达标")
def exited_failing(hv: HouseholdView):
    if hv.h.status != EXITED or _two_three_look_fine(hv):
        return None
    failing = [i for i in _exit_indicators(hv) if i.key in _TWO_THREE and not i.passed and not i.missing]
    if failing:
        text = "；".join(f"{i.name}：{i.evidence}" for i in failing)
        return hv.hit("status", "已脱贫", f"户状态为已脱贫，但{text}")
    return None


# The fact each indicator needs, for the finding's field.
_INDICATOR_FIELD = {"food": "food_secure", "clothing": "clothing_secure", "housing": "house_safety",
                    "water": "water_safe", "income": "per_capita", "electricity": "household_power",
                    "tv": "radio_tv", "road": "road_type", "income_source": "per_capita"}


@rule("EX06", WARNING, "已脱贫户退出指标资料不全（未记录，不是未达标）")
def exited_incomplete(hv: HouseholdView):
    if hv.h.status != EXITED:
        return None
    missing = [i for i in _exit_indicators(hv) if i.missing]
    if not missing:
        return None
    names = "、".join(i.name for i in missing)
    return hv.hit(_INDICATOR_FIELD.get(missing[0].key, "status"), None,
                  f"户状态为已脱贫，以下指标没有记录，资料不全：{names}")


@rule("EX03", ERROR, "已脱贫户饮水不安全")
def exited_water(hv: HouseholdView):
    c = hv.conditions
    if hv.h.status == EXITED and c is not None and (c.water_safe is False or c.water_difficult is True):
        return Hit("conditions", c.id, "water_safe", c.water_safe,
                   f"户状态为已脱贫，但饮水安全为“{'是' if c.water_safe else '否'}”，"
                   f"饮水困难为“{'是' if c.water_difficult else '否'}”")
    return None


@rule("EX04", WARNING, "已脱贫户退出程序不完整")
def exit_steps(hv: HouseholdView):
    if hv.h.status != EXITED:
        return None
    steps = hv.ds.steps.get(hv.h.id, ())
    state = workflow.run_state("exit", steps)
    if state.state == "done":
        return None
    if state.state != "none" or hv.h.exit_year == hv.ds.year:
        done = f"只记录到第{state.last_step}步" if state.steps else "没有记录退出程序"
        return hv.hit("status", "已脱贫", f"户状态为已脱贫（{hv.h.exit_year or '无'}年），但脱贫退出程序{done}（共7步）")
    return None


@rule("EX05", ERROR, "已脱贫户没有脱贫年度")
def exited_without_year(hv: HouseholdView):
    if hv.h.status == EXITED and not hv.h.exit_year:
        return hv.hit("exit_year", None, "户状态为已脱贫，但脱贫年度为空")
    return None


# === CO: living conditions =======================================================================


@rule("CO01", WARNING, "C/D级危房却标为住房安全")
def danger_house_safe(hv: HouseholdView):
    c = hv.conditions
    if c and c.house_safety in C.UNSAFE_HOUSE and not (c.house_rebuilt or c.relocated) and c.house_safe:
        grade = _code_label(C.HOUSE_SAFETY, c.house_safety)
        return Hit("conditions", c.id, "house_safe", True, f"住房安全等级为{grade}且未改造，但“住房是否安全”填为是")
    return None


@rule("CO02", ERROR, "饮水安全与饮水困难同时为是")
def water_contradiction(hv: HouseholdView):
    c = hv.conditions
    if c and c.water_safe and c.water_difficult:
        return Hit("conditions", c.id, "water_safe", True, "“是否饮水安全”与“是否饮水困难”同时为是")
    return None


@rule("CO03", WARNING, "面积为负数或不合理")
def implausible_area(hv: HouseholdView):
    c = hv.conditions
    if c is None:
        return None
    for f in AREA_FIELDS:
        value = getattr(c, f)
        if value is not None and value < 0:
            return Hit("conditions", c.id, f, value, f"{_label('conditions', f)}为负数：{value}")
    if c.arable_mu is not None and c.arable_mu > MAX_ARABLE_MU:
        return Hit("conditions", c.id, "arable_mu", c.arable_mu,
                   f"耕地面积（亩）不合理：{c.arable_mu}（超过{MAX_ARABLE_MU}亩）")
    if c.irrigated_mu is not None and c.arable_mu is not None and c.irrigated_mu > c.arable_mu:
        return Hit("conditions", c.id, "irrigated_mu", c.irrigated_mu,
                   f"有效灌溉面积（亩）{c.irrigated_mu}大于耕地面积（亩）{c.arable_mu}")
    return None


@rule("CO04", WARNING, "住房面积为0或人均超过200平方米")
def house_area(hv: HouseholdView):
    c = hv.conditions
    if c is None or c.house_area_m2 is None:
        return None
    people = max(1, len(hv.normal))
    if c.house_area_m2 <= 0 or c.house_area_m2 / people > MAX_AREA_PER_PERSON:
        return Hit("conditions", c.id, "house_area_m2", c.house_area_m2,
                   f"住房面积（㎡）不合理：{c.house_area_m2}（{people}人）")
    return None


# === MB: members =================================================================================

# Plausible ages of each 在校生状况 (older grades by prefix).
_SCHOOL_AGES = [("学龄前儿童", 0, 7), ("学前教育", 2, 8), ("小学", 5, 16), ("七年级", 10, 19), ("八年级", 10, 19),
                ("九年级", 10, 20), ("普通高中", 13, 23), ("中职", 13, 25), ("高职高专", 15, 35),
                ("技师学院", 15, 35), ("本科", 16, 40), ("硕士研究生及以上", 20, 60)]


def _school_age_range(code: str) -> tuple[int, int] | None:
    label = _code_label(C.SCHOOLING, code)
    for prefix, low, high in _SCHOOL_AGES:
        if label.startswith(prefix):
            return low, high
    return None


@rule("MB01", ERROR, "6至15岁儿童失学辍学", "member")
def out_of_school(mv: MemberView, hv: HouseholdView):
    if child_out_of_school(mv.m, mv.age):
        shown = _code_label(C.SCHOOLING, mv.m.schooling) or "空"
        why = "登记为送教上门但未登记残疾" if mv.m.home_schooled else f"在校生状况为{shown}"
        education = _code_label(C.EDUCATION, mv.m.education)
        extra = f"（文化程度“{education}”不能代替在校）" if education else ""
        return mv.hit("schooling", shown, f"{_who(mv)}（{mv.age}岁）未在校：{why}{extra}")
    return None


@rule("CD01", WARNING, "代码不在代码表中（已按原样保留）", "member")
def unmapped_code(mv: MemberView, hv: HouseholdView):
    """Cells the import kept as typed because the text is not in the code list: a finding per
    column, naming it (household columns are reported on the household's first member)."""
    kept = dict(json.loads(mv.m.unmapped)) if mv.m.unmapped else {}
    if hv.h.unmapped and hv.members and mv is hv.members[0]:
        kept.update(json.loads(hv.h.unmapped))
    if not kept:
        return None
    column, text = sorted(kept.items())[0]
    more = "".join(f"；{c}“{t}”" for c, t in sorted(kept.items())[1:])
    return Hit("member", mv.m.id, _COLUMN_FIELDS.get(column, "unmapped"), text,
               f"{_who(mv)}：{column}“{text}”不在代码表中，已按原样保留，请改为代码表中的值{more}")


_COLUMN_FIELDS = {"民族": "ethnicity", "政治面貌": "political", "文化程度": "education", "在校生状况": "schooling",
                  "健康状况": "health", "劳动技能": "labour", "务工状况": "work", "与户主关系": "relation",
                  "残疾类别": "disability_kind", "残疾等级": "disability_grade", "贫困户属性": "category",
                  "主要致贫原因": "main_cause", "其他致贫原因": "other_causes", "户状态": "status",
                  "识别标准": "standard", "人口状态": "status"}


@rule("MB02", WARNING, "在校生状况与年龄不符", "member")
def schooling_age(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if not m.schooling or mv.age is None:
        return None
    bounds = _school_age_range(m.schooling)
    if bounds and not bounds[0] <= mv.age <= bounds[1]:
        shown = _code_label(C.SCHOOLING, m.schooling)
        return mv.hit("schooling", shown, f"{_who(mv)}（{mv.age}岁）在校生状况为{shown}，与年龄不符")
    return None


@rule("MB03", WARNING, "未参加基本医疗保险", "member")
def not_insured(mv: MemberView, hv: HouseholdView):
    if mv.normal and not mv.m.medical_insured and not mv.m.employee_medical:
        return mv.hit("medical_insured", "否", f"{_who(mv)}未参加城乡居民基本医疗保险或城镇职工基本医疗保险")
    return None


@rule("MB04", WARNING, "劳动技能与年龄不符", "member")
def labour_age(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if mv.age is None or not m.labour:
        return None
    if (mv.age < 16 and m.labour != NO_LABOUR) or (mv.age > 80 and m.labour in ABLE):
        shown = _code_label(C.LABOUR, m.labour)
        return mv.hit("labour", shown, f"{_who(mv)}（{mv.age}岁）劳动技能为{shown}，与年龄不符")
    return None


@rule("MB05", WARNING, "务工时间不合理", "member")
def work_months(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if m.work_months is not None and not 0 <= m.work_months <= 12:
        return mv.hit("work_months", m.work_months, f"{_who(mv)}务工时间（月）应在0至12之间：{m.work_months}")
    if m.work and m.work != NO_WORK and not m.work_months:
        shown = _code_label(C.WORK, m.work)
        return mv.hit("work_months", m.work_months or 0, f"{_who(mv)}务工状况为{shown}，但务工时间（月）为0或空")
    return None


@rule("MB06", WARNING, "残疾但未填残疾类别或等级", "member")
def disability_grade(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if DISABLED in health_codes(m) and not (m.disability_grade and m.disability_kind):
        missing = "、".join(x for x, v in (("残疾类别", m.disability_kind), ("残疾等级", m.disability_grade)) if not v)
        return mv.hit("disability_grade", None, f"{_who(mv)}健康状况为残疾，但{missing}为空")
    return None


@rule("MB07", WARNING, "与户主关系与性别不符", "member")
def relation_sex(mv: MemberView, hv: HouseholdView):
    expected = C.RELATION_SEX.get(mv.m.relation)
    sex = mv.sex
    if expected and sex and sex != expected:
        shown = _code_label(C.RELATION, mv.m.relation)
        return mv.hit("relation", shown, f"{_who(mv)}与户主关系为“{shown}”，性别却为{sex}")
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
        shown = _code_label(C.RELATION, mv.m.relation)
        return mv.hit("birth_date", mv.m.birth_date,
                      f"{_who(mv)}（{shown}，{mv.age}岁）与户主{_who(head)}（{head.age}岁）的年龄差不合辈分")
    return None


@rule("MB09", WARNING, "姓名含数字、字母或空格", "member")
def name_chars(mv: MemberView, hv: HouseholdView):
    if _PLAIN_NAME.fullmatch(mv.m.name or ""):
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
        return mv.hit("status", "正常", f"{_who(mv)}登记了减少（{reason}），人口状态仍为正常，仍计入家庭人口")
    return None


@rule("MB11", WARNING, "文化程度与在校生状况应填且只填一项", "member")
def education_or_schooling(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if not mv.normal or bool(m.education) != bool(m.schooling):
        return None
    if m.education:
        return mv.hit("schooling", _code_label(C.SCHOOLING, m.schooling),
                      f"{_who(mv)}文化程度（{_code_label(C.EDUCATION, m.education)}）和在校生状况"
                      f"（{_code_label(C.SCHOOLING, m.schooling)}）都已填写")
    return mv.hit("education", None, f"{_who(mv)}文化程度和在校生状况都为空")


@rule("MB12", WARNING, "务工所在地与务工时间不对应", "member")
def work_place_months(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if bool(m.work_place) != bool(m.work_months):
        if m.work_place:
            return mv.hit("work_months", m.work_months, f"{_who(mv)}填写了务工所在地（{m.work_place}），但务工时间为空")
        return mv.hit("work_place", None, f"{_who(mv)}务工时间为{m.work_months}个月，但务工所在地为空")
    return None


@rule("MB13", WARNING, "同时参加城乡居民和城镇职工基本医疗保险", "member")
def two_medical(mv: MemberView, hv: HouseholdView):
    if mv.m.medical_insured and mv.m.employee_medical:
        return mv.hit("employee_medical", "是", f"{_who(mv)}同时参加了城乡居民基本医疗保险和城镇职工基本医疗保险")
    return None


@rule("MB14", WARNING, "健康的16至59岁非在校生标为无劳动力或弱劳动力", "member")
def healthy_without_labour(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if (mv.normal and mv.age is not None and 16 <= mv.age <= 59 and m.health == HEALTHY
            and not C.attends_school(m.schooling) and m.labour in (NO_LABOUR, WEAK)):
        shown = _code_label(C.LABOUR, m.labour)
        return mv.hit("labour", shown, f"{_who(mv)}（{mv.age}岁，健康，非在校生）劳动技能为{shown}")
    return None


@rule("MB15", WARNING, "脱贫户成员未参加大病保险", "member")
def exited_without_critical(mv: MemberView, hv: HouseholdView):
    if hv.h.status == EXITED and mv.normal and not mv.m.critical_insured:
        return mv.hit("critical_insured", "否", f"已脱贫户成员{_who(mv)}未参加大病保险")
    return None


@rule("MB16", WARNING, "无劳动力或丧失劳动力却有务工记录", "member")
def working_without_labour(mv: MemberView, hv: HouseholdView):
    m = mv.m
    if m.labour in (NO_LABOUR, LOST) and ((m.work and m.work != NO_WORK) or (m.work_months or 0) > 0):
        shown = _code_label(C.LABOUR, m.labour)
        work = _code_label(C.WORK, m.work) or f"{m.work_months}个月"
        return mv.hit("work", work, f"{_who(mv)}劳动技能为{shown}，却有务工记录：{work}")
    return None


# === VS: visits ==================================================================================


@rule("VS01", WARNING, "本月未走访")
def not_visited(hv: HouseholdView):
    if hv.h.status not in REGISTERED:
        return None
    helper = hv.helper
    if helper is None:
        return None
    today = hv.ds.today
    last = hv.ds.last_visit.get(hv.h.id)
    if last is not None and last >= today.replace(day=1):
        return None
    since = f"，上次走访 {last.isoformat()}" if last else "，没有走访记录"
    return hv.hit("visit_date", last, f"帮扶责任人{helper.name}本月（{today.year}年{today.month}月）未走访该户{since}")


@rule("VS02", ERROR, "走访日期晚于今天")
def future_visit(hv: HouseholdView):
    today = hv.ds.clock or hv.ds.today  # the real date, not the reference date of an --as-of check
    return [Hit("visit", v.id, "visit_date", v.visit_date, f"走访日期晚于今天：{v.visit_date.isoformat()}")
            for v in hv.ds.visits.get(hv.h.id, ()) if v.visit_date > today] or None


@rule("VS03", WARNING, "走访人不是该户帮扶责任人或驻村工作队成员")
def visitor_not_on_team(hv: HouseholdView):
    ds = hv.ds
    visits = ds.visits.get(hv.h.id)
    if not visits:
        return None
    assigned = {a.helper_id for a in ds.assignments.get(hv.h.id, ())}
    names = {ds.helpers[i].name for i in assigned if i in ds.helpers}
    village = hv.village
    team = " ".join(x for x in (village.first_secretary, village.team_contact) if x) if village else ""
    out = []
    for v in visits:
        if v.helper_id:
            if v.helper_id in assigned:
                continue
            who = ds.helpers[v.helper_id].name if v.helper_id in ds.helpers else v.helper_id
        else:
            visitors = [x for x in (v.visitors or "").replace("，", ",").replace("、", ",").split(",") if x.strip()]
            if not visitors or all(x.strip() in names or x.strip() in team for x in visitors):
                continue
            who = v.visitors
        out.append(Hit("visit", v.id, "visitors", who,
                       f"{v.visit_date.isoformat()}走访人“{who}”不是该户的帮扶责任人，也不在驻村工作队名单中"))
    return out or None


# === MS: assistance ==============================================================================


@rule("MS01", WARNING, "没有本年度一户一策帮扶计划")
def no_plan(hv: HouseholdView):
    if hv.h.status in REGISTERED and hv.ds.year not in hv.ds.plans.get(hv.h.id, ()):
        return hv.hit("plan", None, f"没有{hv.ds.year}年一户一策帮扶计划")
    return None


@rule("MS02", WARNING, "帮扶措施没有类型或金额")
def measure_incomplete(hv: HouseholdView):
    out = []
    for me in hv.ds.measures.get(hv.h.id, ()):
        if not me.type:
            out.append(Hit("measure", me.id, "type", None, f"{me.year}年帮扶措施没有措施类型"))
        elif me.amount is None:
            out.append(Hit("measure", me.id, "amount", None,
                           f"{me.year}年帮扶措施“{_code_label(C.MEASURE_TYPE, me.type)}”没有金额"))
    return out or None


@rule("MS03", WARNING, "扶贫小额信贷超过5万元或3年")
def loan_limits(hv: HouseholdView):
    out = []
    for loan in hv.ds.loans.get(hv.h.id, ()):
        if loan.amount is not None and loan.amount > LOAN_MAX_AMOUNT:
            out.append(Hit("loan", loan.id, "amount", loan.amount, f"扶贫小额信贷金额超过5万元：{loan.amount}元"))
        elif loan.term_months is not None and loan.term_months > LOAN_MAX_MONTHS:
            out.append(Hit("loan", loan.id, "term_months", loan.term_months,
                           f"扶贫小额信贷期限超过3年：{loan.term_months}个月"))
    return out or None


# === VL: villages ================================================================================


def _scope_villages(ds: Dataset) -> list:
    ids = {h.village_id for h in ds.households} | set(getattr(ds, "scope_villages", None) or ())
    return [ds.villages[i] for i in sorted(ids) if i in ds.villages]


@rule("VL01", WARNING, "村没有农业户籍人口", "dataset")
def village_population(ds: Dataset):
    for v in _scope_villages(ds):
        if not v.agri_population or v.agri_population <= 0:
            yield Hit("region", v.id, "agri_population", v.agri_population,
                      f"{v.name}农业户籍人口为空，无法计算贫困发生率")


def village_poor_population(ds: Dataset) -> dict[str, int]:
    """未脱贫建档立卡人口 per village: members in 正常 of households not yet exited."""
    counts: dict[str, int] = defaultdict(int)
    for h in ds.households:
        if h.status in workflow.NOT_EXITED:
            counts[h.village_id] += sum(1 for m in ds.members.get(h.id, ()) if is_normal(m))
    return counts


@rule("VL02", ERROR, "已退出的村贫困发生率高于退出标准", "dataset")
def village_rate(ds: Dataset):
    poor = village_poor_population(ds)
    for v in _scope_villages(ds):
        if not v.exit_year or not v.agri_population or v.agri_population <= 0:
            continue
        threshold = village_threshold(is_western(v.code))
        if not incidence_within(poor.get(v.id, 0), v.agri_population, is_western(v.code)):
            yield Hit("region", v.id, "exit_year", v.exit_year,
                      f"{v.name}已于{v.exit_year}年退出，但贫困发生率为"
                      f"{incidence_text(poor.get(v.id, 0), v.agri_population)}，高于{threshold}%")
