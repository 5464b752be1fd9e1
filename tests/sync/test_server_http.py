"""The county server over real HTTP: `kace serve` as a process on loopback over the real
PostgreSQL, laptops synchronised with `kace sync` processes (sync-design.md, issue #7)."""

from __future__ import annotations

import gzip
import json
import uuid

import httpx
import pytest
from sqlalchemy import select

from app.cli import main
from app.db import review
from app.db.engine import make_session_factory
from app.db.migrate import open_sqlite
from app.db.models import SYNCED_TABLES
from app.ops.context import OpContext
from app.ops.households import create_household, update_household
from app.ops.regions import create_region
from tests.conftest import posix_processes
from tests.sync.fleet import OTHER_VILLAGE, TODAY, VILLAGE, seed_regions, state
from tests.sync.http_fleet import PgSchema, ServerProcess, enrol_token, free_port, kace

pytestmark = [pytest.mark.postgres, posix_processes]
H = SYNCED_TABLES["household"]
R = SYNCED_TABLES["region"]


@pytest.fixture
def county(tmp_path):
    schema = PgSchema()
    server = ServerProcess(schema.url, tmp_path / "server.log")
    yield schema, server
    server.stop()
    schema.drop()


def open_laptop(path, name="测试员") -> OpContext:
    return OpContext(open_sqlite(path), user=name, today_fn=lambda: TODAY)


def sync(db, *extra, expect=0):
    proc = kace("sync", "--db", db, *extra)
    assert proc.returncode == expect, f"kace sync -> {proc.returncode}\n{proc.stdout}\n{proc.stderr}"
    return proc


def households(path) -> dict[str, dict]:
    ctx = open_laptop(path)
    try:
        with ctx.read() as s:
            return {r["id"]: dict(r) for r in s.execute(select(H)).mappings()}
    finally:
        ctx.engine.dispose()


def review_items(engine) -> list[tuple]:
    with make_session_factory(engine, readonly=True).begin() as s:
        return sorted((i.kind, i.table, i.row_id, i.field,
                       tuple(sorted(json.dumps(c.value, ensure_ascii=False) for c in i.candidates)))
                      for i in review.items(s) if i.kind != "parked")


def laptop_state(path):
    engine = open_sqlite(path)
    try:
        return state(engine), review_items(engine)
    finally:
        engine.dispose()


def test_two_laptops_conflict_and_converge_over_http(county, tmp_path):
    schema, server = county
    a_db, b_db = tmp_path / "a.db", tmp_path / "b.db"
    a = open_laptop(a_db, "甲")
    village = seed_regions(a)[VILLAGE]
    hid = create_household(a, {"village_id": village, "phone": "13800000000"},
                           [{"name": "张三丰", "relation": "户主", "id_number": "450881199001011235"}]).value["id"]
    a.engine.dispose()
    # Enrol both laptops at the county and on the laptops; the second one starts empty.
    proc = sync(a_db, "--server", server.url, "--enrol", enrol_token(schema.url, "甲", [VILLAGE]))
    assert "本机已登记为“甲”" in proc.stderr and "上传" in proc.stdout
    proc = sync(b_db, "--server", server.url, "--enrol", enrol_token(schema.url, "乙", [VILLAGE]))
    assert households(b_db)[hid]["phone"] == "13800000000"
    log = [json.loads(line.split(": ", 1)[1]) for line in server.log().splitlines()
           if "kace.server.requests:" in line]
    snap = [e for e in log if e["endpoint"] == "snapshot"]
    assert len(snap) == 1 and snap[0]["device"] == "乙" and snap[0]["returned"] > 0, "a new laptop starts from the snapshot"
    assert all({"device", "endpoint", "status", "ms"} <= e.keys() for e in log)
    # Conflicting edits on both laptops; different fields merge, the same field is a conflict.
    a, b = open_laptop(a_db, "甲"), open_laptop(b_db, "乙")
    update_household(a, hid, {"phone": "13911111111", "bank": "农商行"})
    update_household(b, hid, {"phone": "13922222222", "note": "乙的备注"})
    a.engine.dispose(), b.engine.dispose()
    sync(a_db)
    assert "新发现冲突 1 处" in sync(b_db).stdout
    sync(a_db)
    a_state, a_items = laptop_state(a_db)
    b_state, b_items = laptop_state(b_db)
    assert a_state == b_state == state(schema.engine)
    assert a_items == b_items == review_items(schema.engine)
    assert [(k, t, r, f) for k, t, r, f, _ in a_items] == [("field", "household", hid, "phone")]
    assert a_items[0][4] == ('"13911111111"', '"13922222222"')
    row = households(a_db)[hid]
    assert row["bank"] == "农商行" and row["note"] == "乙的备注"
    # The county lists its devices.
    listed = json.loads(kace("server", "devices", "--db-url", schema.url, "--json", check=True).stdout)
    assert {d["name"]: d["state"] for d in listed} == {"甲": "已登记", "乙": "已登记"}
    assert all(d["signing_key"] for d in listed)  # both gave their Ed25519 public key at enrolment


