"""The op runner (Anki's CollectionOp and task manager): every database action of the program runs
on ONE worker thread, so SQLite never sees two writers from the app and the window never freezes.

`run(op, *args, label=..., on_success=..., on_failure=..., progress=..., **kwargs)` calls
`op(ctx.ops, *args, **kwargs)` on the worker; back on the UI thread it broadcasts result.changes on
the change bus and then calls on_success(result), or shows the error through the interaction layer
(a DomainError as its Chinese message). Each write records the range of change sequence numbers it
wrote, which is what "undo the last save" reverses.
"""

from __future__ import annotations

import inspect
import logging
import threading
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from dataclasses import dataclass, field
from typing import Any

from PySide6.QtCore import QCoreApplication, QElapsedTimer, QObject, Qt, Signal
from PySide6.QtWidgets import QApplication, QProgressDialog

from app.ops.undo import replica_seq
from app.ui import errors

log = logging.getLogger("kace.ui")


class Cancelled(Exception):
    """Raised inside an op by its progress callback when the user pressed 取消: the op's
    transaction rolls back, nothing is written."""


@dataclass(frozen=True)
class UndoEntry:
    label: str
    after_seq: int
    through_seq: int


@dataclass
class _Job:
    op: Callable
    args: tuple
    kwargs: dict
    label: str
    on_success: Callable | None
    on_failure: Callable | None
    progress: bool
    undoable: bool
    write: bool  # False: a read (no undo bookkeeping, no change broadcast)
    cancelled: threading.Event = field(default_factory=threading.Event)
    dialog: QProgressDialog | None = None


@dataclass
class _Outcome:
    result: Any = None
    error: BaseException | None = None
    seq_range: tuple[int, int] | None = None


