"""The county server over HTTP (sync-design.md protocol, versioned under /sync/v1).

A thin FastAPI layer over app/sync/server/service.py: it authenticates the device from the
`Authorization: Bearer <device key>` header, validates request bodies with pydantic models (so the
OpenAPI schema is exact and a malformed request gets 422, never 500), runs each request in ONE
database transaction and writes one JSON log line per request (device, endpoint, counts, ms).

    POST /sync/v1/enrol    {"token"}                      -> device key (no authentication)
    POST /sync/v1/key      {"public_key"}                  -> a laptop enrolled earlier gives its Ed25519 key
    POST /sync/v1/hello    replica, incarnation, clock     -> villages, acked_through, server_seq
    POST /sync/v1/push     changes (gzip body accepted)    -> acked_through, counts
    POST /sync/v1/pull     {"after", "limit"}              -> a page of changes in server-seq order
    POST /sync/v1/digest   {}                              -> a digest per village
    GET  /sync/v1/snapshot                                 -> gzip NDJSON: header, changes, trailer
    GET  /health                                           -> database reachable, server seq

Refusals are answered with their status and {"detail": Chinese message}; anything unexpected is
logged with its traceback and answered 500 with a Chinese message; a database that cannot be
reached is 503 (the laptop retries).
"""

from __future__ import annotations

import hashlib
import json
import logging
import math
import threading
import time
import zlib
from collections.abc import Callable, Iterator
from typing import Annotated, Any

import orjson
from fastapi import Depends, FastAPI, Request
from fastapi.exceptions import RequestValidationError, ValidationException
from fastapi.responses import JSONResponse, StreamingResponse
from fastapi.routing import APIRoute
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from pydantic import BaseModel, ConfigDict, Field
from sqlalchemy import Engine, select, true
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session
from starlette.exceptions import HTTPException

from app.db.engine import make_session_factory
from app.domain.pinyin_keys import initials
from app.logsafe import log_failure
from app.sync import limits, merge, signing, wire
from app.sync.server import service
from app.sync.server.service import SyncRefused

log = logging.getLogger("kace.server")
request_log = logging.getLogger("kace.server.requests")

PREFIX = "/sync/v1"
MAX_BODY = 32 * 2**20  # bytes on the wire
SNAPSHOT_CHUNK = 500
INT_MAX = 2**62  # every integer the protocol carries fits PostgreSQL's bigint
ATTEMPTS = 3  # a push racing another push of the same relayed change: run the transaction again
# Pushes, pulls and digests running at once. Each holds a page of changes in memory; more than the
# cores can work on would only raise memory (and lock waits), so the rest queue for their turn.
BUSY_LIMIT = 2

MSG_INTERNAL = "县服务器内部错误，已记录。请稍后再试；若一直如此，请联系县里的管理员"
MSG_DB_DOWN = "县服务器的数据库暂时无法访问，请稍后再试"
MSG_NO_KEY = "缺少设备密钥，请先登记本机"

Id = Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[^\x00]*$")]
Seq = Annotated[int, Field(ge=0, le=INT_MAX)]


class _Body(BaseModel):
    # Strict: "1" is not an integer and true is not a number; unknown fields are ignored so a
    # newer laptop can add some.
    model_config = ConfigDict(strict=True, extra="ignore")


PublicKey = Annotated[str, Field(pattern=signing.HEX_KEY, description="Ed25519 公钥（64 位十六进制）")]


class EnrolBody(_Body):
    token: Annotated[str, Field(min_length=1, max_length=200)] = Field(description="县里发的一次性登记码")
    public_key: PublicKey | None = None


class KeyBody(_Body):
    public_key: PublicKey


class HelloBody(_Body):
    replica_id: Id
    incarnation_id: Id
    protocol: Annotated[int, Field(ge=0, le=1_000_000)]
    clock_ms: Annotated[int, Field(ge=-INT_MAX, le=INT_MAX)]
    pulled_server_seq: Seq = 0


class PushBody(_Body):
    incarnation_id: Id
    through: Seq
    changes: Annotated[list[dict[str, Any]], Field(max_length=service.MAX_PUSH)] = Field(
        description="change records (app/sync/wire.py WIRE_KEYS) in the sender's log order; a "
                    "record that fails validation is parked for review and still acknowledged")


class PullBody(_Body):
    after: Seq
    limit: Annotated[int, Field(ge=1, le=INT_MAX)] | None = None
    # The laptop's database incarnation: what the server received from it is not sent back.
    incarnation_id: Id | None = None


