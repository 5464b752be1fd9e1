"""ID: 身份证号 (domain.md §4, §8): the number's own checks, and the same person registered twice."""

from __future__ import annotations

from collections import Counter, defaultdict

from app.domain.quality.registry import ERROR, INFO, WARNING, Hit, rule
from app.domain.quality.rules.common import who
from app.domain.quality.views import HouseholdView, MemberView
from app.domain.records import Dataset


def _parse_rule(rule_id: str):
    def check(mv: MemberView, hv: HouseholdView):
        e = mv.id_error
        if e is not None and e.rule == rule_id:
            return mv.hit("id_number", mv.m.id_number, f"{who(mv)}：{e.message}")
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
        return mv.hit(field, mv.m.sex if field == "sex" else mv.m.id_number, f"{who(mv)}：{w.message}")
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
    return mv.hit("id_number", None, f"身份证号为空：{who(mv)}{birth}")
