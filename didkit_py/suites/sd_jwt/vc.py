"""SD-JWT-based Verifiable Credentials (SD-JWT VC, draft-ietf-oauth-sd-jwt-vc).

An SD-JWT VC is an SD-JWT (RFC 9901) typed ``dc+sd-jwt`` whose payload carries ``vct`` (the
credential type), optionally ``iss``, ``iat``/``nbf``/``exp``, ``sub``, ``cnf`` (the holder key
for Key Binding) and ``status`` (an IETF Token Status List reference). ``iss``, ``nbf``,
``exp``, ``cnf``, ``vct``, ``vct#integrity`` and ``status`` are never selectively disclosable.

The issuer's key is found from ``iss``: a DID through the injected resolver (the JWT header
``kid`` names the verification method), or an https URL through JWT VC Issuer Metadata at
``/.well-known/jwt-vc-issuer`` fetched with an injected ``httpx.AsyncClient``.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Awaitable, Callable, Collection, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, NamedTuple, Protocol
from urllib.parse import urlsplit, urlunsplit

import httpx
from cryptography import x509

from ...errors import (
    InvalidInput,
    ResolutionError,
    StatusError,
    UnsupportedError,
    VerificationError,
)
from ._http import fetch_bytes
from ._jws import JwsParts, PublicKeyLike, SigningKeyLike, loads_strict, public_jwk, public_key_from_jwk
from ._x509 import key_from_x5c
from .core import (
    Limits,
    PathInput,
    SaltSource,
    VerifiedSdJwt,
    _timestamp,
    issue_sd_jwt,
    normalize_claim_path,
    parse_sd_jwt,
    present_sd_jwt,
    unfold_sd_jwt,
    verify_sd_jwt,
)

__all__ = [
    "LEGACY_TYP",
    "NON_DISCLOSABLE_CLAIMS",
    "SD_JWT_VC_TYP",
    "DecodedSdJwtVc",
    "IssuerKeyResolver",
    "VerifiedSdJwtVc",
    "decode_sd_jwt_vc",
    "issue_sd_jwt_vc",
    "issuer_metadata_url",
    "present_sd_jwt_vc",
    "resolve_issuer_key",
    "verify_sd_jwt_vc",
]

SD_JWT_VC_TYP = "dc+sd-jwt"
#: The media type used before draft-ietf-oauth-sd-jwt-vc-06; still accepted when verifying.
LEGACY_TYP = "vc+sd-jwt"
NON_DISCLOSABLE_CLAIMS = frozenset({"iss", "nbf", "exp", "cnf", "vct", "vct#integrity", "status"})

#: Largest issuer metadata / JWKS document we read.
_MAX_METADATA_BYTES = 256 * 1024


class _VmResolver(Protocol):
    """The part of ``didkit_py.did.Resolver`` we need."""

    def resolve_verification_method(self, did_url: str, *, purpose: str | None = None) -> Awaitable[Any]: ...


IssuerKeyResolver = Callable[[JwsParts], Awaitable[PublicKeyLike]]


def issue_sd_jwt_vc(
    claims: Mapping[str, Any],
    *,
    key: SigningKeyLike,
    vct: str,
    issuer: str | None = None,
    kid: str | None = None,
    holder_key: PublicKeyLike | None = None,
    disclosable: Iterable[PathInput] = (),
    iat: datetime | int | None = None,
    nbf: datetime | int | None = None,
    exp: datetime | int | None = None,
    status: Mapping[str, Any] | None = None,
    x5c: Sequence[bytes] | None = None,
    salt: SaltSource | None = None,
    decoys: int | tuple[int, int] = (1, 3),
    rng: Callable[[int], bytes] = os.urandom,
) -> str:
    """Issue a ``dc+sd-jwt`` credential; returns the SD-JWT with every Disclosure.

    ``status`` is the ``status`` claim, e.g. ``{"status_list": {"idx": 7, "uri": "https://…"}}``.
    Decoy digests (1-3 per object with disclosable claims by default) hide the claim count.
    ``x5c`` (DER certificates, leaf first, without the trust anchor) goes into the header for
    verifiers that validate issuer keys by X.509 (HAIP).
    """
    if not isinstance(vct, str) or not vct:
        raise InvalidInput("vct must be a non-empty string", code="sd_jwt_vc.vct", at="/vct")
    paths = [normalize_claim_path(p) for p in disclosable]
    for p in paths:
        if len(p) == 1 and isinstance(p[0], str) and p[0] in NON_DISCLOSABLE_CLAIMS:
            raise InvalidInput(
                f"{p[0]} must not be selectively disclosable", code="sd_jwt_vc.reserved_claim", at="/" + p[0]
            )
    payload: dict[str, Any] = {}
    if issuer is not None:
        payload["iss"] = issuer
    for name, value in (("iat", iat), ("nbf", nbf), ("exp", exp)):
        if value is not None:
            payload[name] = _timestamp(value, name)
    payload["vct"] = vct
    if holder_key is not None:
        payload["cnf"] = {"jwk": public_jwk(holder_key)}
    if status is not None:
        payload["status"] = dict(status)
    for k, v in claims.items():
        if k in payload or k in NON_DISCLOSABLE_CLAIMS:
            raise InvalidInput(
                f"claim {k!r} is set by the issuer arguments", code="sd_jwt_vc.reserved_claim", at="/" + k
            )
        payload[k] = v
    header = {"x5c": [base64.b64encode(c).decode("ascii") for c in x5c]} if x5c else None
    return issue_sd_jwt(
        payload,
        key=key,
        disclosable=paths,
        typ=SD_JWT_VC_TYP,
        kid=kid,
        header=header,
        salt=salt,
        decoys=decoys,
        rng=rng,
    )


present_sd_jwt_vc = present_sd_jwt


# --------------------------------------------------------------------------- issuer keys


def issuer_metadata_url(iss: str) -> str:
    """``https://host/path`` → ``https://host/.well-known/jwt-vc-issuer/path`` (SD-JWT VC §4)."""
    parts = urlsplit(iss)
    path = parts.path.rstrip("/")
    return urlunsplit((parts.scheme, parts.netloc, "/.well-known/jwt-vc-issuer" + path, "", ""))


