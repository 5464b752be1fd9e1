"""The rule registry (domain.md §8): every rule's id, severity, Chinese title, scope and function.

A rule has an id (ID03, HH01...), a severity (错误 blocks the exit/print sign-off, 警告 asks a look,
提示 informs), a Chinese title, and a function. Member rules see one member at a time, household rules
one household with its records, dataset rules everything (duplicates across households and villages).
Each returns Hits. The rule modules (app/domain/quality/rules/) register into RULES; nothing here
imports them back.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import NamedTuple

ERROR, WARNING, INFO = "错误", "警告", "提示"
SEVERITIES = (ERROR, WARNING, INFO)


class Hit(NamedTuple):
    """What a rule found: the record, the field and its value, and the message."""

    table: str
    row_id: str
    field: str
    value: object
    message: str
    household_id: str | None = None  # for dataset rules (member and household rules know it)


@dataclass(frozen=True)
class Rule:
    id: str
    severity: str
    title: str
    scope: str  # "member" | "household" | "dataset"
    fn: Callable


RULES: dict[str, Rule] = {}

# The families of the rule ids (domain.md §8), by prefix, in the order they are listed.
FAMILIES = {"ID": "身份证号", "HH": "户的信息", "IN": "收入", "EX": "已脱贫户", "CO": "生产生活条件",
            "MB": "家庭成员", "VS": "走访", "MS": "帮扶措施", "VL": "村", "CD": "代码表以外的值"}


def family_of(rule_id: str) -> str:
    """The Chinese name of a rule's family (its id without the number)."""
    prefix = rule_id.rstrip("0123456789")
    return FAMILIES.get(prefix, prefix)


def rule(rule_id: str, severity: str, title: str, scope: str = "household"):
    """Register a rule function under its id."""
    assert severity in SEVERITIES and scope in ("member", "household", "dataset")

    def register(fn: Callable) -> Callable:
        if rule_id in RULES:
            raise ValueError(f"rule {rule_id} defined twice")
        RULES[rule_id] = Rule(rule_id, severity, title, scope, fn)
        return fn

    return register
