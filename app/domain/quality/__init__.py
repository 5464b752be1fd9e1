"""数据质量核查 (domain.md §8): the rules, pure functions over plain records, and their engine."""

from app.domain.quality import rules  # noqa: F401 - registers the rules
from app.domain.quality.engine import (  # noqa: F401
    ERROR,
    FAMILIES,
    INFO,
    RULES,
    SEVERITIES,
    WARNING,
    Finding,
    Rule,
    counts,
    family_of,
    run,
    select_rules,
)
