"""Network shares and cloud-synced folders (issue 14, defect 6): detected from the path, the drive
type (Windows) or the mount table (Linux); refused by the wizard, warned about at start, and the
database is then opened without WAL."""

from __future__ import annotations

import sqlite3
from contextlib import closing

import pytest

from app.db import location
from app.db.location import NETWORK, SYNCED, classify, mount_fstype
from app.db.migrate import open_sqlite

MOUNTS = """\
/dev/sda2 / ext4 rw,relatime 0 0
tmpfs /tmp tmpfs rw 0 0
//nas/扶贫 /mnt/nas cifs rw,vers=3.0 0 0
server:/export /home/li/共享 nfs4 rw 0 0
li@host:/data /home/li/远程\\040资料 fuse.sshfs rw 0 0
/dev/sdb1 /media/li/U盘 exfat rw 0 0
"""


@pytest.mark.parametrize("path, kind, what", [
    (r"C:\Users\李明\OneDrive\卡册\kace.db", SYNCED, "OneDrive"),
    (r"C:\Users\李明\OneDrive - 桂平市扶贫办\kace.db", SYNCED, "OneDrive"),
    (r"D:\Nutstore\kace.db", SYNCED, "坚果云"),
    (r"C:\Users\李明\Nutstore Files\我的坚果云\kace.db", SYNCED, "坚果云"),
    (r"C:\Users\li\Dropbox\kace.db", SYNCED, "Dropbox"),
    (r"C:\Users\li\iCloudDrive\kace.db", SYNCED, "iCloud 云盘"),
    (r"D:\BaiduNetdisk\kace.db", SYNCED, "百度网盘"),
    (r"D:\BaiduSyncdisk\工作\kace.db", SYNCED, "百度网盘"),
    (r"D:\百度网盘\kace.db", SYNCED, "百度网盘"),
    (r"\\nas\扶贫\kace.db", NETWORK, "网络共享文件夹"),
    ("//nas/扶贫/kace.db", NETWORK, "网络共享文件夹"),
    (r"\\?\UNC\nas\扶贫\kace.db", NETWORK, "网络共享文件夹"),
])
def test_windows_paths(path, kind, what):
    risk = classify(path, platform="win32", drive_type=3)
    assert risk is not None and (risk.kind, risk.what) == (kind, what)
    assert "本机磁盘" in risk.message(path) and path in risk.message(path)


def test_mapped_network_drive_by_drive_type():
    assert classify(r"Z:\卡册\kace.db", platform="win32", drive_type=location.DRIVE_REMOTE).kind == NETWORK
    for local in (2, 3):  # removable (USB stick), fixed disk
        assert classify(r"D:\扶贫 资料\1#楼\kace.db", platform="win32", drive_type=local) is None


@pytest.mark.parametrize("path, expected", [
    ("/mnt/nas/kace.db", NETWORK),
    ("/home/li/共享/村/kace.db", NETWORK),
    ("/home/li/远程 资料/kace.db", NETWORK),
    ("/home/li/Dropbox/kace.db", SYNCED),
    ("/home/li/kace.db", None),
    ("/tmp/扶贫 资料/1#楼/kace.db", None),
    ("/media/li/U盘/kace.db", None),
    ("/mnt/nasty/kace.db", None),  # not inside /mnt/nas
])
def test_linux_paths_by_mount_table(path, expected):
    risk = classify(path, platform="linux", mounts_text=MOUNTS)
    assert (risk.kind if risk else None) == expected


def test_mount_lookup_takes_the_longest_mount_point():
    assert mount_fstype("/tmp/x", MOUNTS) == "tmpfs"
    assert mount_fstype("/", MOUNTS) == "ext4"
    assert mount_fstype("/home/li/远程 资料", MOUNTS) == "fuse.sshfs"


def test_the_machine_running_the_tests_is_a_local_folder(tmp_path):
    assert classify(tmp_path / "扶贫 资料" / "kace.db") is None


def test_a_database_in_a_synced_folder_is_opened_without_wal(tmp_path):
    db = tmp_path / "OneDrive - 扶贫办" / "kace.db"
    db.parent.mkdir()
    engine = open_sqlite(db)
    try:
        with engine.connect() as conn:
            assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "delete"
    finally:
        engine.dispose()
    local = tmp_path / "本机" / "kace.db"
    local.parent.mkdir()
    open_sqlite(local).dispose()
    with closing(sqlite3.connect(local)) as c:
        assert c.execute("PRAGMA journal_mode").fetchone()[0] == "wal"


def test_the_command_line_warns(tmp_path, capsys):
    from app.cli import main

    db = tmp_path / "Dropbox" / "kace.db"
    db.parent.mkdir()
    assert main(["db", "upgrade", "--db", str(db)]) == 0
    assert main(["villages", "--db", str(db)]) == 0
    assert "警告：数据库位置" in capsys.readouterr().err
