"""`kace export xlsx`: a village's 花名册 in the national layout."""

from __future__ import annotations

from pathlib import Path

NAME = "export"
HELP = "导出数据（Excel 花名册）"


def add_arguments(parser) -> None:
    from app.commands.common import ChineseArgumentParser, db_arg

    sub = parser.add_subparsers(dest="export_format", required=True, parser_class=ChineseArgumentParser)
    xlsx = sub.add_parser("xlsx", help="导出村花名册（国家系统格式，身份证号为文本）")
    db_arg(xlsx)
    xlsx.add_argument("--village", metavar="区划代码", required=True)
    xlsx.add_argument("--out", type=Path, metavar="文件.xlsx", required=True)
    xlsx.add_argument("--members", action="store_true", help="一行一人（默认一行一户）")
    xlsx.add_argument("--layout", choices=("full", "national"), default="full",
                      help="national：国家系统格式（第一行即表头，无标题行，按人47列）；full：带标题行的完整格式（默认）")


def run(args) -> int:
    from app.commands.common import UsageError
    from app.commands.databases import open_context
    from app.domain.errors import DomainError
    from app.exchange.exporter import export_xlsx
    from app.ops.quality import village_id_for

    ctx = open_context(args)
    try:
        village_id = village_id_for(ctx, args.village)
    except DomainError as e:
        raise UsageError(e.message) from e
    if not args.out.parent.is_dir():
        raise UsageError(f"文件夹不存在：{args.out.parent}")
    result = export_xlsx(ctx, village_id, args.out, members=args.members, layout=args.layout)
    print(f"已导出 {result.households} 户、{result.rows} 行：{result.path}")
    return 0
