"""Migrations on SQLite and the real PostgreSQL; refusing files that cannot be opened safely."""

from __future__ import annotations

import hashlib
import os
import sqlite3

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import create_engine, inspect, text

from app.db.migrate import (
    DatabaseRefused, backup_sqlite, head_revision, open_sqlite, upgrade_engine,
)
from app.db.models import Base


def digest(path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def run_sql(path, *statements) -> None:
    """Change a file behind the program's back, then fold the WAL into the main file."""
    conn = sqlite3.connect(path)
    for statement in statements:
        conn.execute(statement)
    conn.commit()
    conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
    conn.close()


def schema_diff(engine) -> list:
    with engine.connect() as conn:
        mc = MigrationContext.configure(conn, opts={"compare_type": True})
        return compare_metadata(mc, Base.metadata)


def test_new_sqlite_file_is_created_at_head_with_the_pragmas(db_path):
    engine = open_sqlite(db_path)
    with engine.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
        assert conn.exec_driver_sql("PRAGMA foreign_keys").scalar() == 1
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar() == "wal"
        assert conn.exec_driver_sql("PRAGMA busy_timeout").scalar() >= 5000
        assert conn.execute(text("SELECT count(*) FROM replica")).scalar() == 1
    assert set(Base.metadata.tables) <= set(inspect(engine).get_table_names())
    engine.dispose()


def test_sqlite_schema_matches_the_models(db_path):
    engine = open_sqlite(db_path)
    assert schema_diff(engine) == []
    engine.dispose()


def test_postgresql_migrates_and_matches_the_models(pg_migrated):
    with pg_migrated.connect() as conn:
        assert conn.execute(text("SELECT version_num FROM alembic_version")).scalar() == head_revision()
    assert schema_diff(pg_migrated) == []


def test_opening_twice_is_idempotent_and_keeps_the_replica(db_path):
    open_sqlite(db_path).dispose()
    with sqlite3.connect(db_path) as c:
        first = c.execute("SELECT replica_id FROM replica").fetchall()
    open_sqlite(db_path).dispose()
    with sqlite3.connect(db_path) as c:
        assert c.execute("SELECT replica_id FROM replica").fetchall() == first


def test_random_bytes_are_refused_and_untouched(db_path):
    db_path.write_bytes(os.urandom(8192))
    before = digest(db_path)
    with pytest.raises(DatabaseRefused, match="不是卡册数据库文件"):
        open_sqlite(db_path)
    assert digest(db_path) == before


def test_unknown_revision_is_refused_as_newer_and_untouched(db_path):
    open_sqlite(db_path).dispose()
    run_sql(db_path, "UPDATE alembic_version SET version_num='9999_from_the_future'")
    before = digest(db_path)
    with pytest.raises(DatabaseRefused, match="更新版本") as e:
        open_sqlite(db_path)
    assert e.value.exit_code == 3
    assert digest(db_path) == before


def test_a_foreign_sqlite_file_is_refused(db_path):
    run_sql(db_path, "CREATE TABLE photos (id INTEGER)")
    before = digest(db_path)
    with pytest.raises(DatabaseRefused, match="不是卡册数据库"):
        open_sqlite(db_path)
    assert digest(db_path) == before


def test_a_corrupt_file_is_refused_and_untouched(db_path):
    open_sqlite(db_path).dispose()
    run_sql(db_path)
    data = bytearray(db_path.read_bytes())
    data[100:4096] = os.urandom(3996)  # the schema page, after the 100-byte header
    db_path.write_bytes(bytes(data))
    for extra in ("-wal", "-shm"):
        db_path.with_name(db_path.name + extra).unlink(missing_ok=True)
    before = digest(db_path)
    with pytest.raises(DatabaseRefused, match="损坏"):
        open_sqlite(db_path)
    assert digest(db_path) == before


def test_missing_folder_is_refused(tmp_path):
    with pytest.raises(DatabaseRefused, match="文件夹不存在"):
        open_sqlite(tmp_path / "nope" / "kace.db")


def test_a_folder_as_database_is_refused(tmp_path):
    with pytest.raises(DatabaseRefused):
        open_sqlite(tmp_path)


def test_an_older_file_is_backed_up_before_upgrade(db_path):
    """A real file one revision behind the program: copied as it was, then really upgraded."""
    from alembic import command
    from alembic.script import ScriptDirectory

    import app.db.migrate as migrate

    cfg = migrate.alembic_config()
    head = ScriptDirectory.from_config(cfg).get_current_head()
    older = ScriptDirectory.from_config(cfg).get_revision(head).down_revision
    engine = create_engine(f"sqlite:///{db_path}")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, older)
    engine.dispose()
    run_sql(db_path, "INSERT INTO setting (key, value) VALUES ('mark', '旧版本数据')")

    open_sqlite(db_path).dispose()
    backups = list(db_path.parent.glob(f"kace.before-{head}-*.db"))
    assert len(backups) == 1
    with sqlite3.connect(backups[0]) as c:  # the file as it was before the upgrade
        assert c.execute("SELECT version_num FROM alembic_version").fetchone() == (older,)
        assert c.execute("SELECT value FROM setting WHERE key='mark'").fetchone() == ("旧版本数据",)
    with sqlite3.connect(db_path) as c:  # the file itself is at the program's head, data kept
        assert c.execute("SELECT version_num FROM alembic_version").fetchone() == (head,)
        assert c.execute("SELECT value FROM setting WHERE key='mark'").fetchone() == ("旧版本数据",)


def test_backup_copies_a_live_database(db_path, tmp_path):
    open_sqlite(db_path).dispose()
    copy = backup_sqlite(db_path, tmp_path / "copy.db")
    with sqlite3.connect(copy) as c:
        assert c.execute("PRAGMA integrity_check").fetchone() == ("ok",)


def test_migration_from_empty_on_postgres_is_repeatable(pg_engine):
    upgrade_engine(pg_engine)
    upgrade_engine(pg_engine)  # a second start changes nothing
    with pg_engine.connect() as conn:
        assert conn.execute(text("SELECT count(*) FROM replica")).scalar() == 1


def test_sqlalchemy_url_alembic_cli_works(tmp_path):
    """Developers run alembic from the command line against a file."""
    from alembic import command

    from app.db.migrate import alembic_config

    url = f"sqlite:///{tmp_path / 'cli.db'}"
    cfg = alembic_config()
    cfg.set_main_option("sqlalchemy.url", url)
    command.upgrade(cfg, "head")
    assert schema_diff(create_engine(url)) == []
