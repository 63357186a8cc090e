"""SD-JWT: Selective Disclosure for JSON Web Tokens (RFC 9901).

Issuance (§4), presentation with Key Binding (§4.3), and verification (§7.1 - §7.3), written
from the RFC. Section numbers below are RFC 9901's.

Claim paths name the claims to make disclosable or to reveal. Two spellings are accepted:
a JSON pointer (``"/address/street_address"``, ``"/nationalities/1"``) or a claim path as in
DCQL (``["address", "street_address"]``, ``["nationalities", 1]``, ``["nationalities", None]``
for every element). Array indexes count the elements of the fully disclosed array.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import math
import os
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from ..._encoding import b64url_decode, b64url_encode
from ...errors import InvalidInput, LimitExceeded, UnsupportedError, VerificationError
from ._jws import (
    JwsParts,
    PublicKeyLike,
    SigningKeyLike,
    decode_jws,
    loads_strict,
    public_key_from_jwk,
    sign_jws,
    verify_jws,
)

__all__ = [
    "HASH_ALGORITHMS",
    "KB_JWT_TYP",
    "ClaimPath",
    "Disclosure",
    "Limits",
    "SdJwt",
    "VerifiedSdJwt",
    "check_validity_claims",
    "compute_sd_hash",
    "create_kb_jwt",
    "issue_sd_jwt",
    "normalize_claim_path",
    "parse_sd_jwt",
    "pointer_of",
    "present_sd_jwt",
    "random_salt",
    "sd_jwt_from_json",
    "sd_jwt_payload",
    "sd_jwt_to_json",
    "unfold_sd_jwt",
    "verify_sd_jwt",
]

KB_JWT_TYP = "kb+jwt"

#: Hash algorithms by their IANA "Named Information Hash Algorithm" names (§4.1.1).
HASH_ALGORITHMS: Mapping[str, Callable[[bytes], Any]] = {
    "sha-256": hashlib.sha256,
    "sha-384": hashlib.sha384,
    "sha-512": hashlib.sha512,
    "sha3-256": hashlib.sha3_256,
    "sha3-384": hashlib.sha3_384,
    "sha3-512": hashlib.sha3_512,
}

#: Claim names that carry SD-JWT structure and never name a claim (§4.1 rule 6).
_RESERVED_NAMES = frozenset({"_sd", "..."})

ClaimPath = tuple[str | int | None, ...]
PathInput = str | Sequence[str | int | None]
SaltSource = Callable[[], str]


@dataclass(frozen=True, slots=True)
class Limits:
    """Bounds on what a parser accepts from outside; exceeding one raises :class:`LimitExceeded`."""

    max_token_bytes: int = 1024 * 1024
    max_disclosures: int = 1024
    max_disclosure_bytes: int = 64 * 1024
    max_depth: int = 32
    max_digests: int = 16384


def random_salt(rng: Callable[[int], bytes] = os.urandom) -> str:
    """128 bits from a CSPRNG, base64url (§4.2.1, §9.3)."""
    return b64url_encode(rng(16))


def _hash(alg: str, data: bytes) -> bytes:
    try:
        fn = HASH_ALGORITHMS[alg]
    except KeyError:
        raise UnsupportedError(
            f"unsupported _sd_alg {alg!r}", code="sd_jwt.sd_alg_unsupported", at="/_sd_alg"
        ) from None
    return bytes(fn(data).digest())


def _digest(alg: str, text: str) -> str:
    """§4.2.3: the hash over the ASCII bytes of the base64url string, then base64url."""
    return b64url_encode(_hash(alg, text.encode("ascii")))


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One Disclosure (§4.2.1 / §4.2.2). ``name`` is ``None`` for an array element."""

    salt: str = field(repr=False)
    name: str | None
    value: Any = field(repr=False)
    encoded: str = field(repr=False)

    @classmethod
    def create(cls, salt: str, name: str | None, value: Any, *, ascii_json: bool = False) -> Disclosure:
        """JSON-encode ``[salt, name, value]`` (or ``[salt, value]``) and base64url it.

        The JSON is written as the RFC's examples are (``", "`` separators), so that fixed salts
        reproduce the specification's Disclosures byte for byte: UTF-8 kept by default (§4.2.1),
        or non-ASCII escaped as ``\\uXXXX`` with ``ascii_json`` (the generated examples of §5,
        Appendix A.2 and A.3). Both spellings are valid; verifiers hash what they receive.
        """
        if not isinstance(salt, str):
            raise InvalidInput("salt must be a string", code="sd_jwt.salt")
        if name is not None and name in _RESERVED_NAMES:
            raise InvalidInput(f"claim name {name!r} is reserved", code="sd_jwt.reserved_name", at="/" + name)
        arr = [salt, value] if name is None else [salt, name, value]
        try:
            raw = json.dumps(arr, ensure_ascii=ascii_json, allow_nan=False).encode("utf-8")
        except (TypeError, ValueError, UnicodeEncodeError) as exc:
            raise InvalidInput("claim value is not JSON", code="sd_jwt.claims") from exc
        encoded = b64url_encode(raw)
        return cls(salt, name, value, encoded)

    @classmethod
    def parse(cls, encoded: str, *, limits: Limits = Limits()) -> Disclosure:
        """Decode a Disclosure; shape errors are :class:`InvalidInput` (§7.1 step 3)."""
        if not isinstance(encoded, str):
            raise InvalidInput("a Disclosure must be a string", code="sd_jwt.disclosure_shape")
        if len(encoded) > limits.max_disclosure_bytes:
            raise LimitExceeded("Disclosure too large", code="sd_jwt.disclosure_too_large")
        raw = b64url_decode(encoded, at="disclosure")
        arr = loads_strict(raw, max_depth=limits.max_depth, at="disclosure")
        if not isinstance(arr, list) or len(arr) not in (2, 3):
            raise InvalidInput(
                "a Disclosure must be a JSON array of two or three elements", code="sd_jwt.disclosure_shape"
            )
        if not isinstance(arr[0], str):
            raise InvalidInput("Disclosure salt must be a string", code="sd_jwt.disclosure_shape")
        if len(arr) == 3:
            if not isinstance(arr[1], str):
                raise InvalidInput("Disclosure claim name must be a string", code="sd_jwt.disclosure_shape")
            return cls(arr[0], arr[1], arr[2], encoded)
        return cls(arr[0], None, arr[1], encoded)

    def digest(self, alg: str = "sha-256") -> str:
        return _digest(alg, self.encoded)


