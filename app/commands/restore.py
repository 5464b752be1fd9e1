"""`kace restore --db P F`: replace the database by a verified backup; the current file is kept."""

from __future__ import annotations

import sys
from pathlib import Path

from app import paths
from app.commands.common import db_arg
from app.commands.databases import db_key

NAME = "restore"
HELP = "从备份恢复数据库（先校验备份，当前数据库另存）"


def add_arguments(parser) -> None:
    db_arg(parser)
    parser.add_argument("backup", type=Path, help="备份文件")


def run(args) -> int:
    from app.db.backup import restore

    db = paths.db_path(args.db)
    kept = restore(db, args.backup, key=db_key(args))
    print(f"已从 {args.backup} 恢复。原数据库另存为 {kept}。此副本已使用新的同步标识。", file=sys.stderr)
    return 0
