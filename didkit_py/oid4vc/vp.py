"""OpenID for Verifiable Presentations 1.0 — request objects and ``direct_post`` responses.

https://openid.net/specs/openid-4-verifiable-presentations-1_0.html

Wallet side: :func:`parse_authorization_request_uri` → :func:`resolve_authorization_request`
(fetches ``request_uri``, checks the signed request object and the ``client_id`` prefix, then
validates the parameters) → build a ``vp_token`` → :func:`direct_post_form`. Verifier side:
:func:`build_request_object`, :func:`authorization_request_uri`, :func:`parse_direct_post`.

Supported client identifier prefixes (§5.9.3): ``redirect_uri`` (unsigned requests only, the
value must equal the ``response_uri``) and ``decentralized_identifier`` (signed requests only, the
``kid`` must be a verification method of that DID). Any other prefix is refused.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import TYPE_CHECKING, Any, Final
from urllib.parse import parse_qs, urlencode, urlsplit

import httpx

from ..credentials.formats import Signer
from ..errors import DidkitError, InvalidInput, LimitExceeded, UnsupportedError, VerificationError
from ..exchange import parse_dcql_query
from ..keys import jws_alg, verify_signature
from ..suites.jose import encode_compact_jws, parse_compact_jws
from ._http import check_url, request

if TYPE_CHECKING:
    from ..did import Resolver

__all__ = [
    "REQUEST_OBJECT_TYP",
    "SUPPORTED_PREFIXES",
    "AuthorizationRequest",
    "authorization_request_uri",
    "build_request_object",
    "direct_post_form",
    "parse_authorization_request_uri",
    "parse_direct_post",
    "resolve_authorization_request",
    "split_client_id",
]

REQUEST_OBJECT_TYP: Final = "oauth-authz-req+jwt"
REQUEST_SCHEMES: Final = ("openid4vp", "haip-vp", "eudi-openid4vp", "mdoc-openid4vp", "https", "http")
SUPPORTED_PREFIXES: Final = ("redirect_uri", "decentralized_identifier")
MAX_REQUEST_CHARS: Final = 256 * 1024
_KNOWN_PREFIXES: Final = frozenset(
    {
        "redirect_uri",
        "decentralized_identifier",
        "x509_san_dns",
        "x509_hash",
        "verifier_attestation",
        "openid_federation",
        "origin",
    }
)


def _invalid(msg: str, code: str, at: str | None = None) -> InvalidInput:
    return InvalidInput(msg, code=f"oid4vp.{code}", at=at)


def split_client_id(client_id: str) -> tuple[str | None, str]:
    """§5.9.1: the prefix is everything before the first ``:``; none means pre-registered."""
    prefix, sep, value = client_id.partition(":")
    if sep and prefix in _KNOWN_PREFIXES:
        return prefix, value
    return None, client_id


@dataclass(frozen=True, slots=True)
class AuthorizationRequest:
    """A validated OpenID4VP Authorization Request, ready to evaluate and answer."""

    client_id: str
    client_id_prefix: str
    verifier_id: str  # the value after the prefix: a DID, or the response URI
    response_uri: str
    nonce: str
    state: str | None
    dcql_query: dict[str, Any] | None = field(default=None, repr=False)
    presentation_definition: dict[str, Any] | None = field(default=None, repr=False)
    client_metadata: dict[str, Any] = field(default_factory=dict, repr=False)
    signed: bool = False
    signer_kid: str | None = None

    @property
    def query(self) -> dict[str, Any]:
        """What the matcher evaluates: the DCQL query or the (legacy) presentation definition."""
        if self.dcql_query is not None:
            return self.dcql_query
        assert self.presentation_definition is not None
        return self.presentation_definition

    @property
    def verifier_name(self) -> str:
        name = self.client_metadata.get("client_name")
        return name if isinstance(name, str) and name else self.verifier_id


def parse_authorization_request_uri(uri: str) -> dict[str, str]:
    """The query parameters of an ``openid4vp://`` (or https) link; repeated parameters are refused."""
    if not isinstance(uri, str) or len(uri) > MAX_REQUEST_CHARS:
        raise _invalid("the request must be a URI of reasonable length", "request_uri")
    try:
        parts = urlsplit(uri.strip())
        raw = parse_qs(parts.query, keep_blank_values=True)
    except ValueError:
        raise _invalid("the request is not a valid URI", "request_uri") from None
    if parts.scheme not in REQUEST_SCHEMES:
        raise _invalid(f"unexpected request URI scheme {parts.scheme!r}", "request_uri")
    params: dict[str, str] = {}
    for k, v in raw.items():
        if len(v) != 1:
            raise _invalid(f"parameter {k} appears more than once", "request_uri", k)
        params[k] = v[0]
    if not params:
        raise _invalid("the request has no parameters", "request_uri")
    return params


