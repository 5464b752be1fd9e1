"""`kace import xlsx FILE`: a national-style 花名册 into the database, all or nothing."""

from __future__ import annotations

import json
import sys
from pathlib import Path

NAME = "import"
HELP = "导入数据（Excel 花名册）"


def add_arguments(parser) -> None:
    from app.cli import ChineseArgumentParser, db_arg

    sub = parser.add_subparsers(dest="import_format", required=True, parser_class=ChineseArgumentParser)
    xlsx = sub.add_parser("xlsx", help="导入 Excel 花名册（.xlsx/.xls，一行一人）")
    xlsx.add_argument("file", type=Path, metavar="文件")
    db_arg(xlsx)
    xlsx.add_argument("--village", metavar="区划代码", help="导入到该村（文件中没有“村”列时必须指定）")
    xlsx.add_argument("--dry-run", action="store_true", help="只检查并报告，不写入数据库")
    xlsx.add_argument("--errors", type=Path, metavar="错误清单.xlsx", help="把有问题的行写入该文件（原表加“错误原因”列）")
    xlsx.add_argument("--json", action="store_true", help="以 JSON 输出导入报告")


def run(args) -> int:
    from app.cli import UsageError, open_context
    from app.exchange.importer import import_xlsx
    from app.exchange.reader import ImportFileError

    ctx = open_context(args)
    try:
        report = import_xlsx(ctx, args.file, args.village, dry_run=args.dry_run, errors_path=args.errors)
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
    return 0
