"""The declarative base shared by every table, and the column helpers the models use.

Column `info` flags tell the change log how to treat a column (see app/db/changelog.py):
- ``derived``: computed from other columns by app/db/derived.py; never logged, never merged.
- ``local``: bookkeeping of this copy only (sync cursors, password hashes...); never logged.
A table is synced (every write recorded) when its class sets ``__synced__ = True``.
"""

from __future__ import annotations

import os
import time
import uuid
from decimal import Decimal

from sqlalchemy import MetaData, Numeric, String
from sqlalchemy.orm import DeclarativeBase, Mapped, mapped_column

NAMING_CONVENTION = {
    "ix": "ix_%(column_0_label)s",
    "uq": "uq_%(table_name)s_%(column_0_name)s",
    "ck": "ck_%(table_name)s_%(constraint_name)s",
    "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
    "pk": "pk_%(table_name)s",
}

Money = Numeric(14, 2, asdecimal=True)


def uuid7(ms: int, tail: int) -> str:
    """A UUID in the version 7 layout (RFC 9562): 48 bits of milliseconds, then 74 random bits."""
    value = (ms & (2**48 - 1)) << 80 | (tail & (2**80 - 1))
    value = (value & ~(0xF << 76)) | (0x7 << 76)  # version 7
    value = (value & ~(0x3 << 62)) | (0x2 << 62)  # RFC 4122 variant
    return str(uuid.UUID(int=value))


def new_id() -> str:
    """Client-generated primary key: rows and changes are created offline on many laptops.

    Time-ordered (UUIDv7): new keys land at the end of each index instead of at random places,
    which keeps inserts fast in tables of millions of rows; the random tail keeps them unique.
    """
    return uuid7(time.time_ns() // 1_000_000, int.from_bytes(os.urandom(10), "big"))


class Base(DeclarativeBase):
    metadata = MetaData(naming_convention=NAMING_CONVENTION)
    type_annotation_map = {Decimal: Money}

    __synced__ = False


def uuid_pk() -> Mapped[str]:
    return mapped_column(String(36), primary_key=True, default=new_id)


def code_col(length: int = 4, **kw) -> Mapped[str | None]:
    """A code from an app/domain code list, stored as its short code string."""
    return mapped_column(String(length), nullable=kw.pop("nullable", True), **kw)


def derived(col):
    col.column.info["derived"] = True
    return col


def local(col):
    col.column.info["local"] = True
    return col
