"""W3C VC-JOSE-COSE: credentials as ``vc+jwt`` and presentations as ``vp+jwt``.

Securing Verifiable Credentials using JOSE and COSE (W3C Recommendation, 2025),
https://www.w3.org/TR/vc-jose-cose/ — §3.1.1 (credentials), §3.1.2 (presentations), §3.1.3
(header parameters and claims), §3.3 (enveloped credentials in presentations):

- The JWS payload **is** the credential (or presentation) JSON; the ``vc`` / ``vp`` claims of
  VC-JWT 1.1 MUST NOT be present and are rejected.
- Header: ``alg``; ``kid`` (a DID URL of the issuer's verification method — absolute, or a
  fragment relative to the issuer); ``typ`` = ``vc+jwt`` / ``vp+jwt``; ``cty`` = ``vc`` / ``vp``.
- Registered claims are optional. We add the ones that restate the credential — ``iss``
  (issuer), ``jti`` (id), ``sub`` (the single subject id), ``iat``, ``nbf`` / ``exp``
  (validFrom / validUntil) — so that generic JWT tooling sees consistent values (the spec
  recommends avoiding conflicting values), and reject tokens whose claims conflict with the
  credential.
- Presentations carry credentials as ``EnvelopedVerifiableCredential`` entries whose ``id`` is
  ``data:application/vc+jwt,<jwt>``; the verifier's ``challenge`` and ``domain`` travel as the JWT
  ``nonce`` and ``aud`` claims, and the ``kid`` must belong to the ``holder``.

Verification parses strictly (three base64url parts without padding, JSON objects without
duplicate names, size limits), refuses ``alg: none``, algorithms other than EdDSA / Ed25519 /
ES256 / ES256K, an algorithm that does not match the key type, unknown ``crit`` extensions,
and keys that are not the issuer's (``kid`` DID ≠ issuer, VM controller ≠ issuer, VM not listed
under ``assertionMethod`` / ``authentication``). Keys come only from DID resolution; header
parameters that carry keys (``jwk``, ``jku``, ``x5c``, ``x5u``) are ignored.
"""

from __future__ import annotations

import hmac
import logging
import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any, Final, Literal

from .._encoding import b64url_decode, b64url_encode
from ..credentials.formats import Embedded, IssueOptions, Signer, Verified, VerifyOptions
from ..credentials.model import (
    DEFAULT_LIMITS,
    Credential,
    EnvelopedCredential,
    Limits,
    Presentation,
    check_validity_period,
    loads_json,
    parse_credential,
    parse_presentation,
)
from ..credentials.results import Checks
from ..errors import InvalidInput, LimitExceeded, UnsupportedError, VerificationError
from ..keys import KeyPair, KeyType, jws_alg, sign, verify_signature

if TYPE_CHECKING:
    from ..did import Resolver

__all__ = [
    "FORMAT",
    "MEDIA_TYPE_VC",
    "MEDIA_TYPE_VP",
    "CompactJws",
    "JoseFormat",
    "JwtVerification",
    "encode_compact_jws",
    "issue_vc_jwt",
    "issue_vp_jwt",
    "parse_compact_jws",
    "verify_jwt",
]

log = logging.getLogger(__name__)

MEDIA_TYPE_VC: Final = "application/vc+jwt"
MEDIA_TYPE_VP: Final = "application/vp+jwt"
TYP_VC: Final = "vc+jwt"
TYP_VP: Final = "vp+jwt"

#: Largest protected header we decode (a real one is ~200 bytes).
MAX_HEADER_BYTES: Final = 8 * 1024
#: Default lifetime of a presentation JWT (``exp`` = ``iat`` + this).
DEFAULT_VP_LIFETIME: Final = timedelta(minutes=5)

#: JWS algorithms we verify and the key types each may be used with. ``Ed25519`` is the fully
#: specified name for EdDSA over Ed25519 (RFC 9864).
_ALG_KEY_TYPES: Final[Mapping[str, frozenset[KeyType]]] = {
    "EdDSA": frozenset({KeyType.ED25519}),
    "Ed25519": frozenset({KeyType.ED25519}),
    "ES256": frozenset({KeyType.P256}),
    "ES256K": frozenset({KeyType.SECP256K1}),
}
#: Header parameters registered by RFC 7515 §4.1, which ``crit`` must not list.
_REGISTERED_HEADERS: Final = frozenset(
    {"alg", "jku", "jwk", "kid", "x5u", "x5c", "x5t", "x5t#S256", "typ", "cty", "crit"}
)
_DID_RE: Final = re.compile(r"^did:[a-z0-9]+:[A-Za-z0-9._:%-]*[A-Za-z0-9._%-]$")
_TIME_CLAIMS: Final = ("iat", "nbf", "exp")


