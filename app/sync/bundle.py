"""Change bundles: sync on a USB stick where there is no network (sync-design.md "Bundles").

A bundle is one zip file, never overwritten, holding
- ``manifest.json``: format and version, kind (``laptop``: a laptop's changes for the county;
  ``return``: the county's changes and acknowledgements for one laptop), the device, replica and
  incarnation, the seq and log ranges, server seqs, counts per table and the SHA-256 of the content;
- ``changes.ndjson``: the changes in wire form (app/sync/wire.py), one per line, in log order;
- ``signature``: the Ed25519 signature (hex) of the manifest bytes (the manifest holds the content
  hash, so the signature covers everything): a laptop bundle by the laptop's private key, checked
  at the county with the public key the server stores; a return bundle by the county server's key,
  checked on the laptop with the public key it learnt at enrolment or sync (app/sync/signing.py).
  Neither side holds a secret of the other: a dump of the county database forges nothing.

A laptop bundle carries everything the county has not acknowledged, so a lost stick costs nothing:
export again. Import runs the network code path: on the county ``service.push`` for the device named
in the manifest, on the laptop ``replica.apply_pulled`` and ``replica.mark_acked``. The merge is
idempotent by change id, so importing a bundle twice, or bundles in any order, changes nothing.
Everything is verified before the database is touched: a truncated, altered, foreign or wrong-kind
bundle is refused with a Chinese message and nothing is written.
"""

from __future__ import annotations

import hashlib
import hmac
import io
import json
import os
import struct
import tempfile
import zipfile
import zlib
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path

import orjson
from sqlalchemy import select, update
from sqlalchemy.orm import Session, sessionmaker

from app import fileops, paths
from app.db.models import Change, Device, DeviceAck
from app.sync import limits, replica, signing, wire
from app.sync.merge import IngestReport
from app.sync import county_service as service

FORMAT = "kace-bundle"
FORMAT_VERSION = 1
SUFFIX = ".kace"
KINDS = ("laptop", "return")
MANIFEST, CHANGES, SIGNATURE = "manifest.json", "changes.ndjson", "signature"
MEMBERS = (MANIFEST, CHANGES, SIGNATURE)
MAX_MANIFEST = 1 << 20
CHUNK = 1 << 20  # bytes inflated at a time
MAX_LINE = 16 << 20  # one change (its payload is at most 10 MB of text)
MIN_LINE = 150
CH = Change.__table__
DEVICE = Device.__table__
ACK = DeviceAck.__table__

DAMAGED = "数据包文件不完整或已损坏（可能拷贝没有完成），已拒绝导入，数据库没有改动。请重新导出数据包。"
ALTERED = "数据包内容与清单不符（文件被改动或损坏），已拒绝导入，数据库没有改动。请重新导出数据包。"


class BundleRefused(Exception):
    """A bundle (or an export) that is refused; the message is Chinese, for the user."""

    def __init__(self, message: str):
        super().__init__(message)
        self.message = message


@dataclass
class Bundle:
    manifest: dict
    manifest_bytes: bytes
    signature: str
    changes: list[dict]

    @property
    def kind(self) -> str:
        return self.manifest["kind"]


@dataclass
class ExportReport:
    path: Path
    kind: str
    changes: int
    size: int
    counts: dict[str, int]
    manifest: dict

    def lines(self) -> list[str]:
        who = "本机" if self.kind == "laptop" else f"设备“{self.manifest['device_name']}”"
        what = "变更包" if self.kind == "laptop" else "回传包"
        out = [f"已导出{who}的{what}到 {self.path}（{self.changes} 条变更，{self.size / 1024:.1f} KB）"]
        if self.counts:
            out.append("  " + "，".join(f"{t} {n} 条" for t, n in sorted(self.counts.items())))
        if self.kind == "laptop":
            out.append("包内是全部尚未被县里确认的变更；U 盘丢失时重新导出即可。")
        return out


@dataclass
class ImportReport:
    kind: str
    device_name: str
    ingest: IngestReport = field(default_factory=IngestReport)
    acked: int = 0
    cursor_moved: bool = True
    notes: list[str] = field(default_factory=list)

    def lines(self) -> list[str]:
        r = self.ingest
        out = [f"已导入设备“{self.device_name}”的{'变更包' if self.kind == 'laptop' else '回传包'}："
               f"{r.received} 条变更，新增 {r.stored} 条，重复 {r.duplicates} 条已忽略"]
        out.append(f"新发现冲突 {r.conflicts} 处，请在“数据 › 冲突处理”中处理" if r.conflicts else "没有新的冲突")
        if r.parked:
            out.append(f"{r.parked} 条变更未应用，已搁置待审核")
        if r.pending:
            out.append(f"{r.pending} 条记录在等待相关记录到达")
        if self.kind == "return":
            out.append(f"县里已确认收到本机 {self.acked} 条变更" if self.acked else "没有新的确认")
        return out + self.notes