class DigestBody(_Body):
    # Only these of the device's villages (those a sync touched); all when absent.
    villages: list[str] | None = None


class ErrorBody(BaseModel):
    """Every refusal: a Chinese message for the person at the laptop."""
    detail: str = Field(description="中文说明")


class FieldError(BaseModel):
    loc: list[str]
    msg: str
    type: str


class InvalidBody(ErrorBody):
    """A request body that does not match its schema: where, never the values received."""
    errors: list[FieldError]


class HealthBody(BaseModel):
    status: str
    database: str
    server_seq: int | None = None
    detail: str | None = None


def _error(description: str, model: type[BaseModel] = ErrorBody) -> dict:
    return {"model": model, "description": description}


# What every sync endpoint may answer besides its 200 (the OpenAPI schema says so, and a
# schemathesis run in the tests checks every answer against it).
ERRORS = {
    400: _error("请求内容不是有效的 JSON（UTF-8、无 NaN/Infinity、最多 64 层），或压缩格式不对"),
    401: _error("缺少或无效的设备密钥"),
    403: _error("设备已停用、登记码无效，或搁置待审核的变更已达上限"),
    409: _error("协议版本不一致、设备已绑定另一个数据库，或签名公钥已存在"),
    413: _error("上传的内容（或解压后的内容）太大"),
    415: _error("不支持的压缩方式"),
    422: _error("请求格式不对", InvalidBody),
    429: _error("请求太频繁（Retry-After：几秒后再试）"),
    500: _error("县服务器内部错误（已记录，不含请求内容）"),
    503: _error("县服务器的数据库暂时无法访问，请稍后再试"),
}


class _Refused(Exception):
    """A refusal answered before the endpoint runs (authentication, body encoding)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


Work = Callable[[Session, "service.DeviceInfo | None"], dict]
bearer = HTTPBearer(auto_error=False, description="设备密钥（登记时得到）")


class SyncRoute(APIRoute):
    """Request bodies may come gzip-compressed (push); the size is bounded before and after."""

    def get_route_handler(self) -> Callable:
        handler = super().get_route_handler()

        async def route(request: Request):
            limiter = getattr(request.app.state, "rate", None)
            if limiter is not None:
                auth = request.headers.get("authorization", "")
                caller = (hashlib.sha256(auth.encode(errors="replace")).hexdigest() if auth
                          else f"ip:{request.client.host if request.client else '?'}")
                wait = limiter.wait_for(caller, time.monotonic())
                if wait:
                    seconds = max(1, math.ceil(wait))
                    return JSONResponse({"detail": f"请求太频繁，请 {seconds} 秒后再试"}, status_code=429,
                                        headers={"Retry-After": str(seconds)})
            encoding = request.headers.get("content-encoding", "").strip().lower()
            length = request.headers.get("content-length", "")
            if length.isdigit() and int(length) > MAX_BODY:
                return _refusal(413, "上传的内容太大，请减小每批的条数")
            if request.method == "POST":
                if "authorization" not in request.headers and not request.url.path.endswith("/enrol"):
                    return _refusal(401, MSG_NO_KEY)  # before reading (and inflating) anything
                if encoding not in ("", "identity", "gzip"):
                    return _refusal(415, f"不支持的压缩方式：{encoding}")
                chunks, size = [], 0
                stream = limits.GzipStream(limits.max_request()) if encoding == "gzip" else None
                try:
                    async for chunk in request.stream():
                        size += len(chunk)
                        if size > MAX_BODY:
                            return _refusal(413, "上传的内容太大，请减小每批的条数")
                        chunks.append(stream.feed(chunk) if stream else chunk)
                except limits.TooLarge as e:
                    return _refusal(413, f"{e}。请减小每批的条数")
                except zlib.error:
                    return _refusal(400, "上传内容的压缩格式不对（gzip）")
                if stream is not None and not stream.complete:
                    return _refusal(400, "上传内容的压缩格式不对（gzip 数据不完整）")
                body = b"".join(chunks)
                request._body = body  # what FastAPI then parses as JSON
                if body:
                    try:
                        request._json = _parse(body)  # FastAPI takes it as parsed
                    except _Refused as e:
                        return _refusal(e.status, e.message)
            try:
                return await handler(request)
            except (HTTPException, ValidationException, _Refused):
                raise  # answered by the exception handlers
            except Exception as e:  # noqa: BLE001 - logged without any request value
                log_failure(log, f"{request.method} {request.url.path} failed", e)
                return _refusal(500, MSG_INTERNAL)

        return route


def _parse(body: bytes):
    """A request body as JSON: strict UTF-8, no NaN or Infinity (not JSON), at most MAX_DEPTH
    levels of arrays and objects. orjson refuses deeper than 1024 levels in C without recursing,
    so a nesting bomb costs nothing before the depth is checked."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        text = str(e)
        if "UTF-8" in text:
            raise _Refused(400, "请求内容应是 UTF-8 编码的 JSON") from None
        if "depth" in text:
            raise _Refused(400, f"请求内容嵌套太深（最多 {wire.MAX_DEPTH} 层）") from None
        raise _Refused(400, "请求内容不是有效的 JSON（NaN、Infinity 不是 JSON 的数值）") from None
    if wire.too_deep(value):
        raise _Refused(400, f"请求内容嵌套太深（最多 {wire.MAX_DEPTH} 层）")
    return value


