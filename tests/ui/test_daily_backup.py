"""The running program makes one verified backup a day in the data folder."""

from __future__ import annotations

from app import paths
from app.ui import main


def test_daily_backup_runs_on_the_database_thread(qtbot, app_ctx, demo, monkeypatch):
    monkeypatch.setattr(main, "DAILY_BACKUP_DELAY_MS", 0)
    main.schedule_daily_backup(app_ctx)
    folder = paths.data_dir() / "backups"
    qtbot.waitUntil(lambda: folder.exists() and any(folder.glob("kace-daily-*.db")), timeout=10_000)
    app_ctx.runner.wait()
    assert len(list(folder.glob("kace-daily-*.db"))) == 1
