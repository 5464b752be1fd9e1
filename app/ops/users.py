"""Local user accounts with Argon2id password hashes (argon2-cffi); log-in works offline.

In an encrypted database (app/db/crypto.py) each account also has the data key wrapped by its
password in the keys file: adding a user or setting a password wraps it (in the same transaction,
so a failed keys file write changes nothing), disabling a user removes it."""

from __future__ import annotations

from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import func, insert, select, update

from app.db import crypto
from app.db.base import new_id
from app.db.models import User
from app.domain import codes, roles
from app.domain.errors import DomainError
from app.ops.context import OpContext

U = User.__table__
_hasher = PasswordHasher()  # Argon2id with the library's current recommended parameters


@dataclass(frozen=True)
class UserInfo:
    id: str
    username: str
    display_name: str | None
    role: str
    role_label: str
    disabled: bool


def _info(row) -> UserInfo:
    return UserInfo(row.id, row.username, row.display_name, row.role,
                    codes.USER_ROLE.label(row.role), row.disabled)


def _admin_session(ctx: OpContext):
    """User rows are local (not synced): plain transactions, but only an administrator writes."""
    roles.require_admin(ctx.role)
    return ctx.sessions.begin()


def add_user(ctx: OpContext, username: str, password: str, role: str,
             display_name: str | None = None) -> UserInfo:
    username = roles.check_username(username)
    roles.check_password(password)
    role_code = codes.USER_ROLE.code(role)
    with _admin_session(ctx) as s:
        if s.execute(select(U.c.id).where(U.c.username == username)).first():
            raise DomainError("用户名", f"用户名已存在：{username}")
        row = {"id": new_id(), "username": username, "display_name": display_name or username,
               "role": role_code, "password_hash": _hasher.hash(password), "disabled": False}
        s.execute(insert(U).values(row))
        crypto.grant(ctx.engine, username, password)
    return UserInfo(row["id"], username, row["display_name"], role_code,
                    codes.USER_ROLE.label(role_code), False)


def list_users(ctx: OpContext) -> list[UserInfo]:
    with ctx.read() as s:
        return [_info(r) for r in s.execute(select(U).order_by(U.c.username))]


def count_users(ctx: OpContext) -> int:
    with ctx.read() as s:
        return s.execute(select(func.count()).select_from(U)).scalar_one()


def _user_row(s, username: str):
    row = s.execute(select(U).where(U.c.username == username.strip())).first()
    if row is None:
        raise DomainError("用户名", f"用户不存在：{username}")
    return row


def set_password(ctx: OpContext, username: str, password: str) -> None:
    """An administrator resets anyone's password; every user may change their own. An encrypted
    database's file is not touched: only the user's wrapped key is rewrapped."""
    roles.check_password(password)
    own = bool(ctx.user) and (username or "").strip() == ctx.user
    with (ctx.sessions.begin() if own else _admin_session(ctx)) as s:
        row = _user_row(s, username)
        s.execute(update(U).where(U.c.id == row.id).values(password_hash=_hasher.hash(password)))
        crypto.grant(ctx.engine, row.username, password)


def set_disabled(ctx: OpContext, username: str, disabled: bool = True) -> None:
    with _admin_session(ctx) as s:
        row = _user_row(s, username)
        if disabled and row.role == roles.ADMIN:
            admins = s.execute(select(func.count()).where(
                U.c.role == roles.ADMIN, U.c.disabled.is_(False), U.c.id != row.id)).scalar_one()
            if admins == 0:
                raise DomainError("用户名", "不能停用最后一个管理员")
        s.execute(update(U).where(U.c.id == row.id).values(disabled=disabled))
        if disabled:
            crypto.revoke(ctx.engine, row.username)  # re-enabled: needs a new password (set_password)


def authenticate(ctx: OpContext, username: str, password: str) -> UserInfo:
    """The user for a correct, enabled log-in; one message for every failure (no hints)."""
    wrong = DomainError("密码", "用户名或密码不正确，或该用户已停用")
    with ctx.read() as s:
        row = s.execute(select(U).where(U.c.username == (username or "").strip())).first()
    if row is None or row.disabled or not row.password_hash:
        raise wrong
    try:
        _hasher.verify(row.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        raise wrong from None
    if _hasher.check_needs_rehash(row.password_hash):
        with ctx.sessions.begin() as s:
            s.execute(update(U).where(U.c.id == row.id).values(password_hash=_hasher.hash(password)))
    return _info(row)
