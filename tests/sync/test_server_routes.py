"""The county server assembled from its routers (app/server): every protocol endpoint goes through
the sync route class (rate limit, body bounds, 500 in Chinese) and reaches the database through
its dependency, not a closure of create_app."""

from __future__ import annotations

import inspect

from fastapi.testclient import TestClient

from app.db.migrate import open_url
from app.server import app as server_app
from app.server import routes_health, routes_snapshot, routes_sync
from app.server.app import create_app
from app.server.sync_route import SyncRoute
from app.sync import limits

PROTOCOL = {("POST", "/sync/v1/enrol"), ("POST", "/sync/v1/key"), ("POST", "/sync/v1/hello"),
            ("POST", "/sync/v1/push"), ("POST", "/sync/v1/pull"), ("POST", "/sync/v1/digest"),
            ("GET", "/sync/v1/snapshot"), ("GET", "/health")}


def test_the_routers_hold_exactly_the_protocol_and_each_route_is_a_sync_route():
    routes = [r for m in (routes_sync, routes_snapshot, routes_health) for r in m.router.routes]
    assert {(m, r.path) for r in routes for m in r.methods} == PROTOCOL
    assert all(isinstance(r, SyncRoute) for r in routes)
    assert not [name for name, obj in vars(server_app).items()
                if inspect.isfunction(obj) and obj.__code__.co_freevars]  # nothing closes over create_app


def test_the_app_serves_the_protocol_from_its_routers_with_the_rate_limit(tmp_path):
    engine = open_url(f"sqlite:///{tmp_path / 'county.db'}")
    try:
        app = create_app(engine, rate=limits.RateLimiter(per_minute=60, burst=2))
        paths = app.openapi()["paths"]
        assert {(m.upper(), p) for p, ops in paths.items() for m in ops} == PROTOCOL
        with TestClient(app) as http:  # one caller (no key): two requests, then it must wait
            no_key = http.post("/sync/v1/hello", json={})
            assert no_key.status_code == 401 and no_key.json()["detail"] == "缺少设备密钥，请先登记本机"
            health = http.get("/health")
            assert health.status_code == 200 and health.json()["status"] == "ok"
            too_many = http.get("/health")
            assert too_many.status_code == 429 and "请求太频繁" in too_many.json()["detail"]
    finally:
        engine.dispose()
