"""Windows' file rules (issue 14), under tests/windows_rules.py: the rules themselves, the file
helper (app/fileops.py) with a file held open, and backup / restore / encrypt in folders named as
Chinese offices name them (spaces, `#`, `%`)."""

from __future__ import annotations

import errno
import os
import sqlite3
import threading
from contextlib import closing
from pathlib import Path

import pytest

from app import fileops
from app.cli import main
from app.db import crypto
from app.db.backup import backup, restore
from app.db.engine import readonly_uri
from app.db.migrate import DatabaseRefused, open_sqlite
from app.ops.context import OpContext
from app.ops.households import create_household
from app.ops.regions import create_region
from tests.windows_rules import WindowsRules, name_problem, rules_apply

OFFICE_FOLDERS = ("扶贫 资料/1#楼", "扶贫 资料/100%", "扶贫 资料/50%25 #2 楼")


@pytest.fixture
def fast_retries(monkeypatch):
    monkeypatch.setattr(fileops, "RETRY_DELAYS", (0.01, 0.02, 0.05))


def households(path: Path) -> int:
    with closing(sqlite3.connect(readonly_uri(path), uri=True)) as c:
        return c.execute("SELECT count(*) FROM household").fetchone()[0]


def make_db(path: Path, n: int = 1) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    ctx = OpContext(open_sqlite(path), user="测试员")
    try:
        county = create_region(ctx, "450881000000", "桂平市", "county").value["id"]
        town = create_region(ctx, "450881104000", "木乐镇", "township", county).value["id"]
        village = create_region(ctx, "450881104201", "长河村", "village", town).value["id"]
        for _ in range(n):
            create_household(ctx, {"village_id": village})
    finally:
        ctx.engine.dispose()
    return path


# --- the rules themselves (so that the tests under them mean something) -------------------------

@pytest.mark.skipif(not rules_apply(), reason="the rules are imitated on Linux only")
def test_the_listed_modules_run_under_the_rules_without_asking():
    """This module is in WINDOWS_RULES_MODULES: the rules are on though no fixture is requested."""
    assert isinstance(getattr(os.fsync, "__self__", None), WindowsRules)
    assert isinstance(getattr(os.replace, "__self__", None), WindowsRules)


def test_fsync_needs_a_handle_open_for_writing(windows_rules, tmp_path):
    f = tmp_path / "a.bin"
    f.write_bytes(b"x")
    with open(f, "rb") as r, pytest.raises(OSError) as e:
        os.fsync(r.fileno())
    assert e.value.errno == errno.EBADF
    fileops.fsync_file(f)  # opened for writing: accepted


def test_a_file_open_elsewhere_cannot_be_replaced_renamed_or_removed(windows_rules, tmp_path):
    f, other = tmp_path / "card.pdf", tmp_path / "new.pdf"
    f.write_bytes(b"old")
    other.write_bytes(b"new")
    with windows_rules.hold_open(f):
        for action in (lambda: os.replace(other, f), lambda: os.unlink(f), lambda: os.remove(f),
                       lambda: os.rename(f, tmp_path / "x.pdf")):
            with pytest.raises(PermissionError) as e:
                action()
            assert e.value.winerror == 32
    os.replace(other, f)  # released: fine
    assert f.read_bytes() == b"new"


def test_an_open_sqlite_database_cannot_be_replaced(windows_rules, tmp_path):
    db = make_db(tmp_path / "kace.db")
    copy = tmp_path / "copy.db"
    copy.write_bytes(db.read_bytes())
    conn = sqlite3.connect(db)
    try:
        conn.execute("SELECT 1").fetchone()
        with pytest.raises(PermissionError):
            os.replace(copy, db)
    finally:
        conn.close()
    os.replace(copy, db)


def test_rename_onto_an_existing_file_is_refused(windows_rules, tmp_path):
    a, b = tmp_path / "a", tmp_path / "b"
    a.write_text("a")
    b.write_text("b")
    with pytest.raises(FileExistsError):
        os.rename(a, b)
    os.replace(a, b)  # replace is what overwrites on Windows
    assert b.read_text() == "a"


@pytest.mark.parametrize("name", ["a<b.pdf", "户:1.pdf", 'x"y', "a|b", "a?.db", "*.db", "CON", "con.txt",
                                  "NUL.db", "COM1.pdf", "lpt9", "Aux.tar.gz", "结尾空格 ", "结尾点."])