# --------------------------------------------------------------------------- claim paths


def normalize_claim_path(path: PathInput) -> ClaimPath:
    """A JSON pointer or a claim-path list, as a tuple of str / int / None (``None`` = every element)."""
    if isinstance(path, str):
        if not path.startswith("/"):
            raise InvalidInput("a JSON pointer must start with '/'", code="sd_jwt.path", at=path[:100])
        segs: list[str | int | None] = []
        for raw in path[1:].split("/"):
            seg = raw.replace("~1", "/").replace("~0", "~")
            if seg == "*":
                segs.append(None)
            elif seg.isdigit() and seg.isascii() and (seg == "0" or not seg.startswith("0")):
                segs.append(int(seg))
            else:
                segs.append(seg)
        return tuple(segs)
    if isinstance(path, Sequence) and not isinstance(path, bytes):
        out: list[str | int | None] = []
        for item in path:
            if (
                item is None
                or isinstance(item, str)
                or (isinstance(item, int) and not isinstance(item, bool) and item >= 0)
            ):
                out.append(item)
            else:
                raise InvalidInput(
                    "claim path elements are strings, indexes >= 0 or null", code="sd_jwt.path"
                )
        if not out:
            raise InvalidInput("empty claim path", code="sd_jwt.path")
        return tuple(out)
    raise InvalidInput("a claim path is a JSON pointer or a list", code="sd_jwt.path")


def _seg_matches(pattern: str | int | None, actual: str | int) -> bool:
    if isinstance(actual, int):
        if pattern is None:
            return True
        if isinstance(pattern, int):
            return pattern == actual
        return pattern.isdigit() and int(pattern) == actual
    # object member
    if pattern is None:
        return False
    return str(pattern) == actual


def _path_matches(pattern: ClaimPath, actual: Sequence[str | int]) -> bool:
    return len(pattern) == len(actual) and all(
        _seg_matches(p, a) for p, a in zip(pattern, actual, strict=True)
    )


def _path_is_prefix(pattern: ClaimPath, actual: Sequence[str | int]) -> bool:
    return len(pattern) <= len(actual) and all(
        _seg_matches(p, a) for p, a in zip(pattern, actual, strict=False)
    )


def pointer_of(path: Sequence[str | int]) -> str:
    """The JSON pointer of a concrete claim path."""
    return "".join("/" + str(s).replace("~", "~0").replace("/", "~1") for s in path)


# --------------------------------------------------------------------------- issuance


def _decoy_count(decoys: int | tuple[int, int], rng: Callable[[int], bytes]) -> int:
    if isinstance(decoys, int):
        return decoys
    lo, hi = decoys
    if lo < 0 or hi < lo:
        raise ValueError("decoys range must satisfy 0 <= lo <= hi")
    return lo + int.from_bytes(rng(4), "big") % (hi - lo + 1)


