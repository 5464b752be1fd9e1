"""Log lines that never carry an ID number or a phone number (server and laptop).

`install()` puts MaskFilter on every handler of the root logger: whatever a message, its arguments,
an exception's text or a stack holds, an 18-character 身份证 number (and the old 15-digit form) and a
mobile phone number are replaced before the line is written. `log_failure()` logs an unexpected
exception by its type and stack only, never its message (a database error's message holds the
statement's values).
"""

from __future__ import annotations

import logging
import re
import traceback

from app.domain.privacy import ID_IN_TEXT

PHONE = re.compile(r"(?<!\d)1[3-9]\d{9}(?!\d)")
ID_MASK, PHONE_MASK = "<id-number>", "<phone>"


def mask(text: str) -> str:
    """`text` with ID numbers and mobile phone numbers replaced."""
    return PHONE.sub(PHONE_MASK, ID_IN_TEXT.sub(ID_MASK, text))


class MaskFilter(logging.Filter):
    """Masks the whole rendered line: message with its arguments, exception text, stack."""

    _formatter = logging.Formatter()

    def filter(self, record: logging.LogRecord) -> bool:
        try:
            message = record.getMessage()
        except Exception:  # noqa: BLE001 - a bad format string: log it unrendered, masked
            message = f"{record.msg} {record.args!r}"
        record.msg, record.args = mask(message), None
        if record.exc_info and not record.exc_text:
            record.exc_text = self._formatter.formatException(record.exc_info)
        if record.exc_text:
            record.exc_text = mask(record.exc_text)
        if record.stack_info:
            record.stack_info = mask(record.stack_info)
        return True


def install(logger: logging.Logger | None = None) -> None:
    """MaskFilter on every handler of `logger` (the root logger) that lacks one."""
    for handler in (logger or logging.getLogger()).handlers:
        if not any(isinstance(f, MaskFilter) for f in handler.filters):
            handler.addFilter(MaskFilter())


def log_failure(logger: logging.Logger, what: str, exc: BaseException) -> None:
    """An unexpected failure: its type and where it happened, never its message or the request."""
    frames = "".join(traceback.format_tb(exc.__traceback__))
    logger.error("%s: %s\n%s", what, type(exc).__name__, frames.rstrip())
