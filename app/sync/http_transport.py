"""The laptop's HTTP transport to the county server (app/server/app.py), with httpx.

`HttpTransport.call(endpoint, body) -> dict` is the Transport of app/sync/client.py:
- the request may not have arrived or its answer was lost (connection refused or cut, timeout,
  429 (too many requests), 502/503/504 from a proxy or a server whose database is down, a truncated or invalid JSON
  answer): TransportError, and the client retries;
- any other 4xx/5xx: ServerRefused(status, Chinese detail), which retrying will not change.
The push body travels gzip-compressed. `snapshot()` streams a new laptop's initial data, and
`apply_snapshot()` merges it into the laptop's database page by page.
"""

from __future__ import annotations

import gzip
import json
import logging
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass

import httpx
from sqlalchemy import func, select
from sqlalchemy.orm import Session, sessionmaker

from app.db.models import SYNCED_TABLES
from app.retry import doubling, retry_call
from app.sync import replica
from app.sync.client import ServerRefused, TransportError

log = logging.getLogger(__name__)

PREFIX = "/sync/v1"
RETRYABLE = (429, 502, 503, 504)  # 429: too many requests, wait and try again


def _detail(response: httpx.Response) -> str:
    try:
        detail = response.json().get("detail")
    except (ValueError, AttributeError):
        detail = None
    if isinstance(detail, str) and detail:
        return detail
    if response.status_code == 404:
        return "县服务器没有这个同步接口：请检查服务器地址，或升级卡册"
    return f"县服务器拒绝了请求（HTTP {response.status_code}）"


class HttpTransport:
    def __init__(self, base_url: str, key: str | None = None, timeout: float = 30, *,
                 client: httpx.Client | None = None):
        self.base_url = base_url.rstrip("/")
        self.key = key
        self.client = client or httpx.Client(base_url=self.base_url, timeout=timeout,
                                             headers={"User-Agent": "kace-sync/1"})

    def close(self) -> None:
        self.client.close()

    def __enter__(self) -> HttpTransport:
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def _headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.key}"} if self.key else {}

    def call(self, endpoint: str, body: dict) -> dict:
        headers = {**self._headers(), "Content-Type": "application/json"}
        content = json.dumps(body, ensure_ascii=False, separators=(",", ":")).encode()
        if endpoint == "push":
            content = gzip.compress(content, compresslevel=6)
            headers["Content-Encoding"] = "gzip"
        try:
            response = self.client.post(f"{PREFIX}/{endpoint}", content=content, headers=headers)
        except (httpx.TransportError, httpx.DecodingError) as e:
            # Connection refused or cut, timeouts, a body cut short (RemoteProtocolError)...
            raise TransportError(f"{type(e).__name__}: {e}") from e
        answer = self._answer(response)
        if endpoint == "enrol":
            self.key = answer.get("device_key") or self.key
        return answer

    def _answer(self, response: httpx.Response) -> dict:
        status = response.status_code
        if status in RETRYABLE:
            raise TransportError(f"HTTP {status}: {_detail(response)}")
        if status >= 400:
            raise ServerRefused(status, _detail(response))
        try:
            answer = response.json()
        except ValueError as e:  # truncated or not JSON at all
            raise TransportError(f"invalid JSON answer: {e}") from e
        if not isinstance(answer, dict):
            raise TransportError("the answer is not a JSON object")
        return answer

    def health(self) -> dict:
        try:
            response = self.client.get("/health")
        except (httpx.TransportError, httpx.DecodingError) as e:
            raise TransportError(f"{type(e).__name__}: {e}") from e
        return self._answer(response)

    def snapshot(self, page: int) -> Iterator[tuple[int, list[dict]]]:
        """(server_seq, page of changes) ... streamed; the last page may be empty. Raises
        TransportError if the stream ends before its trailer (cut connection, truncated gzip)."""
        try:
            with self.client.stream("GET", f"{PREFIX}/snapshot", headers=self._headers()) as response:
                if response.status_code >= 400:
                    response.read()
                    self._answer(response)
                lines = response.iter_lines()
                header = _json_line(next(lines, ""))
                seq = header.get("server_seq")
                if not isinstance(seq, int):
                    raise TransportError("snapshot without its header")
                batch: list[dict] = []
                count = 0
                for text in lines:
                    if not text:
                        continue
                    obj = _json_line(text)
                    if obj.get("end") is True:
                        if obj.get("count") != count:
                            raise TransportError("snapshot count mismatch")
                        yield seq, batch
                        return
                    batch.append(obj)
                    count += 1
                    if len(batch) >= page:
                        yield seq, batch
                        batch = []
                raise TransportError("snapshot cut short (no trailer)")
        except (httpx.TransportError, httpx.DecodingError, httpx.StreamError) as e:
            raise TransportError(f"{type(e).__name__}: {e}") from e


def _json_line(text: str) -> dict:
    try:
        obj = json.loads(text)
    except ValueError as e:
        raise TransportError(f"invalid snapshot line: {e}") from e
    if not isinstance(obj, dict):
        raise TransportError("invalid snapshot line")
    return obj


# --- the laptop side of a snapshot ---------------------------------------------------------------


def is_new_laptop(sessions: sessionmaker[Session]) -> bool:
    """Nothing pulled yet and no household here: start from a snapshot instead of paging."""
    household = SYNCED_TABLES["household"]
    with sessions.begin() as s:
        if replica.state(s).pulled_server_seq != 0:
            return False
        return s.execute(select(func.count()).select_from(household)).scalar_one() == 0


@dataclass
class SnapshotResult:
    server_seq: int
    received: int
    duplicates: int
    conflicts: int


def apply_snapshot(sessions: sessionmaker[Session], transport: HttpTransport, *, page: int = 2000,
                   retries: int = 6, backoff: float = 0.5, sleep: Callable[[float], None] = time.sleep,
                   progress: Callable[[str, int, int], None] | None = None) -> SnapshotResult:
    """Download the snapshot and merge it page by page; the pull cursor moves to its server seq
    only after the last page, in the same transaction. A cut midway leaves merged pages (merging
    them again changes nothing) and the cursor at 0, so the next sync pulls from the start."""

    def attempt() -> SnapshotResult:
        result = SnapshotResult(0, 0, 0, 0)
        for seq, changes in transport.snapshot(page):
            with sessions.begin() as s:
                # Cursor 0 while pages arrive; `seq` with the final (possibly empty) page.
                report = replica.apply_pulled(s, changes, 0)
            result.server_seq = seq
            result.received += report.stored
            result.duplicates += report.duplicates
            result.conflicts += report.conflicts
            if progress:
                progress("初始数据", result.received + result.duplicates, 0)
        with sessions.begin() as s:
            replica.apply_pulled(s, [], result.server_seq)
        return result

    return retry_call(attempt, retry_on=TransportError, delays=doubling(backoff, retries), sleep=sleep,
                      on_retry=lambda _e, delay: log.info("snapshot interrupted, retrying in %.1f s", delay))
