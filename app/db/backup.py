"""Backups and restore of the local SQLite file (online backup API; never a half file).

A backup is written to a temporary name, checked (`PRAGMA integrity_check`, a Kace schema we can
open), then renamed. A restore checks the backup the same way, keeps the current file aside, and
gives the restored copy a new incarnation (sync-design.md: a restored copy must not reuse the
sequence numbers its original already handed out).
"""

from __future__ import annotations

import os
import sqlite3
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.db.base import new_id
from app.db.migrate import DatabaseRefused, backup_sqlite, inspect_file

DAILY_PREFIX = "kace-daily-"


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    households: int


def _verify(path: Path) -> int:
    """Refuse a file that is not a sound Kace database; return its household count."""
    state = inspect_file(path)  # not SQLite, newer version, foreign file -> DatabaseRefused
    if not state.exists or state.revision is None:
        raise DatabaseRefused(f"备份文件不是卡册数据库：{path}")
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            households = conn.execute("SELECT count(*) FROM household").fetchone()[0]
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise DatabaseRefused(f"备份文件已损坏：{path}", str(e)) from e
    if result != ["ok"]:
        raise DatabaseRefused(f"备份文件未通过完整性检查：{path}", "; ".join(result[:5]))
    return households


def _fsync(path: Path) -> None:
    with open(path, "rb") as f:
        os.fsync(f.fileno())


def backup(db: Path, out: Path) -> BackupInfo:
    """Copy the live database to `out`, verified; `out` is never left half-written."""
    db, out = Path(db), Path(out)
    if not db.exists():
        raise DatabaseRefused(f"数据库文件不存在：{db}")
    inspect_file(db)
    if not out.parent.is_dir():
        raise DatabaseRefused(f"备份所在的文件夹不存在：{out.parent}")
    tmp = out.with_name(out.name + ".part")
    tmp.unlink(missing_ok=True)
    try:
        backup_sqlite(db, tmp)
        households = _verify(tmp)
        _fsync(tmp)
        os.replace(tmp, out)
    except (OSError, sqlite3.Error) as e:
        raise DatabaseRefused(f"备份失败：{e}", str(e)) from e
    finally:
        tmp.unlink(missing_ok=True)
    return BackupInfo(out, out.stat().st_size, households)


def restore(db: Path, source: Path) -> Path:
    """Replace `db` by a verified copy of `source`; returns where the old file was kept."""
    db, source = Path(db), Path(source)
    if not source.exists():
        raise DatabaseRefused(f"备份文件不存在：{source}")
    _verify(source)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    staged = db.with_name(db.name + ".restoring")
    staged.unlink(missing_ok=True)
    try:
        backup_sqlite(source, staged)
        conn = sqlite3.connect(staged)
        try:
            conn.execute("UPDATE replica SET incarnation_id = ?", (new_id(),))
            conn.commit()
        finally:
            conn.close()
        _verify(staged)
        _fsync(staged)
        kept = db.with_name(f"{db.stem}.before-restore-{stamp}{db.suffix or '.db'}")
        if db.exists():
            backup_sqlite(db, kept)  # a consistent copy of the current data, WAL included
            _checkpoint(db)  # fold the WAL in, so swapping the main file loses nothing
        os.replace(staged, db)  # atomic: a kill leaves either the old or the restored file
        for extra in ("-wal", "-shm"):
            Path(str(db) + extra).unlink(missing_ok=True)
    except (OSError, sqlite3.Error) as e:
        raise DatabaseRefused(f"恢复失败，当前数据库未改变：{e}", str(e)) from e
    finally:
        staged.unlink(missing_ok=True)
    return kept


def daily_backup(db: Path, folder: Path, keep: int = 7, today: datetime | None = None) -> Path | None:
    """Once a day: a backup named by date in `folder`, keeping the newest `keep`."""
    folder.mkdir(parents=True, exist_ok=True)
    day = (today or datetime.now()).strftime("%Y%m%d")
    target = folder / f"{DAILY_PREFIX}{day}.db"
    if target.exists():
        return None
    backup(db, target)
    for old in sorted(folder.glob(f"{DAILY_PREFIX}*.db"))[:-keep]:
        old.unlink(missing_ok=True)
    return target


def _checkpoint(db: Path) -> None:
    conn = sqlite3.connect(db)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
