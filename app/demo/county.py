"""The demo county generated as plain row dicts (app/demo/make.py writes them): deterministic for a
seed and a reference date. Families are built so the data is consistent the way the data checks
expect: ID numbers valid and matching the county, sex and birth date, relations plausible by age,
causes of poverty backed by the members, incomes around the line.
"""

from __future__ import annotations

import itertools
import random
from datetime import date, timedelta
from decimal import Decimal
from functools import lru_cache

from app.db.base import uuid7
from app.db.natural_keys import natural_id
from app.demo.people import People
from app.domain import codes
from app.domain.household_code import format_household_code
from app.ops.demo_writes import TABLES

PROVINCE = ("450000000000", "广西壮族自治区")
PREFECTURE = ("450800000000", "贵港市")
COUNTY = ("450881000000", "桂平市")
TOWNSHIPS = [
    "木乐镇", "南木镇", "江口镇", "石咀镇", "油麻镇", "社坡镇", "罗播乡", "麻垌镇", "社步镇", "下湾镇",
    "木根镇", "中沙镇", "大洋镇", "大湾镇", "白沙镇", "石龙镇", "蒙圩镇", "西山镇", "金田镇", "紫荆镇",
    "寻旺乡", "垌心乡", "马皮乡", "厚禄乡", "金田二镇",
]
VILLAGE_FIRST = "大小上下新石龙马金水竹松平安和团富罗黄高长东西南北古白青岭鹤凤"
VILLAGE_SECOND = "坪岭塘江河山冲湾垌田寨头口坡岗洞渡桥林源岩陂"
UNITS = ["桂平市农业农村局", "桂平市教育局", "桂平市卫生健康局", "桂平市财政局", "桂平市人民医院",
         "桂平市自然资源局", "桂平市水利局", "桂平市交通运输局", "桂平市民政局", "乡镇人民政府",
         "桂平市供电公司", "桂平市农村信用合作联社", "桂平市人力资源和社会保障局"]
POSTS = ["科员", "副科长", "科长", "主任科员", "干部", "副主任", "教师", "医生"]
BANKS = ["桂平市农村信用合作联社", "中国农业银行桂平支行", "中国邮政储蓄银行桂平支行"]
WORK_PLACES = {"乡（镇）内务工": "本镇", "乡（镇）外县内务工": "桂平市", "县外省内务工": "南宁市",
               "省外务工": "广东省", "国外务工": "马来西亚"}
EMPLOYERS = ["广东某电子厂", "建筑工地", "本地砖厂", "服装厂", "物流公司", "餐饮店", "农业合作社"]
OTHER_CAUSES = ["缺技术", "缺资金", "缺劳力", "交通条件落后", "自身发展动力不足", "缺土地", "缺水", "因灾"]
PROBLEMS = ["希望提供技能培训", "孩子上学交通不便", "种养资金不足", "住房漏雨需维修", "医疗报销手续慢", "无"]
NEXT_STEPS = ["继续跟踪务工情况", "落实产业奖补", "联系医保报销", "协调小额信贷", "动员参加技能培训"]
MEASURE_CONTENT = {
    "产业扶持": "发展养殖（鸡、猪）产业奖补", "就业扶持（含公益岗位）": "安排公益性岗位",
    "技能培训": "参加电工/厨师技能培训", "危房改造": "危房改造补助", "教育扶持（资助/雨露计划）": "雨露计划助学补助",
    "健康扶贫": "先诊疗后付费、大病救治", "金融扶贫（扶贫小额信贷）": "扶贫小额信贷贴息",
    "生态补偿（护林员等）": "聘为生态护林员", "社会保障兜底": "纳入低保兜底",
}
HOUSEHOLD_SIZE_WEIGHTS = [10, 18, 20, 22, 15, 9, 4, 2]  # sizes 1..8
STATUS_WEIGHTS = {"已脱贫": 78, "未脱贫": 9, "预脱贫": 3, "返贫": 2, "新识别贫困户": 3, "注销": 2,
                  "_monitor": 3}  # _monitor: a non-registered 一般农户 under monitoring

C = codes


