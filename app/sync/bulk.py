"""Fast inserts of many rows: the demo, imports and sync write hundreds of thousands at once.

SQLite: executemany straight on the driver with the columns' own bind processors (the same stored
values as a Core insert, without its per-row overhead). PostgreSQL: COPY, the server's bulk path.
"""

from __future__ import annotations

from operator import itemgetter

from sqlalchemy import Table
from sqlalchemy.orm import Session


def bulk_insert(session: Session, table: Table, rows: list[dict]) -> None:
    if not rows:
        return
    conn = session.connection()
    names = list(rows[0])
    pick = itemgetter(*names) if len(names) > 1 else (lambda r: (r[names[0]],))
    if conn.dialect.name == "postgresql":
        cursor = conn.connection.driver_connection.cursor()
        with cursor.copy(f"COPY {table.name} ({', '.join(names)}) FROM STDIN") as copy:
            for r in rows:
                copy.write_row(pick(r))
        return
    dialect = conn.dialect
    procs = [(i, p) for i, n in enumerate(names)
             if (p := table.c[n].type._cached_bind_processor(dialect)) is not None]
    mark = "?" if dialect.paramstyle == "qmark" else "%s"
    sql = f"INSERT INTO {table.name} ({', '.join(names)}) VALUES ({', '.join([mark] * len(names))})"
    params = []
    for r in rows:
        values = list(pick(r))
        for i, p in procs:
            if values[i] is not None:
                values[i] = p(values[i])
        params.append(tuple(values))
    conn.exec_driver_sql(sql, params)