def _json_param(value: Any, name: str) -> dict[str, Any] | None:
    if value is None:
        return None
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except (ValueError, RecursionError):
            raise _invalid(f"{name} is not JSON", "invalid_request", name) from None
    if not isinstance(value, dict):
        raise _invalid(f"{name} must be a JSON object", "invalid_request", name)
    return value


async def _fetch_request_object(
    params: Mapping[str, str], http: httpx.AsyncClient, allow_loopback_http: bool
) -> str:
    uri = params["request_uri"]
    check_url(uri, allow_loopback_http=allow_loopback_http, what="request_uri", at="request_uri")
    method = params.get("request_uri_method", "get")
    if method not in ("get", "post"):
        raise _invalid("request_uri_method must be get or post", "invalid_request", "request_uri_method")
    headers = {"accept": "application/oauth-authz-req+jwt"}
    res = await request(
        http,
        "POST" if method == "post" else "GET",
        uri,
        allow_loopback_http=allow_loopback_http,
        what="request object",
        headers=headers,
        data={} if method == "post" else None,
        max_bytes=MAX_REQUEST_CHARS,
    )
    if res.status != 200:
        raise _invalid(f"request_uri answered HTTP {res.status}", "request_uri_fetch")
    return res.text(what="request object").strip()


async def _verify_signed(
    token: str, *, client_id: str, resolver: Resolver, now: datetime, skew: timedelta
) -> tuple[dict[str, Any], str]:
    jws = parse_compact_jws(token)
    h, p = jws.header, jws.payload
    if h.get("typ") != REQUEST_OBJECT_TYP:
        raise VerificationError(
            f"request object typ must be {REQUEST_OBJECT_TYP}", code="oid4vp.request_typ", at="/typ"
        )
    prefix, value = split_client_id(client_id)
    if prefix != "decentralized_identifier":
        raise VerificationError(
            f"a signed request with client_id prefix {prefix or 'pre-registered'} cannot be checked here",
            code="oid4vp.client_id_prefix",
        )
    kid = h.get("kid")
    if not isinstance(kid, str) or kid.split("#", 1)[0] != value or "#" not in kid:
        raise VerificationError(
            "request object kid must be a verification method of the client_id DID",
            code="oid4vp.request_kid",
            at="/kid",
        )
    try:
        vm = await resolver.resolve_verification_method(kid)
    except DidkitError as exc:
        raise VerificationError(
            f"the verifier's key cannot be resolved ({exc.code})", code="oid4vp.request_key"
        ) from None
    if h.get("alg") != jws_alg(vm.key_type):
        raise VerificationError(
            "request object alg does not match the verifier's key", code="oid4vp.request_alg", at="/alg"
        )
    try:
        verify_signature(vm.key_type, vm.public_key, jws.signing_input, jws.signature)
    except VerificationError:
        raise VerificationError(
            "the request object's signature does not verify", code="oid4vp.request_signature"
        ) from None
    if p.get("client_id") != client_id:
        raise VerificationError(
            "the request object's client_id differs from the request's",
            code="oid4vp.client_id_mismatch",
            at="/client_id",
        )
    exp = p.get("exp")
    if exp is not None:
        if isinstance(exp, bool) or not isinstance(exp, int | float):
            raise _invalid("exp must be a NumericDate", "invalid_request", "/exp")
        if exp < (now - skew).timestamp():
            raise VerificationError(
                "the request object has expired", code="oid4vp.request_expired", at="/exp"
            )
    return p, kid


