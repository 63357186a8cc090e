"""OpenID for Verifiable Credential Issuance 1.0 — the pre-authorized code flow, both sides.

https://openid.net/specs/openid-4-verifiable-credential-issuance-1_0.html

Parsers (wallet side): :func:`parse_credential_offer_uri`, :func:`parse_credential_offer`,
:func:`parse_issuer_metadata`, :func:`parse_token_response`, :func:`parse_nonce_response`,
:func:`parse_credential_response`. Builders: :func:`token_request_form`,
:func:`credential_request_body`, :func:`build_proof_jwt`. Issuer side: :func:`parse_token_request`,
:func:`parse_credential_request`, :func:`check_proof_jwt`. :class:`PreAuthorizedClient` runs the
whole flow over an injected ``httpx.AsyncClient``.

Deferred issuance (§9) and notifications (§11): :func:`parse_credential_outcome` (HTTP 200
credentials or 202 ``transaction_id`` + ``interval``), :func:`deferred_request_body` /
:func:`parse_deferred_request`, :func:`notification_request_body` /
:func:`parse_notification_request`; the client's :meth:`~PreAuthorizedClient.credential_outcome`,
:meth:`~PreAuthorizedClient.deferred_credential` and :meth:`~PreAuthorizedClient.notify`.
"""

from __future__ import annotations

import json
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, quote, urlsplit

import httpx
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from ..credentials.formats import Signer
from ..errors import DidkitError, InvalidInput, NetworkError, VerificationError
from ..keys import KeyType, jws_alg, key_pair_from_jwk, verify_signature
from ..suites.jose import encode_compact_jws, parse_compact_jws
from ._http import check_url, request

if TYPE_CHECKING:
    from ..did import Resolver

__all__ = [
    "NOTIFICATION_EVENTS",
    "OFFER_SCHEMES",
    "PRE_AUTHORIZED_GRANT",
    "PROOF_TYP",
    "CredentialConfiguration",
    "CredentialOffer",
    "CredentialOutcome",
    "CredentialResponse",
    "DeferredError",
    "IssuerMetadata",
    "PreAuthorizedClient",
    "ProofCheck",
    "TokenResponse",
    "TxCode",
    "as_metadata_url",
    "build_proof_jwt",
    "check_proof_jwt",
    "credential_offer_uri",
    "credential_request_body",
    "deferred_request_body",
    "issuer_metadata_url",
    "notification_request_body",
    "parse_credential_offer",
    "parse_credential_offer_uri",
    "parse_credential_outcome",
    "parse_credential_request",
    "parse_credential_response",
    "parse_deferred_request",
    "parse_issuer_metadata",
    "parse_nonce_response",
    "parse_notification_request",
    "parse_token_request",
    "parse_token_response",
    "token_request_form",
]

PRE_AUTHORIZED_GRANT: Final = "urn:ietf:params:oauth:grant-type:pre-authorized_code"
PROOF_TYP: Final = "openid4vci-proof+jwt"
OFFER_SCHEMES: Final = ("openid-credential-offer", "haip", "https", "http")
MAX_OFFER_CHARS: Final = 64 * 1024


def _invalid(msg: str, code: str, at: str | None = None) -> InvalidInput:
    return InvalidInput(msg, code=f"oid4vci.{code}", at=at)


def _model(cls: type[BaseModel], data: Any, *, what: str, code: str) -> Any:
    if not isinstance(data, dict):
        raise _invalid(f"{what} must be a JSON object", code, "/")
    try:
        return cls.model_validate(data)
    except ValidationError as exc:
        err = exc.errors()[0]
        at = "/" + "/".join(str(p) for p in err["loc"])
        raise _invalid(f"{what}: {err['msg']}", code, at) from None


class _Open(BaseModel):
    """Boundary model: unknown members are allowed (extension points) but kept."""

    model_config = ConfigDict(extra="allow", frozen=True, strict=True)


# --------------------------------------------------------------------------- credential offer


class TxCode(_Open):
    """§4.1.1 ``tx_code``: a transaction code sent to the holder out of band."""

    input_mode: str = "numeric"
    length: int | None = Field(default=None, ge=1, le=64)
    description: str | None = Field(default=None, max_length=300)


class PreAuthorizedGrant(_Open):
    pre_authorized_code: str = Field(alias="pre-authorized_code", min_length=1, max_length=4096)
    tx_code: TxCode | None = None
    authorization_server: str | None = None


