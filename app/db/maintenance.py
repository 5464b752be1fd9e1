"""`kace db upgrade` and `kace db check`."""

from __future__ import annotations

import sqlite3
from dataclasses import dataclass
from pathlib import Path

from app.db.migrate import DatabaseRefused, head_revision, inspect_file, open_sqlite


def upgrade(path: Path) -> str:
    before = inspect_file(Path(path)).revision
    open_sqlite(path).dispose()
    head = head_revision()
    if before == head:
        return f"数据库结构已是最新版本（{head}）：{path}"
    return f"数据库结构已升级到 {head}（原版本 {before or '新建'}），升级前已备份：{path}"


@dataclass
class CheckReport:
    path: Path
    revision: str | None
    head: str
    integrity: list[str]
    foreign_key_errors: int

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"] and self.foreign_key_errors == 0

    def text(self) -> str:
        lines = [f"数据库：{self.path}", f"结构版本：{self.revision}（程序最新：{self.head}）"]
        lines.append("完整性检查：通过" if self.integrity == ["ok"] else
                     "完整性检查：失败\n  " + "\n  ".join(self.integrity[:20]))
        lines.append(f"外键错误：{self.foreign_key_errors}")
        return "\n".join(lines)


def check(path: Path) -> CheckReport:
    """Integrity check through a read-only connection: checking never changes the file."""
    path = Path(path)
    if not path.exists():
        raise DatabaseRefused(f"数据库文件不存在：{path}")
    state = inspect_file(path)
    try:
        conn = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            fk = len(conn.execute("PRAGMA foreign_key_check").fetchall())
        finally:
            conn.close()
    except sqlite3.DatabaseError as e:
        raise DatabaseRefused(f"数据库文件已损坏，无法检查：{path}", str(e)) from e
    return CheckReport(path, state.revision, head_revision(), integrity, fk)