# --------------------------------------------------------------------------------------------
# Compact JWS (RFC 7515 §7.1)


@dataclass(frozen=True, slots=True)
class CompactJws:
    """A parsed (not yet verified) compact JWS."""

    header: dict[str, Any]
    payload: dict[str, Any] = field(repr=False)
    signing_input: bytes = field(repr=False)
    signature: bytes = field(repr=False)


def _max_token_chars(limits: Limits) -> int:
    # base64url grows data by 4/3; allow the header and signature on top.
    return limits.max_bytes * 4 // 3 + MAX_HEADER_BYTES * 2


def parse_compact_jws(token: Any, *, limits: Limits = DEFAULT_LIMITS) -> CompactJws:
    """Strictly parse a compact JWS whose header and payload are JSON objects.

    Raises :class:`InvalidInput` (``jwt.*`` codes) for anything that is not exactly
    ``BASE64URL(header) '.' BASE64URL(payload) '.' BASE64URL(signature)``.
    """
    if not isinstance(token, str):
        raise InvalidInput("a JWT must be a string", code="jwt.type")
    if len(token) > _max_token_chars(limits):
        raise LimitExceeded("the JWT is too large", code="jwt.too_large")
    parts = token.split(".")
    if len(parts) == 5:
        raise UnsupportedError("encrypted JWTs (JWE) are not supported", code="jwt.jwe")
    if len(parts) != 3:
        raise InvalidInput(f"a compact JWS has 3 dot-separated parts, not {len(parts)}", code="jwt.parts")
    h64, p64, s64 = parts
    if not h64 or not p64:
        raise InvalidInput("the JWT header or payload is empty", code="jwt.parts")
    if len(h64) > MAX_HEADER_BYTES * 4 // 3 + 4:
        raise LimitExceeded("the JWT header is too large", code="jwt.header_too_large")
    header_bytes = _decode_part(h64, "header")
    header = loads_json(header_bytes, limits=limits, code="jwt.header_json", what="JWT header")
    if not isinstance(header, dict):
        raise InvalidInput("the JWT header must be a JSON object", code="jwt.header_type")
    payload = loads_json(
        _decode_part(p64, "payload"), limits=limits, code="jwt.payload_json", what="JWT payload"
    )
    if not isinstance(payload, dict):
        raise InvalidInput("the JWT payload must be a JSON object", code="jwt.payload_type")
    signature = _decode_part(s64, "signature") if s64 else b""
    return CompactJws(header, payload, f"{h64}.{p64}".encode("ascii"), signature)


def _decode_part(text: str, what: str) -> bytes:
    try:
        return b64url_decode(text)
    except InvalidInput:
        raise InvalidInput(
            f"the JWT {what} is not base64url without padding", code=f"jwt.{what}_encoding"
        ) from None


def _json_compact(value: Mapping[str, Any]) -> bytes:
    import json

    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def encode_compact_jws(header: Mapping[str, Any], payload: Mapping[str, Any], key: KeyPair) -> str:
    """Sign ``payload`` under ``header`` and return the compact serialization.

    ``header["alg"]`` must be the algorithm of ``key`` (see :func:`didkit_py.keys.jws_alg`).
    """
    alg = header.get("alg")
    if (
        not isinstance(alg, str)
        or alg not in _ALG_KEY_TYPES
        or KeyType(key.key_type) not in _ALG_KEY_TYPES[alg]
    ):
        raise InvalidInput(f"alg {alg!r} does not match a {key.key_type} key", code="jwt.alg_mismatch")
    signing_input = f"{b64url_encode(_json_compact(header))}.{b64url_encode(_json_compact(payload))}"
    return f"{signing_input}.{b64url_encode(sign(key, signing_input.encode('ascii')))}"


# --------------------------------------------------------------------------------------------
# Issuing


