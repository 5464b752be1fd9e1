"""A small, fully consistent county as plain records: every rule is silent on it."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from app.domain import codes as C
from app.domain.income import IncomeItems, net_income, per_capita
from app.domain.records import (
    AssignmentRec,
    ConditionsRec,
    Dataset,
    HelperRec,
    HouseholdRec,
    IncomeRec,
    LoanRec,
    MeasureRec,
    MemberRec,
    VillageRec,
    VisitRec,
)
from tests.factories import id_number

TODAY = date(2026, 11, 27)
YES = True


def code(codelist, label):
    return codelist.code(label)


def member(mid, hid, name, birth, sex, relation, seq, **extra) -> MemberRec:
    values = dict(
        id=mid, household_id=hid, name=name, sex=sex, id_number=id_number(birth, sex, seq), birth_date=birth,
        relation=code(C.RELATION, relation), health=code(C.HEALTH, "健康"), labour=code(C.LABOUR, "无劳动力"),
        work=code(C.WORK, "未务工"), medical_insured=True, employee_medical=False, critical_insured=True,
        status=code(C.MEMBER_STATUS, "正常"),
    )
    values.update(extra)
    return MemberRec(**values)


def income(iid, hid, year, size, wages="20000", business="5000", costs="1000", other="600") -> IncomeRec:
    items = IncomeItems(wages=Decimal(wages), business=Decimal(business), business_costs=Decimal(costs),
                        transfers=Decimal(other), other_transfers=Decimal(other))
    net = net_income(items)
    return IncomeRec(iid, hid, year, Decimal(wages), Decimal(business), Decimal(0), Decimal(other),
                     Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(0), Decimal(other),
                     Decimal(costs), size, net, per_capita(net, size))


def household(ds: Dataset, n: int, seq: int) -> HouseholdRec:
    """Household n: 户主, 配偶 (chronically ill), a pupil; income, conditions, helper, visit, plan..."""
    hid = f"h{n}"
    h = HouseholdRec(
        id=hid, code=f"450881104201-01-{n:04d}", village_id="v1", group_id="g1", phone="13800138000",
        bank_account="6231000000000000005", category=code(C.CATEGORY, "一般贫困户"),
        main_cause=code(C.CAUSE, "因病"), identified_year=2016, status=code(C.HOUSEHOLD_STATUS, "未脱贫"), size=3)
    ds.households.append(h)
    ds.members[hid] = [
        member(f"{hid}m1", hid, "张三丰" if n == 1 else "李四光", date(1970, 3, 15), "男", "户主", seq,
               education=code(C.EDUCATION, "初中"), labour=code(C.LABOUR, "普通劳动力")),
        member(f"{hid}m2", hid, "王秀英" if n == 1 else "赵秀兰", date(1972, 8, 1), "女", "配偶", seq + 1,
               education=code(C.EDUCATION, "小学"), health=code(C.HEALTH, "长期慢性病"),
               labour=code(C.LABOUR, "弱劳动力或半劳动力")),
        member(f"{hid}m3", hid, "张小明" if n == 1 else "李小红", date(2014, 5, 20), "男" if n == 1 else "女",
               "之子" if n == 1 else "之女", seq + 2, schooling=code(C.SCHOOLING, "七年级")),
    ]
    ds.incomes[hid] = {y: income(f"{hid}i{y}", hid, y, 3) for y in (2025, 2026)}
    ds.conditions[hid] = ConditionsRec(
        f"{hid}c", hid, 2026, Decimal(5), Decimal(2), Decimal(10), Decimal(90),
        code(C.HOUSE_SAFETY, "A级"), False, False, True, False, True, True, True, code(C.ROAD_TYPE, "水泥路"),
        food_secure=True, clothing_secure=True)
    ds.assignments[hid] = [AssignmentRec(f"{hid}a", hid, "hp1", date(2019, 1, 1), None)]
    ds.visits[hid] = [VisitRec(f"{hid}v", hid, date(2026, 11, 10), "hp1", "王五")]
    ds.last_visit[hid] = date(2026, 11, 10)
    ds.plans[hid] = {2026}
    ds.measures[hid] = [MeasureRec(f"{hid}me", hid, 2026, code(C.MEASURE_TYPE, "产业扶持"), Decimal(2000))]
    ds.loans[hid] = [LoanRec(f"{hid}l", hid, Decimal(30000), 36)]
    return h


def clean_dataset() -> Dataset:
    ds = Dataset(today=TODAY)
    ds.villages["v1"] = VillageRec("v1", "450881104201", "长河村", agri_population=1200,
                                   first_secretary="韦书记")
    ds.helpers["hp1"] = HelperRec("hp1", "王五", "13900000000")
    household(ds, 1, 10)
    household(ds, 2, 20)
    return ds


def exited(ds: Dataset, n: int = 1, exit_year: int = 2020) -> HouseholdRec:
    h = ds.households[n - 1]
    h.status = code(C.HOUSEHOLD_STATUS, "已脱贫")
    h.exit_year = exit_year
    return h
