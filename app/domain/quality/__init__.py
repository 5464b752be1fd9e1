"""数据质量核查 (domain.md §8): the rules, pure functions over plain records, and their engine."""

from app.domain.quality import rules  # noqa: F401 - registers the rules
from app.domain.quality.engine import Finding, counts, run, select_rules  # noqa: F401
from app.domain.quality.registry import (  # noqa: F401
    ERROR,
    FAMILIES,
    INFO,
    RULES,
    SEVERITIES,
    WARNING,
    Rule,
    family_of,
)
