"""Hostile requests to a real `kace serve`: never a 5xx, always a Chinese answer, and no ID number
or phone number in any log line, whatever the requests carried (issue 15)."""

from __future__ import annotations

import gzip
import json
import os
import subprocess
import sys
import uuid

import httpx
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app.logsafe import mask
from tests.sync.fleet import VILLAGE
from tests.sync.http_fleet import ROOT, PgSchema, ServerProcess, enrol_token

pytestmark = pytest.mark.postgres
PLANTED_ID = "450881199001011235"
PLANTED_PHONE = "13912345678"


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    tmp = tmp_path_factory.mktemp("hostile")
    schema = PgSchema()
    server = ServerProcess(schema.url, tmp / "server.log")
    token = enrol_token(schema.url, "模糊", [VILLAGE])
    key = httpx.post(f"{server.url}/sync/v1/enrol", json={"token": token}).json()["device_key"]
    http = httpx.Client(base_url=server.url, headers={"Authorization": f"Bearer {key}"}, timeout=60)
    yield server, http
    http.close()
    server.stop()
    schema.drop()


def _record(payload: str, **over) -> dict:
    rec = {"change_id": str(uuid.uuid4()), "replica_id": str(uuid.uuid4()), "incarnation_id": str(uuid.uuid4()),
           "seq": 1, "hlc": 1, "user_name": PLANTED_ID, "tx_id": str(uuid.uuid4()), "table_name": "member",
           "row_id": str(uuid.uuid4()), "op": "create", "payload": payload, "created_at": "2026-11-28T00:00:00"}
    rec.update(over)
    return rec


def hostile_bodies() -> list[tuple[str, bytes, dict]]:
    js = {"Content-Type": "application/json"}
    ident = json.dumps({"id_number": {"new": PLANTED_ID}, "phone": {"new": PLANTED_PHONE}})
    push = {"incarnation_id": "i", "through": 1, "changes": [_record(ident)]}
    deep = lambda n: b"[" * n + b"]" * n  # noqa: E731
    bodies = [
        ("push", json.dumps(push).replace('"through": 1', '"through": NaN').encode(), js),
        ("push", json.dumps(push).replace('"through": 1', '"through": Infinity').encode(), js),
        ("push", json.dumps(push).replace('"through": 1', '"through": 1e999').encode(), js),
        ("hello", b'{"replica_id": "r", "incarnation_id": "i", "protocol": NaN, "clock_ms": -Infinity}', js),
        ("pull", json.dumps({"after": 0, "incarnation_id": "a\x00" + PLANTED_ID}).encode(), js),
        ("pull", b'{"after": 0, "incarnation_id": "a\\u0000b"}', js),
        ("push", b'{"incarnation_id": "i", "through": 1, "changes": ' + deep(50_000) + b"}", js),
        ("pull", b'{"after": ' + deep(100_000) + b"}", js),
        ("push", b'{"incarnation_id": "i", "through": 1, "changes": [' + deep(70) + b"]}", js),
        ("push", json.dumps(push, ensure_ascii=False).encode("utf-16"), js),
        ("push", json.dumps({"incarnation_id": "é" + PLANTED_ID, "through": 1, "changes": []},
                            ensure_ascii=False).encode("latin-1"), js),
        ("push", json.dumps(push).encode(), {"Content-Type": "application/json; charset=gbk"}),
        ("push", gzip.compress(json.dumps(push).replace('"through": 1', '"through": NaN').encode()),
         {**js, "Content-Encoding": "gzip"}),
        ("digest", json.dumps({"villages": [PLANTED_ID, None, 1.5, [[[]]]]}).encode(), js),
        ("hello", json.dumps({"replica_id": PLANTED_ID * 3, "incarnation_id": PLANTED_PHONE, "protocol": 1,
                              "clock_ms": 10**40}).encode(), js),
    ]
    # Records that fail deeper down (a value PostgreSQL refuses, a payload nested too deep or holding
    # NaN): parked, the push answered 200, nothing logged of their content.
    too_long = json.dumps({"name": {"new": "张" * 300}, "id_number": {"new": PLANTED_ID}})
    nested = '{"name": {"new": ' + "[" * 2000 + "]" * 2000 + '}, "id_number": {"new": "' + PLANTED_ID + '"}}'
    nan = '{"name": {"new": NaN}, "id_number": {"new": "' + PLANTED_ID + '"}}'
    for payload in (too_long, nested, nan, ident):
        bodies.append(("push", json.dumps({"incarnation_id": PLANTED_ID[:10], "through": 1,
                                           "changes": [_record(payload)]}).encode(), js))
    return bodies