async def _fetch_json(
    http: httpx.AsyncClient, url: str, *, timeout: float, allow_loopback_http: bool, what: str
) -> Any:
    body, _ = await fetch_bytes(
        http,
        url,
        accept="application/json",
        max_bytes=_MAX_METADATA_BYTES,
        timeout=timeout,
        allow_loopback_http=allow_loopback_http,
        what=what,
    )
    try:
        return loads_strict(body, at=what)
    except InvalidInput as exc:
        raise ResolutionError(f"{what} is not valid JSON", code="sd_jwt_vc.metadata") from exc


def _select_jwk(jwks: Any, kid: str | None) -> Any:
    keys = jwks.get("keys") if isinstance(jwks, dict) else None
    if not isinstance(keys, list) or not keys:
        raise ResolutionError("issuer JWKS has no keys", code="sd_jwt_vc.jwks")
    if kid is not None:
        hits = [k for k in keys if isinstance(k, dict) and k.get("kid") == kid]
    else:
        hits = [k for k in keys if isinstance(k, dict)]
    if len(hits) != 1:
        raise ResolutionError(
            "issuer key not found in JWKS" if not hits else "several issuer keys match; the JWT needs a kid",
            code="sd_jwt_vc.key_not_found",
        )
    return public_key_from_jwk(hits[0], at="/jwks")


