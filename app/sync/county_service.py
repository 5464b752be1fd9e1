"""What the county server does for a device, independent of HTTP (sync-design.md protocol).

Every function takes the server's Session (PostgreSQL in production) and the authenticated device;
the HTTP layer (app/server/), bundle import and the tests call the same functions.
The device's villages come from its enrolment, never from the request.
"""

from __future__ import annotations

import hashlib
import json
import re
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime

from sqlalchemy import func, insert, select, update
from sqlalchemy.orm import Session

from app.db import clock
from app.db.base import new_id
from app.db.changelog import ChangeWriter
from app.db.codec import coerce, logged_columns, to_json
from app.db.models import SYNCED_TABLES, Change, Counter, Device, DeviceAck, ParkedChange, Replica
from app.sync import digest, limits, merge, signing, wire
from app.sync.scope import REGION, VillageResolver, village_ids

CH = Change.__table__
DEVICE = Device.__table__
ACK = DeviceAck.__table__
PARKED = ParkedChange.__table__
COUNTER = Counter.__table__
REPLICA = Replica.__table__
# Who the changes the county writes itself (app/console: a resolved conflict) are by, and the
# name laptops show for the server's own replica beside the enrolled devices' names.
COUNTY_OFFICE = "县扶贫办"
COUNTY_DEVICE = "县服务器（管理页面）"
PROTOCOL = 1
MAX_PUSH = 5000
MAX_PULL = 5000
CLOCK_TOLERANCE_MS = 10 * 60 * 1000


class SyncRefused(Exception):
    """A request the server refuses; `status` is the HTTP status, the message is Chinese."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


@dataclass
class DeviceInfo:
    id: str
    name: str
    device_code: int
    villages: list[str]
    public_key: str | None
    replica_id: str | None
    token_pending: bool = False
    incarnation_id: str | None = None  # the laptop database's current incarnation  # enrolled, key not used yet: the token may be redeemed again


def _hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


# --- enrolment and authentication --------------------------------------------------------------


def enrol(session: Session, name: str, villages: list[str]) -> str:
    """Register (or re-register) a device for villages; return its one-time enrolment token."""
    bad = sorted(c for c in villages if not (isinstance(c, str) and c.isdigit() and len(c) == 12))
    if bad or not villages:
        raise SyncRefused(400, "村代码应为 12 位数字：" + "、".join(bad))
    token = secrets.token_urlsafe(24)
    while token.startswith("-"):  # typed after `--enrol`, it would read as an option
        token = secrets.token_urlsafe(24)
    row = session.execute(select(DEVICE).where(DEVICE.c.name == name)).mappings().first()
    # A new token revokes the old key at once: re-enrolling replaces a lost laptop.
    # ... and unbinds its replica: the new laptop (or a restored one) binds itself at its hello.
    values = {"villages": json.dumps(sorted(set(villages))), "token_hash": _hash(token), "disabled": False,
              "key_hash": None, "public_key": None, "replica_id": None}
    if row is None:
        code = (session.execute(select(func.max(DEVICE.c.device_code))).scalar() or 0) + 1
        session.execute(insert(DEVICE).values(name=name, device_code=code, enrolled_at=_now(),
                                              pulled_server_seq=0, **values))
    else:
        session.execute(update(DEVICE).where(DEVICE.c.id == row["id"]).values(**values))
    return token


def redeem(session: Session, token: str, public_key: str | None = None) -> dict:
    """Exchange an enrolment token for a device key (the server keeps only its hash) and take the
    laptop's Ed25519 public key. The token stays good until the device has used a key once: a
    laptop cut off between the server's answer and storing the key (power, network) enrols again
    with the same token; redeeming again replaces the earlier key."""
    if not isinstance(token, str) or not token:
        raise SyncRefused(400, "缺少登记码")
    row = session.execute(select(DEVICE).where(DEVICE.c.token_hash == _hash(token))).mappings().first()
    if row is None or row["disabled"]:
        raise SyncRefused(403, "登记码无效或已使用")
    key = secrets.token_urlsafe(32)
    session.execute(update(DEVICE).where(DEVICE.c.id == row["id"]).values(
        key_hash=_hash(key), public_key=_public_key(public_key, optional=True)))
    return {"device_key": key, "device_name": row["name"], "device_code": row["device_code"],
            "villages": json.loads(row["villages"]), "server_public_key": signing.server_public_key()}


def _public_key(value, *, optional: bool = False) -> str | None:
    if value is None and optional:
        return None
    if not isinstance(value, str) or not re.fullmatch(signing.HEX_KEY, value):
        raise SyncRefused(422, "签名公钥格式不对（应为 64 位十六进制）")
    return value


def set_public_key(session: Session, device: DeviceInfo, body: dict) -> dict:
    """A laptop enrolled before bundles were signed with Ed25519 sends its public key, the request
    authenticated by its device key (its next sync). Once set, only a re-enrolment changes it."""
    key = _public_key(body.get("public_key") if isinstance(body, dict) else None)
    if device.public_key and device.public_key != key:
        raise SyncRefused(409, "该设备已有签名公钥；更换电脑或密钥请在县里重新登记（kace server enrol）")
    session.execute(update(DEVICE).where(DEVICE.c.id == device.id).values(public_key=key))
    device.public_key = key
    return {"public_key": key, "server_public_key": signing.server_public_key()}


def authenticate(session: Session, key: str | None) -> DeviceInfo:
    if not key:
        raise SyncRefused(401, "缺少设备密钥，请先登记本机")
    hashed = _hash(key)
    row = session.execute(select(DEVICE).where(DEVICE.c.key_hash == hashed)).mappings().first()
    if row is None or not secrets.compare_digest(row["key_hash"] or "", hashed):
        raise SyncRefused(401, "设备密钥无效")
    if row["disabled"]:
        raise SyncRefused(403, "该设备已停用，请联系县里的管理员")
    return DeviceInfo(row["id"], row["name"], row["device_code"], json.loads(row["villages"]),
                      row["public_key"], row["replica_id"], token_pending=row["token_hash"] is not None,
                      incarnation_id=row["incarnation_id"])


def spend_token(session: Session, device: DeviceInfo) -> None:
    """The device has used its key: its enrolment token is no good any more."""
    if device.token_pending:
        session.execute(update(DEVICE).where(DEVICE.c.id == device.id).values(token_hash=None))
        device.token_pending = False


def device_by_name(session: Session, name: str) -> DeviceInfo:
    row = session.execute(select(DEVICE).where(DEVICE.c.name == name)).mappings().first()
    if row is None or not row["key_hash"]:
        raise SyncRefused(404, f"没有已登记的设备：{name}")
    return DeviceInfo(row["id"], row["name"], row["device_code"], json.loads(row["villages"]),
                      row["public_key"], row["replica_id"], incarnation_id=row["incarnation_id"])


# --- protocol ----------------------------------------------------------------------------------


def is_county(device: DeviceInfo) -> bool:
    """A device enrolled with the county's own code (ends in 000000, e.g. 450881000000) is the
    county office's: it reads and writes every village and the county-wide rows (docs/sync.md)."""
    return any(code.endswith("000000") for code in device.villages)


