import pytest

from app.domain import codes
from app.domain.codes import ALL, CodeItem, CodeList, category_display, decode_set, encode_set, set_labels
from app.domain.errors import DomainError

REQUIRED = [
    "HOUSEHOLD_STATUS", "CATEGORY", "STANDARD", "CAUSE", "RELATION", "ETHNICITY", "POLITICAL", "EDUCATION",
    "SCHOOLING", "HEALTH", "DISABILITY_KIND", "DISABILITY_GRADE", "LABOUR", "WORK", "MEMBER_STATUS",
    "YES_NO", "MONITORING_TYPE", "RISK_STATUS", "ROAD_TYPE", "HOUSE_SAFETY", "FUEL", "MEASURE_TYPE",
    "FUND_SOURCE", "MEASURE_STATUS", "VISIT_KIND", "VISIT_CHANGE", "USER_ROLE",
]
LISTS = list(ALL.values())


def test_every_list_is_exported_and_in_all():
    for name in REQUIRED:
        cl = getattr(codes, name)
        assert ALL[cl.key] is cl
    assert len(ALL) == len(REQUIRED)


@pytest.mark.parametrize("cl", LISTS, ids=lambda cl: cl.key)
def test_codes_and_labels_unique(cl):
    assert len(set(cl.codes())) == len(cl)
    assert len(set(cl.labels())) == len(cl)
    assert cl.title and cl.key.isidentifier()
    assert all(isinstance(item, CodeItem) for item in cl)


@pytest.mark.parametrize("cl", LISTS, ids=lambda cl: cl.key)
def test_round_trip_code_label_synonym(cl):
    for item in cl:
        assert cl.code(item.code) == item.code
        assert cl.code(item.label) == item.code
        assert cl.label(item.code) == item.label
        assert item.code in cl
        assert item.label not in cl or item.label == item.code
    for text, code in cl.synonyms.items():
        assert cl.code(text) == code


@pytest.mark.parametrize("cl", [cl for cl in LISTS if cl is not codes.ETHNICITY and cl is not codes.YES_NO],
                         ids=lambda cl: cl.key)
def test_ordinal_codes(cl):
    assert cl.codes() == [f"{i:02d}" for i in range(1, len(cl) + 1)]


def test_list_sizes_and_order():
    assert codes.HOUSEHOLD_STATUS.labels() == ["新识别贫困户", "未脱贫", "预脱贫", "已脱贫", "返贫", "注销"]
    assert len(codes.RELATION) == 28
    assert codes.RELATION.labels()[0] == "户主" and codes.RELATION.labels()[-1] == "其他"
    assert len(codes.CAUSE) == 14
    assert len(codes.MEASURE_TYPE) == 13
    assert codes.HEALTH.labels() == ["长期慢性病", "患有大病", "残疾", "健康"]
    assert codes.DISABILITY_GRADE.labels() == ["一级", "二级", "三级", "四级"]
    assert codes.MEMBER_STATUS.labels() == ["正常", "死亡", "迁出", "婚出", "服刑", "其他减少"]
    assert codes.USER_ROLE.labels() == ["管理员", "录入员", "查看"]
    assert [(i.code, i.label) for i in codes.YES_NO] == [("1", "是"), ("0", "否")]


def test_ethnicity_uses_gb3304():
    e = codes.ETHNICITY
    assert e.label("01") == "汉族"
    assert e.label("08") == "壮族"
    assert e.label("56") == "基诺族"
    assert e.label("97") == "其他"
    assert len([c for c in e.codes() if int(c) <= 56]) == 56
    for text in ("穿青人", "革家人", "未识别民族"):
        assert e.code(text) == "97"
    assert e.code("汉") == "01"
    assert e.code("1") == "01"  # Excel dropped the leading zero
    assert e.find("火星族") is None


