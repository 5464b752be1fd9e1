"""How the county server says no: the Chinese messages, the refusal raised before an endpoint runs,
and what kind of database error an exception is (retry, park, or 503)."""

from __future__ import annotations

from fastapi.responses import JSONResponse

MSG_INTERNAL = "县服务器内部错误，已记录。请稍后再试；若一直如此，请联系县里的管理员"
MSG_DB_DOWN = "县服务器的数据库暂时无法访问，请稍后再试"
MSG_NO_KEY = "缺少设备密钥，请先登记本机"


class Refused(Exception):
    """A refusal answered before the endpoint runs (authentication, body encoding)."""

    def __init__(self, status: int, message: str):
        super().__init__(message)
        self.status = status
        self.message = message


def refusal(status: int, message: str) -> JSONResponse:
    return JSONResponse({"detail": message}, status_code=status)


def db_error(e: BaseException) -> str | None:
    """What kind of database error this is, whether SQLAlchemy wrapped it or the driver raised it
    directly (PostgreSQL COPY): "integrity", "data", "connection" or None."""
    names = {c.__name__ for c in type(e).__mro__}
    if "IntegrityError" in names:
        return "integrity"
    if "DataError" in names:
        return "data"
    if "OperationalError" in names or "InterfaceError" in names:
        text = str(getattr(e, "orig", None) or e).lower()
        if getattr(e, "connection_invalidated", False) or any(
                w in text for w in ("connection", "connect", "server closed", "terminating")):
            return "connection"
    return None


def first_line(e: BaseException) -> str:
    return (str(getattr(e, "orig", None) or e).strip().splitlines() or [""])[0][:200]