def test_a_device_reads_and_writes_only_its_villages(county, tmp_path):
    schema, server = county
    a_db, c_db = tmp_path / "a.db", tmp_path / "c.db"
    a = open_laptop(a_db, "甲")
    ids = seed_regions(a)
    create_household(a, {"village_id": ids[VILLAGE]}, [{"name": "李四", "relation": "户主"}])
    with a.read() as s:
        town_id = s.execute(select(R.c.id).where(R.c.level == "township")).scalar_one()
    a.engine.dispose()
    sync(a_db, "--server", server.url, "--enrol", enrol_token(schema.url, "甲", [VILLAGE]))
    # 丙 is enrolled for the other village: its snapshot holds the county-wide rows only.
    sync(c_db, "--server", server.url, "--enrol", enrol_token(schema.url, "丙", [OTHER_VILLAGE]))
    c = open_laptop(c_db, "丙")
    with c.read() as s:
        assert set(s.execute(select(R.c.level)).scalars()) == {"county", "township"}
        assert not s.execute(select(H.c.id)).first()
    other = create_region(c, OTHER_VILLAGE, "石龙村", "village", town_id).value["id"]
    c_hid = create_household(c, {"village_id": other}, [{"name": "王五", "relation": "户主"}]).value["id"]
    c.engine.dispose()
    sync(c_db)
    # 甲 never receives the other village, even asking the server directly from the start.
    sync(a_db)
    assert c_hid not in households(a_db)
    a = open_laptop(a_db, "甲")
    with a.read() as s:
        assert not s.execute(select(R.c.id).where(R.c.code == OTHER_VILLAGE)).first()
        key = _device_key(s)
    pulled = httpx.post(f"{server.url}/sync/v1/pull", json={"after": 0, "limit": 5000},
                        headers={"Authorization": f"Bearer {key}"}).json()
    assert pulled["changes"] and all(ch["row_id"] not in (c_hid, other) for ch in pulled["changes"])
    # 甲 writing the other village: stored, never applied, parked for review on the server.
    create_region(a, OTHER_VILLAGE, "石龙村", "village", town_id)
    intruder = create_household(a, {"village_id": other, "phone": "13700000000"},
                                [{"name": "赵六", "relation": "户主"}]).value["id"]
    a.engine.dispose()
    assert "县服务器搁置了" in sync(a_db).stdout
    with make_session_factory(schema.engine).begin() as s:
        assert not s.execute(select(H.c.id).where(H.c.id == intruder)).first()
        parked = review.parked(s)
    assert parked and all("甲" in p.detail and "不属于该设备的村" in p.detail for p in parked)
    assert intruder in {p.row_id for p in parked}
    assert households(c_db).keys() == {c_hid}
    sync(c_db)
    assert households(c_db)[c_hid]["phone"] is None  # 甲's household never reached 丙 either
    assert intruder not in households(c_db)