async def resolve_issuer_key(
    jwt: JwsParts,
    *,
    resolver: _VmResolver | None = None,
    http: httpx.AsyncClient | None = None,
    allow_loopback_http: bool = False,
    timeout: float = 10.0,
    trust_anchors: Sequence[x509.Certificate] | None = None,
    now: datetime | None = None,
) -> PublicKeyLike:
    """The issuer's public key for an Issuer-signed JWT (SD-JWT VC §3.5).

    With ``trust_anchors`` and an ``x5c`` header, the certificate chain decides (HAIP);
    otherwise ``iss``: a DID (``kid`` names the verification method) or an https URL (JWT VC
    Issuer Metadata).
    """
    iss = jwt.payload.get("iss")
    if trust_anchors is not None and "x5c" in jwt.header:
        if now is None:
            raise ValueError("x5c validation needs now")
        return key_from_x5c(jwt.header, iss, trust_anchors=trust_anchors, now=now)  # type: ignore[no-any-return]
    kid = jwt.header.get("kid")
    if kid is not None and not isinstance(kid, str):
        raise InvalidInput("kid must be a string", code="jws.kid", at="/kid")
    if not isinstance(iss, str) or not iss:
        raise ResolutionError("no iss: the issuer key cannot be found", code="sd_jwt_vc.no_iss", at="/iss")
    if iss.startswith("did:"):
        if resolver is None:
            raise ResolutionError("a DID resolver is needed for a DID issuer", code="sd_jwt_vc.no_resolver")
        if kid is None:
            raise ResolutionError(
                "a DID issuer's JWT must name its key in kid", code="sd_jwt_vc.no_kid", at="/kid"
            )
        vm_url = iss + kid if kid.startswith("#") else kid
        if vm_url.split("#", 1)[0] != iss:
            raise VerificationError(
                "kid names a key of another DID than iss", code="sd_jwt_vc.kid_not_iss", at="/kid"
            )
        # the issuer's key must be authorized to make assertions (as for vc+jwt)
        vm = await resolver.resolve_verification_method(vm_url, purpose="assertionMethod")
        return vm  # type: ignore[no-any-return]
    if iss.startswith(("https://", "http://")):
        if http is None:
            raise ResolutionError("an HTTP client is needed for an https issuer", code="sd_jwt_vc.no_http")
        url = issuer_metadata_url(iss)
        meta = await _fetch_json(
            http, url, timeout=timeout, allow_loopback_http=allow_loopback_http, what="issuer metadata"
        )
        if not isinstance(meta, dict) or meta.get("issuer") != iss:
            raise VerificationError("issuer metadata is for another issuer", code="sd_jwt_vc.metadata_issuer")
        if ("jwks" in meta) == ("jwks_uri" in meta):
            raise ResolutionError(
                "issuer metadata needs exactly one of jwks and jwks_uri", code="sd_jwt_vc.metadata"
            )
        if "jwks" in meta:
            jwks = meta["jwks"]
        else:
            if not isinstance(meta["jwks_uri"], str):
                raise ResolutionError("jwks_uri must be a string", code="sd_jwt_vc.metadata")
            jwks = await _fetch_json(
                http,
                meta["jwks_uri"],
                timeout=timeout,
                allow_loopback_http=allow_loopback_http,
                what="issuer JWKS",
            )
        return _select_jwk(jwks, kid)  # type: ignore[no-any-return]
    raise UnsupportedError("iss is neither a DID nor an https URL", code="sd_jwt_vc.iss_scheme", at="/iss")


# --------------------------------------------------------------------------- verification


@dataclass(frozen=True, slots=True)
class VerifiedSdJwtVc:
    """A verified SD-JWT VC: the processed claims, its type and what was disclosed."""

    vct: str
    issuer: str | None
    claims: dict[str, Any] = field(repr=False)
    sd_jwt: VerifiedSdJwt = field(repr=False)
    status: int | None = None


StatusChecker = Callable[[Mapping[str, Any]], Awaitable[int]]


