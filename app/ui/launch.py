"""`kace gui`: build the application context and open the main window (or the set-up wizard
first, or `--screenshot-all`'s run over every screen).

Exit codes as the CLI's: 0 success, 3 a database that cannot be opened (a dialog says why; in
screenshot mode the message goes to stderr). `--screenshot OUT.png [--open-household 户编号]` opens
the window offscreen, waits until the list is populated, saves a PNG of the window (or of that
household's editor) and exits.
"""

from __future__ import annotations

import logging
import os
import sys
from pathlib import Path

log = logging.getLogger("kace.ui")
EXIT_OK, EXIT_DB = 0, 3


def _is_empty(app_ctx) -> bool:
    from app.ops import reads

    return not reads.has_households(app_ctx.ops)


def _make_demo(app_ctx, households: int) -> None:
    from app.demo import make_demo

    def demo(ops, progress=None):
        return make_demo(ops, households, 1, None, progress=progress, parallel=False)

    app_ctx.runner.run(demo, label="正在生成演示数据", progress=True, undoable=False)
    app_ctx.runner.wait(timeout=3600)


def run_gui(args) -> int:
    from app.db import crypto
    from app.db.migrate import DatabaseRefused
    from app.ui.capture import screenshot
    from app.ui.context import build_context
    from app.ui.errors import install_excepthook
    from app.ui.interaction import Interaction
    from app.ui.qapp import make_qapp

    shot = getattr(args, "screenshot", None)
    every = getattr(args, "screenshot_all", None)
    if every is not None:
        return screenshot_all(args, every)
    app = make_qapp(offscreen=bool(shot))
    interaction = Interaction()
    from app.ui import first_run

    start = first_run.start(args, interaction)  # the set-up wizard when there is no database yet
    if start is None:
        return EXIT_OK
    path = start.db_path
    encrypted = crypto.is_encrypted(path)
    try:
        if encrypted:  # the log-in comes first: its password unlocks the database
            app_ctx = _open_encrypted(path, interaction, getattr(args, "user", None), shot)
            if app_ctx is None:
                return EXIT_OK
        else:
            app_ctx = build_context(path, interaction)
    except DatabaseRefused as e:
        log.error("database refused: %s", e.detail)
        if shot:
            print(f"错误：{e.message}", file=sys.stderr)
        else:
            interaction.error("无法打开数据库", e.message)
        return EXIT_DB
    install_excepthook(interaction.error)
    if not shot:
        warn_about_location(path, interaction)
    if not shot and not encrypted:
        from app.ui.login import log_in

        if not log_in(app_ctx):
            app_ctx.close()
            return 0
    if getattr(args, "demo", False) and _is_empty(app_ctx):
        _make_demo(app_ctx, args.demo_households)

    window = open_main_window(app_ctx)
    if shot:
        try:
            return screenshot(window, Path(shot), getattr(args, "open_household", None))
        finally:
            app_ctx.close()
    window.show()
    start.after_open(window)
    code = app.exec()
    app_ctx.close()
    return code


def warn_about_location(path: Path, interaction) -> bool:
    """A database already on a network share or in a cloud-synced folder: a strong warning (it
    was opened without WAL, app/db/location.py). True when warned."""
    from PySide6.QtCore import QCoreApplication

    from app.db import location

    risk = location.classify(path)
    if risk is None:
        return False
    interaction.error(QCoreApplication.translate("Start", "数据库位置不安全"),
                      risk.message(path) + QCoreApplication.translate(
                          "Start", "\n\n在移走之前，卡册已改用较慢但较安全的方式写入（不使用 WAL）。"
                                   "移动方法：关闭卡册，把数据库文件移到本机磁盘，再打开卡册并用“文件 › 打开数据库”选择它。"))
    return True


def screenshot_all(args, out: Path) -> int:
    """`--screenshot-all DIR`: every screen, on an offscreen 1366×768 screen, over a copy."""
    from app.db.migrate import DatabaseRefused, inspect_file
    from app.ui import screenshots
    from app.ui.qapp import make_qapp

    make_qapp(offscreen=True, screen=screenshots.SCREEN)
    db = getattr(args, "db", None)
    if db is None or not Path(db).is_file():
        print("错误：--screenshot-all 需要 --db 指定一个已有的数据库（例如 kace demo 生成的）", file=sys.stderr)
        return 2
    try:
        inspect_file(Path(db))
        written = screenshots.screenshot_all(Path(db), out)
    except DatabaseRefused as e:
        print(f"错误：{e.message}", file=sys.stderr)
        return EXIT_DB
    print(f"已保存 {len(written)} 张截图到 {out}", file=sys.stderr)
    return EXIT_OK