def sd_jwt_payload(
    claims: Mapping[str, Any],
    disclosable: Iterable[PathInput] = (),
    *,
    hash_alg: str = "sha-256",
    salt: SaltSource | None = None,
    decoys: int | tuple[int, int] = 0,
    rng: Callable[[int], bytes] = os.urandom,
    ascii_json: bool = False,
) -> tuple[dict[str, Any], list[Disclosure]]:
    """Build the Issuer-signed payload and its Disclosures (§4.1, §4.2).

    Children are processed before their parent, so a claim that is disclosable and has
    disclosable sub-claims gets a recursive Disclosure (§4.2.6 example "recursive"). Salts are
    drawn from ``salt`` in that order; ``_sd`` arrays are sorted (§4.2.4.1) after adding
    ``decoys`` decoy digests (a count, or a ``(lo, hi)`` range drawn from ``rng``) to every
    object that has at least one selectively disclosable claim.
    """
    if not isinstance(claims, Mapping):
        raise InvalidInput("claims must be a JSON object", code="sd_jwt.claims")
    if "_sd_alg" in claims:
        raise InvalidInput("_sd_alg is set by the issuer library", code="sd_jwt.reserved_name", at="/_sd_alg")
    _hash(hash_alg, b"")  # unknown algorithm -> UnsupportedError before any work
    patterns = [normalize_claim_path(p) for p in disclosable]
    matched = [False] * len(patterns)
    salt_fn: SaltSource = salt if salt is not None else (lambda: random_salt(rng))
    disclosures: list[Disclosure] = []

    # Index the patterns by length so that each claim is compared with few candidates.
    by_len: dict[int, list[tuple[int, ClaimPath]]] = {}
    for i, pat in enumerate(patterns):
        by_len.setdefault(len(pat), []).append((i, pat))

    def marked(path: tuple[str | int, ...]) -> bool:
        hit = False
        for i, pat in by_len.get(len(path), ()):
            if _seg_matches(pat[-1], path[-1]) and _path_matches(pat, path):
                matched[i] = True
                hit = True
        return hit

    def decoy_digests() -> list[str]:
        return [b64url_encode(_hash(hash_alg, rng(32))) for _ in range(_decoy_count(decoys, rng))]

    def build(value: Any, path: tuple[str | int, ...]) -> Any:
        if len(path) > 64:
            raise LimitExceeded("claims nested too deeply", code="sd_jwt.depth")
        if isinstance(value, Mapping):
            out: dict[str, Any] = {}
            digests: list[str] = []
            for k, v in value.items():
                if not isinstance(k, str):
                    raise InvalidInput("claim names must be strings", code="sd_jwt.claims")
                if k in _RESERVED_NAMES:
                    raise InvalidInput(
                        f"claim name {k!r} is reserved",
                        code="sd_jwt.reserved_name",
                        at=pointer_of((*path, k)),
                    )
                child = (*path, k)
                new_v = build(v, child)
                if marked(child):
                    d = Disclosure.create(salt_fn(), k, new_v, ascii_json=ascii_json)
                    disclosures.append(d)
                    digests.append(d.digest(hash_alg))
                else:
                    out[k] = new_v
            if digests:
                out = {"_sd": sorted(digests + decoy_digests()), **out}
            return out
        if isinstance(value, list | tuple):
            arr: list[Any] = []
            for i, el in enumerate(value):
                child = (*path, i)
                new_el = build(el, child)
                if marked(child):
                    d = Disclosure.create(salt_fn(), None, new_el, ascii_json=ascii_json)
                    disclosures.append(d)
                    arr.append({"...": d.digest(hash_alg)})
                else:
                    arr.append(new_el)
            return arr
        if isinstance(value, float) and not math.isfinite(value):
            raise InvalidInput("NaN and infinities are not JSON", code="sd_jwt.claims", at=pointer_of(path))
        if value is None or isinstance(value, str | int | float | bool):
            return value
        raise InvalidInput(
            f"claim value of type {type(value).__name__} is not JSON",
            code="sd_jwt.claims",
            at=pointer_of(path),
        )

    payload = build(claims, ())
    for pat, ok in zip(patterns, matched, strict=True):
        if not ok:
            raise InvalidInput(
                "disclosable claim path names no claim", code="sd_jwt.path_not_found", at=_fmt(pat)
            )
    payload["_sd_alg"] = hash_alg
    return payload, disclosures


def _fmt(path: ClaimPath) -> str:
    return "".join("/" + ("*" if s is None else str(s)) for s in path)


