"""`kace household exit-year --household 户编号 --year Y --reason TEXT`: correct 脱贫年度 of an exited
household, with the reason kept in its note and change history (the op set_exit_year)."""

from __future__ import annotations

NAME = "household"
HELP = "户的维护（修改脱贫年度）"


def add_arguments(parser) -> None:
    from app.commands.common import ChineseArgumentParser, db_arg

    sub = parser.add_subparsers(dest="household_command", required=True, parser_class=ChineseArgumentParser)
    exit_year = sub.add_parser("exit-year", help="修改已脱贫户的脱贫年度（须写明原因）")
    db_arg(exit_year)
    exit_year.add_argument("--household", metavar="户编号", required=True)
    exit_year.add_argument("--year", metavar="年度", type=int, required=True, help="新的脱贫年度")
    exit_year.add_argument("--reason", metavar="原因", required=True, help="修改原因（记入户的备注和变更历史）")


def run(args) -> int:
    from app.commands.common import UsageError
    from app.commands.databases import open_context
    from app.db.lookup_queries import household_id_by_code
    from app.domain.errors import DomainError
    from app.ops.workflow import set_exit_year

    ctx = open_context(args)
    with ctx.read() as s:
        household_id = household_id_by_code(s, args.household)
    if household_id is None:
        raise UsageError(f"户编号不存在：{args.household}")
    try:
        year = set_exit_year(ctx, household_id, args.year, args.reason).value
    except DomainError as e:
        raise UsageError(e.message) from e
    print(f"户 {args.household.strip()} 的脱贫年度为 {year} 年")
    return 0
