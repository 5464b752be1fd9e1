"""Small factories of printable data: realistic Chinese names, valid-looking ID numbers.

Deterministic (seeded by the index) so tests and the benchmark see the same data every run.
"""

from __future__ import annotations

import random
from datetime import date
from decimal import Decimal

from app.domain.idcard import check_char
from app.printing.data import (
    ExitFormData,
    HelperData,
    HouseholdCardData,
    IncomeData,
    IncomeLine,
    Indicator,
    LoanRow,
    MeasureRow,
    MemberRegisterRow,
    MemberRow,
    NoticeData,
    NoticeRow,
    PlanData,
    RegionHeader,
    RegisterData,
    RegisterRow,
    StepRow,
    VisitFormData,
    VisitRow,
)

VILLAGE_CODE = "450981104201"
SURNAMES = "王李张刘陈杨黄赵吴周徐孙马朱胡郭何高林罗梁韦覃莫蒙"
GIVEN_M = ["建国", "志强", "德华", "永福", "海生", "文军", "光明", "春生", "家宝", "国庆", "小龙", "宇航"]
GIVEN_F = ["秀英", "桂兰", "玉梅", "丽华", "春燕", "美玲", "海燕", "小红", "金凤", "雪梅", "欣怡", "梓涵"]
CATEGORIES = ["一般贫困户", "低保贫困户", "特困供养贫困户"]
CAUSES = ["因病", "因残", "因学", "缺劳力", "缺资金", "缺技术", "交通条件落后", "自身发展动力不足"]
STATUSES = ["未脱贫", "已脱贫", "预脱贫"]


def header(village: str = "兴上村", code: str = VILLAGE_CODE) -> RegionHeader:
    return RegionHeader(
        province="广西壮族自治区", prefecture="玉林市", county="北流市", township="民安镇", village=village,
        village_code=code,
    )  # fmt: skip


def id_number(birth: date, seq: int, male: bool, area: str = "450981") -> str:
    seq3 = seq % 500 * 2 + (1 if male else 0)
    first17 = f"{area}{birth:%Y%m%d}{seq3:03d}"
    return first17 + check_char(first17)


def name(rng: random.Random, male: bool) -> str:
    return rng.choice(SURNAMES) + rng.choice(GIVEN_M if male else GIVEN_F)


def household_code(i: int) -> str:
    return f"{VILLAGE_CODE}-01-{i + 1:04d}"


def group(i: int, groups: int = 8) -> str:
    return f"{i % groups + 1:02d}组"


def phone(i: int) -> str:
    return f"138{i:08d}"


def members(i: int, size: int | None = None) -> list[MemberRow]:
    rng = random.Random(i)
    size = size or rng.randint(1, 6)
    out = []
    for k in range(size):
        male = k == 0 or rng.random() < 0.5
        born = date(1950 + rng.randint(0, 60), rng.randint(1, 12), rng.randint(1, 28))
        pupil = born.year > 2004
        out.append(
            MemberRow(
                name=name(rng, male), sex="男" if male else "女", id_number=id_number(born, i * 7 + k, male),
                relation="户主" if k == 0 else rng.choice(["配偶", "之子", "之女", "之母"]), ethnicity=rng.choice(["汉族", "壮族"]),
                education="" if pupil else rng.choice(["小学", "初中", "高中"]), schooling="七年级" if pupil else "",
                health=rng.choice(["健康", "健康", "长期慢性病", "残疾,长期慢性病"]),
                labour="无劳动力" if pupil else rng.choice(["普通劳动力", "弱劳动力或半劳动力"]),
                work=rng.choice(["省外务工", "县外省内务工", "未务工"]), work_months=rng.randint(0, 12),
                medical="是", pension="是" if not pupil else "否",
            )  # fmt: skip
        )
    return out


