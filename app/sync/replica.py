"""The laptop's side of sync, on its own database: outbox, acknowledgements, applying pulls.

The outbox is every change in this database's log that the server does not hold yet (own changes
and changes received from elsewhere), in log order, so the server receives them causally. A pulled
page and the pull cursor commit in one transaction: a cut between them cannot skip a change.
"""

from __future__ import annotations

import json
from dataclasses import dataclass

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.db.models import Change, Replica, Setting
from app.db.replica_state import ReplicaState, state, unsynced_count  # noqa: F401 - the store reads them; sync's callers use them here
from app.sync import merge, signing, wire

CH = Change.__table__
REPLICA = Replica.__table__
SETTING = Setting.__table__


def outbox(session: Session, limit: int) -> tuple[list[dict], int]:
    """The first `limit` unacknowledged changes (wire form) and the log position they reach."""
    rows = session.execute(select(CH).where(CH.c.acked.is_(False)).order_by(CH.c.log_seq)
                           .limit(limit)).mappings().all()
    return [wire.to_wire(r) for r in rows], (rows[-1]["log_seq"] if rows else 0)


def mark_acked(session: Session, incarnation_id: str, through: int) -> int:
    """The server holds everything of ours up to log position `through` (of this incarnation:
    a restored copy's positions are not the ones the server acknowledged)."""
    if state(session).incarnation_id != incarnation_id or through <= 0:
        return 0
    return session.execute(update(CH).where(CH.c.log_seq <= through, CH.c.acked.is_(False))
                           .values(acked=True)).rowcount


def resend_unheld(session: Session, incarnation_id: str, server_acked_through: int) -> int:
    """The server holds our log only up to `server_acked_through` (say it was restored from an
    older backup): our own changes after that go out again (the server ignores any it holds)."""
    me = state(session)
    if me.incarnation_id != incarnation_id:
        return 0
    return session.execute(update(CH).where(
        CH.c.replica_id == me.replica_id, CH.c.log_seq > server_acked_through,
        CH.c.acked.is_(True)).values(acked=False)).rowcount


def apply_pulled(session: Session, changes: list, cursor: int) -> merge.IngestReport:
    """Merge a page from the server and move the pull cursor, in the caller's one transaction."""
    report = merge.ingest(session, changes, positions=merge.local_positions(session), acked=True)
    if cursor > state(session).pulled_server_seq:
        session.execute(update(REPLICA).values(pulled_server_seq=cursor))
    return report


def set_enrolment(session: Session, server_url: str, answer: dict) -> None:
    session.execute(update(REPLICA).values(
        server_url=server_url, device_name=answer["device_name"], device_key=answer["device_key"],
        device_code=answer["device_code"]))
    set_server_key(session, answer.get("server_public_key"))


def new_signing_key(session: Session) -> str:
    """A fresh Ed25519 key pair for this laptop (enrolment); returns the public key."""
    private = signing.new_private_key()
    session.execute(update(REPLICA).values(signing_key=private))
    return signing.public_key(private)


def signing_public_key(session: Session) -> str:
    """This laptop's public key, made now if it has none yet (enrolled before keys existed)."""
    private = state(session).signing_key
    return signing.public_key(private) if private else new_signing_key(session)


def set_server_key(session: Session, public_key: str | None) -> None:
    if isinstance(public_key, str) and len(public_key) == 64:
        session.execute(update(REPLICA).values(server_public_key=public_key))


def reset_cursor(session: Session) -> None:
    """Repair: pull everything again from the start (applying twice changes nothing)."""
    session.execute(update(REPLICA).values(pulled_server_seq=0))


DEVICE_NAMES = "sync_device_names"  # setting: {replica id: device name}, learnt from hello


def set_device_names(session: Session, names) -> None:
    """The county's devices by replica id (hello): conflicts name the device beside its replica."""
    if not isinstance(names, dict):
        return
    names = {str(k): str(v) for k, v in names.items() if isinstance(k, str) and isinstance(v, str)}
    value = json.dumps(names, ensure_ascii=False, sort_keys=True)
    if session.execute(select(SETTING.c.key).where(SETTING.c.key == DEVICE_NAMES)).first():
        session.execute(update(SETTING).where(SETTING.c.key == DEVICE_NAMES).values(value=value))
    else:
        session.execute(insert(SETTING).values(key=DEVICE_NAMES, value=value))


def device_names(session: Session) -> dict[str, str]:
    """Device names by replica id, as last learnt from the county (this laptop's own included)."""
    value = session.execute(select(SETTING.c.value).where(SETTING.c.key == DEVICE_NAMES)).scalar()
    try:
        names = json.loads(value) if value else {}
    except ValueError:
        names = {}
    me = state(session)
    if me.device_name:
        names[me.replica_id] = me.device_name
    return names
