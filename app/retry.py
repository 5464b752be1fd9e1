"""Trying an action again after a passing failure, the one retry rule of Kace (tenacity): a network
call the server may not have received, a file another program holds open for a moment.

Only the failures `retry_on` accepts are retried, each after the next of `delays`; once the
delays are spent the last failure is raised as it was. Any other failure is raised at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Sequence
from typing import TypeVar

import tenacity

T = TypeVar("T")
RetryOn = type[BaseException] | tuple[type[BaseException], ...] | Callable[[BaseException], bool]


def retry_call(action: Callable[[], T], *, retry_on: RetryOn, delays: Sequence[float],
               sleep: Callable[[float], None] = time.sleep,
               on_retry: Callable[[BaseException, float], None] | None = None) -> T:
    """`action()`, tried at most len(delays) + 1 times. `on_retry(failure, seconds)` is told
    before each wait (to log it)."""
    if isinstance(retry_on, type | tuple):
        retry = tenacity.retry_if_exception_type(retry_on)
    else:
        retry = tenacity.retry_if_exception(retry_on)

    def before_sleep(state: tenacity.RetryCallState) -> None:
        if on_retry is not None:
            on_retry(state.outcome.exception(), state.next_action.sleep)

    def wait(state: tenacity.RetryCallState) -> float:
        # tenacity asks for the wait before it checks the stop: after the last try there is none.
        n = state.attempt_number
        return delays[n - 1] if n <= len(delays) else 0

    retrying = tenacity.Retrying(retry=retry, stop=tenacity.stop_after_attempt(len(delays) + 1), wait=wait,
                                 sleep=sleep,
                                 before_sleep=before_sleep, reraise=True)
    return retrying(action)


def doubling(first: float, retries: int, cap: float = 30) -> tuple[float, ...]:
    """The waits of `retries` retries that double from `first`, each at most `cap` seconds after
    the first: a server that is down gets fewer and fewer calls."""
    delays, delay = [], first
    for _ in range(retries):
        delays.append(delay)
        delay = min(delay * 2, cap)
    return tuple(delays)