class CredentialOffer(_Open):
    """§4.1.1 Credential Offer Parameters."""

    credential_issuer: str
    credential_configuration_ids: list[str] = Field(min_length=1, max_length=64)
    grants: dict[str, Any] | None = None

    def pre_authorized(self) -> PreAuthorizedGrant:
        grant = (self.grants or {}).get(PRE_AUTHORIZED_GRANT)
        if grant is None:
            raise _invalid("the offer has no pre-authorized code grant", "grant", "/grants")
        return _model(PreAuthorizedGrant, grant, what="pre-authorized code grant", code="grant")  # type: ignore[no-any-return]


def parse_credential_offer(data: Any, *, allow_loopback_http: bool = False) -> CredentialOffer:
    """Validate a Credential Offer object (§4.1.1)."""
    offer: CredentialOffer = _model(CredentialOffer, data, what="credential offer", code="offer")
    check_url(
        offer.credential_issuer,
        allow_loopback_http=allow_loopback_http,
        what="credential_issuer",
        at="/credential_issuer",
    )
    if urlsplit(offer.credential_issuer).query:
        raise _invalid("credential_issuer must not have a query", "offer", "/credential_issuer")
    ids = offer.credential_configuration_ids
    if len(set(ids)) != len(ids) or not all(ids):
        raise _invalid(
            "credential_configuration_ids must be unique non-empty strings",
            "offer",
            "/credential_configuration_ids",
        )
    if offer.grants is not None and PRE_AUTHORIZED_GRANT in offer.grants:
        grant = offer.pre_authorized()
        if grant.tx_code is not None and grant.tx_code.input_mode not in ("numeric", "text"):
            raise _invalid(
                "tx_code input_mode must be numeric or text",
                "offer",
                f"/grants/{PRE_AUTHORIZED_GRANT}/tx_code/input_mode",
            )
    return offer


def parse_credential_offer_uri(uri: str) -> tuple[dict[str, Any] | None, str | None]:
    """§4.1: ``credential_offer`` (by value, JSON) or ``credential_offer_uri`` (by reference).

    Returns ``(offer_json, None)`` or ``(None, offer_uri)``; exactly one parameter must be there.
    """
    if not isinstance(uri, str) or len(uri) > MAX_OFFER_CHARS:
        raise _invalid("the offer must be a URI of reasonable length", "offer_uri")
    uri = uri.strip()
    try:
        parts = urlsplit(uri)
        params = parse_qs(parts.query, keep_blank_values=True, strict_parsing=False)
    except ValueError:
        raise _invalid("the offer is not a valid URI", "offer_uri") from None
    if parts.scheme not in OFFER_SCHEMES:
        raise _invalid(f"unexpected offer URI scheme {parts.scheme!r}", "offer_uri")
    by_value = params.get("credential_offer")
    by_ref = params.get("credential_offer_uri")
    if bool(by_value) == bool(by_ref):
        raise _invalid("give exactly one of credential_offer or credential_offer_uri", "offer_uri")
    if by_value:
        if len(by_value) != 1:
            raise _invalid("credential_offer appears more than once", "offer_uri")
        try:
            value = json.loads(by_value[0])
        except (ValueError, RecursionError):
            raise _invalid("credential_offer is not JSON", "offer_uri", "credential_offer") from None
        if not isinstance(value, dict):
            raise _invalid("credential_offer must be a JSON object", "offer_uri", "credential_offer")
        return value, None
    assert by_ref is not None
    if len(by_ref) != 1:
        raise _invalid("credential_offer_uri appears more than once", "offer_uri")
    return None, by_ref[0]


def credential_offer_uri(
    offer: Mapping[str, Any] | None = None,
    *,
    offer_uri: str | None = None,
    scheme: str = "openid-credential-offer://",
) -> str:
    """The issuer side: an offer link by value or by reference."""
    if (offer is None) == (offer_uri is None):
        raise ValueError("give exactly one of offer or offer_uri")
    if offer is not None:
        text = json.dumps(offer, separators=(",", ":"))
        return f"{scheme}?credential_offer={quote(text, safe='')}"
    return f"{scheme}?credential_offer_uri={quote(str(offer_uri), safe='')}"


# --------------------------------------------------------------------------- metadata


