"""Key files: one JSON object in the Multikey shape, written atomically with mode 0600.

::

    {
      "type": "Multikey",
      "keyType": "Ed25519",
      "publicKeyMultibase": "z6Mk…",
      "secretKeyMultibase": "z3u2…",
      "publicKeyJwk": {"kty": "OKP", "crv": "Ed25519", "x": "…"}
    }

``secretKeyMultibase`` may be absent (a public-only key file). ``publicKeyJwk`` is written for
convenience and, when present on load, must describe the same key.
"""

from __future__ import annotations

import contextlib
import hmac
import json
import logging
import os
import tempfile
from pathlib import Path
from typing import Any

from ..errors import DidkitError, InvalidInput, StorageError
from ._curves import public_matches_secret
from ._types import KeyPair, KeyType
from .jwk import key_pair_from_jwk, public_jwk
from .multikey import multikey_decode, multikey_encode, secret_multikey_decode, secret_multikey_encode

__all__ = ["MAX_KEY_FILE_BYTES", "key_file_json", "load_key_file", "parse_key_file", "save_key_file"]

log = logging.getLogger(__name__)

#: A key file is a few hundred bytes; anything much larger is not one.
MAX_KEY_FILE_BYTES = 64 * 1024
_TYPE = "Multikey"


def key_file_json(kp: KeyPair) -> dict[str, Any]:
    """The key file object for ``kp`` (contains the secret when ``kp`` has one)."""
    key_type = KeyType(kp.key_type)
    out: dict[str, Any] = {
        "type": _TYPE,
        "keyType": key_type.value,
        "publicKeyMultibase": multikey_encode(key_type, kp.public_key),
    }
    if kp.secret_key is not None:
        if not public_matches_secret(key_type, kp.public_key, kp.secret_key):
            raise InvalidInput("secret key does not belong to the public key", code="keyfile.mismatch")
        out["secretKeyMultibase"] = secret_multikey_encode(key_type, kp.secret_key)
    out["publicKeyJwk"] = public_jwk(kp)
    return out


def save_key_file(path: str | os.PathLike[str], kp: KeyPair, *, overwrite: bool = False) -> None:
    """Write ``kp`` to ``path`` atomically, readable only by the owner.

    The file appears complete or not at all: a temporary file in the same directory is written,
    fsynced, and then linked (or, with ``overwrite``, renamed) into place. Without ``overwrite``
    an existing file is never replaced, so a key cannot be lost by accident.
    """
    target = Path(path)
    data = (json.dumps(key_file_json(kp), indent=2) + "\n").encode("utf-8")
    directory = target.parent
    if not directory.is_dir():
        raise StorageError(f"directory does not exist: {directory}", code="keyfile.no_dir")
    if not overwrite and target.exists():
        raise StorageError(f"refusing to overwrite existing key file {target}", code="keyfile.exists")
    tmp_name: str | None = None
    try:
        fd, tmp_name = tempfile.mkstemp(dir=directory, prefix=f".{target.name}.", suffix=".tmp")
        try:
            os.fchmod(fd, 0o600)
            with os.fdopen(fd, "wb") as fh:
                fh.write(data)
                fh.flush()
                os.fsync(fh.fileno())
        except BaseException:
            with contextlib.suppress(OSError):
                os.close(fd)
            raise
        if overwrite:
            os.replace(tmp_name, target)
        else:
            try:
                os.link(tmp_name, target)  # fails if the target appeared meanwhile
            except FileExistsError:
                raise StorageError(
                    f"refusing to overwrite existing key file {target}", code="keyfile.exists"
                ) from None
            os.unlink(tmp_name)
        tmp_name = None
        _fsync_dir(directory)
    except OSError as exc:
        raise StorageError(f"cannot write key file {target}: {exc.strerror}", code="keyfile.write") from None
    finally:
        if tmp_name is not None:
            with contextlib.suppress(OSError):
                os.unlink(tmp_name)


