"""The running program makes one verified backup a day in the data folder."""

from __future__ import annotations

import threading

from app.db import backup as backup_module
from app.db.migrate import DatabaseRefused
from app.ui import launch


def test_daily_backup_runs_on_the_database_thread(qtbot, app_ctx, demo, monkeypatch):
    """Made by the op runner's one database thread (never the UI thread, never a second writer)."""
    monkeypatch.setattr(launch, "DAILY_BACKUP_DELAY_MS", 0)
    threads = []
    real = backup_module.daily_backup

    def spy(*args, **kwargs):
        threads.append(threading.current_thread())
        return real(*args, **kwargs)

    monkeypatch.setattr(backup_module, "daily_backup", spy)
    database_thread = app_ctx.runner.read_sync(lambda _ops: threading.current_thread())
    launch.schedule_daily_backup(app_ctx)
    folder = app_ctx.db_path.parent / "backups"  # beside the database, wherever it is
    qtbot.waitUntil(lambda: folder.exists() and any(folder.glob("kace-daily-*.db")), timeout=10_000)
    app_ctx.runner.wait()
    assert len(list(folder.glob("kace-daily-*.db"))) == 1
    assert threads == [database_thread] and database_thread is not threading.main_thread()
    assert database_thread.name.startswith("kace-db")


def test_a_failed_daily_backup_is_shown_never_silent(qtbot, app_ctx, demo, monkeypatch, interaction):
    """Status bar every time, a dialog the first time (again after a backup succeeded)."""
    monkeypatch.setattr(launch, "DAILY_BACKUP_DELAY_MS", 0)
    messages = []
    app_ctx.runner.message.connect(messages.append)

    def fail(*_a, **_k):
        raise DatabaseRefused("备份失败：磁盘已满", "disk full")

    monkeypatch.setattr(backup_module, "daily_backup", fail)
    for _ in range(2):
        launch.schedule_daily_backup(app_ctx)
        qtbot.waitUntil(lambda: len([m for m in messages if "每日自动备份失败" in m]) >= 1, timeout=10_000)
        app_ctx.runner.wait()
        qtbot.wait(50)
    failures = [m for m in messages if m.startswith("每日自动备份失败：备份失败：磁盘已满")]
    dialogs = [c for c in interaction.calls if c[0] == "error"]
    assert len(failures) == 2 and len(dialogs) == 1
    assert dialogs[0][1] == "每日自动备份失败" and "备份失败：磁盘已满" in dialogs[0][2]
    assert str(app_ctx.db_path.parent / "backups") in dialogs[0][2]
    # the next backup succeeds: a later failure gets its dialog again
    launch.daily_backup_succeeded(app_ctx)
    assert app_ctx.settings.backup_failure_shown is False


def test_the_daily_backup_works_under_windows_rules_in_an_office_folder(qtbot, tmp_path, interaction):
    """fsync through a writable handle, `#` and `%` in the folder (issue 14, defect 1)."""
    from app.db.backup import daily_backup
    from tests.db.test_windows_files import households, make_db

    db = make_db(tmp_path / "扶贫 资料" / "1#楼 100%" / "kace.db", 3)
    made = daily_backup(db, backup_module.backup_folder(db))
    assert made.parent == db.parent / "backups" and households(made) == 3
