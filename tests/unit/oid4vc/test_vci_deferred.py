"""OpenID4VCI 1.0 deferred responses (§8.3, §9) and notifications (§11): parsers and builders."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.errors import InvalidInput
from didkit_py.oid4vc import vci

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
    max_leaves=12,
)
members = st.fixed_dictionaries(
    {},
    optional={
        "credentials": st.lists(st.fixed_dictionaries({"credential": st.text(max_size=5)}), max_size=2)
        | json_values,
        "transaction_id": st.text(max_size=5) | json_values,
        "interval": st.integers(-2, 5) | json_values,
        "notification_id": st.text(max_size=5) | json_values,
        "notification_id ": json_values,
        "event": st.sampled_from([*vci.NOTIFICATION_EVENTS, "credential_lost"]) | json_values,
        "event_description": st.text(max_size=10) | json_values,
    },
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(json_values, members), st.sampled_from([200, 202]))
def test_parsers_total(value: Any, status: int) -> None:
    """Any JSON parses to something consistent or raises InvalidInput (never another error)."""
    try:
        out = vci.parse_credential_outcome(value, status=status)
    except InvalidInput:
        pass
    else:
        assert out.pending == (status == 202)
        assert bool(out.credentials) != out.pending
        assert out.interval is None or out.interval > 0
    try:
        tid = vci.parse_deferred_request(value)
    except InvalidInput as exc:
        assert exc.code == "oid4vci.invalid_credential_request"
    else:
        assert vci.parse_deferred_request(vci.deferred_request_body(tid)) == tid
    try:
        nid, event = vci.parse_notification_request(value)
    except InvalidInput as exc:
        assert exc.code == "oid4vci.invalid_notification_request"
    else:
        assert event in vci.NOTIFICATION_EVENTS
        assert vci.parse_notification_request(vci.notification_request_body(nid, event)) == (nid, event)


def test_credential_outcome() -> None:
    out = vci.parse_credential_outcome({"transaction_id": "8xLOxBtZp8", "interval": 3600}, status=202)
    assert out.pending and out.transaction_id == "8xLOxBtZp8" and out.interval == 3600
    out = vci.parse_credential_outcome(
        {"credentials": [{"credential": "a.b.c"}], "notification_id": "3fwe98js"}
    )
    assert out.credentials == ["a.b.c"] and out.notification_id == "3fwe98js" and not out.pending
    for bad, status in (
        ({"transaction_id": "x"}, 202),  # interval is required with transaction_id
        ({"transaction_id": "x", "interval": 0}, 202),
        ({"transaction_id": "x", "interval": 5}, 200),  # 202 only
        ({"credentials": [{"credential": "a"}]}, 202),
        ({"transaction_id": "x", "interval": 5, "credentials": [{"credential": "a"}]}, 202),
        ({"transaction_id": "x", "interval": 5, "notification_id": "n"}, 202),
        ({"credentials": [{"credential": "a"}], "interval": 5}, 200),
        ({}, 200),
    ):
        with pytest.raises(InvalidInput):
            vci.parse_credential_outcome(bad, status=status)
    # The list-only parser still refuses a deferred answer, naming it.
    with pytest.raises(InvalidInput, match="deferred"):
        vci.parse_credential_response({"transaction_id": "x", "interval": 5})


def test_notification_request() -> None:
    body = vci.notification_request_body("n1", "credential_failure", 'no "room" \\ left\u00e9')
    assert body["event_description"] == "no ?room? ? left?"
    assert vci.parse_notification_request(body) == ("n1", "credential_failure")
    with pytest.raises(ValueError):
        vci.notification_request_body("n1", "credential_lost")
    with pytest.raises(InvalidInput) as info:
        vci.parse_notification_request(
            {"notification_id": "n1", "event": "credential_failure", "event_description": "\u00e9"}
        )
    assert info.value.at == "/event_description"
    # Unknown members are ignored (§11.1).
    assert vci.parse_notification_request({"notification_id": "n", "event": "credential_deleted", "x": 1})