def check_answer(r: httpx.Response) -> None:
    assert r.status_code < 500, (r.status_code, r.text[:300])
    body = r.json()
    assert isinstance(body["detail"], str) and any("\u4e00" <= ch <= "\u9fff" for ch in body["detail"]), r.text
    assert PLANTED_ID not in r.text or r.status_code == 200


def test_hostile_bodies_get_a_chinese_4xx_and_leave_no_id_number_in_the_log(served):
    server, http = served
    for endpoint, body, headers in hostile_bodies():
        r = http.post(f"/sync/v1/{endpoint}", content=body, headers=headers)
        if r.status_code == 200:
            assert endpoint == "push" and r.json()["parked"] >= 1, r.text
        else:
            check_answer(r)
            assert 400 <= r.status_code < 500
    assert http.get("/health").json()["status"] == "ok"

    # A bounded random fuzz of bodies: JSON-ish text with the planted values mixed in.
    atoms = st.sampled_from(["NaN", "Infinity", "-Infinity", "1e999", "null", '"\\u0000"', f'"{PLANTED_ID}"',
                             f'"{PLANTED_PHONE}"', "[", "]", "{", "}", ",", ":", '"after"', "0", "-1",
                             '"changes"', '"incarnation_id"', '"through"', "\udcff"])

    @given(st.sampled_from(["push", "pull", "hello", "digest", "enrol"]), st.lists(atoms, max_size=30))
    @settings(max_examples=60, deadline=None, database=None, derandomize=True,
              suppress_health_check=list(HealthCheck))
    def fuzz(endpoint, parts):
        body = "".join(parts).encode("utf-8", errors="surrogateescape")
        r = http.post(f"/sync/v1/{endpoint}", content=body, headers={"Content-Type": "application/json"})
        assert r.status_code < 500, (endpoint, body[:200], r.text[:200])
        assert isinstance(r.json().get("detail", ""), str)

    fuzz()
    log = server.log()
    assert PLANTED_ID not in log and PLANTED_PHONE not in log
    assert "Traceback" not in log and '"status": 500' not in log


def test_laptop_log_lines_mask_id_and_phone_numbers(tmp_path):
    """The laptop's log file (kace.log in the data folder) gets the same mask on every line."""
    code = ("import logging; from app import paths; paths.setup_logging(); "
            f"logging.getLogger('kace.test').warning('member %s phone %s', '{PLANTED_ID}', '{PLANTED_PHONE}');"
            f"\ntry:\n    raise ValueError('bad {PLANTED_ID}')\nexcept ValueError:\n"
            "    logging.getLogger('kace.test').exception('failed')")
    env = {**os.environ, "KACE_DATA_DIR": str(tmp_path)}
    subprocess.run([sys.executable, "-c", code], cwd=ROOT, env=env, check=True, timeout=60)
    text = (tmp_path / "kace.log").read_text(encoding="utf-8")
    assert "member <id-number> phone <phone>" in text and "bad <id-number>" in text
    assert PLANTED_ID not in text and PLANTED_PHONE not in text


def test_mask_leaves_other_numbers_alone():
    assert mask(f"id={PLANTED_ID[:-1]}X tel {PLANTED_PHONE}") == "id=<id-number> tel <phone>"
    uuid_text = "6f2b3c1e-8f0a-4c8e-9a55-4b61636520a1 seq 1764288000000 hlc 1234567890123456789"
    assert mask(uuid_text) == uuid_text


def test_a_gigabyte_gzip_bomb_request_is_refused_with_flat_server_memory(served):
    """1 GiB of newlines gzip-compressed (about 1 MB) as a push body: refused (413, Chinese) as
    soon as the inflated size passes the ratio limit; the server's peak memory stays flat."""
    import zlib

    server, http = served

    def peak_mb() -> int:
        status = open(f"/proc/{server.proc.pid}/status").read()
        return int(next(line for line in status.splitlines() if line.startswith("VmHWM")).split()[1]) // 1024

    before = peak_mb()
    deflate = zlib.compressobj(9, zlib.DEFLATED, 31)
    chunk = b"\n" * 2**20
    body = b"".join(deflate.compress(chunk) for _ in range(1024)) + deflate.flush()
    assert len(body) < 3 * 2**20
    r = http.post("/sync/v1/push", content=body,
                  headers={"Content-Type": "application/json", "Content-Encoding": "gzip"})
    assert r.status_code == 413 and "解压后的内容" in r.json()["detail"], r.text
    after = peak_mb()
    print(f"server peak RSS before the bomb {before} MB, after {after} MB")
    assert after < 200