async def verify_sd_jwt_vc(
    token: str,
    *,
    now: datetime,
    resolver: _VmResolver | None = None,
    http: httpx.AsyncClient | None = None,
    issuer_key: PublicKeyLike | None = None,
    key_resolver: IssuerKeyResolver | None = None,
    allow_loopback_http: bool = False,
    require_kb: bool = True,
    aud: str | None = None,
    nonce: str | None = None,
    vct: str | Collection[str] | None = None,
    accept_legacy_typ: bool = True,
    status_checker: StatusChecker | None = None,
    trust_anchors: Sequence[x509.Certificate] | None = None,
    kb_max_age: float = 300.0,
    skew: float = 60.0,
    limits: Limits = Limits(),
    timeout: float = 10.0,
) -> VerifiedSdJwtVc:
    """Verify an SD-JWT VC presentation (HAIP defaults: Key Binding required).

    The issuer key comes from ``issuer_key`` (pinned), else ``key_resolver``, else
    :func:`resolve_issuer_key` with ``trust_anchors`` (x5c) / ``resolver`` / ``http``.
    ``status_checker`` receives the ``status`` claim and returns the status value; anything
    but 0 (VALID) raises :class:`StatusError`.
    """
    parsed = parse_sd_jwt(token, limits=limits)
    typs = (SD_JWT_VC_TYP, LEGACY_TYP) if accept_legacy_typ else (SD_JWT_VC_TYP,)
    if parsed.header.get("typ") not in typs:
        raise VerificationError(f"typ must be {SD_JWT_VC_TYP}", code="sd_jwt_vc.typ", at="/typ")
    if issuer_key is not None:
        key = issuer_key
    elif key_resolver is not None:
        key = await key_resolver(parsed.jwt)
    else:
        key = await resolve_issuer_key(
            parsed.jwt,
            resolver=resolver,
            http=http,
            allow_loopback_http=allow_loopback_http,
            timeout=timeout,
            trust_anchors=trust_anchors,
            now=now,
        )
    verified = verify_sd_jwt(
        parsed,
        issuer_key=key,
        now=now,
        require_kb=require_kb,
        aud=aud,
        nonce=nonce,
        kb_max_age=kb_max_age,
        skew=skew,
        limits=limits,
    )
    for path in verified.disclosed_paths:
        if len(path) == 1 and path[0] in NON_DISCLOSABLE_CLAIMS:
            raise VerificationError(
                f"{path[0]} must not be selectively disclosable",
                code="sd_jwt_vc.reserved_claim",
                at=f"/{path[0]}",
            )
    claims = verified.claims
    got_vct = claims.get("vct")
    if not isinstance(got_vct, str) or not got_vct:
        raise VerificationError("vct is missing", code="sd_jwt_vc.vct", at="/vct")
    if vct is not None:
        allowed = {vct} if isinstance(vct, str) else set(vct)
        if got_vct not in allowed:
            raise VerificationError(
                "unexpected credential type (vct)", code="sd_jwt_vc.vct_mismatch", at="/vct"
            )
    iss = claims.get("iss")
    if iss is not None and not isinstance(iss, str):
        raise VerificationError("iss must be a string", code="sd_jwt_vc.iss", at="/iss")
    status_value: int | None = None
    if status_checker is not None and "status" in claims:
        st = claims["status"]
        if not isinstance(st, dict):
            raise VerificationError("status must be an object", code="sd_jwt_vc.status", at="/status")
        status_value = await status_checker(st)
        if status_value == 1:
            raise StatusError("credential is revoked (INVALID)", code="status.invalid")
        if status_value == 2:
            raise StatusError("credential is suspended", code="status.suspended")
        if status_value != 0:
            raise StatusError(f"credential status is {status_value:#x}", code="status.not_valid")
    return VerifiedSdJwtVc(vct=got_vct, issuer=iss, claims=claims, sd_jwt=verified, status=status_value)


# --------------------------------------------------------------------------- matcher adapter


class DecodedSdJwtVc(NamedTuple):
    """Holder-side view for matching: every disclosed value, the type, and what can be withheld."""

    claims: dict[str, Any]
    vct: str | None
    disclosable_paths: tuple[tuple[str | int, ...], ...]


def decode_sd_jwt_vc(token: str, *, limits: Limits = Limits()) -> DecodedSdJwtVc:
    """Decode (without verifying the signature) an SD-JWT VC the holder stores.

    All Disclosures in ``token`` are applied; ``disclosable_paths`` are the claim paths
    (DCQL style, array indexes of the decoded arrays) a presentation may leave out. Malformed
    tokens raise :class:`InvalidInput`; rule violations :class:`VerificationError`.
    """
    parsed = parse_sd_jwt(token, limits=limits)
    claims, nodes = unfold_sd_jwt(parsed.payload, parsed.disclosures, hash_alg=parsed.hash_alg, limits=limits)
    vct = claims.get("vct")
    return DecodedSdJwtVc(claims, vct if isinstance(vct, str) else None, tuple(n.path for n in nodes))
