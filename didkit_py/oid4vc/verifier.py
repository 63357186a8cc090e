"""OpenID for Verifiable Presentations 1.0, the verifier's side of the messages.

https://openid.net/specs/openid-4-verifiable-presentations-1_0.html

- §5 the Authorization Request, passed by reference (RFC 9101 ``request_uri``): the deep link
  ``openid4vp://?client_id=…&request_uri=…`` and the Request Object, a JWT with
  ``typ: oauth-authz-req+jwt`` (:func:`build_request_object`, :func:`authorization_request_uri`);
- §5.9 Client Identifier Prefixes: ``decentralized_identifier:`` (the request is signed with a
  key of that DID, the ``kid`` is a DID URL of it) and ``redirect_uri:`` (§5.9.3: "the
  Authorization Request MUST NOT be signed", so its Request Object is an unsecured JWT,
  ``alg: none``, and ``client_id`` is the ``response_uri``);
- §8.2 Response Mode ``direct_post``: the wallet posts ``vp_token`` and ``state`` (or ``error``)
  form-encoded to the ``response_uri`` (:func:`parse_direct_post`); §8.1 with a DCQL query the
  ``vp_token`` is a JSON object whose keys are the Credential Query ids and whose values are
  non-empty arrays of presentations (strings for JWT-based formats, objects for ``ldp_vp``).

The holder's side (fetching and validating a request, building a response) is the wallet's
modules in this package; this module only builds what a verifier publishes and parses what it
receives.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final, Literal
from urllib.parse import urlencode, urlsplit

from .._encoding import b64url_encode
from ..errors import InvalidInput, LimitExceeded
from ..keys import KeyPair, KeyType, jws_alg, sign

__all__ = [
    "CLIENT_ID_PREFIXES",
    "REQUEST_OBJECT_TYP",
    "SELF_ISSUED_AUDIENCE",
    "AuthorizationResponse",
    "authorization_request_uri",
    "build_request_object",
    "client_id_for",
    "parse_direct_post",
    "split_client_id",
]

#: RFC 9101 §10.8 media type of a Request Object, used as its JWT ``typ``.
REQUEST_OBJECT_TYP: Final = "oauth-authz-req+jwt"
#: §5.8: the ``aud`` of a Request Object when the wallet's metadata is not known (static discovery).
SELF_ISSUED_AUDIENCE: Final = "https://self-issued.me/v2"
CLIENT_ID_PREFIXES: Final = ("decentralized_identifier", "redirect_uri")
ClientIdPrefix = Literal["decentralized_identifier", "redirect_uri"]

_MAX_FIELD = 1024 * 1024
_MAX_PRESENTATIONS = 64


def client_id_for(prefix: ClientIdPrefix, value: str) -> str:
    """``<prefix>:<value>`` (§5.9): a DID for ``decentralized_identifier``, the response URI for
    ``redirect_uri``."""
    if prefix == "decentralized_identifier":
        if not value.startswith("did:"):
            raise InvalidInput("a decentralized_identifier client_id needs a DID", code="oid4vp.client_id")
    elif prefix == "redirect_uri":
        parts = urlsplit(value)
        if parts.scheme not in ("https", "http") or not parts.netloc:
            raise InvalidInput("a redirect_uri client_id needs an http(s) URL", code="oid4vp.client_id")
    else:
        raise InvalidInput(f"unknown client_id prefix {prefix!r}", code="oid4vp.client_id_prefix")
    return f"{prefix}:{value}"


def split_client_id(client_id: str) -> tuple[ClientIdPrefix, str]:
    """The prefix and the rest of a prefixed ``client_id`` (only the prefixes we use)."""
    prefix, sep, rest = client_id.partition(":")
    if not sep or not rest:
        raise InvalidInput("client_id has no prefix", code="oid4vp.client_id_prefix")
    if prefix == "decentralized_identifier":
        return "decentralized_identifier", rest
    if prefix == "redirect_uri":
        return "redirect_uri", rest
    raise InvalidInput(f"unsupported client_id prefix {prefix!r}", code="oid4vp.client_id_prefix")


def _json(value: Mapping[str, Any]) -> bytes:
    return json.dumps(value, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def build_request_object(
    *,
    client_id: str,
    response_uri: str,
    nonce: str,
    state: str,
    now: datetime,
    dcql_query: Mapping[str, Any] | None = None,
    presentation_definition: Mapping[str, Any] | None = None,
    client_metadata: Mapping[str, Any] | None = None,
    lifetime: timedelta = timedelta(minutes=10),
    key: KeyPair | None = None,
    kid: str | None = None,
    extra: Mapping[str, Any] | None = None,
) -> str:
    """The Request Object (§5, RFC 9101) for Response Mode ``direct_post``, as a compact JWT.

    Exactly one of ``dcql_query`` (§5.1, the 1.0 query language) and ``presentation_definition``
    (DIF PE v2, accepted by wallets that implement the pre-1.0 drafts) is given. With a
    ``decentralized_identifier:`` ``client_id`` the JWT is signed with ``key`` and ``kid`` must
    be a DID URL of that DID; with ``redirect_uri:`` it is unsecured (``alg: none``) and
    ``client_id`` must name ``response_uri``.
    """
    if (dcql_query is None) == (presentation_definition is None):
        raise InvalidInput("give exactly one of dcql_query and presentation_definition", code="oid4vp.query")
    prefix, rest = split_client_id(client_id)
    if not nonce or not state:
        raise InvalidInput("nonce and state must not be empty", code="oid4vp.nonce")
    iat = int(now.timestamp())
    payload: dict[str, Any] = {
        "iss": client_id if prefix == "decentralized_identifier" else None,
        "aud": SELF_ISSUED_AUDIENCE,
        "iat": iat,
        "exp": iat + int(lifetime.total_seconds()),
        "client_id": client_id,
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": response_uri,
        "nonce": nonce,
        "state": state,
    }
    if payload["iss"] is None:
        del payload["iss"]
    if dcql_query is not None:
        payload["dcql_query"] = dict(dcql_query)
    else:
        payload["presentation_definition"] = dict(presentation_definition or {})
    if client_metadata is not None:
        payload["client_metadata"] = dict(client_metadata)
    for k, v in (extra or {}).items():
        payload.setdefault(k, v)
    header: dict[str, Any] = {"typ": REQUEST_OBJECT_TYP}
    if prefix == "redirect_uri":
        if rest != response_uri:
            raise InvalidInput("a redirect_uri client_id must be the response_uri", code="oid4vp.client_id")
        header = {"alg": "none", **header}
        return f"{b64url_encode(_json(header))}.{b64url_encode(_json(payload))}."
    if key is None or key.secret_key is None:
        raise InvalidInput("a signed request object needs a secret key", code="oid4vp.key")
    if not kid or kid.split("#", 1)[0] != rest or "#" not in kid:
        raise InvalidInput("kid must be a DID URL of the client_id's DID", code="oid4vp.kid", at="kid")
    header = {"alg": jws_alg(KeyType(key.key_type)), "kid": kid, **header}
    signing_input = f"{b64url_encode(_json(header))}.{b64url_encode(_json(payload))}"
    return f"{signing_input}.{b64url_encode(sign(key, signing_input.encode('ascii')))}"


def authorization_request_uri(
    client_id: str, request_uri: str, *, scheme: str = "openid4vp://", request_uri_method: str | None = None
) -> str:
    """The deep link a wallet opens (§5.1 by reference, RFC 9101 §5.2): ``client_id`` and
    ``request_uri`` only; everything else is inside the Request Object."""
    params = {"client_id": client_id, "request_uri": request_uri}
    if request_uri_method is not None:
        params["request_uri_method"] = request_uri_method
    return f"{scheme}?{urlencode(params)}"


@dataclass(frozen=True, slots=True)
class AuthorizationResponse:
    """A parsed ``direct_post`` body (§8.2). Either ``error`` or ``vp_token`` is set.

    ``vp_token`` is normalised to ``{query id: [presentation, ...]}``; a pre-1.0 response (a
    single presentation or an array, with ``presentation_submission``) is kept under the id
    ``""``.
    """

    state: str | None
    vp_token: dict[str, list[Any]] = field(default_factory=dict, repr=False)
    presentation_submission: dict[str, Any] | None = None
    error: str | None = None
    error_description: str | None = None
    dcql: bool = True


def _decode_presentation(value: Any, at: str) -> Any:
    if isinstance(value, str):
        if not value:
            raise InvalidInput("an empty presentation", code="oid4vp.vp_token", at=at)
        return value
    if isinstance(value, dict):
        return value
    raise InvalidInput("a presentation is a string or a JSON object", code="oid4vp.vp_token", at=at)


def _loads(text: str, at: str) -> Any:
    try:
        return json.loads(text, parse_constant=_no_constant)
    except (json.JSONDecodeError, RecursionError, ValueError):
        raise InvalidInput("not valid JSON", code="oid4vp.json", at=at) from None


def _no_constant(name: str) -> Any:
    raise ValueError(name)


def parse_direct_post(form: Mapping[str, Any]) -> AuthorizationResponse:
    """Parse the form fields the wallet posted to the ``response_uri`` (§8.2, §8.1).

    Raises :class:`InvalidInput` (``oid4vp.*``) for anything that is not a well-formed
    Authorization Response or Authorization Error Response.
    """
    for name, value in form.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidInput("form fields must be single strings", code="oid4vp.form", at=f"/{name}")
        if len(value) > _MAX_FIELD:
            raise LimitExceeded(f"form field {name} is too large", code="oid4vp.too_large", at=f"/{name}")
    state = form.get("state")
    if state is not None and (not state or len(state) > 512):
        raise InvalidInput("state is empty or too long", code="oid4vp.state", at="/state")
    error = form.get("error")
    if error is not None:
        if not error or len(error) > 256:
            raise InvalidInput("error is empty or too long", code="oid4vp.error", at="/error")
        desc = form.get("error_description")
        return AuthorizationResponse(
            state=state, error=error, error_description=desc[:1000] if desc else None
        )
    raw = form.get("vp_token")
    if raw is None or not raw.strip():
        raise InvalidInput("the response has no vp_token", code="oid4vp.vp_token_missing", at="/vp_token")
    submission_raw = form.get("presentation_submission")
    submission: dict[str, Any] | None = None
    if submission_raw is not None:
        parsed = _loads(submission_raw, "/presentation_submission")
        if not isinstance(parsed, dict):
            raise InvalidInput(
                "presentation_submission must be a JSON object",
                code="oid4vp.presentation_submission",
                at="/presentation_submission",
            )
        submission = parsed
    text = raw.strip()
    if text.startswith("{") or text.startswith("[") or text.startswith('"'):
        token = _loads(text, "/vp_token")
    else:
        token = text  # a bare compact presentation (pre-1.0 single JWT / SD-JWT)
    if isinstance(token, dict) and submission is None and "@context" not in token:
        # §8.1: {credential query id: [presentation, ...]}
        if not token:
            raise InvalidInput("vp_token has no presentations", code="oid4vp.vp_token", at="/vp_token")
        out: dict[str, list[Any]] = {}
        count = 0
        for qid, items in token.items():
            at = f"/vp_token/{qid}"
            if not isinstance(items, list) or not items:
                raise InvalidInput("each vp_token entry is a non-empty array", code="oid4vp.vp_token", at=at)
            count += len(items)
            if count > _MAX_PRESENTATIONS:
                raise LimitExceeded("too many presentations", code="oid4vp.too_many", at=at)
            out[qid] = [_decode_presentation(v, f"{at}/{i}") for i, v in enumerate(items)]
        return AuthorizationResponse(state=state, vp_token=out, dcql=True)
    items = token if isinstance(token, list) else [token]
    if not items:
        raise InvalidInput("vp_token has no presentations", code="oid4vp.vp_token", at="/vp_token")
    if len(items) > _MAX_PRESENTATIONS:
        raise LimitExceeded("too many presentations", code="oid4vp.too_many", at="/vp_token")
    presentations = [_decode_presentation(v, f"/vp_token/{i}") for i, v in enumerate(items)]
    return AuthorizationResponse(
        state=state, vp_token={"": presentations}, presentation_submission=submission, dcql=False
    )
