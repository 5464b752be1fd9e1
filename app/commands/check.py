"""`kace check`: the data-quality rules of domain.md §8 over the database or one village."""

from __future__ import annotations

import json
import sys
from datetime import date
from pathlib import Path

NAME = "check"
HELP = "数据质量核查"


def add_arguments(parser) -> None:
    from app.commands.common import db_arg

    db_arg(parser)
    parser.add_argument("--village", metavar="区划代码", help="只核查该村")
    parser.add_argument("--rule", metavar="规则", nargs="+", action="extend", default=[],
                        help="只运行这些规则（如 ID03 HH01，可用逗号分隔）")
    parser.add_argument("--json", action="store_true", help="输出 JSON")
    parser.add_argument("--xlsx", type=Path, metavar="文件", help="同时把问题清单导出为 Excel 文件")
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--as-of", metavar="YYYY-MM-DD", help="按此参考日期计算年龄和本年度（默认：数据的最新年度年末）")
    when.add_argument("--year", type=int, metavar="年度", help="按该年度年末计算（如 2020）")


def run(args) -> int:
    from app.commands.common import UsageError
    from app.commands.databases import open_context
    from app.domain.errors import DomainError
    from app.ops.quality import run_check, village_id_for

    rule_ids = [r for arg in args.rule for r in arg.replace("，", ",").split(",") if r.strip()]
    as_of = None
    if args.as_of:
        try:
            as_of = date.fromisoformat(args.as_of.strip())
        except ValueError as e:
            raise UsageError(f"参考日期应为 YYYY-MM-DD：{args.as_of}") from e
    if args.year is not None and not 1990 <= args.year <= 2100:
        raise UsageError(f"年度不正确：{args.year}")
    ctx = open_context(args)
    try:
        village_id = village_id_for(ctx, args.village)
        report = run_check(ctx, village_id, rule_ids or None, as_of=as_of, year=args.year)
    except DomainError as e:
        raise UsageError(e.message) from e
    if args.xlsx:
        from app.exchange.findings import write_findings

        write_findings(report.findings, args.xlsx)
    if args.json:
        sys.stdout.write(json.dumps(report.to_json(), ensure_ascii=False))
        sys.stdout.write("\n")
        return 0
    counts = report.counts
    sev = counts["by_severity"]
    print(f"参考日期：{report.as_of.isoformat()}（年龄、本年度按此计算）")
    print(f"共发现问题 {counts['total']} 条（错误 {sev['错误']}，警告 {sev['警告']}，提示 {sev['提示']}），"
          f"涉及 {counts['households']} 户")
    from app.domain.quality import RULES

    for rule_id, n in counts["by_rule"].items():
        rule = RULES[rule_id]
        print(f"  {rule_id} [{rule.severity}] {rule.title}：{n} 条")
    if args.xlsx:
        print(f"问题清单已导出：{args.xlsx}")
    return 0