def test_names_windows_refuses(windows_rules, tmp_path, name):
    assert name_problem(name)
    with pytest.raises(OSError):
        open(tmp_path / name, "wb").close()
    with pytest.raises(OSError):
        (tmp_path / name).mkdir()
    assert not (tmp_path / name).exists()


def test_names_windows_accepts(windows_rules, tmp_path):
    for name in ("1#楼", "100%", "扶贫 资料", "CONSOLE.txt", "com10", "户有卡（2026）.pdf"):
        assert name_problem(name) is None
        (tmp_path / name).mkdir()


def test_paths_longer_than_260_characters(windows_rules, tmp_path):
    part = "很长的文件夹名" * 10  # 70 characters (210 bytes: Linux allows 255 a name)
    folder = tmp_path / part / part / part
    long = folder / "kace.db"
    assert len(str(long)) > 260
    with pytest.raises(OSError):
        folder.mkdir(parents=True)
    assert not folder.exists()
    windows_rules.long_paths = True  # 启用长路径 (LongPathsEnabled)
    folder.mkdir(parents=True)
    open(long, "wb").close()


def test_a_folder_cannot_be_opened_as_a_file(windows_rules, tmp_path):
    with pytest.raises(PermissionError):
        os.open(tmp_path, os.O_RDONLY)
    fileops.fsync_dir(tmp_path)  # skipped quietly where folders cannot be flushed


# --- app/fileops.py with a file held open ------------------------------------------------------

def test_a_pdf_held_open_gives_a_clear_message_and_keeps_the_old_file(windows_rules, tmp_path, fast_retries):
    pdf = tmp_path / "户有卡.pdf"
    pdf.write_bytes(b"old")
    with windows_rules.hold_open(pdf), pytest.raises(fileops.FileBusy) as e:
        with fileops.atomic_write(pdf) as f:
            f.write(b"new")
    assert "请关闭正在查看该文件的程序后重试" in e.value.message and str(pdf) in e.value.message
    assert pdf.read_bytes() == b"old"
    assert sorted(p.name for p in tmp_path.iterdir()) == ["户有卡.pdf"]  # no temporary left


def test_a_file_released_during_the_retries_is_written(windows_rules, tmp_path, monkeypatch):
    monkeypatch.setattr(fileops, "RETRY_DELAYS", (0.05, 0.1, 0.2, 0.4, 0.8, 1.6))
    pdf = tmp_path / "户有卡.pdf"
    pdf.write_bytes(b"old")
    held = open(pdf, "rb")
    released = threading.Event()

    def close_it():  # WPS closes the document while Kace is retrying
        held.close()
        released.set()

    threading.Timer(0.2, close_it).start()
    with fileops.atomic_write(pdf) as f:
        f.write(b"new")
    assert released.is_set() and pdf.read_bytes() == b"new"


def test_a_refusal_that_is_not_a_hold_is_not_retried(tmp_path):
    with pytest.raises(FileNotFoundError):
        fileops.replace(tmp_path / "missing", tmp_path / "b")


def test_print_cli_with_the_pdf_held_open_exits_6_with_the_message(windows_rules, tmp_path, capsys, fast_retries):
    db = make_db(tmp_path / "1#楼" / "kace.db")
    pdf = tmp_path / "1#楼" / "村有册.pdf"
    pdf.write_bytes(b"%PDF-old")
    with windows_rules.hold_open(pdf):
        code = main(["print", "register", "--db", str(db), "--village", "450881104201", "--out", str(pdf)])
    err = capsys.readouterr().err
    assert code == 6 and "请关闭正在查看该文件的程序后重试" in err and "Traceback" not in err
    assert pdf.read_bytes() == b"%PDF-old"
    assert main(["print", "register", "--db", str(db), "--village", "450881104201", "--out", str(pdf)]) == 0
    assert pdf.read_bytes().startswith(b"%PDF")  and pdf.stat().st_size > 1000


# --- backup, restore, encrypt in office folders -----------------------------------------------