def _check_signer(key: KeyPair, kid: str, controller: str, *, what: str) -> str:
    if key.secret_key is None:
        raise InvalidInput("the signing key has no secret key", code="issue.no_secret")
    if not isinstance(kid, str) or "#" not in kid or not _DID_RE.match(kid.split("#", 1)[0]):
        raise InvalidInput("the verification method must be a DID URL with a fragment", code="issue.kid")
    if kid.split("#", 1)[0] != controller:
        raise InvalidInput(
            f"the verification method belongs to {kid.split('#', 1)[0]}, not to the {what} {controller}",
            code="issue.signer_mismatch",
        )
    return jws_alg(KeyType(key.key_type))


def _numeric_date(value: datetime, *, up: bool = False) -> int:
    ts = value.timestamp()
    return math.ceil(ts) if up else math.floor(ts)


def issue_vc_jwt(
    credential: Mapping[str, Any],
    *,
    key: KeyPair,
    kid: str,
    now: datetime,
    registered_claims: bool = True,
) -> str:
    """VC-JOSE-COSE §3.1.1: secure ``credential`` as a ``vc+jwt``.

    The credential is validated first (VC DM 2.0) and its issuer must be the DID of ``kid``.
    With ``registered_claims`` the payload also gets ``iss``, ``jti``, ``sub``, ``iat``,
    ``nbf`` and ``exp`` restating the credential (never overriding a member already present).
    """
    cred = parse_credential(dict(credential))
    alg = _check_signer(key, kid, cred.issuer, what="issuer")
    payload = dict(cred.document)
    if registered_claims:
        claims: dict[str, Any] = {"iss": cred.issuer, "iat": _numeric_date(now)}
        if cred.id is not None:
            claims["jti"] = cred.id
        if len(cred.subjects) == 1 and len(cred.subject_ids) == 1:
            claims["sub"] = cred.subject_ids[0]
        if cred.valid_from is not None:
            claims["nbf"] = _numeric_date(cred.valid_from)
        if cred.valid_until is not None:
            claims["exp"] = _numeric_date(cred.valid_until, up=True)
        for name, value in claims.items():
            payload.setdefault(name, value)
    header = {"alg": alg, "kid": kid, "typ": TYP_VC, "cty": "vc"}
    token = encode_compact_jws(header, payload, key)
    log.info(
        "credential issued as vc+jwt", extra={"credential_id": cred.id, "issuer": cred.issuer, "kid": kid}
    )
    return token


def issue_vp_jwt(
    presentation: Mapping[str, Any],
    *,
    key: KeyPair,
    kid: str,
    now: datetime,
    challenge: str | None = None,
    domain: str | None = None,
    lifetime: timedelta | None = DEFAULT_VP_LIFETIME,
) -> str:
    """VC-JOSE-COSE §3.1.2: secure ``presentation`` as a ``vp+jwt`` signed by its holder.

    ``holder`` is set to the DID of ``kid`` when absent and must equal it when present.
    ``challenge`` becomes the ``nonce`` claim and ``domain`` the ``aud`` claim; the token is
    valid from ``now`` for ``lifetime`` (``exp``), or without ``exp`` when ``lifetime`` is None.
    """
    doc = dict(presentation)
    holder_did = kid.split("#", 1)[0] if isinstance(kid, str) else ""
    doc.setdefault("holder", holder_did)
    pres = parse_presentation(doc)
    if pres.holder is None:
        raise InvalidInput("the presentation needs a holder", code="issue.holder")
    alg = _check_signer(key, kid, pres.holder, what="holder")
    payload = dict(pres.document)
    claims: dict[str, Any] = {"iss": pres.holder, "iat": _numeric_date(now)}
    if pres.id is not None:
        claims["jti"] = pres.id
    if lifetime is not None:
        claims["exp"] = _numeric_date(now + lifetime, up=True)
    if challenge is not None:
        claims["nonce"] = challenge
    if domain is not None:
        claims["aud"] = domain
    for name, value in claims.items():
        if name in payload and payload[name] != value:
            raise InvalidInput(
                f"the presentation already has a different {name!r} member", code="issue.claim_conflict"
            )
        payload[name] = value
    header = {"alg": alg, "kid": kid, "typ": TYP_VP, "cty": "vp"}
    return encode_compact_jws(header, payload, key)