def _well_known(identifier: str, suffix: str) -> str:
    """RFC 8414 §3.1: the well-known segment goes between the host and the path."""
    parts = urlsplit(identifier)
    path = parts.path.rstrip("/")
    return f"{parts.scheme}://{parts.netloc}/.well-known/{suffix}{path}"


def issuer_metadata_url(credential_issuer: str) -> str:
    """§12.2.2: ``/.well-known/openid-credential-issuer`` inserted before the issuer's path."""
    return _well_known(credential_issuer, "openid-credential-issuer")


def as_metadata_url(authorization_server: str) -> str:
    return _well_known(authorization_server, "oauth-authorization-server")


class CredentialConfiguration(_Open):
    """§12.2.4 one entry of ``credential_configurations_supported``."""

    format: str
    scope: str | None = None
    cryptographic_binding_methods_supported: list[str] | None = None
    credential_signing_alg_values_supported: list[Any] | None = None
    proof_types_supported: dict[str, Any] | None = None
    credential_metadata: dict[str, Any] | None = None
    vct: str | None = None
    credential_definition: dict[str, Any] | None = None

    def display_name(self, fallback: str) -> str:
        for source in (self.credential_metadata or {}, self.model_extra or {}):
            display = source.get("display")
            if isinstance(display, list):
                for d in display:
                    if isinstance(d, dict) and isinstance(d.get("name"), str):
                        return str(d["name"])
        return fallback

    def proof_algs(self) -> list[str] | None:
        jwt = (self.proof_types_supported or {}).get("jwt")
        algs = jwt.get("proof_signing_alg_values_supported") if isinstance(jwt, dict) else None
        return [a for a in algs if isinstance(a, str)] if isinstance(algs, list) else None


class IssuerMetadata(_Open):
    """§12.2.4 Credential Issuer Metadata (the members the wallet uses)."""

    credential_issuer: str
    credential_endpoint: str
    authorization_servers: list[str] | None = None
    nonce_endpoint: str | None = None
    deferred_credential_endpoint: str | None = None
    notification_endpoint: str | None = None
    display: list[dict[str, Any]] | None = None
    credential_configurations_supported: dict[str, CredentialConfiguration]

    def issuer_name(self) -> str:
        for d in self.display or []:
            if isinstance(d.get("name"), str):
                return str(d["name"])
        return urlsplit(self.credential_issuer).netloc


def parse_issuer_metadata(
    data: Any, *, credential_issuer: str, allow_loopback_http: bool = False
) -> IssuerMetadata:
    """Validate issuer metadata; ``credential_issuer`` must equal the one the offer named (§12.2.3)."""
    meta: IssuerMetadata = _model(IssuerMetadata, data, what="issuer metadata", code="metadata")
    if meta.credential_issuer != credential_issuer:
        raise VerificationError(
            "the metadata's credential_issuer differs from the offer's",
            code="oid4vci.issuer_mismatch",
            at="/credential_issuer",
        )
    for name in (
        "credential_endpoint",
        "nonce_endpoint",
        "deferred_credential_endpoint",
        "notification_endpoint",
    ):
        value = getattr(meta, name)
        if value is not None:
            check_url(value, allow_loopback_http=allow_loopback_http, what=name, at=f"/{name}")
    for i, asrv in enumerate(meta.authorization_servers or []):
        check_url(
            asrv,
            allow_loopback_http=allow_loopback_http,
            what="authorization server",
            at=f"/authorization_servers/{i}",
        )
    return meta


# --------------------------------------------------------------------------- token


class TokenResponse(_Open):
    """RFC 6749 §5.1 / OpenID4VCI §6.2."""

    access_token: str = Field(min_length=1, max_length=8192)
    token_type: str
    expires_in: int | None = None
    authorization_details: list[dict[str, Any]] | None = None


def token_request_form(pre_authorized_code: str, tx_code: str | None = None) -> dict[str, str]:
    """§6.1 Token Request for the pre-authorized code grant (form-encoded)."""
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": pre_authorized_code}
    if tx_code is not None:
        form["tx_code"] = tx_code
    return form


