"""The five properties of sync-design.md, with hypothesis over three laptops and the server.

Each example copies a prepared county (server database + three enrolled, synced laptops), runs a
random schedule of edits (same and different fields, deletes, member adds, the same family
registered twice), partial syncs cut by a failing transport (an error before sending, or the
answer lost after the server committed), and clock skews of years; then one full exchange.
"""

from __future__ import annotations

import json
import shutil
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, event, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

from app.db import clock, review
from app.db.engine import make_engine, make_session_factory
from app.db.models import SYNCED_TABLES, Change, FieldHead
from app.db.row_merge import field_leaves
from app.domain.errors import DomainError, ValidationErrors
from app.domain.idcard import check_char
from app.ops.context import OpContext
from app.ops.households import add_member, create_household, delete_household, update_household
from app.sync.client import SyncClient, TransportError
from app.db.row_merge import field_leaves
from app.sync.merge import ingest, local_positions
from app.server.direct import DirectTransport
from tests.sync.fleet import TODAY, VILLAGE, Laptop, Server, seed_regions, state

CH = Change.__table__
FH = FieldHead.__table__
H = SYNCED_TABLES["household"]
NAMES = ("甲", "乙", "丙")
HEAD_IDS = tuple(b + check_char(b) for b in ("45088119900101123", "45088119850505202", "45088119700303031"))
FIELDS = {"phone": ("13800000001", "13800000002", None), "bank": ("农商行", "邮储银行"),
          "note": ("甲写的", "乙写的", "丙写的")}
YEAR_MS = 365 * 86_400_000


@pytest.fixture(scope="module")
def county_template(tmp_path_factory):
    """A server and three laptops that already share the village and two households."""
    root = tmp_path_factory.mktemp("county")
    server = Server(make_sqlite(root / "server.db", migrate=True))
    laptops = [Laptop(root / f"{n}.db", server, n) for n in NAMES]
    village = seed_regions(laptops[0].ctx)[VILLAGE]
    for i in range(2):
        create_household(laptops[0].ctx, {"village_id": village},
                         [{"name": "王一" if i == 0 else "王二", "relation": "户主"}])
    for laptop in laptops + laptops[:1]:
        laptop.sync()
    for laptop in laptops:
        laptop.close()
    server.engine.dispose()
    return root, village


def make_sqlite(path: Path, migrate: bool = False):
    if migrate:
        from app.db.migrate import open_sqlite
        return open_sqlite(path)
    return make_engine(f"sqlite:///{path}")


class FailingTransport(DirectTransport):
    """Fails the n-th call: before it reaches the server, or after the server committed."""

    def __init__(self, sessions, key, fail_at: int | None, after_commit: bool):
        super().__init__(sessions, key)
        self.calls = 0
        self.fail_at = fail_at
        self.after_commit = after_commit

    def call(self, endpoint, body):
        self.calls += 1
        if self.calls == self.fail_at and not self.after_commit:
            raise TransportError("connection reset")
        answer = super().call(endpoint, body)
        if self.calls == self.fail_at:
            raise TransportError("answer lost")
        return answer


class Replica:
    def __init__(self, path: Path, server_sessions, name: str):
        self.name = name
        self.ctx = OpContext(make_sqlite(path), user=name, today_fn=lambda: TODAY)
        with self.ctx.read() as s:
            from app.sync import replica
            self.key = replica.state(s).device_key
        self.server_sessions = server_sessions
        self.skew_ms = 0

    @contextmanager
    def clock(self, monkeypatch):
        real = clock.wall_ms
        with monkeypatch.context() as m:
            m.setattr(clock, "wall_ms", lambda: real() + self.skew_ms)
            yield

    def sync(self, *, fail_at=None, after_commit=False, batch=1000, page=1000, full_check=False):
        transport = FailingTransport(self.server_sessions, self.key, fail_at, after_commit)
        client = SyncClient(self.ctx.sessions, transport, retries=0, batch=batch, page=page,
                            sleep=lambda s: None, full_check=full_check)
        try:
            return client.run()
        except TransportError:
            return None


def households(r: Replica) -> list[str]:
    with r.ctx.read() as s:
        return list(s.execute(select(H.c.id).order_by(H.c.code, H.c.id)).scalars())


