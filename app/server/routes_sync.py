"""The sync protocol's endpoints (sync-design.md), each one transaction over
app/sync/county_service.py:

    POST /sync/v1/enrol    {"token"}                      -> device key (no authentication)
    POST /sync/v1/key      {"public_key"}                  -> a laptop enrolled earlier gives its Ed25519 key
    POST /sync/v1/hello    replica, incarnation, clock     -> villages, acked_through, server_seq
    POST /sync/v1/push     changes (gzip body accepted)    -> acked_through, counts
    POST /sync/v1/pull     {"after", "limit"}              -> a page of changes in server-seq order
    POST /sync/v1/digest   {}                              -> a digest per village
"""

from __future__ import annotations

import json
import logging
from typing import Any

from fastapi import APIRouter, Request
from sqlalchemy.orm import Session

from app.server.answers import db_error, first_line
from app.server.bodies import DigestBody, EnrolBody, HelloBody, KeyBody, PullBody, PushBody
from app.server.deps import County, Key
from app.server.request_log import note
from app.server.sync_route import SyncRoute
from app.sync import county_service, merge

log = logging.getLogger("kace.server")

PREFIX = "/sync/v1"
router = APIRouter(prefix=PREFIX, route_class=SyncRoute)


@router.post("/enrol", summary="用登记码换取设备密钥（一次性）")
def enrol(body: EnrolBody, request: Request, county: County):
    def work(s, _device):
        answer = county_service.redeem(s, body.token, body.public_key)
        note(request, device=answer["device_name"])
        return answer
    return county.transaction(request, "enrol", None, work)


@router.post("/key", summary="登记本机的签名公钥（此前登记的笔记本，下次同步时）")
def key(body: KeyBody, request: Request, key: Key, county: County):
    return county.transaction(request, "key", key,
                              lambda s, d: county_service.set_public_key(s, d, body.model_dump()))


@router.post("/hello", summary="握手：版本、时钟、本机已上传到哪里")
def hello(body: HelloBody, request: Request, key: Key, county: County):
    return county.transaction(request, "hello", key, lambda s, d: county_service.hello(s, d, body.model_dump()))


@router.post("/push", summary="上传变更（可用 gzip 压缩）")
def push(body: PushBody, request: Request, key: Key, county: County):
    def work(s, device):
        changes, parked = _nul_free(body.changes, s, device)
        answer = county_service.push(s, device, {**body.model_dump(exclude={"changes"}), "changes": changes})
        return _pushed(request, body, answer, parked)

    return county.transaction(request, "push", key, work,
                              on_data_error=lambda s, device: _one_by_one(request, body, s, device))


def _one_by_one(request: Request, body: PushBody, s: Session, device) -> dict:
    """The batch failed on a value the county database cannot hold (a text longer than its
    column, a number out of range: SQLite on the laptop accepted it). Merge record by record,
    each under a savepoint, and park the ones that fail: nothing blocks the queue."""
    changes, parked = _nul_free(body.changes, s, device)
    totals = {"stored": 0, "duplicates": 0, "parked": 0, "conflicts": 0}
    for rec in changes:
        try:
            with s.begin_nested():
                one = county_service.push(s, device, {"incarnation_id": body.incarnation_id,
                                                      "through": 0, "changes": [rec]})
        except Exception as e:  # noqa: BLE001 - only data errors are parked
            if db_error(e) != "data":
                raise
            log.warning("push from %s: parking a change the database refused: %s", device.name, first_line(e))
            merge.park(s, rec, "invalid", f"值超出县数据库允许的范围（长度或大小），未应用：{first_line(e)}",
                       device.name)
            parked += 1
            continue
        for k in totals:
            totals[k] += one.get(k, 0)
    answer = county_service.push(s, device, {"incarnation_id": body.incarnation_id, "through": body.through,
                                             "changes": []})
    answer.update(totals)
    return _pushed(request, body, answer, parked)


@router.post("/pull", summary="下载一页变更（按服务器序号）")
def pull(body: PullBody, request: Request, key: Key, county: County):
    def work(s, device):
        answer = county_service.pull(s, device, body.model_dump(exclude_none=True))
        note(request, after=body.after, returned=len(answer["changes"]), last=answer["last"])
        return answer
    return county.transaction(request, "pull", key, work)


@router.post("/digest", summary="每个村的校验值")
def digest(body: DigestBody, request: Request, key: Key, county: County):
    return county.transaction(request, "digest", key,
                              lambda s, d: county_service.digests(s, d, body.model_dump()))


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _nul_free(records: list[dict], session: Session,
              device: county_service.DeviceInfo) -> tuple[list[dict], int]:
    """PostgreSQL text cannot hold NUL characters (SQLite can, so a laptop may have typed or
    imported one). Such a record is parked for review here, with the NULs shown as U+FFFD,
    instead of failing the whole push (nothing may block the queue)."""
    kept, parked = [], 0
    for rec in records:
        payload = rec.get("payload")
        inner = None
        if isinstance(payload, str) and "\\u0000" in payload:
            try:
                inner = json.loads(payload)
            except ValueError:
                inner = None
        if _has_nul(rec) or _has_nul(inner):
            shown = json.loads(json.dumps(rec).replace("\\u0000", "\\ufffd"))
            merge.park(session, shown, "invalid", "变更内容含有无效字符（NUL）", device.name)
            parked += 1
        else:
            kept.append(rec)
    return kept, parked


def _pushed(request: Request, body: PushBody, answer: dict, parked: int) -> dict:
    answer["parked"] = answer.get("parked", 0) + parked
    note(request, received=len(body.changes), stored=answer.get("stored"),
         duplicates=answer.get("duplicates"), parked=answer["parked"], conflicts=answer.get("conflicts"))
    return answer
