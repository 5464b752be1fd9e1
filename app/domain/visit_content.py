"""What makes a 走访记录 a record of a visit (domain.md §3.6): besides its date and visitor, what
was found — 家庭变化 or one of the four texts. A visit with none of them says nothing and must not
count toward 本月已走访."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

CONTENT_FIELDS = ("changes", "change_note", "problems", "measures_progress", "next_steps")
CONTENT_MISSING = "请填写走访内容：家庭变化、变化情况、存在问题和诉求、帮扶措施落实情况或下一步打算，至少一项"


def has_content(values: Mapping[str, Any]) -> bool:
    """True when at least one content field holds something (a non-empty set or text)."""
    for name in CONTENT_FIELDS:
        value = values.get(name)
        if isinstance(value, str):
            if value.strip():
                return True
        elif value:
            return True
    return False
