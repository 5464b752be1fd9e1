"""`kace db upgrade|check|encrypt --db P`: back up and migrate, integrity check and schema version,
encryption at rest (SQLCipher). `db upgrade` may create the database file."""

from __future__ import annotations

import sys
from pathlib import Path

from app import paths
from app.commands.common import EXIT_DB, EXIT_OK, ChineseArgumentParser, UsageError, db_arg
from app.commands.databases import credentials, db_key, open_context

NAME = "db"
HELP = "数据库维护"


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="db_command", required=True, parser_class=ChineseArgumentParser)
    db_arg(sub.add_parser("upgrade", help="备份并升级数据库结构"))
    db_arg(sub.add_parser("check", help="完整性检查并显示结构版本"))
    db_arg(sub.add_parser("encrypt", help="加密数据库（SQLCipher），需要管理员 --user"))


def run(args) -> int:
    from app.db import maintenance

    path = paths.db_path(args.db)
    if args.db_command == "encrypt":
        return _encrypt(args, Path(path))
    if args.db_command == "upgrade":
        print(maintenance.upgrade(path, db_key(args)))
        return EXIT_OK
    report = maintenance.check(path, db_key(args))
    print(report.text())
    return EXIT_OK if report.ok else EXIT_DB


def _encrypt(args, path: Path) -> int:
    """`kace db encrypt`: an administrator's password wraps the new data key; the others need a
    new password (an administrator's reset) before they can log in."""
    from app.db import crypto
    from app.db.backup import backup_folder
    from app.db.migrate import DatabaseRefused
    from app.domain import roles
    from app.ops import users

    if not crypto.available():
        raise DatabaseRefused("本机安装的卡册不含 SQLCipher 加密组件（sqlcipher3），不能加密数据库。")
    if crypto.is_encrypted(path):
        raise UsageError(f"数据库已经加密：{path}")
    if not path.exists():
        raise DatabaseRefused(f"数据库文件不存在：{path}")
    ctx = open_context(args)
    try:
        if users.count_users(ctx) == 0:
            raise UsageError(f"加密前请先添加管理员账户：{paths.cli_name()} user add 用户名 --role 管理员")
        username, password = credentials(args, path)
        me = users.authenticate(ctx, username, password)
        roles.require_admin(me.role)
        others = [u.username for u in users.list_users(ctx) if u.username != me.username and not u.disabled]
    finally:
        ctx.engine.dispose()
    backups = sorted(path.parent.glob(f"{path.stem}.before-*")) + sorted(
        backup_folder(path).glob("kace-daily-*.db"))
    report = crypto.encrypt_database(path, username, password, backups)
    print(f"数据库已加密（SQLCipher）并通过检查：{report.path}", file=sys.stderr)
    print(f"密钥文件：{report.keys}（与数据库放在一起；丢失它或忘记全部密码，数据就无法恢复）", file=sys.stderr)
    print("原来未加密的文件已" + ("用零覆盖并删除。" if report.wiped else "删除（此文件系统不能覆盖）。"),
          file=sys.stderr)
    if others:
        print(f"以下用户需要管理员重设密码后才能登录：{'、'.join(others)}"
              f"（{paths.cli_name()} user passwd 用户名 --db ... --user 管理员）", file=sys.stderr)
    print("注意：以前的备份仍是未加密的，请妥善保管或删除" +
          ("：\n  " + "\n  ".join(map(str, report.plain_backups)) if report.plain_backups else "。"),
          file=sys.stderr)
    return EXIT_OK
