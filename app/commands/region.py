"""`kace region add CODE NAME --level …` and `kace region import FILE.csv|xlsx`: the places of a county
(省 › 市 › 县 › 乡镇 › 村) from the command line, through the same op as the first-run wizard."""

from __future__ import annotations

import sys
from pathlib import Path

NAME = "region"
HELP = "区划（县、乡镇、村）"
LEVELS = {"province": "province", "省": "province", "prefecture": "prefecture", "市": "prefecture",
          "county": "county", "县": "county", "township": "township", "乡镇": "township", "乡": "township",
          "镇": "township", "village": "village", "村": "village"}


def add_arguments(parser) -> None:
    from app.commands.common import ChineseArgumentParser, db_arg

    sub = parser.add_subparsers(dest="region_command", required=True, parser_class=ChineseArgumentParser)
    add = sub.add_parser("add", help="添加一个区划（上级按代码自动对应），或用 --national 添加一个县/乡镇的全部区划")
    add.add_argument("code", metavar="区划代码", nargs="?", help="12位统计用区划代码（县可写6位，乡镇9位）")
    add.add_argument("name", metavar="名称", nargs="?")
    add.add_argument("--level", choices=sorted(LEVELS), metavar="级别",
                     help="province/prefecture/county/township/village（或 省 市 县 乡镇 村）")
    add.add_argument("--national", metavar="县或乡镇代码",
                     help="从内置的全国统计用区划代码（2023年）添加该县（6位）或乡镇（9位）及其下的全部乡镇和村")
    db_arg(add)
    imp = sub.add_parser("import", help="从区划代码表导入（CSV 或 Excel：代码, 名称[, 级别, 上级代码]）")
    imp.add_argument("file", type=Path, metavar="文件")
    db_arg(imp)


def _report(result) -> None:
    for code, name, level in result.created:
        print(f"  新建 {code} {name}")
    print(f"新建区划 {len(result.created)} 个，已存在 {len(result.existing)} 个")


def run(args) -> int:
    from app.commands.common import UsageError
    from app.commands.databases import open_context
    from app.domain.errors import DomainError
    from app.exchange.region_list import place, read_file
    from app.ops.regions import add_places

    if args.region_command == "add" and args.national:
        from app.exchange.divisions import SOURCE, places_under

        if args.code or args.name or args.level:
            raise UsageError("--national 只需要县或乡镇代码，不要再给代码、名称或级别")
        try:
            places = places_under(args.national)
        except DomainError as e:
            raise UsageError(e.message) from e
        print(f"来源：{SOURCE}")
    elif args.region_command == "add":
        if not (args.code and args.name and args.level):
            raise UsageError("请给出区划代码、名称和 --level 级别（或用 --national 县或乡镇代码）")
        try:
            found = place(args.code, args.name)
        except DomainError as e:
            raise UsageError(e.message) from e
        level = LEVELS[args.level]
        if level != found.level:
            raise UsageError(f"级别“{args.level}”与区划代码 {found.code} 不符（代码表示{found.level_name}）")
        places = [found]
    else:
        if not args.file.is_file():
            raise UsageError(f"文件不存在：{args.file}")
        places, errors = read_file(args.file)
        for line in errors:
            print(f"  {line}", file=sys.stderr)
        if errors:
            raise UsageError(f"区划代码表有 {len(errors)} 处错误，未导入任何区划：{args.file.name}")
        if not places:
            raise UsageError(f"文件中没有区划：{args.file.name}")
    ctx = open_context(args)
    try:
        result = add_places(ctx, [(p.code, p.name, p.level) for p in places]).value
    except DomainError as e:
        raise UsageError(e.message) from e
    _report(result)
    if not getattr(args, "national", None):
        warn_unknown_villages([p.code for p in places if p.level == "village"])
    return 0


def warn_unknown_villages(codes: list[str]) -> None:
    from app.exchange.divisions import unknown_warning

    warning = unknown_warning(codes)
    if warning:
        print(warning, file=sys.stderr)