def _refusal(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status)


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, dict):
        return any(_has_nul(k) or _has_nul(v) for k, v in value.items())
    if isinstance(value, list):
        return any(_has_nul(v) for v in value)
    return False


def _nul_free(records: list[dict], session: Session, device: service.DeviceInfo) -> tuple[list[dict], int]:
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


def create_app(engine: Engine, *, rate: limits.RateLimiter | None = None) -> FastAPI:
    """The county server's HTTP application over an opened (migrated) database engine.
    `rate`: the per-caller request limit (default from the environment, app/sync/limits.py)."""
    initials("卡册")  # loads pypinyin's dictionaries now rather than in the first push
    sessions = make_session_factory(engine)
    reads = make_session_factory(engine, readonly=True)  # SQLite (demos): no write lock to read
    app = FastAPI(title="卡册县服务器同步接口", version="1",
                  description="村里的电脑与县服务器之间的同步（sync-design.md）", responses=ERRORS)
    app.router.route_class = SyncRoute
    busy = threading.BoundedSemaphore(BUSY_LIMIT)
    app.state.read_sessions = reads
    app.state.rate = rate or limits.RateLimiter()
    app.add_middleware(RequestLog)

    @app.exception_handler(RequestValidationError)
    async def invalid_request(request: Request, exc: RequestValidationError):
        first = exc.errors()[0] if exc.errors() else {}
        where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
        # Where and what, never the values received (they may be anything, an ID number too).
        errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
                   "type": str(e.get("type", ""))} for e in exc.errors()]
        return JSONResponse({"detail": f"请求格式不对：{where or '请求内容'}（{first.get('type', '')}）",
                             "errors": errors}, status_code=422)

    def transaction(request: Request, endpoint: str, key: str | None, work: Work, *,
                    on_data_error: Work | None = None) -> JSONResponse:
        """One request = one transaction; refusals and failures become Chinese answers.

        A unique-key conflict with a concurrent request (two devices pushing the same relayed
        change at once) runs the transaction again: the second time the change is a duplicate."""
        _note(request, endpoint=endpoint)
        if endpoint in ("enrol", "hello", "key"):
            return _transaction(request, endpoint, key, work, on_data_error)
        waited = time.perf_counter()
        with busy:
            _note(request, queued_ms=round((time.perf_counter() - waited) * 1000, 1))
            return _transaction(request, endpoint, key, work, on_data_error)

    def _transaction(request: Request, endpoint: str, key: str | None, work: Work,
                     on_data_error: Work | None) -> JSONResponse:
        for attempt in range(ATTEMPTS):
            try:
                with sessions.begin() as s:
                    device = service.authenticate(s, key) if endpoint != "enrol" else None
                    if device is not None:
                        _note(request, device=device.name)
                        service.spend_token(s, device)
                    answer = work(s, device)
                return JSONResponse(answer)
            except SyncRefused as e:
                return _refusal(e.status, e.message)
            except Exception as e:  # noqa: BLE001 - logged with its traceback, answered in Chinese
                kind = _db_error(e)
                if kind == "integrity" and attempt + 1 < ATTEMPTS:
                    log.info("%s: unique-key conflict with a concurrent request, running it again", endpoint)
                    continue
                if kind == "data" and on_data_error is not None:
                    work, on_data_error = on_data_error, None
                    continue
                if kind == "connection":
                    log.error("%s: database unreachable: %s", endpoint, _first_line(e))
                    return _refusal(503, MSG_DB_DOWN)
                log_failure(log, f"{endpoint} failed", e)
                return _refusal(500, MSG_INTERNAL)
        log.error("%s: gave up after %d attempts", endpoint, ATTEMPTS)
        return _refusal(503, MSG_DB_DOWN)

    @app.exception_handler(_Refused)
    async def refused(request: Request, exc: _Refused):
        headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
        return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=headers)

    @app.post(f"{PREFIX}/enrol", summary="用登记码换取设备密钥（一次性）")
    def enrol(body: EnrolBody, request: Request):
        def work(s, _device):
            answer = service.redeem(s, body.token, body.public_key)
            _note(request, device=answer["device_name"])
            return answer
        return transaction(request, "enrol", None, work)

    @app.post(f"{PREFIX}/key", summary="登记本机的签名公钥（此前登记的笔记本，下次同步时）")
    def key(body: KeyBody, request: Request, key: Key):
        return transaction(request, "key", key, lambda s, d: service.set_public_key(s, d, body.model_dump()))

    @app.post(f"{PREFIX}/hello", summary="握手：版本、时钟、本机已上传到哪里")
    def hello(body: HelloBody, request: Request, key: Key):
        return transaction(request, "hello", key, lambda s, d: service.hello(s, d, body.model_dump()))

    @app.post(f"{PREFIX}/push", summary="上传变更（可用 gzip 压缩）")
    def push(body: PushBody, request: Request, key: Key):
        def work(s, device):
            changes, parked = _nul_free(body.changes, s, device)
            answer = service.push(s, device, {**body.model_dump(exclude={"changes"}), "changes": changes})
            return _pushed(request, body, answer, parked)

        def one_by_one(s, device):
            """The batch failed on a value the county database cannot hold (a text longer than
            its column, a number out of range: SQLite on the laptop accepted it). Merge record by
            record, each under a savepoint, and park the ones that fail: nothing blocks the queue."""
            changes, parked = _nul_free(body.changes, s, device)
            totals = {"stored": 0, "duplicates": 0, "parked": 0, "conflicts": 0}
            for rec in changes:
                try:
                    with s.begin_nested():
                        one = service.push(s, device, {"incarnation_id": body.incarnation_id,
                                                       "through": 0, "changes": [rec]})
                except Exception as e:  # noqa: BLE001 - only data errors are parked
                    if _db_error(e) != "data":
                        raise
                    log.warning("push from %s: parking a change the database refused: %s", device.name, _first_line(e))
                    merge.park(s, rec, "invalid", f"值超出县数据库允许的范围（长度或大小），未应用：{_first_line(e)}",
                               device.name)
                    parked += 1
                    continue
                for k in totals:
                    totals[k] += one.get(k, 0)
            answer = service.push(s, device, {"incarnation_id": body.incarnation_id, "through": body.through,
                                              "changes": []})
            answer.update(totals)
            return _pushed(request, body, answer, parked)

        return transaction(request, "push", key, work, on_data_error=one_by_one)

    @app.post(f"{PREFIX}/pull", summary="下载一页变更（按服务器序号）")
    def pull(body: PullBody, request: Request, key: Key):
        def work(s, device):
            answer = service.pull(s, device, body.model_dump(exclude_none=True))
            _note(request, after=body.after, returned=len(answer["changes"]), last=answer["last"])
            return answer
        return transaction(request, "pull", key, work)

    @app.post(f"{PREFIX}/digest", summary="每个村的校验值")
    def digest(body: DigestBody, request: Request, key: Key):
        return transaction(request, "digest", key, lambda s, d: service.digests(s, d, body.model_dump()))

    @app.get(f"{PREFIX}/snapshot", summary="新电脑的初始数据（gzip 压缩的 NDJSON）",
             response_class=StreamingResponse,
             responses={200: {"content": {"application/x-ndjson": {}},
                              "description": "第一行 {\"server_seq\": N}，然后每行一条变更，"
                                             "最后一行 {\"end\": true, \"count\": n}"}})
    def snapshot(request: Request, key: Key):
        _note(request, endpoint="snapshot")
        try:
            with reads.begin() as s:
                device = service.authenticate(s, key)
                seq = service.server_seq(s)
                scope = service.device_scope(s, device)
                allowed = None if scope is None else sorted(scope)
        except SyncRefused as e:
            return _refusal(e.status, e.message)
        except DBAPIError as e:
            log.error("snapshot: database error: %s", _first_line(e))
            return _refusal(503, MSG_DB_DOWN)
        _note(request, device=device.name, server_seq=seq)
        state = request.scope.setdefault("state", {})
        return StreamingResponse(_snapshot_stream(reads, seq, allowed, state),
                                 media_type="application/x-ndjson",
                                 headers={"Content-Encoding": "gzip", "X-Kace-Server-Seq": str(seq)})

    @app.get("/health", summary="服务器与数据库是否正常", response_model=HealthBody,
             responses={503: {"model": HealthBody, "description": "数据库无法访问"}})
    def health(request: Request):
        _note(request, endpoint="health")
        try:
            with reads.begin() as s:
                seq = service.server_seq(s)
        except Exception as e:  # noqa: BLE001 - health answers, never fails
            log.error("health: database error: %s", _first_line(e))
            return JSONResponse({"status": "error", "database": "unreachable", "detail": MSG_DB_DOWN},
                                status_code=503)
        return {"status": "ok", "database": "ok", "server_seq": seq}

    from app.console import mount_console  # the county's web console (app/console), at /
    mount_console(app, engine)
    return app


