"""Row keys derived from natural keys, for rows that two laptops may create independently.

A household has at most one 收入 (income), 生产生活条件 (conditions) and 帮扶计划 (plan) row per
year, a region one row per code. If two laptops each create "income 2026" for the same household
with random keys, the two rows would collide on the natural key when they meet. Deriving the key
from the natural key makes both creates the same row: the merge then compares them field by field
(same values merge, different values are a reviewed conflict) instead of failing.
"""

from __future__ import annotations

import uuid
from collections.abc import Mapping

NAMESPACE = uuid.UUID("6f2b3c1e-8f0a-4c8e-9a55-4b61636520a1")  # fixed forever: ids depend on it

NATURAL_KEYS: dict[str, tuple[str, ...]] = {
    "region": ("code",),
    "income": ("household_id", "year"),
    "conditions": ("household_id", "year"),
    "plan": ("household_id", "year"),
    "poverty_line": ("year", "scope", "region_code"),
}


def natural_id(table_name: str, row: Mapping) -> str | None:
    """The derived key of a row of a naturally keyed table, None for other tables."""
    keys = NATURAL_KEYS.get(table_name)
    if keys is None or any(row.get(k) is None for k in keys[:2]):
        return None
    parts = [table_name, *(str(row.get(k) or "") for k in keys)]
    return str(uuid.uuid5(NAMESPACE, "\x1f".join(parts)))
