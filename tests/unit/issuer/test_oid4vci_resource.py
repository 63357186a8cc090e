"""RFC 8707 ``resource`` in the OpenID4VCI token request: this issuer, or ``invalid_target``."""

from __future__ import annotations

from .conftest import BASE, Api
from .test_oid4vci import PRE_AUTHORIZED_GRANT, _setup


def test_token_request_resource_must_be_this_issuer(api: Api) -> None:
    offer = _setup(api, tx_code=False)
    code = offer["credential_offer"]["grants"][PRE_AUTHORIZED_GRANT]["pre-authorized_code"]
    form = {"grant_type": PRE_AUTHORIZED_GRANT, "pre-authorized_code": code}
    for wrong in (f"{BASE}/globex", "https://elsewhere.example/acme", f"{BASE}/acme/"):
        r = api.client.post("/acme/token", data={**form, "resource": wrong})
        assert r.status_code == 400 and r.json()["error"] == "invalid_target", wrong
        assert r.headers["cache-control"] == "no-store"
    # Two resources, one of them foreign: refused too (and the code is still unused).
    r = api.client.post(
        "/acme/token",
        content=f"grant_type={PRE_AUTHORIZED_GRANT}&pre-authorized_code={code}"
        f"&resource={BASE}/acme&resource={BASE}/globex",
        headers={"content-type": "application/x-www-form-urlencoded"},
    )
    assert r.status_code == 400 and r.json()["error"] == "invalid_target"
    r = api.client.post("/acme/token", data={**form, "resource": f"{BASE}/acme"})
    assert r.status_code == 200, r.text
