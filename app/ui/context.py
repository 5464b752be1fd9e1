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

from app import paths
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


# 16 MB of SQLite page cache per connection in the desktop program (the engine's default is sized
# for the county server's bulk work): a cheap laptop keeps its memory, the operating system's file
# cache still holds the file.
PAGE_CACHE_KB = 16 * 1024


def build_context(db_path: Path, interaction: Interaction | None = None, user: str | None = None,
                  today_fn=None, key: bytes | None = None, settings_path: Path | None = None) -> AppContext:
    """Open (check, back up, migrate) the database and build the AppContext. `key`: the data key
    of an encrypted database (app/db/crypto.py); `settings_path`: another settings file than the
    user's (screenshots). Raises DatabaseRefused with a Chinese message."""
    from app.db.engine import limit_page_cache
    from app.db.migrate import open_sqlite

    engine = open_sqlite(db_path, key=key)
    limit_page_cache(engine, PAGE_CACHE_KB)
    user = user or paths.os_user()
    ops = OpContext(engine, user=user) if today_fn is None else OpContext(engine, user=user, today_fn=today_fn)
    return AppContext(ops, db_path, Settings(settings_path), interaction, user)
