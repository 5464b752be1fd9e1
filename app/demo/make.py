"""`kace demo`: a realistic, deterministic demo county written through the change log.

Same seed and same reference date give the same county (app/demo/county.py generates it). Batches
of a few villages per transaction (app/ops/demo_writes.py) keep memory flat and show progress.
"""

from __future__ import annotations

import multiprocessing
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from app.demo.county import DemoCounty
from app.ops.context import OpContext
from app.ops.demo_writes import write_batches, write_regions


@dataclass
class DemoReport:
    households: int
    members: int
    villages: int
    visits: int



HOUSEHOLDS_PER_TRANSACTION = 2000


def _produce(queue, households: int, seed: int, as_of: date) -> None:
    """Child process: generate batches while the parent writes the previous ones."""
    try:
        for item in DemoCounty(households, seed, as_of).batches():
            queue.put(item)
        queue.put(None)
    except BaseException as e:  # the parent must not wait forever
        queue.put(("error", repr(e)))


def _batches_in_child(households: int, seed: int, as_of: date):
    ctx = multiprocessing.get_context("spawn")
    queue = ctx.Queue(maxsize=4)
    worker = ctx.Process(target=_produce, args=(queue, households, seed, as_of), daemon=True)
    worker.start()
    try:
        while (item := queue.get()) is not None:
            if item[0] == "error":
                raise RuntimeError(f"演示数据生成失败：{item[1]}")
            yield item
    finally:
        worker.join(timeout=5)
        if worker.is_alive():
            worker.terminate()


def make_demo(ctx: OpContext, households: int, seed: int = 1, as_of: date | None = None,
              progress: Callable[[int, int], None] | None = None, parallel: bool = True) -> DemoReport:
    """Write a demo county through the change log, a few villages per transaction.

    With parallel=True a second process generates while this one writes (2 cores: about twice as
    fast); the data are the same either way.
    """
    as_of = as_of or ctx.today
    progress = progress or (lambda done, total: None)
    source = (_batches_in_child(households, seed, as_of) if parallel
              else DemoCounty(households, seed, as_of).batches())
    report = DemoReport(0, 0, 0, 0)
    pending: list[dict] = []

    def flush() -> None:
        write_batches(ctx, pending)
        for batch in pending:
            report.households += len(batch["household"])
            report.members += len(batch["member"])
            report.visits += len(batch["visit"])
        pending.clear()
        progress(report.households, households)

    for kind, payload in source:
        if kind == "regions":
            write_regions(ctx, payload["rows"])
            report.villages = len(payload["village_rows"])
            continue
        pending.append(payload)
        if sum(len(b["household"]) for b in pending) >= HOUSEHOLDS_PER_TRANSACTION:
            flush()
    if pending:
        flush()
    return report