@pytest.mark.parametrize("folder", OFFICE_FOLDERS)
def test_backup_and_restore_in_office_folders(windows_rules, tmp_path, folder, capsys):
    where = tmp_path / folder
    db = make_db(where / "kace.db", 2)
    out = where / "备份 #1 100%.db"
    assert main(["backup", "--db", str(db), "--out", str(out)]) == 0
    assert households(out) == 2
    make_db_more = OpContext(open_sqlite(db), user="测试员")
    with make_db_more.read() as s:
        village = s.execute(sqlite_village()).scalar()
    create_household(make_db_more, {"village_id": village})
    make_db_more.engine.dispose()
    assert households(db) == 3
    assert main(["restore", "--db", str(db), str(out)]) == 0
    assert households(db) == 2
    # nothing opened or created anywhere else: `1#楼` is not read as the file `1`
    assert not (tmp_path / "扶贫 资料" / "1").exists() and not (where / "kace.db-journal").exists()
    names = sorted(p.name for p in where.iterdir())
    assert "kace.db" in names and "备份 #1 100%.db" in names
    assert all(n in ("kace.db", "备份 #1 100%.db") or n.startswith("kace.before-restore-") for n in names), names


def sqlite_village():
    from sqlalchemy import select

    from app.db.models import Region
    return select(Region.id).where(Region.level == "village")


def test_the_read_only_check_opens_the_file_named_not_another(tmp_path):
    db = make_db(tmp_path / "1#楼" / "kace.db")
    assert households(db) == 1
    assert not (tmp_path / "1").exists()
    uri = readonly_uri(db)
    assert "%231" not in uri and "1%23" in uri and uri.endswith("?mode=ro")
    with pytest.raises(sqlite3.OperationalError):  # mode=ro never creates a missing file
        sqlite3.connect(readonly_uri(tmp_path / "1#楼" / "missing.db"), uri=True).execute("SELECT 1")
    assert not (tmp_path / "1#楼" / "missing.db").exists()


def test_a_backup_whose_target_is_held_open_is_refused_with_the_message(windows_rules, tmp_path, fast_retries):
    db = make_db(tmp_path / "扶贫 资料" / "kace.db")
    out = tmp_path / "扶贫 资料" / "b.db"
    backup(db, out)
    with windows_rules.hold_open(out), pytest.raises(DatabaseRefused) as e:
        backup(db, out)
    assert "请关闭正在查看该文件的程序后重试" in e.value.message
    left = sorted(p.name for p in out.parent.iterdir() if not p.name.endswith(("-wal", "-shm")))
    assert left == ["b.db", "kace.db"]  # no temporary copy left behind
    with windows_rules.hold_open(db), pytest.raises(DatabaseRefused) as e:
        restore(db, out)
    assert "当前数据库未改变" in e.value.message and households(db) == 1


@pytest.mark.skipif(not crypto.available(), reason="sqlcipher3 is not installed here")
def test_encrypt_in_an_office_folder(windows_rules, tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(crypto, "ARGON2", {"t": 1, "m": 1024, "p": 1})
    db = make_db(tmp_path / "扶贫 资料" / "1#楼" / "kace.db")
    from app.ops import users

    ctx = OpContext(open_sqlite(db), user="测试员")
    users.add_user(ctx, "admin", "secret-admin", "管理员")
    ctx.engine.dispose()
    monkeypatch.setenv("KACE_PASSWORD", "secret-admin")
    assert main(["db", "encrypt", "--db", str(db), "--user", "admin"]) == 0, capsys.readouterr().err
    assert crypto.is_encrypted(db)
    key = crypto.unlock(db, "admin", "secret-admin")
    out = db.parent / "备份 100%.db"
    backup(db, out, key=key)
    assert crypto.is_encrypted(out)
    restore(db, out, key=key)
    assert main(["db", "check", "--db", str(db), "--user", "admin"]) == 0


@pytest.mark.parametrize("links", [True, False])
def test_place_new_never_replaces_a_file(windows_rules, tmp_path, monkeypatch, links):
    """Bundles: a hard link where there are links, a rename on FAT32/exFAT sticks (no links)."""
    if not links:
        def no_links(*_a, **_k):
            raise OSError(errno.EPERM, "Operation not permitted")  # FAT32 / exFAT
        monkeypatch.setattr(os, "link", no_links)
    part, out = tmp_path / ".a.kace.part", tmp_path / "变更包 #1.kace"
    part.write_bytes(b"new")
    fileops.place_new(part, out)
    assert out.read_bytes() == b"new" and not part.exists()
    part.write_bytes(b"newer")
    with pytest.raises(FileExistsError):
        fileops.place_new(part, out)
    assert out.read_bytes() == b"new"