def device_key(request: Request,
               credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    """The bearer key, checked before the body is validated: no key, no schema errors."""
    if credentials is None or not credentials.credentials:
        raise _Refused(401, MSG_NO_KEY)
    key = credentials.credentials
    try:
        with request.app.state.read_sessions.begin() as s:
            service.authenticate(s, key)
    except SyncRefused as e:
        raise _Refused(e.status, e.message) from None
    except DBAPIError as e:
        log.error("authentication: database error: %s", _first_line(e))
        raise _Refused(503, MSG_DB_DOWN) from None
    return key

Key = Annotated[str, Depends(device_key)]


def _db_error(e: BaseException) -> str | None:
    """What kind of database error this is, whether SQLAlchemy wrapped it or the driver raised it
    directly (PostgreSQL COPY): "integrity", "data", "connection" or None."""
    names = {c.__name__ for c in type(e).__mro__}
    if "IntegrityError" in names:
        return "integrity"
    if "DataError" in names:
        return "data"
    if "OperationalError" in names or "InterfaceError" in names:
        text = str(getattr(e, "orig", None) or e).lower()
        if getattr(e, "connection_invalidated", False) or any(
                w in text for w in ("connection", "connect", "server closed", "terminating")):
            return "connection"
    return None


def _first_line(e: BaseException) -> str:
    return (str(getattr(e, "orig", None) or e).strip().splitlines() or [""])[0][:200]


def _pushed(request: Request, body: PushBody, answer: dict, parked: int) -> dict:
    answer["parked"] = answer.get("parked", 0) + parked
    _note(request, received=len(body.changes), stored=answer.get("stored"),
          duplicates=answer.get("duplicates"), parked=answer["parked"], conflicts=answer.get("conflicts"))
    return answer


def _snapshot_stream(sessions, seq: int, allowed: list[str] | None, state: dict) -> Iterator[bytes]:
    """Every change in the device's scope up to `seq`, in server-seq order, gzip-compressed.

    The counter is taken under its row lock until commit, so every change numbered <= seq is
    committed when seq is readable: the laptop then pulls from seq and misses nothing."""
    deflate = zlib.compressobj(6, zlib.DEFLATED, 31)
    count = 0

    def line(obj) -> bytes:
        return deflate.compress(json.dumps(obj, ensure_ascii=False, separators=(",", ":")).encode() + b"\n")

    CH = service.CH
    try:
        yield line({"server_seq": seq, "protocol": service.PROTOCOL})
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


def _note(request: Request, **values) -> None:
    """Facts for this request's log line (written by RequestLog when the response is done)."""
    request.scope.setdefault("state", {}).setdefault("kace_log", {}).update(
        {k: v for k, v in values.items() if v is not None})


class RequestLog:
    """Pure ASGI middleware: one JSON log line per request, after the whole response was sent
    (a streamed snapshot included): device, endpoint, status, counts, milliseconds."""

    def __init__(self, app):
        self.app = app

    async def __call__(self, scope, receive, send):
        if scope["type"] != "http":
            return await self.app(scope, receive, send)
        started = time.perf_counter()
        status = {"code": 500}

        async def sending(message):
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        except Exception as e:
            log_failure(log, f"unhandled error on {scope.get('path')}", e)
            raise
        finally:
            facts = dict(scope.get("state", {}).get("kace_log", {}))
            entry = {"method": scope.get("method"), "path": scope.get("path"),
                     "endpoint": facts.pop("endpoint", None) or str(scope.get("path", "")).rsplit("/", 1)[-1],
                     "device": facts.pop("device", None),
                     "status": status["code"], "ms": round((time.perf_counter() - started) * 1000, 1)}
            facts.pop("status", None)
            entry.update(facts)
            request_log.info(json.dumps(entry, ensure_ascii=False))
