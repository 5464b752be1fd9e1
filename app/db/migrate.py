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
from app.db.engine import make_engine, sqlite_url
from app.db.models import Replica

log = logging.getLogger(__name__)


def _migrations_dir() -> Path:
    """The alembic scripts: beside the app package in a checkout, in the bundle when frozen."""
    if getattr(sys, "frozen", False) and hasattr(sys, "_MEIPASS"):  # PyInstaller (packaging/kace.spec)
        return Path(sys._MEIPASS) / "migrations"
    return Path(__file__).resolve().parents[2] / "migrations"


MIGRATIONS_DIR = _migrations_dir()
SQLITE_MAGIC = b"SQLite format 3\x00"


class DatabaseRefused(Exception):
    """The database cannot be opened safely. `message` is Chinese, for the user."""

    exit_code = 3

    def __init__(self, message: str, detail: str = ""):
        super().__init__(message)
        self.message = message
        self.detail = detail or message


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


def inspect_file(path: Path) -> FileState:
    """Read what the file is without writing a byte to it; refuse what Kace cannot open."""
    if not path.exists() or path.stat().st_size == 0:
        return FileState(path.exists(), None, False)
    if path.is_dir():
        raise DatabaseRefused(f"数据库路径是一个文件夹：{path}")
    try:
        with path.open("rb") as f:
            magic = f.read(len(SQLITE_MAGIC))
    except OSError as e:
        raise DatabaseRefused(f"无法读取数据库文件：{path}（{e.strerror}）", str(e)) from e
    if magic != SQLITE_MAGIC:
        raise DatabaseRefused(
            f"这不是卡册数据库文件（不是 SQLite 格式）：{path}", "not an SQLite file"
        )
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type='table'")}
            revision = None
            if "alembic_version" in tables:
                row = conn.execute("SELECT version_num FROM alembic_version").fetchone()
                revision = row[0] if row else None
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
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
    return FileState(True, revision, bool(tables))


def backup_sqlite(src: Path, dest: Path) -> Path:
    """Copy a live SQLite file with the online backup API (consistent even while in use)."""
    source = sqlite3.connect(f"file:{src}?mode=ro", uri=True)
    target = sqlite3.connect(dest)
    try:
        source.backup(target)
        # A backup is one self-contained file (no -wal/-shm beside it to lose on the way).
        target.execute("PRAGMA journal_mode=DELETE")
    finally:
        target.close()
        source.close()
    return dest


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


def open_sqlite(path: str | Path, *, create: bool = True) -> Engine:
    """Check, back up and upgrade a SQLite file, then return its engine.

    Raises DatabaseRefused (exit code 3) for anything that cannot be opened safely.
    """
    path = Path(path).expanduser().absolute()
    if not path.parent.is_dir():
        raise DatabaseRefused(f"数据库所在的文件夹不存在：{path.parent}")
    state = inspect_file(path)
    if not state.exists and not create:
        raise DatabaseRefused(f"数据库文件不存在：{path}")
    head = head_revision()
    if state.revision is not None and state.revision != head:
        stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
        backup = path.with_name(f"{path.stem}.before-{head}-{stamp}{path.suffix or '.db'}")
        log.info("backing up %s to %s before upgrading from %s", path, backup, state.revision)
        try:
            backup_sqlite(path, backup)
        except (sqlite3.Error, OSError) as e:
            raise DatabaseRefused(f"升级前无法备份数据库：{e}", str(e)) from e
    engine = make_engine(sqlite_url(path))
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
