"""GET /sync/v1/snapshot: a new laptop's initial data, streamed as gzip NDJSON (header, every
change in the device's scope, trailer)."""

from __future__ import annotations

import json
import logging
import zlib
from collections.abc import Iterator

from fastapi import APIRouter, Request
from fastapi.responses import StreamingResponse
from sqlalchemy import select, true
from sqlalchemy.exc import DBAPIError

from app.server.answers import MSG_DB_DOWN, first_line, refusal
from app.server.deps import County, Key
from app.server.request_log import note
from app.server.routes_sync import PREFIX
from app.server.sync_route import SyncRoute
from app.sync import county_service, wire
from app.sync.county_service import SyncRefused

log = logging.getLogger("kace.server")

SNAPSHOT_CHUNK = 500
router = APIRouter(prefix=PREFIX, route_class=SyncRoute)


@router.get("/snapshot", summary="新电脑的初始数据（gzip 压缩的 NDJSON）",
            response_class=StreamingResponse,
            responses={200: {"content": {"application/x-ndjson": {}},
                             "description": "第一行 {\"server_seq\": N}，然后每行一条变更，"
                                            "最后一行 {\"end\": true, \"count\": n}"}})
def snapshot(request: Request, key: Key, county: County):
    note(request, endpoint="snapshot")
    try:
        with county.reads.begin() as s:
            device = county_service.authenticate(s, key)
            seq = county_service.server_seq(s)
            scope = county_service.device_scope(s, device)
            allowed = None if scope is None else sorted(scope)
    except SyncRefused as e:
        return refusal(e.status, e.message)
    except DBAPIError as e:
        log.error("snapshot: database error: %s", first_line(e))
        return refusal(503, MSG_DB_DOWN)
    note(request, device=device.name, server_seq=seq)
    state = request.scope.setdefault("state", {})
    return StreamingResponse(_snapshot_stream(county.reads, seq, allowed, state),
                             media_type="application/x-ndjson",
                             headers={"Content-Encoding": "gzip", "X-Kace-Server-Seq": str(seq)})


def _snapshot_stream(sessions, seq: int, allowed: list[str] | None, state: dict) -> Iterator[bytes]:
    """Every change in the device's scope up to `seq`, in server-seq order, gzip-compressed.

    The counter is taken under its row lock until commit, so every change numbered <= seq is
    committed when seq is readable: the laptop then pulls from seq and misses nothing."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, 31)
    count = 0

    def line(obj) -> bytes:
        return deflate.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")

    CH = county_service.CH
    try:
        yield line({"server_seq": seq, "protocol": county_service.PROTOCOL})
        with sessions.begin() as s:
            rows = s.execute(
                select(CH).where(CH.c.log_seq <= seq, true() if allowed is None else
                                 CH.c.village_id.is_(None) | CH.c.village_id.in_(allowed))
                .order_by(CH.c.log_seq).execution_options(yield_per=SNAPSHOT_CHUNK)).mappings()
            buffer = []
            for row in rows:
                buffer.append(line(wire.to_wire(row)))
                count += 1
                if len(buffer) >= SNAPSHOT_CHUNK:
                    yield b"".join(buffer)
                    buffer = []
            if buffer:
                yield b"".join(buffer)
        yield line({"end": True, "count": count, "server_seq": seq}) + deflate.flush()
    finally:
        state.setdefault("kace_log", {})["returned"] = count
