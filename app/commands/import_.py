"""`kace import xlsx FILE`: a national-style 花名册 into the database, all or nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

NAME = "import"
HELP = "导入数据（Excel 花名册）"


def add_arguments(parser) -> None:
    from app.commands.common import ChineseArgumentParser, db_arg

    sub = parser.add_subparsers(dest="import_format", required=True, parser_class=ChineseArgumentParser)
    xlsx = sub.add_parser("xlsx", help="导入 Excel 花名册（.xlsx/.xls，一行一人）")
    xlsx.add_argument("file", type=Path, metavar="文件")
    db_arg(xlsx)
    xlsx.add_argument("--village", metavar="区划代码", help="导入到该村（文件中没有“村”列时必须指定）")
    xlsx.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入数据库")
    xlsx.add_argument("--errors", type=Path, metavar="错误清单.xlsx", help="把有问题的行写入该文件（原表加“错误原因”列）")
    xlsx.add_argument("--create-villages", action="store_true",
                      help="按户编号前12位和表中的乡（镇）、村名新建数据库中没有的乡镇和村（先列出将新建的区划）")
    xlsx.add_argument("--json", action="store_true", help="以 JSON 输出导入报告")


def run(args) -> int:
    """Exit 0: every record row was taken; 1: some rows were left out; 2: nothing was imported, or
    the sheet names villages the database lacks (their rows were left out)."""
    from app.commands.common import UsageError
    from app.commands.databases import open_context
    from app.exchange.importer import import_xlsx
    from app.exchange.reader import ImportFileError

    ctx = open_context(args)
    try:
        report = import_xlsx(ctx, args.file, args.village, dry_run=args.dry_run, errors_path=args.errors,
                             create_villages=args.create_villages)
    except ImportFileError as e:
        raise UsageError(e.message) from e
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=1))
    else:
        print(report.summary())
        shown = report.problems[:30]
        for p in shown:
            print(f"  第{p.row}行：{p.reason}", file=sys.stderr)
        if len(report.problems) > len(shown):
            print(f"  ……另有 {len(report.problems) - len(shown)} 行有问题", file=sys.stderr)
    if report.created_places:
        from app.commands.region import warn_unknown_villages

        warn_unknown_villages([c for c, _, level in report.created_places if level == "village"])
    if report.unknown_villages:
        names = "、".join(report.unknown_villages)
        print(f"错误：数据库中没有这些村：{names}。它们的行未导入。请先建立区划："
              f"kace region import 区划代码表.csv 或 kace region add 区划代码 村名 --level village，"
              f"或用 kace import xlsx {args.file} --create-villages 按户编号前12位新建", file=sys.stderr)
    elif not report.imported_rows:
        print("错误：没有导入任何数据行", file=sys.stderr)
    return report.exit_code
