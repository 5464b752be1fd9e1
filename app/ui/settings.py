"""Typed settings (Picard's idea): every option declared once with its type and default, stored
in an INI file in the config folder (app.paths.config_dir(), KACE_DATA_DIR overrides it)."""

from __future__ import annotations

from pathlib import Path
from typing import Any, Generic, TypeVar

from PySide6.QtCore import QByteArray, QSettings

from app import paths

T = TypeVar("T")
SETTINGS_VERSION = 1


class Option(Generic[T]):
    """A setting: `key` in the INI file, a Python type and a default. Read and written as an
    attribute of Settings; a stored value of the wrong type reads as the default."""

    def __init__(self, key: str, type_: type, default: T):
        self.key, self.type, self.default = key, type_, default

    def __set_name__(self, owner, name):
        self.name = name

    def __get__(self, obj: Settings | None, owner=None) -> T:
        if obj is None:
            return self  # type: ignore[return-value]
        return obj._get(self)

    def __set__(self, obj: Settings, value: T) -> None:
        obj._set(self, value)

    def convert(self, raw: Any) -> T:
        if raw is None:
            return self.default
        if self.type is bool:
            if isinstance(raw, str):
                return raw.strip().lower() in ("true", "1", "yes")
            return bool(raw)
        if self.type is QByteArray:
            return raw if isinstance(raw, QByteArray) else self.default
        if self.type is list:
            if isinstance(raw, str):
                return [raw] if raw else []
            return list(raw)
        return self.type(raw)


class Settings:
    """The user's settings of this program on this computer."""

    version = Option("general/version", int, SETTINGS_VERSION)
    user = Option("general/user", str, "")
    font_size = Option("general/font_size", int, 10)
    # window layout
    geometry = Option("window/geometry", QByteArray, QByteArray())
    window_state = Option("window/state", QByteArray, QByteArray())
    splitter = Option("window/splitter", QByteArray, QByteArray())
    list_header = Option("list/header", QByteArray, QByteArray())
    editor_geometry = Option("editor/geometry", QByteArray, QByteArray())
    # what the list showed last
    region_id = Option("list/region_id", str, "")
    region_level = Option("list/region_level", str, "")
    sort_column = Option("list/sort_column", str, "code")
    sort_descending = Option("list/sort_descending", bool, False)
    recent_files = Option("files/recent", list, [])
    # the daily backup failed and the user was told in a dialog (again only after a success)
    backup_failure_shown = Option("backup/failure_shown", bool, False)

    def __init__(self, path: Path | None = None):
        self.path = Path(path) if path else paths.config_dir() / "kace.ini"
        self._qs = QSettings(str(self.path), QSettings.Format.IniFormat)
        self._upgrade()

    def _get(self, option: Option):
        return option.convert(self._qs.value(option.key, None))

    def _set(self, option: Option, value) -> None:
        self._qs.setValue(option.key, value)

    def _upgrade(self) -> None:
        """Versioned upgrades of stored settings (none yet: version 1 is the first)."""
        self.version = max(self.version, SETTINGS_VERSION)

    def sync(self) -> None:
        self._qs.sync()

    @classmethod
    def options(cls) -> dict[str, Option]:
        return {k: v for k, v in vars(cls).items() if isinstance(v, Option)}