# --- the file ----------------------------------------------------------------------------------


def _now() -> datetime:
    return datetime.now(UTC).replace(tzinfo=None)


def _check_out(out: Path) -> Path:
    out = Path(out).expanduser().absolute()
    if out.exists():
        raise BundleRefused(f"文件已存在，不会覆盖：{out}。请换一个文件名。")
    if not out.parent.is_dir():
        raise BundleRefused(f"文件夹不存在：{out.parent}")
    return out


def _write(out: Path, manifest: dict, changes: list[dict], private_key: str) -> int:
    """Write the bundle beside `out` under a temporary name, then give it its name (never over an
    existing file); return its size."""
    content = "".join(json.dumps(c, ensure_ascii=False, sort_keys=True) + "\n" for c in changes).encode()
    manifest["content_sha256"] = hashlib.sha256(content).hexdigest()
    manifest_bytes = json.dumps(manifest, ensure_ascii=False, sort_keys=True, indent=1).encode()
    fd, tmp = tempfile.mkstemp(prefix=f".{out.name}.", suffix=".part", dir=out.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            with zipfile.ZipFile(f, "w", zipfile.ZIP_DEFLATED) as z:
                z.writestr(MANIFEST, manifest_bytes)
                z.writestr(CHANGES, content)
                z.writestr(SIGNATURE, signing.sign(private_key, manifest_bytes))
            f.flush()
            os.fsync(f.fileno())
        _place(Path(tmp), out)
    finally:
        fileops.unlink(tmp)
    fileops.fsync_dir(out.parent)
    return out.stat().st_size


def _place(tmp: Path, out: Path) -> None:
    """Give the finished file its name without ever replacing a file of that name (app/fileops:
    a hard link, or on FAT32/exFAT sticks a rename retried while an antivirus holds the file)."""
    try:
        fileops.place_new(tmp, out)
    except FileExistsError:
        raise BundleRefused(f"文件已存在，不会覆盖：{out}。请换一个文件名。") from None


def _nat(manifest: dict, key: str, *, optional: bool = False) -> int | None:
    value = manifest.get(key)
    if value is None and optional:
        return None
    if isinstance(value, bool) or not isinstance(value, int) or value < 0:
        raise BundleRefused(ALTERED)
    return value


def _range(manifest: dict, key: str) -> tuple[int, int] | None:
    value = manifest.get(key)
    if value is None:
        return None
    if (not isinstance(value, list) or len(value) != 2
            or not all(isinstance(v, int) and not isinstance(v, bool) and v >= 0 for v in value)):
        raise BundleRefused(ALTERED)
    return value[0], value[1]


def read(path: str | Path) -> Bundle:
    """Read and check a bundle file: structure, format version, content hash and counts. The
    signature needs the device key and is checked by the importing side (`verify`). The file is
    read as a stream: its changes are inflated chunk by chunk within the size and ratio limits
    (app/sync/limits.py), so memory stays flat whatever the file claims."""
    path = Path(path)
    try:
        f = path.open("rb")
    except FileNotFoundError:
        raise BundleRefused(f"找不到数据包文件：{path}") from None
    except IsADirectoryError:
        raise BundleRefused(f"这是一个文件夹，不是数据包文件：{path}") from None
    except OSError as e:
        raise BundleRefused(f"无法读取数据包文件：{path}（{e.strerror}）") from None
    with f:
        try:
            return _parse(f, path)
        except OSError as e:
            raise BundleRefused(f"无法读取数据包文件：{path}（{e.strerror}）") from None


def parse(data: bytes, path: str | Path = "") -> Bundle:
    """`read` of bytes already in memory (`path` only names the file in messages)."""
    return _parse(io.BytesIO(data), path)


def _changes(z: zipfile.ZipFile, info: zipfile.ZipInfo) -> tuple[list[dict], str]:
    """The change lines of the bundle, inflated as a stream; and the SHA-256 of the content."""
    limit = limits.max_bundle()
    limits.check_size(info.file_size, limit)  # what the zip declares (it cannot inflate beyond)
    limits.check_ratio(info.file_size, info.compress_size)
    digest, changes, rest, size = hashlib.sha256(), [], b"", 0
    with z.open(info) as member:
        while chunk := member.read(CHUNK):
            size += len(chunk)
            limits.check_size(size, limit)
            limits.check_ratio(size, info.compress_size)
            digest.update(chunk)
            data = rest + chunk
            if not data.strip():
                rest = b""  # blank lines: nothing to split (a bomb of newlines costs no objects)
                continue
            lines = data.split(b"\n")
            rest = lines.pop()
            if len(rest) > MAX_LINE:
                raise BundleRefused(ALTERED)
            changes.extend(_change(line) for line in lines if line.strip())
    if rest.strip():
        changes.append(_change(rest))
    return changes, digest.hexdigest()


def _change(line: bytes) -> dict:
    if len(line) < MIN_LINE:  # five ids alone take 180 bytes: many tiny lines are a bomb
        raise BundleRefused(ALTERED)
    try:
        change = orjson.loads(line)  # strict: no NaN, UTF-8 only, bounded nesting
    except orjson.JSONDecodeError:
        raise BundleRefused(ALTERED) from None
    if not isinstance(change, dict) or wire.too_deep(change):
        raise BundleRefused(ALTERED)
    return change


def _parse(f, path: str | Path) -> Bundle:
    head = f.read(4)
    f.seek(0)
    if not head.startswith(b"PK\x03\x04"):
        raise BundleRefused(DAMAGED if b"PK\x03\x04".startswith(head) else f"这不是卡册数据包文件（.kace）：{path}")
    try:
        with zipfile.ZipFile(f) as z:
            infos = z.infolist()
            if sorted(i.filename for i in infos) != sorted(MEMBERS):
                raise BundleRefused(DAMAGED)
            by_name = {i.filename: i for i in infos}
            if by_name[MANIFEST].file_size > MAX_MANIFEST or by_name[SIGNATURE].file_size > 1024:
                raise BundleRefused(DAMAGED)
            manifest_bytes = z.read(MANIFEST)
            signature = z.read(SIGNATURE)
            changes, content_sha256 = _changes(z, by_name[CHANGES])
    except BundleRefused:
        raise
    except limits.TooLarge as e:
        raise BundleRefused(f"{e}（数据包 {path}），数据库没有改动。") from None
    except (zipfile.BadZipFile, zlib.error, EOFError, ValueError, KeyError, IndexError,
            NotImplementedError, RuntimeError, struct.error, OverflowError, MemoryError):
        raise BundleRefused(DAMAGED) from None
    try:
        manifest = json.loads(manifest_bytes)
    except ValueError:
        raise BundleRefused(DAMAGED) from None
    if not isinstance(manifest, dict) or manifest.get("format") != FORMAT:
        raise BundleRefused(f"这不是卡册数据包文件（.kace）：{path}")
    version = manifest.get("format_version")
    if version != FORMAT_VERSION:
        raise BundleRefused(f"数据包格式版本 {version} 不受支持（本程序支持版本 {FORMAT_VERSION}），"
                            "请把卡册升级到与导出方相同的版本")
    if manifest.get("kind") not in KINDS or not isinstance(manifest.get("device_name"), str):
        raise BundleRefused(ALTERED)
    if not hmac.compare_digest(content_sha256, str(manifest.get("content_sha256"))):
        raise BundleRefused(ALTERED)
    if len(changes) != _nat(manifest, "change_count"):
        raise BundleRefused(ALTERED)
    counts = manifest.get("counts")
    if counts != dict(Tally(str(c.get("table_name")) for c in changes)):
        raise BundleRefused(ALTERED)
    last = _nat(manifest, "last_server_seq")
    if manifest["kind"] == "return" and _nat(manifest, "after_server_seq") > last:
        raise BundleRefused(ALTERED)
    _range(manifest, "log_range")
    _range(manifest, "seq_range")
    if manifest["kind"] == "laptop" and not isinstance(manifest.get("incarnation_id"), str):
        raise BundleRefused(ALTERED)
    acks = manifest.get("acks", [])
    if not isinstance(acks, list) or not all(
            isinstance(a, dict) and isinstance(a.get("incarnation_id"), str) and _nat(a, "acked_through") >= 0
            for a in acks):
        raise BundleRefused(ALTERED)
    return Bundle(manifest, manifest_bytes, signature.decode("ascii", errors="replace").strip(), changes)


def verify(bundle: Bundle, public_key: str | None) -> None:
    if not signing.valid(public_key, bundle.manifest_bytes, bundle.signature):
        raise BundleRefused("数据包签名不符：文件被改动过，或不是为这台设备导出的。已拒绝导入，数据库没有改动。")


WRONG_KIND = {
    "laptop": f"这是县里导出的回传包，应在笔记本上导入（{paths.cli_name()} bundle import --db …），不能导入到县服务器。",
    "return": f"这是笔记本导出的变更包，应在县服务器上导入（{paths.cli_name()} bundle import --db-url …），不能导入到笔记本。",
}


def _read_kind(path: str | Path, kind: str) -> Bundle:
    bundle = read(path)
    if bundle.kind != kind:
        raise BundleRefused(WRONG_KIND[kind] + "数据库没有改动。")
    return bundle


def _base_manifest(kind: str, device_name: str, changes: list[dict]) -> dict:
    return {"format": FORMAT, "format_version": FORMAT_VERSION, "kind": kind,
            "device_name": device_name, "created_at": _now().isoformat(timespec="seconds"),
            "program_version": paths.version(), "change_count": len(changes),
            "counts": dict(Tally(c["table_name"] for c in changes))}


# --- laptop ------------------------------------------------------------------------------------


def export_laptop(sessions: sessionmaker[Session], out: str | Path) -> ExportReport:
    """Everything this laptop's county does not hold yet, signed with the device key."""
    out = _check_out(Path(out))
    with sessions.begin() as s:
        me = replica.state(s)
        if not me.device_key or not me.device_name:
            raise BundleRefused(f"本机尚未在县服务器登记，无法导出变更包。请先在乡镇或县里联网登记本机（{paths.cli_name()} sync --enrol）。")
        if not me.signing_key:
            raise BundleRefused("本机还没有签名密钥（本机是在旧版本中登记的）：请先联网同步一次，或在县里重新登记本机，"
                                "再导出变更包。")
        changes, through = replica.outbox(s, 2**62)
        first = s.execute(select(CH.c.log_seq).where(CH.c.acked.is_(False))
                          .order_by(CH.c.log_seq).limit(1)).scalar()
    own = [c["seq"] for c in changes if c["replica_id"] == me.replica_id
           and c["incarnation_id"] == me.incarnation_id]
    manifest = _base_manifest("laptop", me.device_name, changes)
    manifest.update({
        "replica_id": me.replica_id, "incarnation_id": me.incarnation_id,
        "seq_range": [min(own), max(own)] if own else None,
        "log_range": [first, through] if changes else None,
        "last_server_seq": me.pulled_server_seq,
    })
    size = _write(out, manifest, changes, me.signing_key)
    return ExportReport(out, "laptop", len(changes), size, manifest["counts"], manifest)


def import_return(sessions: sessionmaker[Session], path: str | Path) -> ImportReport:
    """A return bundle from the county: its changes as a pull, its acknowledgement as a push answer."""
    bundle = _read_kind(path, "return")
    m = bundle.manifest
    with sessions.begin() as s:
        me = replica.state(s)
        if not me.device_key or not me.device_name:
            raise BundleRefused("本机尚未在县服务器登记，不能导入回传包。数据库没有改动。")
        if m["device_name"] != me.device_name:
            raise BundleRefused(f"这个回传包是县里为设备“{m['device_name']}”导出的，不是本机（{me.device_name}）的。"
                                "已拒绝导入，数据库没有改动。")
        if not me.server_public_key:
            raise BundleRefused("本机还不知道县服务器的签名公钥（本机是在旧版本中登记的）：请先联网同步一次，"
                                "再导入回传包。数据库没有改动。")
        verify(bundle, me.server_public_key)
        report = ImportReport("return", me.device_name)
        waiting = replica.unsynced_count(s)
        after, last = m["after_server_seq"], m["last_server_seq"]
        report.cursor_moved = after <= me.pulled_server_seq
        report.ingest = replica.apply_pulled(s, bundle.changes, last if report.cursor_moved else 0)
        if not report.cursor_moved:
            report.notes.append(f"这个回传包从县里第 {after} 号变更之后开始，本机只收到第 {me.pulled_server_seq} 号："
                                "包里的变更已导入，但中间还缺一段，下载位置保持不变。"
                                "请联网同步，或导入更早的回传包。")
        through = max((a["acked_through"] for a in m.get("acks", [])
                       if a["incarnation_id"] == me.incarnation_id), default=0)
        replica.mark_acked(s, me.incarnation_id, through)
        # Own changes that came back in the bundle are acknowledged by the merge already.
        report.acked = waiting - replica.unsynced_count(s)
    return report


# --- county server -----------------------------------------------------------------------------


def _device(session: Session, name: str) -> service.DeviceInfo:
    try:
        device = service.device_by_name(session, name)
    except service.SyncRefused:
        raise BundleRefused(f"县服务器上没有已登记的设备“{name}”，无法确认数据包的来源。"
                            "已拒绝导入，数据库没有改动。") from None
    if session.execute(select(DEVICE.c.disabled).where(DEVICE.c.id == device.id)).scalar():
        raise BundleRefused(f"设备“{name}”已停用。数据库没有改动。")
    return device


def import_laptop(sessions: sessionmaker[Session], path: str | Path) -> ImportReport:
    """A laptop's bundle on the county server: the push code path for the device it names."""
    bundle = _read_kind(path, "laptop")
    m = bundle.manifest
    with sessions.begin() as s:
        device = _device(s, m["device_name"])
        if not device.public_key:
            raise BundleRefused(f"设备“{device.name}”还没有把签名公钥交给县服务器（它是在旧版本中登记的）："
                                "请让它联网同步一次，或重新登记，再导出变更包。数据库没有改动。")
        verify(bundle, device.public_key)
        report = ImportReport("laptop", device.name)
        log_range = _range(m, "log_range")
        through = log_range[1] if log_range else 0
        parts = [bundle.changes[i:i + service.MAX_PUSH]
                 for i in range(0, len(bundle.changes), service.MAX_PUSH)] or [[]]
        for i, part in enumerate(parts):
            # One transaction: acknowledging `through` with the last part covers every part.
            try:
                answer = service.push(s, device, {"incarnation_id": m["incarnation_id"],
                                                  "through": through if i == len(parts) - 1 else 0,
                                                  "changes": part})
            except service.SyncRefused as e:
                raise BundleRefused(f"{e.message}。数据库没有改动。") from None
            r = report.ingest
            r.received += len(part)
            r.stored += answer["stored"]
            r.duplicates += answer["duplicates"]
            r.parked += answer["parked"]
            r.conflicts += answer["conflicts"]
        # What the laptop holds from us: where its next return bundle starts (never beyond what
        # this server has handed out, never backwards).
        held = min(m["last_server_seq"], service.server_seq(s))
        s.execute(update(DEVICE).where(DEVICE.c.id == device.id, DEVICE.c.pulled_server_seq < held)
                  .values(pulled_server_seq=held))
        if isinstance(m.get("replica_id"), str):
            try:
                service.bind(s, device, m["replica_id"])  # as hello: never rebinds the device
            except service.SyncRefused as e:
                raise BundleRefused(f"{e.message}。数据库没有改动。") from None
            s.execute(update(DEVICE).where(DEVICE.c.id == device.id).values(incarnation_id=m["incarnation_id"]))
    return report


def export_return(sessions: sessionmaker[Session], device_name: str, out: str | Path) -> ExportReport:
    """Every change in the device's villages after what it confirmed holding, and what the server
    holds of each of its database incarnations; signed with the device's key.

    Read-only: ``service.pull`` notes the device's cursor as it pages, but nothing here is
    committed, because the laptop has not received anything until it imports the file."""
    out = _check_out(Path(out))
    with sessions() as s:
        try:
            device = _device(s, device_name)
            after = s.execute(select(DEVICE.c.pulled_server_seq).where(DEVICE.c.id == device.id)).scalar() or 0
            changes: list[dict] = []
            cursor = after
            while True:
                # Not what the server received from the laptop's current database (the network
                # pull leaves it out the same way): the laptop holds it already.
                page = service.pull(s, device, {"after": cursor, "limit": service.MAX_PULL,
                                                "incarnation_id": device.incarnation_id})
                changes += page["changes"]
                cursor = page["last"]
                if not page["more"]:
                    break
            acks = [{"incarnation_id": a.incarnation_id, "acked_through": a.acked_through}
                    for a in s.execute(select(ACK.c.incarnation_id, ACK.c.acked_through)
                                       .where(ACK.c.device_id == device.id)
                                       .order_by(ACK.c.incarnation_id))]
        finally:
            s.rollback()
    manifest = _base_manifest("return", device.name, changes)
    manifest.update({"replica_id": device.replica_id, "incarnation_id": None,
                     "after_server_seq": after, "last_server_seq": cursor, "acks": acks,
                     "villages": device.villages})
    size = _write(out, manifest, changes, signing.server_private_key())
    return ExportReport(out, "return", len(changes), size, manifest["counts"], manifest)