def _open_encrypted(path: Path, interaction, username: str | None, shot):
    """The log-in dialog of an encrypted database (None: the user quit); in screenshot mode the
    log-in comes from --user and KACE_PASSWORD."""
    from app.ui.context import build_context
    from app.ui.login import Unlock, apply_user, open_encrypted

    def open_context(db_path, key):
        return build_context(db_path, interaction, key=key)

    if not shot:
        return open_encrypted(path, open_context, username or "")
    from app.db import crypto
    from app.db.migrate import DatabaseRefused

    password = os.environ.get("KACE_PASSWORD")
    if not username or password is None:
        raise DatabaseRefused(crypto.locked_message(path), "screenshot without credentials")
    unlock = Unlock(path, open_context)
    user = unlock(username, password)
    apply_user(unlock.app_ctx, user)
    return unlock.app_ctx


def open_main_window(app_ctx):
    """The main window, plus what the running program does once it has settled."""
    import gc

    from app.ui.main_window import MainWindow

    window = MainWindow(app_ctx)
    schedule_daily_backup(app_ctx)
    # Once the list and the search index are loaded, the objects made so far live as long as
    # the program: freezing them keeps the cyclic collector from walking them all again (a
    # ~100 ms pause in the middle of scrolling on a 100k-household county).
    window.list.index_ready.connect(gc.freeze)
    return window


DAILY_BACKUP_DELAY_MS = 20_000
DAILY_BACKUPS_KEPT = 7


def schedule_daily_backup(app_ctx) -> None:
    """Once a day, a while after start (not to slow the start itself): a verified backup in the
    backups/ folder beside the database, keeping the last week. Never silent when it fails: the
    status bar says so every time, and a dialog the first time (until a backup succeeds again)."""
    from PySide6.QtCore import QTimer

    from app.db import crypto
    from app.db.backup import backup_folder, daily_backup

    def run() -> None:
        # An encrypted database's backups are encrypted with its key (app/db/crypto.py).
        app_ctx.runner.run(lambda ops: daily_backup(app_ctx.db_path, backup_folder(app_ctx.db_path),
                                                    keep=DAILY_BACKUPS_KEPT,
                                                    key=crypto.engine_key(ops.engine)),
                           label="每日自动备份", undoable=False,
                           on_success=lambda _made: daily_backup_succeeded(app_ctx),
                           on_failure=lambda e: daily_backup_failed(app_ctx, e))

    QTimer.singleShot(DAILY_BACKUP_DELAY_MS, run)


def daily_backup_succeeded(app_ctx) -> None:
    if app_ctx.settings.backup_failure_shown:
        app_ctx.settings.backup_failure_shown = False  # the next failure gets its dialog again
        app_ctx.settings.sync()


def daily_backup_failed(app_ctx, exc: BaseException) -> None:
    """The status bar every time; a dialog (through the interaction layer) the first time."""
    from PySide6.QtCore import QCoreApplication

    from app.db.backup import backup_folder
    from app.ui import errors

    def tr(text: str) -> str:
        return QCoreApplication.translate("DailyBackup", text)

    log.warning("daily backup failed: %r", exc)
    reason = errors.describe(exc)
    app_ctx.runner.message.emit(tr("每日自动备份失败：{0}").format(reason))
    if app_ctx.settings.backup_failure_shown:
        return
    app_ctx.settings.backup_failure_shown = True
    app_ctx.settings.sync()
    app_ctx.interaction.error(
        tr("每日自动备份失败"),
        tr("今天的自动备份没有成功。数据库本身没有受影响，但最近的备份可能已不是最新的。\n\n"
           "原因：{0}\n备份文件夹：{1}\n\n请检查磁盘空间和文件夹权限，或用“文件 › 备份数据库”另存一份到 U 盘。"
           "问题解决之前，每次失败都会在窗口底部的状态栏提示。").format(reason, backup_folder(app_ctx.db_path)))


