"""Every data-quality rule: a record that trips it, and the clean county on which it is silent."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest

from app.domain import codes as C
from app.domain import quality
from app.domain.errors import DomainError
from app.domain.records import HelperRec, LoanRec, MeasureRec, PersonKey, VisitRec
from app.domain.workflow import StepRecord
from tests.factories import id_number
from tests.quality.builders import clean_dataset, code, exited


def m(ds, n=1, k=1):
    return ds.members[f"h{n}"][k - 1]


def h(ds, n=1):
    return ds.households[n - 1]


def _setter(record):
    def factory(**values):
        def mutate(ds):
            target = record(ds)
            for key, value in values.items():
                setattr(target, key, value)
        return mutate
    return factory


set_m = _setter(lambda ds: m(ds))  # the 户主 of household 1
set_child = _setter(lambda ds: m(ds, 1, 3))
set_h = _setter(lambda ds: h(ds))
set_c = _setter(lambda ds: ds.conditions["h1"])


def set_i(year=2026, **values):
    return _setter(lambda ds: ds.incomes["h1"][year])(**values)


def on_exited(mutate=None, **kw):
    def both(ds):
        exited(ds, **kw)
        if mutate:
            mutate(ds)
    return both


def relation(label):
    return code(C.RELATION, label)


def health(*labels):
    return C.encode_set(C.HEALTH, labels)


def _mb08(ds):
    child = m(ds, 1, 3)
    child.birth_date = date(1960, 1, 1)
    child.id_number = id_number(date(1960, 1, 1), "男", 77)
    child.schooling, child.education = None, code(C.EDUCATION, "初中")


def _same_id_elsewhere(ds):
    m(ds, 2, 1).id_number = m(ds, 1, 1).id_number


def _same_person(ds):
    other = m(ds, 2, 1)
    other.name, other.birth_date = m(ds).name, m(ds).birth_date


def _national_dup(ds):
    h(ds, 1).national_code = h(ds, 2).national_code = "4508811042010001"


def _no_head(ds):
    m(ds).relation = relation("其他")


def _two_heads(ds):
    m(ds, 1, 2).relation = relation("户主")


def _young_head(ds):
    ds.members["h1"][0], ds.members["h1"][2] = m(ds, 1, 3), m(ds, 1, 1)
    m(ds, 1, 1).relation, m(ds, 1, 3).relation = relation("户主"), relation("之父")


def _no_helper(ds):
    ds.assignments["h1"] = []


def _bad_helper_phone(ds):
    ds.helpers["hp1"].phone = "12345"


def _two_spouses(ds):
    third = m(ds, 1, 3)
    third.relation, third.sex = relation("配偶"), "女"


def _same_sex_spouse(ds):
    spouse = m(ds, 1, 2)
    spouse.id_number = id_number(spouse.birth_date, "男", 11)
    spouse.sex = "男"


def _exited_failing(ds):
    exited(ds)
    m(ds, 1, 2).critical_insured = False  # 基本医疗有保障 fails


def _exited_steps(ds):
    exited(ds, exit_year=2026)
    ds.steps["h1"] = [StepRecord("exit", 1, date(2026, 3, 1), "达标"), StepRecord("exit", 2, date(2026, 3, 5))]


def _dibao(ds):
    h(ds).category = code(C.CATEGORY, "低保贫困户")


def _tekun(ds):
    h(ds).category = code(C.CATEGORY, "特困供养贫困户")


def _no_visit(ds):
    ds.last_visit["h1"] = date(2026, 10, 20)


def _future_visit(ds):
    ds.visits["h1"].append(VisitRec("vf", "h1", date(2026, 12, 5), "hp1", "王五"))


def _stranger_visit(ds):
    ds.helpers["hp9"] = HelperRec("hp9", "路人甲", None)
    ds.visits["h1"].append(VisitRec("vs", "h1", date(2026, 11, 12), "hp9", "路人甲"))


def _no_plan(ds):
    ds.plans["h1"] = {2025}


def _measure_without_amount(ds):
    ds.measures["h1"].append(MeasureRec("me2", "h1", 2026, code(C.MEASURE_TYPE, "技能培训"), None))


def _big_loan(ds):
    ds.loans["h1"].append(LoanRec("l2", "h1", Decimal(80000), 24))


def _no_population(ds):
    ds.villages["v1"].agri_population = None


def _village_rate(ds):
    ds.villages["v1"].exit_year = 2019
    ds.villages["v1"].agri_population = 100  # 6 poor members of 100: 6% > 3%


CASES = {
    "ID01": set_m(id_number="45088119700315"),
    "ID02": set_m(id_number="45088119700315A01X"),
    "ID03": set_m(id_number=m(clean_dataset()).id_number[:17] + ("0" if m(clean_dataset()).id_number[17] != "0" else "1")),
    "ID04": set_m(id_number="450881" + "19701345" + "0011"),
    "ID05": set_m(id_number=id_number(date(2030, 1, 1), "男", 5)),
    "ID06": set_m(sex="女"),
    "ID07": set_m(id_number="450881700315011", birth_date=date(1970, 3, 15)),
    "ID08": set_m(id_number=id_number(date(1970, 3, 15), "男", 10, address="110101")),
    "ID09": _same_id_elsewhere,
    "ID10": _same_person,
    "ID11": set_child(id_number=None),
    "HH01": _no_head,
    "HH02": _two_heads,
    "HH03": _young_head,
    "HH04": set_h(size=4),
    "HH05": set_h(code="450881104201-1-1"),
    "HH06": set_h(group_id=None),
    "HH07": set_h(phone="1380013"),
    "HH08": set_h(main_cause=None),
    "HH09": set_h(other_causes=code(C.CAUSE, "因病")),
    "HH10": set_h(identified_year=2019, exit_year=2017),
    "HH11": lambda ds: setattr(m(ds, 1, 2), "health", health("健康")),
    "HH12": set_h(main_cause=code(C.CAUSE, "因残")),
    "HH13": lambda ds: (set_h(other_causes=code(C.CAUSE, "因学"))(ds),
                        set_child(schooling=None, education=code(C.EDUCATION, "初中"))(ds)),
    "HH14": lambda ds: (setattr(h(ds), "main_cause", code(C.CAUSE, "缺劳力")),
                        setattr(m(ds, 1, 2), "labour", code(C.LABOUR, "普通劳动力"))),
    "HH15": _dibao,
    "HH16": _tekun,
    "HH17": _no_helper,
    "HH18": set_h(bank_account="6231000000000000006"),
    "HH19": _two_spouses,
    "HH20": _same_sex_spouse,
    "IN01": lambda ds: (set_i(household_size=4, per_capita=Decimal("6150.00"))(ds)),
    "IN02": set_i(other_transfers=Decimal(500)),
    "IN03": set_i(wages=Decimal(-100)),
    "IN04": set_i(business_costs=Decimal(6000)),
    "IN05": set_i(per_capita=Decimal(50000)),
    "IN06": lambda ds: ds.incomes["h1"].pop(2026),
    "EX01": on_exited(set_i(year=2026, per_capita=Decimal(3000))),
    "EX02": _exited_failing,
    "EX06": on_exited(lambda ds: setattr(ds.conditions["h1"], "food_secure", None)),
    "CD01": set_m(unmapped='{"劳动技能": "半劳力"}'),
    "EX03": on_exited(set_c(water_safe=False)),
    "EX04": _exited_steps,
    "EX05": lambda ds: setattr(exited(ds), "exit_year", None),
    "CO01": set_c(house_safety=code(C.HOUSE_SAFETY, "D级危房"), house_safe=True),
    "CO02": set_c(water_difficult=True),
    "CO03": set_c(arable_mu=Decimal(350)),
    "CO04": set_c(house_area_m2=Decimal(0)),
    "MB01": set_child(schooling=None, education=None),
    "MB02": set_child(schooling=code(C.SCHOOLING, "本科三年级")),
    "MB03": set_m(medical_insured=False),
    "MB04": set_child(labour=code(C.LABOUR, "普通劳动力")),
    "MB05": set_m(work=code(C.WORK, "省外务工"), work_months=0),
    "MB06": set_m(health=health("残疾")),
    "MB07": set_child(relation=relation("之女")),
    "MB08": _mb08,
    "MB09": set_m(name="张三2"),
    "MB10": set_m(status_reason="死亡"),
    "MB11": set_child(education=code(C.EDUCATION, "小学")),
    "MB12": set_m(work_place="广东省"),
    "MB13": set_m(employee_medical=True),
    "MB14": set_m(labour=code(C.LABOUR, "无劳动力")),
    "MB15": on_exited(set_m(critical_insured=False)),
    "MB16": lambda ds: (set_m(work=code(C.WORK, "县外省内务工"), work_months=6, work_place="南宁",
                               labour=code(C.LABOUR, "丧失劳动力"))(ds)),
    "VS01": _no_visit,
    "VS02": _future_visit,
    "VS03": _stranger_visit,
    "MS01": _no_plan,
    "MS02": _measure_without_amount,
    "MS03": _big_loan,
    "VL01": _no_population,
    "VL02": _village_rate,
}


# The record each case above breaks (table, row id in the builders' dataset), written from the cases
# themselves: set_m is the 户主 h1m1, set_child the child h1m3, set_h the household h1, set_c its
# conditions h1c, set_i its 2026 income h1i2026; a rule must report that record and no other.
HOUSEHOLD, HEAD, SPOUSE, CHILD = {("household", "h1")}, {("member", "h1m1")}, {("member", "h1m2")}, {("member", "h1m3")}
CONDITIONS, INCOME = {("conditions", "h1c")}, {("income", "h1i2026")}
BROKEN_ROWS = {
    **dict.fromkeys(["CD01", "ID01", "ID02", "ID03", "ID04", "ID05", "ID06", "ID07", "ID08", "MB03", "MB05",
                     "MB06", "MB09", "MB10", "MB12", "MB13", "MB14", "MB15", "MB16"], HEAD),
    **dict.fromkeys(["HH02", "HH20"], SPOUSE),  # the second 户主; the 配偶 of the head's own sex
    **dict.fromkeys(["ID11", "HH03", "HH19", "MB01", "MB02", "MB04", "MB07", "MB08", "MB11"], CHILD),
    **dict.fromkeys(["ID09", "ID10"], HEAD | {("member", "h2m1")}),  # both people of the pair
    **dict.fromkeys(["EX02", "EX04", "EX05", "EX06", "HH01", "HH04", "HH05", "HH06", "HH07", "HH08", "HH09",
                     "HH10", "HH11", "HH12", "HH13", "HH14", "HH15", "HH16", "HH17", "HH18", "IN06", "MS01",
                     "VS01"], HOUSEHOLD),
    **dict.fromkeys(["CO01", "CO02", "CO03", "CO04", "EX03"], CONDITIONS),
    **dict.fromkeys(["EX01", "IN01", "IN02", "IN03", "IN04", "IN05"], INCOME),
    "MS02": {("measure", "me2")}, "MS03": {("loan", "l2")}, "VS02": {("visit", "vf")}, "VS03": {("visit", "vs")},
    "VL01": {("region", "v1")}, "VL02": {("region", "v1")},
}

def test_there_are_at_least_40_rules_and_each_has_a_case():
    assert len(quality.RULES) >= 40
    assert set(CASES) == set(quality.RULES) == set(BROKEN_ROWS)
    for r in quality.RULES.values():
        assert r.severity in quality.SEVERITIES and r.title


@pytest.mark.parametrize("variant", ["poor", "exited"])
def test_the_clean_county_trips_no_rule(variant):
    ds = clean_dataset()
    if variant == "exited":
        exited(ds)
    assert quality.run(ds) == []


@pytest.mark.parametrize("rule_id", sorted(CASES))
def test_rule_trips_on_its_record_and_only_there(rule_id):
    clean = clean_dataset()
    assert quality.run(clean, [rule_id]) == []
    ds = clean_dataset()
    CASES[rule_id](ds)
    findings = quality.run(ds, [rule_id])
    assert findings, f"{rule_id} did not trip"
    for f in findings:
        assert f.rule == rule_id and f.severity == quality.RULES[rule_id].severity
        assert f.message and any("\u4e00" <= ch <= "\u9fff" for ch in f.message)
        assert f.table and f.row_id and f.field
        if f.table != "region":
            assert f.household_code.startswith("450881104201-")
    assert {(f.table, f.row_id) for f in findings} == BROKEN_ROWS[rule_id]


def test_messages_name_the_value():
    ds = clean_dataset()
    CASES["ID03"](ds)
    (f,) = quality.run(ds, ["ID03"])
    assert f.value == m(ds).id_number and f.value in f.message and "校验位" in f.message
    ds = clean_dataset()
    CASES["HH07"](ds)
    (f,) = quality.run(ds, ["HH07"])
    assert f.field == "phone" and "1380013" in f.message


def test_duplicates_across_villages_use_whole_database_keys():
    """A village check still sees the ID number registered in another village."""
    ds = clean_dataset()
    ds.households = ds.households[:1]
    ds.people = [PersonKey(p.id, p.household_id, p.name, p.id_number, p.birth_date) for p in ds.members["h1"]]
    ds.people.append(PersonKey("x1", "hx", "张三丰", m(ds).id_number, m(ds).birth_date))
    ds.household_codes = {"hx": ("450881105201-01-0009", "v2")}
    from app.domain.records import VillageRec

    ds.villages["v2"] = VillageRec("v2", "450881105201", "石龙村")
    findings = quality.run(ds, ["ID09"])
    assert len(findings) == 1 and "450881105201-01-0009" in findings[0].message and "石龙村" in findings[0].message


def test_compulsory_schooling_follows_domain_md():
    """In school at any level (graded or not), 送教上门 with a disability, or 休学/缓学 with a reason;
    disability alone is not enough and 文化程度 does not excuse a child out of school."""
    secured = [
        dict(schooling=code(C.SCHOOLING, "初中")),  # grade not stated
        dict(schooling=None, home_schooled=True, health=health("残疾"), disability_kind="04", disability_grade="01"),
        dict(schooling=None, dropout_reason="休学（骨折住院）"),
    ]
    for values in secured:
        ds = clean_dataset()
        set_child(**values)(ds)
        assert quality.run(ds, ["MB01"]) == [], values
    out = [
        dict(schooling=None, education=code(C.EDUCATION, "初中")),
        dict(schooling=None, health=health("残疾"), disability_kind="04", disability_grade="01"),
        dict(schooling=None, home_schooled=True),
        dict(schooling=None, dropout_reason="缓学"),
    ]
    for values in out:
        ds = clean_dataset()
        set_child(**values)(ds)
        assert [f.rule for f in quality.run(ds, ["MB01"])] == ["MB01"], values


def test_missing_is_not_failing_for_an_exited_household():
    """No housing grade and no answer on 不愁吃: 资料不全 (EX06 警告), not EX02 错误."""
    ds = clean_dataset()
    exited(ds)
    c = ds.conditions["h1"]
    c.house_safety, c.house_safe, c.food_secure = None, None, None
    assert quality.run(ds, ["EX02"]) == []
    [finding] = quality.run(ds, ["EX06"])
    assert finding.severity == "警告" and "不愁吃" in finding.message and "住房安全有保障" in finding.message
    c.house_safe = False  # 危房户 是: a recorded failure
    assert [f.rule for f in quality.run(ds, ["EX02"])] == ["EX02"]


def test_reported_figures_are_compared():
    """HH04, IN01 and EX01 compare the national system's reported figures with the derived ones."""
    ds = clean_dataset()
    hh = h(ds)
    hh.reported_size, hh.data_year = 4, 2026
    [f] = quality.run(ds, ["HH04"])
    assert f.field == "reported_size" and "4人" in f.message
    hh.reported_size = 3
    assert quality.run(ds, ["HH04"]) == []
    hh.reported_per_capita, hh.reported_income_year = Decimal("9999.00"), 2026
    [f] = quality.run(ds, ["IN01"])
    assert "9999.00" in f.message and f.field == "reported_per_capita"
    ds = clean_dataset()
    hh = exited(ds)
    ds.incomes["h1"].pop(2026)
    hh.reported_per_capita, hh.reported_income_year = Decimal("3000.00"), 2026
    [f] = quality.run(ds, ["EX01"])
    assert "国家系统" in f.message and "3000.00" in f.message
    assert quality.run(ds, ["IN06"]) == []  # the reported 人均纯收入 of the year is an income record
    hh.reported_income_year = 2025
    assert [f.rule for f in quality.run(ds, ["IN06"])] == ["IN06"]


def test_a_visit_by_the_first_secretary_is_on_the_team():
    ds = clean_dataset()
    ds.visits["h1"].append(VisitRec("v9", "h1", date(2026, 11, 2), None, "韦书记"))
    assert quality.run(ds, ["VS03"]) == []


def test_unknown_rule_is_refused():
    with pytest.raises(DomainError, match="未知的核查规则：XX99"):
        quality.run(clean_dataset(), ["XX99"])


def test_counts_group_by_severity_and_rule():
    ds = clean_dataset()
    CASES["ID03"](ds)
    CASES["VS01"](ds)
    counts = quality.counts(quality.run(ds))
    assert counts["total"] == 2 and counts["by_rule"] == {"ID03": 1, "VS01": 1}
    assert counts["by_severity"] == {"错误": 1, "警告": 1, "提示": 0} and counts["households"] == 1


def test_every_rule_belongs_to_a_named_family():
    from app.domain.quality import FAMILIES, RULES, family_of

    assert {family_of(r) for r in RULES} <= set(FAMILIES.values())