def parse_token_request(form: Mapping[str, str]) -> tuple[str, str | None]:
    """Issuer side: ``(pre_authorized_code, tx_code)`` from a Token Request form."""
    if not isinstance(form, Mapping):
        raise InvalidInput("a Token Request is a form", code="oid4vci.invalid_request")
    if form.get("grant_type") != PRE_AUTHORIZED_GRANT:
        raise InvalidInput("unsupported grant_type", code="oid4vci.unsupported_grant_type", at="grant_type")
    code = form.get("pre-authorized_code")
    if not isinstance(code, str) or not code or len(code) > 4096:
        raise InvalidInput(
            "pre-authorized_code is missing", code="oid4vci.invalid_request", at="pre-authorized_code"
        )
    tx = form.get("tx_code")
    if tx is not None and (not isinstance(tx, str) or len(tx) > 256):
        raise InvalidInput("tx_code is malformed", code="oid4vci.invalid_request", at="tx_code")
    return code, tx


def parse_token_response(data: Any) -> TokenResponse:
    tok: TokenResponse = _model(TokenResponse, data, what="token response", code="token")
    if tok.token_type.lower() != "bearer":
        raise UnsupportedTokenType(
            f"token_type {tok.token_type!r} is not supported (Bearer only)",
            code="oid4vci.token_type",
            at="/token_type",
        )
    return tok


class UnsupportedTokenType(InvalidInput):
    """A DPoP-bound (or other) token type we cannot use."""


def parse_nonce_response(data: Any) -> str:
    """§7.2: ``{"c_nonce": "..."}``."""
    if not isinstance(data, dict) or not isinstance(data.get("c_nonce"), str) or not data["c_nonce"]:
        raise _invalid("nonce response has no c_nonce", "nonce", "/c_nonce")
    if len(data["c_nonce"]) > 1024:
        raise _invalid("c_nonce is too long", "nonce", "/c_nonce")
    return str(data["c_nonce"])


# --------------------------------------------------------------------------- proof of possession


def build_proof_jwt(
    signer: Signer, *, audience: str, nonce: str | None, now: datetime, client_id: str | None = None
) -> str:
    """Appendix F.1 ``jwt`` proof: typ ``openid4vci-proof+jwt``, kid = the holder's DID URL.

    ``iss`` is omitted for the anonymous pre-authorized flow (no client_id).
    """
    header = {"alg": jws_alg(signer.key.key_type), "typ": PROOF_TYP, "kid": signer.verification_method}
    payload: dict[str, Any] = {"aud": audience, "iat": int(now.timestamp())}
    if nonce is not None:
        payload["nonce"] = nonce
    if client_id is not None:
        payload["iss"] = client_id
    return encode_compact_jws(header, payload, signer.key)


@dataclass(frozen=True, slots=True)
class ProofCheck:
    """A checked proof: the holder's key (for ``cnf`` / ``credentialSubject.id``)."""

    key_type: KeyType
    public_key: bytes = field(repr=False)
    kid: str | None
    jwk: dict[str, Any] | None
    nonce: str | None

    @property
    def holder_did(self) -> str | None:
        return self.kid.split("#", 1)[0] if self.kid else None


