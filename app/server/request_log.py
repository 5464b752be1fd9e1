"""One JSON log line per request (device, endpoint, status, counts, milliseconds): endpoints note
their facts with `note`, the RequestLog middleware writes the line once the response was sent."""

from __future__ import annotations

import json
import logging
import time

from fastapi import Request

from app.logsafe import log_failure

log = logging.getLogger("kace.server")
request_log = logging.getLogger("kace.server.requests")


def note(request: Request, **values) -> None:
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
