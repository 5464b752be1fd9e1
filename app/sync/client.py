"""The laptop's sync run: hello, push until acknowledged, pull pages, check digests.

Transport-independent: `Transport.call(endpoint, body) -> dict` is HTTP in production
(app/sync/http_transport.py) and a direct call into the server service in tests. A network error
is retried with backoff; a cut at any moment is safe, because every step commits its own
transaction and the next run starts from what the database says (sync-design.md).
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Protocol

from sqlalchemy import select
from sqlalchemy.orm import Session, sessionmaker

from app.db import clock
from app.db.models import SYNCED_TABLES
from app.retry import doubling, retry_call
from app.sync import digest, replica
from app.sync.merge import IngestReport
from app.sync.scope import VillageResolver

PROTOCOL = 1


class TransportError(Exception):
    """The request may not have arrived or its answer was lost: safe to retry."""


class ServerRefused(Exception):
    """The server answered with a refusal (message in Chinese): retrying will not help."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


class Transport(Protocol):
    def call(self, endpoint: str, body: dict) -> dict: ...


@dataclass
class SyncSummary:
    sent: int = 0
    received: int = 0
    duplicates: int = 0
    conflicts: int = 0
    parked_on_server: int = 0
    pending: int = 0
    repaired: bool = False
    digest_ok: bool | None = None
    differing: list[str] = field(default_factory=list)  # villages still different after repair
    clock_warning: str | None = None
    tables: set[str] = field(default_factory=set)

    def lines(self) -> list[str]:
        out = [f"上传 {self.sent} 条变更，下载 {self.received} 条（重复 {self.duplicates} 条已忽略）",
               f"新发现冲突 {self.conflicts} 处" if self.conflicts else "没有新的冲突"]
        if self.parked_on_server:
            out.append(f"县服务器搁置了 {self.parked_on_server} 条变更待审核")
        if self.pending:
            out.append(f"{self.pending} 条记录在等待相关记录到达")
        if self.repaired:
            out.append("校验不一致，已重新下载全部数据进行修复")
        if self.digest_ok is False:
            out.append("修复后校验仍不一致（" + "、".join(self.differing) + "）：请再同步一次，若仍不一致请联系县里")
        if self.clock_warning:
            out.append(self.clock_warning)
        return out


Progress = Callable[[str, int, int], None]  # (stage, done, total)


