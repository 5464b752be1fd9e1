"""Windows' file rules on Linux, for the tests (issue 14): the laptops run Windows, CI runs Linux.

While active (the `windows_rules` fixture, or the `windows_rules` marker, which the modules listed
in WINDOWS_RULES_MODULES get automatically), this process behaves as Windows does where Kace
depends on it:

- `os.fsync` on a handle open only for reading raises OSError(EBADF) ("[Errno 9] Bad file
  descriptor"), and `os.open` of a folder raises PermissionError (Windows cannot open one);
- `os.replace`, `os.rename`, `os.unlink`/`os.remove` of a file that is open (by `open()`,
  `os.open`, a SQLite connection, pdfium... any descriptor of this process: /proc/self/fd) raise
  PermissionError with winerror 32, as Windows does without FILE_SHARE_DELETE — which neither
  Python's open(), SQLite nor pdfium ask for. A test "holds a file open in another program" by
  simply opening it (`hold_open`);
- `os.rename` onto an existing file raises FileExistsError (winerror 183);
- creating a file or folder whose name has `<>:"|?*`, ends in a space or a dot, or is a reserved
  device name (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension) raises OSError
  (winerror 123 / FileNotFoundError for device names as Windows gives);
- a path longer than 260 characters raises FileNotFoundError (winerror 206) unless the test
  turns long paths on (`rules.long_paths = True`).

The rules apply only on Linux (they need /proc/self/fd); on Windows the real rules apply and the
fixture does nothing.
"""

from __future__ import annotations

import builtins
import errno
import io
import os
import re
import sqlite3
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

try:
    import fcntl as _fcntl_mod
except ImportError:  # Windows: the real rules apply there
    _fcntl_mod = None

# Test modules that always run under the rules: everything that writes, replaces or removes the
# files Kace produces (backup, restore, daily backup, encrypt, print, export, bundle, import,
# first run).
WINDOWS_RULES_MODULES = (
    "tests/db/test_backup.py",
    "tests/db/test_encryption.py",
    "tests/db/test_windows_files.py",
    "tests/ui/test_daily_backup.py",
    "tests/ui/test_restore_ui.py",
    "tests/ui/test_print_preview.py",
    "tests/ui/test_first_run.py",
    "tests/printing/test_card.py",
    "tests/printing/test_streaming.py",
    "tests/cli/test_print_cli.py",
    "tests/exchange/test_export.py",
    "tests/exchange/test_import.py",
    "tests/sync/test_bundle.py",
)

MAX_PATH = 260
_BAD_CHARS = re.compile(r'[<>:"|?*\x00-\x1f]')
_RESERVED = {"CON", "PRN", "AUX", "NUL", *(f"COM{i}" for i in range(1, 10)), *(f"LPT{i}" for i in range(1, 10))}
_WRITE_FLAGS = os.O_WRONLY | os.O_RDWR | os.O_CREAT | os.O_TRUNC | os.O_APPEND


def _winerror(exc: OSError, code: int) -> OSError:
    exc.winerror = code
    return exc


def name_problem(name: str) -> str | None:
    """Why Windows refuses this file or folder name (None: it accepts it)."""
    if not name or name in (".", ".."):
        return None
    if _BAD_CHARS.search(name):
        return "invalid character"
    if name[-1] in " .":
        return "ends in a space or a dot"
    if name.split(".")[0].rstrip(" ").upper() in _RESERVED:
        return "reserved device name"
    return None