# --------------------------------------------------------------------------------------------
# Verifying


@dataclass(frozen=True, slots=True)
class JwtVerification:
    """What a verified ``vc+jwt`` / ``vp+jwt`` says and who signed it."""

    kind: Literal["credential", "presentation"]
    document: dict[str, Any] = field(repr=False)
    header: dict[str, Any]
    claims: dict[str, Any]
    signer: str
    kid: str
    alg: str
    verification_method_type: str
    credential: Credential | None = field(default=None, repr=False)
    presentation: Presentation | None = field(default=None, repr=False)

    def to_dict(self) -> dict[str, Any]:
        return {
            "kind": self.kind,
            "header": self.header,
            "claims": self.claims,
            "signer": self.signer,
            "kid": self.kid,
            "alg": self.alg,
            "verificationMethodType": self.verification_method_type,
        }


def _kind_from_header(
    header: Mapping[str, Any], payload: Mapping[str, Any]
) -> Literal["credential", "presentation"]:
    """Infer credential vs presentation from ``typ`` / ``cty`` (RFC 7515 §4.1.9-10), else the payload."""
    typ = header.get("typ")
    cty = header.get("cty")
    kind: Literal["credential", "presentation"] | None = None
    if typ is not None:
        if not isinstance(typ, str):
            raise InvalidInput("typ must be a string", code="jwt.typ", at="/typ")
        t = typ.lower().removeprefix("application/")
        if t == TYP_VC:
            kind = "credential"
        elif t == TYP_VP:
            kind = "presentation"
        else:
            raise InvalidInput(
                f"typ must be {TYP_VC} or {TYP_VP}, not {typ[:40]!r}", code="jwt.typ", at="/typ"
            )
    if cty is not None:
        if not isinstance(cty, str):
            raise InvalidInput("cty must be a string", code="jwt.cty", at="/cty")
        c = cty.lower().removeprefix("application/")
        c_kind: Literal["credential", "presentation"] | None = (
            "credential" if c == "vc" else "presentation" if c == "vp" else None
        )
        if c_kind is None or (kind is not None and c_kind != kind):
            raise InvalidInput(f"cty {cty[:40]!r} does not match typ", code="jwt.cty", at="/cty")
        kind = c_kind
    if kind is None:
        types = payload.get("type")
        types_list = types if isinstance(types, list) else [types]
        kind = "presentation" if "VerifiablePresentation" in types_list else "credential"
    return kind


def _check_header(header: Mapping[str, Any]) -> str:
    """RFC 7515 §4.1 checks on the protected header; returns ``alg``."""
    alg = header.get("alg")
    if not isinstance(alg, str) or not alg:
        raise InvalidInput("the JWT header has no alg", code="jwt.alg_missing", at="/alg")
    if alg.lower() == "none":
        raise VerificationError(
            "unsecured JWTs (alg none) are never accepted", code="jwt.alg_none", at="/alg"
        )
    if alg not in _ALG_KEY_TYPES:
        raise UnsupportedError(
            f"JWS algorithm {alg[:20]!r} is not supported (EdDSA, Ed25519, ES256, ES256K)",
            code="jwt.alg_unsupported",
            at="/alg",
        )
    if "crit" in header:
        crit = header["crit"]
        if (
            not isinstance(crit, list)
            or not crit
            or not all(isinstance(c, str) for c in crit)
            or len(set(crit)) != len(crit)
        ):
            raise InvalidInput(
                "crit must be a non-empty array of unique names", code="jwt.crit_malformed", at="/crit"
            )
        for name in crit:
            if name in _REGISTERED_HEADERS or name not in header:
                raise InvalidInput(
                    f"crit lists {name[:40]!r}, which is registered or absent",
                    code="jwt.crit_malformed",
                    at="/crit",
                )
        # We implement no JWS extensions, so any critical one makes the JWS invalid (§4.1.11).
        raise VerificationError(
            f"critical header extension {crit[0][:40]!r} is not understood",
            code="jwt.crit_unsupported",
            at="/crit",
        )
    if "b64" in header:
        raise UnsupportedError("unencoded payloads (b64) are not supported", code="jwt.b64", at="/b64")
    kid = header.get("kid")
    if kid is None:
        raise InvalidInput(
            "the JWT header has no kid naming the issuer's key", code="jwt.kid_missing", at="/kid"
        )
    if not isinstance(kid, str) or not kid or len(kid) > 4096:
        raise InvalidInput("kid must be a non-empty string", code="jwt.kid_invalid", at="/kid")
    return alg


