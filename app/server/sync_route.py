"""The route class of every sync endpoint: the per-caller rate limit, the body's size bounded
before and after gzip, strict JSON, and an unexpected failure answered 500 in Chinese (logged
without any request value)."""

from __future__ import annotations

import hashlib
import logging
import math
import time
import zlib
from collections.abc import Callable

import orjson
from fastapi import Request
from fastapi.exceptions import ValidationException
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute
from starlette.exceptions import HTTPException

from app.server.answers import MSG_INTERNAL, MSG_NO_KEY, Refused, refusal
from app.sync import limits, wire
from app.logsafe import log_failure

log = logging.getLogger("kace.server")

MAX_BODY = 32 * 2**20  # bytes on the wire


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
                return refusal(413, "上传的内容太大，请减小每批的条数")
            if request.method == "POST":
                if "authorization" not in request.headers and not request.url.path.endswith("/enrol"):
                    return refusal(401, MSG_NO_KEY)  # before reading (and inflating) anything
                if encoding not in ("", "identity", "gzip"):
                    return refusal(415, f"不支持的压缩方式：{encoding}")
                chunks, size = [], 0
                stream = limits.GzipStream(limits.max_request()) if encoding == "gzip" else None
                try:
                    async for chunk in request.stream():
                        size += len(chunk)
                        if size > MAX_BODY:
                            return refusal(413, "上传的内容太大，请减小每批的条数")
                        chunks.append(stream.feed(chunk) if stream else chunk)
                except limits.TooLarge as e:
                    return refusal(413, f"{e}。请减小每批的条数")
                except zlib.error:
                    return refusal(400, "上传内容的压缩格式不对（gzip）")
                if stream is not None and not stream.complete:
                    return refusal(400, "上传内容的压缩格式不对（gzip 数据不完整）")
                body = b"".join(chunks)
                request._body = body  # what FastAPI then parses as JSON
                if body:
                    try:
                        request._json = parse_json(body)  # FastAPI takes it as parsed
                    except Refused as e:
                        return refusal(e.status, e.message)
            try:
                return await handler(request)
            except (HTTPException, ValidationException, Refused):
                raise  # answered by the exception handlers
            except Exception as e:  # noqa: BLE001 - logged without any request value
                log_failure(log, f"{request.method} {request.url.path} failed", e)
                return refusal(500, MSG_INTERNAL)

        return route


def parse_json(body: bytes):
    """A request body as JSON: strict UTF-8, no NaN or Infinity (not JSON), at most MAX_DEPTH
    levels of arrays and objects. orjson refuses deeper than 1024 levels in C without recursing,
    so a nesting bomb costs nothing before the depth is checked."""
    try:
        value = orjson.loads(body)
    except orjson.JSONDecodeError as e:
        text = str(e)
        if "UTF-8" in text:
            raise Refused(400, "请求内容应是 UTF-8 编码的 JSON") from None
        if "depth" in text:
            raise Refused(400, f"请求内容嵌套太深（最多 {wire.MAX_DEPTH} 层）") from None
        raise Refused(400, "请求内容不是有效的 JSON（NaN、Infinity 不是 JSON 的数值）") from None
    if wire.too_deep(value):
        raise Refused(400, f"请求内容嵌套太深（最多 {wire.MAX_DEPTH} 层）")
    return value
