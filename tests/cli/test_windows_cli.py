"""The command line on Windows (issue 14, defect 7): `kace-cli` is the console command and every
message names it there; a password is never read from a console that is not there."""

from __future__ import annotations

import os
import sys
import tomllib
from pathlib import Path

import pytest

from app import paths
from app.cli import main
from app.db import crypto

ROOT = Path(__file__).resolve().parents[2]


def test_entry_points_kace_windowed_and_kace_cli_console():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    assert project["scripts"]["kace-cli"] == "app.cli:main"
    assert project["gui-scripts"]["kace"] == "app.cli:main"
    assert "kace" not in project["scripts"]  # on Windows that would open a console behind the program
    bin_dir = Path(sys.executable).parent
    assert (bin_dir / ("kace-cli.exe" if sys.platform == "win32" else "kace-cli")).exists()


def test_messages_name_kace_cli_on_windows(monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(sys, "platform", "win32")
    assert paths.cli_name() == "kace-cli"
    missing = tmp_path / "扶贫 资料" / "kace.db"
    assert main(["stats", "--db", str(missing)]) == 3
    err = capsys.readouterr().err
    assert "kace-cli demo" in err and str(missing) in err
    db = tmp_path / "kace.db"
    assert main(["db", "upgrade", "--db", str(db)]) == 0
    capsys.readouterr()
    assert main(["print", "register", "--db", str(db), "--village", "450881999999",
                 "--out", str(tmp_path / "x.pdf")]) == 2
    assert "kace-cli villages" in capsys.readouterr().err
    monkeypatch.setattr(sys, "platform", "linux")
    assert paths.cli_name() == "kace"


def test_user_add_without_a_console_says_so(monkeypatch, tmp_path, capsys):
    db = tmp_path / "kace.db"
    assert main(["db", "upgrade", "--db", str(db)]) == 0
    monkeypatch.setattr(sys, "stdin", None)
    for argv in (["user", "add", "li", "--db", str(db)], ["user", "add", "li", "--password-stdin", "--db", str(db)],
                 ["user", "passwd", "li", "--db", str(db)]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "没有可以输入新密码的控制台窗口" in err and "KACE_PASSWORD" in err and "Traceback" not in err


@pytest.mark.skipif(not crypto.available(), reason="sqlcipher3 is not installed here")
def test_an_encrypted_database_without_a_console_says_so(monkeypatch, tmp_path, capsys):
    from app.db.migrate import open_sqlite
    from app.ops import users
    from app.ops.context import OpContext

    monkeypatch.setattr(crypto, "ARGON2", {"t": 1, "m": 1024, "p": 1})
    db = tmp_path / "kace.db"
    ctx = OpContext(open_sqlite(db), user="测试员")
    users.add_user(ctx, "admin", "secret-admin", "管理员")
    ctx.engine.dispose()
    monkeypatch.setenv("KACE_PASSWORD", "secret-admin")
    assert main(["db", "encrypt", "--db", str(db), "--user", "admin"]) == 0
    monkeypatch.delenv("KACE_PASSWORD")
    monkeypatch.setattr(sys, "stdin", None)
    assert main(["villages", "--db", str(db), "--user", "admin"]) == 3
    err = capsys.readouterr().err
    assert "没有可以输入用户名和密码的控制台窗口" in err and "Traceback" not in err
    assert os.path.exists(db)
