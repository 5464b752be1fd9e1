"""Figures computed for one state of the county database, reused until the data change.

Every write to the records on the county server goes through the change log, and every change
takes a position from a counter: the server's `sync_counter` (changes received from laptops, or
accepted in the console) or the database's own replica row (`replica.last_log_seq`, changes
written on the server itself). Those counters together are the data's version: while they stay
the same, a village's figures, the county's tables and the devices' change counts are the same,
and a page shows them without aggregating 100,000 households and 1.7 million changes again. The
first page after a sync computes them (bench/console_pages.py measures both).
"""

from __future__ import annotations

import functools
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from typing import TypeVar

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Counter, Replica

T = TypeVar("T")
COUNTER, REPLICA = Counter.__table__, Replica.__table__
SESSION_KEY = "kace_figures_cache"  # the console's sessions carry their cache in Session.info


def data_version(session: Session) -> tuple:
    counters = tuple(session.execute(select(COUNTER.c.name, COUNTER.c.value).order_by(COUNTER.c.name)).all())
    return counters, session.execute(select(func.max(REPLICA.c.last_log_seq))).scalar()


class FiguresCache:
    def __init__(self, size: int = 512):
        self.size = size
        self.entries: OrderedDict[Hashable, object] = OrderedDict()
        self.lock = threading.Lock()
        self.enabled = True

    def get(self, session: Session, key: Hashable, compute: Callable[[], T]) -> T:
        """compute() for this state of the data, once. The caller must not change what it returns."""
        if not self.enabled:
            return compute()
        full = (data_version(session), key)
        with self.lock:
            if full in self.entries:
                self.entries.move_to_end(full)
                return self.entries[full]  # type: ignore[return-value]
        value = compute()
        with self.lock:
            self.entries[full] = value
            while len(self.entries) > self.size:
                self.entries.popitem(last=False)
        return value

    def clear(self) -> None:
        with self.lock:
            self.entries.clear()


def _hashable(value):
    if isinstance(value, (list, set, frozenset)):
        return tuple(sorted(value)) if isinstance(value, (set, frozenset)) else tuple(value)
    return value


def cached(fn: Callable[..., T]) -> Callable[..., T]:
    """fn(session, ...) computed once per state of the data when the session carries a cache (the
    console's sessions do); otherwise called as is. Its arguments make the key."""
    @functools.wraps(fn)
    def wrapper(session: Session, *args, **kw):
        cache = session.info.get(SESSION_KEY)
        if cache is None:
            return fn(session, *args, **kw)
        key = (fn.__qualname__, tuple(map(_hashable, args)), tuple(sorted((k, _hashable(v)) for k, v in kw.items())))
        return cache.get(session, key, lambda: fn(session, *args, **kw))
    return wrapper