async def check_proof_jwt(
    token: Any,
    *,
    resolver: Resolver,
    audience: str,
    now: datetime,
    consume_nonce: Callable[[str], Awaitable[bool]] | None,
    max_age: float = 300.0,
    skew: float = 60.0,
    allowed_algs: tuple[str, ...] = ("EdDSA", "ES256", "ES256K"),
) -> ProofCheck:
    """Issuer side, Appendix F.4: verify a ``jwt`` proof of possession.

    ``consume_nonce`` must atomically check and retire a ``c_nonce`` the issuer handed out
    (return False when unknown or used); ``None`` when the issuer has no nonce endpoint.
    """
    jws = parse_compact_jws(token)
    h, p = jws.header, jws.payload
    if h.get("typ") != PROOF_TYP:
        raise VerificationError(f"proof typ must be {PROOF_TYP}", code="oid4vci.invalid_proof", at="/typ")
    alg = h.get("alg")
    if alg not in allowed_algs:
        raise VerificationError("proof alg is not allowed", code="oid4vci.invalid_proof", at="/alg")
    kid, jwk = h.get("kid"), h.get("jwk")
    if (kid is None) == (jwk is None) or "x5c" in h:
        raise VerificationError(
            "proof header needs exactly one of kid (DID URL) or jwk", code="oid4vci.invalid_proof", at="/kid"
        )
    if kid is not None:
        if not isinstance(kid, str) or not kid.startswith("did:") or "#" not in kid:
            raise VerificationError("proof kid must be a DID URL", code="oid4vci.invalid_proof", at="/kid")
        try:
            vm = await resolver.resolve_verification_method(kid)
        except DidkitError as exc:
            raise VerificationError(
                f"proof key cannot be resolved: {exc.code}", code="oid4vci.invalid_proof", at="/kid"
            ) from None
        key_type, public = vm.key_type, vm.public_key
    else:
        if not isinstance(jwk, dict) or "d" in jwk:
            raise VerificationError("proof jwk must be a public JWK", code="oid4vci.invalid_proof", at="/jwk")
        try:
            kp = key_pair_from_jwk(jwk)
        except DidkitError:
            raise VerificationError(
                "proof jwk is not a usable key", code="oid4vci.invalid_proof", at="/jwk"
            ) from None
        key_type, public = kp.key_type, kp.public_key
    if jws_alg(key_type) != alg:
        raise VerificationError("proof alg does not match its key", code="oid4vci.invalid_proof", at="/alg")
    verify_signature(key_type, public, jws.signing_input, jws.signature)
    if p.get("aud") != audience and not (isinstance(p.get("aud"), list) and audience in p["aud"]):
        raise VerificationError(
            "proof aud is not this credential issuer", code="oid4vci.invalid_proof", at="/aud"
        )
    iat = p.get("iat")
    if isinstance(iat, bool) or not isinstance(iat, int | float):
        raise VerificationError("proof iat is missing", code="oid4vci.invalid_proof", at="/iat")
    ts = now.timestamp()
    if iat > ts + skew or iat < ts - max_age - skew:
        raise VerificationError(
            "proof iat is outside the accepted window", code="oid4vci.invalid_proof", at="/iat"
        )
    nonce = p.get("nonce")
    if consume_nonce is not None and (not isinstance(nonce, str) or not await consume_nonce(nonce)):
        raise VerificationError(
            "proof nonce is missing, unknown or used", code="oid4vci.invalid_nonce", at="/nonce"
        )
    return ProofCheck(
        key_type,
        public,
        kid if isinstance(kid, str) else None,
        jwk if isinstance(jwk, dict) else None,
        nonce if isinstance(nonce, str) else None,
    )


# --------------------------------------------------------------------------- credential request


def credential_request_body(configuration_id: str, proofs: list[str]) -> dict[str, Any]:
    """§8.2 Credential Request with ``proofs.jwt``."""
    body: dict[str, Any] = {"credential_configuration_id": configuration_id}
    if proofs:
        body["proofs"] = {"jwt": list(proofs)}
    return body


def parse_credential_request(data: Any) -> tuple[str, list[str]]:
    """Issuer side: ``(credential_configuration_id, jwt proofs)``; ``credential_identifier`` is refused."""
    if not isinstance(data, dict):
        raise InvalidInput(
            "credential request must be a JSON object", code="oid4vci.invalid_credential_request"
        )
    if "credential_identifier" in data:
        raise InvalidInput(
            "credential_identifier is not supported here; use credential_configuration_id",
            code="oid4vci.invalid_credential_request",
            at="/credential_identifier",
        )
    cid = data.get("credential_configuration_id")
    if not isinstance(cid, str) or not cid:
        raise InvalidInput(
            "credential_configuration_id is missing",
            code="oid4vci.invalid_credential_request",
            at="/credential_configuration_id",
        )
    if "proof" in data:
        raise InvalidInput(
            "use proofs (OpenID4VCI 1.0), not proof", code="oid4vci.invalid_credential_request", at="/proof"
        )
    proofs = data.get("proofs")
    if proofs is None:
        return cid, []
    if not isinstance(proofs, dict) or set(proofs) != {"jwt"}:
        raise InvalidInput(
            "proofs must hold exactly one proof type: jwt", code="oid4vci.invalid_proof", at="/proofs"
        )
    jwts = proofs["jwt"]
    if not isinstance(jwts, list) or not jwts or len(jwts) > 16 or not all(isinstance(j, str) for j in jwts):
        raise InvalidInput(
            "proofs.jwt must be a non-empty array of JWTs", code="oid4vci.invalid_proof", at="/proofs/jwt"
        )
    return cid, list(jwts)


