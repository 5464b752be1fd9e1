"""`kace db upgrade` and `kace db check`."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from app.db import crypto
from app.db.migrate import head_revision, inspect_file, open_sqlite
from app.db.refusal import DatabaseRefused


def upgrade(path: Path, key: bytes | None = None) -> str:
    before = inspect_file(Path(path), key).revision
    open_sqlite(path, key=key).dispose()
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
    encrypted: bool = False

    @property
    def ok(self) -> bool:
        return self.integrity == ["ok"] and self.foreign_key_errors == 0

    def text(self) -> str:
        lines = [f"数据库：{self.path}", f"结构版本：{self.revision}（程序最新：{self.head}）"]
        lines.append("完整性检查：通过" if self.integrity == ["ok"] else
                     "完整性检查：失败\n  " + "\n  ".join(self.integrity[:20]))
        lines.append(f"外键错误：{self.foreign_key_errors}")
        lines.append("加密：是（SQLCipher）" if self.encrypted else "加密：否")
        return "\n".join(lines)


def check(path: Path, key: bytes | None = None) -> CheckReport:
    """Integrity check through a read-only connection: checking never changes the file.
    An encrypted file needs its data key (app/db/crypto.py)."""
    path = Path(path)
    if not path.exists():
        raise DatabaseRefused(f"数据库文件不存在：{path}")
    state = inspect_file(path, key)
    try:
        conn = crypto.connect(path, key if state.encrypted else None, readonly=True)
        try:
            integrity = [r[0] for r in conn.execute("PRAGMA integrity_check")]
            if state.encrypted:  # every page's HMAC: tampered or damaged encrypted pages
                integrity += [" ".join(map(str, r)) for r in conn.execute("PRAGMA cipher_integrity_check")]
            fk = len(conn.execute("PRAGMA foreign_key_check").fetchall())
        finally:
            conn.close()
    except crypto.ERRORS as e:
        raise DatabaseRefused(f"数据库文件已损坏，无法检查：{path}", str(e)) from e
    return CheckReport(path, state.revision, head_revision(), integrity, fk, state.encrypted)