def register_row(i: int) -> RegisterRow:
    rng = random.Random(i)
    head = members(i)[0]
    status = rng.choice(STATUSES)
    return RegisterRow(
        group=group(i), code=household_code(i), head_name=head.name, head_id=head.id_number, size=rng.randint(1, 6),
        category=rng.choice(CATEGORIES), main_cause=rng.choice(CAUSES), identified_year=2014 + rng.randint(0, 3),
        status=status, exit_year=2019 if status == "已脱贫" else None,
        per_capita=Decimal(rng.randint(250000, 900000)) / 100, helper=name(rng, True), phone=phone(i),
        note="易地扶贫搬迁" if i % 17 == 0 else "",
    )  # fmt: skip


def register(n: int, per_member: bool = False, village: str = "兴上村") -> RegisterData:
    rows = [register_row(i) for i in range(n)]
    member_rows = []
    if per_member:
        member_rows = [
            MemberRegisterRow(group=group(i), household_code=household_code(i), member=m)
            for i in range(n) for m in members(i)
        ]  # fmt: skip
    return RegisterData(
        header=header(village), year=2020, rows=[] if per_member else rows, per_member=per_member,
        member_rows=member_rows, made_by="覃丽华", checked_by="韦志强", date=date(2020, 6, 30),
    )  # fmt: skip


def income(size: int) -> IncomeData:
    lines = [
        IncomeLine(label="工资性收入", amount=Decimal("12000.00")),
        IncomeLine(label="生产经营性收入", amount=Decimal("6500.00")),
        IncomeLine(label="财产性收入", amount=Decimal("300.00")),
        IncomeLine(label="转移性收入", amount=Decimal("3260.00")),
        IncomeLine(label="其中：低保金", amount=Decimal("2760.00"), level=1),
        IncomeLine(label="其中：养老保险金", amount=Decimal("500.00"), level=1),
        IncomeLine(label="生产经营性支出", amount=Decimal("2500.00")),
    ]
    net = Decimal("19560.00")
    return IncomeData(
        year=2020, lines=lines, net_income=net, size=size, per_capita=(net / size).quantize(Decimal("0.01")),
        line_text="2020年国家扶贫标准 4000元", result="达标" if net / size > 4000 else "未达标",
    )  # fmt: skip


VISIT_NOTE = "了解家庭收入和务工情况，宣传健康扶贫政策；户主慢性病用药正常。"


def measure(kind: str, content: str, amount: str | None, status: str) -> MeasureRow:
    return MeasureRow(
        kind=kind, content=content, year=2020, amount=Decimal(amount) if amount else None, source="财政资金", status=status
    )