def issue_sd_jwt(
    claims: Mapping[str, Any],
    *,
    key: SigningKeyLike,
    disclosable: Iterable[PathInput] = (),
    typ: str | None = None,
    kid: str | None = None,
    header: Mapping[str, Any] | None = None,
    hash_alg: str = "sha-256",
    salt: SaltSource | None = None,
    decoys: int | tuple[int, int] = 0,
    rng: Callable[[int], bytes] = os.urandom,
    ascii_json: bool = False,
) -> str:
    """Sign the SD-JWT payload and return ``<JWT>~<Disclosure 1>~...~<Disclosure N>~`` (§4)."""
    payload, disclosures = sd_jwt_payload(
        claims, disclosable, hash_alg=hash_alg, salt=salt, decoys=decoys, rng=rng, ascii_json=ascii_json
    )
    hdr: dict[str, Any] = dict(header or {})
    if typ is not None:
        hdr["typ"] = typ
    if kid is not None:
        hdr["kid"] = kid
    jwt = sign_jws(hdr, payload, key)
    return jwt + "~" + "".join(d.encoded + "~" for d in disclosures)


# --------------------------------------------------------------------------- parsing


@dataclass(frozen=True, slots=True)
class SdJwt:
    """A parsed SD-JWT (§4 compact serialization); nothing is verified yet."""

    jwt: JwsParts = field(repr=False)
    disclosures: tuple[Disclosure, ...] = field(repr=False)
    kb_jwt: str | None = field(repr=False)

    @property
    def header(self) -> dict[str, Any]:
        return self.jwt.header

    @property
    def payload(self) -> dict[str, Any]:
        return self.jwt.payload

    @property
    def hash_alg(self) -> str:
        alg = self.jwt.payload.get("_sd_alg", "sha-256")
        if not isinstance(alg, str):
            raise InvalidInput("_sd_alg must be a string", code="sd_jwt.sd_alg", at="/_sd_alg")
        return alg

    def serialize_without_kb(self) -> str:
        """``<JWT>~<D1>~...~<Dn>~``: the bytes ``sd_hash`` covers (§4.3.1)."""
        return self.jwt.token + "~" + "".join(d.encoded + "~" for d in self.disclosures)


def sd_jwt_to_json(token: str, *, general: bool = False) -> dict[str, Any]:
    """The JWS JSON Serialization of a compact SD-JWT (§8): flattened, or general with one signature.

    The Disclosures and the KB-JWT travel in the unprotected ``header`` as ``disclosures`` and
    ``kb_jwt``; ``sd_hash`` stays the hash of the equivalent compact form.
    """
    parsed = parse_sd_jwt(token)
    protected, payload, signature = parsed.jwt.token.split(".")
    header: dict[str, Any] = {"disclosures": [d.encoded for d in parsed.disclosures]}
    if parsed.kb_jwt is not None:
        header["kb_jwt"] = parsed.kb_jwt
    sig = {"protected": protected, "header": header, "signature": signature}
    return {"payload": payload, "signatures": [sig]} if general else {"payload": payload, **sig}


def _str_member(obj: Mapping[str, Any], name: str, at: str) -> str:
    v = obj.get(name)
    if not isinstance(v, str):
        raise InvalidInput(f"{name} must be a string", code="sd_jwt.json_format", at=f"{at}/{name}")
    return v


def sd_jwt_from_json(obj: Any) -> str:
    """The compact form of a JWS JSON Serialized SD-JWT (§8), on which ``sd_hash`` is computed.

    In the general serialization the first signature carries ``disclosures`` / ``kb_jwt`` and is
    the one verified; other signatures must not carry them.
    """
    if not isinstance(obj, Mapping):
        raise InvalidInput("a JSON serialized SD-JWT is an object", code="sd_jwt.json_format")
    payload = _str_member(obj, "payload", "")
    if "signatures" in obj:
        sigs = obj["signatures"]
        if not isinstance(sigs, list) or not sigs or not all(isinstance(x, Mapping) for x in sigs):
            raise InvalidInput("signatures must be a non-empty array of objects", code="sd_jwt.json_format")
        for i, other in enumerate(sigs[1:], start=1):
            hdr = other.get("header")
            if isinstance(hdr, Mapping) and ("disclosures" in hdr or "kb_jwt" in hdr):
                raise InvalidInput(
                    "only the first signature may carry disclosures or kb_jwt",
                    code="sd_jwt.json_format",
                    at=f"/signatures/{i}/header",
                )
        sig, at = sigs[0], "/signatures/0"
    else:
        sig, at = obj, ""
    protected = _str_member(sig, "protected", at)
    signature = _str_member(sig, "signature", at)
    header = sig.get("header", {})
    if not isinstance(header, Mapping):
        raise InvalidInput("header must be an object", code="sd_jwt.json_format", at=f"{at}/header")
    disclosures = header.get("disclosures", [])
    if not isinstance(disclosures, list) or not all(isinstance(d, str) and d for d in disclosures):
        raise InvalidInput(
            "disclosures must be an array of strings",
            code="sd_jwt.json_format",
            at=f"{at}/header/disclosures",
        )
    kb = header.get("kb_jwt", "")
    if not isinstance(kb, str):
        raise InvalidInput("kb_jwt must be a string", code="sd_jwt.json_format", at=f"{at}/header/kb_jwt")
    if any("~" in p for p in (protected, payload, signature, kb, *disclosures)):
        raise InvalidInput("'~' inside a JSON serialized SD-JWT member", code="sd_jwt.json_format")
    return f"{protected}.{payload}.{signature}~" + "".join(d + "~" for d in disclosures) + kb


