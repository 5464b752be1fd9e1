"""文件 › 恢复备份 in the real main window: a good backup replaces the database and the window shows
it; a corrupt one is refused in Chinese and the current database is untouched; only 管理员."""

from __future__ import annotations

import hashlib

from sqlalchemy import func, select

from app.db.backup import backup
from app.db.models import Household, Replica
from app.ops import users
from app.ops.households import delete_household
from app.ui.login import apply_user
from app.ui.restore import restore_backup


def _count(ops) -> int:
    with ops.read() as s:
        return s.execute(select(func.count()).select_from(Household).where(Household.deleted.is_(False))).scalar()


def _incarnation(ops) -> str:
    with ops.read() as s:
        return s.execute(select(Replica.incarnation_id)).scalar()


def _restore(window, app_ctx) -> None:
    action = window.actions_["restore"]
    window.menu("文件").aboutToShow.emit()
    assert action.isEnabled()
    action.trigger()
    app_ctx.runner.wait(60)
    window.settle()


def test_a_good_backup_replaces_the_database_and_the_window_shows_it(window, app_ctx, interaction, zsf, tmp_path):
    good = backup(app_ctx.db_path, tmp_path / "备份.db").path
    before = _count(app_ctx.ops)
    incarnation = _incarnation(app_ctx.ops)
    app_ctx.runner.run_sync(delete_household, zsf["id"], label="删除户")  # made after the backup
    window.settle()
    assert _count(app_ctx.ops) == before - 1 and window.total_households == before - 1
    assert window.undo_stack
    interaction.paths.append(good)

    _restore(window, app_ctx)

    assert [c[1] for c in interaction.of("confirm")] == ["恢复备份"]
    assert "备份.db" in interaction.of("confirm")[0][2]
    assert not interaction.of("error")
    assert "已从备份恢复" in interaction.of("info")[0][2]
    assert _count(app_ctx.ops) == before and window.total_households == before
    assert _incarnation(app_ctx.ops) != incarnation  # a restored copy is a new incarnation
    assert window.undo_stack == [] and not window.actions_["undo"].isEnabled()
    kept = list(tmp_path.glob("kace.before-restore-*.db"))
    assert len(kept) == 1  # the database as it was, kept aside
    # the list and its search index show the restored household again
    window.list.search.setText("张三丰")
    window.settle()
    assert window.list.model.rowCount() == 1


def test_a_corrupt_backup_is_refused_and_the_database_untouched(window, app_ctx, interaction, demo, tmp_path):
    good = backup(app_ctx.db_path, tmp_path / "good.db").path
    corrupt = tmp_path / "损坏的备份.db"
    data = bytearray(good.read_bytes())
    data[4096 * 2: 4096 * 6] = b"\xa5" * (4096 * 4)  # pages of the tables overwritten, header intact
    corrupt.write_bytes(bytes(data))
    not_a_db = tmp_path / "说明.db"
    not_a_db.write_text("这不是数据库", encoding="utf-8")
    count = _count(app_ctx.ops)
    app_ctx.runner.wait()
    app_ctx.ops.engine.dispose()
    digest = hashlib.sha256(app_ctx.db_path.read_bytes()).hexdigest()

    for bad, words in ((corrupt, ("损坏", "完整性检查")), (not_a_db, ("不是 SQLite",))):
        interaction.calls.clear()
        interaction.paths.append(bad)
        _restore(window, app_ctx)
        errors = interaction.of("error")
        assert len(errors) == 1 and errors[0][1] == "恢复备份", interaction.calls
        assert any(w in errors[0][2] for w in words) and "当前数据库保持不变" in errors[0][2]
        assert not interaction.of("info")

    app_ctx.ops.engine.dispose()
    assert hashlib.sha256(app_ctx.db_path.read_bytes()).hexdigest() == digest
    assert not list(tmp_path.glob("*.before-restore-*")) and not list(tmp_path.glob("*.restoring"))
    assert _count(app_ctx.ops) == count


def test_only_an_administrator_may_restore(window, app_ctx, interaction, ctx, tmp_path):
    users.add_user(ctx, "admin", "secret-1", "管理员")
    users.add_user(ctx, "luru", "secret-2", "录入员")
    apply_user(app_ctx, users.authenticate(ctx, "luru", "secret-2"))
    window.menu("文件").aboutToShow.emit()
    assert not window.actions_["restore"].isEnabled()
    interaction.paths.append(tmp_path / "x.db")
    assert restore_backup(window, app_ctx) is False
    assert "只有管理员" in interaction.of("error")[0][2] and not interaction.of("open_path")
    apply_user(app_ctx, users.authenticate(ctx, "admin", "secret-1"))
    window.menu("文件").aboutToShow.emit()
    assert window.actions_["restore"].isEnabled()


def test_declining_the_confirmation_changes_nothing(window, app_ctx, interaction, tmp_path):
    good = backup(app_ctx.db_path, tmp_path / "b.db").path
    interaction.paths.append(good)
    interaction.confirm_answers.append(False)
    assert restore_backup(window, app_ctx) is False
    assert not list(tmp_path.glob("*.before-restore-*"))
