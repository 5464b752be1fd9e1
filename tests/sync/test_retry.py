"""The one retry rule (app/retry.py) where it is used: a sync request and the snapshot are tried
again only after a network failure, as often as asked and with doubling waits; a refusal, or a
file error other than "held open", is raised at once."""

from __future__ import annotations

import errno

import pytest

from app import fileops
from app.retry import doubling, retry_call
from app.sync.client import ServerRefused, SyncClient, TransportError
from app.sync.http_transport import apply_snapshot


class Flaky:
    """A transport that fails `failures` times with `error`, then answers."""

    def __init__(self, failures: int, error: Exception):
        self.failures = failures
        self.error = error
        self.calls = 0

    def call(self, endpoint: str, body: dict) -> dict:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error
        return {"endpoint": endpoint}

    def snapshot(self, page: int):
        self.calls += 1
        if self.calls <= self.failures:
            yield 7, []  # a first page arrives, then the connection is cut
            raise self.error
        yield 7, []


def test_doubling_waits_double_up_to_the_cap():
    assert doubling(0.5, 6) == (0.5, 1, 2, 4, 8, 16)
    assert doubling(5, 5) == (5, 10, 20, 30, 30)
    assert doubling(0.5, 0) == ()


def test_a_network_failure_is_retried_as_often_as_asked_then_raised(ctx):
    waits: list[float] = []
    transport = Flaky(100, TransportError("connection refused"))
    client = SyncClient(ctx.sessions, transport, retries=6, backoff=0.5, sleep=waits.append)
    with pytest.raises(TransportError):
        client.call("hello", {})
    assert transport.calls == 7  # the first try and 6 retries
    assert waits == [0.5, 1, 2, 4, 8, 16]


def test_a_request_that_gets_through_after_failures_returns_its_answer(ctx):
    waits: list[float] = []
    transport = Flaky(2, TransportError("timeout"))
    client = SyncClient(ctx.sessions, transport, retries=6, backoff=0.25, sleep=waits.append)
    assert client.call("pull", {}) == {"endpoint": "pull"}
    assert transport.calls == 3 and waits == [0.25, 0.5]


def test_a_refusal_is_not_retried(ctx):
    waits: list[float] = []
    transport = Flaky(100, ServerRefused(403, "设备已停用"))
    client = SyncClient(ctx.sessions, transport, retries=6, sleep=waits.append)
    with pytest.raises(ServerRefused):
        client.call("hello", {})
    assert transport.calls == 1 and waits == []


def test_no_retries_means_one_try(ctx):
    transport = Flaky(100, TransportError("cut"))
    with pytest.raises(TransportError):
        SyncClient(ctx.sessions, transport, retries=0, sleep=pytest.fail).call("hello", {})
    assert transport.calls == 1


def test_a_cut_snapshot_is_downloaded_again_from_the_start(ctx):
    waits: list[float] = []
    transport = Flaky(2, TransportError("snapshot cut short"))
    result = apply_snapshot(ctx.sessions, transport, retries=3, backoff=1, sleep=waits.append)
    assert result.server_seq == 7
    assert transport.calls == 3 and waits == [1, 2]
    with pytest.raises(TransportError):
        apply_snapshot(ctx.sessions, Flaky(100, TransportError("cut")), retries=2, sleep=waits.append)
    refused = Flaky(100, ServerRefused(401, "缺少设备密钥"))
    with pytest.raises(ServerRefused):
        apply_snapshot(ctx.sessions, refused, retries=3, sleep=pytest.fail)
    assert refused.calls == 1


def _failing(error: OSError):
    calls = []

    def action():
        calls.append(1)
        raise error
    return action, calls


def test_a_file_held_open_is_retried_then_named_but_other_file_errors_are_raised_at_once(tmp_path):
    action, calls = _failing(OSError(errno.EBUSY, "busy"))
    with pytest.raises(fileops.FileBusy) as held:
        fileops.retrying(action, tmp_path / "户卡.pdf", delays=(0.001, 0.001, 0.001))
    assert len(calls) == 4 and held.value.path == tmp_path / "户卡.pdf"
    action, calls = _failing(FileNotFoundError(errno.ENOENT, "missing"))
    with pytest.raises(FileNotFoundError):
        fileops.retrying(action, tmp_path / "x", delays=(0.001, 0.001, 0.001))
    assert len(calls) == 1


def test_retry_call_tells_each_wait_and_accepts_a_predicate():
    told: list[tuple[str, float]] = []
    attempts = iter([ValueError("a"), ValueError("b"), "done"])

    def action():
        outcome = next(attempts)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome

    result = retry_call(action, retry_on=lambda e: isinstance(e, ValueError), delays=(3, 4, 5),
                        sleep=lambda s: None, on_retry=lambda e, s: told.append((str(e), s)))
    assert result == "done" and told == [("a", 3), ("b", 4)]
