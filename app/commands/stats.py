"""`kace stats --db P [--village CODE] [--json]`: the county's (or one village's) figures."""

from __future__ import annotations

from app.commands.common import EXIT_OK, db_arg, print_json
from app.commands.databases import open_context, village_id

NAME = "stats"
HELP = "统计数字"


def add_arguments(parser) -> None:
    db_arg(parser)
    parser.add_argument("--village", metavar="区划代码")
    parser.add_argument("--json", action="store_true", help="输出 JSON")


def run(args) -> int:
    from app.db.stats_queries import stats

    ctx = open_context(args)
    village = village_id(ctx, args.village)
    with ctx.read() as s:
        data = stats(s, village)
    if args.json:
        print_json(data)
    else:
        print(f"户数 {data['households']}，人数 {data['members']}，村 {data['villages']} 个，"
              f"走访 {data['visits']} 条，变更记录 {data['changes']} 条")
        for status, n in data["by_status"].items():
            print(f"  {status}：{n} 户")
        pc = data["income_per_capita"]
        print(f"  {pc['year']}年人均纯收入 P10 {pc['p10']}  P50 {pc['p50']}  P90 {pc['p90']} 元")
    return EXIT_OK
