"""Writing files the way Windows allows: the one place Kace replaces, renames, removes and flushes
the files it writes (PDFs, backups, exports, bundles, the database swap in restore and encrypt).

Windows differs from Linux where it hurts:
- `os.fsync` needs a handle open for writing (a read-only one gives EBADF), and a folder cannot be
  opened as a file at all, so a folder is flushed only where the system allows it;
- a file another program holds open (WPS showing the PDF, an antivirus scanning a fresh file, the
  search indexer) cannot be replaced or removed: WinError 32 (sharing violation) or 5 (access
  denied). Such holds are usually brief, so the operation is retried with a short backoff; a hold
  that lasts gives `FileBusy`, a Chinese message naming the file and what to do.
tests/windows_rules.py imitates these rules on Linux.
"""

from __future__ import annotations

import errno
import logging
import os
import secrets
import sys
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import BinaryIO, TypeVar

from app.domain.errors import DomainError
from app.retry import retry_call

log = logging.getLogger(__name__)
T = TypeVar("T")

# Seconds between attempts: about 3 s in all, enough for an antivirus scan of a fresh file.
RETRY_DELAYS: tuple[float, ...] = (0.05, 0.1, 0.2, 0.4, 0.8, 1.5)
_BUSY_WINERRORS = {5, 32, 33}  # access denied, sharing violation, lock violation
WINDOWS = sys.platform == "win32"


class FileBusy(DomainError):
    """A file stayed held open by another program through every retry."""

    def __init__(self, path: str | os.PathLike):
        self.path = Path(path)
        super().__init__("文件", f"文件正被其他程序占用，无法写入：{self.path}。"
                                 "请关闭正在查看该文件的程序后重试"
                                 "（例如 WPS、PDF 阅读器或 Excel；杀毒软件正在扫描时，稍等片刻再试）。")


def is_busy(exc: BaseException) -> bool:
    """A refusal because someone else holds the file (not a missing file or a full disk)."""
    if not isinstance(exc, OSError):
        return False
    if getattr(exc, "winerror", None) in _BUSY_WINERRORS:
        return True
    return exc.errno in (errno.EBUSY, errno.ETXTBSY)


def retrying(action: Callable[[], T], path: str | os.PathLike, *,
             delays: tuple[float, ...] | None = None) -> T:
    """Run `action`; while the file is held open elsewhere, wait a little longer and try again.
    After the last attempt raise FileBusy naming `path` (the file the user may have open)."""
    delays = RETRY_DELAYS if delays is None else delays
    try:
        return retry_call(action, retry_on=is_busy, delays=delays)
    except OSError as e:
        if not is_busy(e):
            raise
        log.warning("file still held open after %d attempts: %s (%s)", len(delays) + 1, path, e)
        raise FileBusy(path) from e


def replace(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """os.replace, retried while either file is held open; FileBusy names `dst`."""
    retrying(lambda: os.replace(src, dst), dst)


def unlink(path: str | os.PathLike, missing_ok: bool = True) -> None:
    """Remove a file, retried while it is held open; FileBusy names it."""
    def remove() -> None:
        try:
            os.unlink(path)
        except FileNotFoundError:
            if not missing_ok:
                raise
    retrying(remove, path)


def place_new(src: str | os.PathLike, dst: str | os.PathLike) -> None:
    """Give a finished file its name, never over an existing file (FileExistsError): a hard
    link where the file system has them (atomic, refuses an existing name), else a rename after
    checking the name is free (FAT32/exFAT sticks; Windows' rename refuses an existing name too)."""
    try:
        os.link(src, dst)
    except FileExistsError:
        raise
    except OSError:
        if os.path.exists(dst):
            raise FileExistsError(errno.EEXIST, "file exists", str(dst)) from None
        retrying(lambda: os.rename(src, dst), dst)
        return
    unlink(src)


def fsync_file(path: str | os.PathLike) -> None:
    """Flush a finished file to the disk. Opened for writing: Windows refuses fsync on a
    read-only handle (EBADF)."""
    with open(path, "r+b") as f:
        os.fsync(f.fileno())


def fsync_dir(folder: str | os.PathLike) -> None:
    """Make a rename in `folder` durable where the system allows it; Windows cannot open a
    folder as a file (its renames are journalled by NTFS), and some file systems refuse."""
    if WINDOWS:
        return
    try:
        fd = os.open(folder, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(fd)
    except OSError:
        pass  # e.g. a FUSE or network file system without directory sync
    finally:
        os.close(fd)


def part_path(target: Path) -> Path:
    """A hidden temporary name beside `target` (same folder, so the final rename is atomic)."""
    return target.with_name(f".{target.name}.{secrets.token_hex(4)}.part")


@contextmanager
def atomic_write(target: str | os.PathLike) -> Iterator[BinaryIO]:
    """A binary stream whose bytes reach `target` only if the block succeeds: written under a
    temporary name, flushed to the disk, then swapped in (retried while `target` is held open)."""
    target = Path(target)
    with _swapped_in(target) as tmp:
        # open(..., "x") rather than mkstemp: the file gets the usual permissions, not 0600.
        with open(tmp, "xb") as f:
            yield f


def write_via(target: str | os.PathLike, write: Callable[[Path], object]) -> None:
    """For writers that want a file name, not a stream (openpyxl's save): `write(tmp)` writes a
    temporary file beside `target`, which is then swapped in as atomic_write does."""
    target = Path(target)
    with _swapped_in(target) as tmp:
        write(tmp)


@contextmanager
def _swapped_in(target: Path) -> Iterator[Path]:
    """A temporary name beside `target`; after the block the file there is flushed to the disk
    and swapped in (retried while `target` is held open), or removed if the block failed."""
    tmp = part_path(target)
    try:
        yield tmp
        fsync_file(tmp)
        replace(tmp, target)
    except BaseException:
        try:
            tmp.unlink(missing_ok=True)
        except OSError:
            log.warning("could not remove the temporary file %s", tmp)
        raise
    fsync_dir(target.parent)
