"""Hybrid logical clock, packed in one integer: wall milliseconds << 16 | counter.

Clocks only order changes (sync-design.md); causality decides conflicts. A local tick never goes
backwards even when the laptop's clock does.
"""

from __future__ import annotations

import time

COUNTER_BITS = 16


def wall_ms() -> int:
    return time.time_ns() // 1_000_000


def tick(last: int, now_ms: int | None = None) -> int:
    """The next local stamp after `last`."""
    now = wall_ms() if now_ms is None else now_ms
    return max(last + 1, now << COUNTER_BITS)


def physical_ms(stamp: int) -> int:
    return stamp >> COUNTER_BITS
