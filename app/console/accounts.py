"""County console accounts, sessions, log-in throttling and the audit trail.

Roles: 县管理员 (everything), 乡镇 (reads its townships only), 查看 (reads the county, changes
nothing). Passwords are Argon2id hashes (argon2-cffi, as the laptop's local accounts). A session is
a random cookie whose SHA-256 is stored with its CSRF token (synchronizer token) and the time of
its last use: a session idle for longer than IDLE_MINUTES is closed.
"""

from __future__ import annotations

import hashlib
import json
import math
import secrets
import threading
import time
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from sqlalchemy import delete, func, insert, select, update
from sqlalchemy.orm import Session

from app.db.base import new_id
from app.db.models import ConsoleAudit, ConsoleSession, ConsoleUser, Region
from app.domain.errors import DomainError
from app.domain.roles import check_password, check_username

U, S, A, R = ConsoleUser.__table__, ConsoleSession.__table__, ConsoleAudit.__table__, Region.__table__

ADMIN, TOWNSHIP, VIEWER = "admin", "township", "viewer"
ROLE_LABELS = {ADMIN: "县管理员", TOWNSHIP: "乡镇", VIEWER: "查看"}
ROLE_CODES = {label: code for code, label in ROLE_LABELS.items()} | {code: code for code in ROLE_LABELS}

IDLE_MINUTES = 30  # a session unused this long is closed
MAX_SESSION_HOURS = 12  # and none lives longer than a working day

_hasher = PasswordHasher()  # Argon2id with the library's recommended parameters


def now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


@dataclass(frozen=True)
class ConsoleUserInfo:
    id: str
    username: str
    display_name: str | None
    role: str
    townships: tuple[str, ...]
    disabled: bool

    @property
    def role_label(self) -> str:
        return ROLE_LABELS.get(self.role, self.role)

    @property
    def is_admin(self) -> bool:
        return self.role == ADMIN

    @property
    def county_wide(self) -> bool:
        """县管理员 and 查看 read the whole county; 乡镇 only its townships."""
        return self.role in (ADMIN, VIEWER)

    @property
    def may_see_ids(self) -> bool:
        """Whole ID numbers on a household's own page (each view is logged); 查看 never."""
        return self.role in (ADMIN, TOWNSHIP)


def _info(row) -> ConsoleUserInfo:
    return ConsoleUserInfo(row.id, row.username, row.display_name, row.role,
                           tuple(json.loads(row.townships or "[]")), row.disabled)


def role_code(text: str) -> str:
    code = ROLE_CODES.get((text or "").strip())
    if code is None:
        raise DomainError("角色", f"角色应为 县管理员、乡镇 或 查看：{text}")
    return code


def _townships(session: Session, role: str, codes: list[str]) -> list[str]:
    codes = sorted({c.strip() for c in codes if c and c.strip()})
    if role != TOWNSHIP:
        if codes:
            raise DomainError("乡镇", "只有“乡镇”角色需要指定乡镇")
        return []
    if not codes:
        raise DomainError("乡镇", "“乡镇”角色需要指定至少一个乡镇（9位或12位乡镇区划代码）")
    found = set(session.execute(select(R.c.code).where(
        R.c.code.in_(codes), R.c.level == "township", R.c.deleted.is_(False))).scalars())
    missing = [c for c in codes if c not in found]
    if missing:
        raise DomainError("乡镇", "县数据库中没有这些乡镇：" + "、".join(missing))
    return codes


def audit(session: Session, username: str | None, action: str, target: str | None = None,
          detail: str | None = None, ip: str | None = None) -> None:
    session.execute(insert(A).values(id=new_id(), at=now(), username=username, action=action,
                                     target=(target or None) and target[:200], detail=detail, ip=ip))


def add_user(session: Session, username: str, password: str, role: str, townships: list[str] | None = None,
             display_name: str | None = None, *, by: str | None = None) -> ConsoleUserInfo:
    username = check_username(username)
    check_password(password)
    code = role_code(role)
    towns = _townships(session, code, townships or [])
    if session.execute(select(U.c.id).where(U.c.username == username)).first():
        raise DomainError("用户名", f"用户名已存在：{username}")
    row = {"id": new_id(), "username": username, "display_name": display_name or username, "role": code,
           "townships": json.dumps(towns), "password_hash": _hasher.hash(password), "disabled": False,
           "created_at": now()}
    session.execute(insert(U).values(row))
    audit(session, by, "添加用户", username, f"{ROLE_LABELS[code]} {'、'.join(towns)}".strip())
    return ConsoleUserInfo(row["id"], username, row["display_name"], code, tuple(towns), False)


def list_users(session: Session) -> list[ConsoleUserInfo]:
    return [_info(r) for r in session.execute(select(U).order_by(U.c.username))]


def _row(session: Session, username: str):
    row = session.execute(select(U).where(U.c.username == (username or "").strip())).first()
    if row is None:
        raise DomainError("用户名", f"用户不存在：{username}")
    return row