def device_scope(session: Session, device: DeviceInfo) -> set[str] | None:
    """The region ids of the device's villages; None for the county's own device (everything)."""
    return None if is_county(device) else village_ids(session, device.villages)


def device_villages(session: Session, device: DeviceInfo) -> list[str]:
    """The village codes a device syncs: its enrolment, or every village for the county's."""
    if not is_county(device):
        return device.villages
    return sorted(session.execute(select(REGION.c.code).where(
        REGION.c.level == "village", REGION.c.deleted.is_(False))).scalars())


def _field(body: dict, key: str, kind: type, *, optional: bool = False):
    value = body.get(key) if isinstance(body, dict) else None
    if value is None and optional:
        return None
    if not isinstance(value, kind) or isinstance(value, bool) and kind is not bool:
        raise SyncRefused(422, f"请求缺少或错误的字段：{key}")
    return value


def _acked_through(session: Session, device: DeviceInfo, incarnation: str) -> int:
    return session.execute(select(ACK.c.acked_through).where(
        ACK.c.device_id == device.id, ACK.c.incarnation_id == incarnation)).scalar() or 0


def server_seq(session: Session) -> int:
    return session.execute(select(COUNTER.c.value).where(COUNTER.c.name == "server_seq")).scalar() or 0


def hello(session: Session, device: DeviceInfo, body: dict) -> dict:
    replica = _field(body, "replica_id", str)
    incarnation = _field(body, "incarnation_id", str)
    version = _field(body, "protocol", int)
    client_clock = _field(body, "clock_ms", int)
    if version != PROTOCOL:
        raise SyncRefused(409, f"同步协议版本不一致（本机 {version}，县服务器 {PROTOCOL}），请升级卡册")
    bind(session, device, replica)
    now = clock.wall_ms()
    session.execute(update(DEVICE).where(DEVICE.c.id == device.id).values(
        last_seen_at=_now(), incarnation_id=incarnation))
    skew = client_clock - now
    warning = None
    if abs(skew) > CLOCK_TOLERANCE_MS:
        days = abs(skew) / 86_400_000
        warning = (f"本机时钟{'快' if skew > 0 else '慢'}了约 {days:.1f} 天，请校正电脑的日期和时间"
                   if days >= 1 else f"本机时钟相差约 {abs(skew) // 60000} 分钟，请校正电脑时间")
    return {"server_time_ms": now, "protocol": PROTOCOL, "device_name": device.name,
            "device_code": device.device_code, "villages": device_villages(session, device),
            "acked_through": _acked_through(session, device, incarnation),
            "server_seq": server_seq(session), "clock_warning": warning,
            "has_public_key": device.public_key is not None,
            "devices": device_names(session),
            "server_public_key": signing.server_public_key()}


