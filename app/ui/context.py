"""The application context (git-cola's idea): built once in main() and handed down to every
window, so nothing in the program reaches for a module-level singleton.

Attributes (a contract other screens rely on):
    ops          the OpContext every op receives (engine, session factories, user, today)
    db_path      the database file
    runner       the OpRunner (the one database worker thread)
    bus          the ChangeBus: `changed(object)` carries a frozenset of table names
    interaction  every question to the user (tests replace it)
    settings     typed settings over QSettings (INI in the config folder)
    user         the current user's name
"""

from __future__ import annotations

from pathlib import Path

from PySide6.QtCore import QObject, Signal

from app.ops.context import OpContext
from app.ui.interaction import Interaction
from app.ui.runner import OpRunner
from app.ui.settings import Settings


class ChangeBus(QObject):
    """Broadcasts which tables an op changed, so every open view refreshes only what it shows."""

    changed = Signal(object)  # frozenset[str] of table names


class AppContext:
    def __init__(self, ops: OpContext, db_path: Path, settings: Settings | None = None,
                 interaction: Interaction | None = None, user: str | None = None):
        self.ops = ops
        self.db_path = Path(db_path)
        self.settings = settings or Settings()
        self.interaction = interaction or Interaction()
        self.user = user or ops.user or ""
        self.bus = ChangeBus()
        self.runner = OpRunner(self)

    @property
    def today(self):
        return self.ops.today

    def close(self) -> None:
        """Finish queued work, then release the database file."""
        self.runner.shutdown()
        self.settings.sync()
        self.ops.engine.dispose()
