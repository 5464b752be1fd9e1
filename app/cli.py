"""The `kace` command (`kace-cli` on Windows, where `kace` is the windowed program). Exit codes: 0
success, 2 bad arguments or unknown village, 3 a database that cannot be opened safely (missing
included), 4 (`sync`) the server cannot be reached, 5 a file held open by another program.
Messages for people are Chinese on stderr; the log file keeps English.

Every command uses the database the program uses: --db, else the one the first-run wizard
remembered, else kace.db in the data folder (app.paths.db_path). Only `demo`, `db upgrade`, `import`,
`region add|import` and a new laptop's `sync --enrol` may create it; the others refuse a missing file and name the path
they looked for."""

from __future__ import annotations

import argparse
import json
import logging
import os
import sys
from datetime import date
from pathlib import Path

from app import paths

log = logging.getLogger("kace")

EXIT_OK, EXIT_USAGE, EXIT_DB, EXIT_BUSY = 0, 2, 3, 6  # 4, 5: `kace sync` (server unreachable, digest differs)
# The commands that may create the database file (all others refuse a missing one).
CREATES_DATABASE = {"demo", "import", "db upgrade", "region add", "region import"}  # a new county is set up from these


class UsageError(Exception):
    """Bad arguments detected after parsing (unknown village...): exit code 2."""


class ChineseArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"参数错误：{message}\n")


def _db_arg(p: argparse.ArgumentParser) -> None:
    p.add_argument("--db", type=Path, default=None,
                   help="数据库文件（默认：卡册程序正在使用的数据库，即首次设置时选定的文件）")
    p.add_argument("--user", metavar="用户名", default=None,
                   help="加密的数据库：以此用户登录（密码取自环境变量 KACE_PASSWORD，或提示输入）")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog=paths.cli_name(), description="卡册：建档立卡贫困户户卡与村册管理")
    parser.add_argument("--version", action="version", version=f"卡册 {paths.version()}")
    sub = parser.add_subparsers(dest="command", parser_class=ChineseArgumentParser)

    gui = sub.add_parser("gui", help="打开桌面程序（默认）")
    _db_arg(gui)
    gui.add_argument("--demo", action="store_true", help="数据库为空时先生成演示县数据")
    gui.add_argument("--demo-households", type=int, default=2000, help="演示数据的户数")
    gui.add_argument("--screenshot", type=Path, help="离屏打开窗口，保存截图后退出")
    gui.add_argument("--open-household", metavar="户编号", help="截图时打开该户的编辑窗口")
    gui.add_argument("--screenshot-all", type=Path, metavar="DIR",
                     help="离屏（1366×768 屏幕）打开每个界面，各存一张 PNG 到 DIR 后退出（数据库不变）")

    demo = sub.add_parser("demo", help="生成演示县数据")
    _db_arg(demo)
    demo.add_argument("--households", type=int, required=True, help="户数")
    demo.add_argument("--seed", type=int, default=1, help="随机种子（同一种子生成同样的数据）")
    demo.add_argument("--as-of", type=date.fromisoformat, default=None,
                      help="参考日期 YYYY-MM-DD（默认今天）")

    stats = sub.add_parser("stats", help="统计数字")
    _db_arg(stats)
    stats.add_argument("--village", metavar="区划代码")
    stats.add_argument("--json", action="store_true", help="输出 JSON")

    villages = sub.add_parser("villages", help="列出村")
    _db_arg(villages)
    villages.add_argument("--json", action="store_true", help="输出 JSON")

    db = sub.add_parser("db", help="数据库维护")
    db_sub = db.add_subparsers(dest="db_command", required=True, parser_class=ChineseArgumentParser)
    _db_arg(db_sub.add_parser("upgrade", help="备份并升级数据库结构"))
    _db_arg(db_sub.add_parser("check", help="完整性检查并显示结构版本"))
    _db_arg(db_sub.add_parser("encrypt", help="加密数据库（SQLCipher），需要管理员 --user"))

    from app import commands

    for module in commands.modules():
        p = sub.add_parser(module.NAME, help=module.HELP)
        module.add_arguments(p)
        p.set_defaults(_run=module.run)
    return parser


def db_arg(p: argparse.ArgumentParser) -> None:
    """The --db option every command shares (for app/commands modules)."""
    _db_arg(p)


def open_context(args):
    """The OpContext for args.db (or the default file), migrated; for app/commands modules."""
    return _open(args)


def has_console() -> bool:
    """A terminal to ask in: not when started without a console (`kace.exe`, the windowed program
    on Windows, or a scheduled task), where sys.stdin is None."""
    return sys.stdin is not None and sys.stdin.isatty()


