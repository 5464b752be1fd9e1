"""`kace villages --db P [--json]`: the villages with their township and household count."""

from __future__ import annotations

from app.commands.common import EXIT_OK, db_arg, print_json
from app.commands.databases import open_context

NAME = "villages"
HELP = "列出村"


def add_arguments(parser) -> None:
    db_arg(parser)
    parser.add_argument("--json", action="store_true", help="输出 JSON")


def run(args) -> int:
    from app.db.lookup_queries import villages

    ctx = open_context(args)
    with ctx.read() as s:
        rows = villages(s)
    if args.json:
        print_json(rows)
    else:
        for r in rows:
            print(f"{r['code']}  {r['township'] or ''} {r['name']}  {r['households']} 户")
    return EXIT_OK