def _device_key(session) -> str:
    from app.sync import replica

    return replica.state(session).device_key


def test_authentication_refusals_and_unreachable_server(county, tmp_path):
    schema, server = county
    a_db = tmp_path / "a.db"
    sync(a_db, "--server", server.url, "--enrol", enrol_token(schema.url, "甲", [VILLAGE]))
    body = {"after": 0}
    assert httpx.post(f"{server.url}/sync/v1/pull", json=body).status_code == 401
    wrong = httpx.post(f"{server.url}/sync/v1/pull", json=body, headers={"Authorization": "Bearer nope"})
    assert wrong.status_code == 401 and wrong.json()["detail"] == "设备密钥无效"
    assert httpx.get(f"{server.url}/sync/v1/snapshot").status_code == 401
    # A used or unknown token, a laptop that is not enrolled, a bad address: exit 2.
    proc = sync(tmp_path / "b.db", "--server", server.url, "--enrol", "not-a-token", expect=2)
    assert "登记码无效" in proc.stderr
    assert "找不到数据库文件" in sync(tmp_path / "c.db", "--server", server.url, expect=3).stderr  # none made
    assert not (tmp_path / "c.db").exists()
    assert main(["db", "upgrade", "--db", str(tmp_path / "c.db")]) == 0
    assert "尚未登记" in sync(tmp_path / "c.db", "--server", server.url, expect=2).stderr
    assert "服务器地址" in sync(a_db, "--server", "ftp://x", expect=2).stderr
    # Nobody listening: exit 4 after the retries, the database intact.
    dead = f"http://127.0.0.1:{free_port()}"
    proc = sync(a_db, "--server", dead, "--retries", "1", "--backoff", "0.01", expect=4)
    assert "无法连接县服务器" in proc.stderr
    assert kace("db", "check", "--db", a_db).returncode == 0
    # A lost laptop: disabled at the county, refused from then on.
    assert kace("server", "disable", "--db-url", schema.url, "--device", "甲").returncode == 0
    proc = sync(a_db, expect=2)
    assert "停用" in proc.stderr
    assert kace("server", "disable", "--db-url", schema.url, "--device", "无此设备").returncode == 2
    assert kace("server", "enrol", "--db-url", schema.url, "--device", "丁", "--villages", "123").returncode == 2
    assert kace("serve", "--db-url", "mysql://x/y").returncode == 2


def _change(**over) -> dict:
    rec = {"change_id": str(uuid.uuid4()), "replica_id": str(uuid.uuid4()), "incarnation_id": str(uuid.uuid4()),
           "seq": 1, "hlc": 1, "user_name": "x", "tx_id": str(uuid.uuid4()), "table_name": "household",
           "row_id": str(uuid.uuid4()), "op": "update", "payload": json.dumps({"phone": {"new": "1"}}),
           "created_at": "2026-11-28T00:00:00"}
    rec.update(over)
    return rec


