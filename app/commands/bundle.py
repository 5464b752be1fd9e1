"""`kace bundle export|import`: change bundles on a USB stick where there is no network.

Laptop:  kace bundle export --db P --out F.kace            (everything the county has not confirmed)
         kace bundle import --db P F.kace                  (a return bundle from the county)
County:  kace bundle import --db-url URL F.kace            (a laptop's bundle, as a push)
         kace bundle export --db-url URL --device NAME --out F.kace   (the return bundle)
"""

from __future__ import annotations

import sys
from pathlib import Path

NAME = "bundle"
HELP = "U 盘变更包：导出、导入（没有网络时同步）"


def _where(p) -> None:
    from app.commands.common import db_arg

    db_arg(p)
    p.add_argument("--db-url", metavar="URL",
                   help="县服务器数据库（如 postgresql+psycopg://…/kace）；不指定时为本机笔记本数据库")


def add_arguments(parser) -> None:
    from app.commands.common import ChineseArgumentParser

    sub = parser.add_subparsers(dest="bundle_command", required=True, parser_class=ChineseArgumentParser)
    export = sub.add_parser("export", help="导出变更包（笔记本）或回传包（县服务器，需 --device）")
    _where(export)
    export.add_argument("--device", metavar="设备名", help="县服务器：为该设备导出回传包")
    export.add_argument("--out", type=Path, required=True, metavar="文件.kace", help="数据包文件（不会覆盖已有文件）")
    imp = sub.add_parser("import", help="导入回传包（笔记本）或变更包（县服务器）")
    _where(imp)
    imp.add_argument("file", type=Path, metavar="文件.kace", help="数据包文件")


def _server_sessions(url: str):
    from sqlalchemy import make_url
    from sqlalchemy.exc import ArgumentError, SQLAlchemyError

    from app.commands.common import UsageError
    from app.db.engine import make_session_factory
    from app.db.migrate import DatabaseRefused, open_url

    try:
        shown = make_url(url).render_as_string(hide_password=True)
        engine = open_url(url)
    except ArgumentError as e:
        raise UsageError("数据库地址格式不对（例：postgresql+psycopg://用户@主机/库名）") from e
    except SQLAlchemyError as e:
        raise DatabaseRefused(f"无法打开县服务器数据库：{shown}", str(e)) from e
    return engine, make_session_factory(engine)


def run(args) -> int:
    from app.commands.common import UsageError
    from app.commands.databases import open_context
    from app.sync import bundle

    if args.db and args.db_url:
        raise UsageError("--db（笔记本）和 --db-url（县服务器）只能指定一个")
    device = getattr(args, "device", None)
    if device and not args.db_url:
        raise UsageError("--device 只用于县服务器（--db-url）导出回传包")
    if args.bundle_command == "export" and args.db_url and not device:
        raise UsageError("县服务器导出回传包时要用 --device 指定设备")
    engine = None
    try:
        if args.db_url:
            engine, sessions = _server_sessions(args.db_url)
        else:
            ctx = open_context(args)
            engine, sessions = ctx.engine, ctx.sessions
        if args.bundle_command == "export":
            report = (bundle.export_return(sessions, device, args.out) if args.db_url
                      else bundle.export_laptop(sessions, args.out))
        else:
            report = (bundle.import_laptop(sessions, args.file) if args.db_url
                      else bundle.import_return(sessions, args.file))
    except bundle.BundleRefused as e:
        raise UsageError(e.message) from e
    finally:
        if engine is not None:
            engine.dispose()
    for line in report.lines():
        print(line, file=sys.stderr)
    return 0
