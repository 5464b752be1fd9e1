"""Several ops saved as one: one transaction, one tx id, all or nothing.

The household editor saves the household's fields, its members, its conditions, income and plan
with one press of 保存. Running the ordinary ops one after another would commit half a save when a
later one is refused; `run_steps` runs them inside ONE write transaction instead: each op's
`ctx.write()` and `ctx.read()` join the open transaction, so a refusal anywhere rolls back every
step, and the change records of the save share one tx id.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager

from sqlalchemy.orm import Session

from app.db.changelog import ChangeWriter, seen_as_of
from app.ops.context import OpContext, Result

Step = Callable[["SharedContext"], Result]


class SharedContext:
    """Stands in for an OpContext while one transaction is open: the ops it is handed write and
    read through that transaction (they see each other's rows and commit together)."""

    def __init__(self, ctx: OpContext, writer: ChangeWriter):
        self._ctx = ctx
        self._writer = writer
        self.engine = ctx.engine
        self.user = ctx.user
        self.today_fn = ctx.today_fn
        self.role = getattr(ctx, "role", None)

    @property
    def today(self):
        return self._ctx.today

    @property
    def tx_id(self) -> str:
        return self._writer.tx_id

    @contextmanager
    def write(self, *, bulk: bool = False) -> Iterator[ChangeWriter]:
        yield self._writer
        # Derived household figures (家庭人口, 户主) must be current for the next step.
        self._writer.finish()

    @contextmanager
    def read(self) -> Iterator[Session]:
        yield self._writer.session


def run_steps(ctx: OpContext, steps: Sequence[Step], seen_log_seq: int | None = None) -> Result:
    """Run each step (a callable taking a context and returning a Result) in one transaction.

    The Result's value is the list of the steps' values, its changes and warnings the union of
    theirs. Any exception rolls back every step. `seen_log_seq`: the log position the form was
    loaded at, so a value synced in meanwhile becomes a conflict, never overwritten unseen.
    """
    values, warnings = [], []
    with seen_as_of(seen_log_seq), ctx.write() as writer:
        shared = SharedContext(ctx, writer)
        for step in steps:
            result = step(shared)
            values.append(result.value)
            warnings.extend(result.warnings)
    return Result(values, frozenset(writer.changed_tables), warnings)
