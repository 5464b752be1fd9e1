"""Opening a command's database safely: the laptop's file (never an empty one by accident; an
encrypted one only with the user's password) and the county server's (migrated, password never
shown in a message).

Every laptop command uses the database the program uses: --db, else the one the first-run wizard
remembered, else kace.db in the data folder (app.paths.db_path). Only `demo`, `db upgrade`,
`import`, `region add|import` and a new laptop's `sync --enrol` may create it; the others refuse a
missing file (exit 3) and name the path they looked for.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

from app import paths
from app.commands.common import UsageError, has_console, no_console

# The commands that may create the database file (all others refuse a missing one).
CREATES_DATABASE = {"demo", "import", "db upgrade", "region add", "region import"}  # a new county is set up from these


def command_name(args) -> str:
    """`db upgrade`, `user add`...: the command and its first subcommand."""
    sub = getattr(args, f"{args.command}_command", None)
    return f"{args.command} {sub}" if sub else str(args.command)


def resolve_database(args) -> None:
    """Set args.db to the database this command works on (app.paths.db_path) and refuse a
    missing one unless the command creates it: never an empty database by accident."""
    if args.command in (None, "gui") or not hasattr(args, "db") or getattr(args, "db_url", None):
        return  # the program's own start (first-run wizard) or the county server's database
    path = paths.db_path(args.db)
    args.db = path
    enrolling = args.command == "sync" and getattr(args, "enrol", None)  # a new laptop: from a snapshot
    if path.exists() or enrolling or command_name(args) in CREATES_DATABASE or args.command in CREATES_DATABASE:
        return
    from app.db.migrate import DatabaseRefused

    remembered = "（首次设置时选定的位置）" if paths.remembered_db_path() == path else ""
    raise DatabaseRefused(
        f"找不到数据库文件：{path}{remembered}。请先打开卡册完成首次设置，或用 --db 指定数据库文件"
        f"（新建演示数据库：{paths.cli_name()} demo --db 文件 --households 户数）。",
        f"database missing: {path}")


def credentials(args, path: Path) -> tuple[str, str]:
    """User name (--user, or asked) and password (KACE_PASSWORD, or asked without echo)."""
    import getpass

    from app.db.migrate import DatabaseRefused

    interactive = has_console()
    username = getattr(args, "user", None)
    password = os.environ.get("KACE_PASSWORD")
    if not username and interactive:
        username = input("用户名：").strip()
    if password is None and username and interactive:
        password = getpass.getpass(f"{username} 的密码：")
    if not username or password is None:
        from app.db import crypto

        extra = "" if sys.stdin is not None else no_console("用户名和密码")
        raise DatabaseRefused(crypto.locked_message(Path(path)) + extra, "no credentials")
    return username, password


def db_key(args) -> bytes | None:
    """The data key of an encrypted database (the user's password unwraps it), None for a plain
    one. A wrong password raises DatabaseRefused (exit 3) before anything is opened."""
    from app.db import crypto

    path = paths.db_path(args.db)
    if not crypto.is_encrypted(path):
        return None
    return crypto.unlock(path, *credentials(args, path))


def open_context(args) -> "OpContext":  # noqa: F821 - imported lazily to keep `kace --help` fast
    """The OpContext for args.db (or the default file), migrated; an encrypted file is opened
    with the user's password and the account must be enabled."""
    from app.db import crypto
    from app.db.migrate import open_sqlite
    from app.domain.errors import DomainError
    from app.ops.context import OpContext

    path = paths.db_path(args.db)
    _warn_about_location(path)
    if not crypto.is_encrypted(path):
        return OpContext(open_sqlite(path), user=paths.os_user())
    username, password = credentials(args, path)
    ctx = OpContext(open_sqlite(path, key=crypto.unlock(path, username, password)), user=username)
    from app.ops.users import authenticate

    try:  # the data key opened the file; the account itself must still be enabled
        ctx.role = authenticate(ctx, username, password).role
    except DomainError:
        ctx.engine.dispose()
        raise crypto.WrongPassword(Path(path)) from None
    return ctx


def _warn_about_location(path: Path) -> None:
    from app.db import location

    risk = location.classify(path)
    if risk is not None:
        print(f"警告：{risk.message(path)}（已不使用 WAL 方式写入。）", file=sys.stderr)


def village_id(ctx, code: str | None) -> str | None:
    """The id of the village with this 区划代码 (None for none given); UsageError if unknown."""
    from app.db.lookup_queries import village_by_code

    if code is None:
        return None
    with ctx.read() as s:
        row = village_by_code(s, code.strip())
    if row is None:
        raise UsageError(f"村不存在：{code}")
    return row.id


# --- the county server's database -------------------------------------------------------------


def engine_url(url: str) -> str:
    """postgresql:// (and postgres://) URLs use the psycopg 3 driver; sqlite:/// is kept."""
    url = url.strip()
    for prefix in ("postgresql://", "postgres://"):
        if url.startswith(prefix):
            return "postgresql+psycopg://" + url.removeprefix(prefix)
    if url.startswith(("postgresql+psycopg://", "sqlite:///")):
        return url
    raise UsageError(f"数据库地址应以 postgresql:// 开头（演示可用 sqlite:///文件）：{url}")


def require_server_extra() -> None:
    """The county's commands need kace[server] (FastAPI, uvicorn, psycopg...): exit 2 without it."""
    from app import extras

    message = extras.missing_message("server")
    if message:
        raise UsageError(message)


def open_county(url: str):
    """The county database engine, migrated; DatabaseRefused (exit 3) if it cannot be opened."""
    from sqlalchemy.exc import DBAPIError

    require_server_extra()

    from app.db.migrate import DatabaseRefused, open_url

    try:
        return open_url(engine_url(url))
    except ModuleNotFoundError as e:  # the server extra is not installed
        raise DatabaseRefused("缺少 PostgreSQL 驱动 psycopg：请安装 kace[server]", str(e)) from e
    except DBAPIError as e:
        raise DatabaseRefused(f"无法打开县数据库（地址、账号或数据库服务是否正常？）：{safe_url(url)}",
                              str(e)) from e


def safe_url(url: str) -> str:
    """The URL without its password, for messages."""
    from sqlalchemy.engine import make_url

    try:
        return make_url(engine_url(url)).render_as_string(hide_password=True)
    except Exception:  # noqa: BLE001 - a message must never fail
        return "（地址无法解析）"
