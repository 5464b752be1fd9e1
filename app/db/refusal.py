"""Refusing a database file: the exception every opener raises and the header that marks SQLite.

Its own module so that the migration runner (app/db/migrate.py) and the encryption layer
(app/db/crypto.py), which each need the other's checks, both import it instead of each other.
"""

from __future__ import annotations

SQLITE_MAGIC = b"SQLite format 3\x00"


class DatabaseRefused(Exception):
    """The database cannot be opened safely. `message` is Chinese, for the user."""

    exit_code = 3

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail or message