@lru_cache(maxsize=None)
def _code(codelist: codes.CodeList, label: str) -> str:
    return codelist.code(label)


@lru_cache(maxsize=None)
def _health(*labels: str) -> str:
    return codes.encode_set(codes.HEALTH, labels)


def region_id(code: str) -> str:
    """Regions take the key derived from their code, as everywhere (app/db/natural_keys.py)."""
    return natural_id("region", {"code": code})




_DEMO_EPOCH_MS = 1_600_000_000_000



class DemoCounty:
    """Generates the county as plain row dicts; make_demo writes them."""

    def __init__(self, households: int, seed: int, as_of: date):
        self.n = households
        self.rng = random.Random(seed)
        self.as_of = as_of
        self.people = People(self.rng, COUNTY[0][:6])
        self._ids = itertools.count(_DEMO_EPOCH_MS)

    def _uuid(self) -> str:
        """Deterministic time-ordered ids (the layout of app/db/base.new_id) from the seeded rng."""
        return uuid7(next(self._ids), self.rng.getrandbits(80))

    # --- places -----------------------------------------------------------------------------

    def _village_name(self, taken: set[str]) -> str:
        while True:
            name = self.rng.choice(VILLAGE_FIRST) + self.rng.choice(VILLAGE_SECOND) + "村"
            if name not in taken:
                taken.add(name)
                return name

    def _plan_villages(self) -> list[int]:
        """Households per village: about 250 each, 150–400."""
        sizes, left = [], self.n
        while left > 0:
            size = min(left, self.rng.randint(150, 400))
            sizes.append(size)
            left -= size
        return sizes

    def _make_regions(self, sizes: list[int]) -> dict:
        n_villages = len(sizes)
        rng = self.rng
        top = []
        parent = None
        for (code, name), level in zip((PROVINCE, PREFECTURE, COUNTY),
                                       ("province", "prefecture", "county")):
            row = {"id": region_id(code), "code": code, "name": name, "level": level,
                   "parent_id": parent}
            top.append(row)
            parent = row["id"]
        per_township = 15
        n_town = max(1, -(-n_villages // per_township))
        townships, villages, groups = [], [], []
        for t in range(n_town):
            name = TOWNSHIPS[t % len(TOWNSHIPS)] if t < len(TOWNSHIPS) else f"第{t + 1}镇"
            code = f"{COUNTY[0][:6]}{101 + t:03d}000"
            townships.append({"id": region_id(code), "code": code, "name": name, "level": "township",
                              "parent_id": parent})
        taken: set[str] = set()
        for v in range(n_villages):
            town = townships[v // per_township]
            code = f"{town['code'][:9]}{201 + v % per_township:03d}"
            village = {
                "id": region_id(code), "code": code, "name": self._village_name(taken), "level": "village",
                "parent_id": town["id"], "poor_village": rng.random() < 0.4,
                "collective_income": Decimal(rng.randrange(5, 80) * 1000),
                # registered households are a minority of a village: 6-12 people per poor one
                "agri_population": sizes[v] * rng.randint(6, 12) * 4,
                "total_households": sizes[v] * rng.randint(6, 12),
                "first_secretary": self.people.surname() + self.people.given("男"),
                "first_secretary_phone": self._mobile(),
                "exit_year": rng.choice([2017, 2018, 2019, 2020]) if rng.random() < 0.3 else None,
                "_township": town["name"],
            }
            villages.append(village)
            for g in range(1, rng.randint(6, 15) + 1):
                groups.append({"id": region_id(f"{code}{g:02d}"), "code": f"{code}{g:02d}", "name": f"第{g}组",
                               "level": "group", "parent_id": village["id"], "_village": village["id"]})
        rows = [{k: v for k, v in r.items() if not k.startswith("_")}
                for r in top + townships + villages + groups]
        for v in villages:
            v["_groups"] = [g for g in groups if g["_village"] == v["id"]]
        return {"rows": rows, "village_rows": villages}

    def _mobile(self) -> str:
        return f"1{self.rng.choice('3578')}{self.rng.randrange(10**9):09d}"

    def _bank_account(self) -> str:
        body = "6231" + "".join(str(self.rng.randrange(10)) for _ in range(14))
        digits = [int(d) for d in body[::-1]]
        total = sum(d if i % 2 else sum(divmod(d * 2, 10)) for i, d in enumerate(digits))
        return body + str((10 - total % 10) % 10)

    # --- families -----------------------------------------------------------------------------

    def _birth(self, age: int) -> date:
        start = date(self.as_of.year - age - 1, self.as_of.month, 1) + timedelta(days=1)
        return start + timedelta(days=self.rng.randrange(364))

    def _member(self, household_id: str, name: str, sex: str, age: int, relation: str,
                ethnicity: str) -> dict:
        rng = self.rng
        birth = self._birth(age)
        m = {
            "id": self._uuid(), "household_id": household_id, "name": name, "sex": sex,
            "birth_date": birth, "relation": _code(C.RELATION, relation),
            "ethnicity": ethnicity, "status": _code(C.MEMBER_STATUS, "正常"),
            "political": _code(C.POLITICAL, "群众"), "id_type": "居民身份证",
        }
        # Young children may not have an ID number yet (the data check lists them).
        if age >= 3 or rng.random() < 0.6:
            m["id_number"] = self.people.id_number(birth, sex)
        self._schooling(m, age)
        self._health(m, age)
        self._work(m, age)
        m["medical_insured"] = rng.random() < 0.97
        m["employee_medical"] = not m["medical_insured"]
        m["critical_insured"] = rng.random() < 0.95
        if age >= 16:
            m["pension_insured"] = rng.random() < 0.88
            m["employee_pension"] = False
            if age < 40 and rng.random() < 0.04:
                m["political"] = _code(C.POLITICAL, "中共党员")
            elif age >= 40 and rng.random() < 0.05:
                m["political"] = _code(C.POLITICAL, "中共党员")
        if 14 <= age <= 28 and rng.random() < 0.3:
            m["political"] = _code(C.POLITICAL, "共青团员")
        m["mandarin"] = age >= 4 and rng.random() < 0.92
        return m

    def _schooling(self, m: dict, age: int) -> None:
        rng = self.rng
        grade = {6: "小学", 7: "小学", 8: "小学", 9: "小学", 10: "小学", 11: "小学", 12: "七年级",
                 13: "八年级", 14: "九年级", 15: "普通高中一年级", 16: "普通高中二年级",
                 17: "普通高中三年级", 18: "本科一年级", 19: "本科二年级", 20: "本科三年级"}
        if age < 3:
            m["schooling"] = _code(C.SCHOOLING, "学龄前儿童")
        elif age < 6:
            m["schooling"] = _code(C.SCHOOLING, "学前教育")
        elif age in grade and (age <= 14 or rng.random() < (0.75 if age <= 17 else 0.3)):
            label = grade[age]
            if 15 <= age <= 17 and rng.random() < 0.4:
                label = label.replace("普通高中", "中职")
            m["schooling"] = _code(C.SCHOOLING, label)
        else:
            if age < 25:
                choices, weights = ["初中", "高中", "大专"], [60, 30, 10]
            elif age < 50:
                choices, weights = ["小学", "初中", "高中", "大专"], [20, 60, 15, 5]
            else:
                choices, weights = ["文盲或半文盲", "小学", "初中"], [25, 50, 25]
            m["education"] = _code(C.EDUCATION, rng.choices(choices, weights)[0])

    def _health(self, m: dict, age: int) -> None:
        rng = self.rng
        r = rng.random()
        sick_chance = 0.05 + age / 400
        if r < 0.04:
            m["health"] = _health("残疾")
            m["disability_kind"] = C.DISABILITY_KIND.codes()[rng.randrange(7)]
            m["disability_grade"] = C.DISABILITY_GRADE.codes()[rng.randrange(4)]
            m["disability_year"] = rng.randint(2010, self.as_of.year - 1)
        elif r < 0.04 + 0.03:
            m["health"] = _health("患有大病")
        elif r < 0.07 + sick_chance:
            m["health"] = _health("长期慢性病")
        else:
            m["health"] = _health("健康")

    def _work(self, m: dict, age: int) -> None:
        rng = self.rng
        health = m["health"]
        if age < 16 or age >= 65 or m.get("schooling"):
            m["labour"] = _code(C.LABOUR, "无劳动力")
        elif health == _health("残疾") and m["disability_grade"] in ("01", "02"):
            m["labour"] = _code(C.LABOUR, "丧失劳动力")
        elif health != _health("健康") or age >= 60:
            m["labour"] = _code(C.LABOUR, "弱劳动力或半劳动力")
        else:
            m["labour"] = _code(C.LABOUR, "技能劳动力" if rng.random() < 0.15 else "普通劳动力")
        able = m["labour"] in (_code(C.LABOUR, "普通劳动力"), _code(C.LABOUR, "技能劳动力"))
        if able and rng.random() < 0.65:
            place = rng.choices(list(WORK_PLACES), [15, 20, 20, 43, 2])[0]
            m["work"] = _code(C.WORK, place)
            m["work_place"] = WORK_PLACES[place]
            m["employer"] = rng.choice(EMPLOYERS)
            m["work_months"] = rng.randint(3, 12)
        else:
            m["work"] = _code(C.WORK, "未务工")

    def _family(self, household_id: str) -> tuple[list[dict], int]:
        """Members of one household, head first; returns (members, head age)."""
        rng, people = self.rng, self.people
        size = rng.choices(range(1, 9), HOUSEHOLD_SIZE_WEIGHTS)[0]
        ethnicity = rng.choices([_code(C.ETHNICITY, "汉族"), _code(C.ETHNICITY, "壮族"),
                                 _code(C.ETHNICITY, "瑶族")], [70, 28, 2])[0]
        head_sex = "男" if rng.random() < 0.82 else "女"
        head_age = rng.randint(62, 85) if size == 1 else rng.randint(28, 78)
        surname = people.surname()
        members = [self._member(household_id, surname + people.given(head_sex), head_sex, head_age,
                                "户主", ethnicity)]
        if size >= 2:
            spouse_sex = "女" if head_sex == "男" else "男"
            spouse_age = max(20, head_age + rng.randint(-5, 3))
            members.append(self._member(household_id, people.surname() + people.given(spouse_sex),
                                        spouse_sex, spouse_age, "配偶", ethnicity))
        child_surname = surname if head_sex == "男" else people.surname()
        if len(members) < size and head_age < 52 and rng.random() < 0.5:
            for rel, sex in (("之父", "男"), ("之母", "女")):
                if len(members) < size:
                    age = min(95, head_age + rng.randint(22, 32))
                    name = (surname if rel == "之父" else people.surname()) + people.given(sex)
                    members.append(self._member(household_id, name, sex, age, rel, ethnicity))
        oldest_child = max(0, head_age - 22)
        son_age = None
        while len(members) < size and oldest_child > 0:
            sex = "男" if rng.random() < 0.52 else "女"
            age = rng.randint(max(0, head_age - 40), oldest_child)
            rel = "之子" if sex == "男" else "之女"
            members.append(self._member(household_id, child_surname + people.given(sex), sex, age,
                                        rel, ethnicity))
            if sex == "男" and age >= 22:
                son_age = age
                if len(members) < size and rng.random() < 0.7:
                    members.append(self._member(household_id, people.surname() + people.given("女"),
                                                "女", age + rng.randint(-3, 2), "之儿媳", ethnicity))
            if son_age and len(members) < size and son_age >= 24:
                sex = "男" if rng.random() < 0.52 else "女"
                age = rng.randint(0, min(son_age - 20, 15))
                members.append(self._member(household_id, child_surname + people.given(sex), sex,
                                            age, "之孙子" if sex == "男" else "之孙女", ethnicity))
        if len(members) < size:  # an elderly head with no children at home: a grandchild
            sex = "男" if rng.random() < 0.5 else "女"
            members.append(self._member(household_id, child_surname + people.given(sex), sex,
                                        rng.randint(3, 15), "之孙子" if sex == "男" else "之孙女",
                                        ethnicity))
        if head_age > 70 and rng.random() < 0.03:
            members[0]["status"] = _code(C.MEMBER_STATUS, "死亡")
            members[0]["status_date"] = self.as_of - timedelta(days=rng.randrange(30, 400))
            members[0]["status_reason"] = "病故"
        return members, head_age

    def _causes(self, members: list[dict]) -> tuple[str, list[str]]:
        rng = self.rng
        backed = []
        healths = {m["health"] for m in members}
        if _health("患有大病") in healths or _health("长期慢性病") in healths:
            backed.append("因病")
        if _health("残疾") in healths:
            backed.append("因残")
        if any(m.get("schooling") and m["schooling"] >= _code(C.SCHOOLING, "七年级") for m in members):
            backed.append("因学")
        able = sum(m["labour"] in (_code(C.LABOUR, "普通劳动力"), _code(C.LABOUR, "技能劳动力"))
                   for m in members)
        others = [c for c in OTHER_CAUSES if c != "缺劳力" or able < 2]
        main = backed[0] if backed and rng.random() < 0.8 else rng.choice(others)
        pool = [c for c in backed + others if c != main]
        extra = rng.sample(pool, k=min(len(pool), rng.choice([0, 0, 1, 1, 2])))
        return _code(C.CAUSE, main), [_code(C.CAUSE, c) for c in extra]

    def _household(self, village: dict, counter: int) -> dict:
        rng = self.rng
        hid = self._uuid()
        members, head_age = self._family(hid)
        status_label = rng.choices(list(STATUS_WEIGHTS), list(STATUS_WEIGHTS.values()))[0]
        identified = rng.randint(2014, 2019) if status_label != "新识别贫困户" else self.as_of.year
        h = {
            "id": hid, "village_id": village["id"],
            "code": format_household_code(village["code"], 1, counter),
            "group_id": rng.choice(village["_groups"])["id"],
            "phone": self._mobile() if rng.random() < 0.9 else None,
            "bank": rng.choice(BANKS), "bank_account": self._bank_account(),
            "standard": C.STANDARD.codes()[0],
            "identified_year": identified,
        }
        if len(members) == 1 and head_age >= 65 and rng.random() < 0.5:
            category = "特困供养贫困户"
        else:
            category = "低保贫困户" if rng.random() < 0.2 else "一般贫困户"
        if category == "低保贫困户":
            members[0]["dibao"] = True
        if category == "特困供养贫困户":
            members[0]["tekun"] = True
        h["main_cause"], other = self._causes(members)
        h["other_causes"] = ",".join(sorted(other)) or None
        if status_label == "_monitor":
            h["category"] = _code(C.CATEGORY, "一般农户")
            h["status"] = None
            h["identified_year"] = None
            h["monitoring_type"] = _code(C.MONITORING_TYPE, "边缘易致贫户")
        else:
            h["category"] = _code(C.CATEGORY, category)
            h["status"] = _code(C.HOUSEHOLD_STATUS, status_label)
            h["planned_exit_year"] = min(2020, identified + rng.randint(1, 4))
        if status_label in ("已脱贫", "返贫", "注销"):
            h["exit_year"] = max(identified + 1, rng.randint(2016, 2020)) if status_label != "注销" else None
            h["exit_year"] = min(h["exit_year"], 2020) if h["exit_year"] else None
        if status_label == "已脱贫" and rng.random() < 0.04:
            h["monitoring_type"] = _code(C.MONITORING_TYPE, "脱贫不稳定户")
        if h.get("monitoring_type"):
            h["risk_status"] = _code(C.RISK_STATUS, "风险未消除" if rng.random() < 0.6 else "风险已消除")
            h["risk_identified_on"] = self.as_of - timedelta(days=rng.randrange(60, 700))
            if h["risk_status"] == _code(C.RISK_STATUS, "风险已消除"):
                h["risk_cleared_on"] = h["risk_identified_on"] + timedelta(days=rng.randrange(30, 59))
        h["_members"] = members
        h["_status"] = status_label
        return h

    def _conditions(self, h: dict) -> dict:
        rng = self.rng
        unsafe = rng.random() < 0.03
        safety = rng.choice(["C级危房", "D级危房"]) if unsafe else rng.choice(["A级", "B级"])
        rebuilt = unsafe and h["_status"] == "已脱贫"
        difficult = rng.random() < 0.03
        return {
            "id": self._uuid(), "household_id": h["id"], "year": self.as_of.year,
            "arable_mu": Decimal(rng.randrange(0, 80)) / 10, "irrigated_mu": Decimal(rng.randrange(0, 30)) / 10,
            "forest_mu": Decimal(rng.randrange(0, 200)) / 10, "cooperative": rng.random() < 0.3,
            "household_power": True, "production_power": rng.random() < 0.7,
            "road_distance_km": Decimal(rng.randrange(0, 50)) / 10,
            "road_type": _code(C.ROAD_TYPE, rng.choices(["水泥路", "砂石路", "泥土路"], [75, 15, 10])[0]),
            "house_area_m2": Decimal(rng.randrange(40, 180)), "house_safety": _code(C.HOUSE_SAFETY, safety),
            "house_rebuilt": rebuilt, "relocated": rng.random() < 0.05,
            "house_safe": not unsafe or rebuilt, "water_difficult": difficult,
            "water_safe": not difficult,
            "fuel": _code(C.FUEL, rng.choices(["柴草", "清洁能源", "煤炭"], [50, 45, 5])[0]),
            "sanitary_toilet": rng.random() < 0.85, "radio_tv": rng.random() < 0.97,
            "broadband": rng.random() < 0.6,
            # 不愁吃/不愁穿 checked on the demo's reference date (no random draw: the demo stays the same)
            "food_secure": True, "clothing_secure": True, "food_clothing_checked_on": self.as_of,
        }

    def _incomes(self, h: dict, size: int) -> list[dict]:
        rng = self.rng
        rows = []
        target = {"已脱贫": 9000, "未脱贫": 3600, "预脱贫": 6000, "返贫": 3400, "新识别贫困户": 3200,
                  "注销": 12000, "_monitor": 5500}[h["_status"]]
        for year in (self.as_of.year - 1, self.as_of.year):
            pc = max(800.0, rng.lognormvariate(0, 0.35) * target)
            net = Decimal(round(pc * max(size, 1)))
            transfers_items = {
                "family_planning": Decimal(rng.choice([0, 0, 0, 960])),
                "dibao_money": Decimal(3600 if h["category"] == _code(C.CATEGORY, "低保贫困户") else 0),
                "tekun_money": Decimal(6000 if h["category"] == _code(C.CATEGORY, "特困供养贫困户") else 0),
                "pension_money": Decimal(rng.choice([0, 1400, 2800])),
                "eco_compensation": Decimal(rng.choice([0, 0, 300, 10000 if rng.random() < 0.05 else 0])),
                "other_transfers": Decimal(rng.randrange(0, 600)),
            }
            transfers = sum(transfers_items.values(), Decimal(0))
            costs = Decimal(rng.randrange(0, 3000))
            rest = max(Decimal(0), net - transfers + costs)
            business = (rest * Decimal(rng.randrange(15, 45)) / 100).quantize(Decimal(1))
            prop = Decimal(rng.choice([0, 0, 200, 500]))
            if business < costs:
                costs = business
            wages = max(Decimal(0), net - transfers + costs - business - prop)
            rows.append({
                "id": self._uuid(), "household_id": h["id"], "year": year, "wages": wages,
                "business": business, "property": prop, "transfers": transfers,
                "business_costs": costs, "household_size": size, **transfers_items,
            })
        return rows

    def _assistance(self, h: dict, helper: dict, helpers: list[dict]) -> dict[str, list[dict]]:
        rng = self.rng
        out = {"assignment": [], "plan": [], "measure": [], "loan": [], "visit": []}
        start = date(h["identified_year"] or 2019, rng.randint(1, 12), 1)
        if rng.random() < 0.1:
            previous = rng.choice(helpers)
            switch = start + timedelta(days=rng.randrange(200, 900))
            out["assignment"].append({"id": self._uuid(), "household_id": h["id"],
                                      "helper_id": previous["id"], "start_date": start,
                                      "end_date": switch})
            start = switch
        out["assignment"].append({"id": self._uuid(), "household_id": h["id"],
                                  "helper_id": helper["id"], "start_date": start})
        if h["_status"] == "注销":
            return out
        year = self.as_of.year
        types = rng.sample(list(MEASURE_CONTENT), k=rng.randint(1, 3))
        out["plan"].append({"id": self._uuid(), "household_id": h["id"], "year": year,
                            "goal": "稳定增收，巩固脱贫成果" if h.get("exit_year") else "当年实现脱贫",
                            "main_measures": "、".join(types),
                            "expected_increase": Decimal(rng.randrange(10, 60) * 100)})
        for t in types:
            out["measure"].append({
                "id": self._uuid(), "household_id": h["id"], "year": rng.choice([year - 1, year]),
                "type": _code(C.MEASURE_TYPE, t), "content": MEASURE_CONTENT[t],
                "amount": Decimal(rng.randrange(5, 100) * 100),
                "source": C.FUND_SOURCE.codes()[rng.choices(range(4), [70, 10, 15, 5])[0]],
                "status": _code(C.MEASURE_STATUS, rng.choices(["已落实", "实施中", "计划"], [70, 20, 10])[0]),
            })
        if rng.random() < 0.15:
            out["loan"].append({
                "id": self._uuid(), "household_id": h["id"], "amount": Decimal(rng.choice([10000, 20000, 30000, 50000])),
                "bank": rng.choice(BANKS), "start_date": date(rng.randint(2016, 2020), rng.randint(1, 12), 1),
                "term_months": rng.choice([12, 24, 36]), "purpose": rng.choice(["养殖", "种植", "小商店"]),
            })
        # Monthly visits over the last six months, with gaps.
        for back in range(6):
            month_start = (self.as_of.replace(day=1) - timedelta(days=back * 30)).replace(day=1)
            if rng.random() < (0.55 if back == 0 else 0.85):
                last_day = self.as_of.day if back == 0 else 28
                day = month_start + timedelta(days=rng.randrange(last_day))
                changes = rng.sample(["人口", "健康", "就业", "上学", "住房", "收入"], k=rng.choice([0, 0, 1, 2]))
                out["visit"].append({
                    "id": self._uuid(), "household_id": h["id"], "visit_date": day,
                    "helper_id": helper["id"], "visitors": helper["name"],
                    "kind": _code(C.VISIT_KIND, rng.choices(["入户走访", "电话走访", "集中走访"], [80, 15, 5])[0]),
                    "met_person": h["_members"][0]["name"],
                    "changes": C.encode_set(C.VISIT_CHANGE, changes) or None,
                    "problems": rng.choice(PROBLEMS), "next_steps": rng.choice(NEXT_STEPS),
                    "measures_progress": "措施已按计划落实",
                })
        return out

    # --- driver -------------------------------------------------------------------------------

    def batches(self):
        """Yield ("regions", rows) once, then one {table: rows} dict per village."""
        sizes = self._plan_villages()
        villages = self._make_regions(sizes)
        yield "regions", villages
        for village, size in zip(villages["village_rows"], sizes):
            yield "village", self._village_batch(village, size)

    def _village_batch(self, village: dict, size: int) -> dict[str, list[dict]]:
        rng = self.rng
        helpers, slots = [], []
        while len(slots) < size:  # each helper looks after 5–10 households
            helper = {"id": self._uuid(), "name": self.people.surname() + self.people.given(rng.choice("男女")),
                      "unit": rng.choice(UNITS), "post": rng.choice(POSTS), "phone": self._mobile()}
            helpers.append(helper)
            slots += [helper] * rng.randint(5, 10)
        rng.shuffle(slots)
        out: dict[str, list[dict]] = {k: [] for k in TABLES}
        out["helper"] = helpers
        for counter in range(1, size + 1):
            h = self._household(village, counter)
            members = h["_members"]
            live = sum(m["status"] == _code(C.MEMBER_STATUS, "正常") for m in members)
            out["member"].extend(members)
            out["conditions"].append(self._conditions(h))
            out["income"].extend(self._incomes(h, live))
            for k, rows in self._assistance(h, slots[counter - 1], helpers).items():
                out[k].extend(rows)
            out["household"].append({k: v for k, v in h.items() if not k.startswith("_")})
        return out
