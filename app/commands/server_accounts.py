"""`kace server user add|list|passwd|disable --db-url URL`: accounts of the county web console.

    kace server user add NAME --role 县管理员|乡镇|查看 [--townships CODE,...] [--name 姓名] --db-url URL
    kace server user list --db-url URL [--json]
    kace server user passwd NAME --db-url URL
    kace server user disable NAME [--enable] --db-url URL

The password is asked twice on a terminal, or read from standard input (--password-stdin or a pipe).
Dispatched by app/commands/server_admin.py (no NAME here: not a top-level subcommand of its own).
Exit codes: 0 done, 2 bad arguments, 3 the database cannot be opened.
"""

from __future__ import annotations

import json
import sys

from app.commands.common import UsageError, db_url_arg, new_password


def add_parsers(sub) -> None:
    user = sub.add_parser("user", help="县级管理页面的账号（添加、列出、改密码、停用）")
    users = user.add_subparsers(dest="user_command", required=True)
    add = users.add_parser("add", help="添加账号")
    add.add_argument("username")
    add.add_argument("--role", required=True, help="县管理员、乡镇 或 查看")
    add.add_argument("--townships", default="", metavar="CODE,...", help="“乡镇”角色可查看的乡镇区划代码，逗号分隔")
    add.add_argument("--name", help="显示姓名")
    add.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    passwd = users.add_parser("passwd", help="修改（重置）密码")
    passwd.add_argument("username")
    passwd.add_argument("--password-stdin", action="store_true", help="从标准输入读取密码")
    disable = users.add_parser("disable", help="停用账号")
    disable.add_argument("username")
    disable.add_argument("--enable", action="store_true", help="重新启用")
    listing = users.add_parser("list", help="列出账号")
    listing.add_argument("--json", action="store_true", help="输出 JSON")
    for p in (add, passwd, disable, listing):
        db_url_arg(p)


def run(args, sessions) -> int:
    from app.console import accounts
    from app.domain.errors import DomainError

    by = "命令行"
    try:
        if args.user_command == "list":
            with sessions.begin() as s:
                users = accounts.list_users(s)
            if args.json:
                print(json.dumps([{"username": u.username, "display_name": u.display_name, "role": u.role_label,
                                   "townships": list(u.townships), "disabled": u.disabled} for u in users],
                                 ensure_ascii=False, indent=2))
                return 0
            if not users:
                print("还没有任何账号", file=sys.stderr)
            for u in users:
                towns = f"\t乡镇 {','.join(u.townships)}" if u.townships else ""
                print(f"{u.username}\t{u.display_name or ''}\t{u.role_label}{towns}{'（已停用）' if u.disabled else ''}")
            return 0
        if args.user_command == "add":
            towns = [c for c in args.townships.replace("，", ",").split(",") if c.strip()]
            password = new_password(args)
            with sessions.begin() as s:
                u = accounts.add_user(s, args.username, password, args.role, towns, args.name, by=by)
            print(f"已添加账号 {u.username}（{u.role_label}）", file=sys.stderr)
        elif args.user_command == "passwd":
            password = new_password(args)
            with sessions.begin() as s:
                accounts.set_password(s, args.username, password, by=by)
            print(f"已修改 {args.username} 的密码（已登录的浏览器需重新登录）", file=sys.stderr)
        else:
            with sessions.begin() as s:
                accounts.set_disabled(s, args.username, not args.enable, by=by)
            print(f"已{'启用' if args.enable else '停用'}账号 {args.username}", file=sys.stderr)
    except DomainError as e:
        raise UsageError(e.message) from None
    return 0
