"""A transport that calls the server service in-process: the HTTP path minus the network.

Used by tests (several laptops against one server database) and by the county's own bundle import.
Each call is one server transaction, exactly as one HTTP request is.
"""

from __future__ import annotations

from sqlalchemy.orm import Session, sessionmaker

from app.sync import county_service
from app.sync.client import ServerRefused

ENDPOINTS = {"hello": county_service.hello, "push": county_service.push, "pull": county_service.pull,
             "digest": county_service.digests, "key": county_service.set_public_key}


def dispatch(session: Session, key: str | None, endpoint: str, body: dict) -> dict:
    """Authenticate and run one endpoint (enrol needs no key)."""
    if endpoint == "enrol":
        body = body if isinstance(body, dict) else {}
        return county_service.redeem(session, body.get("token"), body.get("public_key"))
    handler = ENDPOINTS.get(endpoint)
    if handler is None:
        raise county_service.SyncRefused(404, f"未知的接口：{endpoint}")
    device = county_service.authenticate(session, key)
    county_service.spend_token(session, device)
    return handler(session, device, body)


class DirectTransport:
    def __init__(self, sessions: sessionmaker[Session], key: str | None = None):
        self.sessions = sessions
        self.key = key

    def call(self, endpoint: str, body: dict) -> dict:
        try:
            with self.sessions.begin() as s:
                answer = dispatch(s, self.key, endpoint, body)
        except county_service.SyncRefused as e:
            raise ServerRefused(e.status, e.message) from None
        if endpoint == "enrol":
            self.key = answer["device_key"]
        return answer
