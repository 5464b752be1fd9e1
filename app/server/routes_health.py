"""GET /health: whether the server and its database answer, with the current server seq."""

from __future__ import annotations

import logging

from fastapi import APIRouter, Request
from fastapi.responses import JSONResponse

from app.server.answers import MSG_DB_DOWN, first_line
from app.server.bodies import HealthBody
from app.server.deps import County
from app.server.request_log import note
from app.server.sync_route import SyncRoute
from app.sync import county_service

log = logging.getLogger("kace.server")

router = APIRouter(route_class=SyncRoute)


@router.get("/health", summary="服务器与数据库是否正常", response_model=HealthBody,
            responses={503: {"model": HealthBody, "description": "数据库无法访问"}})
def health(request: Request, county: County):
    note(request, endpoint="health")
    try:
        with county.reads.begin() as s:
            seq = county_service.server_seq(s)
    except Exception as e:  # noqa: BLE001 - health answers, never fails
        log.error("health: database error: %s", first_line(e))
        return JSONResponse({"status": "error", "database": "unreachable", "detail": MSG_DB_DOWN},
                            status_code=503)
    return {"status": "ok", "database": "ok", "server_seq": seq}
