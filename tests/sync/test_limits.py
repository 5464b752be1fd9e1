"""Request rate and parked-change quota per device: a clear Chinese refusal, nothing stored."""

from __future__ import annotations

import json
import uuid

import pytest
from fastapi.testclient import TestClient
from sqlalchemy import func, select

from app.db.engine import make_session_factory
from app.db.models import Change, ParkedChange
from app.sync import limits
from app.sync import county_service as service
from app.server.app import create_app
from tests.sync.fleet import OTHER_VILLAGE, VILLAGE

pytestmark = pytest.mark.postgres


def _key(engine, name: str, villages: list[str]) -> str:
    sessions = make_session_factory(engine)
    with sessions.begin() as s:
        token = service.enrol(s, name, villages)
    with sessions.begin() as s:
        return service.redeem(s, token)["device_key"]


def _outside(n: int) -> list[dict]:
    """Households created in a village the device is not enrolled for: each one parked."""
    from app.db.natural_keys import natural_id

    village = natural_id("region", {"code": OTHER_VILLAGE})
    return [{"change_id": str(uuid.uuid4()), "replica_id": "r", "incarnation_id": "i", "seq": i + 1, "hlc": 1,
             "user_name": "x", "tx_id": "t", "table_name": "household", "row_id": str(uuid.uuid4()),
             "op": "create", "payload": json.dumps({"code": {"new": f"h{i}"}, "village_id": {"new": village}}),
             "created_at": "2026-11-28T00:00:00"} for i in range(n)]


def test_too_many_requests_get_429_with_a_chinese_message(pg_migrated):
    key = _key(pg_migrated, "快", [VILLAGE])
    app = create_app(pg_migrated, rate=limits.RateLimiter(per_minute=60, burst=3))
    with TestClient(app) as http:
        answers = [http.post("/sync/v1/digest", json={}, headers={"Authorization": f"Bearer {key}"})
                   for _ in range(6)]
        assert [a.status_code for a in answers[:3]] == [200, 200, 200]
        refused = [a for a in answers if a.status_code == 429]
        assert refused, [a.status_code for a in answers]
        assert "请求太频繁" in refused[0].json()["detail"] and int(refused[0].headers["Retry-After"]) >= 1
        # Another device has its own allowance.
        other = _key(pg_migrated, "慢", [VILLAGE])
        assert http.post("/sync/v1/digest", json={}, headers={"Authorization": f"Bearer {other}"}).status_code == 200


def test_a_device_cannot_park_changes_without_limit(pg_migrated, monkeypatch):
    monkeypatch.setenv("KACE_MAX_PARKED", "5")
    key = _key(pg_migrated, "乙", [VILLAGE])
    app = create_app(pg_migrated, rate=limits.RateLimiter(per_minute=6000, burst=1000))
    auth = {"Authorization": f"Bearer {key}"}
    sessions = make_session_factory(pg_migrated, readonly=True)

    def counts():
        with sessions.begin() as s:
            return (s.execute(select(func.count()).select_from(ParkedChange.__table__)).scalar(),
                    s.execute(select(func.count()).select_from(Change.__table__)).scalar())

    with TestClient(app) as http:
        r = http.post("/sync/v1/push", json={"incarnation_id": "i", "through": 3, "changes": _outside(3)},
                      headers=auth)
        assert r.status_code == 200 and r.json()["parked"] == 3
        before = counts()
        # Three more would pass the quota of 5: the whole push is refused, nothing stored.
        r = http.post("/sync/v1/push", json={"incarnation_id": "i", "through": 6, "changes": _outside(3)},
                      headers=auth)
        assert r.status_code == 403 and "搁置待审核的变更已达上限（5 条）" in r.json()["detail"]
        assert counts() == before
        r = http.post("/sync/v1/push", json={"incarnation_id": "i", "through": 5, "changes": _outside(2)},
                      headers=auth)
        assert r.status_code == 200 and r.json()["parked"] == 2
        # At the quota, every push is refused until the county reviews.
        r = http.post("/sync/v1/push", json={"incarnation_id": "i", "through": 5, "changes": []}, headers=auth)
        assert r.status_code == 403