def device_names(session: Session) -> dict[str, str]:
    """The name of every replica that writes into the county's log: the enrolled laptops and the
    server itself (changes made in the console)."""
    names = dict(session.execute(select(DEVICE.c.replica_id, DEVICE.c.name).where(
        DEVICE.c.replica_id.is_not(None))).all())
    own = session.execute(select(REPLICA.c.replica_id)).scalar()
    if own is not None:
        names[own] = COUNTY_DEVICE
    return names


def bind(session: Session, device: DeviceInfo, replica: str) -> None:
    """The first laptop database to speak with a device's key binds the device to its replica;
    another replica is refused (a copied key). Re-enrolment unbinds; a restore keeps the replica
    (only its incarnation is new)."""
    if device.replica_id is None:
        session.execute(update(DEVICE).where(DEVICE.c.id == device.id).values(replica_id=replica))
        device.replica_id = replica
    elif device.replica_id != replica:
        raise SyncRefused(409, "这台设备已绑定另一个数据库（副本标识不同）。更换电脑或数据库请在县里重新登记"
                               "（kace server enrol），再用新的登记码登记本机")


def _positions(session: Session):
    """Server sequence numbers under the counter's row lock: concurrent pushes serialise here,
    so numbers are handed out in commit order and a reader never skips a change."""
    def take(n: int) -> int:
        row = session.execute(select(COUNTER.c.value).where(COUNTER.c.name == "server_seq")
                              .with_for_update()).scalar()
        if row is None:
            session.execute(insert(COUNTER).values(name="server_seq", value=0))
            row = 0
        session.execute(update(COUNTER).where(COUNTER.c.name == "server_seq").values(value=row + n))
        return row + 1
    return take


def push(session: Session, device: DeviceInfo, body: dict) -> dict:
    incarnation = _field(body, "incarnation_id", str)
    through = _field(body, "through", int)
    changes = _field(body, "changes", list)
    if len(changes) > MAX_PUSH:
        raise SyncRefused(413, f"一次最多上传 {MAX_PUSH} 条变更")
    allowed = device_scope(session, device)
    _parked_quota(session, device, before=True)
    # Take the sequence lock before reading which changes are known: two devices relaying the
    # same change then run one after the other instead of both inserting it.
    session.execute(select(COUNTER.c.value).where(COUNTER.c.name == "server_seq").with_for_update())
    report = merge.ingest(session, changes, positions=_positions(session), acked=True,
                          scope=VillageResolver(session, allowed, codes=device.villages,
                                                replica_id=device.replica_id),
                          device_name=device.name)
    if report.parked:
        _parked_quota(session, device, before=False)
    done = max(_acked_through(session, device, incarnation), through)
    if session.execute(select(ACK.c.device_id).where(
            ACK.c.device_id == device.id, ACK.c.incarnation_id == incarnation)).first():
        session.execute(update(ACK).where(ACK.c.device_id == device.id,
                                          ACK.c.incarnation_id == incarnation).values(acked_through=done))
    else:
        session.execute(insert(ACK).values(device_id=device.id, incarnation_id=incarnation,
                                           acked_through=done))
    return {"incarnation_id": incarnation, "acked_through": through, "stored": report.stored,
            "duplicates": report.duplicates, "parked": report.parked, "conflicts": report.conflicts}


def _parked_quota(session: Session, device: DeviceInfo, *, before: bool) -> None:
    """A device may not fill the review list without limit: at the quota its pushes are refused
    (the whole push, nothing stored) until the county has reviewed what is parked."""
    quota = limits.max_parked()
    held = session.execute(select(func.count()).select_from(PARKED).where(
        PARKED.c.device_name == device.name, PARKED.c.dismissed.is_(False))).scalar()
    if held > quota or (before and held >= quota):
        raise SyncRefused(403, f"该设备在县服务器上搁置待审核的变更已达上限（{quota} 条），本次上传未保存。"
                               "请县里先审核并处理这些变更（kace conflicts --db-url …），再同步")