def parse_sd_jwt(token: str, *, limits: Limits = Limits()) -> SdJwt:
    """Split ``<JWT>~<D1>~...~<Dn>~[<KB-JWT>]`` and decode every part (§4, §7.1 step 1).

    A JWS JSON Serialized SD-JWT (§8, text starting with ``{``) is accepted too and read as its
    compact equivalent.
    """
    if not isinstance(token, str):
        raise InvalidInput("SD-JWT must be a string", code="sd_jwt.type")
    if len(token) > limits.max_token_bytes:
        raise LimitExceeded(f"SD-JWT larger than {limits.max_token_bytes} bytes", code="sd_jwt.too_large")
    if token.startswith("{"):
        token = sd_jwt_from_json(loads_strict(token, max_depth=limits.max_depth, at="SD-JWT JSON"))
    if "~" not in token:
        raise InvalidInput("not an SD-JWT: no '~' separator", code="sd_jwt.format")
    parts = token.split("~")
    if len(parts) - 2 > limits.max_disclosures:
        raise LimitExceeded(
            f"more than {limits.max_disclosures} Disclosures", code="sd_jwt.too_many_disclosures"
        )
    jwt = decode_jws(parts[0], what="Issuer-signed JWT", max_depth=limits.max_depth)
    kb = parts[-1] or None
    disclosures: list[Disclosure] = []
    for i, enc in enumerate(parts[1:-1], start=1):
        if not enc:
            raise InvalidInput("empty Disclosure", code="sd_jwt.format", at=f"disclosure/{i}")
        disclosures.append(Disclosure.parse(enc, limits=limits))
    return SdJwt(jwt, tuple(disclosures), kb)


# --------------------------------------------------------------------------- processing (§7.1 step 3)


@dataclass(frozen=True, slots=True)
class _Node:
    path: tuple[str | int, ...]
    disclosure: Disclosure
    digest: str
    parent: str | None


def unfold_sd_jwt(
    payload: Mapping[str, Any],
    disclosures: Sequence[Disclosure],
    *,
    hash_alg: str,
    limits: Limits = Limits(),
) -> tuple[dict[str, Any], list[_Node]]:
    """Replace digests by the disclosed claims and check every rule of §7.1 step 3.

    Returns the processed claims (without ``_sd``/``_sd_alg``/``...``, undisclosed array
    elements removed) and where each Disclosure landed. Rule violations raise
    :class:`VerificationError` with a ``sd_jwt.*`` code.
    """
    by_digest: dict[str, Disclosure] = {}
    for d in disclosures:
        dg = d.digest(hash_alg)
        if dg in by_digest:
            raise VerificationError(
                "the same Disclosure appears more than once", code="sd_jwt.duplicate_disclosure"
            )
        by_digest[dg] = d
    seen: set[str] = set()
    used: set[str] = set()
    nodes: list[_Node] = []

    def take(dg: Any, at: str) -> Disclosure | None:
        if not isinstance(dg, str):
            raise VerificationError("digests must be strings", code="sd_jwt.digest_type", at=at)
        if dg in seen:
            raise VerificationError("a digest appears more than once", code="sd_jwt.duplicate_digest", at=at)
        seen.add(dg)
        if len(seen) > limits.max_digests:
            raise LimitExceeded("too many digests", code="sd_jwt.too_many_digests")
        return by_digest.get(dg)

    def visit(node: Any, path: tuple[str | int, ...], parent: str | None) -> Any:
        if len(path) > limits.max_depth * 2:
            raise LimitExceeded("claims nested too deeply", code="sd_jwt.depth")
        if isinstance(node, dict):
            at = pointer_of(path)
            if "..." in node:
                raise VerificationError(
                    "'...' used outside an array element", code="sd_jwt.reserved_misuse", at=at
                )
            out: dict[str, Any] = {}
            for k, v in node.items():
                if k == "_sd":
                    continue
                if k == "_sd_alg":
                    if path:
                        raise VerificationError(
                            "_sd_alg below the top level", code="sd_jwt.reserved_misuse", at=at
                        )
                    continue
                out[k] = visit(v, (*path, k), parent)
            if "_sd" in node:
                sd = node["_sd"]
                if not isinstance(sd, list):
                    raise VerificationError(
                        "_sd must be an array of digests", code="sd_jwt.reserved_misuse", at=at + "/_sd"
                    )
                for dg in sd:
                    d = take(dg, at + "/_sd")
                    if d is None:
                        continue  # a decoy, or a claim the holder did not disclose
                    if d.name is None:
                        raise VerificationError(
                            "array-element Disclosure referenced from an object",
                            code="sd_jwt.disclosure_shape",
                            at=at,
                        )
                    if d.name in _RESERVED_NAMES or (not path and d.name == "_sd_alg"):
                        raise VerificationError(
                            f"Disclosure for reserved claim name {d.name!r}",
                            code="sd_jwt.reserved_name",
                            at=at,
                        )
                    if d.name in out:
                        raise VerificationError(
                            "Disclosure for a claim that already exists",
                            code="sd_jwt.claim_exists",
                            at=pointer_of((*path, d.name)),
                        )
                    used.add(dg)
                    child = (*path, d.name)
                    nodes.append(_Node(child, d, dg, parent))
                    out[d.name] = visit(d.value, child, dg)
            return out
        if isinstance(node, list):
            arr: list[Any] = []
            for el in node:
                if isinstance(el, dict) and "..." in el:
                    at = pointer_of((*path, len(arr)))
                    if len(el) != 1:
                        raise VerificationError(
                            "an array-element digest object must have only the '...' key",
                            code="sd_jwt.reserved_misuse",
                            at=at,
                        )
                    d = take(el["..."], at)
                    if d is None:
                        continue  # §7.1 step 3.4: drop undisclosed elements
                    if d.name is not None:
                        raise VerificationError(
                            "object-property Disclosure referenced from an array",
                            code="sd_jwt.disclosure_shape",
                            at=at,
                        )
                    used.add(el["..."])
                    child = (*path, len(arr))
                    nodes.append(_Node(child, d, el["..."], parent))
                    arr.append(visit(d.value, child, el["..."]))
                else:
                    arr.append(visit(el, (*path, len(arr)), parent))
            return arr
        return node

    claims = visit(dict(payload), (), None)
    unused = set(by_digest) - used
    if unused:
        raise VerificationError(
            f"{len(unused)} Disclosure(s) not referenced by any digest", code="sd_jwt.unreferenced_disclosure"
        )
    return claims, nodes


