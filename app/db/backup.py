"""Backups and restore of the local SQLite file (online backup API; never a half file).

A backup is written to a temporary name, checked (`PRAGMA integrity_check`, a Kace schema we can
open), then renamed. A restore checks the backup the same way, keeps the current file aside, and
gives the restored copy a new incarnation (sync-design.md: a restored copy must not reuse the
sequence numbers its original already handed out).

An encrypted database (app/db/crypto.py) needs its data key (`key=`); its backups are encrypted
with the same key and get a copy of the keys file beside them. A restore into an encrypted
database encrypts the restored copy with the database's own key.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app import fileops, paths
from app.db import crypto
from app.db.base import new_id
from app.db.migrate import backup_sqlite, inspect_file
from app.db.refusal import DatabaseRefused

DAILY_PREFIX = "kace-daily-"
log = logging.getLogger(__name__)


@dataclass(frozen=True)
class BackupInfo:
    path: Path
    size: int
    households: int


def _verify(path: Path, key: bytes | None = None) -> int:
    """Refuse a file that is not a sound Kace database; return its household count."""
    state = inspect_file(path, key)  # not SQLite, newer version, foreign file -> DatabaseRefused
    if not state.exists or state.revision is None:
        raise DatabaseRefused(f"备份文件不是卡册数据库：{path}")
    try:
        conn = crypto.connect(path, key if state.encrypted else None, readonly=True)
        try:
            result = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            households = conn.execute("SELECT count(*) FROM household").fetchone()[0]
        finally:
            conn.close()
    except crypto.ERRORS as e:
        raise DatabaseRefused(f"备份文件已损坏：{path}", str(e)) from e
    if result != ["ok"]:
        raise DatabaseRefused(f"备份文件未通过完整性检查：{path}", "; ".join(result[:5]))
    return households


def backup(db: Path, out: Path, key: bytes | None = None) -> BackupInfo:
    """Copy the live database to `out`, verified; `out` is never left half-written.
    An encrypted database (its data key given) gives an encrypted backup and its keys file."""
    db, out = Path(db), Path(out)
    if not db.exists():
        raise DatabaseRefused(f"数据库文件不存在：{db}")
    key = key if inspect_file(db, key).encrypted else None
    if not out.parent.is_dir():
        raise DatabaseRefused(f"备份所在的文件夹不存在：{out.parent}")
    tmp = out.with_name(out.name + ".part")
    fileops.unlink(tmp)
    try:
        if key is not None:
            crypto.copy_keys(db, tmp)  # _verify needs it beside the copy
        backup_sqlite(db, tmp, key)
        households = _verify(tmp, key)
        fileops.fsync_file(tmp)  # opened for writing: Windows refuses fsync on a read-only handle
        if key is not None:
            crypto.copy_keys(db, out)
        fileops.replace(tmp, out)
        fileops.fsync_dir(out.parent)
    except fileops.FileBusy as e:
        raise DatabaseRefused(f"备份失败：{e.message}", str(e.__cause__)) from e
    except (OSError, *crypto.ERRORS) as e:
        raise DatabaseRefused(f"备份失败：{e}", str(e)) from e
    finally:
        _remove_quietly(tmp, crypto.keys_path(tmp))
    return BackupInfo(out, out.stat().st_size, households)


def restore(db: Path, source: Path, key: bytes | None = None) -> Path:
    """Replace `db` by a verified copy of `source`; returns where the old file was kept.
    An encrypted `db` needs its data key; the restored copy is encrypted with it (a plain backup
    included), and an encrypted backup must have been made with the same key."""
    db, source = Path(db), Path(source)
    if not source.exists():
        raise DatabaseRefused(f"备份文件不存在：{source}")
    if crypto.is_encrypted(db) and key is None:
        raise DatabaseRefused(crypto.locked_message(db), "restore without the data key")
    live_key = key if crypto.is_encrypted(db) else None
    source_key = key if crypto.is_encrypted(source) else None
    if source_key is not None and live_key is None:
        raise DatabaseRefused("备份文件已加密，而当前数据库没有加密：不能把加密的备份恢复成未加密的数据库。"
                              f"请先用 {paths.cli_name()} db encrypt 加密当前数据库。")
    _verify(source, source_key)
    stamp = datetime.now().strftime("%Y%m%d-%H%M%S")
    staged = db.with_name(db.name + ".restoring")
    fileops.unlink(staged)
    try:
        if live_key is not None:
            crypto.copy_keys(db, staged)
        crypto.copy_database(source, staged, source_key, live_key)
        conn = crypto.connect(staged, live_key)
        try:
            conn.execute("UPDATE replica SET incarnation_id = ?", (new_id(),))
            conn.commit()
        finally:
            conn.close()
        _verify(staged, live_key)
        fileops.fsync_file(staged)
        kept = db.with_name(f"{db.stem}.before-restore-{stamp}{db.suffix or '.db'}")
        if db.exists():
            backup_sqlite(db, kept, live_key)  # a consistent copy of the current data, WAL included
            if live_key is not None:
                crypto.copy_keys(db, kept)
            _checkpoint(db, live_key)  # fold the WAL in, so swapping the main file loses nothing
        fileops.replace(staged, db)  # atomic: a kill leaves either the old or the restored file
        for extra in ("-wal", "-shm"):
            fileops.unlink(Path(str(db) + extra))
        fileops.fsync_dir(db.parent)
    except fileops.FileBusy as e:
        raise DatabaseRefused(f"恢复失败，当前数据库未改变：{e.message}", str(e.__cause__)) from e
    except (OSError, *crypto.ERRORS) as e:
        raise DatabaseRefused(f"恢复失败，当前数据库未改变：{e}", str(e)) from e
    finally:
        _remove_quietly(staged, crypto.keys_path(staged))
    return kept


def backup_folder(db: Path) -> Path:
    """Where the daily backups of `db` go: backups/ beside it (one data folder, wherever the
    first-run wizard put the database)."""
    return Path(db).parent / "backups"


def daily_backup(db: Path, folder: Path, keep: int = 7, today: datetime | None = None,
                 key: bytes | None = None) -> Path | None:
    """Once a day: a backup named by date in `folder`, keeping the newest `keep`."""
    folder.mkdir(parents=True, exist_ok=True)
    day = (today or datetime.now()).strftime("%Y%m%d")
    target = folder / f"{DAILY_PREFIX}{day}.db"
    if target.exists():
        return None
    backup(db, target, key)
    for old in sorted(folder.glob(f"{DAILY_PREFIX}*.db"))[:-keep]:
        _remove_quietly(old, crypto.keys_path(old))  # one held open now goes on a later day
    return target


def _remove_quietly(*files: Path) -> None:
    """Remove temporary or old files; one still held open by another program is left for later
    (and logged) rather than failing the work that is already done."""
    for f in files:
        try:
            fileops.unlink(f)
        except (OSError, fileops.FileBusy) as e:
            log.warning("could not remove %s: %s", f, e)


def _checkpoint(db: Path, key: bytes | None = None) -> None:
    conn = crypto.connect(db, key)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    finally:
        conn.close()
