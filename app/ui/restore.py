"""文件 › 恢复备份: replace the open database by a verified backup and carry on in the same window.

Only an administrator may (app/domain/roles; with no accounts the laptop is single-user and the
user is the administrator). The restore itself is app/db/backup.restore: it checks the backup
(SQLite, integrity, a Kace schema this version can open) before touching anything, keeps the
current file aside as `<name>.before-restore-<time>.db`, swaps the file atomically and gives the
copy a new sync incarnation. A refused backup leaves the current database as it was.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from PySide6.QtCore import QCoreApplication

from app import paths
from app.db.migrate import DatabaseRefused
from app.domain import roles

log = logging.getLogger("kace.ui")
FILTER = "卡册数据库 (*.db);;所有文件 (*)"


def _t(text: str) -> str:
    return QCoreApplication.translate("Restore", text)


@dataclass(frozen=True)
class RestoreResult:
    source: Path
    kept: Path  # the database as it was before, kept beside it


def allowed(app_ctx) -> bool:
    return roles.can_administer(app_ctx.ops.role)


def _restore_op(ops, db_path: Path, source: Path) -> RestoreResult:
    """On the database thread (no other database work runs meanwhile): close every connection,
    restore, then open the restored file once through the normal start-up path, which upgrades a
    backup written by an older Kace. The engine reconnects to the restored file on next use."""
    from app.db.backup import restore
    from app.db.migrate import open_sqlite

    from app.db import crypto

    key = crypto.engine_key(ops.engine)  # an encrypted database restores under its own key
    ops.engine.dispose()
    kept = restore(db_path, source, key)
    open_sqlite(db_path, key=key).dispose()
    ops.engine.dispose()
    log.info("restored %s from %s (previous file kept as %s)", db_path, source, kept)
    return RestoreResult(source, kept)


def _describe(path: Path) -> str:
    try:
        stat = path.stat()
    except OSError:
        return str(path)
    size = stat.st_size / (1024 * 1024)
    when = datetime.fromtimestamp(stat.st_mtime).strftime("%Y-%m-%d %H:%M")
    return _t("{0}\n（{1:.1f} MB，保存于 {2}）").format(path, size, when)


def restore_backup(window, app_ctx, source: Path | None = None) -> bool:
    """Ask for the backup file, confirm, restore on the database thread, refresh the window.
    Returns whether the restore was started (its outcome arrives through the runner)."""
    title = _t("恢复备份")
    interaction = app_ctx.interaction
    if not allowed(app_ctx):
        interaction.error(title, _t("只有管理员可以恢复备份。请用管理员账号登录后再试。"))
        return False
    if source is None:
        backups = paths.data_dir() / "backups"
        source = interaction.ask_open_path(_t("选择要恢复的备份文件"), _t(FILTER),
                                           str(backups if backups.is_dir() else app_ctx.db_path.parent))
        if source is None:
            return False
    source = Path(source)
    db_path = app_ctx.db_path
    if source.resolve() == db_path.resolve():
        interaction.error(title, _t("选择的是当前正在使用的数据库本身，不能用它恢复。"))
        return False
    text = _t(
        "用这个备份替换当前数据库吗？\n\n{0}\n\n"
        "恢复前会先检查备份文件是否完好；损坏的文件会被拒绝，当前数据库保持不变。"
        "当前数据库会先另存为“{1}.before-restore-日期时间{2}”，放在同一文件夹中。\n\n"
        "备份之后录入的内容不在备份中；如果这些内容已经同步到县里，下次同步时会重新下载。"
    ).format(_describe(source), db_path.stem, db_path.suffix or ".db")
    if not interaction.confirm(title, text, _t("恢复")):
        return False
    for editor in list(window.editors.values()):
        if not editor.close():  # unsaved changes: the user chose 取消
            return False
    window.settle()

    def done(result: RestoreResult) -> None:
        reopen(window, app_ctx)
        interaction.info(title, _t("已从备份恢复：\n{0}\n\n原来的数据库已另存为：\n{1}").format(
            result.source, result.kept))

    def failed(exc: BaseException) -> None:
        from app.ui import errors

        reopen(window, app_ctx)
        if isinstance(exc, DatabaseRefused):
            interaction.error(title, _t("{0}\n\n没有恢复，当前数据库保持不变。").format(exc.message))
        else:
            errors.report(exc, interaction.error, title)

    app_ctx.runner.run(_restore_op, db_path, source, label=title, progress=True, undoable=False,
                       on_success=done, on_failure=failed)
    return True


def reopen(window, app_ctx) -> None:
    """Show the database as it now is: forget the undo history (it names changes of the old
    file) and the search index, reload the list, the tree and the status bar, and tell every open
    view that everything may have changed."""
    from app.ops.reads import ALL_TABLE_NAMES
    from app.ui.search_index import SearchIndex

    window.undo_stack.clear()
    window._update_undo_action()
    window.list.index = SearchIndex()
    window.refresh()
    app_ctx.bus.changed.emit(ALL_TABLE_NAMES)
