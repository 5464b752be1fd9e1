"""Opening a database safely: check, back up, upgrade to head, or refuse (architecture.md).

A file that is not SQLite, is corrupt, or was written by a newer Kace is refused with a Chinese
message and left byte-for-byte untouched: every check reads through a read-only connection, and
nothing is written before all checks passed.
"""

from __future__ import annotations

import logging
import sqlite3
import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from alembic import command
from alembic.config import Config
from alembic.script import ScriptDirectory
from sqlalchemy import Engine, insert, select
from sqlalchemy.exc import OperationalError

from app.db.base import new_id
from app.db.engine import make_engine
from app.db.models import Replica
from app.db.refusal import SQLITE_MAGIC, DatabaseRefused

log = logging.getLogger(__name__)


def _migrations_dir() -> Path:
    """The alembic scripts: beside the app package in a checkout, in the bundle when frozen."""
    if getattr(sys, "frozen", False) and hasattr(sys, "_MEIPASS"):  # PyInstaller (packaging/kace.spec)
        return Path(sys._MEIPASS) / "migrations"
    return Path(__file__).resolve().parents[2] / "migrations"


MIGRATIONS_DIR = _migrations_dir()


def alembic_config() -> Config:
    cfg = Config()
    cfg.set_main_option("script_location", str(MIGRATIONS_DIR))
    return cfg


def head_revision() -> str:
    return ScriptDirectory.from_config(alembic_config()).get_current_head()


def known_revisions() -> set[str]:
    return {r.revision for r in ScriptDirectory.from_config(alembic_config()).walk_revisions()}


@dataclass(frozen=True)
class FileState:
    exists: bool
    revision: str | None  # None: a new or empty file
    has_tables: bool
    encrypted: bool = False  # SQLCipher (app/db/crypto.py)


def inspect_file(path: Path, key: bytes | None = None) -> FileState:
    """Read what the file is without writing a byte to it; refuse what Kace cannot open.
    An encrypted file needs its data key (app/db/crypto.py); without it, it is refused."""
    from app.db import crypto

    if not path.exists() or path.stat().st_size == 0:
        return FileState(path.exists(), None, False)
    if path.is_dir():
        raise DatabaseRefused(f"数据库路径是一个文件夹：{path}")
    try:
        with path.open("rb") as f:
            magic = f.read(len(SQLITE_MAGIC))
    except OSError as e:
        raise DatabaseRefused(f"无法读取数据库文件：{path}（{e.strerror}）", str(e)) from e
    encrypted = magic != SQLITE_MAGIC and crypto.is_encrypted(path)
    if encrypted and key is None:
        crypto.require_available()
        raise DatabaseRefused(crypto.locked_message(path), "encrypted, no key")
    if magic != SQLITE_MAGIC and not encrypted:
        raise DatabaseRefused(
            f"这不是卡册数据库文件（不是 SQLite 格式）：{path}"
            f"（如果这是加密的数据库，它旁边的密钥文件 {crypto.keys_path(path).name} 不见了）",
            "not an SQLite file",
        )
    try:
        conn = crypto.connect(path, key if encrypted else None, readonly=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            revision = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            conn.close()
    except crypto.ERRORS as e:
        raise DatabaseRefused(f"数据库文件已损坏，无法打开：{path}", f"corrupt: {e}") from e
    if tables and "alembic_version" not in tables:
        raise DatabaseRefused(
            f"这个 SQLite 文件不是卡册数据库：{path}", "SQLite file without alembic_version"
        )
    if revision is not None and revision not in known_revisions():
        raise DatabaseRefused(
            f"此数据库由更新版本的卡册创建（结构版本 {revision}），本程序无法打开。请升级卡册后再试。",
            f"unknown revision {revision}",
        )
    return FileState(True, revision, bool(tables), encrypted)


def backup_sqlite(src: Path, dest: Path, key: bytes | None = None) -> Path:
    """Copy a live SQLite file with the online backup API (consistent even while in use) into
    one self-contained file (no -wal/-shm beside it to lose on the way). With the data key of an
    encrypted file, the copy is encrypted with the same key."""
    from app.db import crypto

    return crypto.copy_database(src, dest, key, key)


def ensure_replica(engine: Engine, device_code: int = 1) -> None:
    """Give a new database copy its replica and incarnation identity (sync-design.md)."""
    table = Replica.__table__
    with engine.begin() as conn:
        if conn.execute(select(table.c.replica_id)).first() is None:
            conn.execute(
                insert(table).values(
                    replica_id=new_id(),
                    incarnation_id=new_id(),
                    device_code=device_code,
                    last_seq=0,
                    last_hlc=0,
                    household_counter=0,
                    acked_seq=0,
                    pulled_server_seq=0,
                    created_at=datetime.now(UTC).replace(tzinfo=None),
                )
            )


def upgrade_engine(engine: Engine) -> None:
    cfg = alembic_config()
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, "head")
    ensure_replica(engine)


def open_sqlite(path: str | Path, *, create: bool = True, key: bytes | None = None) -> Engine:
    """Check, back up and upgrade a SQLite file, then return its engine. An encrypted file
    needs its data key (app/db/crypto.unlock); its backups are encrypted with the same key.

    Raises DatabaseRefused (exit code 3) for anything that cannot be opened safely.
    """
    from app.db import crypto

    path = Path(path).expanduser().absolute()
    if not path.parent.is_dir():
        raise DatabaseRefused(f"数据库所在的文件夹不存在：{path.parent}")
    state = inspect_file(path, key)
    key = key if state.encrypted else None
    if not state.exists and not create:
        raise DatabaseRefused(f"数据库文件不存在：{path}")
    head = head_revision()
    if state.revision is not None and state.revision != head:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(f"{path.stem}.before-{head}-{stamp}{path.suffix or '.db'}")
        log.info("backing up %s to %s before upgrading from %s", path, backup, state.revision)
        try:
            backup_sqlite(path, backup, key)
            if key is not None:
                crypto.copy_keys(path, backup)
        except (*crypto.ERRORS, OSError) as e:
            raise DatabaseRefused(f"升级前无法备份数据库：{e}", str(e)) from e
    from app.db import location

    risk = location.classify(path)
    if risk is not None:
        log.warning("database in a %s folder (%s): opened without WAL: %s", risk.kind, risk.what, path)
    engine = make_engine(crypto.url(path, key), wal=risk is None)
    try:
        if state.revision != head:
            upgrade_engine(engine)
        else:
            ensure_replica(engine)
    except (OperationalError, sqlite3.OperationalError) as e:
        engine.dispose()
        raise DatabaseRefused(f"无法写入数据库（文件或文件夹只读？）：{path}", str(e)) from e
    return engine


def open_url(url: str) -> Engine:
    """Open (and migrate) a database by URL: PostgreSQL for the county server and its tests."""
    if url.startswith("sqlite:///"):
        return open_sqlite(url.removeprefix("sqlite:///"))
    engine = make_engine(url, pool_pre_ping=True)
    upgrade_engine(engine)
    return engine
