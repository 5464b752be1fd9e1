"""Where Kace keeps its files. KACE_DATA_DIR overrides the platform folder (tests, portable use)."""

from __future__ import annotations

import getpass
import logging
import os
import sys
from importlib import metadata
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

from app import logsafe

APP_NAME = "kace"


def version() -> str:
    try:
        return metadata.version("kace")
    except metadata.PackageNotFoundError:
        return "0+unknown"


def data_dir() -> Path:
    override = os.environ.get("KACE_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_data_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def config_dir() -> Path:
    override = os.environ.get("KACE_DATA_DIR")
    path = Path(override) if override else Path(platformdirs.user_config_dir(APP_NAME, appauthor=False))
    path.mkdir(parents=True, exist_ok=True)
    return path


def default_db_path() -> Path:
    return data_dir() / "kace.db"


def settings_path() -> Path:
    """The program's settings (app/ui/settings.py), where the first-run wizard remembers the
    database when the user put it somewhere else than the default."""
    return config_dir() / "kace.ini"


REMEMBERED_DB_KEY = "files/database"


def remembered_db_path() -> Path | None:
    """The database the first-run wizard (or 打开数据库) chose, if not the default one."""
    ini = settings_path()
    if not ini.is_file():
        return None
    from PySide6.QtCore import QSettings  # the same reader as the program's, so the same value

    value = QSettings(str(ini), QSettings.Format.IniFormat).value(REMEMBERED_DB_KEY, "")
    return Path(str(value)).expanduser() if value else None


def db_path(explicit: str | os.PathLike | None = None) -> Path:
    """The database the program and every command use: --db when given, else the remembered
    one, else kace.db in the data folder."""
    if explicit:
        return Path(explicit).expanduser()
    return remembered_db_path() or default_db_path()


def cli_name() -> str:
    """The command to type for the command line: on Windows `kace` is the windowed program
    (no console), the console one is `kace-cli`."""
    return "kace-cli" if sys.platform == "win32" else "kace"


_log_file: Path | None = None
_log_lock = None  # the open lock file while this process owns kace.log
PROCESS_LOGS_KEPT = 20


def log_path() -> Path:
    """This process's log file: kace.log for its single owner, else logs/kace-<role>-<pid>.log."""
    return _log_file or data_dir() / "kace.log"


def _own_main_log(folder: Path) -> bool:
    """Take kace.log for this process: an exclusive lock on kace.log.lock, held until it ends.
    Only the owner writes and rotates kace.log, so two processes never rotate the same file
    (on Windows a rename of a file another process has open fails)."""
    global _log_lock
    if _log_lock is not None:
        return True
    try:
        f = open(folder / "kace.log.lock", "a+b")
    except OSError:
        return False
    try:
        if os.name == "nt":
            import msvcrt

            f.seek(0)
            msvcrt.locking(f.fileno(), msvcrt.LK_NBLCK, 1)
        else:
            import fcntl

            fcntl.flock(f.fileno(), fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        f.close()
        return False
    _log_lock = f
    return True


def _prune_process_logs(folder: Path) -> None:
    """Keep the newest per-process logs; one still open elsewhere stays (Windows refuses)."""
    logs = sorted(folder.glob("kace-*.log"), key=lambda p: p.stat().st_mtime)
    for old in logs[:-PROCESS_LOGS_KEPT]:
        try:
            old.unlink()
        except OSError:
            pass


def setup_logging(role: str = "gui") -> None:
    """English log lines in the data folder; the user sees Chinese messages on screen.

    One log file per process: the first Kace process (`role` gui or cli) owns kace.log and
    rotates it; any other one running at the same time writes logs/kace-<role>-<pid>.log
    (the newest PROCESS_LOGS_KEPT are kept)."""
    global _log_file
    root = logging.getLogger()
    if any(getattr(h, "_kace", False) for h in root.handlers):
        return
    try:
        folder = data_dir()
        if _own_main_log(folder):
            path = folder / "kace.log"
            handler: logging.Handler = RotatingFileHandler(path, maxBytes=2_000_000, backupCount=3,
                                                           encoding="utf-8")
        else:
            logs = folder / "logs"
            logs.mkdir(exist_ok=True)
            _prune_process_logs(logs)
            path = logs / f"kace-{role}-{os.getpid()}.log"
            handler = logging.FileHandler(path, encoding="utf-8")
    except OSError:
        return  # a read-only data folder must not stop the program
    _log_file = path
    handler._kace = True
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    logsafe.install(root)  # no ID number or phone number in any log line


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some services, containers)
        return "unknown"