def _absolute_kid(kid: str, signer: str) -> str:
    if kid.startswith("#"):
        return signer + kid
    if not kid.startswith("did:"):
        raise InvalidInput(
            "kid must be a DID URL (or a fragment of the issuer's DID)", code="jwt.kid_invalid", at="/kid"
        )
    return kid


def _did_of(did_url: str) -> str:
    end = len(did_url)
    for sep in ("#", "?", "/"):
        i = did_url.find(sep)
        if i != -1:
            end = min(end, i)
    return did_url[:end]


def _check_time_claims(payload: Mapping[str, Any], *, now: datetime, skew: timedelta) -> dict[str, Any]:
    """RFC 7519 §4.1.4-6: ``exp``, ``nbf`` and ``iat`` against ``now`` with ``skew``."""
    found: dict[str, Any] = {}
    for name in _TIME_CLAIMS:
        if name not in payload:
            continue
        value = payload[name]
        if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
            raise InvalidInput(f"{name} must be a NumericDate", code="jwt.claim_type", at=f"/{name}")
        found[name] = value
    ts = now.timestamp()
    slack = skew.total_seconds()
    if "exp" in found and ts - slack >= found["exp"]:
        raise VerificationError(f"the JWT expired at {_fmt_ts(found['exp'])}", code="jwt.expired", at="/exp")
    if "nbf" in found and ts + slack < found["nbf"]:
        raise VerificationError(
            f"the JWT is not valid before {_fmt_ts(found['nbf'])}", code="jwt.not_yet_valid", at="/nbf"
        )
    if "iat" in found and ts + slack < found["iat"]:
        raise VerificationError(
            f"the JWT was issued in the future ({_fmt_ts(found['iat'])})", code="jwt.iat_future", at="/iat"
        )
    return found


def _fmt_ts(value: float) -> str:
    try:
        return datetime.fromtimestamp(value, UTC).isoformat()
    except (OverflowError, OSError, ValueError):
        return str(value)


def _check_registered_claims(
    payload: Mapping[str, Any], *, signer: str, entity_id: str | None, subject_ids: tuple[str, ...]
) -> dict[str, Any]:
    """VC-JOSE-COSE §3.1.3: claims that restate the document must not contradict it."""
    for legacy in ("vc", "vp"):
        if legacy in payload:
            raise InvalidInput(
                f"the {legacy!r} claim (VC-JWT 1.1) must not be present; the payload is the document itself",
                code="jwt.legacy_claim",
                at=f"/{legacy}",
            )
    claims: dict[str, Any] = {}
    for name in ("iss", "jti", "sub"):
        if name in payload:
            if not isinstance(payload[name], str):
                raise InvalidInput(f"{name} must be a string", code="jwt.claim_type", at=f"/{name}")
            claims[name] = payload[name]
    if "iss" in claims and claims["iss"] != signer:
        raise VerificationError("iss differs from the issuer/holder", code="jwt.iss_mismatch", at="/iss")
    if "jti" in claims and entity_id is not None and claims["jti"] != entity_id:
        raise VerificationError("jti differs from the document id", code="jwt.jti_mismatch", at="/jti")
    if "sub" in claims and subject_ids and claims["sub"] not in subject_ids:
        raise VerificationError(
            "sub differs from the credential subject id", code="jwt.sub_mismatch", at="/sub"
        )
    return claims