# --------------------------------------------------------------------------- presentation


def compute_sd_hash(presentation_without_kb: str, hash_alg: str = "sha-256") -> str:
    """§4.3.1: the base64url hash over ``<JWT>~<D1>~...~<Dn>~``."""
    return b64url_encode(_hash(hash_alg, presentation_without_kb.encode("ascii")))


def _timestamp(t: datetime | int, name: str) -> int:
    if isinstance(t, datetime):
        if t.tzinfo is None:
            raise ValueError(f"{name} must be timezone-aware")
        return int(t.timestamp())
    if isinstance(t, bool) or not isinstance(t, int):
        raise TypeError(f"{name} must be a datetime or an int")
    return t


def create_kb_jwt(
    presentation_without_kb: str,
    *,
    holder_key: SigningKeyLike,
    aud: str,
    nonce: str,
    iat: datetime | int,
    hash_alg: str = "sha-256",
    extra_claims: Mapping[str, Any] | None = None,
) -> str:
    """The Key Binding JWT (§4.3): ``typ: kb+jwt`` with ``iat``, ``aud``, ``nonce``, ``sd_hash``."""
    payload = {
        **dict(extra_claims or {}),
        "iat": _timestamp(iat, "iat"),
        "aud": aud,
        "nonce": nonce,
        "sd_hash": compute_sd_hash(presentation_without_kb, hash_alg),
    }
    return sign_jws({"typ": KB_JWT_TYP}, payload, holder_key)


def _select(nodes: Sequence[_Node], claims: Any, reveal: Iterable[PathInput]) -> list[_Node]:
    by_digest = {n.digest: n for n in nodes}
    chosen: set[str] = set()
    for raw in reveal:
        pat = normalize_claim_path(raw)
        hits = [n for n in nodes if _path_is_prefix(pat, n.path)]
        if not hits and not _exists(claims, pat):
            raise InvalidInput(
                "claim to reveal is not in the credential", code="sd_jwt.path_not_found", at=_fmt(pat)
            )
        # Disclosures above the named claim are needed even when the claim itself is always visible
        anchors = [n for n in nodes if len(n.path) < len(pat) and _path_matches(pat[: len(n.path)], n.path)]
        for n in (*hits, *anchors):
            cur: _Node | None = n
            while cur is not None and cur.digest not in chosen:
                chosen.add(cur.digest)
                cur = by_digest.get(cur.parent) if cur.parent else None
    return [n for n in nodes if n.digest in chosen]


