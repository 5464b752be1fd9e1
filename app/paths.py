"""Where Kace keeps its files. KACE_DATA_DIR overrides the platform folder (tests, portable use)."""

from __future__ import annotations

import getpass
import logging
import os
from importlib import metadata
from logging.handlers import RotatingFileHandler
from pathlib import Path

import platformdirs

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


def log_path() -> Path:
    return data_dir() / "kace.log"


def os_user() -> str:
    try:
        return getpass.getuser()
    except Exception:  # no login name (some services, containers)
        return "unknown"


def setup_logging() -> None:
    """English log lines in the data folder; the user sees Chinese messages on screen."""
    root = logging.getLogger()
    if any(isinstance(h, RotatingFileHandler) for h in root.handlers):
        return
    try:
        handler = RotatingFileHandler(log_path(), maxBytes=2_000_000, backupCount=3, encoding="utf-8")
    except OSError:
        return  # a read-only data folder must not stop the program
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    from app.sync.logsafe import install

    install(root)  # no ID number or phone number in any log line