MALFORMED = [
    # (endpoint, raw body or JSON, extra headers): every one is answered 4xx, never 5xx
    ("hello", b"{", {"Content-Type": "application/json"}),
    ("hello", [], {}),
    ("hello", {}, {}),
    ("hello", {"replica_id": "r", "incarnation_id": "i", "protocol": "1", "clock_ms": 0}, {}),
    ("hello", {"replica_id": "r\x00", "incarnation_id": "i", "protocol": 1, "clock_ms": 0}, {}),
    ("hello", {"replica_id": "r" * 37, "incarnation_id": "i", "protocol": 1, "clock_ms": 0}, {}),
    ("hello", {"replica_id": "r", "incarnation_id": "i", "protocol": 1, "clock_ms": 10**30}, {}),
    ("hello", {"replica_id": "r", "incarnation_id": "i", "protocol": 99, "clock_ms": 0}, {}),
    ("push", {"incarnation_id": "i", "through": -1, "changes": []}, {}),
    ("push", {"incarnation_id": "i", "through": 2**63, "changes": []}, {}),
    ("push", {"incarnation_id": "i", "through": 1, "changes": "x"}, {}),
    ("push", {"incarnation_id": "i", "through": 1, "changes": [1, 2]}, {}),
    ("push", {"incarnation_id": "i", "through": 1, "changes": [{}] * 5001}, {}),
    ("push", b"not gzip", {"Content-Encoding": "gzip", "Content-Type": "application/json"}),
    ("push", gzip.compress(b'{"incarnation_id"')[:-8], {"Content-Encoding": "gzip",
                                                         "Content-Type": "application/json"}),
    ("push", b"{}", {"Content-Encoding": "br", "Content-Type": "application/json"}),
    ("pull", {"after": "0"}, {}),
    ("pull", {"after": 0, "limit": 0}, {}),
    ("pull", {"after": 2**70}, {}),
    ("pull", {"after": None}, {}),
    ("enrol", {"token": ""}, {}),
    ("enrol", {"token": 5}, {}),
    ("enrol", {"token": "x" * 1000}, {}),
    ("nothing", {}, {}),
]


def test_malformed_requests_are_refused_not_failed(county, tmp_path):
    schema, server = county
    a_db = tmp_path / "a.db"
    sync(a_db, "--server", server.url, "--enrol", enrol_token(schema.url, "甲", [VILLAGE]))
    with open_laptop(a_db).read() as s:
        key = _device_key(s)
    auth = {"Authorization": f"Bearer {key}"}
    with httpx.Client(base_url=server.url, headers=auth, timeout=30) as http:
        for endpoint, body, headers in MALFORMED:
            kw = {"content": body} if isinstance(body, bytes) else {"json": body}
            r = http.post(f"/sync/v1/{endpoint}", headers=headers, **kw)
            assert 400 <= r.status_code < 500, (endpoint, body if len(str(body)) < 200 else "...", r.text)
            assert isinstance(r.json()["detail"], str), r.text
        # Change records that fail validation are parked and acknowledged: they never block a queue.
        garbage = [{}, {"change_id": "x\x00y"}, _change(op="explode"), _change(table_name="nope"),
                   _change(payload="{not json"), _change(payload=json.dumps({"phone": {"new": "a\x00b"}})),
                   _change(user_name="\x00"), _change(seq=-5), _change(created_at="yesterday")]
        # A value the laptop's SQLite held but PostgreSQL cannot (longer than its column).
        garbage.append(_change(table_name="helper", op="create", payload=json.dumps({"name": {"new": "张" * 300}})))
        r = http.post("/sync/v1/push", json={"incarnation_id": "i", "through": 9, "changes": garbage})
        assert r.status_code == 200, r.text
        assert r.json()["parked"] == len(garbage) and r.json()["acked_through"] == 9
        assert http.get("/health").json()["status"] == "ok"
    assert "Traceback" not in server.log()


# --- the OpenAPI schema, fuzzed in process: whatever arrives, the answer is never a 5xx ---------