def _exists(claims: Any, pat: ClaimPath) -> bool:
    cur = [claims]
    for seg in pat:
        nxt: list[Any] = []
        for c in cur:
            if isinstance(c, dict) and seg is not None and str(seg) in c:
                nxt.append(c[str(seg)])
            elif isinstance(c, list):
                if seg is None:
                    nxt.extend(c)
                elif isinstance(seg, int) and seg < len(c):
                    nxt.append(c[seg])
                elif isinstance(seg, str) and seg.isdigit() and int(seg) < len(c):
                    nxt.append(c[int(seg)])
        cur = nxt
        if not cur:
            return False
    return True


def present_sd_jwt(
    sd_jwt: str,
    *,
    reveal: Iterable[PathInput] | None = None,
    holder_key: SigningKeyLike | None = None,
    aud: str | None = None,
    nonce: str | None = None,
    iat: datetime | int | None = None,
    limits: Limits = Limits(),
) -> str:
    """Holder side: keep the Disclosures for ``reveal`` (all when ``None``) and optionally bind.

    Revealing a path reveals that claim with everything under it, plus every Disclosure on
    the way to it. With ``holder_key`` a Key Binding JWT over the result is appended, which
    needs ``aud``, ``nonce`` and ``iat``.
    """
    parsed = parse_sd_jwt(sd_jwt, limits=limits)
    if parsed.kb_jwt is not None:
        raise InvalidInput("the SD-JWT already carries a Key Binding JWT", code="sd_jwt.kb_present")
    alg = parsed.hash_alg
    claims, nodes = unfold_sd_jwt(parsed.payload, parsed.disclosures, hash_alg=alg, limits=limits)
    kept = list(nodes) if reveal is None else _select(nodes, claims, reveal)
    body = parsed.jwt.token + "~" + "".join(n.disclosure.encoded + "~" for n in kept)
    if holder_key is None:
        return body
    if aud is None or nonce is None or iat is None:
        raise ValueError("Key Binding needs aud, nonce and iat")
    return body + create_kb_jwt(body, holder_key=holder_key, aud=aud, nonce=nonce, iat=iat, hash_alg=alg)


# --------------------------------------------------------------------------- verification


def _num(payload: Mapping[str, Any], name: str, at_prefix: str) -> float | None:
    if name not in payload:
        return None
    v = payload[name]
    if isinstance(v, bool) or not isinstance(v, int | float):
        raise InvalidInput(f"{name} must be a NumericDate", code="jwt.numeric_date", at=f"{at_prefix}/{name}")
    return float(v)


def check_validity_claims(
    payload: Mapping[str, Any], *, now: datetime, skew: float = 60.0, at_prefix: str = ""
) -> None:
    """``exp``, ``nbf`` and ``iat`` against an explicit ``now`` with ``skew`` seconds of leeway."""
    t = float(_timestamp(now, "now"))
    exp = _num(payload, "exp", at_prefix)
    nbf = _num(payload, "nbf", at_prefix)
    iat = _num(payload, "iat", at_prefix)
    if exp is not None and t - skew >= exp:
        raise VerificationError("token has expired", code="jwt.expired", at=f"{at_prefix}/exp")
    if nbf is not None and t + skew < nbf:
        raise VerificationError("token is not yet valid", code="jwt.not_yet_valid", at=f"{at_prefix}/nbf")
    if iat is not None and t + skew < iat:
        raise VerificationError("token issued in the future", code="jwt.iat_future", at=f"{at_prefix}/iat")


@dataclass(frozen=True, slots=True)
class VerifiedSdJwt:
    """What a verified SD-JWT says. ``claims`` is the processed payload (§7.1 step 3)."""

    header: dict[str, Any]
    payload: dict[str, Any] = field(repr=False)
    claims: dict[str, Any] = field(repr=False)
    disclosed_paths: tuple[tuple[str | int, ...], ...]
    kb_header: dict[str, Any] | None = None
    kb_payload: dict[str, Any] | None = None


def _holder_key_from_cnf(payload: Mapping[str, Any]) -> Any:
    cnf = payload.get("cnf")
    if not isinstance(cnf, dict):
        raise VerificationError(
            "Key Binding JWT present but the SD-JWT has no cnf", code="kb.no_cnf", at="/cnf"
        )
    if "jwk" in cnf:
        return public_key_from_jwk(cnf["jwk"], at="/cnf/jwk")
    raise UnsupportedError("only cnf.jwk holder keys are supported", code="kb.cnf_unsupported", at="/cnf")


