"""OpenID for Verifiable Presentations 1.0, what a verifier service needs beyond :mod:`.vp`.

https://openid.net/specs/openid-4-verifiable-presentations-1_0.html

:mod:`.vp` builds the signed Request Object of a ``decentralized_identifier`` client, the deep
link, and reads a ``vp_token``. A service also has to

- publish requests of a ``redirect_uri`` client (§5.9.3: "the Authorization Request MUST NOT
  be signed"), whose parameters travel by value in the deep link (:func:`unsigned_request_params`);
- read everything the wallet may post to the ``response_uri`` (§8.2): an Authorization
  Response (``vp_token``, ``state``, for pre-1.0 requests ``presentation_submission``) *or* an
  Authorization Error Response (``error``, ``error_description``, ``state``)
  (:func:`parse_direct_post_response`), with ``vp_token`` normalised to
  ``{credential query id: [presentation, ...]}`` (a pre-1.0 token is kept under ``""``).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Final

from ..errors import InvalidInput, LimitExceeded
from .vp import parse_direct_post

__all__ = ["AuthorizationResponse", "parse_direct_post_response", "peek_state", "unsigned_request_params"]

_MAX_FIELD: Final = 1024 * 1024
_MAX_PRESENTATIONS: Final = 64


def unsigned_request_params(
    *,
    response_uri: str,
    nonce: str,
    state: str,
    now: datetime,
    dcql_query: Mapping[str, Any] | None = None,
    presentation_definition: Mapping[str, Any] | None = None,
    client_metadata: Mapping[str, Any] | None = None,
    lifetime: timedelta = timedelta(minutes=10),
) -> dict[str, Any]:
    """The Authorization Request parameters of a ``redirect_uri`` client, to pass by value
    (:func:`didkit_py.oid4vc.vp.authorization_request_uri` with ``params=``).

    §5.9.3: the ``client_id`` is ``redirect_uri:`` + the ``response_uri`` and all metadata goes
    in ``client_metadata``. ``iat``/``exp`` are not request parameters, so ``lifetime`` is
    enforced by the verifier's transaction, not by the wallet.
    """
    if (dcql_query is None) == (presentation_definition is None):
        raise InvalidInput("give exactly one of dcql_query and presentation_definition", code="oid4vp.query")
    if not nonce or not state:
        raise InvalidInput("nonce and state must not be empty", code="oid4vp.nonce")
    del now, lifetime  # the transaction expires server-side
    params: dict[str, Any] = {
        "client_id": f"redirect_uri:{response_uri}",
        "response_type": "vp_token",
        "response_mode": "direct_post",
        "response_uri": response_uri,
        "nonce": nonce,
        "state": state,
    }
    if dcql_query is not None:
        params["dcql_query"] = dict(dcql_query)
    else:
        params["presentation_definition"] = dict(presentation_definition or {})
    if client_metadata is not None:
        params["client_metadata"] = dict(client_metadata)
    return params


@dataclass(frozen=True, slots=True)
class AuthorizationResponse:
    """A parsed ``direct_post`` body (§8.2). Either ``error`` is set or ``vp_token`` is non-empty."""

    state: str | None
    vp_token: dict[str, list[Any]] = field(default_factory=dict, repr=False)
    presentation_submission: dict[str, Any] | None = None
    error: str | None = None
    error_description: str | None = None
    dcql: bool = True


def _state_of(form: Mapping[str, str]) -> str | None:
    state = form.get("state")
    if state is not None and (not state or len(state) > 512):
        raise InvalidInput("state is empty or too long", code="oid4vp.state", at="/state")
    return state


def peek_state(form: Mapping[str, Any]) -> str | None:
    """The ``state`` of a posted form (validated), to find the transaction before parsing the rest."""
    _check_fields(form)
    return _state_of(form)


def _check_fields(form: Mapping[str, Any]) -> None:
    for name, value in form.items():
        if not isinstance(name, str) or not isinstance(value, str):
            raise InvalidInput("form fields must be single strings", code="oid4vp.form", at=f"/{name}")
        if len(value) > _MAX_FIELD:
            raise LimitExceeded(f"form field {name} is too large", code="oid4vp.too_large", at=f"/{name}")


def parse_direct_post_response(form: Mapping[str, Any], *, dcql: bool) -> AuthorizationResponse:
    """Parse what the wallet posted to the ``response_uri``; ``dcql`` says which kind of request
    it answers (the transaction knows). Raises :class:`InvalidInput` (``oid4vp.*``)."""
    _check_fields(form)
    state = _state_of(form)
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
    token, _ = parse_direct_post({"vp_token": raw}, dcql=dcql)
    if dcql:
        count = sum(len(v) for v in token.values())
        if count > _MAX_PRESENTATIONS:
            raise LimitExceeded("too many presentations", code="oid4vp.too_many", at="/vp_token")
        return AuthorizationResponse(state=state, vp_token={k: list(v) for k, v in token.items()}, dcql=True)
    submission: dict[str, Any] | None = None
    if "presentation_submission" in form:
        parsed, _ = parse_direct_post({"vp_token": form["presentation_submission"]}, dcql=False)
        if not isinstance(parsed, dict):
            raise InvalidInput(
                "presentation_submission must be a JSON object",
                code="oid4vp.presentation_submission",
                at="/presentation_submission",
            )
        submission = parsed
    items = token if isinstance(token, list) else [token]
    if not items or len(items) > _MAX_PRESENTATIONS:
        raise InvalidInput(
            "vp_token holds no or too many presentations", code="oid4vp.vp_token", at="/vp_token"
        )
    for i, item in enumerate(items):
        if not isinstance(item, str | dict) or not item:
            raise InvalidInput(
                "a presentation is a string or a JSON object", code="oid4vp.vp_token", at=f"/vp_token/{i}"
            )
    return AuthorizationResponse(
        state=state, vp_token={"": list(items)}, presentation_submission=submission, dcql=False
    )
