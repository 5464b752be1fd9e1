"""Engine and session factory. SQLite connections get the pragmas architecture.md requires."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.orm import Session, sessionmaker

BUSY_TIMEOUT_MS = 10_000


def sqlite_url(path: str | Path) -> str:
    return f"sqlite:///{Path(path)}"


def _sqlite_pragmas(synchronous: str):
    def on_connect(dbapi_conn, _record) -> None:
        _on_sqlite_connect(dbapi_conn, synchronous)

    return on_connect


def _on_sqlite_connect(dbapi_conn, synchronous: str = "FULL") -> None:
    # Let SQLAlchemy issue BEGIN itself (pysqlite's own transaction handling is off) so
    # `with session.begin()` is one real SQLite transaction.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    cur.execute("PRAGMA journal_mode=WAL")
    # FULL: a committed save survives a power cut, not only a crash. Bulk loads use NORMAL
    # (WAL keeps the file consistent; only the last batches may be undone by a power cut).
    cur.execute(f"PRAGMA synchronous={synchronous}")
    # 128 MB page cache: index pages of the big tables stay in memory on a 100k-household county.
    cur.execute("PRAGMA cache_size=-131072")
    cur.close()


def _on_sqlite_begin(conn) -> None:
    # Writers take the write lock at BEGIN (IMMEDIATE), so a save never fails half-way on a lock;
    # readers (execution option readonly=True) begin DEFERRED and never wait for a writer.
    if conn.get_execution_options().get("readonly"):
        conn.exec_driver_sql("BEGIN")
    else:
        conn.exec_driver_sql("BEGIN IMMEDIATE")


def make_engine(url: str, synchronous: str = "FULL", **kw) -> Engine:
    engine = create_engine(url, **kw)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _sqlite_pragmas(synchronous))
        event.listen(engine, "begin", _on_sqlite_begin)
    return engine


def _refuse_unlogged_writes(session: Session, _context, _instances) -> None:
    """Synced rows are written only through app/sync/changelog.ChangeWriter, which records them;
    an ORM flush of one would bypass the change log, so it is a programming error."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__synced__", False):
            raise RuntimeError(f"{type(obj).__name__} 必须通过 ChangeWriter 写入（变更记录）")


def make_session_factory(engine: Engine, *, readonly: bool = False) -> sessionmaker[Session]:
    bind = engine.execution_options(readonly=True) if readonly else engine
    factory = sessionmaker(bind, expire_on_commit=False)
    event.listen(factory, "before_flush", _refuse_unlogged_writes)
    return factory
