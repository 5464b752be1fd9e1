"""Users and roles: Argon2id hashes, log-in, a read-only user cannot save."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from app.db.models import User
from app.domain.errors import DomainError
from app.ops import users
from app.ops.context import OpContext
from app.ops.households import create_household


def test_add_list_authenticate_and_disable(ctx):
    users.add_user(ctx, "admin", "secret-1", "管理员", "王书记")
    users.add_user(ctx, "li", "secret-2", "录入员")
    assert [(u.username, u.role_label) for u in users.list_users(ctx)] == [
        ("admin", "管理员"), ("li", "录入员")]
    with ctx.read() as s:
        stored = s.execute(select(User.password_hash).where(User.username == "li")).scalar()
    assert stored.startswith("$argon2id$") and "secret-2" not in stored
    assert users.authenticate(ctx, "li", "secret-2").role_label == "录入员"
    for name, password in (("li", "wrong-pw"), ("nobody", "secret-2"), ("li", "")):
        with pytest.raises(DomainError, match="用户名或密码不正确"):
            users.authenticate(ctx, name, password)
    users.set_disabled(ctx, "li")
    with pytest.raises(DomainError, match="用户名或密码不正确"):
        users.authenticate(ctx, "li", "secret-2")
    with pytest.raises(DomainError, match="最后一个管理员"):
        users.set_disabled(ctx, "admin")


def test_password_change_and_bad_input(ctx):
    users.add_user(ctx, "li", "secret-2", "录入员")
    users.set_password(ctx, "li", "another-1")
    assert users.authenticate(ctx, "li", "another-1")
    with pytest.raises(DomainError, match="密码至少需要"):
        users.set_password(ctx, "li", "123")
    with pytest.raises(DomainError, match="用户名已存在"):
        users.add_user(ctx, "li", "secret-3", "查看")
    with pytest.raises(DomainError, match="用户角色不在代码表中"):
        users.add_user(ctx, "zhao", "secret-3", "超级用户")
    with pytest.raises(DomainError, match="用户名"):
        users.add_user(ctx, "a b", "secret-3", "查看")


def test_a_viewer_cannot_save_and_only_an_admin_manages_users(ctx, village):
    viewer = OpContext(ctx.engine, user="看", role=users.roles.VIEWER)
    with pytest.raises(DomainError, match="不能保存修改"):
        create_household(viewer, {"village_id": village["id"]})
    with pytest.raises(DomainError, match="只有管理员"):
        users.add_user(viewer, "x1", "secret-1", "查看")
    editor = OpContext(ctx.engine, user="录", role=users.roles.EDITOR)
    assert create_household(editor, {"village_id": village["id"]}).value["code"]
    with pytest.raises(DomainError, match="只有管理员"):
        users.add_user(editor, "x1", "secret-1", "查看")