def test_schooling_graded_list():
    s = codes.SCHOOLING
    labels = s.labels()
    assert labels[:3] == ["学龄前儿童", "学前教育", "小学"]
    assert labels[3:9] == [f"小学{n}年级" for n in "一二三四五六"]
    assert labels[9:12] == ["七年级", "八年级", "九年级"]
    assert labels[30] == "硕士研究生及以上"
    assert labels[31:] == list(codes.UNGRADED_LEVELS)  # appended: the older codes keep their numbers
    assert "技师学院四年级" in labels and "本科五年级" in labels and "中职三年级" in labels
    assert len(labels) == 36
    for text, label in [("初中", "初中（年级不详）"), ("高中", "普通高中（年级不详）"), ("中职", "中职（年级不详）"),
                        ("小学", "小学")]:
        assert s.label(s.code(text)) == label, text
        assert codes.attends_school(s.code(text))
    assert codes.is_not_a_pupil("非在校生") and s.find("非在校生") is None
    for text, label in [("初一", "七年级"), ("初中二年级", "八年级"), ("初三", "九年级"), ("高一", "普通高中一年级"),
                        ("高中三年级", "普通高中三年级"), ("三年级", "小学三年级"), ("中专二年级", "中职二年级"),
                        ("大专一年级", "高职高专一年级"), ("大四", "本科四年级"), ("幼儿园", "学前教育"),
                        ("研究生", "硕士研究生及以上")]:
        assert s.label(s.code(text)) == label, text


@pytest.mark.parametrize(
    ("cl", "text", "label"),
    [
        (codes.HOUSEHOLD_STATUS, "拟退出", "预脱贫"),
        (codes.HOUSEHOLD_STATUS, "清退", "注销"),
        (codes.HOUSEHOLD_STATUS, "自然减少", "注销"),
        (codes.CATEGORY, "五保户", "特困供养贫困户"),
        (codes.CATEGORY, "五保贫困户", "特困供养贫困户"),
        (codes.CATEGORY, "扶贫低保户", "低保贫困户"),
        (codes.CATEGORY, "低保兜底户", "低保贫困户"),
        (codes.CATEGORY, "低保(部分)贫困户", "低保贫困户"),
        (codes.CATEGORY, "低保（全家）贫困户", "低保贫困户"),
        (codes.CATEGORY, "特困供养脱贫户", "特困供养贫困户"),
        (codes.CAUSE, "缺劳动力", "缺劳力"),
        (codes.CAUSE, "因病致贫", "因病"),
        (codes.CAUSE, "缺劳动力致贫", "缺劳力"),
        (codes.CAUSE, "交通条件落后致贫", "交通条件落后"),
        (codes.CAUSE, "其它", "其他"),
        (codes.HEALTH, "常见慢性病", "长期慢性病"),
        (codes.HEALTH, "特殊慢性病", "长期慢性病"),
        (codes.HEALTH, "重大疾病", "患有大病"),
        (codes.HEALTH, "大病", "患有大病"),
        (codes.YES_NO, "Y", "是"),
        (codes.YES_NO, "n", "否"),
        (codes.YES_NO, "有", "是"),
        (codes.YES_NO, "无", "否"),
        (codes.YES_NO, "TRUE", "是"),
        (codes.YES_NO, "false", "否"),
        (codes.HOUSE_SAFETY, "C级", "C级危房"),
        (codes.HOUSE_SAFETY, "Ｄ级", "D级危房"),
        (codes.RELATION, "儿媳", "之儿媳"),
        (codes.RELATION, "妻子", "配偶"),
        (codes.WORK, "乡(镇)内务工", "乡（镇）内务工"),
        (codes.WORK, " 省外务工 ", "省外务工"),
        (codes.DISABILITY_KIND, "肢体残疾", "肢体"),
        (codes.DISABILITY_GRADE, "二级残疾", "二级"),
        (codes.DISABILITY_GRADE, "3级", "三级"),
        (codes.LABOUR, "弱劳动力", "弱劳动力或半劳动力"),
        (codes.MEASURE_TYPE, "雨露计划", "教育扶持（资助/雨露计划）"),
        (codes.MEASURE_TYPE, "扶贫小额信贷", "金融扶贫（扶贫小额信贷）"),
        (codes.MEASURE_TYPE, "就业扶持(含公益岗位)", "就业扶持（含公益岗位）"),
        (codes.VISIT_CHANGE, "收入变化", "收入"),
        (codes.EDUCATION, "文盲", "文盲或半文盲"),
        (codes.POLITICAL, "党员", "中共党员"),
    ],
)
def test_import_synonyms(cl, text, label):
    assert cl.label(cl.code(text)) == label