class OpRunner(QObject):
    busy_changed = Signal(bool)
    undoable = Signal(object)  # UndoEntry of a finished write that changed something
    message = Signal(str)  # short notices for the status bar (warnings of a save...)
    _finished = Signal(object, object)  # (job, outcome), emitted on the worker thread
    _progressed = Signal(object, int, int)

    def __init__(self, app_ctx, parent: QObject | None = None):
        super().__init__(parent)
        self._ctx = app_ctx
        self._executor = ThreadPoolExecutor(max_workers=1, thread_name_prefix="kace-db")
        self._pending = 0
        self._writes = 0
        self._closed = False
        self._idle = threading.Event()
        self._idle.set()
        self._finished.connect(self._complete, Qt.ConnectionType.QueuedConnection)
        self._progressed.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)

    # --- public API ---------------------------------------------------------------------------

    def run(self, op: Callable, *args, label: str = "", on_success: Callable | None = None,
            on_failure: Callable | None = None, progress: bool = False, undoable: bool = True,
            **kwargs) -> Future:
        """Run a write op on the database thread; callbacks come back on the UI thread."""
        job = _Job(op, args, kwargs, label, on_success, on_failure, progress, undoable, True)
        return self._submit(job)

    def run_sync(self, op: Callable, *args, label: str = "", on_success: Callable | None = None,
                 on_failure: Callable | None = None, progress: bool = False,
                 undoable: bool = True, **kwargs):
        """Like run() but blocks until done and returns the result (None after a failure).
        For tests and scripted use; the callbacks run before it returns."""
        job = _Job(op, args, kwargs, label, on_success, on_failure, progress, undoable, True)
        self._begin(job)
        outcome = self._executor.submit(self._execute, job).result()
        self._complete(job, outcome)
        return outcome.result if outcome.error is None else None

    def read(self, fn: Callable, *args, on_done: Callable | None = None,
             on_failure: Callable | None = None, **kwargs) -> Future:
        """Run a read `fn(ctx.ops, *args, **kwargs)` on the database thread (queued behind any
        write), then on_done(value) on the UI thread. Nothing is broadcast."""
        job = _Job(fn, args, kwargs, "", on_done, on_failure, False, False, False)
        return self._submit(job)

    def read_sync(self, fn: Callable, *args, **kwargs):
        """A read on the database thread, waited for (for tests and start-up)."""
        return self._executor.submit(fn, self._ctx.ops, *args, **kwargs).result()

    @property
    def busy(self) -> bool:
        """Any job queued or running (reads included)."""
        return self._pending > 0

    def wait(self, timeout: float = 10.0) -> bool:
        """Wait until every queued job has finished and its callbacks ran (tests, shutdown)."""
        timer = QElapsedTimer()
        timer.start()
        while self._pending and timer.elapsed() < timeout * 1000:
            self._idle.wait(0.01)
            QCoreApplication.processEvents()
        return not self._pending

    def shutdown(self) -> None:
        self.wait()
        self._closed = True
        self._executor.shutdown(wait=True)

    # --- internals ---------------------------------------------------------------------------

    def _begin(self, job: _Job) -> None:
        self._pending += 1
        self._idle.clear()
        if job.write:  # background reads (prefetch, refresh) do not make the window busy
            self._writes += 1
            if self._writes == 1:
                self.busy_changed.emit(True)

    def _end(self, job: _Job) -> None:
        self._pending -= 1
        if not self._pending:
            self._idle.set()
        if job.write:
            self._writes -= 1
            if not self._writes:
                self.busy_changed.emit(False)

    def _submit(self, job: _Job) -> Future | None:
        if self._closed:
            log.info("ignored after shutdown: %s", getattr(job.op, "__name__", job.op))
            return None
        self._begin(job)
        if job.progress:
            job.dialog = self._make_dialog(job)
        future = self._executor.submit(self._execute, job)
        future.add_done_callback(lambda f: self._finished.emit(job, f.result()))
        return future

    def _execute(self, job: _Job) -> _Outcome:
        """On the database thread: never touches a widget."""
        ops = self._ctx.ops
        try:
            kwargs = dict(job.kwargs)
            if job.progress and _accepts_progress(job.op):
                kwargs["progress"] = self._reporter(job)
            before = replica_seq(ops) if job.write else None
            result = job.op(ops, *job.args, **kwargs)
            after = replica_seq(ops) if job.write else None
            return _Outcome(result, None, (before, after) if job.write else None)
        except BaseException as e:  # noqa: BLE001 - handed to the UI thread
            return _Outcome(None, e)

    def _reporter(self, job: _Job) -> Callable[[int, int], None]:
        def report(done: int, total: int) -> None:
            if job.cancelled.is_set():
                raise Cancelled()
            self._progressed.emit(job, done, total)

        return report

    def _make_dialog(self, job: _Job) -> QProgressDialog:
        dialog = QProgressDialog(job.label or self.tr("正在处理…"), self.tr("取消"), 0, 0,
                                 QApplication.activeWindow())
        dialog.setWindowTitle(self.tr("请稍候"))
        dialog.setWindowModality(Qt.WindowModality.WindowModal)
        dialog.setMinimumDuration(400)
        dialog.setAutoClose(False)
        dialog.setAutoReset(False)
        if _accepts_progress(job.op):
            dialog.canceled.connect(job.cancelled.set)
        else:  # an op without a progress callback cannot stop safely half-way
            dialog.setCancelButton(None)
        return dialog

    def _show_progress(self, job: _Job, done: int, total: int) -> None:
        if job.dialog is not None and not job.cancelled.is_set():
            job.dialog.setMaximum(max(total, 1))
            job.dialog.setValue(min(done, total))

    def _complete(self, job: _Job, outcome: _Outcome) -> None:
        """On the UI thread. The job counts as finished before its callbacks run, so a callback
        may itself wait for the runner (or start the next job)."""
        self._end(job)
        if job.dialog is not None:
            job.dialog.close()
            job.dialog.deleteLater()
            job.dialog = None
        if outcome.error is not None:
            self._fail(job, outcome.error)
            return
        result = outcome.result
        if job.write:
            # Views refresh first, so on_success finds them current (as Anki's ops do).
            changes = frozenset(getattr(result, "changes", ()) or ())
            if changes:
                self._ctx.bus.changed.emit(changes)
        if job.on_success is not None:
            job.on_success(result)
        if not job.write:
            return
        warnings = list(getattr(result, "warnings", ()) or ())
        if warnings:
            self.message.emit("；".join(map(str, warnings)))
            self._ctx.interaction.info(self.tr("请注意"), "\n".join(map(str, warnings)))
        before, after = outcome.seq_range
        if job.undoable and after > before:
            self.undoable.emit(UndoEntry(job.label or self.tr("修改"), before, after))

    def _fail(self, job: _Job, exc: BaseException) -> None:
        if isinstance(exc, Cancelled):
            self.message.emit(self.tr("已取消：{0}").format(job.label) if job.label else self.tr("已取消"))
            return
        if job.on_failure is not None:
            if not errors.expected(exc):
                log.error("op %s failed", getattr(job.op, "__name__", job.op), exc_info=exc)
            job.on_failure(exc)
            return
        title = self.tr("{0}失败").format(job.label) if job.label else None
        errors.report(exc, self._ctx.interaction.error, title)


def _accepts_progress(op: Callable) -> bool:
    try:
        return "progress" in inspect.signature(op).parameters
    except (TypeError, ValueError):
        return False