def _fsync_dir(directory: Path) -> None:
    try:
        dfd = os.open(directory, os.O_RDONLY)
    except OSError:
        return
    try:
        os.fsync(dfd)
    except OSError:
        pass
    finally:
        os.close(dfd)


def load_key_file(path: str | os.PathLike[str]) -> KeyPair:
    """Read and fully validate a key file written by :func:`save_key_file`."""
    target = Path(path)
    try:
        with target.open("rb") as fh:
            raw = fh.read(MAX_KEY_FILE_BYTES + 1)
    except FileNotFoundError:
        raise StorageError(f"key file not found: {target}", code="keyfile.not_found") from None
    except IsADirectoryError:
        raise StorageError(f"key file is a directory: {target}", code="keyfile.read") from None
    except OSError as exc:
        raise StorageError(f"cannot read key file {target}: {exc.strerror}", code="keyfile.read") from None
    with contextlib.suppress(OSError):
        if os.stat(target).st_mode & 0o077:
            log.warning("key file is readable by other users; chmod 600 it", extra={"path": str(target)})
    if len(raw) > MAX_KEY_FILE_BYTES:
        raise InvalidInput(f"key file is larger than {MAX_KEY_FILE_BYTES} bytes", code="keyfile.too_large")
    try:
        obj = json.loads(raw.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        # No detail: a JSON error message could quote part of the secret.
        raise InvalidInput("key file is not valid JSON", code="keyfile.json") from None
    return parse_key_file(obj)


def parse_key_file(obj: Any) -> KeyPair:
    """Validate a parsed key file object and return its key pair."""
    if not isinstance(obj, dict):
        raise InvalidInput("key file must be a JSON object", code="keyfile.shape")
    if obj.get("type") != _TYPE:
        raise InvalidInput(f"key file 'type' must be {_TYPE!r}", code="keyfile.type", at="/type")
    try:
        key_type = KeyType(str(obj.get("keyType")))
    except ValueError:
        raise InvalidInput(
            f"key file 'keyType' must be one of {', '.join(k.value for k in KeyType)}",
            code="keyfile.key_type",
            at="/keyType",
        ) from None
    pk_type, public = multikey_decode(obj.get("publicKeyMultibase"), at="/publicKeyMultibase")  # type: ignore[arg-type]
    if pk_type is not key_type:
        raise InvalidInput(
            f"publicKeyMultibase holds a {pk_type} key, keyType says {key_type}",
            code="keyfile.mismatch",
            at="/publicKeyMultibase",
        )
    secret: bytes | None = None
    if "secretKeyMultibase" in obj:
        sk_type, secret = secret_multikey_decode(obj["secretKeyMultibase"], at="/secretKeyMultibase")
        if sk_type is not key_type:
            raise InvalidInput(
                "secretKeyMultibase holds a different key type",
                code="keyfile.mismatch",
                at="/secretKeyMultibase",
            )
        if not public_matches_secret(key_type, public, secret):
            raise InvalidInput(
                "secret key does not belong to the public key",
                code="keyfile.mismatch",
                at="/secretKeyMultibase",
            )
    if "publicKeyJwk" in obj:
        try:
            jwk_kp = key_pair_from_jwk(obj["publicKeyJwk"], at="/publicKeyJwk")
        except DidkitError as exc:
            raise InvalidInput(
                f"publicKeyJwk: {exc.message}", code="keyfile.jwk", at="/publicKeyJwk"
            ) from exc
        if jwk_kp.secret_key is not None:
            raise InvalidInput("publicKeyJwk must not hold 'd'", code="keyfile.jwk", at="/publicKeyJwk/d")
        if jwk_kp.key_type is not key_type or not hmac.compare_digest(jwk_kp.public_key, public):
            raise InvalidInput(
                "publicKeyJwk describes a different key", code="keyfile.mismatch", at="/publicKeyJwk"
            )
    return KeyPair(key_type, public, secret)