class CredentialResponse(_Open):
    """§8.3 Credential Response: ``credentials`` (HTTP 200) or ``transaction_id`` + ``interval`` (202)."""

    credentials: list[dict[str, Any]] | None = None
    transaction_id: str | None = None
    interval: int | None = None
    notification_id: str | None = None


def parse_credential_response(data: Any) -> list[str | dict[str, Any]]:
    resp: CredentialResponse = _model(CredentialResponse, data, what="credential response", code="credential")
    if resp.credentials is None:
        if resp.transaction_id is not None:
            raise _invalid(
                "the issuer deferred issuance (transaction_id): use parse_credential_outcome",
                "deferred",
            )
        raise _invalid("credential response has no credentials", "credential", "/credentials")
    out: list[str | dict[str, Any]] = []
    for i, item in enumerate(resp.credentials):
        value = item.get("credential")
        if not isinstance(value, str | dict) or not value:
            raise _invalid("each credentials entry needs a credential", "credential", f"/credentials/{i}")
        out.append(value)
    if not out:
        raise _invalid("credential response has no credentials", "credential", "/credentials")
    return out


NOTIFICATION_EVENTS: Final = ("credential_accepted", "credential_failure", "credential_deleted")
MAX_ID_CHARS: Final = 1024


def _ascii_text_ok(value: str) -> bool:
    """§8.3.1.2 / §11.1: ``%x20-21 / %x23-5B / %x5D-7E`` (printable ASCII without ``"`` and ``\\``)."""
    return all(0x20 <= ord(c) <= 0x7E and c not in '"\\' for c in value)


@dataclass(frozen=True, slots=True)
class CredentialOutcome:
    """A Credential or Deferred Credential Response: credentials now, or a transaction to poll."""

    credentials: list[str | dict[str, Any]]
    transaction_id: str | None = None
    interval: int | None = None
    notification_id: str | None = None

    @property
    def pending(self) -> bool:
        return self.transaction_id is not None


def parse_credential_outcome(data: Any, *, status: int = 200) -> CredentialOutcome:
    """§8.3 / §9.2: HTTP 200 with ``credentials`` (and maybe ``notification_id``), or HTTP 202
    with ``transaction_id`` and a positive ``interval`` (never both)."""
    resp: CredentialResponse = _model(CredentialResponse, data, what="credential response", code="credential")
    if resp.transaction_id is not None or status == 202:
        if status != 202:
            raise _invalid("a transaction_id comes with HTTP 202", "credential", "/transaction_id")
        if resp.credentials is not None or resp.notification_id is not None:
            raise _invalid(
                "a deferred response has no credentials or notification_id", "credential", "/credentials"
            )
        tid = resp.transaction_id
        if not tid or len(tid) > MAX_ID_CHARS:
            raise _invalid("a deferred response needs a transaction_id", "credential", "/transaction_id")
        if resp.interval is None or resp.interval <= 0:
            raise _invalid("a deferred response needs a positive interval", "credential", "/interval")
        return CredentialOutcome([], tid, resp.interval)
    if resp.interval is not None:
        raise _invalid("interval comes only with a transaction_id", "credential", "/interval")
    nid = resp.notification_id
    if nid is not None and (not nid or len(nid) > MAX_ID_CHARS):
        raise _invalid("notification_id is malformed", "credential", "/notification_id")
    return CredentialOutcome(parse_credential_response(data), None, None, nid)


def deferred_request_body(transaction_id: str) -> dict[str, Any]:
    """§9.1 Deferred Credential Request."""
    return {"transaction_id": transaction_id}


def parse_deferred_request(data: Any) -> str:
    """Issuer side: the ``transaction_id`` of a Deferred Credential Request (other members ignored)."""
    if not isinstance(data, dict):
        raise InvalidInput(
            "deferred credential request must be a JSON object", code="oid4vci.invalid_credential_request"
        )
    tid = data.get("transaction_id")
    if not isinstance(tid, str) or not tid or len(tid) > MAX_ID_CHARS:
        raise InvalidInput(
            "transaction_id is missing", code="oid4vci.invalid_credential_request", at="/transaction_id"
        )
    return tid


def notification_request_body(
    notification_id: str, event: str, description: str | None = None
) -> dict[str, Any]:
    """§11.1 Notification Request."""
    if event not in NOTIFICATION_EVENTS:
        raise ValueError(f"event must be one of {', '.join(NOTIFICATION_EVENTS)}")
    body = {"notification_id": notification_id, "event": event}
    if description is not None:
        body["event_description"] = "".join(c if _ascii_text_ok(c) else "?" for c in description)[:300]
    return body


