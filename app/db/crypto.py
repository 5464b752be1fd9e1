"""Encryption at rest (issue #8): SQLCipher with one random data key per database.

The data key (32 random bytes) is the raw SQLCipher key (`PRAGMA key = "x'..'"`, no passphrase
derivation). It is never stored as such: the keys file beside the database, `<db>.keys.json`,
holds it once per user, wrapped (AES-256-GCM) with a key derived from that user's password
(Argon2id, a salt per user). So:

- a log-in unwraps the data key before the database is opened (nothing is opened on a wrong
  password);
- changing a password rewraps one entry of the keys file; the database file is not touched;
- an administrator, whose log-in unwrapped the data key, wraps it for another user's new password
  (reset); disabling a user removes their entry.

A file is encrypted when its header is not SQLite's and a keys file lies beside it; a keys file
beside a plain SQLite file is ignored (left over from an encryption that was interrupted before
the swap). Plain SQLite stays the default; `kace db encrypt` converts a file (encrypt_database).

The one place that decides "plain or encrypted, with which key" is `url()` for engines and
`connect()` for DB-API connections (checks, backups): both use the sqlcipher3 module only when a
key is given, Python's sqlite3 otherwise.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sqlite3
from dataclasses import dataclass, field
from pathlib import Path

from argon2.low_level import Type, hash_secret_raw
from sqlalchemy.engine import URL, Engine

from app import fileops, paths
from app.db.engine import readonly_uri, sqlite_url
from app.db.refusal import SQLITE_MAGIC, DatabaseRefused
from app.domain.errors import DomainError

try:  # SQLCipher 4 (the sqlcipher3-wheels package); missing on a platform without its wheel
    import sqlcipher3
except ImportError:  # pragma: no cover - depends on the platform
    sqlcipher3 = None

log = logging.getLogger(__name__)

KEYS_SUFFIX = ".keys.json"
ASIDE_SUFFIX = ".plain-old"  # the plain file's second name while it is swapped out and wiped
KEY_BYTES = 32
FORMAT = "kace-keys"
# Argon2id, RFC 9106's second recommended option (64 MiB, 3 passes, 4 lanes): ~0.1-0.3 s a log-in.
ARGON2 = {"t": 3, "m": 64 * 1024, "p": 4}
# Errors of either driver (a check or a copy may go through sqlite3 or sqlcipher3).
ERRORS: tuple[type[Exception], ...] = (sqlite3.Error,) + ((sqlcipher3.Error,) if sqlcipher3 else ())

UNAVAILABLE = ("此数据库已加密，但本机安装的卡册不含 SQLCipher 加密组件（sqlcipher3），无法打开。"
               "请安装带加密支持的卡册版本。")


class WrongPassword(DatabaseRefused):
    """The user name and password do not unlock the database (exit code 3, nothing opened)."""

    def __init__(self, path: Path):
        super().__init__(
            "用户名或密码不正确，无法打开加密的数据库。"
            f"（数据库加密后还没有重设过密码的用户，请管理员先为其重设密码：{paths.cli_name()} user passwd 用户名）",
            f"wrong user or password for {path}")


def available() -> bool:
    """True when SQLCipher can be used here (the sqlcipher3 wheel installed)."""
    return sqlcipher3 is not None


def require_available() -> None:
    if sqlcipher3 is None:
        raise DatabaseRefused(UNAVAILABLE, "sqlcipher3 is not installed")


def keys_path(db: str | Path) -> Path:
    db = Path(db)
    return db.with_name(db.name + KEYS_SUFFIX)


def is_encrypted(db: str | Path) -> bool:
    """An encrypted Kace database: not a SQLite header, and its keys file beside it."""
    db = Path(db)
    if not keys_path(db).is_file() or not db.is_file():
        return False
    try:
        with db.open("rb") as f:
            header = f.read(len(SQLITE_MAGIC))
    except OSError:
        return False
    return len(header) == len(SQLITE_MAGIC) and header != SQLITE_MAGIC


def locked_message(db: Path) -> str:
    return (f"数据库已加密：{db}。需要用户名和密码才能打开"
            "（命令行：--user 用户名，密码在提示时输入或放在环境变量 KACE_PASSWORD 中）。")


# --- the keys file -------------------------------------------------------------------------

def _b64(data: bytes) -> str:
    return base64.b64encode(data).decode("ascii")


def _kek(password: str, salt: bytes, params: dict) -> bytes:
    return hash_secret_raw(password.encode("utf-8"), salt, time_cost=params["t"],
                           memory_cost=params["m"], parallelism=params["p"], hash_len=32,
                           type=Type.ID)


def _aad(username: str) -> bytes:
    return f"{FORMAT}/1/{username}".encode()


def _wrap(data_key: bytes, username: str, password: str) -> dict:
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    salt, nonce = os.urandom(16), os.urandom(12)
    wrapped = AESGCM(_kek(password, salt, ARGON2)).encrypt(nonce, data_key, _aad(username))
    return {"kdf": "argon2id", **ARGON2, "salt": _b64(salt), "nonce": _b64(nonce),
            "wrapped": _b64(wrapped)}


def _unwrap(entry: dict, username: str, password: str) -> bytes | None:
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        kek = _kek(password, base64.b64decode(entry["salt"]), entry)
        return AESGCM(kek).decrypt(base64.b64decode(entry["nonce"]),
                                   base64.b64decode(entry["wrapped"]), _aad(username))
    except (InvalidTag, KeyError, ValueError, TypeError):
        return None


def _load(db: Path) -> dict:
    path = keys_path(db)
    try:
        data = json.loads(path.read_text("utf-8"))
    except FileNotFoundError:
        raise DatabaseRefused(f"加密数据库的密钥文件不存在：{path}") from None
    except (OSError, ValueError) as e:
        raise DatabaseRefused(f"无法读取加密数据库的密钥文件：{path}（{e}）", str(e)) from e
    if not isinstance(data, dict) or data.get("format") != FORMAT or not isinstance(data.get("users"), dict):
        raise DatabaseRefused(f"这不是卡册的密钥文件：{path}")
    return data


def _save(db: Path, data: dict) -> None:
    """Written to a temporary name, flushed, then renamed: never a half keys file."""
    path = keys_path(db)
    tmp = path.with_name(path.name + ".part")
    try:
        with open(tmp, "w", encoding="utf-8") as f:
            json.dump(data, f, ensure_ascii=False, indent=1)
            f.flush()
            os.fsync(f.fileno())
        fileops.replace(tmp, path)
    except fileops.FileBusy as e:
        tmp.unlink(missing_ok=True)
        raise DatabaseRefused(f"无法写入密钥文件：{e.message}", str(e.__cause__)) from e
    except OSError as e:
        tmp.unlink(missing_ok=True)
        raise DatabaseRefused(f"无法写入密钥文件：{path}（{e.strerror}）", str(e)) from e


def unlock(db: str | Path, username: str, password: str) -> bytes:
    """The data key of an encrypted database, unwrapped by this user's password.
    Raises WrongPassword (nothing is opened) or DatabaseRefused."""
    db = Path(db).expanduser().absolute()
    require_available()
    name = (username or "").strip()
    entry = _load(db)["users"].get(name)
    key = _unwrap(entry, name, password or "") if entry else None
    if key is None or len(key) != KEY_BYTES:
        raise WrongPassword(db)
    _wipe_leftover(db)
    return key


def users_with_keys(db: str | Path) -> set[str]:
    return set(_load(Path(db))["users"])


def copy_keys(db: Path, other: Path) -> None:
    """A copy of `db` made with the same data key (a backup) gets the keys file too, so it can
    be opened on its own with the passwords of today."""
    _save(other, _load(db))


def _engine_file(engine: Engine) -> tuple[Path, bytes] | None:
    url = engine.url
    if url.get_driver_name() != "pysqlcipher" or not url.password:
        return None
    return Path(url.database), bytes.fromhex(url.password[2:-1])


def engine_key(engine: Engine) -> bytes | None:
    """The data key an engine was opened with; None for a plain database."""
    found = _engine_file(engine)
    return found[1] if found else None


def grant(engine: Engine, username: str, password: str) -> None:
    """Wrap the data key of the engine's database for this user's (new) password. The database
    file is not touched. Nothing to do for a plain database."""
    found = _engine_file(engine)
    if found is None:
        return
    db, key = found
    data = _load(db)
    data["users"][username] = _wrap(key, username, password)
    _save(db, data)


def revoke(engine: Engine, username: str) -> None:
    """A disabled user's wrapped key is removed: their password opens nothing any more."""
    found = _engine_file(engine)
    if found is None:
        return
    data = _load(found[0])
    if data["users"].pop(username, None) is not None:
        _save(found[0], data)


