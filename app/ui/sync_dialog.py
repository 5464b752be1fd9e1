"""文件 › 同步…: sync this laptop with the county server (app/sync/client.py).

The dialog shows the server and this device, or, while the laptop is not enrolled, a form for the
server address and the 登记码 (enrolment token) the county gave. 开始同步 runs the SyncClient on
the op runner's database thread (never the UI thread); its progress callback drives the bar through
a queued signal and 取消 stops it between batches (what was sent or received stays; the next sync
continues from there). Afterwards the summary lines, 查看冲突 when review items are open, and a
change-set of every table broadcast through the runner, so the views and the status bar refresh.

The transport is made by `transport_factory(server_url, device_key)`: HTTP by default
(app/sync/http_transport.HttpTransport, imported only when used); tests pass one that calls the
server in-process.
"""

from __future__ import annotations

import threading
from collections.abc import Callable
from dataclasses import dataclass

from PySide6.QtCore import QCoreApplication, Qt, Signal
from PySide6.QtWidgets import (
    QDialog,
    QFormLayout,
    QGroupBox,
    QHBoxLayout,
    QLabel,
    QLineEdit,
    QPlainTextEdit,
    QProgressBar,
    QPushButton,
    QVBoxLayout,
    QWidget,
)

from app.ops import reads
from app.ops.context import Result
from app.ui import errors as error_text
from app.ui.layouts import fit_to_screen

# A sync may bring any row of any table: every view refreshes, and the status bar's outbox count.
ALL_TABLES = reads.SYNCED_TABLE_NAMES | {"change", "review"}


def _t(text: str) -> str:
    return QCoreApplication.translate("SyncDialog", text)


def http_transport(server_url: str, key: str | None):
    from app.sync.http_transport import HttpTransport

    return HttpTransport(server_url, key)


@dataclass
class SyncState:
    server_url: str | None
    device_name: str | None
    enrolled: bool
    unsynced: int
    open_items: int


@dataclass
class SyncOutcome:
    lines: list[str]
    cancelled: bool
    state: SyncState


def read_state(ops) -> SyncState:
    me, unsynced, open_items = reads.sync_status(ops)
    return SyncState(me.server_url, me.device_name, bool(me.server_url and me.device_key),
                     unsynced, open_items)


def run_sync(ops, factory: Callable, options: dict, progress: Callable, cancelled: Callable[[], bool]) -> Result:
    """On the database thread: one sync run, then what the dialog shows afterwards."""
    from app.sync.client import SyncClient

    me = reads.replica_state(ops)
    transport = factory(me.server_url, me.device_key)
    try:
        snapshot = None
        if hasattr(transport, "snapshot"):  # HTTP: a new laptop starts from its villages' snapshot
            from app.sync.http_transport import apply_snapshot, is_new_laptop

            if is_new_laptop(ops.sessions):
                retry = {k: options[k] for k in ("retries", "backoff", "sleep") if k in options}
                snapshot = apply_snapshot(ops.sessions, transport, progress=progress, **retry)
        summary = SyncClient(ops.sessions, transport, progress=progress, cancelled=cancelled, **options).run()
    finally:
        if hasattr(transport, "close"):
            transport.close()
    if snapshot is not None:
        summary.received += snapshot.received
        summary.duplicates += snapshot.duplicates
        summary.conflicts += snapshot.conflicts
    outcome = SyncOutcome(summary.lines(), cancelled(), read_state(ops))
    return Result(outcome, ALL_TABLES)


def run_enrol(ops, factory: Callable, server_url: str, token: str) -> Result:
    from app.sync.client import enrol

    transport = factory(server_url, None)
    try:
        answer = enrol(ops.sessions, transport, server_url, token)
    finally:
        if hasattr(transport, "close"):
            transport.close()
    return Result(answer, frozenset({"replica"}))


def problem_text(exc: BaseException, server_url: str | None) -> str:
    """What went wrong, in words for the person at the laptop."""
    from app.sync.client import ServerRefused, TransportError

    if isinstance(exc, ServerRefused):
        return _t("县服务器拒绝了请求：{0}").format(exc.message)
    if isinstance(exc, TransportError):
        return _t("无法连接县服务器 {0}（{1}）。已自动重试多次仍未成功：请检查网络和服务器地址后再试。"
                         "已经传完的部分不会丢失，下次同步从中断处继续。").format(server_url or "", exc)
    if isinstance(exc, ImportError):
        return _t("这个版本的卡册不能通过网络同步（缺少网络组件）：请用 U 盘同步包。")
    return error_text.describe(exc)


