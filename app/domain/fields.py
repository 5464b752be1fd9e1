"""Which field of which record is what: its Chinese label and, for coded fields, its code list.

One home for the field names of domain.md §3, so that validation messages, the history screen,
printing and imports all name a field the same way.
"""

from __future__ import annotations

from app.domain import codes

LABELS: dict[str, dict[str, str]] = {
    "region": {
        "code": "区划代码", "name": "名称", "level": "级别", "poor_village": "是否贫困村",
        "agri_population": "农业户籍人口", "total_households": "总户数",
        "collective_income": "村集体经济收入", "exit_year": "退出年度",
        "first_secretary": "第一书记", "first_secretary_phone": "第一书记电话",
        "team_contact": "驻村工作队",
    },
    "household": {
        "code": "户编号", "national_code": "全国户编号", "village_id": "所属村", "group_id": "所属组",
        "phone": "联系电话", "bank": "开户银行", "bank_account": "银行账号", "standard": "识别标准",
        "category": "贫困户属性", "main_cause": "主要致贫原因", "other_causes": "其他致贫原因",
        "identified_year": "识别年度", "planned_exit_year": "计划脱贫年度", "exit_year": "脱贫年度",
        "status": "户状态", "military_family": "是否军烈属", "only_child": "是否独生子女户",
        "two_daughters": "是否双女户", "monitoring_type": "监测对象类型", "risk_status": "风险状态",
        "risk_identified_on": "风险识别时间", "risk_cleared_on": "风险消除时间", "note": "备注",
        "deleted": "已删除", "size": "家庭人口", "head_name": "户主姓名",
        "reported_size": "家庭人口（国家系统）", "reported_per_capita": "人均纯收入（国家系统）",
        "reported_income_year": "收入年度（国家系统）", "data_year": "数据年度", "unmapped": "未能对应代码的原值",
    },
    "member": {
        "name": "姓名", "sex": "性别", "id_number": "身份证号", "id_type": "证件类型",
        "birth_date": "出生日期", "relation": "与户主关系", "ethnicity": "民族",
        "political": "政治面貌", "education": "文化程度", "schooling": "在校生状况",
        "health": "健康状况", "disability_kind": "残疾类别", "disability_grade": "残疾等级",
        "disability_year": "残疾证办证年度", "labour": "劳动技能", "work": "务工状况",
        "work_place": "务工所在地", "employer": "务工企业名称", "work_channel": "就业渠道",
        "work_months": "务工时间（月）", "medical_insured": "参加城乡居民基本医疗保险",
        "employee_medical": "参加城镇职工基本医疗保险", "critical_insured": "参加大病保险",
        "pension_insured": "参加城乡居民基本养老保险", "employee_pension": "参加城镇职工基本养老保险",
        "dibao": "享受低保", "tekun": "特困供养", "soldier": "是否现役军人",
        "public_post": "公益性岗位类型", "public_post_months": "公益性岗位月数",
        "mandarin": "是否会讲普通话", "dropout_reason": "失学或辍学原因", "phone": "联系电话",
        "status": "人口状态", "status_date": "状态变更日期", "status_reason": "状态变更原因",
        "person_code": "人编号", "home_schooled": "送教上门", "unmapped": "未能对应代码的原值",
        "household_id": "所属户", "deleted": "已删除",
    },
    "conditions": {
        "year": "年度", "arable_mu": "耕地面积（亩）", "irrigated_mu": "有效灌溉面积（亩）",
        "forest_mu": "林地面积（亩）", "returned_forest_mu": "退耕还林面积（亩）",
        "orchard_mu": "林果面积（亩）", "pasture_mu": "牧草地面积（亩）",
        "water_surface_mu": "水面面积（亩）", "cooperative": "是否加入农民专业合作社",
        "household_power": "是否通生活用电", "production_power": "是否通生产用电",
        "road_distance_km": "与村主干路距离（公里）", "road_type": "入户路类型",
        "house_area_m2": "住房面积（㎡）", "house_safety": "住房安全等级",
        "house_rebuilt": "是否危房改造", "relocated": "是否易地扶贫搬迁", "house_safe": "住房是否安全",
        "water_difficult": "是否饮水困难", "water_safe": "是否饮水安全", "fuel": "主要燃料类型",
        "sanitary_toilet": "是否有卫生厕所", "radio_tv": "是否通广播电视", "broadband": "是否通宽带",
        "food_secure": "不愁吃", "clothing_secure": "不愁穿", "food_clothing_checked_on": "吃穿核实日期",
        "food_clothing_checked_by": "吃穿核实人",
    },
    "income": {
        "year": "年度", "wages": "工资性收入", "business": "生产经营性收入", "property": "财产性收入",
        "transfers": "转移性收入", "family_planning": "计划生育金", "dibao_money": "低保金",
        "tekun_money": "特困供养金（五保金）", "pension_money": "养老保险金",
        "eco_compensation": "生态补偿金", "other_transfers": "其他转移性收入",
        "business_costs": "生产经营性支出", "household_size": "家庭人口",
        "net_income": "家庭纯收入", "per_capita": "人均纯收入",
    },
    "helper": {"name": "帮扶责任人姓名", "unit": "帮扶单位", "post": "职务", "phone": "联系电话"},
    "assignment": {"helper_id": "帮扶责任人", "start_date": "帮扶开始日期", "end_date": "帮扶结束日期"},
    "plan": {"year": "年度", "goal": "脱贫目标", "main_measures": "主要措施",
             "expected_increase": "预期增收（元）"},
    "measure": {"year": "年度", "type": "措施类型", "content": "措施内容", "amount": "金额（元）",
                "source": "资金来源", "status": "落实状态", "benefit": "受益情况"},
    "loan": {"amount": "贷款金额（元）", "bank": "贷款银行", "start_date": "放款日期",
             "term_months": "期限（月）", "repaid_amount": "已还金额（元）", "repaid_on": "还清日期",
             "purpose": "用途"},
    "visit": {"visit_date": "走访日期", "helper_id": "帮扶责任人", "visitors": "走访人",
              "kind": "走访方式", "met_person": "接待人", "changes": "家庭变化",
              "change_note": "变化情况", "problems": "存在问题和诉求",
              "measures_progress": "帮扶措施落实情况", "next_steps": "下一步打算"},
}

