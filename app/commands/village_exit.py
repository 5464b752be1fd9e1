"""`kace village-exit`: the village exit report (贫困发生率 and the configured indicators)."""

from __future__ import annotations

import json

NAME = "village-exit"
HELP = "贫困村退出评估报告"


def add_arguments(parser) -> None:
    from app.commands.common import db_arg

    db_arg(parser)
    parser.add_argument("--village", metavar="区划代码", required=True)
    parser.add_argument("--profile", choices=["national", "guangxi"], help="退出标准（默认：县里的设置）")
    parser.add_argument("--json", action="store_true", help="输出 JSON")


def run(args) -> int:
    from app.commands.common import UsageError
    from app.commands.databases import open_context
    from app.domain.errors import DomainError
    from app.ops.exit_assessment import assess_village
    from app.ops.quality import village_id_for

    ctx = open_context(args)
    try:
        report = assess_village(ctx, village_id_for(ctx, args.village), profile=args.profile)
    except DomainError as e:
        raise UsageError(e.message) from e
    if args.json:
        print(json.dumps(report.to_json(), ensure_ascii=False, indent=2))
        return 0
    verdict = "达到退出标准" if report.passed else "未达到退出标准"
    print(f"{report.village_name}（{report.village_code}）{report.year}年 {report.profile_title}：{verdict}")
    for i in report.indicators:
        print(f"  [{'达标' if i.passed else '未达标'}] {i.name}：{i.evidence}")
    return 0
