"""Limits on what the sync accepts from outside: bundles and request bodies are inflated as a stream
and refused as soon as they pass a size or a compression-ratio limit, so memory stays flat whatever
a file or a request claims (a zip or gzip bomb costs nothing).

Configurable through the environment (of `kace serve`, `kace bundle import`, the program):
KACE_MAX_BUNDLE_MB (default 512: a bundle's changes, inflated), KACE_MAX_REQUEST_MB (default 128: one
request body, inflated), KACE_MAX_RATIO (default 100: inflated bytes per compressed byte; sync data
compresses about 5-15 times).
"""

from __future__ import annotations

import os
import zlib

MIB = 2**20
SLACK = MIB  # anything up to this size passes the ratio check (a tiny, highly compressed body)
STEP = MIB  # bytes inflated between two checks


def _setting(name: str, default: int) -> int:
    try:
        value = int(os.environ.get(name, ""))
    except ValueError:
        return default
    return value if value > 0 else default


def max_bundle() -> int:
    return _setting("KACE_MAX_BUNDLE_MB", 512) * MIB


def max_request() -> int:
    return _setting("KACE_MAX_REQUEST_MB", 128) * MIB


def max_ratio() -> int:
    return _setting("KACE_MAX_RATIO", 100)


class TooLarge(Exception):
    """Inflated data passed a limit (message in Chinese)."""


def check_ratio(inflated: int, compressed: int) -> None:
    if inflated > SLACK and inflated > max_ratio() * max(compressed, 1):
        raise TooLarge(f"解压后的内容与压缩前相比大得反常（超过 {max_ratio()} 倍），可能是恶意文件，已拒绝")


def check_size(inflated: int, limit: int) -> None:
    if inflated > limit:
        raise TooLarge(f"解压后的内容超过上限 {limit // MIB} MB，已拒绝")


class GzipStream:
    """Inflates a gzip body fed chunk by chunk, within the size and ratio limits."""

    def __init__(self, limit: int):
        self.limit = limit
        self.inflater = zlib.decompressobj(wbits=31)
        self.compressed = 0
        self.inflated = 0

    def feed(self, chunk: bytes) -> bytes:
        """The inflated bytes of `chunk`; raises TooLarge or zlib.error. Inflates a step at a
        time, checking after each, so a bomb is stopped within one step of the limit."""
        self.compressed += len(chunk)
        out, data = [], chunk
        while True:
            piece = self.inflater.decompress(data, STEP)
            self.inflated += len(piece)
            check_size(self.inflated, self.limit)
            check_ratio(self.inflated, self.compressed)
            out.append(piece)
            data = self.inflater.unconsumed_tail
            if not data:
                return b"".join(out)

    @property
    def complete(self) -> bool:
        return self.inflater.eof


def rate_per_minute() -> int:
    return _setting("KACE_RATE_PER_MIN", 600)


def rate_burst() -> int:
    return _setting("KACE_RATE_BURST", 120)


def max_parked() -> int:
    """Changes parked for review per device, not yet dismissed, before its pushes are refused."""
    return _setting("KACE_MAX_PARKED", 2000)


class RateLimiter:
    """A token bucket per caller (a device key's hash, or the address of an unauthenticated
    caller): `burst` requests at once, then `per_minute` a minute. Thread-safe; it forgets the
    oldest callers beyond `max_callers` so random keys cannot fill the memory."""

    def __init__(self, per_minute: int | None = None, burst: int | None = None, max_callers: int = 10_000):
        import threading
        from collections import OrderedDict

        self.rate = (per_minute or rate_per_minute()) / 60.0
        self.burst = float(burst or rate_burst())
        self.max_callers = max_callers
        self._buckets: OrderedDict[str, tuple[float, float]] = OrderedDict()
        self._lock = threading.Lock()

    def wait_for(self, caller: str, now: float) -> float:
        """0 when the request may go ahead (a token is taken), else the seconds until it may."""
        with self._lock:
            tokens, last = self._buckets.pop(caller, (self.burst, now))
            tokens = min(self.burst, tokens + (now - last) * self.rate)
            wait = 0.0 if tokens >= 1 else (1 - tokens) / self.rate
            self._buckets[caller] = (tokens - 1 if wait == 0 else tokens, now)
            while len(self._buckets) > self.max_callers:
                self._buckets.popitem(last=False)
            return wait
