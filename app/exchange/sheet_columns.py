"""Reading and writing national-style 花名册 files by their columns (app/domain/national_columns.py):
matching a file's headers to column keys and the orders Kace exports them in.

Headers are compared after folding: half-width, no blanks, no "*", 其它 → 其他.
"""

from __future__ import annotations

import re

from app.domain.national_columns import COLUMNS
from app.domain.text import squeeze

BY_KEY = {c.key: c for c in COLUMNS}


def fold(text: object) -> str:
    """The comparison form of a header: half-width, no blanks or line breaks, no required-field
    marks, brackets folded to half-width, 其它 as 其他."""
    return re.sub(r"[*＊]", "", squeeze(text)).replace("其它", "其他")


HEADER_INDEX: dict[str, str] = {}
for _c in COLUMNS:
    for _spelling in _c.spellings:
        _folded = fold(_spelling)
        if HEADER_INDEX.setdefault(_folded, _c.key) != _c.key:
            raise ValueError(f"header {_spelling!r} would mean two columns")


def column_for(header: object) -> str | None:
    return HEADER_INDEX.get(fold(header))


# The 47-column national member layout (a desktop checker insists on exactly these), in order.
NATIONAL_47 = (
    "province", "city", "county", "township", "village", "household_code", "person_code", "name", "sex",
    "birth_date", "id_type", "id_number", "ethnicity", "household_phone", "member_phone", "year", "relation",
    "education", "schooling", "labour", "work_months", "health", "political", "employer", "dibao",
    "employee_pension", "critical_insured", "medical_insured", "pension_insured", "dropout_reason", "mandarin",
    "commercial_insurance", "abroad", "industry", "medical_aid", "other_health_aid", "public_post",
    "public_post_months", "work_channel", "disability_kind", "work_place", "head_name", "head_id",
    "employee_medical", "tekun", "disability_year", "standard",
)
assert len(NATIONAL_47) == 47 and len(set(NATIONAL_47)) == 47

# The national household register (domain.md §7 村贫困户花名册, per household), in order.
NATIONAL_HOUSEHOLD = (
    "serial", "group", "household_code", "head_name", "head_id", "size", "category", "main_cause",
    "identified_year", "status", "exit_year", "per_capita", "helper_name", "household_phone", "note",
)

# Kace's full member export (--layout full): the 47 columns, then what Kace also keeps, so
# export → import is lossless.
MEMBER_EXPORT = NATIONAL_47 + (
    "group", "work", "disability_grade", "soldier", "home_schooled", "member_status", "category", "main_cause",
    "other_causes", "status", "identified_year", "planned_exit_year", "exit_year", "size", "per_capita", "bank",
    "bank_account", "helper_name", "helper_unit", "helper_phone", "monitoring_type", "risk_cleared",
    "risk_identified_on", "risk_cleared_on", "danger_house", "water_safe", "note",
)

# One row per household (--layout full).
HOUSEHOLD_EXPORT = (
    "serial", "province", "city", "county", "township", "village", "group", "household_code", "head_name",
    "head_id", "size", "category", "main_cause", "other_causes", "standard", "status", "identified_year",
    "planned_exit_year", "exit_year", "per_capita", "household_phone", "bank", "bank_account", "helper_name",
    "helper_unit", "helper_phone", "monitoring_type", "risk_cleared", "risk_identified_on", "risk_cleared_on",
    "danger_house", "water_safe", "note",
)

# The yes/no columns of the national layouts: the national checkers refuse an empty one.
YES_NO_KINDS = frozenset({"bool", "abroad", "danger", "risk"})
UNSTORED_YES_NO = frozenset({"commercial_insurance", "medical_aid", "other_health_aid"})