edit = st.tuples(st.just("edit"), st.integers(0, 2), st.integers(0, 2), st.sampled_from(sorted(FIELDS)),
                 st.integers(0, 2))
step = st.one_of(
    edit, edit, edit,  # edits are most of the work, and what makes conflicts
    # two laptops change one field to different values before they meet
    st.tuples(st.just("clash"), st.integers(0, 2), st.integers(0, 2), st.sampled_from(sorted(FIELDS))),
    st.tuples(st.just("member"), st.integers(0, 2), st.integers(0, 5)),
    st.tuples(st.just("delete"), st.integers(0, 2), st.integers(0, 5)),
    st.tuples(st.just("register"), st.integers(0, 2), st.integers(0, 2)),
    st.tuples(st.just("sync"), st.integers(0, 2), st.sampled_from([None, 1, 2, 3, 4, 5]),
              st.booleans(), st.sampled_from([1, 3, 1000])),
    st.tuples(st.just("skew"), st.integers(0, 2), st.sampled_from([-20, -3, 0, 5, 30])),
)


def run_schedule(root: Path, tmp: Path, village: str, steps, monkeypatch, *, skew: bool = True):
    for name in ("server", *NAMES):
        shutil.copy(root / f"{name}.db", tmp / f"{name}.db")
    server_engine = make_sqlite(tmp / "server.db")
    server_sessions = make_session_factory(server_engine)
    reps = [Replica(tmp / f"{n}.db", server_sessions, n) for n in NAMES]
    for r in reps:
        r.peers = reps
    try:
        for s in steps:
            kind, who = s[0], reps[s[1]]
            with who.clock(monkeypatch):
                apply_step(kind, who, s, village, skew)
        # One full exchange: everyone pushes, then everyone pulls what the others pushed.
        for r in reps + reps:
            assert r.sync() is not None
        return server_engine, reps
    except BaseException:
        server_engine.dispose()
        for r in reps:
            r.ctx.engine.dispose()
        raise


def apply_step(kind, who: Replica, s, village, skew):
    hs = households(who)
    try:
        if kind == "edit":
            hid = hs[s[2] % len(hs)]
            values = FIELDS[s[3]]
            update_household(who.ctx, hid, {s[3]: values[s[4] % len(values)]})
        elif kind == "clash":
            other = who.peers[(who.peers.index(who) + 1) % len(who.peers)]
            hid = hs[s[2] % len(hs)]
            update_household(who.ctx, hid, {s[3]: FIELDS[s[3]][0]})
            update_household(other.ctx, hid, {s[3]: FIELDS[s[3]][1]})
        elif kind == "member":
            add_member(who.ctx, hs[s[2] % len(hs)], {"name": f"{who.name}的家人", "relation": "子"})
        elif kind == "delete":
            delete_household(who.ctx, hs[s[2] % len(hs)])
        elif kind == "register":
            create_household(who.ctx, {"village_id": village},
                             [{"name": "重复户主", "relation": "户主", "id_number": HEAD_IDS[s[2]]}])
        elif kind == "sync":
            who.sync(fail_at=s[2], after_commit=s[3], batch=s[4], page=s[4])
        elif kind == "skew" and skew:
            who.skew_ms = s[2] * YEAR_MS
    except (DomainError, ValidationErrors):
        pass  # e.g. editing a household deleted meanwhile: the op refuses, as in the client


def review_view(engine) -> list:
    sessions = make_session_factory(engine, readonly=True)
    with sessions.begin() as s:
        return sorted((i.id, sorted((c.change_id, json.dumps(c.value), c.shown) for c in i.candidates))
                      for i in review.items(s) if i.kind != "parked")


