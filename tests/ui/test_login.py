"""The log-in dialog: wrong passwords are refused in Chinese; the role then governs every save."""

from __future__ import annotations

import pytest

from app.domain.errors import DomainError
from app.ops import users
from app.ops.households import update_household
from app.ui.login import LoginDialog, apply_user
from tests.ui.conftest import type_text


def test_wrong_password_is_refused_then_a_viewer_cannot_save(qtbot, ctx, app_ctx, zsf):
    users.add_user(ctx, "admin", "secret-1", "管理员")
    users.add_user(ctx, "kan", "secret-2", "查看")
    dialog = LoginDialog(app_ctx.ops)
    qtbot.addWidget(dialog)
    type_text(dialog.username, "kan")
    type_text(dialog.password, "wrong-pw")
    assert dialog.try_login() is False
    assert "用户名或密码不正确" in dialog.message.text() and dialog.password.text() == ""
    type_text(dialog.password, "secret-2")
    assert dialog.try_login() is True and dialog.user.role_label == "查看"
    apply_user(app_ctx, dialog.user)
    assert app_ctx.user == "kan"
    with pytest.raises(DomainError, match="不能保存修改"):
        update_household(app_ctx.ops, zsf["id"], {"note": "试图修改"})


def test_a_viewer_s_save_in_the_editor_is_refused_and_nothing_written(qtbot, ctx, app_ctx, zsf, window):
    from sqlalchemy import func, select

    from app.db.models import Change

    users.add_user(ctx, "kan", "secret-2", "查看")
    apply_user(app_ctx, users.authenticate(ctx, "kan", "secret-2"))
    with ctx.read() as s:
        before = s.execute(select(func.count()).select_from(Change)).scalar()
    editor = window.open_household(zsf["id"])
    basic = editor.show_tab("basic")
    type_text(basic.form.widgets["phone"], "13912345678")
    assert editor.save()
    window.settle()
    assert "不能保存修改" in editor.banner.text()
    assert editor.dirty()
    with ctx.read() as s:
        assert s.execute(select(func.count()).select_from(Change)).scalar() == before
    editor.discard_and_close()
