"""Fast inserts and lookups of many rows: the demo, imports and sync handle hundreds of thousands.

SQLite: executemany straight on the driver with the columns' own bind processors (the same stored
values as a Core insert, without its per-row overhead). PostgreSQL: COPY, the server's bulk path.
`among()` is `col IN (...)` for thousands of text ids bound as ONE text parameter (a PostgreSQL
array literal, a JSON list on SQLite): an expanded IN list, or a list parameter the driver adapts
element by element, costs more than the query itself.
"""

from __future__ import annotations

from collections.abc import Iterable
from operator import itemgetter

import orjson
from sqlalchemy import ColumnElement, Table, Text, cast, column, func, literal, select
from sqlalchemy.dialects.postgresql import ARRAY
from sqlalchemy.orm import Session


def _pg_text_array(values: list[str]) -> str:
    quoted = (v.replace("\\", "\\\\").replace('"', '\\"') for v in values)
    return "{" + ",".join(f'"{v}"' for v in quoted) + "}"


def among(session: Session, col, values: Iterable[str]) -> ColumnElement[bool]:
    values = list(values)
    if session.get_bind().dialect.name == "postgresql":
        # IN (unnest) rather than = ANY(array): the planner joins (hash or index) instead of
        # comparing every row with the whole array.
        listed = select(func.unnest(cast(literal(_pg_text_array(values), Text), ARRAY(Text))))
    else:
        listed = select(column("value")).select_from(func.json_each(literal(orjson.dumps(values).decode())))
    return col.in_(listed.scalar_subquery())


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
