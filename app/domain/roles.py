"""Who may do what (issue: users and roles). 管理员: users, settings, restore; 录入员: edit;
查看: read and print only."""

from __future__ import annotations

from app.domain import codes
from app.domain.errors import DomainError

ADMIN = codes.USER_ROLE.code("管理员")
EDITOR = codes.USER_ROLE.code("录入员")
VIEWER = codes.USER_ROLE.code("查看")

MIN_PASSWORD_LENGTH = 6


def can_edit(role: str | None) -> bool:
    """None is the system itself (command line, demo, import scripts run by the IT person)."""
    return role is None or role in (ADMIN, EDITOR)


def can_administer(role: str | None) -> bool:
    return role is None or role == ADMIN


def require_edit(role: str | None) -> None:
    if not can_edit(role):
        raise DomainError("权限", "当前用户为“查看”角色，只能查看和打印，不能保存修改")


def require_admin(role: str | None) -> None:
    if not can_administer(role):
        raise DomainError("权限", "只有管理员可以管理用户、设置和恢复备份")


def check_password(password: str) -> None:
    if len(password or "") < MIN_PASSWORD_LENGTH:
        raise DomainError("密码", f"密码至少需要 {MIN_PASSWORD_LENGTH} 个字符")


def check_username(username: str) -> str:
    name = (username or "").strip()
    if not name or len(name) > 40 or any(ch.isspace() for ch in name):
        raise DomainError("用户名", f"用户名不能为空、不能含空格、最多40个字符：{username}")
    return name
