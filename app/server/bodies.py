"""The sync protocol's request and answer bodies (pydantic), and the refusals every endpoint may
answer: the OpenAPI schema says exactly this, and a schemathesis run in the tests checks every
answer against it."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from app.sync import county_service, signing

INT_MAX = 2**62  # every integer the protocol carries fits PostgreSQL's bigint

Id = Annotated[str, Field(min_length=1, max_length=36, pattern=r"^[^\x00]*$")]
Seq = Annotated[int, Field(ge=0, le=INT_MAX)]


class _Body(BaseModel):
    # Strict: "1" is not an integer and true is not a number; unknown fields are ignored so a
    # newer laptop can add some.
    model_config = ConfigDict(strict=True, extra="ignore")


PublicKey = Annotated[str, Field(pattern=signing.HEX_KEY, description="Ed25519 公钥（64 位十六进制）")]


class EnrolBody(_Body):
    token: Annotated[str, Field(min_length=1, max_length=200)] = Field(description="县里发的一次性登记码")
    public_key: PublicKey | None = None


class KeyBody(_Body):
    public_key: PublicKey


class HelloBody(_Body):
    replica_id: Id
    incarnation_id: Id
    protocol: Annotated[int, Field(ge=0, le=1_000_000)]
    clock_ms: Annotated[int, Field(ge=-INT_MAX, le=INT_MAX)]
    pulled_server_seq: Seq = 0


class PushBody(_Body):
    incarnation_id: Id
    through: Seq
    changes: Annotated[list[dict[str, Any]], Field(max_length=county_service.MAX_PUSH)] = Field(
        description="change records (app/sync/wire.py WIRE_KEYS) in the sender's log order; a "
                    "record that fails validation is parked for review and still acknowledged")


class PullBody(_Body):
    after: Seq
    limit: Annotated[int, Field(ge=1, le=INT_MAX)] | None = None
    # The laptop's database incarnation: what the server received from it is not sent back.
    incarnation_id: Id | None = None


class DigestBody(_Body):
    # Only these of the device's villages (those a sync touched); all when absent.
    villages: list[str] | None = None


class ErrorBody(BaseModel):
    """Every refusal: a Chinese message for the person at the laptop."""
    detail: str = Field(description="中文说明")


class FieldError(BaseModel):
    loc: list[str]
    msg: str
    type: str


class InvalidBody(ErrorBody):
    """A request body that does not match its schema: where, never the values received."""
    errors: list[FieldError]


class HealthBody(BaseModel):
    status: str
    database: str
    server_seq: int | None = None
    detail: str | None = None


def _error(description: str, model: type[BaseModel] = ErrorBody) -> dict:
    return {"model": model, "description": description}


# What every sync endpoint may answer besides its 200.
ERRORS = {
    400: _error("请求内容不是有效的 JSON（UTF-8、无 NaN/Infinity、最多 64 层），或压缩格式不对"),
    401: _error("缺少或无效的设备密钥"),
    403: _error("设备已停用、登记码无效，或搁置待审核的变更已达上限"),
    409: _error("协议版本不一致、设备已绑定另一个数据库，或签名公钥已存在"),
    413: _error("上传的内容（或解压后的内容）太大"),
    415: _error("不支持的压缩方式"),
    422: _error("请求格式不对", InvalidBody),
    429: _error("请求太频繁（Retry-After：几秒后再试）"),
    500: _error("县服务器内部错误（已记录，不含请求内容）"),
    503: _error("县服务器的数据库暂时无法访问，请稍后再试"),
}