# --- connections ---------------------------------------------------------------------------

def url(path: str | Path, key: bytes | None = None) -> URL:
    """The engine URL: plain SQLite without a key, SQLCipher (raw key) with one. A URL object,
    never a string to parse again (`#` and `%` in folder names)."""
    if key is None:
        return sqlite_url(path)
    require_available()
    return URL.create("sqlite+pysqlcipher", username="", password=f"x'{key.hex()}'",
                      database=str(Path(path)))


def connect(path: str | Path, key: bytes | None = None, *, readonly: bool = False):
    """A DB-API connection: sqlite3 for a plain file, sqlcipher3 keyed with `key`. A key that
    does not decrypt the file raises DatabaseRefused."""
    if key is None:
        return sqlite3.connect(readonly_uri(path) if readonly else str(path), uri=readonly)
    require_available()
    return _sqlcipher(path, key, readonly)


def _sqlcipher(path: str | Path, key: bytes | None, readonly: bool = False):
    conn = sqlcipher3.connect(readonly_uri(path) if readonly else str(path), uri=readonly)
    try:
        conn.execute("PRAGMA cipher_log_level = NONE")  # wrong keys are reported here, not on stderr
        if key is not None:
            conn.execute(f"PRAGMA key = {_key_literal(key)}")
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
    except sqlcipher3.DatabaseError as e:
        conn.close()
        raise DatabaseRefused(f"无法解密数据库（密钥与数据库不匹配，或文件已损坏）：{path}", str(e)) from e
    return conn