def check_no_lost_update(engine) -> None:
    """Every change is a current leaf of each field it sets or an ancestor of one; differing
    leaves are flagged; the shown value is one of the leaves'."""
    sessions = make_session_factory(engine, readonly=True)
    with sessions.begin() as s:
        rows = s.execute(select(CH.c.table_name, CH.c.row_id).distinct()).all()
        for table_name, row_id in rows:
            table = SYNCED_TABLES[table_name]
            changes = s.execute(select(CH.c.change_id, CH.c.op, CH.c.hlc, CH.c.replica_id, CH.c.payload)
                                .where(CH.c.table_name == table_name, CH.c.row_id == row_id)).all()
            payloads = {c.change_id: json.loads(c.payload) for c in changes}
            current = s.execute(select(table).where(table.c.id == row_id)).mappings().one()
            heads = {h.field: (json.loads(h.change_ids), h.conflict) for h in s.execute(
                select(FH).where(FH.c.table_name == table_name, FH.c.row_id == row_id))}
            for f in {f for p in payloads.values() for f in p if not f.startswith("_")}:
                leaves = field_leaves(changes, payloads, f)
                ids = {c.change_id for c in leaves}
                parents = {c.change_id: set((payloads[c.change_id].get(f) or {}).get("parents", ()))
                           for c in changes}
                reach, todo = set(ids), list(ids)
                while todo:
                    for p in parents.get(todo.pop(), ()):
                        if p not in reach:
                            reach.add(p)
                            todo.append(p)
                touching = {c.change_id for c in changes if c.op == "create" or f in payloads[c.change_id]}
                assert touching <= reach, f"{table_name}.{f}: a change is neither leaf nor ancestor"
                values = {json.dumps((payloads[c].get(f) or {}).get("new")) for c in ids}
                shown = json.dumps(_json(current[f]))
                assert shown in values or (shown == "null" and "null" in values)
                flagged = heads.get(f, (None, False))[1]
                assert bool(flagged) == (len(values) > 1), f"{table_name}.{f} conflict mark"


def _json(v):
    from app.db.codec import to_json
    return to_json(v)


@settings(max_examples=30, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(step, min_size=4, max_size=24))
def test_convergence_no_loss_idempotence(county_template, tmp_path_factory, monkeypatch, steps):
    root, village = county_template
    tmp = tmp_path_factory.mktemp("run")
    server, reps = run_schedule(root, tmp, village, steps, monkeypatch)
    try:
        # 1. Convergence: identical values, field heads, conflict marks and review items.
        expected = state(server)
        for r in reps:
            assert state(r.ctx.engine) == expected
        items = review_view(server)
        for kind in sorted({i[0].split(":")[0] for i in items}):
            event(f"review item: {kind}")
        event(f"steps: {len(steps) // 8 * 8}+")
        for r in reps:
            assert review_view(r.ctx.engine) == items
        # 2. No lost update, every differing pair of leaves flagged.
        check_no_lost_update(server)
        # 3. Idempotence: the server's whole log applied again (in reverse order) changes nothing.
        with server.begin() as conn:
            log = [dict(r) for r in conn.execute(select(CH).order_by(CH.c.log_seq.desc())).mappings()]
        from app.sync.wire import to_wire
        with reps[0].ctx.sessions.begin() as s:
            report = ingest(s, [to_wire(r) for r in log], positions=local_positions(s), acked=True)
        assert report.stored == 0
        assert state(reps[0].ctx.engine) == expected
        for r in reps:
            again = r.sync(full_check=True)
            assert again.sent == 0 and again.received == 0 and again.digest_ok
    finally:
        server.dispose()
        for r in reps:
            r.ctx.engine.dispose()


def conflict_signature(engine) -> set:
    """Conflicts keyed by what does not depend on random ids or clocks: household code and field,
    with the set of differing values."""
    sessions = make_session_factory(engine, readonly=True)
    with sessions.begin() as s:
        codes = dict(s.execute(select(H.c.id, H.c.code)).all())
        out = set()
        for it in review.items(s):
            if it.kind == "field" and it.table == "household":
                out.add((codes[it.row_id], it.field, frozenset(json.dumps(c.value) for c in it.candidates)))
            elif it.kind != "parked":
                out.add((it.kind, it.household_code))
        return out


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(steps=st.lists(step, min_size=4, max_size=16))
def test_clock_skew_changes_no_flagged_conflict(county_template, tmp_path_factory, monkeypatch, steps):
    """5. The same schedule with and without clocks skewed by years flags the same conflicts."""
    root, village = county_template
    results = []
    for skew in (False, True):
        tmp = tmp_path_factory.mktemp("skew")
        server, reps = run_schedule(root, tmp, village, steps, monkeypatch, skew=skew)
        results.append(conflict_signature(server))
        check_no_lost_update(server)
        server.dispose()
        for r in reps:
            r.ctx.engine.dispose()
    assert results[0] == results[1]