def test_openapi_fuzz_never_a_server_error(pg_migrated):
    """schemathesis generates valid and invalid requests for every operation of the app's own
    OpenAPI schema (bounded), sent in process with a valid device key: never a 5xx, and every
    answer (status, content type, body, headers) as the schema declares it."""
    import schemathesis
    from hypothesis import HealthCheck, given, settings
    from hypothesis.errors import Unsatisfiable
    from schemathesis.checks import (content_type_conformance, not_a_server_error, response_headers_conformance,
                                     response_schema_conformance, status_code_conformance)
    from schemathesis.generation import GenerationMode

    from app.sync import limits
    from app.sync import county_service as service
    from app.server.app import create_app

    sessions = make_session_factory(pg_migrated)
    with sessions.begin() as s:
        token = service.enrol(s, "模糊测试", [VILLAGE])
    with sessions.begin() as s:
        key = service.redeem(s, token)["device_key"]
    app = create_app(pg_migrated, rate=limits.RateLimiter(per_minute=10**6, burst=10**6))
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    schema.config.generation.update(allow_x00=True)
    headers = {"Authorization": f"Bearer {key}"}
    operations = [result.ok() for result in schema.get_all_operations()]
    assert {op.path for op in operations} >= {"/sync/v1/push", "/sync/v1/pull", "/sync/v1/hello",
                                              "/sync/v1/enrol", "/sync/v1/digest", "/sync/v1/snapshot"}
    calls, skipped = [], []
    for operation in operations:
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
            @given(case=operation.as_strategy(generation_mode=mode))
            @settings(max_examples=25, deadline=None, database=None, derandomize=True,
                      suppress_health_check=list(HealthCheck))
            def check(case):
                response = case.call(headers=headers)
                calls.append(response.status_code)
                case.validate_response(response, checks=[
                    not_a_server_error, status_code_conformance, content_type_conformance,
                    response_schema_conformance, response_headers_conformance])

            try:
                check()
            except Unsatisfiable:
                assert mode is GenerationMode.NEGATIVE  # nothing to get wrong (GET /health)
                skipped.append(operation.path)
    assert set(skipped) <= {"/health", "/sync/v1/snapshot"}
    assert len(calls) > 100 and any(c == 200 for c in calls) and any(c == 422 for c in calls)


# --- the laptop's transport: what is retried and what is a refusal ------------------------------


def _mock(handler):
    from app.sync.http_transport import HttpTransport

    return HttpTransport("http://county", "key", client=httpx.Client(
        base_url="http://county", transport=httpx.MockTransport(handler)))


def test_transport_sorts_failures_into_retryable_and_refused():
    from app.sync.client import ServerRefused, TransportError

    seen = {}

    def handler(request: httpx.Request) -> httpx.Response:
        seen["auth"] = request.headers.get("authorization")
        seen["encoding"] = request.headers.get("content-encoding")
        seen["body"] = request.content
        status, body = answers[request.url.path.rsplit("/", 1)[-1]]
        return httpx.Response(status, content=body if isinstance(body, bytes) else json.dumps(body).encode())

    answers = {"hello": (200, {"villages": []}), "push": (200, {"acked_through": 3})}
    transport = _mock(handler)
    assert transport.call("hello", {"a": 1}) == {"villages": []}
    assert seen["auth"] == "Bearer key" and seen["encoding"] is None
    assert transport.call("push", {"changes": [1]}) == {"acked_through": 3}
    assert seen["encoding"] == "gzip" and json.loads(gzip.decompress(seen["body"])) == {"changes": [1]}
    for status in (502, 503, 504):
        answers["pull"] = (status, b"<html>bad gateway</html>")
        with pytest.raises(TransportError):
            transport.call("pull", {})
    for body in (b'{"changes": [', b"", b"<html>", b"[1, 2]"):
        answers["pull"] = (200, body)
        with pytest.raises(TransportError):
            transport.call("pull", {})
    for status, body, message in ((401, {"detail": "设备密钥无效"}, "设备密钥无效"),
                                  (403, {"detail": "该设备已停用"}, "该设备已停用"),
                                  (422, {"detail": [{"msg": "x"}]}, "HTTP 422"),
                                  (500, {"detail": "县服务器内部错误"}, "县服务器内部错误"),
                                  (404, b"not found", "没有这个同步接口")):
        answers["pull"] = (status, body)
        with pytest.raises(ServerRefused) as refused:
            transport.call("pull", {})
        assert refused.value.status == status and message in refused.value.message