async def resolve_authorization_request(
    params: Mapping[str, str],
    *,
    http: httpx.AsyncClient,
    resolver: Resolver,
    now: datetime,
    allow_loopback_http: bool = False,
    skew: timedelta = timedelta(seconds=60),
) -> AuthorizationRequest:
    """Fetch and check a request; anything that does not check out raises before it is shown."""
    outer_client_id = params.get("client_id")
    if "request" in params and "request_uri" in params:
        raise _invalid("request and request_uri are exclusive", "invalid_request")
    token: str | None = None
    if "request_uri" in params:
        token = await _fetch_request_object(params, http, allow_loopback_http)
    elif "request" in params:
        token = params["request"]
    signed = token is not None
    kid: str | None = None
    claims: Mapping[str, Any]
    if token is not None:
        if not isinstance(outer_client_id, str) or not outer_client_id:
            raise _invalid(
                "client_id is required next to request / request_uri", "invalid_request", "client_id"
            )
        if len(token) > MAX_REQUEST_CHARS:
            raise LimitExceeded("request object is too large", code="oid4vp.too_large")
        if token.count(".") != 2:
            raise UnsupportedError(
                "only signed request objects (JWS) are supported", code="oid4vp.request_not_signed"
            )
        claims, kid = await _verify_signed(
            token, client_id=outer_client_id, resolver=resolver, now=now, skew=skew
        )
    else:
        claims = params
    client_id = claims.get("client_id")
    if not isinstance(client_id, str) or not client_id:
        raise _invalid("client_id is missing", "invalid_request", "client_id")
    prefix, value = split_client_id(client_id)
    if prefix not in SUPPORTED_PREFIXES:
        raise UnsupportedError(
            f"client_id prefix {prefix or '(pre-registered)'} is not supported "
            f"(supported: {', '.join(SUPPORTED_PREFIXES)})",
            code="oid4vp.client_id_prefix",
        )
    if prefix == "decentralized_identifier":
        if not signed:
            raise VerificationError(
                "a decentralized_identifier client must sign its request", code="oid4vp.request_not_signed"
            )
        if not value.startswith("did:"):
            raise _invalid("decentralized_identifier client_id must be a DID", "invalid_client", "client_id")
    if prefix == "redirect_uri" and signed:
        raise VerificationError(
            "a redirect_uri client must not sign its request (OpenID4VP §5.9.3)",
            code="oid4vp.redirect_uri_signed",
        )
    if claims.get("response_type") != "vp_token":
        raise _invalid("response_type must be vp_token", "unsupported_response_type", "response_type")
    response_mode = claims.get("response_mode")
    if response_mode != "direct_post":
        raise UnsupportedError(
            f"response_mode {response_mode!r} is not supported (direct_post only)",
            code="oid4vp.response_mode",
        )
    if "redirect_uri" in claims:
        raise _invalid("redirect_uri must not be present with direct_post", "invalid_request", "redirect_uri")
    response_uri = check_url(
        claims.get("response_uri"),
        allow_loopback_http=allow_loopback_http,
        what="response_uri",
        at="response_uri",
    )
    if prefix == "redirect_uri" and value != response_uri:
        raise VerificationError(
            "client_id does not match the response_uri (redirect_uri prefix)",
            code="oid4vp.client_id_mismatch",
            at="client_id",
        )
    nonce = claims.get("nonce")
    if not isinstance(nonce, str) or not nonce or len(nonce) > 512:
        raise _invalid("nonce is missing", "invalid_request", "nonce")
    state = claims.get("state")
    if state is not None and (not isinstance(state, str) or len(state) > 1024):
        raise _invalid("state must be a string", "invalid_request", "state")
    dcql = _json_param(claims.get("dcql_query"), "dcql_query")
    pd = _json_param(claims.get("presentation_definition"), "presentation_definition")
    if (dcql is None) == (pd is None):
        raise _invalid("give exactly one of dcql_query or presentation_definition", "invalid_request")
    if dcql is not None:
        parse_dcql_query(dcql)
    meta = _json_param(claims.get("client_metadata"), "client_metadata") or {}
    return AuthorizationRequest(
        client_id=client_id,
        client_id_prefix=prefix or "",
        verifier_id=value,
        response_uri=response_uri,
        nonce=nonce,
        state=state,
        dcql_query=dcql,
        presentation_definition=pd,
        client_metadata=meta,
        signed=signed,
        signer_kid=kid,
    )