def test_unknown_values():
    with pytest.raises(DomainError) as info:
        codes.HOUSEHOLD_STATUS.code(" 不知道 ")
    assert info.value.field == "户状态"
    assert str(info.value) == "户状态不在代码表中：不知道"
    with pytest.raises(DomainError, match="户状态"):
        codes.HOUSEHOLD_STATUS.label("99")
    assert codes.CAUSE.find("致贫") is None
    assert codes.CAUSE.find("") is None
    assert codes.CAUSE.find(None) is None
    assert "99" not in codes.CAUSE
    assert codes.HOUSEHOLD_STATUS.find("7") is None


def test_conflicting_synonym_is_a_programming_error():
    with pytest.raises(ValueError):
        CodeList("x", "测试", ["甲", "乙"], synonyms={"甲": "乙"})
    with pytest.raises(ValueError):
        CodeList("x", "测试", ["甲", "乙"], synonyms={"丙": "丁"})


def test_category_display():
    assert category_display("01", exited=False) == "一般贫困户"
    assert category_display("01", exited=True) == "一般脱贫户"
    assert category_display("低保贫困户", exited=True) == "低保脱贫户"
    assert category_display("五保户", exited=True) == "特困供养脱贫户"
    assert category_display("一般农户", exited=True) == "一般农户"


def test_set_encode_decode():
    h = codes.HEALTH
    assert encode_set(h, ["残疾", "长期慢性病"]) == "01,03"
    assert encode_set(h, "残疾，长期慢性病") == "01,03"
    assert encode_set(h, ["03", "01", "残疾"]) == "01,03"
    assert encode_set(h, []) == ""
    assert encode_set(h, None) == ""
    assert encode_set(h, "") == ""
    assert decode_set(h, "01,03") == ["01", "03"]
    assert decode_set(h, "残疾、特殊慢性病 重大疾病/残疾") == ["01", "02", "03"]
    assert decode_set(h, "") == [] and decode_set(h, None) == []
    assert decode_set(h, "健康") == ["04"]
    assert set_labels(h, "03,01") == "长期慢性病,残疾"
    assert encode_set(codes.CAUSE, "因病致贫;缺劳动力") == "01,08"
    assert encode_set(codes.VISIT_CHANGE, ["收入", "人口"]) == "01,06"


def test_health_cannot_combine_healthy():
    with pytest.raises(DomainError, match="健康") as info:
        encode_set(codes.HEALTH, ["健康", "残疾"])
    assert info.value.field == "健康状况"
    with pytest.raises(DomainError):
        decode_set(codes.HEALTH, "健康,长期慢性病")


def test_set_with_unknown_value():
    with pytest.raises(DomainError, match="健康状况不在代码表中：感冒"):
        decode_set(codes.HEALTH, "残疾,感冒")


def test_helpers():
    assert codes.attends_school(codes.SCHOOLING.code("七年级"))
    assert not codes.attends_school(codes.SCHOOLING.code("学龄前儿童"))
    assert not codes.attends_school(None) and not codes.attends_school("")
    assert codes.UNSAFE_HOUSE == {codes.HOUSE_SAFETY.code("C级"), codes.HOUSE_SAFETY.code("D级")}
    assert codes.RELATION_SEX[codes.RELATION.code("之子")] == "男"
    assert codes.RELATION_SEX[codes.RELATION.code("之儿媳")] == "女"
    assert codes.RELATION.code("户主") not in codes.RELATION_SEX
    assert codes.RELATION.code("之兄弟姐妹") not in codes.RELATION_SEX