def parse_notification_request(data: Any) -> tuple[str, str]:
    """Issuer side, §11.1: ``(notification_id, event)``; errors are ``invalid_notification_request``.

    ``event_description`` is checked for its character set and otherwise dropped.
    """

    def bad(msg: str, at: str) -> InvalidInput:
        return InvalidInput(msg, code="oid4vci.invalid_notification_request", at=at)

    if not isinstance(data, dict):
        raise bad("notification request must be a JSON object", "/")
    nid = data.get("notification_id")
    if not isinstance(nid, str) or not nid or len(nid) > MAX_ID_CHARS:
        raise bad("notification_id is missing", "/notification_id")
    event = data.get("event")
    if event not in NOTIFICATION_EVENTS:
        raise bad(f"event must be one of {', '.join(NOTIFICATION_EVENTS)}", "/event")
    desc = data.get("event_description")
    if desc is not None and (not isinstance(desc, str) or len(desc) > 1000 or not _ascii_text_ok(desc)):
        raise bad(
            "event_description must be printable ASCII without quotes or backslashes", "/event_description"
        )
    return nid, str(event)


class DeferredError(NetworkError):
    """The Deferred Credential Endpoint refused: ``code`` is ``oid4vci.<error>``
    (``invalid_transaction_id``, ``credential_request_denied``, …)."""


# --------------------------------------------------------------------------- client


