"""A county server and laptops in one test process: real databases, the real sync code path,
with the network replaced by direct calls into the server service (app/server/direct.py)."""

from __future__ import annotations

from contextlib import contextmanager
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, select

from app.db.codec import logged_columns, to_json
from app.db.engine import make_session_factory
from app.db.migrate import open_sqlite
from app.db.models import SYNCED_TABLES, FieldHead
from app.ops.context import OpContext
from app.ops.regions import create_region
from app.sync import client
from app.sync import county_service as service
from app.server.direct import DirectTransport

VILLAGE = "450881104201"
OTHER_VILLAGE = "450881104202"
TODAY = date(2026, 11, 28)


class Server:
    def __init__(self, engine: Engine):
        self.engine = engine
        self.sessions = make_session_factory(engine)

    def token(self, name: str, villages: list[str]) -> str:
        with self.sessions.begin() as s:
            return service.enrol(s, name, villages)


class Laptop:
    def __init__(self, path: Path, server: Server, name: str, villages: list[str] | None = None):
        self.name = name
        self.ctx = OpContext(open_sqlite(path), user=name, today_fn=lambda: TODAY)
        self.transport = DirectTransport(server.sessions)
        client.enrol(self.ctx.sessions, self.transport, "direct:", server.token(name, villages or [VILLAGE]))

    def sync(self, **kw) -> client.SyncSummary:
        return client.SyncClient(self.ctx.sessions, self.transport, sleep=lambda s: None, **kw).run()

    def close(self) -> None:
        self.ctx.engine.dispose()


@contextmanager
def two_laptops(tmp_path: Path):
    """A county server and laptops 甲 and 乙 that share one village: (server, a, b, village id)."""
    server = Server(open_sqlite(tmp_path / "county.db"))
    a = Laptop(tmp_path / "a.db", server, "甲")
    b = Laptop(tmp_path / "b.db", server, "乙")
    village = seed_regions(a.ctx)[VILLAGE]
    a.sync()
    b.sync()
    try:
        yield server, a, b, village
    finally:
        a.close()
        b.close()
        server.engine.dispose()


def seed_regions(ctx: OpContext, villages=(VILLAGE,)) -> dict[str, str]:
    county = create_region(ctx, "450881000000", "桂平市", "county").value["id"]
    town = create_region(ctx, "450881104000", "木乐镇", "township", county).value["id"]
    ids = {}
    for i, code in enumerate(villages):
        ids[code] = create_region(ctx, code, f"长河{i}村", "village", town).value["id"]
        create_region(ctx, code + "01", "第1组", "group", ids[code])
    return ids


def state(engine: Engine) -> dict:
    """Every synced row's logged values, every field head and conflict mark: what must converge."""
    sessions = make_session_factory(engine, readonly=True)
    out = {}
    with sessions.begin() as s:
        for name, table in sorted(SYNCED_TABLES.items()):
            cols = [c.name for c in logged_columns(table)]
            for row in s.execute(select(table)).mappings():
                out[(name, row["id"])] = tuple(to_json(row[c]) for c in cols)
        fh = FieldHead.__table__
        for h in s.execute(select(fh)):
            out[("head", h.table_name, h.row_id, h.field)] = (h.change_ids, bool(h.conflict))
    return out
