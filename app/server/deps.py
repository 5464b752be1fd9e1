"""The sync endpoints' dependencies (FastAPI Depends): the county database with its one-request-
one-transaction rule, and the device key checked before the body is validated."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from typing import Annotated

from fastapi import Depends, Request
from fastapi.responses import JSONResponse
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer
from sqlalchemy import Engine
from sqlalchemy.exc import DBAPIError
from sqlalchemy.orm import Session

from app.db.engine import make_session_factory
from app.server.answers import MSG_DB_DOWN, MSG_INTERNAL, MSG_NO_KEY, Refused, db_error, first_line, refusal
from app.server.request_log import note
from app.sync import county_service
from app.sync.county_service import SyncRefused
from app.logsafe import log_failure

log = logging.getLogger("kace.server")

ATTEMPTS = 3  # a push racing another push of the same relayed change: run the transaction again
# Pushes, pulls and digests running at once. Each holds a page of changes in memory; more than the
# cores can work on would only raise memory (and lock waits), so the rest queue for their turn.
BUSY_LIMIT = 2
UNQUEUED = ("enrol", "hello", "key")  # small requests: never wait behind a page of changes

Work = Callable[[Session, "county_service.DeviceInfo | None"], dict]


class CountyDatabase:
    """The county database as the endpoints use it: `sessions` to write, `reads` to read
    (SQLite demos: no write lock to read) and `transaction` to run one request's work."""

    def __init__(self, engine: Engine):
        self.sessions = make_session_factory(engine)
        self.reads = make_session_factory(engine, readonly=True)
        self.busy = threading.BoundedSemaphore(BUSY_LIMIT)

    def transaction(self, request: Request, endpoint: str, key: str | None, work: Work, *,
                    on_data_error: Work | None = None) -> JSONResponse:
        """One request = one transaction; refusals and failures become Chinese answers.

        A unique-key conflict with a concurrent request (two devices pushing the same relayed
        change at once) runs the transaction again: the second time the change is a duplicate."""
        note(request, endpoint=endpoint)
        if endpoint in UNQUEUED:
            return self._run(request, endpoint, key, work, on_data_error)
        waited = time.perf_counter()
        with self.busy:
            note(request, queued_ms=round((time.perf_counter() - waited) * 1000, 1))
            return self._run(request, endpoint, key, work, on_data_error)

    def _run(self, request: Request, endpoint: str, key: str | None, work: Work,
             on_data_error: Work | None) -> JSONResponse:
        for attempt in range(ATTEMPTS):
            try:
                with self.sessions.begin() as s:
                    device = county_service.authenticate(s, key) if endpoint != "enrol" else None
                    if device is not None:
                        note(request, device=device.name)
                        county_service.spend_token(s, device)
                    answer = work(s, device)
                return JSONResponse(answer)
            except SyncRefused as e:
                return refusal(e.status, e.message)
            except Exception as e:  # noqa: BLE001 - logged with its traceback, answered in Chinese
                kind = db_error(e)
                if kind == "integrity" and attempt + 1 < ATTEMPTS:
                    log.info("%s: unique-key conflict with a concurrent request, running it again", endpoint)
                    continue
                if kind == "data" and on_data_error is not None:
                    work, on_data_error = on_data_error, None
                    continue
                if kind == "connection":
                    log.error("%s: database unreachable: %s", endpoint, first_line(e))
                    return refusal(503, MSG_DB_DOWN)
                log_failure(log, f"{endpoint} failed", e)
                return refusal(500, MSG_INTERNAL)
        log.error("%s: gave up after %d attempts", endpoint, ATTEMPTS)
        return refusal(503, MSG_DB_DOWN)


def county_database(request: Request) -> CountyDatabase:
    return request.app.state.county


County = Annotated[CountyDatabase, Depends(county_database)]
bearer = HTTPBearer(auto_error=False, description="设备密钥（登记时得到）")


def device_key(county: County,
               credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(bearer)]) -> str:
    """The bearer key, checked before the body is validated: no key, no schema errors."""
    if credentials is None or not credentials.credentials:
        raise Refused(401, MSG_NO_KEY)
    key = credentials.credentials
    try:
        with county.reads.begin() as s:
            county_service.authenticate(s, key)
    except SyncRefused as e:
        raise Refused(e.status, e.message) from None
    except DBAPIError as e:
        log.error("authentication: database error: %s", first_line(e))
        raise Refused(503, MSG_DB_DOWN) from None
    return key


Key = Annotated[str, Depends(device_key)]