def _verify_kb(
    parsed: SdJwt,
    *,
    holder_key: PublicKeyLike | None,
    aud: str | None,
    nonce: str | None,
    now: datetime,
    kb_max_age: float,
    skew: float,
    limits: Limits,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """§7.3 step 5: signature with the cnf key, typ, aud, nonce, iat window, sd_hash."""
    assert parsed.kb_jwt is not None
    kb = decode_jws(parsed.kb_jwt, what="Key Binding JWT", max_depth=limits.max_depth)
    if kb.header.get("typ") != KB_JWT_TYP:
        raise VerificationError("Key Binding JWT typ must be kb+jwt", code="kb.typ", at="/typ")
    key = holder_key if holder_key is not None else _holder_key_from_cnf(parsed.payload)
    verify_jws(kb, key, what="Key Binding JWT")
    p = kb.payload
    for name in ("iat", "aud", "nonce", "sd_hash"):
        if name not in p:
            raise VerificationError(f"Key Binding JWT lacks {name}", code="kb.claim_missing", at="/" + name)
    kb_aud = p["aud"]
    if aud is not None:
        ok = (isinstance(kb_aud, str) and hmac.compare_digest(kb_aud.encode(), aud.encode())) or (
            isinstance(kb_aud, list) and len(kb_aud) == 1 and kb_aud[0] == aud
        )
        if not ok:
            raise VerificationError("Key Binding JWT is for another audience", code="kb.aud", at="/aud")
    if nonce is not None and (
        not isinstance(p["nonce"], str) or not hmac.compare_digest(p["nonce"].encode(), nonce.encode())
    ):
        raise VerificationError("Key Binding JWT nonce does not match", code="kb.nonce", at="/nonce")
    iat = _num(p, "iat", "")
    t = float(_timestamp(now, "now"))
    assert iat is not None
    if iat > t + skew:
        raise VerificationError("Key Binding JWT issued in the future", code="kb.iat_future", at="/iat")
    if iat < t - kb_max_age - skew:
        raise VerificationError("Key Binding JWT is too old", code="kb.iat_stale", at="/iat")
    check_validity_claims(p, now=now, skew=skew)
    sd_hash = p["sd_hash"]
    expected = compute_sd_hash(parsed.serialize_without_kb(), parsed.hash_alg)
    if not isinstance(sd_hash, str) or not hmac.compare_digest(
        sd_hash.encode("ascii", "replace"), expected.encode()
    ):
        raise VerificationError("sd_hash does not match the presentation", code="kb.sd_hash", at="/sd_hash")
    return kb.header, kb.payload


def verify_sd_jwt(
    token: str | SdJwt,
    *,
    issuer_key: PublicKeyLike | Callable[[JwsParts], PublicKeyLike],
    now: datetime,
    typ: str | Sequence[str] | None = None,
    require_kb: bool = False,
    aud: str | None = None,
    nonce: str | None = None,
    holder_key: PublicKeyLike | None = None,
    kb_max_age: float = 300.0,
    skew: float = 60.0,
    limits: Limits = Limits(),
) -> VerifiedSdJwt:
    """Verifier side (§7.1, §7.3): signature, ``_sd_alg``, Disclosures, validity, Key Binding.

    ``issuer_key`` is the key, or a function of the decoded Issuer-signed JWT returning it.
    With ``require_kb`` a Key Binding JWT must be present and ``aud`` and ``nonce`` must be
    given; a Key Binding JWT that is present is always checked.
    """
    parsed = token if isinstance(token, SdJwt) else parse_sd_jwt(token, limits=limits)
    jwt = parsed.jwt
    # 2.1 asymmetric algorithms only; checked again by verify_jws
    if typ is not None:
        allowed = (typ,) if isinstance(typ, str) else tuple(typ)
        if jwt.header.get("typ") not in allowed:
            raise VerificationError("unexpected typ of the Issuer-signed JWT", code="sd_jwt.typ", at="/typ")
    # 2.4 _sd_alg understood (before the signature: an unknown algorithm is "could not check")
    alg = parsed.hash_alg
    _hash(alg, b"")
    # 2.2 / 2.3 signature with the issuer's key
    key = issuer_key(jwt) if callable(issuer_key) else issuer_key
    verify_jws(jwt, key, what="Issuer-signed JWT")
    # 3. Disclosures
    claims, nodes = unfold_sd_jwt(jwt.payload, parsed.disclosures, hash_alg=alg, limits=limits)
    # 4. validity claims of the processed payload
    check_validity_claims(claims, now=now, skew=skew)
    kb_header = kb_payload = None
    if parsed.kb_jwt is None:
        if require_kb:
            raise VerificationError("Key Binding JWT required but absent", code="kb.missing")
    else:
        if require_kb and (aud is None or nonce is None):
            raise ValueError("require_kb needs the expected aud and nonce")
        kb_header, kb_payload = _verify_kb(
            parsed,
            holder_key=holder_key,
            aud=aud,
            nonce=nonce,
            now=now,
            kb_max_age=kb_max_age,
            skew=skew,
            limits=limits,
        )
    return VerifiedSdJwt(
        header=jwt.header,
        payload=jwt.payload,
        claims=claims,
        disclosed_paths=tuple(n.path for n in nodes),
        kb_header=kb_header,
        kb_payload=kb_payload,
    )
