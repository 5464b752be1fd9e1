"""Ed25519 signatures of bundles (cryptography): keys that a database dump cannot reveal.

- A laptop keeps its private key (`replica.signing_key`) and signs its bundles with it; the county
  server stores only the public key (`sync_device.public_key`), given at enrolment or, for a laptop
  enrolled before, sent once authenticated by its device key (endpoint `key`, at the next sync).
- The county server signs return bundles with its own key, kept in a file outside the database
  (KACE_SERVER_KEY, default `server-signing.key` in the data folder, mode 600); laptops learn its
  public key from `hello` and refuse a return bundle signed otherwise.
Keys travel as hex of their 32 raw bytes; a signature as hex of its 64 bytes.
"""

from __future__ import annotations

import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat, PublicFormat

HEX_KEY = r"^[0-9a-f]{64}$"


def new_private_key() -> str:
    key = Ed25519PrivateKey.generate()
    return key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption()).hex()


def public_key(private_hex: str) -> str:
    key = Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex))
    return key.public_key().public_bytes(Encoding.Raw, PublicFormat.Raw).hex()


def sign(private_hex: str, data: bytes) -> str:
    return Ed25519PrivateKey.from_private_bytes(bytes.fromhex(private_hex)).sign(data).hex()


def valid(public_hex: str | None, data: bytes, signature: str) -> bool:
    """Whether `signature` (hex) is the signature of `data` by the holder of `public_hex`."""
    if not public_hex:
        return False
    try:
        Ed25519PublicKey.from_public_bytes(bytes.fromhex(public_hex)).verify(bytes.fromhex(signature), data)
    except (InvalidSignature, ValueError):
        return False
    return True


def server_key_path() -> Path:
    from app import paths

    return Path(os.environ.get("KACE_SERVER_KEY") or paths.data_dir() / "server-signing.key")


def server_private_key() -> str:
    """The county server's signing key, created (mode 600) the first time it is needed."""
    path = server_key_path()
    try:
        text = path.read_text(encoding="ascii").strip()
        bytes.fromhex(text)
        if len(text) == 64:
            return text
    except FileNotFoundError:
        pass
    except (OSError, ValueError) as e:
        raise RuntimeError(f"县服务器的签名密钥文件无法读取：{path}（{e}）") from None
    key = new_private_key()
    path.parent.mkdir(parents=True, exist_ok=True)
    try:
        fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:  # another process made it just now
        return server_private_key()
    with os.fdopen(fd, "w", encoding="ascii") as f:
        f.write(key + "\n")
    return key


def server_public_key() -> str:
    return public_key(server_private_key())
