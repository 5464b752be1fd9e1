"""The columns of the national system's 花名册 (domain.md §9): what each one holds, its header and
the other spellings seen in real files.

A column is identified by a key. Keys that name a column of our tables say so (`table`, `field`);
others are read for matching or place (省, 户编号...) or are carried by the national layouts but not
stored (产业分类...). The exchange reads and writes the files by these columns (app/exchange/sheet_columns.py
keeps header matching and the export orders); the data-quality check names a finding's field by its
header here, so a finding reads like the sheet the county works from.
"""

from __future__ import annotations

from dataclasses import dataclass

from app.domain.fields import label


# kinds: text, name, id, phone, account, code, set, bool, int, money, year, date, months, ignore
@dataclass(frozen=True)
class Column:
    key: str
    header: str  # the header Kace writes
    headers: tuple[str, ...] = ()  # other spellings seen in real files
    table: str | None = None  # household | member | conditions | helper | place | None
    field: str | None = None
    kind: str = "text"
    codelist: str | None = None  # app.domain.codes.ALL key

    @property
    def spellings(self) -> tuple[str, ...]:
        return (self.header, *self.headers)


C = Column
COLUMNS: tuple[Column, ...] = (
    # --- place ---
    C("province", "省", ("省份", "省（自治区、直辖市）", "省(区、市)"), "place", kind="text"),
    C("city", "市", ("市（州）", "市(州)", "地市", "市（地、州、盟）"), "place"),
    C("county", "县", ("县（市、区、旗）", "县(市、区)", "县（市、区）", "区县"), "place"),
    C("township", "乡", ("乡（镇）", "乡镇", "乡（镇、街道）"), "place"),
    C("village", "村", ("行政村", "村（社区）", "村名"), "place"),
    C("group", "自然村/组", ("自然村", "组", "村民小组", "自然村（组）", "所属组", "屯"), "place"),
    # --- household ---
    C("household_code", "户编号", ("户号", "贫困户编号", "家庭编号"), "household", "national_code"),
    C("head_name", "户主姓名", ("户主",), "household", kind="name"),
    C("head_id", "户主证件号码", ("户主身份证号码", "户主身份证号", "户主证件号"), "household", kind="id"),
    C("household_phone", "户联系电话", ("联系电话", "家庭联系电话", "户主联系电话"), "household", "phone", "phone"),
    C("bank", "开户银行", ("开户行",), "household", "bank"),
    C("bank_account", "银行账号", ("银行卡号", "开户账号", "账号"), "household", "bank_account", "account"),
    C("standard", "识别标准", (), "household", "standard", "code", "standard"),
    C("category", "贫困户属性", ("户类型", "贫困户类型", "户属性"), "household", "category", "code", "category"),
    C("main_cause", "主要致贫原因", ("致贫原因1", "致贫原因"), "household", "main_cause", "code", "cause"),
    C("other_causes", "其他致贫原因", ("次要致贫原因", "致贫原因2"), "household", "other_causes", "set", "cause"),
    C("status", "户状态", ("脱贫属性", "贫困户状态", "脱贫状态"), "household", "status", "code", "household_status"),
    C("identified_year", "识别年度", ("首次识别时间", "识别年份", "识别时间"), "household", "identified_year", "year"),
    C("planned_exit_year", "计划脱贫年度", (), "household", "planned_exit_year", "year"),
    C("exit_year", "脱贫年度", ("脱贫年份", "脱贫时间"), "household", "exit_year", "year"),
    C("size", "家庭人口", ("人数", "家庭人口数", "家庭人数"), "household", "reported_size", "int"),
    C("per_capita", "人均纯收入", ("人均纯收入（元）", "人均纯收入(元)", "家庭人均纯收入"), "household",
      "reported_per_capita", "money"),
    C("monitoring_type", "监测对象类型", ("易返贫致贫户(监测对象)类型", "易返贫致贫户（监测对象）类型", "监测对象"),
      "household", "monitoring_type", "code", "monitoring_type"),
    C("risk_cleared", "风险是否消除", (), "household", "risk_status", "risk"),
    C("risk_identified_on", "风险识别时间", (), "household", "risk_identified_on", "date"),
    C("risk_cleared_on", "风险消除时间", (), "household", "risk_cleared_on", "date"),
    C("danger_house", "危房户", ("是否危房户",), "conditions", "house_safe", "danger"),
    C("water_safe", "是否解决安全饮用水", ("是否饮水安全", "饮水是否安全"), "conditions", "water_safe", "bool"),
    C("note", "备注", (), "household", "note"),
    C("helper_name", "帮扶责任人", ("帮扶责任人姓名", "帮扶人", "帮扶干部"), "helper", "name", "name"),
    C("helper_unit", "帮扶单位", ("帮扶责任人单位", "帮扶责任人工作单位"), "helper", "unit"),
    C("helper_phone", "帮扶责任人联系电话", ("帮扶人联系电话", "帮扶责任人电话", "帮扶干部联系电话"), "helper", "phone",
      "phone"),
    # --- member ---
    C("person_code", "人口编号", ("人编号", "成员编号"), "member", "person_code"),
    C("name", "姓名", ("成员姓名", "家庭成员姓名", "人员姓名"), "member", "name", "name"),
    C("sex", "性别", (), "member", "sex", "sex"),
    C("birth_date", "出生日期", ("出生年月",), "member", "birth_date", "date"),
    C("id_type", "证件类型", (), "member", "id_type"),
    C("id_number", "证件号码", ("身份证号码", "身份证号", "公民身份号码", "证件号", "成员证件号码"), "member", "id_number", "id"),
    C("relation", "与户主关系", ("与户主的关系",), "member", "relation", "code", "relation"),
    C("ethnicity", "民族", (), "member", "ethnicity", "code", "ethnicity"),
    C("political", "政治面貌", (), "member", "political", "code", "political"),
    C("education", "文化程度", (), "member", "education", "code", "education"),
    C("schooling", "在校生状况", ("在校生情况", "在校情况"), "member", "schooling", "code", "schooling"),
    C("health", "健康状况", (), "member", "health", "set", "health"),
    C("labour", "劳动技能", ("劳动能力",), "member", "labour", "code", "labour"),
    C("work", "务工状况", ("务工情况",), "member", "work", "code", "work"),
    C("work_months", "务工时间（月）", ("务工时间", "务工月数", "务工时间(月)"), "member", "work_months", "months"),
    C("work_place", "务工所在地", ("务工地点",), "member", "work_place"),
    C("employer", "务工企业名称", ("务工单位",), "member", "employer"),
    C("work_channel", "就业渠道", (), "member", "work_channel"),
    C("abroad", "是否国外务工", (), "member", "work", "abroad"),
    C("medical_insured", "是否参加新型农村合作医疗（城乡居民基本医疗保险）",
      ("是否参加新型农村合作医疗/城乡居民基本医疗保险", "是否参加城乡居民基本医疗保险", "是否参加新型农村合作医疗",
       "是否参加新农合", "参加城乡居民基本医疗保险"), "member", "medical_insured", "bool"),
    C("employee_medical", "是否参加城镇职工基本医疗保险", ("参加城镇职工基本医疗保险",), "member", "employee_medical", "bool"),
    C("critical_insured", "是否参加大病保险", ("参加大病保险",), "member", "critical_insured", "bool"),
    C("pension_insured", "是否参加城乡居民基本养老保险", ("参加城乡居民基本养老保险",), "member", "pension_insured", "bool"),
    C("employee_pension", "是否参加城镇职工基本养老保险", ("参加城镇职工基本养老保险",), "member", "employee_pension", "bool"),
    C("dibao", "是否享受低保", ("享受低保",), "member", "dibao", "bool"),
    C("tekun", "是否特困供养人员", ("是否特困供养", "特困供养"), "member", "tekun", "bool"),
    C("soldier", "是否现役军人", (), "member", "soldier", "bool"),
    C("mandarin", "是否会讲普通话", (), "member", "mandarin", "bool"),
    C("dropout_reason", "失学或辍学原因", (), "member", "dropout_reason"),
    C("home_schooled", "是否送教上门", ("送教上门",), "member", "home_schooled", "bool"),
    C("public_post", "公益性岗位类型", ("公益性岗位",), "member", "public_post"),
    C("public_post_months", "公益性岗位(月数)", ("公益性岗位（月数）", "公益性岗位月数"), "member", "public_post_months",
      "months"),
    C("disability_kind", "残疾类别", (), "member", "disability_kind", "code", "disability_kind"),
    C("disability_grade", "残疾等级", (), "member", "disability_grade", "code", "disability_grade"),
    C("disability_year", "残疾证办证年度", (), "member", "disability_year", "year"),
    C("member_phone", "成员联系电话", ("人联系电话", "个人联系电话", "本人联系电话"), "member", "phone", "phone"),
    C("member_status", "人口状态", ("成员状态", "人员状态"), "member", "status", "code", "member_status"),
    # --- carried by the national layouts, not stored by Kace ---
    C("year", "年度", ("数据日期", "数据年度"), "household", "data_year", "year"),
    C("serial", "序号", (), None, kind="ignore"),
    C("commercial_insurance", "是否参加商业补充医疗保险", (), None, kind="ignore"),
    C("industry", "产业分类", (), None, kind="ignore"),
    C("medical_aid", "是否接受大病医疗救助", (), None, kind="ignore"),
    C("other_health_aid", "是否接受其他健康扶贫", (), None, kind="ignore"),
    C("person_identified", "人员识别时间", (), None, kind="ignore"),
)


def sheet_column(table: str, field: str) -> str:
    """The 花名册 header a checker knows for a field (the label of the field otherwise)."""
    special = _SHEET_COLUMNS.get((table, field))
    if special:
        return special
    for c in COLUMNS:
        if c.table == table and c.field == field:
            return c.header
    shown = label(table, field)
    if shown == field:  # a fact of another record named on the household (EX06: 不愁吃)
        shown = next((label(t, field) for t in ("conditions", "member", "income") if label(t, field) != field), field)
    return shown


_SHEET_COLUMNS = {("household", "head_name"): "户主姓名", ("household", "group_id"): "自然村/组",
                  ("household", "size"): "家庭人口", ("household", "reported_size"): "家庭人口",
                  ("household", "reported_per_capita"): "人均纯收入", ("income", "per_capita"): "人均纯收入",
                  ("household", "code"): "户编号", ("member", "id_number"): "证件号码",
                  ("member", "birth_date"): "出生日期", ("household", "status"): "户状态",
                  ("conditions", "house_safety"): "危房户", ("conditions", "house_safe"): "危房户",
                  # records of their own that a rule names on the household (MS01, VS01)
                  ("household", "plan"): "帮扶计划（一户一策）", ("household", "visit_date"): "走访日期"}
