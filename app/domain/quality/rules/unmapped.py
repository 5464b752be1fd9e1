"""CD: 代码表以外的值 — cells an import kept as typed because their text is not in the code list."""

from __future__ import annotations

import json

from app.domain.quality.registry import WARNING, Hit, rule
from app.domain.quality.rules.common import who
from app.domain.quality.views import HouseholdView, MemberView


@rule("CD01", WARNING, "代码不在代码表中（已按原样保留）", "member")
def unmapped_code(mv: MemberView, hv: HouseholdView):
    """Cells the import kept as typed because the text is not in the code list: a finding per
    column, naming it (household columns are reported on the household's first member)."""
    kept = dict(json.loads(mv.m.unmapped)) if mv.m.unmapped else {}
    if hv.h.unmapped and hv.members and mv is hv.members[0]:
        kept.update(json.loads(hv.h.unmapped))
    if not kept:
        return None
    column, text = sorted(kept.items())[0]
    more = "".join(f"；{c}“{t}”" for c, t in sorted(kept.items())[1:])
    return Hit("member", mv.m.id, _COLUMN_FIELDS.get(column, "unmapped"), text,
               f"{who(mv)}：{column}“{text}”不在代码表中，已按原样保留，请改为代码表中的值{more}")


_COLUMN_FIELDS = {"民族": "ethnicity", "政治面貌": "political", "文化程度": "education", "在校生状况": "schooling",
                  "健康状况": "health", "劳动技能": "labour", "务工状况": "work", "与户主关系": "relation",
                  "残疾类别": "disability_kind", "残疾等级": "disability_grade", "贫困户属性": "category",
                  "主要致贫原因": "main_cause", "其他致贫原因": "other_causes", "户状态": "status",
                  "识别标准": "standard", "人口状态": "status"}


