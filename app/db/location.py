"""Where the database file may live: not on a network share, a mapped network drive or in a folder a
cloud client synchronises (OneDrive, 坚果云, Dropbox, iCloud, 百度网盘...). SQLite's locking and WAL
(its shared-memory index) do not work across a network file system, and a sync client copies or
replaces the file while Kace writes it: both corrupt the database.

`classify(path)` is pure given its inputs (the platform, the mount table, the drive type), so the
tests give them; the defaults read them from the running system: on Windows GetDriveTypeW of the
path's drive (through ctypes), on Linux the file system type of the mount holding it (/proc/mounts).
The first-run wizard refuses such a place; at start the program warns and opens the file without
WAL (journal_mode=DELETE), which is the least unsafe there.
"""

from __future__ import annotations

import os
import re
import sys
from dataclasses import dataclass
from pathlib import Path, PurePath, PureWindowsPath

NETWORK, SYNCED = "network", "synced"

# Folder names (lower case, spaces removed, compared with the start of each path component) that
# sync clients create, and the name the user knows them by.
SYNC_FOLDERS: tuple[tuple[str, str], ...] = (
    ("onedrive", "OneDrive"),
    ("nutstore", "坚果云"),
    ("我的坚果云", "坚果云"),
    ("坚果云", "坚果云"),
    ("dropbox", "Dropbox"),
    ("iclouddrive", "iCloud 云盘"),
    ("icloud云盘", "iCloud 云盘"),
    ("mobiledocuments", "iCloud 云盘"),
    ("baidunetdisk", "百度网盘"),
    ("baidusyncdisk", "百度网盘"),
    ("百度网盘", "百度网盘"),
    ("googledrive", "Google 云端硬盘"),
    ("wps云盘", "WPS 云盘"),
    ("wpsdrive", "WPS 云盘"),
    ("seadrive", "Seafile"),
    ("seafile", "Seafile"),
)
# Linux file system types of network and remote mounts.
NETWORK_FS = {"nfs", "nfs4", "cifs", "smb3", "smbfs", "smb2", "ncpfs", "afs", "9p", "ceph", "glusterfs",
              "lustre", "davfs", "fuse.sshfs", "sshfs", "fuse.davfs2", "fuse.rclone", "fuse.glusterfs",
              "fuse.cephfs", "fuse.s3fs", "fuse.gcsfuse", "fuse.smbnetfs"}
DRIVE_REMOTE = 4  # GetDriveTypeW


@dataclass(frozen=True)
class Risk:
    kind: str  # NETWORK or SYNCED
    what: str  # what the user knows it as: 网络共享文件夹, OneDrive...

    def message(self, path: Path) -> str:
        place = ("网络共享文件夹或网络驱动器" if self.kind == NETWORK else f"{self.what} 同步的文件夹")
        return (f"数据库位置 {path} 在{place}中。卡册的数据库（SQLite）放在网络位置或云同步文件夹里会损坏："
                "网络文件系统不能可靠地加锁，同步软件会在写入时复制或覆盖文件。"
                "请把数据库放在本机磁盘的普通文件夹中（例如 D:\\卡册数据）；"
                "需要另存一份时，用“文件 › 备份数据库”把备份放到同步文件夹或 U 盘。")


def _components(path: PurePath) -> list[str]:
    return [p.lower().replace(" ", "") for p in path.parts]


def _is_unc(text: str) -> bool:
    return text.startswith(("\\\\", "//")) and not text.startswith(("\\\\?\\", "\\\\.\\", "//?/", "//./")) \
        or text.upper().startswith("\\\\?\\UNC\\")


def _unescape_mount(field: str) -> str:
    return re.sub(r"\\([0-7]{3})", lambda m: chr(int(m.group(1), 8)), field)


def mount_fstype(path: str, mounts_text: str) -> str | None:
    """The file system type of the mount holding `path` (the longest mount point above it)."""
    best, fstype = "", None
    for line in mounts_text.splitlines():
        fields = line.split()
        if len(fields) < 3:
            continue
        point = _unescape_mount(fields[1])
        inside = path == point or path.startswith(point.rstrip("/") + "/")
        if inside and len(point) >= len(best):
            best, fstype = point, fields[2]
    return fstype


def _existing(path: Path) -> Path:
    """The path itself or its nearest existing parent (the wizard's folder may not exist yet)."""
    path = path.absolute()
    while not path.exists() and path != path.parent:
        path = path.parent
    return path


def _system_drive_type(path: Path) -> int | None:
    if os.name != "nt":
        return None
    import ctypes

    anchor = PureWindowsPath(os.path.abspath(path)).anchor
    if not anchor:
        return None
    return int(ctypes.windll.kernel32.GetDriveTypeW(anchor if anchor.endswith("\\") else anchor + "\\"))


def _system_mounts() -> str | None:
    try:
        with open("/proc/mounts", encoding="utf-8", errors="replace") as f:
            return f.read()
    except OSError:
        return None


_SYSTEM = object()


def classify(path: str | os.PathLike, *, platform: str | None = None, mounts_text: str | None | object = _SYSTEM,
             drive_type: int | None | object = _SYSTEM) -> Risk | None:
    """The risk of keeping a SQLite database at `path`, None for a plain local folder."""
    platform = platform or sys.platform
    text = os.fspath(path)
    windows = platform == "win32"
    pure = PureWindowsPath(text) if windows or "\\" in text else PurePath(text)
    if _is_unc(text):
        return Risk(NETWORK, "网络共享文件夹")
    for part in _components(pure):
        for marker, name in SYNC_FOLDERS:
            if part.startswith(marker):
                return Risk(SYNCED, name)
    if windows:
        kind = _system_drive_type(Path(text)) if drive_type is _SYSTEM else drive_type
        if kind == DRIVE_REMOTE:
            return Risk(NETWORK, "网络驱动器")
        return None
    mounts = _system_mounts() if mounts_text is _SYSTEM else mounts_text
    if mounts:
        real = os.path.realpath(_existing(Path(text))) if mounts_text is _SYSTEM else text
        fstype = mount_fstype(real, mounts)
        if fstype in NETWORK_FS:
            return Risk(NETWORK, "网络共享文件夹")
    return None
