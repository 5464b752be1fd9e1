"""The code lists of the household record (domain.md §3, §5, §6).

The database stores the short code; screens and prints show the label. Import accepts a label, a code
or one of the spellings seen in real exports (the synonyms), so every list carries its own synonyms.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Iterator
from typing import NamedTuple

from app.domain.errors import DomainError
from app.domain.text import squeeze


class CodeItem(NamedTuple):
    code: str
    label: str


def _key(text: object) -> str:
    """The lookup form of a text: half-width, no blanks, case-folded, 其它 spelled 其他."""
    return squeeze(text).casefold().replace("其它", "其他")


class CodeList:
    """One code list: ordered items plus the synonyms import accepts."""

    def __init__(
        self,
        key: str,
        title: str,
        labels: Iterable[str],
        *,
        codes: Iterable[str] | None = None,
        synonyms: dict[str, str] | None = None,
        strip_suffixes: tuple[str, ...] = (),
        exclusive: str | None = None,
    ) -> None:
        labels = list(labels)
        codes = list(codes) if codes is not None else [f"{i:02d}" for i in range(1, len(labels) + 1)]
        self.key = key
        self.title = title
        self.items: tuple[CodeItem, ...] = tuple(CodeItem(c, lab) for c, lab in zip(codes, labels, strict=True))
        self._labels = {item.code: item.label for item in self.items}
        # Suffixes dropped from the input when the whole text is not known ("因病致贫" → "因病").
        self._strip_suffixes = strip_suffixes
        self._index: dict[str, str] = {}
        for item in self.items:
            self._add(item.code, item.code)
            self._add(item.label, item.code)
        # Synonyms may name their target by label or by code.
        self.synonyms: dict[str, str] = {}
        for text, target in (synonyms or {}).items():
            code = self._index.get(_key(target))
            if code is None:
                raise ValueError(f"{key}: synonym {text!r} points to unknown {target!r}")
            self.synonyms[text] = code
            self._add(text, code)
        # A code that cannot be combined with any other in a set (健康 in 健康状况).
        self.exclusive = self.code(exclusive) if exclusive else None

    def _add(self, text: str, code: str) -> None:
        k = _key(text)
        if self._index.setdefault(k, code) != code:
            raise ValueError(f"{self.key}: {text!r} would mean two codes")

    def find(self, text: object) -> str | None:
        """The code for a code, label or synonym, or None."""
        k = _key(text)
        if not k:
            return None
        if k in self._index:
            return self._index[k]
        for suffix in self._strip_suffixes:
            if k.endswith(suffix) and k[: -len(suffix)] in self._index:
                return self._index[k[: -len(suffix)]]
        # Numeric codes lose their leading zero in Excel ("1" for "01").
        padded = k.zfill(len(self.items[0].code))
        return padded if k.isdigit() and padded in self._labels else None

    def code(self, label_or_code: object) -> str:
        """The code for a code, label or synonym; DomainError naming the list otherwise."""
        code = self.find(label_or_code)
        if code is None:
            text = "" if label_or_code is None else str(label_or_code).strip()
            raise DomainError(self.title, f"{self.title}不在代码表中：{text}")
        return code

    def label(self, code: object) -> str:
        """The label to show for a code (a label or synonym is accepted too)."""
        if code in self._labels:
            return self._labels[code]  # the fast path for stored codes
        return self._labels[self.code(code)]

    def codes(self) -> list[str]:
        return [item.code for item in self.items]

    def labels(self) -> list[str]:
        return [item.label for item in self.items]

    def __contains__(self, code: object) -> bool:
        return code in self._labels

    def __iter__(self) -> Iterator[CodeItem]:
        return iter(self.items)

    def __len__(self) -> int:
        return len(self.items)

    def __repr__(self) -> str:
        return f"CodeList({self.key!r}, {self.title!r}, {len(self.items)} items)"


# ---- multi-value fields (健康状况, 其他致贫原因, 家庭变化) -------------------------------------

_SET_SEPARATORS = re.compile(r"[,，、/;；\s]+")


def _checked_set(codelist: CodeList, codes: Iterable[str], shown: str) -> list[str]:
    result = sorted(set(codes))
    if codelist.exclusive in result and len(result) > 1:
        only = codelist.label(codelist.exclusive)
        raise DomainError(codelist.title, f"{codelist.title}为“{only}”时不能再填写其他情况：{shown}")
    return result


def decode_set(codelist: CodeList, text: object) -> list[str]:
    """Sorted codes from stored or typed text ("01,03", "残疾、长期慢性病"); "" gives []."""
    if text is None:
        return []
    parts = [p for p in _SET_SEPARATORS.split(str(text).strip()) if p]
    return _checked_set(codelist, (codelist.code(p) for p in parts), str(text).strip())


def encode_set(codelist: CodeList, values: Iterable[str] | str | None) -> str:
    """The stored form of a set: sorted codes joined by ","; nothing gives ""."""
    if values is None or isinstance(values, str):
        return ",".join(decode_set(codelist, values))
    values = list(values)
    codes = (codelist.code(v) for v in values)
    return ",".join(_checked_set(codelist, codes, ",".join(map(str, values))))


def set_labels(codelist: CodeList, text: object, sep: str = ",") -> str:
    """The labels of a stored set for display or export ("长期慢性病,残疾")."""
    return sep.join(codelist.label(c) for c in decode_set(codelist, text))


# ---- the lists ---------------------------------------------------------------------------------

HOUSEHOLD_STATUS = CodeList(
    "household_status",
    "户状态",
    ["新识别贫困户", "未脱贫", "预脱贫", "已脱贫", "返贫", "注销"],
    synonyms={"拟退出": "预脱贫", "脱贫": "已脱贫", "清退": "注销", "识别不准清退": "注销",
              "自然减少": "注销", "销户": "注销"},
)

CATEGORY = CodeList(
    "category",
    "贫困户属性",
    ["一般贫困户", "低保贫困户", "特困供养贫困户", "一般农户"],
    synonyms={
        "五保户": "特困供养贫困户",
        "五保贫困户": "特困供养贫困户",
        "特困供养户": "特困供养贫困户",
        "扶贫低保户": "低保贫困户",
        "低保兜底户": "低保贫困户",
        "低保(部分)贫困户": "低保贫困户",
        "低保(全家)贫困户": "低保贫困户",
        # the after-exit names of §3.1 appear in 已脱贫 lists
        "一般脱贫户": "一般贫困户",
        "低保脱贫户": "低保贫困户",
        "特困供养脱贫户": "特困供养贫困户",
    },
)

_EXITED_CATEGORY = {CATEGORY.code(name.replace("脱贫户", "贫困户")): name
                    for name in ("一般脱贫户", "低保脱贫户", "特困供养脱贫户")}


def category_display(category_code: str, exited: bool) -> str:
    """贫困户属性 as shown: a household that has exited is a 脱贫户 of the same kind."""
    code = CATEGORY.code(category_code)
    return _EXITED_CATEGORY.get(code, CATEGORY.label(code)) if exited else CATEGORY.label(code)


STANDARD = CodeList(
    "standard",
    "识别标准",
    ["国家标准", "省定标准", "市县自定标准"],
    synonyms={"国家": "国家标准", "省定": "省定标准", "省标准": "省定标准", "市县自定": "市县自定标准",
              "市县标准": "市县自定标准"},
)

CAUSE = CodeList(
    "cause",
    "致贫原因",
    ["因病", "因残", "因学", "因灾", "缺土地", "缺水", "缺技术", "缺劳力", "缺资金", "交通条件落后",
     "自身发展动力不足", "因婚", "因丧", "其他"],
    synonyms={"缺劳动力": "缺劳力", "交通落后": "交通条件落后", "自身发展力不足": "自身发展动力不足"},
    strip_suffixes=("致贫",),
)

_RELATION_LABELS = [
    "户主", "配偶", "之子", "之女", "之儿媳", "之女婿", "之孙子", "之孙女", "之外孙子", "之外孙女",
    "之父", "之母", "之岳父", "之岳母", "之公公", "之婆婆", "之祖父", "之祖母", "之外祖父", "之外祖母",
    "之兄弟姐妹", "之曾孙子", "之曾孙女", "之侄儿", "之侄女", "之兄弟媳妇", "之叔伯", "其他",
]
RELATION = CodeList(
    "relation",
    "与户主关系",
    _RELATION_LABELS,
    synonyms={
        # exports often drop the leading 之 ("儿媳" for "之儿媳")
        **{label[1:]: label for label in _RELATION_LABELS if label.startswith("之")},
        "本人": "户主", "妻子": "配偶", "丈夫": "配偶", "儿子": "之子", "女儿": "之女",
        "父亲": "之父", "母亲": "之母", "侄子": "之侄儿", "外孙": "之外孙子",
        "爷爷": "之祖父", "奶奶": "之祖母", "外公": "之外祖父", "外婆": "之外祖母",
    },
)

# The sex a relation implies (MB07: 之子 must be male...); 户主, 配偶, 兄弟姐妹, 其他 imply none.
_RELATION_SEX_BY_LABEL = {
    "男": ["之子", "之女婿", "之孙子", "之外孙子", "之父", "之岳父", "之公公", "之祖父", "之外祖父",
           "之曾孙子", "之侄儿", "之叔伯"],
    "女": ["之女", "之儿媳", "之孙女", "之外孙女", "之母", "之岳母", "之婆婆", "之祖母", "之外祖母",
           "之曾孙女", "之侄女", "之兄弟媳妇"],
}
RELATION_SEX: dict[str, str] = {
    RELATION.code(label): sex for sex, labels in _RELATION_SEX_BY_LABEL.items() for label in labels
}

_ETHNIC_GROUPS = [
    "汉族", "蒙古族", "回族", "藏族", "维吾尔族", "苗族", "彝族", "壮族", "布依族", "朝鲜族",
    "满族", "侗族", "瑶族", "白族", "土家族", "哈尼族", "哈萨克族", "傣族", "黎族", "傈僳族",
    "佤族", "畲族", "高山族", "拉祜族", "水族", "东乡族", "纳西族", "景颇族", "柯尔克孜族", "土族",
    "达斡尔族", "仫佬族", "羌族", "布朗族", "撒拉族", "毛南族", "仡佬族", "锡伯族", "阿昌族", "普米族",
    "塔吉克族", "怒族", "乌孜别克族", "俄罗斯族", "鄂温克族", "德昂族", "保安族", "裕固族", "京族", "塔塔尔族",
    "独龙族", "鄂伦春族", "赫哲族", "门巴族", "珞巴族", "基诺族",
]
# GB/T 3304: the 56 groups are 01–56; 97 其他 (undetermined groups such as 穿青人), 98 foreign origin.
ETHNICITY = CodeList(
    "ethnicity",
    "民族",
    [*_ETHNIC_GROUPS, "其他", "外国血统中国籍人士"],
    codes=[f"{i:02d}" for i in range(1, len(_ETHNIC_GROUPS) + 1)] + ["97", "98"],
    synonyms={
        **{name[:-1]: name for name in _ETHNIC_GROUPS},  # "汉" for "汉族"
        "蒙族": "蒙古族", "维族": "维吾尔族",
        "穿青人": "其他", "革家人": "其他", "未识别民族": "其他", "其他民族": "其他",
    },
)

POLITICAL = CodeList(
    "political",
    "政治面貌",
    ["中共党员", "中共预备党员", "共青团员", "群众"],
    synonyms={"党员": "中共党员", "中国共产党党员": "中共党员", "预备党员": "中共预备党员",
              "团员": "共青团员", "中国共产主义青年团团员": "共青团员"},
)

EDUCATION = CodeList(
    "education",
    "文化程度",
    ["文盲或半文盲", "小学", "初中", "高中", "大专", "本科及以上"],
    synonyms={"文盲": "文盲或半文盲", "半文盲": "文盲或半文盲", "中专": "高中", "职高": "高中",
              "技校": "高中", "中职": "高中", "专科": "大专", "高职": "大专", "大学本科": "本科及以上",
              "本科": "本科及以上", "研究生": "本科及以上", "硕士": "本科及以上", "博士": "本科及以上"},
)

_CN = "一二三四五六"
_SCHOOL_STAGES = [("普通高中", 3), ("中职", 3), ("高职高专", 3), ("技师学院", 4), ("本科", 5)]
UNGRADED_LEVELS = ("初中（年级不详）", "普通高中（年级不详）", "中职（年级不详）", "高职高专（年级不详）",
                   "本科（年级不详）")
_SCHOOLING_LABELS = [
    "学龄前儿童", "学前教育", "小学",
    *(f"小学{n}年级" for n in _CN),  # older data graded primary school
    "七年级", "八年级", "九年级",
    *(f"{stage}{n}年级" for stage, years in _SCHOOL_STAGES for n in _CN[:years]),
    "硕士研究生及以上",
    # Older or simplified spellings name the level but not the grade (domain.md §9): in school at
    # that level, grade not stated. Appended so the codes above keep their numbers.
    *UNGRADED_LEVELS,
]
SCHOOLING = CodeList(
    "schooling",
    "在校生状况",
    _SCHOOLING_LABELS,
    synonyms={
        "学龄前": "学龄前儿童", "幼儿园": "学前教育", "学前班": "学前教育",
        **{f"{n}年级": f"小学{n}年级" for n in _CN},
        **{f"{alias}{n}": grade for n, grade in zip("一二三", ["七年级", "八年级", "九年级"])
           for alias in ("初", "初中")},
        **{f"初中{n}年级": grade for n, grade in zip("一二三", ["七年级", "八年级", "九年级"])},
        **{f"{alias}{n}": f"普通高中{n}年级" for n in _CN[:3] for alias in ("高", "高中")},
        **{f"高中{n}年级": f"普通高中{n}年级" for n in _CN[:3]},
        **{f"{alias}{n}年级": f"中职{n}年级" for n in _CN[:3] for alias in ("中专", "职高")},
        **{f"{alias}{n}年级": f"高职高专{n}年级" for n in _CN[:3] for alias in ("高职", "大专", "专科")},
        **{f"技校{n}年级": f"技师学院{n}年级" for n in _CN[:4]},
        **{f"大{n}": f"本科{n}年级" for n in _CN[:5]},
        **{f"大学{n}年级": f"本科{n}年级" for n in _CN[:5]},
        "初中": "初中（年级不详）", "初级中学": "初中（年级不详）",
        "高中": "普通高中（年级不详）", "普通高中": "普通高中（年级不详）",
        "中职": "中职（年级不详）", "中专": "中职（年级不详）", "职高": "中职（年级不详）",
        "高职高专": "高职高专（年级不详）", "高职": "高职高专（年级不详）", "大专": "高职高专（年级不详）",
        "本科": "本科（年级不详）", "大学": "本科（年级不详）",
        "研究生": "硕士研究生及以上", "硕士研究生": "硕士研究生及以上", "博士研究生": "硕士研究生及以上",
        "硕士": "硕士研究生及以上", "博士": "硕士研究生及以上",
    },
)


# 在校生状况 spellings that say "not a pupil" (the field is then empty), and the 文化程度 spellings
# that are really a 在校生状况 (学龄前儿童: a pre-school child).
NOT_A_PUPIL = frozenset({"非在校生", "非在校", "不在校", "未在校", "不是在校生"})
EDUCATION_AS_SCHOOLING = {"学龄前儿童": "学龄前儿童", "学龄前": "学龄前儿童", "学前儿童": "学龄前儿童"}


def is_not_a_pupil(text: object) -> bool:
    return _key(text) in {_key(t) for t in NOT_A_PUPIL}


def attends_school(schooling_code: str | None) -> bool:
    """Whether a 在校生状况 means the child is in some school (学龄前儿童 is not)."""
    return bool(schooling_code) and schooling_code != SCHOOLING.code("学龄前儿童")


HEALTH = CodeList(
    "health",
    "健康状况",
    ["长期慢性病", "患有大病", "残疾", "健康"],
    synonyms={"常见慢性病": "长期慢性病", "特殊慢性病": "长期慢性病", "慢性病": "长期慢性病",
              "重大疾病": "患有大病", "大病": "患有大病", "残疾人": "残疾"},
    exclusive="健康",
)

DISABILITY_KIND = CodeList(
    "disability_kind",
    "残疾类别",
    ["视力", "听力", "言语", "肢体", "智力", "精神", "多重"],
    synonyms={"语言": "言语"},
    strip_suffixes=("残疾",),
)

DISABILITY_GRADE = CodeList(
    "disability_grade",
    "残疾等级",
    ["一级", "二级", "三级", "四级"],
    synonyms={**{f"{i}级": f"{n}级" for i, n in zip("1234", _CN)}, **{n: f"{n}级" for n in _CN[:4]}},
    strip_suffixes=("残疾",),
)

LABOUR = CodeList(
    "labour",
    "劳动技能",
    ["普通劳动力", "技能劳动力", "弱劳动力或半劳动力", "丧失劳动力", "无劳动力"],
    synonyms={"弱劳动力": "弱劳动力或半劳动力", "半劳动力": "弱劳动力或半劳动力",
              "丧失劳动能力": "丧失劳动力", "无劳动能力": "无劳动力"},
)

WORK = CodeList(
    "work",
    "务工状况",
    ["乡（镇）内务工", "乡（镇）外县内务工", "县外省内务工", "省外务工", "国外务工", "未务工"],
    synonyms={"乡内务工": "乡（镇）内务工", "镇内务工": "乡（镇）内务工", "乡镇内务工": "乡（镇）内务工",
              "乡外县内务工": "乡（镇）外县内务工", "乡镇外县内务工": "乡（镇）外县内务工",
              "境外务工": "国外务工", "无": "未务工", "不务工": "未务工"},
)

MEMBER_STATUS = CodeList(
    "member_status",
    "人口状态",
    ["正常", "死亡", "迁出", "婚出", "服刑", "其他减少"],
    synonyms={"去世": "死亡", "已故": "死亡", "外嫁": "婚出", "出嫁": "婚出"},
)

YES_NO = CodeList(
    "yes_no",
    "是否",
    ["是", "否"],
    codes=["1", "0"],
    synonyms={"Y": "1", "N": "0", "yes": "1", "no": "0", "有": "1", "无": "0", "true": "1", "false": "0"},
)

MONITORING_TYPE = CodeList(
    "monitoring_type",
    "监测对象类型",
    ["脱贫不稳定户", "边缘易致贫户", "突发严重困难户"],
    synonyms={"脱贫不稳定": "脱贫不稳定户", "边缘易致贫": "边缘易致贫户", "边缘户": "边缘易致贫户",
              "突发严重困难": "突发严重困难户"},
)

RISK_STATUS = CodeList(
    "risk_status",
    "风险状态",
    ["风险未消除", "风险已消除"],
    synonyms={"未消除": "风险未消除", "已消除": "风险已消除"},
)

ROAD_TYPE = CodeList(
    "road_type",
    "入户路类型",
    ["泥土路", "砂石路", "水泥路", "柏油路", "其他"],
    synonyms={"土路": "泥土路", "沙石路": "砂石路", "沥青路": "柏油路"},
)

HOUSE_SAFETY = CodeList(
    "house_safety",
    "住房安全等级",
    ["A级", "B级", "C级危房", "D级危房"],
    synonyms={"A": "A级", "B": "B级", "C": "C级危房", "D": "D级危房", "C级": "C级危房", "D级": "D级危房"},
)

# C and D are danger houses: unsafe unless rebuilt (domain.md §3.3).
UNSAFE_HOUSE = frozenset({HOUSE_SAFETY.code("C级危房"), HOUSE_SAFETY.code("D级危房")})

FUEL = CodeList(
    "fuel",
    "主要燃料类型",
    ["柴草", "干畜粪", "煤炭", "清洁能源", "其他"],
    synonyms={"柴": "柴草", "木柴": "柴草", "畜粪": "干畜粪", "煤": "煤炭", "电": "清洁能源",
              "液化气": "清洁能源", "天然气": "清洁能源", "沼气": "清洁能源", "太阳能": "清洁能源"},
)

MEASURE_TYPE = CodeList(
    "measure_type",
    "帮扶措施类型",
    ["产业扶持", "就业扶持（含公益岗位）", "技能培训", "易地扶贫搬迁", "危房改造", "教育扶持（资助/雨露计划）",
     "健康扶贫", "金融扶贫（扶贫小额信贷）", "生态补偿（护林员等）", "社会保障兜底", "基础设施", "资产收益", "其他"],
    synonyms={
        "产业扶贫": "产业扶持",
        "就业扶持": "就业扶持（含公益岗位）", "就业扶贫": "就业扶持（含公益岗位）", "公益岗位": "就业扶持（含公益岗位）",
        "易地搬迁": "易地扶贫搬迁",
        "教育扶持": "教育扶持（资助/雨露计划）", "教育扶贫": "教育扶持（资助/雨露计划）",
        "雨露计划": "教育扶持（资助/雨露计划）",
        "金融扶贫": "金融扶贫（扶贫小额信贷）", "扶贫小额信贷": "金融扶贫（扶贫小额信贷）",
        "小额信贷": "金融扶贫（扶贫小额信贷）",
        "生态补偿": "生态补偿（护林员等）", "护林员": "生态补偿（护林员等）", "生态护林员": "生态补偿（护林员等）",
        "兜底保障": "社会保障兜底", "社保兜底": "社会保障兜底",
        "资产收益扶贫": "资产收益",
    },
)

FUND_SOURCE = CodeList(
    "fund_source",
    "资金来源",
    ["财政资金", "信贷资金", "社会帮扶", "自筹"],
    synonyms={"财政": "财政资金", "信贷": "信贷资金", "社会帮扶资金": "社会帮扶", "自筹资金": "自筹"},
)

MEASURE_STATUS = CodeList(
    "measure_status",
    "落实情况",
    ["计划", "实施中", "已落实"],
    synonyms={"计划中": "计划", "未实施": "计划", "进行中": "实施中", "已完成": "已落实", "完成": "已落实",
              "落实": "已落实"},
)

VISIT_KIND = CodeList(
    "visit_kind",
    "走访方式",
    ["入户走访", "电话走访", "集中走访"],
    synonyms={"入户": "入户走访", "电话": "电话走访", "集中": "集中走访"},
)

VISIT_CHANGE = CodeList(
    "visit_change",
    "家庭变化",
    ["人口", "健康", "就业", "上学", "住房", "收入"],
    synonyms={"务工": "就业", "教育": "上学", "就学": "上学"},
    strip_suffixes=("变化", "情况"),
)

USER_ROLE = CodeList(
    "user_role",
    "用户角色",
    ["管理员", "录入员", "查看"],
    synonyms={"查看员": "查看", "只读": "查看"},
)

ALL: dict[str, CodeList] = {
    cl.key: cl
    for cl in (
        HOUSEHOLD_STATUS, CATEGORY, STANDARD, CAUSE, RELATION, ETHNICITY, POLITICAL, EDUCATION, SCHOOLING,
        HEALTH, DISABILITY_KIND, DISABILITY_GRADE, LABOUR, WORK, MEMBER_STATUS, YES_NO, MONITORING_TYPE,
        RISK_STATUS, ROAD_TYPE, HOUSE_SAFETY, FUEL, MEASURE_TYPE, FUND_SOURCE, MEASURE_STATUS, VISIT_KIND,
        VISIT_CHANGE, USER_ROLE,
    )
}
