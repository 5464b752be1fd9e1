"""This database's replica: its identity, clocks, enrolment and how many of its changes the server
does not hold yet. Read by the screens (app/ops/reads.py) and by sync (app/sync/replica.py)."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import func, select
from sqlalchemy.orm import Session

from app.db.models import Change, Replica

CH = Change.__table__
REPLICA = Replica.__table__


@dataclass
class ReplicaState:
    replica_id: str
    incarnation_id: str
    last_seq: int
    last_hlc: int
    pulled_server_seq: int
    server_url: str | None
    device_name: str | None
    device_key: str | None
    signing_key: str | None = None
    server_public_key: str | None = None


def state(session: Session) -> ReplicaState:
    r = session.execute(select(REPLICA)).mappings().one()
    return ReplicaState(r["replica_id"], r["incarnation_id"], r["last_seq"], r["last_hlc"],
                        r["pulled_server_seq"], r["server_url"], r["device_name"], r["device_key"],
                        r["signing_key"], r["server_public_key"])


def unsynced_count(session: Session) -> int:
    return session.execute(select(func.count()).select_from(CH).where(CH.c.acked.is_(False))).scalar_one()
