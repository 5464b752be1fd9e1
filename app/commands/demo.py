"""`kace demo --db P --households N [--seed S] [--as-of YYYY-MM-DD]`: a deterministic demo county,
written through the change log. May create the database file."""

from __future__ import annotations

import sys
from datetime import date

from app.commands.common import EXIT_OK, UsageError, db_arg
from app.commands.databases import open_context

NAME = "demo"
HELP = "生成演示县数据"


def add_arguments(parser) -> None:
    db_arg(parser)
    parser.add_argument("--households", type=int, required=True, help="户数")
    parser.add_argument("--seed", type=int, default=1, help="随机种子（同一种子生成同样的数据）")
    parser.add_argument("--as-of", type=date.fromisoformat, default=None,
                        help="参考日期 YYYY-MM-DD（默认今天）")


def run(args) -> int:
    from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

    from app import extras

    if message := extras.missing_message("demo"):
        raise UsageError(message)
    from app.demo import make_demo

    if args.households < 1:
        raise UsageError(f"户数必须大于 0：{args.households}")
    ctx = open_context(args)
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
