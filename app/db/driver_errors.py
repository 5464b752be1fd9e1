"""Which exceptions come from the database itself (through SQLAlchemy or straight from sqlite3),
so the screens can tell the user's situation (a locked file, a full disk) from a bug without
knowing SQLAlchemy's exception types."""

from __future__ import annotations

import sqlite3

from sqlalchemy.exc import DBAPIError, OperationalError


def is_database_error(exc: BaseException) -> bool:
    return isinstance(exc, (DBAPIError, sqlite3.Error))


def is_operational_error(exc: BaseException) -> bool:
    """The database could not do the work (locked, disk full, read-only, damaged...)."""
    return isinstance(exc, (OperationalError, sqlite3.OperationalError))