def pull(session: Session, device: DeviceInfo, body: dict, *, max_limit: int = MAX_PULL) -> dict:
    """A page of changes after server seq `after` in the device's villages. With `incarnation_id`
    (the laptop's current database), the changes the server received from that very log are left
    out: the laptop holds them already, and a sync would otherwise download its own pushes again."""
    after = _field(body, "after", int)
    limit = min(max(_field(body, "limit", int, optional=True) or 1000, 1), max_limit)
    incarnation = _field(body, "incarnation_id", str, optional=True)
    allowed = device_scope(session, device)
    # Numbers up to the counter are all committed (they are handed out in commit order), so a
    # short page may move the cursor to it even when the last changes were left out as the
    # laptop's own.
    top = server_seq(session)
    query = select(CH).where(CH.c.log_seq > after, CH.c.log_seq <= top)
    if allowed is not None:
        query = query.where(CH.c.village_id.is_(None) | CH.c.village_id.in_(sorted(allowed)))
    if incarnation is not None and device.replica_id is not None:
        held = _acked_through(session, device, incarnation)
        query = query.where(~((CH.c.replica_id == device.replica_id)
                              & (CH.c.incarnation_id == incarnation) & (CH.c.seq <= held)))
    rows = session.execute(query.order_by(CH.c.log_seq).limit(limit)).mappings().all()
    last = rows[-1]["log_seq"] if len(rows) == limit else max(top, after)
    # What the device has confirmed holding: where its return bundle starts.
    session.execute(update(DEVICE).where(DEVICE.c.id == device.id,
                                         DEVICE.c.pulled_server_seq < after).values(pulled_server_seq=after))
    return {"changes": [wire.to_wire(r) for r in rows], "last": last, "more": len(rows) == limit}


def digests(session: Session, device: DeviceInfo, body: dict | None = None) -> dict:
    """Digests of the device's villages, or of the subset `villages` the request names."""
    wanted = (body or {}).get("villages")
    mine = device_villages(session, device)
    codes = mine if not isinstance(wanted, list) else [c for c in mine if c in wanted]
    ids = dict(session.execute(select(REGION.c.code, REGION.c.id).where(
        REGION.c.code.in_(codes))).all())
    return {"digests": digest.digests(session, ids)}


# --- changes the county writes itself ---------------------------------------------------------


def author(session: Session, table: str, row_id: str, values: dict, *,
           user: str = COUNTY_OFFICE) -> merge.IngestReport:
    """Write a change made at the county (a conflict resolved in the console) into the server's
    log, as its own replica: the record a laptop's ChangeWriter would make (parents are every
    field's current leaves, so a conflict closes wherever it arrives), then stored, placed in its
    village and merged exactly like a push, so the village's laptops pull it at their next sync.
    `values` must be clean (app/ops/validation). SyncRefused when the row is not here."""
    t = SYNCED_TABLES[table]
    current = session.execute(select(t).where(t.c.id == row_id)).mappings().first()
    if current is None:
        raise SyncRefused(404, "县数据库中没有这条记录")
    columns = {c.name: c for c in logged_columns(t)}
    new = {f: coerce(columns[f], v) for f, v in values.items()}
    for f, v in new.items():
        try:
            wire.fits(columns[f], v)
        except ValueError as e:
            raise SyncRefused(422, f"值无效：{e}") from None
    me = session.execute(select(REPLICA).with_for_update()).mappings().one()
    heads = ChangeWriter(session, user).heads(table, row_id, new)
    payload = {f: {"new": to_json(v), "old": to_json(current[f]), "parents": heads[f]} for f, v in new.items()}
    seq, hlc = me["last_seq"] + 1, clock.tick(me["last_hlc"])
    session.execute(update(REPLICA).where(REPLICA.c.replica_id == me["replica_id"]).values(
        last_seq=seq, last_hlc=hlc))
    record = {"change_id": new_id(), "replica_id": me["replica_id"], "incarnation_id": me["incarnation_id"],
              "seq": seq, "hlc": hlc, "user_name": user, "tx_id": new_id(), "table_name": table,
              "row_id": row_id, "op": "update", "payload": json.dumps(payload, ensure_ascii=False),
              "created_at": _now().isoformat()}
    report = ingest_at_county(session, [record], COUNTY_DEVICE)
    if report.parked or report.stored != 1:
        raise SyncRefused(422, "县里的修改未能写入：" + "；".join(report.parked_reasons))
    return report


def ingest_at_county(session: Session, records: list, device_name: str | None) -> merge.IngestReport:
    """Store records on the county's own authority (a change written in the console, a parked
    change the county accepts): under the sequence lock, placed in their villages with the
    county's scope (everything), merged exactly like a push."""
    session.execute(select(COUNTER.c.value).where(COUNTER.c.name == "server_seq").with_for_update())
    return merge.ingest(session, records, positions=_positions(session), acked=True,
                        scope=VillageResolver(session, None), device_name=device_name)