def no_console(what: str) -> str:
    return (f"没有可以输入{what}的控制台窗口。请在“命令提示符”或开始菜单的“卡册命令行”中运行 "
            f"{paths.cli_name()}，或把密码放在环境变量 KACE_PASSWORD 中。")


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


def _open(args) -> "OpContext":  # noqa: F821 - imported lazily to keep `kace --help` fast
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


def _print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def cmd_demo(args) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from app import extras

    if message := extras.missing_message("demo"):
        raise UsageError(message)
    from app.ops.demo import make_demo

    if args.households < 1:
        raise UsageError(f"户数必须大于 0：{args.households}")
    ctx = _open(args)
    try:
        with Progress("[progress.description]{task.description}", BarColumn(), MofNCompleteColumn(),
                      TimeElapsedColumn(), transient=not sys.stderr.isatty(),
                      console=None) as progress:
            task = progress.add_task("生成演示数据", total=args.households)
            report = make_demo(ctx, args.households, args.seed, args.as_of,
                               progress=lambda done, total: progress.update(task, completed=done))
    finally:
        ctx.engine.dispose()  # no connection left holding the file (Windows: it could not be replaced)
    print(f"已生成演示县：{report.villages} 个村，{report.households} 户，{report.members} 人，"
          f"{report.visits} 条走访记录。", file=sys.stderr)
    return EXIT_OK


def _village_id(ctx, code: str | None) -> str | None:
    from app.db.queries import village_by_code

    if code is None:
        return None
    with ctx.read() as s:
        row = village_by_code(s, code.strip())
    if row is None:
        raise UsageError(f"村不存在：{code}")
    return row.id


def cmd_stats(args) -> int:
    from app.db.queries import stats

    ctx = _open(args)
    village_id = _village_id(ctx, args.village)
    with ctx.read() as s:
        data = stats(s, village_id)
    if args.json:
        _print_json(data)
    else:
        print(f"户数 {data['households']}，人数 {data['members']}，村 {data['villages']} 个，"
              f"走访 {data['visits']} 条，变更记录 {data['changes']} 条")
        for status, n in data["by_status"].items():
            print(f"  {status}：{n} 户")
        pc = data["income_per_capita"]
        print(f"  {pc['year']}年人均纯收入 P10 {pc['p10']}  P50 {pc['p50']}  P90 {pc['p90']} 元")
    return EXIT_OK


def cmd_villages(args) -> int:
    from app.db.queries import villages

    ctx = _open(args)
    with ctx.read() as s:
        rows = villages(s)
    if args.json:
        _print_json(rows)
    else:
        for r in rows:
            print(f"{r['code']}  {r['township'] or ''} {r['name']}  {r['households']} 户")
    return EXIT_OK


def cmd_db(args) -> int:
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
    ctx = _open(args)
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


def cmd_gui(args) -> int:
    from app.ui.main import run_gui

    return run_gui(args)


COMMANDS = {"gui": cmd_gui, "demo": cmd_demo, "stats": cmd_stats, "villages": cmd_villages,
            "db": cmd_db}


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


def main(argv: list[str] | None = None) -> int:
    parser = build_parser()
    argv = sys.argv[1:] if argv is None else argv
    if not argv or argv[0].startswith("--db") or argv[0] in ("--demo",):
        argv = ["gui", *argv]
    args = parser.parse_args(argv)
    # Imported after parsing: `kace --version` and `--help` need neither alembic nor SQLAlchemy.
    from app.db.migrate import DatabaseRefused
    from app.domain.errors import DomainError

    from app import fileops

    paths.setup_logging("gui" if args.command in (None, "gui") else "cli")
    try:
        resolve_database(args)
        handler = getattr(args, "_run", None) or COMMANDS[args.command]
        return handler(args)
    except fileops.FileBusy as e:
        print(f"错误：{e.message}", file=sys.stderr)
        log.warning("file held open: %s", e.path)
        return EXIT_BUSY
    except UsageError as e:
        print(f"错误：{e}", file=sys.stderr)
        log.warning("usage error: %s", e)
        return EXIT_USAGE
    except DatabaseRefused as e:
        print(f"错误：{e.message}", file=sys.stderr)
        log.error("database refused: %s", e.detail)
        return EXIT_DB
    except DomainError as e:
        print(f"错误：{e.message}", file=sys.stderr)
        log.warning("invalid input: %r", e)
        return EXIT_USAGE
    except BrokenPipeError:
        # `kace stats --json | head`: the reader left; say nothing more and do not traceback.
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return EXIT_OK


if __name__ == "__main__":
    sys.exit(main())
