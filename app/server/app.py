"""The county server over HTTP (sync-design.md protocol, versioned under /sync/v1): create_app
assembles the FastAPI application from its parts.

- routes_sync.py (enrol, key, hello, push, pull, digest), routes_snapshot.py, routes_health.py:
  the endpoints, each request ONE database transaction (deps.CountyDatabase);
- sync_route.py: the route class (rate limit, gzip and size bounds, strict JSON, 500 in Chinese);
- deps.py: the device key from `Authorization: Bearer <device key>`, checked before the body;
- bodies.py: the pydantic bodies (a malformed request gets 422, never 500; the OpenAPI schema
  is exact);
- request_log.py: one JSON log line per request (device, endpoint, counts, ms);
- the county's web console (app/console), mounted at /.

Refusals are answered with their status and {"detail": Chinese message}; anything unexpected is
logged with its traceback and answered 500 with a Chinese message; a database that cannot be
reached is 503 (the laptop retries).
"""

from __future__ import annotations

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from sqlalchemy import Engine

from app.console import mount_console
from app.domain.pinyin_keys import initials
from app.server import routes_health, routes_snapshot, routes_sync
from app.server.answers import Refused
from app.server.bodies import ERRORS
from app.server.deps import CountyDatabase
from app.server.request_log import RequestLog
from app.sync import limits


def create_app(engine: Engine, *, rate: limits.RateLimiter | None = None) -> FastAPI:
    """The county server's HTTP application over an opened (migrated) database engine.
    `rate`: the per-caller request limit (default from the environment, app/sync/limits.py)."""
    initials("卡册")  # loads pypinyin's dictionaries now rather than in the first push
    app = FastAPI(title="卡册县服务器同步接口", version="1",
                  description="村里的电脑与县服务器之间的同步（sync-design.md）", responses=ERRORS)
    app.state.county = CountyDatabase(engine)
    app.state.rate = rate or limits.RateLimiter()
    app.add_middleware(RequestLog)
    app.add_exception_handler(RequestValidationError, invalid_request)
    app.add_exception_handler(Refused, refused)
    for module in (routes_sync, routes_snapshot, routes_health):
        app.include_router(module.router)
    mount_console(app, engine)  # the county's web console (app/console), at /
    return app


async def invalid_request(request: Request, exc: RequestValidationError) -> JSONResponse:
    first = exc.errors()[0] if exc.errors() else {}
    where = ".".join(str(p) for p in first.get("loc", ()) if p != "body")
    # Where and what, never the values received (they may be anything, an ID number too).
    errors = [{"loc": [str(p) for p in e.get("loc", ())], "msg": str(e.get("msg", "")),
               "type": str(e.get("type", ""))} for e in exc.errors()]
    return JSONResponse({"detail": f"请求格式不对：{where or '请求内容'}（{first.get('type', '')}）",
                         "errors": errors}, status_code=422)


async def refused(request: Request, exc: Refused) -> JSONResponse:
    headers = {"WWW-Authenticate": "Bearer"} if exc.status == 401 else None
    return JSONResponse({"detail": exc.message}, status_code=exc.status, headers=headers)
