"""`kace gui --screenshot`: a real process, offscreen; and a database that cannot be opened."""

from __future__ import annotations

import hashlib
import os
import subprocess
import sys
from pathlib import Path

from PySide6.QtGui import QImage

ROOT = Path(__file__).resolve().parents[2]


def kace(*args, env_dir: Path, extra_env: dict | None = None) -> subprocess.CompletedProcess:
    env = {**os.environ, "KACE_DATA_DIR": str(env_dir), "QT_QPA_PLATFORM": "offscreen", **(extra_env or {})}
    return subprocess.run([sys.executable, "-m", "app.cli", *args], check=False, cwd=ROOT, env=env,
                          capture_output=True, text=True, timeout=120)


def colours(image: QImage) -> int:
    step = 13
    return len({image.pixel(x, y) for x in range(0, image.width(), step)
                for y in range(0, image.height(), step)})


def test_screenshot_of_the_window_and_of_an_editor(ctx, db_path, demo, tmp_path):
    ctx.engine.dispose()
    out = tmp_path / "main.png"
    done = kace("gui", "--db", str(db_path), "--screenshot", str(out), env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    image = QImage(str(out))
    assert image.width() >= 900 and image.height() >= 500
    assert colours(image) > 20  # not blank: text, table, tree

    from app.db import list_queries

    with ctx.read() as s:
        code = list_queries.household_rows(s, [1])[1].code
    editor_png = tmp_path / "editor.png"
    done = kace("gui", "--db", str(db_path), "--screenshot", str(editor_png), "--open-household", code,
                env_dir=tmp_path)
    assert done.returncode == 0, done.stderr
    image = QImage(str(editor_png))
    assert image.width() >= 900 and image.height() >= 500 and colours(image) > 20


def test_a_file_that_is_not_a_database_is_refused_and_left_untouched(tmp_path):
    bad = tmp_path / "notes.db"
    bad.write_text("这不是数据库", encoding="utf-8")
    digest = hashlib.sha256(bad.read_bytes()).hexdigest()
    done = kace("gui", "--db", str(bad), "--screenshot", str(tmp_path / "x.png"), env_dir=tmp_path)
    assert done.returncode == 3
    assert "不是卡册数据库文件" in done.stderr
    assert "Traceback" not in done.stderr
    assert hashlib.sha256(bad.read_bytes()).hexdigest() == digest
    assert not (tmp_path / "x.png").exists()