# --------------------------------------------------------------------------- verifier side


def build_request_object(
    signer: Signer,
    *,
    response_uri: str,
    nonce: str,
    now: datetime,
    dcql_query: Mapping[str, Any] | None = None,
    presentation_definition: Mapping[str, Any] | None = None,
    state: str | None = None,
    client_metadata: Mapping[str, Any] | None = None,
    lifetime: timedelta = timedelta(minutes=5),
) -> tuple[str, str]:
    """A signed request object for a ``decentralized_identifier`` client; returns ``(client_id, jwt)``."""
    client_id = f"decentralized_identifier:{signer.did}"
    payload: dict[str, Any] = {
        "iss": signer.did,
        "aud": "https://self-issued.me/v2",
        "client_id": client_id,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": response_uri,
        "nonce": nonce,
        "iat": int(now.timestamp()),
        "exp": int((now + lifetime).timestamp()),
    }
    if dcql_query is not None:
        payload["dcql_query"] = dict(dcql_query)
    if presentation_definition is not None:
        payload["presentation_definition"] = dict(presentation_definition)
    if state is not None:
        payload["state"] = state
    if client_metadata is not None:
        payload["client_metadata"] = dict(client_metadata)
    header = {
        "alg": jws_alg(signer.key.key_type),
        "typ": REQUEST_OBJECT_TYP,
        "kid": signer.verification_method,
    }
    return client_id, encode_compact_jws(header, payload, signer.key)


def authorization_request_uri(
    *,
    client_id: str,
    request_uri: str | None = None,
    params: Mapping[str, Any] | None = None,
    scheme: str = "openid4vp://",
) -> str:
    """``openid4vp://?client_id=…&request_uri=…`` (by reference) or with the parameters by value."""
    q: dict[str, str] = {"client_id": client_id}
    if request_uri is not None:
        q["request_uri"] = request_uri
    for k, v in (params or {}).items():
        q[k] = v if isinstance(v, str) else json.dumps(v, separators=(",", ":"))
    return f"{scheme}?{urlencode(q)}"


def direct_post_form(vp_token: Mapping[str, list[Any]] | Any, state: str | None) -> dict[str, str]:
    """§8.2 ``direct_post``: form fields ``vp_token`` (JSON) and ``state``."""
    form = {"vp_token": json.dumps(vp_token, separators=(",", ":"))}
    if state is not None:
        form["state"] = state
    return form


def parse_direct_post(form: Mapping[str, str], *, dcql: bool = True) -> tuple[Any, str | None]:
    """Verifier side: ``(vp_token, state)``. With DCQL the token maps query ids to presentation arrays."""
    raw = form.get("vp_token")
    if not isinstance(raw, str) or not raw:
        raise _invalid("vp_token is missing", "invalid_response", "vp_token")
    if len(raw) > 4 * MAX_REQUEST_CHARS:
        raise LimitExceeded("vp_token is too large", code="oid4vp.too_large")
    try:
        token = json.loads(raw)
    except (ValueError, RecursionError):
        token = raw  # a bare compact presentation (legacy presentation_definition responses)
    if dcql:
        if not isinstance(token, dict) or not token:
            raise _invalid(
                "vp_token must be a JSON object keyed by credential query id", "invalid_response", "vp_token"
            )
        for k, v in token.items():
            if not isinstance(v, list) or not v or not all(isinstance(x, str | dict) for x in v):
                raise _invalid(
                    "each vp_token entry must be a non-empty array of presentations",
                    "invalid_response",
                    f"vp_token/{k}",
                )
    state = form.get("state")
    return token, state if isinstance(state, str) else None
