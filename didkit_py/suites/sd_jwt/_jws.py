"""Compact JWS for SD-JWT: strict JSON, asymmetric algorithms only, and a small key adapter.

The Issuer-signed JWT, the Key Binding JWT and the status list token are all compact JWS
(RFC 7515 §7.1). We parse them ourselves rather than through a general JOSE library so that
every rule SD-JWT adds (no ``none``, no MAC algorithms, explicit ``typ``, strict base64url,
no duplicate JSON member names, size and depth limits) is enforced in one place and raises our
own errors.

The signing and verifying primitives go through :mod:`didkit_py.keys` (EdDSA, ES256, ES256K
with JOSE raw ``r||s`` signatures).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from typing import Any, Protocol

from ... import keys
from ..._encoding import b64url_decode, b64url_encode
from ...errors import InvalidInput, LimitExceeded, UnsupportedError, VerificationError

__all__ = [
    "DEFAULT_MAX_JSON_DEPTH",
    "JwsParts",
    "PublicKeyLike",
    "SigningKeyLike",
    "alg_for_key_type",
    "decode_jws",
    "key_type_for_alg",
    "loads_strict",
    "public_jwk",
    "public_key_from_jwk",
    "sign_jws",
    "verify_jws",
]

#: Deepest JSON nesting any SD-JWT part may have; deeper input is refused, not recursed into.
DEFAULT_MAX_JSON_DEPTH = 32

#: JWS ``alg`` per key type (the values of ``didkit_py.keys.KeyType``).
_ALG_BY_KEY_TYPE = {"Ed25519": "EdDSA", "P-256": "ES256", "secp256k1": "ES256K"}
_KEY_TYPE_BY_ALG = {v: k for k, v in _ALG_BY_KEY_TYPE.items()}
#: Symmetric (MAC) algorithms and ``none`` must never be accepted (RFC 9901 §4.1, §7.1 step 2.1).
_FORBIDDEN_ALGS = frozenset({"none", "HS256", "HS384", "HS512"})


class PublicKeyLike(Protocol):
    """Anything with a key type and raw public key bytes (``KeyPair``, ``VerificationMethod``)."""

    @property
    def key_type(self) -> Any: ...

    @property
    def public_key(self) -> bytes: ...


class SigningKeyLike(PublicKeyLike, Protocol):
    """A ``didkit_py.keys.KeyPair`` with its secret."""

    @property
    def secret_key(self) -> bytes | None: ...


def alg_for_key_type(key_type: Any) -> str:
    try:
        return _ALG_BY_KEY_TYPE[str(key_type)]
    except KeyError:
        raise UnsupportedError(f"no JWS algorithm for key type {key_type!s}", code="jws.key_type") from None


def key_type_for_alg(alg: str) -> str:
    if alg in _FORBIDDEN_ALGS:
        raise VerificationError(f"JWS algorithm {alg!r} is not allowed", code="jws.alg_forbidden", at="/alg")
    try:
        return _KEY_TYPE_BY_ALG[alg]
    except KeyError:
        raise UnsupportedError(
            f"unsupported JWS algorithm {alg!r}", code="jws.alg_unsupported", at="/alg"
        ) from None


def _reject_duplicates(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    out: dict[str, Any] = {}
    for k, v in pairs:
        if k in out:
            raise InvalidInput("duplicate JSON member name", code="json.duplicate_key", at="/" + k)
        out[k] = v
    return out


def _reject_constant(name: str) -> Any:
    raise InvalidInput(f"non-standard JSON constant {name}", code="json.constant")


def _check_depth(value: Any, max_depth: int) -> None:
    stack: list[tuple[Any, int]] = [(value, 1)]
    while stack:
        node, depth = stack.pop()
        if isinstance(node, dict | list):
            if depth > max_depth:
                raise LimitExceeded(f"JSON nested deeper than {max_depth}", code="json.depth")
            children = node.values() if isinstance(node, dict) else node
            stack.extend((c, depth + 1) for c in children)


def loads_strict(data: bytes | str, *, max_depth: int = DEFAULT_MAX_JSON_DEPTH, at: str | None = None) -> Any:
    """Parse JSON the way a security token needs: UTF-8, no duplicate names, no NaN, bounded depth."""
    if isinstance(data, bytes):
        try:
            data = data.decode("utf-8")
        except UnicodeDecodeError:
            raise InvalidInput("not UTF-8", code="json.encoding", at=at) from None
    # A cheap pre-check so that the C parser never recurses past our limit.
    if data.count("[") + data.count("{") > max_depth:
        depth = 0
        in_str = esc = False
        for ch in data:
            if in_str:
                if esc:
                    esc = False
                elif ch == "\\":
                    esc = True
                elif ch == '"':
                    in_str = False
            elif ch == '"':
                in_str = True
            elif ch in "[{":
                depth += 1
                if depth > max_depth:
                    raise LimitExceeded(f"JSON nested deeper than {max_depth}", code="json.depth", at=at)
            elif ch in "]}":
                depth -= 1
    try:
        value = json.loads(data, object_pairs_hook=_reject_duplicates, parse_constant=_reject_constant)
    except InvalidInput as exc:
        exc.at = exc.at if at is None else at
        raise
    except (json.JSONDecodeError, RecursionError, ValueError):
        raise InvalidInput("not valid JSON", code="json.syntax", at=at) from None
    _check_depth(value, max_depth)
    return value


def _dumps(value: Any) -> bytes:
    try:
        return json.dumps(value, separators=(",", ":"), ensure_ascii=False, allow_nan=False).encode("utf-8")
    except (TypeError, ValueError, UnicodeEncodeError) as exc:
        raise InvalidInput("JWT header or payload is not JSON", code="jws.json") from exc


class JwsParts:
    """A decoded compact JWS; ``signing_input`` is what the signature covers."""

    __slots__ = ("header", "payload", "signature", "signing_input", "token")

    def __init__(
        self,
        token: str,
        header: dict[str, Any],
        payload: dict[str, Any],
        signing_input: bytes,
        signature: bytes,
    ) -> None:
        self.token = token
        self.header = header
        self.payload = payload
        self.signing_input = signing_input
        self.signature = signature


def decode_jws(token: str, *, what: str = "JWT", max_depth: int = DEFAULT_MAX_JSON_DEPTH) -> JwsParts:
    """Split and decode a compact JWS without checking its signature (see :func:`verify_jws`)."""
    if not isinstance(token, str):
        raise InvalidInput(f"{what} must be a string", code="jws.type")
    parts = token.split(".")
    if len(parts) != 3:
        raise InvalidInput(f"{what} is not a compact JWS (three dot-separated parts)", code="jws.format")
    h_raw = b64url_decode(parts[0], at=f"{what}/header")
    p_raw = b64url_decode(parts[1], at=f"{what}/payload")
    sig = b64url_decode(parts[2], at=f"{what}/signature")
    header = loads_strict(h_raw, max_depth=max_depth, at=f"{what}/header")
    payload = loads_strict(p_raw, max_depth=max_depth, at=f"{what}/payload")
    if not isinstance(header, dict):
        raise InvalidInput(f"{what} header is not a JSON object", code="jws.header")
    if not isinstance(payload, dict):
        raise InvalidInput(f"{what} payload is not a JSON object", code="jws.payload")
    alg = header.get("alg")
    if not isinstance(alg, str):
        raise InvalidInput(f"{what} header has no alg", code="jws.alg_missing", at="/alg")
    if "crit" in header:
        raise UnsupportedError(f"{what} has critical header parameters we do not understand", code="jws.crit")
    return JwsParts(token, header, payload, (parts[0] + "." + parts[1]).encode("ascii"), sig)


def sign_jws(header: Mapping[str, Any], payload: Mapping[str, Any], key: SigningKeyLike) -> str:
    """Compact-serialize and sign; ``alg`` is set from the key type."""
    hdr = {"alg": alg_for_key_type(key.key_type), **{k: v for k, v in header.items() if k != "alg"}}
    signing_input = b64url_encode(_dumps(hdr)) + "." + b64url_encode(_dumps(dict(payload)))
    sig = keys.sign(key, signing_input.encode("ascii"))  # type: ignore[arg-type]
    return signing_input + "." + b64url_encode(sig)


def verify_jws(parts: JwsParts, key: PublicKeyLike, *, what: str = "JWT") -> None:
    """Check the signature with ``key``; the header ``alg`` must match the key's algorithm."""
    alg = parts.header["alg"]
    key_type = key_type_for_alg(alg)
    if str(key.key_type) != key_type:
        raise VerificationError(
            f"{what} alg {alg} does not match the {key.key_type!s} key",
            code="jws.alg_key_mismatch",
            at="/alg",
        )
    try:
        keys.verify_signature(
            keys.KeyType(str(key.key_type)), key.public_key, parts.signing_input, parts.signature
        )
    except VerificationError as exc:
        raise VerificationError(f"{what} signature is invalid", code="jws.signature") from exc
    except (InvalidInput, ValueError) as exc:
        raise VerificationError(f"{what} signature is invalid", code="jws.signature") from exc


def public_jwk(key: PublicKeyLike) -> dict[str, Any]:
    """The public JWK of a key (for ``cnf.jwk`` and issuer metadata)."""
    return dict(keys.public_jwk(key))  # type: ignore[arg-type]


def public_key_from_jwk(jwk: Any, *, at: str = "/cnf/jwk") -> Any:
    """A public-only ``KeyPair`` from a JWK; private members are refused (never accept secrets here)."""
    if not isinstance(jwk, dict):
        raise InvalidInput("JWK must be a JSON object", code="jwk.type", at=at)
    if "d" in jwk:
        raise InvalidInput("a public JWK must not contain private key material", code="jwk.private", at=at)
    try:
        return keys.key_pair_from_jwk(jwk)
    except (UnsupportedError, InvalidInput):
        raise
    except (KeyError, TypeError, ValueError) as exc:
        raise InvalidInput("malformed JWK", code="jwk.malformed", at=at) from exc
