"""What every operation needs: the session factories, who is acting, and a write transaction."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from sqlalchemy import Engine
from sqlalchemy.orm import Session, sessionmaker

from app.db.changelog import ChangeWriter
from app.db.engine import make_session_factory
from app.domain.roles import require_edit


@dataclass
class Result:
    """What an op returns to the UI: plain data, the change-set and warnings (never ORM objects)."""

    value: Any = None
    changes: frozenset[str] = frozenset()
    warnings: list[str] = field(default_factory=list)


@dataclass
class OpContext:
    engine: Engine
    user: str | None = None
    today_fn: Any = date.today
    # The logged-in user's role (app/domain/roles); None is the system itself (CLI, scripts).
    role: str | None = None

    def __post_init__(self) -> None:
        self.sessions: sessionmaker[Session] = make_session_factory(self.engine)
        self.read_sessions: sessionmaker[Session] = make_session_factory(self.engine, readonly=True)
        self.bulk_sessions: sessionmaker[Session] = make_session_factory(self.engine, bulk=True)

    @property
    def today(self) -> date:
        return self.today_fn()

    @contextmanager
    def write(self, *, bulk: bool = False) -> Iterator[ChangeWriter]:
        """One transaction: rows, change records and counters commit together or not at all.

        bulk=True (demo, import) commits without waiting for the disk (see app/db/engine.py).
        """
        require_edit(self.role)
        with (self.bulk_sessions if bulk else self.sessions).begin() as session:
            writer = ChangeWriter(session, self.user)
            yield writer
            writer.finish()

    @contextmanager
    def read(self) -> Iterator[Session]:
        with self.read_sessions.begin() as session:
            yield session


def done(writer: ChangeWriter, value: Any = None, warnings: list[str] | None = None) -> Result:
    return Result(value, frozenset(writer.changed_tables), warnings or [])