class SyncDialog(QDialog):
    conflicts_requested = Signal()
    # (stage, done, total) from the database thread; queued to the UI thread
    _progressed = Signal(str, int, int)

    def __init__(self, app_ctx, parent: QWidget | None = None,
                 transport_factory: Callable | None = None, client_options: dict | None = None):
        super().__init__(parent)
        self.app = app_ctx
        self.transport_factory = transport_factory or http_transport
        self.client_options = dict(client_options or {})
        self.state: SyncState | None = None
        self.running = False
        self._cancel = threading.Event()
        self.setObjectName("syncDialog")
        self.setWindowTitle(self.tr("与县服务器同步"))

        title = QLabel(self.tr("与县服务器同步"))
        title.setObjectName("editorHeader")
        intro = QLabel(self.tr("把本机录入的修改上传到县服务器，并下载其他电脑和县里的修改。"
                               "同步可以随时中断，下次从中断处继续，不会丢失数据。"))
        intro.setWordWrap(True)
        intro.setObjectName("hint")

        self.server_label = QLabel()
        self.device_label = QLabel()
        self.unsynced_label = QLabel()
        for w in (self.server_label, self.device_label):
            w.setTextInteractionFlags(Qt.TextInteractionFlag.TextSelectableByMouse)
        self.info_box = QGroupBox(self.tr("本机"))
        info = QFormLayout(self.info_box)
        info.addRow(self.tr("县服务器："), self.server_label)
        info.addRow(self.tr("本机设备："), self.device_label)
        info.addRow(self.tr("未同步的变更："), self.unsynced_label)

        self.enrol_box = QGroupBox(self.tr("登记本机"))
        self.url_edit = QLineEdit()
        self.url_edit.setObjectName("serverUrl")
        self.url_edit.setPlaceholderText(self.tr("例如 http://192.168.1.10:8765"))
        self.token_edit = QLineEdit()
        self.token_edit.setObjectName("enrolToken")
        self.token_edit.setPlaceholderText(self.tr("县里（乡镇）管理员给的登记码"))
        self.enrol_button = QPushButton(self.tr("登记本机"))
        self.enrol_button.setObjectName("enrolButton")
        enrol = QFormLayout(self.enrol_box)
        hint = QLabel(self.tr("本机尚未在县服务器登记。请填写县服务器地址和管理员给的登记码（只能用一次）。"))
        hint.setWordWrap(True)
        enrol.addRow(hint)
        enrol.addRow(self.tr("服务器地址："), self.url_edit)
        enrol.addRow(self.tr("登记码："), self.token_edit)
        enrol.addRow("", self.enrol_button)

        self.stage_label = QLabel()
        self.progress = QProgressBar()
        self.progress.setObjectName("syncProgress")
        self.progress.setTextVisible(True)
        self.progress.setRange(0, 1)
        self.progress.setValue(0)
        self.error_label = QLabel()
        self.error_label.setObjectName("banner")
        self.error_label.setWordWrap(True)
        self.error_label.hide()
        self.summary = QPlainTextEdit()
        self.summary.setObjectName("syncSummary")
        self.summary.setReadOnly(True)
        self.summary.setPlaceholderText(self.tr("同步结果将显示在这里"))
        self.summary.setMaximumHeight(130)

        self.start_button = QPushButton(self.tr("开始同步"))
        self.start_button.setObjectName("startSync")
        self.start_button.setDefault(True)
        self.cancel_button = QPushButton(self.tr("取消"))
        self.cancel_button.setObjectName("cancelSync")
        self.cancel_button.setEnabled(False)
        self.conflicts_button = QPushButton(self.tr("查看冲突"))
        self.conflicts_button.setObjectName("showConflicts")
        self.conflicts_button.hide()
        self.close_button = QPushButton(self.tr("关闭"))
        buttons = QHBoxLayout()
        buttons.addWidget(self.conflicts_button)
        buttons.addStretch(1)
        buttons.addWidget(self.start_button)
        buttons.addWidget(self.cancel_button)
        buttons.addWidget(self.close_button)

        layout = QVBoxLayout(self)
        layout.addWidget(title)
        layout.addWidget(intro)
        layout.addWidget(self.info_box)
        layout.addWidget(self.enrol_box)
        layout.addWidget(self.stage_label)
        layout.addWidget(self.progress)
        layout.addWidget(self.error_label)
        layout.addWidget(self.summary)
        layout.addLayout(buttons)

        self._progressed.connect(self._show_progress, Qt.ConnectionType.QueuedConnection)
        self.start_button.clicked.connect(self.start)
        self.cancel_button.clicked.connect(self.cancel)
        self.enrol_button.clicked.connect(self.enrol)
        self.conflicts_button.clicked.connect(self.conflicts_requested)
        self.close_button.clicked.connect(self.close)
        self.enrol_box.hide()
        self.start_button.setEnabled(False)
        fit_to_screen(self, 560, 480)
        self.refresh()

    # --- state ----------------------------------------------------------------------------------

    def refresh(self) -> None:
        """Read this laptop's enrolment and counts (on the database thread)."""
        self.app.runner.read(read_state, on_done=self._show_state, on_failure=self._failed)

    def _show_state(self, state: SyncState) -> None:
        self.state = state
        self.server_label.setText(state.server_url or self.tr("（尚未登记）"))
        self.device_label.setText(state.device_name or self.tr("（尚未登记）"))
        self.unsynced_label.setText(self.tr("{0} 条").format(state.unsynced))
        self.enrol_box.setVisible(not state.enrolled)
        self.info_box.setVisible(state.enrolled)
        self.start_button.setEnabled(state.enrolled and not self.running)
        self.conflicts_button.setVisible(state.open_items > 0)
        self.conflicts_button.setText(self.tr("查看冲突（{0} 项）").format(state.open_items))

    def _show_error(self, text: str | None) -> None:
        self.error_label.setText(text or "")
        self.error_label.setVisible(bool(text))

    # --- enrolment -------------------------------------------------------------------------------

    def enrol(self) -> None:
        url = self.url_edit.text().strip().rstrip("/")
        token = self.token_edit.text().strip()
        if not url.startswith(("http://", "https://")):
            self._show_error(self.tr("请填写县服务器地址，以 http:// 或 https:// 开头。"))
            return
        if not token:
            self._show_error(self.tr("请填写登记码。"))
            return
        self._show_error(None)
        self.enrol_button.setEnabled(False)
        self.stage_label.setText(self.tr("正在登记…"))
        self.app.runner.run(run_enrol, self.transport_factory, url, token, label=self.tr("登记本机"),
                            undoable=False, on_success=self._enrolled, on_failure=self._enrol_failed)

    def _enrolled(self, result) -> None:
        self.enrol_button.setEnabled(True)
        self.token_edit.clear()
        answer = result.value or {}
        self.stage_label.setText(self.tr("已登记为设备 {0}，可以开始同步。").format(answer.get("device_name", "")))
        self.refresh()

    def _enrol_failed(self, exc: BaseException) -> None:
        self.enrol_button.setEnabled(True)
        self.stage_label.setText(self.tr("登记未成功"))
        self._show_error(problem_text(exc, self.url_edit.text().strip()))

    # --- the sync run ------------------------------------------------------------------------------

    def start(self) -> None:
        if self.running or self.state is None or not self.state.enrolled:
            return
        self.running = True
        self._cancel.clear()
        self._show_error(None)
        self.summary.clear()
        self.start_button.setEnabled(False)
        self.cancel_button.setEnabled(True)
        self.close_button.setEnabled(False)
        self.stage_label.setText(self.tr("正在连接县服务器…"))
        self.progress.setRange(0, 0)  # busy until the first report
        self.app.runner.run(run_sync, self.transport_factory, self.client_options, self._progressed.emit,
                            self._cancel.is_set, label=self.tr("同步"), undoable=False,
                            on_success=self._finished, on_failure=self._sync_failed)

    def cancel(self) -> None:
        if self.running:
            self._cancel.set()
            self.cancel_button.setEnabled(False)
            self.stage_label.setText(self.tr("正在取消（等当前这一批传完）…"))

    def _show_progress(self, stage: str, done: int, total: int) -> None:
        if not self.running or self._cancel.is_set():
            return
        if total > 0:
            self.progress.setRange(0, total)
            self.progress.setValue(min(done, total))
            self.stage_label.setText(self.tr("{0}：{1} / {2} 条").format(stage, done, total))
        else:
            self.progress.setRange(0, 0)
            self.stage_label.setText(self.tr("{0}：{1} 条").format(stage, done))

    def _stopped(self) -> None:
        self.running = False
        self.cancel_button.setEnabled(False)
        self.close_button.setEnabled(True)
        self.progress.setRange(0, 1)

    def _finished(self, result) -> None:
        self._stopped()
        outcome: SyncOutcome = result.value
        self.progress.setValue(0 if outcome.cancelled else 1)
        self.stage_label.setText(self.tr("同步已取消，下次同步从中断处继续") if outcome.cancelled
                                 else self.tr("同步完成"))
        lines = list(outcome.lines)
        if outcome.state.open_items:
            lines.append(self.tr("共有 {0} 项冲突待处理：点“查看冲突”逐项选定").format(outcome.state.open_items))
        self.summary.setPlainText("\n".join(lines))
        self._show_state(outcome.state)

    def _sync_failed(self, exc: BaseException) -> None:
        self._stopped()
        self.progress.setValue(0)
        self.stage_label.setText(self.tr("同步未完成"))
        self._show_error(problem_text(exc, self.state.server_url if self.state else None))
        self.refresh()

    def _failed(self, exc: BaseException) -> None:
        self._show_error(problem_text(exc, None))

    # --- closing -----------------------------------------------------------------------------------

    def closeEvent(self, event) -> None:
        if self.running:
            if not self.app.interaction.confirm(self.tr("同步"), self.tr("同步还在进行。要取消同步吗？"),
                                                self.tr("取消同步")):
                event.ignore()
                return
            self.cancel()
        super().closeEvent(event)