def copy_database(src: Path, dest: Path, src_key: bytes | None, dest_key: bytes | None) -> Path:
    """A consistent copy of a live database (WAL included) as one self-contained file (no
    -wal/-shm beside it). Same key: SQLite's online backup API; otherwise sqlcipher_export."""
    if src_key == dest_key:
        source = connect(src, src_key, readonly=True)
    else:  # the export function is SQLCipher's, so its driver even for a plain side
        require_available()
        source = _sqlcipher(src, src_key)
    try:
        if src_key == dest_key:
            target = connect(dest, dest_key)
            try:
                source.backup(target)
                target.execute("PRAGMA journal_mode=DELETE")
            finally:
                target.close()
        else:
            source.execute("ATTACH DATABASE ? AS target KEY " + _key_literal(dest_key), (str(dest),))
            source.execute("SELECT sqlcipher_export('target')")
            source.execute("DETACH DATABASE target")
    finally:
        source.close()
    return dest


def _key_literal(key: bytes | None) -> str:
    return f"\"x'{key.hex()}'\"" if key else "''"


# --- converting a plain database -----------------------------------------------------------

@dataclass
class EncryptReport:
    path: Path
    keys: Path
    granted: str
    wiped: bool
    plain_backups: list[Path] = field(default_factory=list)


