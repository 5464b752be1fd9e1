"""`kace user add|list|passwd|disable --db P`: local accounts (Argon2id password hashes).

An encrypted database is opened with `--user NAME` (password from KACE_PASSWORD or asked); the
password of the account being added or changed is then asked as the new password."""

from __future__ import annotations

import sys

from app import paths
from app.commands.common import db_arg, new_password
from app.commands.databases import open_context

NAME = "user"
HELP = "管理本机用户（添加、列出、改密码、停用）"


def add_arguments(parser) -> None:
    sub = parser.add_subparsers(dest="user_command", required=True)
    add = sub.add_parser("add", help="添加用户")
    add.add_argument("username")
    add.add_argument("--role", default="录入员", help="管理员、录入员 或 查看（默认 录入员）")
    add.add_argument("--name", help="显示姓名")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    passwd = sub.add_parser("passwd", help="修改（重置）密码")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    disable = sub.add_parser("disable", help="停用用户")
    disable.add_argument("username")
    disable.add_argument("--enable", action="store_true", help="重新启用")
    sub.add_parser("list", help="列出用户")
    for p in (add, passwd, disable, sub.choices["list"]):
        db_arg(p)


def run(args) -> int:
    from app.ops import users

    ctx = open_context(args)
    if args.user_command == "list":
        for u in users.list_users(ctx):
            state = "（已停用）" if u.disabled else ""
            print(f"{u.username}\t{u.display_name or ''}\t{u.role_label}{state}")
        return 0
    if args.user_command == "add":
        u = users.add_user(ctx, args.username, new_password(args), args.role, args.name)
        print(f"已添加用户 {u.username}（{u.role_label}）", file=sys.stderr)
    elif args.user_command == "passwd":
        users.set_password(ctx, args.username, new_password(args))
        print(f"已修改 {args.username} 的密码", file=sys.stderr)
    else:
        from app.db import crypto

        users.set_disabled(ctx, args.username, not args.enable)
        print(f"已{'启用' if args.enable else '停用'}用户 {args.username}", file=sys.stderr)
        if args.enable and crypto.engine_key(ctx.engine) is not None:
            print(f"数据库已加密：请为 {args.username} 重设密码后再登录（{paths.cli_name()} user passwd {args.username}）",
                  file=sys.stderr)
    return 0
