"""What the user is told when something goes wrong, and the one sys.excepthook (Anki's idea):
every unexpected exception is logged to the data folder and shown in a dialog naming the log."""

from __future__ import annotations

import logging
import sys
import traceback
from collections.abc import Callable

from PySide6.QtCore import QCoreApplication

from app import paths
from app.db.driver_errors import is_database_error, is_operational_error
from app.db.migrate import DatabaseRefused
from app.domain.errors import DomainError

log = logging.getLogger("kace.ui")


def _t(text: str) -> str:
    return QCoreApplication.translate("Errors", text)


def _sqlite_reason(exc: BaseException) -> str | None:
    text = str(getattr(exc, "orig", exc)).lower()
    if "locked" in text or "busy" in text:
        return _t("数据库文件正被其他程序占用（已锁定），请关闭其他卡册窗口或稍后再试。")
    if "disk" in text and ("full" in text or "i/o" in text):
        return _t("磁盘已满或无法写入，请腾出磁盘空间后再试。")
    if "readonly" in text or "read-only" in text:
        return _t("数据库文件是只读的，无法保存。请检查文件权限。")
    if "malformed" in text or "not a database" in text:
        return _t("数据库文件已损坏。")
    return None


def expected(exc: BaseException) -> bool:
    """Errors that are the user's situation, not a bug: shown without a traceback."""
    if isinstance(exc, (DomainError, DatabaseRefused)):
        return True
    return is_operational_error(exc) and _sqlite_reason(exc) is not None


def describe(exc: BaseException) -> str:
    """A Chinese sentence saying what went wrong."""
    if isinstance(exc, DomainError):
        return exc.message
    if isinstance(exc, DatabaseRefused):
        return exc.message
    if is_database_error(exc):
        reason = _sqlite_reason(exc)
        if reason:
            return reason
    return _t("程序出现意外错误：{0}\n详细信息已写入日志文件：{1}").format(
        type(exc).__name__, paths.log_path())


def report(exc: BaseException, error: Callable[[str, str, str | None], None],
           title: str | None = None) -> None:
    """Log an exception and show it through `error(title, text, detail)`."""
    if expected(exc):
        log.warning("refused: %r", exc)
        error(title or _t("无法完成"), describe(exc), None)
        return
    detail = "".join(traceback.format_exception(type(exc), exc, exc.__traceback__))
    log.error("unexpected error:\n%s", detail)
    error(title or _t("程序错误"), describe(exc), detail)


def install_excepthook(error: Callable[[str, str, str | None], None]) -> None:
    """Route every uncaught exception (in slots and event handlers too) to the log and a dialog."""
    showing = []

    def hook(exc_type, exc, tb):
        if issubclass(exc_type, KeyboardInterrupt):
            sys.__excepthook__(exc_type, exc, tb)
            return
        if exc.__traceback__ is None:
            exc = exc.with_traceback(tb)
        if showing:  # an error inside the error dialog: log only
            log.error("error while showing an error", exc_info=(exc_type, exc, tb))
            return
        showing.append(True)
        try:
            report(exc, error)
        finally:
            showing.clear()

    sys.excepthook = hook