def encrypt_database(db: str | Path, username: str, password: str,
                     plain_backups: list[Path] = ()) -> EncryptReport:
    """Convert a plain database in place: an encrypted copy is made beside it, verified (integrity
    check, the same rows in every table), then swapped in atomically; the plain file is then
    overwritten with zeros and removed. The caller has checked that `username` is an
    administrator with this password. Other users need a new password afterwards."""
    db = Path(db).expanduser().absolute()
    if not available():
        raise DatabaseRefused("本机安装的卡册不含 SQLCipher 加密组件（sqlcipher3），不能加密数据库。")
    _wipe_leftover(db)
    if is_encrypted(db):
        raise DomainError("数据库", f"数据库已经加密：{db}")
    key = os.urandom(KEY_BYTES)
    staged = db.with_name(db.name + ".encrypting")
    staged.unlink(missing_ok=True)
    source = _exclusive(db)
    try:
        copy_database(db, staged, None, key)
        _verify_copy(source, staged, key)
        fileops.fsync_file(staged)  # opened for writing: Windows refuses fsync on a read-only handle
        _save(db, {"format": FORMAT, "version": 1, "cipher": "sqlcipher4",
                   "users": {username: _wrap(key, username, password)}})
    except BaseException:
        source.close()
        staged.unlink(missing_ok=True)
        raise
    source.close()
    wiped = _swap(db, staged)
    return EncryptReport(db, keys_path(db), username, wiped, [p for p in plain_backups if p.exists()])


def _exclusive(db: Path):
    """The plain file alone: out of WAL mode (which needs every other connection closed) and
    locked against writers until the copy is made and checked."""
    conn = sqlite3.connect(db, timeout=2, isolation_level=None)
    try:
        conn.execute("PRAGMA wal_checkpoint(TRUNCATE)")
        if conn.execute("PRAGMA journal_mode=DELETE").fetchone()[0].lower() != "delete":
            raise sqlite3.OperationalError("database is locked")
        conn.execute("BEGIN IMMEDIATE")  # other readers may read, nobody writes
    except sqlite3.Error as e:
        conn.close()
        raise DatabaseRefused(f"数据库正在被使用（卡册是否还开着？），请关闭后再加密：{db}", str(e)) from e
    return conn


def _verify_copy(source, staged: Path, key: bytes) -> None:
    enc = connect(staged, key, readonly=True)
    try:
        result = [r[0] for r in enc.execute("PRAGMA integrity_check")]
        tables = [r[0] for r in source.execute(
            "SELECT name FROM sqlite_master WHERE type='table' AND name NOT LIKE 'sqlite_%'")]
        differ = [t for t in tables
                  if source.execute(f'SELECT count(*) FROM "{t}"').fetchone()
                  != enc.execute(f'SELECT count(*) FROM "{t}"').fetchone()]
    finally:
        enc.close()
    if result != ["ok"] or differ:
        raise DatabaseRefused("加密后的副本未通过检查，原数据库未改变",
                              f"integrity {result[:3]}, tables differ {differ}")


def _swap(db: Path, staged: Path) -> bool:
    """Atomic swap; the plain file keeps a second name until it is overwritten and removed.
    True when it could be overwritten (False: removed only, on a file system without links)."""
    aside = db.with_name(db.name + ASIDE_SUFFIX)
    aside.unlink(missing_ok=True)
    try:
        os.link(db, aside)
    except OSError:
        aside = None
    fileops.replace(staged, db)  # a crash leaves either the plain file or the encrypted one
    for extra in ("-wal", "-shm", "-journal"):
        fileops.unlink(Path(str(db) + extra))  # the plain file's, if any
    fileops.fsync_dir(db.parent)
    if aside is None:
        return False
    _wipe(aside)
    return True


def _wipe(path: Path) -> None:
    """Overwrite a file with zeros, flush it to the disk, remove it. Best effort: a flash disk or
    a copy-on-write file system may keep old blocks elsewhere."""
    size = path.stat().st_size
    with open(path, "r+b") as f:
        zeros = bytes(1 << 20)
        for offset in range(0, size, len(zeros)):
            f.write(zeros[: min(len(zeros), size - offset)])
        f.flush()
        os.fsync(f.fileno())
    fileops.unlink(path, missing_ok=False)


def _wipe_leftover(db: Path) -> None:
    """An encryption interrupted after the swap leaves the plain file under its second name."""
    aside = db.with_name(db.name + ASIDE_SUFFIX)
    if not aside.exists():
        return
    if db.exists() and os.path.samefile(db, aside):
        aside.unlink()  # interrupted before the swap: only a second name of the live file
    else:
        log.warning("wiping the plain copy left by an interrupted encryption: %s", aside)
        _wipe(aside)