@dataclass(slots=True)
class PreAuthorizedClient:
    """Runs the pre-authorized code flow. Each step is a method so a CLI can show progress and prompt."""

    http: httpx.AsyncClient
    allow_loopback_http: bool = False

    async def _json(
        self, method: str, url: str, *, what: str, ok: tuple[int, ...] = (200,), **kwargs: Any
    ) -> Any:
        res = await request(
            self.http, method, url, allow_loopback_http=self.allow_loopback_http, what=what, **kwargs
        )
        if res.status not in ok:
            detail = ""
            if res.content_type == "application/json":
                try:
                    body = json.loads(res.body)
                    if isinstance(body, dict) and isinstance(body.get("error"), str):
                        detail = f": {body['error'][:80]}"
                except ValueError:
                    pass
            raise NetworkError(f"{what} answered HTTP {res.status}{detail}", code="oid4vci.http_status")
        return res.json(what=what)

    async def resolve_offer(self, uri: str) -> CredentialOffer:
        offer, ref = parse_credential_offer_uri(uri)
        if ref is not None:
            check_url(ref, allow_loopback_http=self.allow_loopback_http, what="credential_offer_uri")
            offer = await self._json(
                "GET", ref, what="credential offer", headers={"accept": "application/json"}
            )
        return parse_credential_offer(offer, allow_loopback_http=self.allow_loopback_http)

    async def issuer_metadata(self, offer: CredentialOffer) -> IssuerMetadata:
        data = await self._json(
            "GET",
            issuer_metadata_url(offer.credential_issuer),
            what="issuer metadata",
            headers={"accept": "application/json"},
        )
        return parse_issuer_metadata(
            data, credential_issuer=offer.credential_issuer, allow_loopback_http=self.allow_loopback_http
        )

    async def token_endpoint(self, offer: CredentialOffer, meta: IssuerMetadata) -> str:
        grant = offer.pre_authorized()
        servers = meta.authorization_servers or [meta.credential_issuer]
        asrv = grant.authorization_server or servers[0]
        if asrv not in servers:
            raise VerificationError(
                "the offer names an authorization server the issuer does not list",
                code="oid4vci.authorization_server",
            )
        data = await self._json("GET", as_metadata_url(asrv), what="authorization server metadata")
        if not isinstance(data, dict) or data.get("issuer") != asrv:
            raise VerificationError(
                "authorization server metadata names another issuer", code="oid4vci.as_mismatch"
            )
        endpoint = data.get("token_endpoint")
        return check_url(endpoint, allow_loopback_http=self.allow_loopback_http, what="token_endpoint")

    async def token(self, endpoint: str, offer: CredentialOffer, tx_code: str | None) -> TokenResponse:
        grant = offer.pre_authorized()
        data = await self._json(
            "POST",
            endpoint,
            what="token endpoint",
            data=token_request_form(grant.pre_authorized_code, tx_code),
        )
        return parse_token_response(data)

    async def nonce(self, meta: IssuerMetadata) -> str | None:
        if meta.nonce_endpoint is None:
            return None
        return parse_nonce_response(await self._json("POST", meta.nonce_endpoint, what="nonce endpoint"))

    async def credential(
        self, meta: IssuerMetadata, token: TokenResponse, configuration_id: str, proof: str | None
    ) -> list[str | dict[str, Any]]:
        body = credential_request_body(configuration_id, [proof] if proof else [])
        data = await self._json(
            "POST",
            meta.credential_endpoint,
            what="credential endpoint",
            json_body=body,
            headers={"authorization": f"Bearer {token.access_token}"},
            ok=(200, 202),
        )
        return parse_credential_response(data)

    async def _post(self, url: str, *, what: str, token: str, body: dict[str, Any]) -> tuple[int, Any]:
        res = await request(
            self.http,
            "POST",
            url,
            allow_loopback_http=self.allow_loopback_http,
            what=what,
            json_body=body,
            headers={"authorization": f"Bearer {token}"},
        )
        if res.status == 204:
            return 204, None
        data: Any = None
        if res.content_type == "application/json":
            try:
                data = json.loads(res.body)
            except ValueError:
                data = None
        return res.status, data

    async def credential_outcome(
        self, meta: IssuerMetadata, token: TokenResponse, configuration_id: str, proofs: list[str]
    ) -> CredentialOutcome:
        """Like :meth:`credential`, but a deferred answer (HTTP 202) is returned, not refused."""
        status, data = await self._post(
            meta.credential_endpoint,
            what="credential endpoint",
            token=token.access_token,
            body=credential_request_body(configuration_id, proofs),
        )
        if status not in (200, 202):
            raise NetworkError(
                f"credential endpoint answered HTTP {status}{_error_suffix(data)}", code="oid4vci.http_status"
            )
        return parse_credential_outcome(data, status=status)

    async def deferred_credential(
        self, endpoint: str, access_token: str, transaction_id: str, *, default_interval: int = 60
    ) -> CredentialOutcome:
        """§9: poll the Deferred Credential Endpoint once.

        Still pending → an outcome with ``transaction_id`` and ``interval``; refused →
        :class:`DeferredError` whose code names the issuer's error. A pre-1.0 ``issuance_pending``
        error (HTTP 400) counts as pending.
        """
        check_url(endpoint, allow_loopback_http=self.allow_loopback_http, what="deferred_credential_endpoint")
        status, data = await self._post(
            endpoint,
            what="deferred credential endpoint",
            token=access_token,
            body=deferred_request_body(transaction_id),
        )
        if status in (200, 202):
            return parse_credential_outcome(data, status=status)
        error = data.get("error") if isinstance(data, dict) else None
        if status == 400 and error == "issuance_pending":
            interval = data.get("interval") if isinstance(data, dict) else None
            ok = isinstance(interval, int) and not isinstance(interval, bool) and interval > 0
            return CredentialOutcome([], transaction_id, interval if ok else default_interval)
        if (
            isinstance(error, str)
            and error.isascii()
            and error.replace("_", "").isalnum()
            and len(error) < 64
        ):
            raise DeferredError(f"deferred credential endpoint: {error}", code=f"oid4vci.{error}")
        raise NetworkError(f"deferred credential endpoint answered HTTP {status}", code="oid4vci.http_status")

    async def notify(
        self,
        endpoint: str,
        access_token: str,
        notification_id: str,
        event: str,
        description: str | None = None,
    ) -> None:
        """§11: tell the issuer what became of the credentials of one response."""
        check_url(endpoint, allow_loopback_http=self.allow_loopback_http, what="notification_endpoint")
        status, data = await self._post(
            endpoint,
            what="notification endpoint",
            token=access_token,
            body=notification_request_body(notification_id, event, description),
        )
        if not 200 <= status < 300:
            raise NetworkError(
                f"notification endpoint answered HTTP {status}{_error_suffix(data)}",
                code="oid4vci.http_status",
            )


def _error_suffix(data: Any) -> str:
    if isinstance(data, dict) and isinstance(data.get("error"), str):
        return f": {data['error'][:80]}"
    return ""