def set_password(session: Session, username: str, password: str, *, by: str | None = None) -> None:
    check_password(password)
    row = _row(session, username)
    session.execute(update(U).where(U.c.id == row.id).values(password_hash=_hasher.hash(password)))
    session.execute(delete(S).where(S.c.user_id == row.id))  # logged-in browsers log in again
    audit(session, by, "修改密码", row.username)


def set_disabled(session: Session, username: str, disabled: bool = True, *, by: str | None = None) -> None:
    row = _row(session, username)
    if disabled and row.role == ADMIN:
        others = session.execute(select(func.count()).where(
            U.c.role == ADMIN, U.c.disabled.is_(False), U.c.id != row.id)).scalar_one()
        if others == 0:
            raise DomainError("用户名", "不能停用最后一个县管理员")
    session.execute(update(U).where(U.c.id == row.id).values(disabled=disabled))
    if disabled:
        session.execute(delete(S).where(S.c.user_id == row.id))
    audit(session, by, "停用用户" if disabled else "启用用户", row.username)


def verify(session: Session, username: str, password: str) -> ConsoleUserInfo | None:
    """The user for a correct, enabled log-in, else None (one answer for every failure)."""
    row = session.execute(select(U).where(U.c.username == (username or "").strip())).first()
    if row is None or row.disabled:
        _hasher.hash(password or "-")  # the same work either way: no timing hint that a name exists
        return None
    try:
        _hasher.verify(row.password_hash, password or "")
    except (VerificationError, InvalidHashError):
        return None
    if _hasher.check_needs_rehash(row.password_hash):
        session.execute(update(U).where(U.c.id == row.id).values(password_hash=_hasher.hash(password)))
    return _info(row)


# --- sessions ----------------------------------------------------------------------------------


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@dataclass(frozen=True)
class LoggedIn:
    user: ConsoleUserInfo
    csrf_token: str


def open_session(session: Session, user: ConsoleUserInfo) -> str:
    """A new session for the user; returns the cookie value (only its hash is stored)."""
    token = secrets.token_urlsafe(32)
    t = now()
    session.execute(delete(S).where(S.c.last_seen_at < t - timedelta(minutes=IDLE_MINUTES)))
    session.execute(insert(S).values(id=_digest(token), user_id=user.id, csrf_token=secrets.token_urlsafe(32),
                                     created_at=t, last_seen_at=t))
    return token


def resume(session: Session, token: str | None) -> LoggedIn | None:
    """The session of a cookie, touched; None when unknown, idle too long, too old or disabled."""
    if not token:
        return None
    row = session.execute(select(S, U).join(U, U.c.id == S.c.user_id)
                          .where(S.c.id == _digest(token))).first()
    if row is None:
        return None
    t = now()
    if (row.disabled or t - row.last_seen_at > timedelta(minutes=IDLE_MINUTES)
            or t - row.created_at > timedelta(hours=MAX_SESSION_HOURS)):
        session.execute(delete(S).where(S.c.id == row[0]))
        return None
    session.execute(update(S).where(S.c.id == row[0]).values(last_seen_at=t))
    user = ConsoleUserInfo(row.user_id, row.username, row.display_name, row.role,
                           tuple(json.loads(row.townships or "[]")), row.disabled)
    return LoggedIn(user, row.csrf_token)


def close_session(session: Session, token: str | None) -> None:
    if token:
        session.execute(delete(S).where(S.c.id == _digest(token)))


# --- log-in throttling -------------------------------------------------------------------------


@dataclass
class Throttle:
    """Failed log-ins per user name and per address within a sliding window (in memory: one
    server process). Past the limit further attempts are refused until the window has passed,
    whether the password would be right or not."""

    per_user: int = 5
    per_ip: int = 20
    window_s: float = 15 * 60
    clock: object = time.monotonic
    _failures: dict = field(default_factory=dict)
    _lock: threading.Lock = field(default_factory=threading.Lock)

    def _recent(self, key: str) -> deque:
        q = self._failures.setdefault(key, deque())
        limit = self.clock() - self.window_s
        while q and q[0] < limit:
            q.popleft()
        return q

    def wait_minutes(self, username: str, ip: str) -> int:
        """0 when a log-in may be tried, else the minutes until it may."""
        with self._lock:
            waits = []
            for key, limit in ((f"u:{username.strip().casefold()}", self.per_user), (f"ip:{ip}", self.per_ip)):
                q = self._recent(key)
                if len(q) >= limit:
                    waits.append(q[0] + self.window_s - self.clock())
            return max(1, math.ceil(max(waits) / 60)) if waits else 0

    def failed(self, username: str, ip: str) -> None:
        with self._lock:
            t = self.clock()
            self._recent(f"u:{username.strip().casefold()}").append(t)
            self._recent(f"ip:{ip}").append(t)

    def succeeded(self, username: str) -> None:
        with self._lock:
            self._failures.pop(f"u:{username.strip().casefold()}", None)