async def verify_jwt(
    token: Any,
    *,
    resolver: Resolver,
    now: datetime,
    skew: timedelta = timedelta(seconds=60),
    challenge: str | None = None,
    domain: str | None = None,
    expect: Literal["credential", "presentation"] | None = None,
    limits: Limits = DEFAULT_LIMITS,
    checks: Checks | None = None,
) -> JwtVerification:
    """Verify a ``vc+jwt`` or ``vp+jwt`` (VC-JOSE-COSE §3.1) and return what it says.

    Raises the first failure: :class:`InvalidInput` (malformed), :class:`VerificationError`
    (signature, key binding, time, challenge/domain), :class:`~didkit_py.errors.ResolutionError`
    (the key could not be obtained) or :class:`UnsupportedError`. Credentials enveloped in a
    presentation are *not* verified here (see :func:`didkit_py.credentials.verify`).
    """
    if now.tzinfo is None:
        raise ValueError("now must be timezone-aware")
    checks = checks if checks is not None else Checks()

    with checks.step("parse", "compact JWS with JSON header and payload"):
        jws = parse_compact_jws(token, limits=limits)
    with checks.step("header") as note:
        alg = _check_header(jws.header)
        kind = _kind_from_header(jws.header, jws.payload)
        if expect is not None and kind != expect:
            raise InvalidInput(f"expected a {expect}, got a {kind}", code="jwt.kind", at="/typ")
        note.message = f"alg {alg}, typ {jws.header.get('typ', '(none)')}"

    credential: Credential | None = None
    presentation: Presentation | None = None
    with checks.step("data model") as note:
        checks.document = jws.payload
        if kind == "credential":
            credential = parse_credential(jws.payload, limits=limits)
            signer, entity_id, subject_ids = credential.issuer, credential.id, credential.subject_ids
            note.message = f"VC Data Model {credential.data_model} credential"
        else:
            presentation = parse_presentation(jws.payload, limits=limits)
            iss = jws.payload.get("iss")
            holder = presentation.holder or (iss if isinstance(iss, str) else None)
            if holder is None:
                raise VerificationError(
                    "the presentation names no holder to bind the key to",
                    code="vp.holder_missing",
                    at="/holder",
                )
            signer, entity_id, subject_ids = holder, presentation.id, ()
            note.message = f"VC Data Model {presentation.data_model} presentation"
        claims = _check_registered_claims(
            jws.payload, signer=signer, entity_id=entity_id, subject_ids=subject_ids
        )

    role = "issuer" if kind == "credential" else "holder"
    relationship = "assertionMethod" if kind == "credential" else "authentication"
    with checks.step(f"{role} key") as note:
        kid = _absolute_kid(jws.header["kid"], signer)
        if not _DID_RE.match(_did_of(signer)) or _did_of(signer) != signer:
            raise UnsupportedError(
                f"the {role} must be a DID to find its key (got {signer[:60]!r})", code="jwt.signer_not_did"
            )
        if _did_of(kid) != signer:
            raise VerificationError(
                f"kid belongs to {_did_of(kid)[:80]}, not to the {role} {signer[:80]}",
                code="jwt.kid_mismatch",
                at="/kid",
            )
        try:
            vm = await resolver.resolve_verification_method(kid, purpose=relationship)
        except VerificationError as exc:
            raise VerificationError(
                f"the key is not listed under {relationship} in the {role}'s DID document",
                code="jwt.vm_relationship",
                at="/kid",
            ) from exc
        if vm.controller != signer:
            raise VerificationError(
                f"the verification method is controlled by {vm.controller[:80]}, not by the {role}",
                code="jwt.controller_mismatch",
                at="/kid",
            )
        if KeyType(vm.key_type) not in _ALG_KEY_TYPES[alg]:
            raise VerificationError(
                f"alg {alg} cannot be used with a {vm.key_type} key", code="jwt.alg_mismatch", at="/alg"
            )
        shown = vm.id[len(signer) :] if vm.id.startswith(signer + "#") else vm.id
        note.message = f"{shown} ({vm.type}, {vm.key_type}) under {relationship}"

    with checks.step("signature", f"{alg} signature verifies"):
        try:
            verify_signature(KeyType(vm.key_type), vm.public_key, jws.signing_input, jws.signature)
        except VerificationError as exc:
            detail = "" if exc.code == "signature.invalid" else f" ({exc.message})"
            raise VerificationError(
                f"the JWS signature does not verify{detail}", code="jwt.signature"
            ) from exc

    with checks.step("validity period") as note:
        claims.update(_check_time_claims(jws.payload, now=now, skew=skew))
        if credential is not None:
            check_validity_period(credential, now=now, skew=skew)
        note.message = f"valid at {now.astimezone(UTC).isoformat(timespec='seconds')}"

    if kind == "presentation":
        nonce = jws.payload.get("nonce")
        if nonce is not None and not isinstance(nonce, str):
            raise InvalidInput("nonce must be a string", code="jwt.claim_type", at="/nonce")
        aud = jws.payload.get("aud")
        auds = aud if isinstance(aud, list) else [] if aud is None else [aud]
        if not all(isinstance(a, str) for a in auds):
            raise InvalidInput(
                "aud must be a string or an array of strings", code="jwt.claim_type", at="/aud"
            )
        if nonce is not None:
            claims["nonce"] = nonce
        if aud is not None:
            claims["aud"] = aud
        if challenge is not None:
            with checks.step("challenge", "nonce matches the challenge"):
                if nonce is None or not hmac.compare_digest(nonce.encode(), challenge.encode()):
                    raise VerificationError(
                        "the presentation is not bound to this challenge", code="vp.challenge", at="/nonce"
                    )
        if domain is not None:
            with checks.step("domain", "aud includes the domain"):
                if domain not in auds:
                    raise VerificationError(
                        "the presentation is not meant for this domain", code="vp.domain", at="/aud"
                    )

    return JwtVerification(
        kind=kind,
        document=jws.payload,
        header=dict(jws.header),
        claims=claims,
        signer=signer,
        kid=kid,
        alg=alg,
        verification_method_type=vm.type,
        credential=credential,
        presentation=presentation,
    )