def test_transport_connection_failures_are_retryable():
    """A refused connection, a server that never answers, an answer cut short: all retryable."""
    import socket
    import threading

    from app.sync.client import TransportError
    from app.sync.http_transport import HttpTransport

    listener = socket.socket()
    listener.bind(("127.0.0.1", 0))
    listener.listen()
    port = listener.getsockname()[1]
    mode = {"kind": "silent"}
    held = []

    def serve():
        while True:
            try:
                conn, _ = listener.accept()
            except OSError:
                return
            conn.recv(65536)
            if mode["kind"] == "truncated":
                conn.sendall(b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\n"
                             b"Content-Length: 500\r\n\r\n{\"changes\": [")
                conn.close()
            else:
                held.append(conn)  # never answers

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    try:
        with HttpTransport(f"http://127.0.0.1:{port}", "k", timeout=0.5) as transport:
            with pytest.raises(TransportError):
                transport.call("pull", {"after": 0})  # read timeout
            mode["kind"] = "truncated"
            with pytest.raises(TransportError):
                transport.call("pull", {"after": 0})
        with HttpTransport(f"http://127.0.0.1:{free_port()}", "k", timeout=2) as transport:
            with pytest.raises(TransportError):
                transport.call("hello", {})  # connection refused
    finally:
        listener.close()
        for conn in held:
            conn.close()


def test_snapshot_stream_must_be_complete():
    from app.sync.client import TransportError

    def ndjson(*objs) -> bytes:
        return gzip.compress(b"".join(json.dumps(o).encode() + b"\n" for o in objs))

    streams = {}

    def handler(request):
        return httpx.Response(200, content=streams["body"],
                              headers={"Content-Encoding": "gzip", "Content-Type": "application/x-ndjson"})

    transport = _mock(handler)
    streams["body"] = ndjson({"server_seq": 7}, {"change_id": "a"}, {"change_id": "b"}, {"change_id": "c"},
                             {"end": True, "count": 3})
    assert list(transport.snapshot(2)) == [(7, [{"change_id": "a"}, {"change_id": "b"}]), (7, [{"change_id": "c"}])]
    for body in (ndjson({"server_seq": 7}, {"change_id": "a"}),  # no trailer: the connection was cut
                 ndjson({"server_seq": 7}, {"change_id": "a"}, {"end": True, "count": 2}),
                 ndjson({"server_seq": 7}, {"change_id": "a"})[:-9],  # gzip cut short
                 ndjson({"nothing": 1})):
        streams["body"] = body
        with pytest.raises(TransportError):
            list(transport.snapshot(2))


def test_a_digest_still_different_after_repair_exits_5_and_names_the_village(county, tmp_path):
    """A row changed behind the change log's back (a hand-edited file) cannot be repaired by pulling
    again: `kace sync` says which village differs and exits 5, so a script can tell."""
    from sqlalchemy import text

    schema, server = county
    a_db = tmp_path / "a.db"
    a = open_laptop(a_db, "甲")
    village = seed_regions(a)[VILLAGE]
    hid = create_household(a, {"village_id": village, "phone": "13800000000"},
                           [{"name": "张三", "relation": "户主"}]).value["id"]
    a.engine.dispose()
    sync(a_db, "--server", server.url, "--enrol", enrol_token(schema.url, "甲", [VILLAGE]))
    engine = open_sqlite(a_db)
    with engine.begin() as conn:
        conn.execute(text("UPDATE household SET phone = '13999999999' WHERE id = :id"), {"id": hid})
    engine.dispose()
    a = open_laptop(a_db, "甲")
    update_household(a, hid, {"bank": "农商行"})  # a sync that touches the village checks it
    a.engine.dispose()
    proc = sync(a_db, expect=5)
    assert "修复后" in proc.stderr and VILLAGE in proc.stderr and "长河0村" in proc.stderr
    assert "修复后校验仍不一致" in proc.stdout