def card(i: int = 0, visits: int = 3) -> HouseholdCardData:
    rng = random.Random(i)
    ms = members(i)
    helper = HelperData(
        name=name(rng, True), unit="北流市农业农村局", post="科员", phone="13907751234", start=date(2016, 3, 1)
    )
    return HouseholdCardData(
        header=header(), code=household_code(i), year=2020, head_name=ms[0].name, head_id=ms[0].id_number,
        group=group(i), phone=phone(i), size=len(ms), category=rng.choice(CATEGORIES), status="已脱贫",
        standard="国家标准", main_cause="因病", other_causes="缺技术、缺资金", identified_year=2015,
        planned_exit_year=2019, exit_year=2019, members=ms,
        conditions=[
            ("耕地面积（亩）", "3.5"), ("有效灌溉面积（亩）", "2.0"), ("林地面积（亩）", "10"), ("住房面积（平方米）", "96"),
            ("住房安全等级", "A级"), ("是否通生活用电", "是"), ("饮水是否安全", "是"), ("入户路类型", "水泥路"),
            ("与村主干路距离（公里）", "0.5"), ("主要燃料类型", "柴草"), ("是否有卫生厕所", "是"), ("是否通宽带", "否"),
        ],
        income=income(len(ms)),
        plan=PlanData(
            year=2020, goal="巩固脱贫成果，人均纯收入稳定超过扶贫标准", measures="发展养殖，外出务工，健康扶贫",
            expected=Decimal("3000"),
        ),
        measures=[
            measure("产业扶持", "发放鸡苗200羽及饲料补助", "2000", "已落实"),
            measure("就业扶持（含公益岗位）", "安排村保洁员公益岗位", "6000", "实施中"),
            measure("健康扶贫", "慢性病门诊报销、家庭医生签约服务", None, "已落实"),
        ],
        loans=[LoanRow(amount=Decimal("50000"), bank="北流市农村信用合作联社", start=date(2018, 4, 2), term="3年", repaid="已还清")],
        helper=helper,
        helper_history=[
            HelperData(name="李德华", unit="民安镇人民政府", post="副镇长", phone="13977561234", start=date(2015, 1, 5),
                       end=date(2016, 2, 28)),
        ],
        visits=[
            VisitRow(date=date(2019 + m // 12, m % 12 + 1, 10), visitor=helper.name, kind="入户走访", summary=VISIT_NOTE)
            for m in range(visits)
        ],
        exit_steps=[
            StepRow(step="入户核查测算", date=date(2019, 9, 2), by="驻村工作队", result="人均纯收入超过标准"),
            StepRow(step="村民代表大会民主评议", date=date(2019, 9, 20), by="兴上村", result="同意退出"),
            StepRow(step="村内公示（7天）", date=date(2019, 10, 8), by="兴上村", result="无异议"),
        ],
        policies=["城乡居民医保个人缴费资助", "低保金每月230元", "雨露计划"],
        supervision_phone="0775-12317",
    )  # fmt: skip


def notice(n: int = 12, kind: str = "identify", announcement: bool = False) -> NoticeData:
    rows = []
    for i in range(n):
        r = register_row(i)
        rows.append(
            NoticeRow(
                group=r.group, head_name=r.head_name, size=r.size, id_number=r.head_id, main_cause=r.main_cause,
                per_capita=r.per_capita, monitor_type="边缘易致贫户", risk="因病", phone=r.phone,
            )  # fmt: skip
        )
    return NoticeData(
        kind=kind, header=header(), rows=rows, period_from=date(2020, 3, 1), period_to=date(2020, 3, 7),
        supervision_phone="0775-6812317", objection_place="兴上村村民委员会办公室", date=date(2020, 3, 1), year=2020,
        announcement=announcement,
    )  # fmt: skip


def visit_form(filled: bool = True) -> VisitFormData:
    base = dict(
        header=header(), household_code=household_code(0), head_name="王建国", group="01组", phone=phone(0), helper="李志强"
    )
    if not filled:
        return VisitFormData(**base)
    return VisitFormData(
        **base, date=date(2020, 5, 12), visitors="李志强、覃丽华", kind="入户走访", met="户主王建国、配偶陈秀英",
        changes=[("人口", "无变化"), ("健康", "户主高血压，按时服药"), ("就业", "儿子在广东务工，月收入约4000元"), ("上学", "孙女读七年级")],
        problems="希望扩大养鸡规模，缺少资金。", progress="鸡苗和饲料补助已发放；公益岗位工资按月发放。",
        next_steps="协助申请扶贫小额信贷；下月再次走访。",
    )  # fmt: skip


def exit_form() -> ExitFormData:
    return ExitFormData(
        header=header(), household_code=household_code(0), head_name="王建国", year=2019, group="01组", size=4,
        category="一般贫困户", identified_year=2015, per_capita=Decimal("4890.00"), line_text="2019年国家扶贫标准 3218元",
        profile="国家标准（两不愁三保障）",
        indicators=[
            Indicator(name="人均纯收入稳定超过扶贫标准", figure="4890.00元 > 3218元", passed=True),
            Indicator(name="不愁吃", figure="是", passed=True),
            Indicator(name="不愁穿", figure="是", passed=True),
            Indicator(name="义务教育有保障", figure="无6–15岁失学辍学儿童", passed=True),
            Indicator(name="基本医疗有保障", figure="4人全部参加基本医疗保险和大病保险", passed=True),
            Indicator(name="住房安全有保障", figure="A级", passed=True),
            Indicator(name="饮水安全有保障", figure="否（水量不达标）", passed=False),
        ],
        date=date(2019, 10, 15),
    )  # fmt: skip
