"""Encryption at rest (SQLCipher, a data key wrapped by each user's password): `kace db encrypt`
hides the data, a wrong password opens nothing, a password change rewraps the key without
re-encrypting the file, an administrator resets a user, the log-in dialog unlocks the database."""

from __future__ import annotations

import hashlib
import io
import shutil
import sqlite3
import sys
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app.cli import main
from app.db import crypto
from app.db.backup import backup, restore
from app.db.maintenance import check
from app.db.migrate import DatabaseRefused, open_sqlite
from app.db.models import Household, Member
from app.ops import users
from app.ops.context import OpContext
from tests.conftest import TODAY

pytestmark = pytest.mark.skipif(not crypto.available(), reason="sqlcipher3 is not installed here")

ADMIN, ADMIN_PW = "admin", "secret-admin"
CLERK, CLERK_PW = "lu", "secret-clerk"


@pytest.fixture(autouse=True)
def _cheap_key_wrapping(monkeypatch):
    """Keys wrapped inside a test use a cheap Argon2id (each entry records its parameters); the
    administrator's entry, made by `kace db encrypt` below, has the real ones."""
    monkeypatch.setattr(crypto, "ARGON2", {"t": 1, "m": 1024, "p": 1})


def counts(ctx: OpContext) -> tuple[int, int]:
    with ctx.read() as s:
        return (s.execute(select(func.count()).select_from(Household)).scalar_one(),
                s.execute(select(func.count()).select_from(Member)).scalar_one())


@pytest.fixture(scope="module")
def encrypted_once(tmp_path_factory):
    """A 50-household demo county with two accounts, encrypted by `kace db encrypt`; returns
    the folder, a member's ID number and the plain counts. Tests work on copies (`enc`)."""
    folder = tmp_path_factory.mktemp("encrypted")
    db = folder / "kace.db"
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("KACE_DATA_DIR", str(folder / "data"))
        assert main(["demo", "--db", str(db), "--households", "50", "--as-of", TODAY.isoformat()]) == 0
        ctx = OpContext(open_sqlite(db), user="测试员")
        users.add_user(ctx, ADMIN, ADMIN_PW, "管理员")
        users.add_user(ctx, CLERK, CLERK_PW, "录入员")
        plain_counts = counts(ctx)
        with ctx.read() as s:
            id_number = s.execute(select(Member.id_number).where(Member.id_number.is_not(None))).scalar()
        ctx.engine.dispose()
        wal = Path(str(db) + "-wal")  # gone once the last connection closed (checkpointed)
        plain = db.read_bytes() + (wal.read_bytes() if wal.exists() else b"")
        assert id_number.encode() in plain  # so that its absence below means something
        mp.setenv("KACE_PASSWORD", ADMIN_PW)
        err = io.StringIO()
        mp.setattr(sys, "stderr", err)
        assert main(["db", "encrypt", "--db", str(db), "--user", ADMIN]) == 0
    return {"folder": folder, "id_number": id_number, "counts": plain_counts, "output": err.getvalue()}


@pytest.fixture
def enc(encrypted_once, tmp_path) -> Path:
    db = tmp_path / "enc.db"
    shutil.copy(encrypted_once["folder"] / "kace.db", db)
    shutil.copy(crypto.keys_path(encrypted_once["folder"] / "kace.db"), crypto.keys_path(db))
    return db


def open_as(db: Path, username: str, password: str) -> OpContext:
    ctx = OpContext(open_sqlite(db, key=crypto.unlock(db, username, password)), user=username)
    ctx.role = users.authenticate(ctx, username, password).role
    return ctx