# --------------------------------------------------------------------------------------------
# The securing format (see didkit_py.credentials.formats)


class JoseFormat:
    """``vc+jwt`` / ``vp+jwt`` as a :class:`~didkit_py.credentials.formats.SecuringFormat`."""

    name = "vc+jwt"
    media_types: tuple[str, ...] = (MEDIA_TYPE_VC, MEDIA_TYPE_VP)

    def detect(self, document: str | dict[str, Any]) -> bool:
        """Any string without ``~`` (an SD-JWT has one): parsing then says precisely what is wrong."""
        return isinstance(document, str) and "~" not in document

    def issue(self, document: Mapping[str, Any], signer: Signer, options: IssueOptions) -> str:
        types = document.get("type")
        types_list = types if isinstance(types, list) else [types]
        if "VerifiablePresentation" in types_list:
            return issue_vp_jwt(
                document,
                key=signer.key,
                kid=signer.verification_method,
                now=options.now,
                challenge=options.challenge,
                domain=options.domain,
                lifetime=options.lifetime if options.lifetime is not None else DEFAULT_VP_LIFETIME,
            )
        if options.challenge is not None or options.domain is not None:
            raise InvalidInput("challenge and domain apply to presentations only", code="issue.challenge")
        return issue_vc_jwt(
            document,
            key=signer.key,
            kid=signer.verification_method,
            now=options.now,
            registered_claims=bool(options.extra.get("registered_claims", True)),
        )

    async def verify(
        self, document: str | dict[str, Any], options: VerifyOptions, checks: Checks
    ) -> Verified:
        result = await verify_jwt(
            document,
            resolver=options.resolver,
            now=options.now,
            skew=options.skew,
            challenge=options.challenge,
            domain=options.domain,
            expect=options.expect,
            limits=options.limits,
            checks=checks,
        )
        embedded: list[Embedded] = []
        warnings: list[str] = []
        if result.credential is not None:
            warnings.extend(result.credential.warnings)
        if result.presentation is not None:
            warnings.extend(result.presentation.warnings)
            for i, entry in enumerate(result.presentation.credentials):
                pointer = f"/verifiableCredential/{i}"
                if isinstance(entry, EnvelopedCredential):
                    embedded.append(Embedded(pointer, entry.data, entry.media_type))
                else:
                    embedded.append(Embedded(pointer, entry.document))
            if options.challenge is None and "nonce" in result.claims:
                warnings.append("the presentation's nonce was not checked (no challenge given)")
            if options.domain is None and "aud" in result.claims:
                warnings.append("the presentation's aud was not checked (no domain given)")
        return Verified(
            document=result.document,
            kind=result.kind,
            signer=result.signer,
            verification_method=result.kid,
            embedded=tuple(embedded),
            details=result,
            warnings=tuple(warnings),
        )


#: The registered instance (``FORMAT_TABLE`` in :mod:`didkit_py.credentials.formats`).
FORMAT: Final = JoseFormat()