# Single-valued coded fields and their code lists.
CODED: dict[str, dict[str, codes.CodeList]] = {
    "household": {
        "standard": codes.STANDARD, "category": codes.CATEGORY, "main_cause": codes.CAUSE,
        "status": codes.HOUSEHOLD_STATUS, "monitoring_type": codes.MONITORING_TYPE,
        "risk_status": codes.RISK_STATUS,
    },
    "member": {
        "relation": codes.RELATION, "ethnicity": codes.ETHNICITY, "political": codes.POLITICAL,
        "education": codes.EDUCATION, "schooling": codes.SCHOOLING,
        "disability_kind": codes.DISABILITY_KIND, "disability_grade": codes.DISABILITY_GRADE,
        "labour": codes.LABOUR, "work": codes.WORK, "status": codes.MEMBER_STATUS,
    },
    "conditions": {"road_type": codes.ROAD_TYPE, "house_safety": codes.HOUSE_SAFETY,
                   "fuel": codes.FUEL},
    "measure": {"type": codes.MEASURE_TYPE, "source": codes.FUND_SOURCE,
                "status": codes.MEASURE_STATUS},
    "visit": {"kind": codes.VISIT_KIND},
}

# Multi-valued coded fields (comma-joined sorted codes).
CODED_SETS: dict[str, dict[str, codes.CodeList]] = {
    "household": {"other_causes": codes.CAUSE},
    "member": {"health": codes.HEALTH},
    "visit": {"changes": codes.VISIT_CHANGE},
}


def label(table: str, field: str) -> str:
    return LABELS.get(table, {}).get(field, field)


def value_text(table: str, field: str, value, refs: dict[str, str] | None = None) -> str:
    """A logged JSON value as the user knows it: labels for codes, 是/否, names for references."""
    if value is None or value == "":
        return ""
    try:
        if field in CODED.get(table, {}):
            return CODED[table][field].label(value)
        if field in CODED_SETS.get(table, {}):
            return codes.set_labels(CODED_SETS[table][field], value, "、")
    except Exception:  # noqa: BLE001 - an unknown code is shown as stored
        return str(value)
    if field.endswith("_id"):
        return (refs or {}).get(value, value)
    if isinstance(value, bool):
        return "是" if value else "否"
    return str(value)
