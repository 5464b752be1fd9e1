"""What several rule families share: the codes they compare against and how a message names a field,
a code and a member."""

from __future__ import annotations

import re

from app.domain import codes, fields, workflow
from app.domain.quality.views import MemberView

C = codes
REGISTERED = workflow.REGISTERED
EXITED = workflow.EXITED
SPOUSE = C.RELATION.code("配偶")
SICK = frozenset(C.HEALTH.code(x) for x in ("长期慢性病", "患有大病"))
HEALTHY = C.HEALTH.code("健康")
ABLE = frozenset(C.LABOUR.code(x) for x in ("普通劳动力", "技能劳动力"))
NO_LABOUR = C.LABOUR.code("无劳动力")
WEAK = C.LABOUR.code("弱劳动力或半劳动力")
LOST = C.LABOUR.code("丧失劳动力")
NO_WORK = C.WORK.code("未务工")
CAUSE = {label: C.CAUSE.code(label) for label in ("因病", "因残", "因学", "缺劳力")}
DIBAO_CATEGORY = C.CATEGORY.code("低保贫困户")
TEKUN_CATEGORY = C.CATEGORY.code("特困供养贫困户")
AREA_FIELDS = ("arable_mu", "irrigated_mu", "forest_mu")
PLAIN_NAME = re.compile(r"[\u4e00-\u9fff·]+")


def field_label(table: str, field: str) -> str:
    return fields.label(table, field)


def code_label(codelist: codes.CodeList, code: str | None) -> str:
    if not code:
        return ""
    return codelist.label(code) if code in codelist else code


def who(mv: MemberView) -> str:
    return mv.m.name or "（无名）"
