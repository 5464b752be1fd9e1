"""The `kace` command (`kace-cli` on Windows, where `kace` is the windowed program): builds the
parser from the command registry (app/commands/registry.py) and dispatches to the chosen command.

Exit codes (app/commands/common.py): 0 success, 2 bad arguments or unknown village, 3 a database
that cannot be opened safely (missing included), 4 (`sync`) the server cannot be reached,
5 (`sync`) the digest still differs, 6 a file held open by another program.
Messages for people are Chinese on stderr; the log file keeps English.
"""

from __future__ import annotations

import argparse
import logging
import os
import sys

from app import paths
from app.commands.common import EXIT_BUSY, EXIT_DB, EXIT_OK, EXIT_USAGE, ChineseArgumentParser, UsageError
from app.commands.databases import resolve_database
from app.commands.registry import COMMANDS

log = logging.getLogger("kace")


def build_parser() -> argparse.ArgumentParser:
    parser = ChineseArgumentParser(prog=paths.cli_name(), description="卡册：建档立卡贫困户户卡与村册管理")
    parser.add_argument("--version", action="version", version=f"卡册 {paths.version()}")
    sub = parser.add_subparsers(dest="command", parser_class=ChineseArgumentParser)
    for command in COMMANDS:
        p = sub.add_parser(command.NAME, help=command.HELP)
        command.add_arguments(p)
        p.set_defaults(_run=command.run)
    return parser


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
        return args._run(args)
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