class WindowsRules:
    def __init__(self, monkeypatch: pytest.MonkeyPatch):
        self.mp = monkeypatch
        self.long_paths = False
        self.refusals: list[str] = []  # what was refused, for tests that want to see it
        self._real = {name: getattr(os, name) for name in
                      ("open", "fsync", "replace", "rename", "unlink", "remove", "mkdir", "rmdir")}
        self._real_open = builtins.open
        self._real_connect = sqlite3.connect

    # --- what is open -------------------------------------------------------------------------

    @staticmethod
    def _open_files() -> set[str]:
        found = set()
        for fd in os.listdir("/proc/self/fd"):
            try:
                found.add(os.readlink(f"/proc/self/fd/{fd}"))
            except OSError:
                continue  # closed while listing
        return found

    def _absolute(self, path, dir_fd=None) -> str:
        path = os.fsdecode(os.fspath(path))
        if dir_fd is not None and not os.path.isabs(path):
            path = os.path.join(os.readlink(f"/proc/self/fd/{dir_fd}"), path)
        return os.path.abspath(path)

    def _check_not_open(self, op: str, *paths: str) -> None:
        held = self._open_files()
        for p in paths:
            if os.path.isdir(p):
                continue
            real = os.path.realpath(p)
            if real in held:
                self.refusals.append(f"{op} {p}: open")
                raise _winerror(PermissionError(
                    errno.EACCES, "The process cannot access the file because it is being used by "
                                  "another process", p), 32)

    def _check_name(self, path: str) -> None:
        if len(path) >= MAX_PATH and not self.long_paths:
            self.refusals.append(f"long path {path}")
            raise _winerror(FileNotFoundError(errno.ENAMETOOLONG, "The filename or extension is too long", path), 206)
        problem = name_problem(os.path.basename(path))
        if problem:
            self.refusals.append(f"name {path}: {problem}")
            if problem == "reserved device name":
                raise _winerror(FileNotFoundError(errno.ENOENT, "reserved device name", path), 2)
            raise _winerror(OSError(errno.EINVAL, "The filename, directory name, or volume label syntax is "
                                                  "incorrect", path), 123)

    # --- the patched functions ------------------------------------------------------------------

    def os_open(self, path, flags, mode=0o777, *, dir_fd=None):
        full = self._absolute(path, dir_fd)
        if os.path.isdir(full) and not flags & _WRITE_FLAGS:
            # shutil.rmtree opens folders on Linux only (Windows' rmtree lists and unlinks instead)
            if dir_fd is None and sys._getframe(1).f_globals.get("__name__") != "shutil":
                self.refusals.append(f"open folder {full}")
                raise _winerror(PermissionError(errno.EACCES, "Access is denied", full), 5)
        if flags & os.O_CREAT and not os.path.exists(full):
            self._check_name(full)
        elif len(full) >= MAX_PATH and not self.long_paths:
            self._check_name(full)
        return self._real["open"](path, flags, mode, dir_fd=dir_fd) if dir_fd is not None else \
            self._real["open"](path, flags, mode)

    def builtin_open(self, file, mode="r", *args, **kwargs):
        if isinstance(file, (str, bytes, os.PathLike)):
            full = self._absolute(file)
            if any(c in mode for c in "wxa") and not os.path.exists(full):
                self._check_name(full)
            elif len(full) >= MAX_PATH and not self.long_paths:
                self._check_name(full)
        return self._real_open(file, mode, *args, **kwargs)

    def fsync(self, fd):
        if hasattr(fd, "fileno"):
            fd = fd.fileno()
        if _fcntl_mod.fcntl(fd, _fcntl_mod.F_GETFL) & os.O_ACCMODE == os.O_RDONLY:
            self.refusals.append("fsync read-only")
            raise OSError(errno.EBADF, "Bad file descriptor")
        return self._real["fsync"](fd)

    def replace(self, src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        s, d = self._absolute(src, src_dir_fd), self._absolute(dst, dst_dir_fd)
        self._check_not_open("replace", s, d)
        self._check_name(d)
        return self._real["replace"](src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    def rename(self, src, dst, *, src_dir_fd=None, dst_dir_fd=None):
        s, d = self._absolute(src, src_dir_fd), self._absolute(dst, dst_dir_fd)
        if os.path.lexists(d) and os.path.realpath(s) != os.path.realpath(d):
            self.refusals.append(f"rename onto {d}")
            raise _winerror(FileExistsError(errno.EEXIST, "Cannot create a file when that file already exists",
                                            d), 183)
        self._check_not_open("rename", s)
        self._check_name(d)
        return self._real["rename"](src, dst, src_dir_fd=src_dir_fd, dst_dir_fd=dst_dir_fd)

    def unlink(self, path, *, dir_fd=None):
        self._check_not_open("unlink", self._absolute(path, dir_fd))
        return self._real["unlink"](path, dir_fd=dir_fd)

    def mkdir(self, path, mode=0o777, *, dir_fd=None):
        self._check_name(self._absolute(path, dir_fd))
        return self._real["mkdir"](path, mode, dir_fd=dir_fd)

    def connect(self, database, *args, **kwargs):
        if isinstance(database, (str, os.PathLike)) and not kwargs.get("uri") and str(database) != ":memory:":
            full = self._absolute(database)
            if not os.path.exists(full):
                self._check_name(full)
        return self._real_connect(database, *args, **kwargs)

    def install(self) -> None:
        mp = self.mp
        mp.setattr(os, "open", self.os_open)
        mp.setattr(os, "fsync", self.fsync)
        mp.setattr(os, "replace", self.replace)
        mp.setattr(os, "rename", self.rename)
        mp.setattr(os, "unlink", self.unlink)
        mp.setattr(os, "remove", self.unlink)
        mp.setattr(os, "mkdir", self.mkdir)
        mp.setattr(builtins, "open", self.builtin_open)
        mp.setattr(io, "open", self.builtin_open)
        mp.setattr(sqlite3, "connect", self.connect)

    # --- for tests ----------------------------------------------------------------------------

    @contextmanager
    def hold_open(self, path):
        """Another program (WPS, an antivirus) has the file open while the block runs."""
        f = self._real_open(path, "rb")
        try:
            yield f
        finally:
            f.close()


def rules_apply() -> bool:
    return sys.platform.startswith("linux") and os.path.isdir("/proc/self/fd")


@pytest.fixture
def windows_rules(monkeypatch):
    """Windows' file rules for this test (see the module's docstring); yields the WindowsRules."""
    if not rules_apply():
        if sys.platform == "win32":
            return None  # the real thing
        pytest.skip("the Windows rules are imitated on Linux only (/proc/self/fd)")
    rules = WindowsRules(monkeypatch)
    rules.install()
    return rules  # the monkeypatch fixture undoes the patches after the test


def pytest_configure(config):
    config.addinivalue_line("markers", "windows_rules: run the test under Windows' file rules "
                                       "(tests/windows_rules.py)")


def pytest_collection_modifyitems(config, items):
    root = Path(str(config.rootpath))
    for item in items:
        try:
            rel = Path(str(item.path)).relative_to(root).as_posix()
        except ValueError:
            continue
        if rel in WINDOWS_RULES_MODULES:
            item.add_marker(pytest.mark.windows_rules)
        if item.get_closest_marker("windows_rules") and "windows_rules" not in item.fixturenames:
            item.fixturenames.insert(0, "windows_rules")
