"""What every `kace` subcommand shares: exit codes, the bad-arguments error, the Chinese argument
parser, the --db / --db-url options, JSON output and asking at a terminal.

Exit codes: 0 success, 2 bad arguments or unknown village, 3 a database that cannot be opened
safely (missing included), 4 (`sync`) the server cannot be reached, 5 (`sync`) the digest still
differs, 6 a file held open by another program. app/cli.py turns the exceptions into these codes.
"""

from __future__ import annotations

import argparse
import getpass
import json
import sys
from pathlib import Path

from app import paths

EXIT_OK, EXIT_USAGE, EXIT_DB, EXIT_UNREACHABLE, EXIT_DIGEST_DIFFERS, EXIT_BUSY = 0, 2, 3, 4, 5, 6


class UsageError(Exception):
    """Bad arguments detected after parsing (unknown village...): exit code 2."""


class ChineseArgumentParser(argparse.ArgumentParser):
    def error(self, message: str):
        self.print_usage(sys.stderr)
        self.exit(EXIT_USAGE, f"参数错误：{message}\n")


def db_arg(p: argparse.ArgumentParser) -> None:
    """The --db (and --user, for an encrypted file) options of every laptop command."""
    p.add_argument("--db", type=Path, default=None,
                   help="数据库文件（默认：卡册程序正在使用的数据库，即首次设置时选定的文件）")
    p.add_argument("--user", metavar="用户名", default=None,
                   help="加密的数据库：以此用户登录（密码取自环境变量 KACE_PASSWORD，或提示输入）")


def db_url_arg(parser: argparse.ArgumentParser) -> None:
    """The --db-url option of the county server's commands."""
    parser.add_argument("--db-url", required=True, metavar="URL",
                        help="县数据库，例如 postgresql://用户@主机:5432/库名（演示可用 sqlite:///文件）")


def print_json(data) -> None:
    print(json.dumps(data, ensure_ascii=False, indent=2))


def has_console() -> bool:
    """A terminal to ask in: not when started without a console (`kace.exe`, the windowed program
    on Windows, or a scheduled task), where sys.stdin is None."""
    return sys.stdin is not None and sys.stdin.isatty()


def no_console(what: str) -> str:
    return (f"没有可以输入{what}的控制台窗口。请在“命令提示符”或开始菜单的“卡册命令行”中运行 "
            f"{paths.cli_name()}，或把密码放在环境变量 KACE_PASSWORD 中。")


def new_password(args) -> str:
    """The new password of args.username: asked twice on a terminal, else one line of stdin
    (--password-stdin or a pipe)."""
    if sys.stdin is None:  # started without a console (kace.exe on Windows, a scheduled task)
        raise UsageError(no_console("新密码"))
    if args.password_stdin or not has_console():
        return sys.stdin.readline().rstrip("\n")
    first = getpass.getpass(f"{args.username} 的新密码：")
    if getpass.getpass("再输入一次：") != first:
        raise UsageError("两次输入的密码不一致")
    return first
