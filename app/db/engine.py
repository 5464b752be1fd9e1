"""Engine and session factory. SQLite connections get the pragmas architecture.md requires."""

from __future__ import annotations

from pathlib import Path

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import URL
from sqlalchemy.orm import Session, sessionmaker
from sqlalchemy.pool import QueuePool

BUSY_TIMEOUT_MS = 10_000


def sqlite_url(path: str | Path) -> URL:
    """The engine URL of a SQLite file, as a URL object: a string would be parsed again, and
    SQLAlchemy's parser reads `%25` in a folder name as `%` and opens another file."""
    return URL.create("sqlite", database=str(Path(path)))


def file_uri(path: str | Path, **params: str) -> str:
    """A SQLite URI for a file, built from Path.as_uri(): `#`, `%`, `?`, spaces and Chinese in a
    folder name are percent-encoded, so SQLite opens that very file (a hand-made "file:{path}"
    reads `1#楼` as the file `1` with a fragment). Windows paths get file:///D:/... as SQLite wants."""
    uri = Path(path).expanduser().absolute().as_uri()
    return uri + ("?" + "&".join(f"{k}={v}" for k, v in params.items()) if params else "")


def readonly_uri(path: str | Path) -> str:
    """Read-only and never creating the file (mode=ro): checks must not write a byte."""
    return file_uri(path, mode="ro")


def _on_sqlite_connect(dbapi_conn, _record, journal_mode: str = "WAL") -> None:
    # Let SQLAlchemy issue BEGIN itself (pysqlite's own transaction handling is off) so
    # `with session.begin()` is one real SQLite transaction.
    dbapi_conn.isolation_level = None
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA foreign_keys=ON")
    cur.execute(f"PRAGMA busy_timeout={BUSY_TIMEOUT_MS}")
    # WAL, except on a network or cloud-synced folder (app/db/location.py), where its shared-memory
    # index is not safe: there the rollback journal (DELETE) is the least unsafe.
    cur.execute(f"PRAGMA journal_mode={journal_mode}")
    # FULL: a committed save survives a power cut, not only a crash.
    cur.execute("PRAGMA synchronous=FULL")
    # 128 MB page cache: index pages of the big tables stay in memory on a 100k-household county.
    cur.execute("PRAGMA cache_size=-131072")
    cur.close()


def _on_sqlite_begin(conn) -> None:
    # Writers take the write lock at BEGIN (IMMEDIATE), so a save never fails half-way on a lock;
    # readers (execution option readonly=True) begin DEFERRED and never wait for a writer.
    # Bulk loads (execution option bulk=True: demo, import) commit without waiting for the disk:
    # synchronous=NORMAL in WAL mode is still atomic and never corrupt, a power cut may only undo
    # the last batches. It can only be set outside a transaction, so here, before BEGIN.
    options = conn.get_execution_options()
    if options.get("readonly"):
        conn.exec_driver_sql("BEGIN")
        return
    if options.get("bulk"):
        conn.exec_driver_sql("PRAGMA synchronous=NORMAL")
    conn.exec_driver_sql("BEGIN IMMEDIATE")


def _on_sqlite_checkin(dbapi_conn, _record) -> None:
    """Back to full durability before a pooled connection serves anyone else."""
    try:
        dbapi_conn.execute("PRAGMA synchronous=FULL")
    except Exception:  # noqa: BLE001 - a broken connection is discarded by the pool anyway
        pass


def make_engine(url: str | URL, *, wal: bool = True, **kw) -> Engine:
    if str(url).startswith("sqlite+pysqlcipher:"):
        # SQLCipher (app/db/crypto.url): pooled as plain SQLite files are (its dialect's default
        # is one connection per thread, which the op runner's worker thread does not need).
        kw.setdefault("poolclass", QueuePool)
    engine = create_engine(url, **kw)
    if engine.dialect.name == "sqlite":
        event.listen(engine, "connect", _on_sqlite_connect if wal else
                     lambda conn, record: _on_sqlite_connect(conn, record, "DELETE"))
        event.listen(engine, "begin", _on_sqlite_begin)
        event.listen(engine, "checkin", _on_sqlite_checkin)
    return engine


def _refuse_unlogged_writes(session: Session, _context, _instances) -> None:
    """Synced rows are written only through app/db/changelog.ChangeWriter, which records them;
    an ORM flush of one would bypass the change log, so it is a programming error."""
    for obj in (*session.new, *session.dirty, *session.deleted):
        if getattr(obj, "__synced__", False):
            raise RuntimeError(f"{type(obj).__name__} 必须通过 ChangeWriter 写入（变更记录）")


def make_session_factory(engine: Engine, *, readonly: bool = False,
                         bulk: bool = False) -> sessionmaker[Session]:
    bind = engine.execution_options(readonly=readonly, bulk=bulk) if readonly or bulk else engine
    factory = sessionmaker(bind, expire_on_commit=False)
    event.listen(factory, "before_flush", _refuse_unlogged_writes)
    return factory


def limit_page_cache(engine: Engine, kb: int) -> None:
    """At most `kb` KiB of SQLite page cache on every connection of `engine` from now on."""

    @event.listens_for(engine, "connect")
    def _cache(dbapi_conn, _record):
        dbapi_conn.execute(f"PRAGMA cache_size=-{kb}")

    engine.dispose()  # connections opened while migrating get the setting too