def digest(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_encrypt_hides_the_data_and_keeps_every_row(encrypted_once, enc, capsys, monkeypatch):
    out = encrypted_once["output"]
    assert "数据库已加密" in out and "以前的备份仍是未加密的" in out and "用零覆盖并删除" in out
    assert f"以下用户需要管理员重设密码后才能登录：{CLERK}" in out
    folder = encrypted_once["folder"]
    leftovers = [p.name for p in folder.iterdir() if p.name != "data" and not p.name.startswith("kace.db")]
    assert leftovers == []
    assert sorted(p.name for p in folder.glob("kace.db*")) == ["kace.db", "kace.db.keys.json"]
    id_number = encrypted_once["id_number"].encode()
    assert id_number not in enc.read_bytes() and not enc.read_bytes().startswith(b"SQLite format 3")
    with pytest.raises(sqlite3.DatabaseError):
        sqlite3.connect(enc).execute("SELECT count(*) FROM household").fetchone()

    ctx = open_as(enc, ADMIN, ADMIN_PW)
    assert counts(ctx) == encrypted_once["counts"]
    with ctx.read() as s:
        assert s.execute(select(func.count()).where(Member.id_number == id_number.decode())).scalar_one() >= 1
    users.add_user(ctx, "walwatcher", "secret-wal", "查看")  # a write: in the -wal file for now
    wal = Path(str(enc) + "-wal")
    assert wal.stat().st_size > 0
    assert b"walwatcher" not in wal.read_bytes()
    ctx.engine.dispose()

    report = check(enc, crypto.unlock(enc, ADMIN, ADMIN_PW))
    assert report.ok and report.encrypted and report.integrity == ["ok"]
    monkeypatch.delenv("KACE_PASSWORD", raising=False)
    assert main(["db", "check", "--db", str(enc), "--user", ADMIN]) == 3  # no password in the env: refused
    assert "数据库已加密" in capsys.readouterr().err


def test_a_wrong_password_opens_nothing(enc, monkeypatch, capsys):
    before = digest(enc)
    with pytest.raises(crypto.WrongPassword, match="用户名或密码不正确"):
        crypto.unlock(enc, ADMIN, "not-the-password")
    with pytest.raises(crypto.WrongPassword):
        crypto.unlock(enc, "nobody", ADMIN_PW)
    with pytest.raises(DatabaseRefused, match="数据库已加密"):
        open_sqlite(enc)  # no key: a Chinese refusal, not a traceback

    monkeypatch.setenv("KACE_PASSWORD", "not-the-password")
    assert main(["stats", "--db", str(enc), "--user", ADMIN]) == 3
    assert "用户名或密码不正确" in capsys.readouterr().err
    monkeypatch.delenv("KACE_PASSWORD")
    assert main(["stats", "--db", str(enc)]) == 3
    assert "数据库已加密" in capsys.readouterr().err
    assert digest(enc) == before and not Path(str(enc) + "-wal").exists()

    monkeypatch.setenv("KACE_PASSWORD", ADMIN_PW)
    assert main(["stats", "--db", str(enc), "--user", ADMIN, "--json"]) == 0
    assert '"households": 50' in capsys.readouterr().out


def test_a_password_change_rewraps_the_key_and_does_not_re_encrypt(enc, monkeypatch, capsys):
    key = crypto.unlock(enc, ADMIN, ADMIN_PW)
    open_sqlite(enc, key=key).dispose()  # first opening: the file goes into WAL mode
    before, mtime = enc.read_bytes(), enc.stat().st_mtime_ns

    engine = open_sqlite(enc, key=key)
    crypto.grant(engine, "probe", "probe-password")  # the key part of a password change
    engine.dispose()
    assert crypto.unlock(enc, "probe", "probe-password") == key
    assert enc.read_bytes() == before and enc.stat().st_mtime_ns == mtime

    monkeypatch.setenv("KACE_PASSWORD", ADMIN_PW)
    monkeypatch.setattr(sys, "stdin", io.StringIO("newest-admin\n"))
    assert main(["user", "passwd", ADMIN, "--db", str(enc), "--user", ADMIN]) == 0
    assert crypto.unlock(enc, ADMIN, "newest-admin") == key  # the same data key...
    with pytest.raises(crypto.WrongPassword):
        crypto.unlock(enc, ADMIN, ADMIN_PW)
    after = enc.read_bytes()
    # ...so the file was not re-encrypted: same salt, and only the pages of app_user changed.
    assert after[:16] == before[:16] and len(after) == len(before)
    pages = [i for i in range(0, len(before), 4096) if before[i:i + 4096] != after[i:i + 4096]]
    wal = Path(str(enc) + "-wal")
    wal_frames = (wal.stat().st_size - 32) // (4096 + 24) if wal.exists() else 0
    assert 0 < len(pages) + wal_frames <= 8, (pages, wal_frames)  # of ~370 pages
    ctx = open_as(enc, ADMIN, "newest-admin")
    assert counts(ctx)[0] == 50
    ctx.engine.dispose()


def test_an_administrator_resets_a_user_and_users_change_their_own(enc):
    with pytest.raises(crypto.WrongPassword):  # not wrapped for yet: encrypted by the admin
        crypto.unlock(enc, CLERK, CLERK_PW)
    admin = open_as(enc, ADMIN, ADMIN_PW)
    key = crypto.engine_key(admin.engine)
    users.set_password(admin, CLERK, "reset-by-admin")  # the admin's key wraps it for lu
    admin.engine.dispose()
    assert crypto.unlock(enc, CLERK, "reset-by-admin") == key

    clerk = open_as(enc, CLERK, "reset-by-admin")
    users.set_password(clerk, CLERK, "my-own-choice")  # a 录入员 changes their own password
    from app.domain.errors import DomainError
    with pytest.raises(DomainError, match="只有管理员"):
        users.set_password(clerk, ADMIN, "taken-over")
    clerk.engine.dispose()
    assert crypto.unlock(enc, CLERK, "my-own-choice") == key
    with pytest.raises(crypto.WrongPassword):
        crypto.unlock(enc, CLERK, "reset-by-admin")

    admin = open_as(enc, ADMIN, ADMIN_PW)
    users.set_disabled(admin, CLERK)  # a disabled user's wrapped key is removed
    admin.engine.dispose()
    assert crypto.users_with_keys(enc) == {ADMIN}
    with pytest.raises(crypto.WrongPassword):
        crypto.unlock(enc, CLERK, "my-own-choice")


def test_backups_of_an_encrypted_database_stay_encrypted(encrypted_once, enc, tmp_path):
    key = crypto.unlock(enc, ADMIN, ADMIN_PW)
    with pytest.raises(DatabaseRefused, match="数据库已加密"):
        backup(enc, tmp_path / "b.db")
    info = backup(enc, tmp_path / "b.db", key)
    assert info.households == 50 and crypto.keys_path(info.path).exists()
    assert encrypted_once["id_number"].encode() not in info.path.read_bytes()
    assert crypto.unlock(info.path, ADMIN, ADMIN_PW) == key  # opens on its own, with its keys file
    kept = restore(enc, info.path, key)
    assert crypto.is_encrypted(enc) and crypto.is_encrypted(kept)
    ctx = open_as(enc, ADMIN, ADMIN_PW)
    assert counts(ctx) == encrypted_once["counts"]
    ctx.engine.dispose()


def test_encrypt_refuses_a_database_in_use_and_leaves_it_plain(ctx, db_path):
    users.add_user(ctx, ADMIN, ADMIN_PW, "管理员")
    with ctx.read() as s:  # the program holds the file open (WAL mode)
        s.execute(select(1)).all()
    c = sqlite3.connect(db_path)  # (a refused encryption may fold the WAL in, nothing more)
    c.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    c.close()
    before = digest(db_path)
    with pytest.raises(DatabaseRefused, match="正在被使用"):
        crypto.encrypt_database(db_path, ADMIN, ADMIN_PW)
    assert digest(db_path) == before and not crypto.keys_path(db_path).exists()
    assert not db_path.with_name(db_path.name + ".encrypting").exists()
    ctx.engine.dispose()
    crypto.encrypt_database(db_path, ADMIN, ADMIN_PW)
    assert crypto.is_encrypted(db_path)


def test_a_platform_without_sqlcipher_says_so(enc, monkeypatch, db_path, ctx, capsys):
    monkeypatch.setattr(crypto, "sqlcipher3", None)
    with pytest.raises(DatabaseRefused, match="不含 SQLCipher"):
        open_sqlite(enc)
    with pytest.raises(DatabaseRefused, match="不含 SQLCipher"):
        crypto.unlock(enc, ADMIN, ADMIN_PW)
    ctx.engine.dispose()
    monkeypatch.setenv("KACE_PASSWORD", ADMIN_PW)
    assert main(["db", "encrypt", "--db", str(db_path), "--user", ADMIN]) == 3
    assert "不含 SQLCipher" in capsys.readouterr().err


def test_the_log_in_dialog_unlocks_the_database(qtbot, enc):
    from app.ui.login import LoginDialog, Unlock
    from app.ui.context import build_context
    from tests.ui.conftest import FakeInteraction, type_text

    unlock = Unlock(enc, lambda path, key: build_context(path, FakeInteraction(), key=key))
    dialog = LoginDialog(None, username=ADMIN, login=unlock)
    qtbot.addWidget(dialog)
    type_text(dialog.password, "not-the-password")
    assert dialog.try_login() is False
    assert "用户名或密码不正确" in dialog.message.text() and unlock.app_ctx is None
    assert not Path(str(enc) + "-wal").exists()  # nothing was opened
    type_text(dialog.password, ADMIN_PW)
    assert dialog.try_login() is True and dialog.user.username == ADMIN
    app_ctx = unlock.app_ctx
    try:
        assert counts(app_ctx.ops)[0] == 50
        assert crypto.engine_key(app_ctx.ops.engine) == crypto.unlock(enc, ADMIN, ADMIN_PW)
    finally:
        app_ctx.close()


def test_an_interrupted_swap_leaves_no_plain_copy(enc):
    aside = enc.with_name(enc.name + crypto.ASIDE_SUFFIX)
    aside.write_bytes(b"SQLite format 3\x00 plain rows")
    crypto.unlock(enc, ADMIN, ADMIN_PW)
    assert not aside.exists()
