"""`kace backup --db P --out F`: a verified copy of the live database."""

from __future__ import annotations

import sys
from pathlib import Path

from app import paths
from app.commands.common import db_arg

NAME = "backup"
HELP = "备份数据库（在线备份，校验后保存）"


def add_arguments(parser) -> None:
    db_arg(parser)
    parser.add_argument("--out", type=Path, required=True, help="备份文件")


def run(args) -> int:
    from app.commands.databases import db_key
    from app.db.backup import backup

    info = backup(paths.db_path(args.db), args.out, key=db_key(args))
    print(f"已备份到 {info.path}（{info.size / 2**20:.1f} MB，{info.households} 户），已通过完整性检查",
          file=sys.stderr)
    return 0