class SyncClient:
    def __init__(self, sessions: sessionmaker[Session], transport: Transport, *,
                 batch: int = 1000, page: int = 2000, retries: int = 6,
                 backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                 progress: Progress | None = None, cancelled: Callable[[], bool] = lambda: False,
                 full_check: bool = False):
        self.sessions = sessions
        self.transport = transport
        self.batch = batch
        self.page = page
        self.retries = retries
        self.backoff = backoff
        self.sleep = sleep
        self.progress = progress or (lambda stage, done, total: None)
        self.cancelled = cancelled
        self.full_check = full_check
        self.touched: set[str] = set()
        self.noting = True
        self.incarnation: str | None = None

    def call(self, endpoint: str, body: dict) -> dict:
        """One request, retried with doubling waits while the network fails (TransportError);
        a refusal (ServerRefused) is raised at once."""
        return retry_call(lambda: self.transport.call(endpoint, body), retry_on=TransportError,
                          delays=doubling(self.backoff, self.retries), sleep=self.sleep)

    def run(self) -> SyncSummary:
        summary = SyncSummary()
        with self.sessions.begin() as s:
            me = replica.state(s)
        answer = self.call("hello", {"replica_id": me.replica_id, "incarnation_id": me.incarnation_id,
                                     "protocol": PROTOCOL, "clock_ms": clock.wall_ms(),
                                     "pulled_server_seq": me.pulled_server_seq})
        summary.clock_warning = answer.get("clock_warning")
        self._keys(answer)
        with self.sessions.begin() as s:
            replica.resend_unheld(s, me.incarnation_id, answer.get("acked_through", 0))
        villages = answer.get("villages") or []
        fresh = me.pulled_server_seq == 0
        self.touched = set()
        self.noting = not (fresh or self.full_check)
        self.incarnation = me.incarnation_id
        self._push(me.incarnation_id, summary)
        self._pull(summary)
        # A digest reads every row of a village: check the villages this sync touched, all of
        # them for a new laptop or when asked (full_check).
        check = villages if (fresh or self.full_check) else self._codes(villages, self.touched)
        if check and not self.cancelled():
            self._check(check, summary)
        return summary

    def _keys(self, hello: dict) -> None:
        """Note the server's public key (return bundles); a laptop enrolled before bundles were
        signed with Ed25519 makes its key pair now and gives the server its public key, the
        request authenticated by its device key."""
        with self.sessions.begin() as s:
            replica.set_server_key(s, hello.get("server_public_key"))
            replica.set_device_names(s, hello.get("devices"))
            public = None if hello.get("has_public_key", True) else replica.signing_public_key(s)
        if public is not None:
            self.call("key", {"public_key": public})

    def _note_villages(self, changes: list[dict]) -> None:
        if not self.noting or not changes:
            return
        with self.sessions.begin() as s:
            resolve = VillageResolver(s, None)
            for c in changes:
                village = resolve.village_of(c)
                if village:
                    self.touched.add(village)

    def _codes(self, villages: list[str], region_ids: set[str]) -> list[str]:
        region = SYNCED_TABLES["region"]
        with self.sessions.begin() as s:
            codes = set(s.execute(select(region.c.code).where(region.c.id.in_(sorted(region_ids)))).scalars())
        return [v for v in villages if v in codes]

    def _push(self, incarnation: str, summary: SyncSummary) -> None:
        with self.sessions.begin() as s:
            total = replica.unsynced_count(s)
        while not self.cancelled():
            with self.sessions.begin() as s:
                changes, through = replica.outbox(s, self.batch)
            if not changes:
                return
            self._note_villages(changes)
            answer = self.call("push", {"incarnation_id": incarnation, "through": through,
                                        "changes": changes})
            with self.sessions.begin() as s:
                replica.mark_acked(s, answer["incarnation_id"], answer["acked_through"])
            summary.sent += len(changes)
            summary.parked_on_server += answer.get("parked", 0)
            self.progress("上传", summary.sent, max(total, summary.sent))

    def _pull(self, summary: SyncSummary) -> None:
        while not self.cancelled():
            with self.sessions.begin() as s:
                cursor = replica.state(s).pulled_server_seq
            answer = self.call("pull", {"after": cursor, "limit": self.page,
                                        "incarnation_id": self.incarnation})
            changes = answer["changes"]
            with self.sessions.begin() as s:
                report = replica.apply_pulled(s, changes, answer["last"])
            self._note_villages(changes)
            self._count(report, summary)
            self.progress("下载", summary.received + summary.duplicates, 0)
            if not answer.get("more"):
                return

    @staticmethod
    def _count(report: IngestReport, summary: SyncSummary) -> None:
        summary.received += report.stored
        summary.duplicates += report.duplicates
        summary.conflicts += report.conflicts
        summary.pending = report.pending
        summary.tables |= report.tables

    def _check(self, villages: list[str], summary: SyncSummary) -> None:
        """Compare digests with the server; a mismatch pulls everything again (never a wipe)."""
        if not self._differing(villages):
            summary.digest_ok = True
            return
        with self.sessions.begin() as s:
            replica.reset_cursor(s)
        summary.repaired = True
        self._pull(summary)
        summary.differing = self._differing(villages)
        summary.digest_ok = not summary.differing

    def _differing(self, villages: list[str]) -> list[str]:
        """The villages whose digest here differs from the server's, as "code 名称"."""
        theirs = self.call("digest", {"villages": villages})["digests"]
        region = SYNCED_TABLES["region"]
        with self.sessions.begin() as s:
            rows = s.execute(select(region.c.code, region.c.id, region.c.name)
                             .where(region.c.code.in_(villages))).all()
            mine = digest.digests(s, {r.code: r.id for r in rows})
        names = {r.code: r.name for r in rows}
        return [f"{code} {names.get(code) or ''}".strip() for code in sorted(set(mine) | set(theirs))
                if mine.get(code) != theirs.get(code)]


def enrol(sessions: sessionmaker[Session], transport: Transport, server_url: str, token: str) -> dict:
    """Redeem an enrolment token and store the device key in this database."""
    answer = transport.call("enrol", enrol_body(sessions, token))
    with sessions.begin() as s:
        replica.set_enrolment(s, server_url, answer)
    return answer


def enrol_body(sessions: sessionmaker[Session], token: str) -> dict:
    """The enrolment request: the token and a new Ed25519 public key of this laptop (the private
    key stays in this database and signs its bundles)."""
    with sessions.begin() as s:
        return {"token": token.strip(), "public_key": replica.new_signing_key(s)}
