"""Any JSON body at the issuer's write endpoints gets a 2xx or a 4xx error document, never a 500."""

from __future__ import annotations

from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from .conftest import Api

JSON = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(-(2**70), 2**70)
    | st.floats(allow_nan=False, allow_infinity=False)
    | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4)
    ),
    max_leaves=12,
)
KEYS = [
    "credential",
    "options",
    "template",
    "format",
    "mandatoryPointers",
    "statusPurposes",
    "name",
    "subject_schema",
    "types",
    "contexts",
    "credentialId",
    "credentialStatus",
    "status",
    "claims",
    "tx_code",
    "key_types",
    "method",
    "@context",
    "type",
    "credentialSubject",
    "issuer",
]
SHAPED = st.recursive(
    JSON,
    lambda children: st.dictionaries(st.sampled_from(KEYS), children, max_size=5),
    max_leaves=16,
)
ROUTES = ["/credentials/issue", "/credentials/status", "/templates", "/offers", "/dids", "/api-keys"]


@pytest.mark.parametrize("db_url", ["sqlite"], indirect=True)
@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(route=st.sampled_from(ROUTES), body=SHAPED)
def test_any_json_body_is_answered_cleanly(api: Api, route: str, body: Any) -> None:
    if route == "/dids" and isinstance(body, dict) and body.get("method") == "ethr":
        body = {**body, "method": "key"}
    r = api.client.post(route, json=body, headers=api.a.admin)
    assert r.status_code < 500, (route, body, r.text)
    if r.status_code >= 400:
        assert isinstance(r.json(), dict)
