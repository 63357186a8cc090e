"""The operator page: login by API key cookie, dashboard, offer QR; values are escaped."""

from __future__ import annotations

from .conftest import Api


def test_operator_page(api: Api) -> None:
    c = api.client
    r = c.get("/")
    assert r.status_code == 200 and "API key" in r.text and "Tenant" not in r.text
    r = c.post("/", data={"api_key": "dki_0123456789abcdef_wrong"}, follow_redirects=False)
    assert r.status_code == 200 and "not valid" in r.text
    r = c.post(
        "/templates",
        json={"name": "badge", "format": "eddsa-rdfc-2022", "types": ["<script>alert(1)</script>"]},
        headers=api.a.admin,
    )
    assert r.status_code == 201
    token = api.a.admin["Authorization"].removeprefix("Bearer ")
    r = c.post("/", data={"api_key": token}, follow_redirects=False)
    assert r.status_code == 303
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    page = c.get("/")
    assert "Tenant <b>acme</b>" in page.text
    assert api.a.did_ed["did"] in page.text and "badge" in page.text
    assert "<script>alert(1)" not in page.text and "&lt;script&gt;" in page.text
    assert "globex" not in page.text
    assert page.headers["x-frame-options"] == "DENY"
    r = c.post("/ui/offer", data={"template": "badge", "claims": "{}"})
    assert r.status_code == 200 and "data:image/svg+xml;base64," in r.text
    assert "openid-credential-offer://" in r.text
    r = c.post("/ui/offer", data={"template": "nope", "claims": "{}"})
    assert "template.notFound" in r.text
    # The JSON API ignores the cookie: no ambient authority for cross-site requests.
    assert c.get("/templates").status_code == 401
    c.post("/ui/logout")
    c.cookies.clear()
    assert "Tenant" not in c.get("/").text
