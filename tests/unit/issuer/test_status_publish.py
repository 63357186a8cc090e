"""Status lists are re-signed in the status change's own transaction; a fetch only reads.

Bitstring Status List (eddsa-rdfc-2022 credentials) and Token Status List (SD-JWT VC), on
SQLite and PostgreSQL.
"""

from __future__ import annotations

import base64
import concurrent.futures
import itertools
import json
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import issuer.status_publish as status_publish
from didkit_py.credentials import verify
from didkit_py.did import default_resolver
from didkit_py.errors import StorageError
from didkit_py.keys import KeyPair, multikey_decode
from didkit_py.status import BitstringStatusList
from didkit_py.status.token_status_list import verify_status_list_token
from issuer.db import StatusEntry, StatusList

from .conftest import BASE, Api

CRED: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
    "type": ["VerifiableCredential"],
    "credentialSubject": {"id": "did:example:alice", "name": "Alice"},
}


def _template(api: Api, name: str, fmt: str) -> None:
    body: dict[str, Any] = {"name": name, "format": fmt, "status_purposes": ["revocation", "suspension"]}
    if fmt == "dc+sd-jwt":
        body["disclosable"] = ["/credentialSubject/name"]
    r = api.client.post("/templates", json=body, headers=api.a.admin)
    assert r.status_code == 201, r.text


def _issue(api: Api, template: str) -> Any:
    r = api.client.post(
        "/credentials/issue",
        json={"credential": CRED, "options": {"template": template}},
        headers=api.a.issue,
    )
    assert r.status_code == 201, r.text
    return r.json()["verifiableCredential"]


def _set(api: Api, cred_id: str, status: str) -> Any:
    return api.client.post(
        "/credentials/status",
        json={"credentialId": cred_id, "credentialStatus": [{"type": "x", "status": status}]},
        headers=api.a.revoke,
    )


def _lists(api: Api) -> list[StatusList]:
    with api.service.sessions() as s:
        return list(s.scalars(select(StatusList)))


class Gate:
    """Counts status list signings; ``refuse`` makes them fail loudly."""

    def __init__(self) -> None:
        self.attempts = 0
        self.refuse = False
        self._real = status_publish.sign_status_list

    def __call__(self, *a: Any, **k: Any) -> Any:
        self.attempts += 1
        if self.refuse:
            raise StorageError("signing attempted", code="test.signing")
        return self._real(*a, **k)


@pytest.fixture
def gate(monkeypatch: pytest.MonkeyPatch) -> Gate:
    g = Gate()
    monkeypatch.setattr(status_publish, "sign_status_list", g)
    return g


def _jwt_payload(token: str) -> dict[str, Any]:
    p64 = token.split("~")[0].split(".")[1]
    return dict(json.loads(base64.urlsafe_b64decode(p64 + "=" * (-len(p64) % 4))))


async def test_bitstring_list_is_signed_at_creation_and_on_every_change(api: Api, gate: Gate) -> None:
    _template(api, "b", "eddsa-rdfc-2022")
    vc = _issue(api, "b")
    # Both lists (revocation, suspension) were signed in the issuing transaction.
    assert gate.attempts == 2
    assert all(lst.signed is not None and lst.signed_version == lst.version for lst in _lists(api))
    entries = {e["statusPurpose"]: e for e in vc["credentialStatus"]}
    sus = entries["suspension"]
    path = sus["statusListCredential"].removeprefix(BASE)
    idx = int(sus["statusListIndex"])

    def fetch(headers: dict[str, str] | None = None) -> Any:
        gate.refuse = True  # a fetch that tried to sign would fail
        try:
            return api.client.get(path, headers=headers)
        finally:
            gate.refuse = False

    r0 = fetch()
    assert r0.status_code == 200
    etag0, modified0 = r0.headers["etag"], r0.headers["last-modified"]
    assert r0.headers["cache-control"] == "public, max-age=30"
    assert r0.headers["content-type"].startswith("application/vc+ld+json")
    assert fetch().headers["etag"] == etag0  # stored bytes: the same ETag every time
    assert fetch({"If-None-Match": etag0}).status_code == 304

    gate.attempts = 0
    assert _set(api, vc["id"], "suspended").status_code == 200
    assert gate.attempts == 1  # exactly the touched list, during the change
    r1 = fetch()
    assert r1.status_code == 200
    cred = r1.json()
    assert BitstringStatusList.decode(cred["credentialSubject"]["encodedList"]).get(idx) == 1
    result = await verify(cred, resolver=default_resolver(), now=datetime.now(UTC))
    assert result.verified, result.errors
    assert r1.headers["etag"] != etag0
    assert fetch({"If-None-Match": etag0}).status_code == 200  # a stale tag gets the new list
    assert fetch({"If-None-Match": r1.headers["etag"]}).status_code == 304
    assert parsedate_to_datetime(r1.headers["last-modified"]) >= parsedate_to_datetime(modified0)
    [lst] = [x for x in _lists(api) if x.id == path.rsplit("/", 1)[1]]
    assert lst.signed_version == lst.version == 1

    assert _set(api, vc["id"], "suspended").status_code == 200  # no change: nothing re-signed
    assert gate.attempts == 1
    assert _set(api, vc["id"], "active").status_code == 200
    assert gate.attempts == 2
    cred2 = fetch().json()
    assert BitstringStatusList.decode(cred2["credentialSubject"]["encodedList"]).get(idx) == 0


def test_token_status_list_is_re_signed_with_the_change(api: Api, gate: Gate) -> None:
    _template(api, "sd", "dc+sd-jwt")
    sd = _issue(api, "sd")
    payload = _jwt_payload(sd)
    ref = payload["status"]["status_list"]
    kt, pk = multikey_decode(api.a.did_ed["did"].removeprefix("did:key:"))
    key = KeyPair(kt, pk)
    [lst] = _lists(api)
    assert lst.purpose == status_publish.TSL_PURPOSE and lst.signed_version == lst.version == 0
    cred_id = payload.get("jti") or payload["id"]
    etags: list[str] = []

    def read() -> int:
        gate.refuse = True
        try:
            r = api.client.get(ref["uri"].removeprefix(BASE))
        finally:
            gate.refuse = False
        assert r.status_code == 200 and r.headers["content-type"] == "application/statuslist+jwt"
        assert r.headers["cache-control"] == "public, max-age=30" and "last-modified" in r.headers
        etags.append(r.headers["etag"])
        verified = verify_status_list_token(r.text, key=key, uri=ref["uri"], now=datetime.now(UTC))
        assert verified.ttl == 30
        return verified.status_list.get(ref["idx"])

    assert read() == 0
    assert _set(api, cred_id, "suspended").status_code == 200 and read() == 2
    assert _set(api, cred_id, "active").status_code == 200 and read() == 0
    assert _set(api, cred_id, "revoked").status_code == 200 and read() == 1
    assert gate.attempts == 1 + 3  # at creation, then once per change
    assert all(a != b for a, b in itertools.pairwise(etags))  # each change: a new ETag
    with api.service.sessions() as s:
        row = s.get(StatusList, lst.id)
        assert row is not None and row.signed_version == row.version == 3


def test_a_failed_re_sign_rolls_back_the_bit_flip(api: Api, gate: Gate) -> None:
    """Flip and re-sign are one transaction: when signing fails, the flip does not commit."""
    _template(api, "b", "eddsa-rdfc-2022")
    vc = _issue(api, "b")
    before = {x.id: (x.version, x.signed) for x in _lists(api)}
    gate.refuse = True
    r = _set(api, vc["id"], "revoked")
    assert r.status_code == 500 and "signing" not in r.text  # no internal detail leaks
    with api.service.sessions() as s:
        assert all(v == 0 for v in s.scalars(select(StatusEntry.value)))
    assert {x.id: (x.version, x.signed) for x in _lists(api)} == before
    audit = api.client.get("/audit", headers=api.a.admin).json()
    assert not any(ev["action"] == "credential.status" for ev in audit)
    gate.refuse = False
    assert _set(api, vc["id"], "revoked").status_code == 200


def test_concurrent_changes_on_one_list_all_reach_the_signed_list(api: Api, gate: Gate) -> None:
    _template(api, "b", "eddsa-rdfc-2022")
    creds = [_issue(api, "b") for _ in range(6)]
    principal = api.service.authenticate(api.a.revoke["Authorization"].removeprefix("Bearer "), "revoke")

    def revoke(vc: Any) -> Any:
        body = {"credentialId": vc["id"], "credentialStatus": [{"type": "x", "status": "revoked"}]}
        return api.service.update_status(principal, body)

    with concurrent.futures.ThreadPoolExecutor(6) as pool:
        assert all(out["status"] == {"revocation": 1} for out in pool.map(revoke, creds))
    entries = [{e["statusPurpose"]: e for e in vc["credentialStatus"]}["revocation"] for vc in creds]
    assert len({e["statusListCredential"] for e in entries}) == 1
    gate.refuse = True
    r = api.client.get(entries[0]["statusListCredential"].removeprefix(BASE))
    assert r.status_code == 200
    bits = BitstringStatusList.decode(r.json()["credentialSubject"]["encodedList"])
    assert all(bits.get(int(e["statusListIndex"])) == 1 for e in entries)
    [lst] = [x for x in _lists(api) if x.purpose == "revocation"]
    assert lst.signed_version == lst.version == 6


@given(st.text(max_size=300))
@settings(max_examples=300, deadline=None)
def test_etag_matches_never_raises(header: str) -> None:
    etag = '"0123456789abcdef"'
    got = status_publish.etag_matches(header, etag)
    assert got == (header.strip() == "*" or etag in [t.strip().removeprefix("W/") for t in header.split(",")])


@pytest.mark.parametrize(
    ("header", "match"),
    [
        ('"abc"', True),
        ('W/"abc"', True),  # If-None-Match uses the weak comparison
        ('"x", "abc"', True),
        (' "x" ,W/"abc" ', True),
        ("*", True),
        ('"abcd"', False),
        ("abc", False),
        ("", False),
        ('"x", "y"', False),
    ],
)
def test_etag_matches(header: str, match: bool) -> None:
    assert status_publish.etag_matches(header, '"abc"') is match


def test_status_list_304_for_any_listed_or_weak_tag(api: Api) -> None:
    _template(api, "b", "eddsa-rdfc-2022")
    vc = _issue(api, "b")
    path = vc["credentialStatus"][0]["statusListCredential"].removeprefix(BASE)
    etag = api.client.get(path).headers["etag"]
    for header in (etag, f"W/{etag}", f'"other", {etag}', "*"):
        r = api.client.get(path, headers={"If-None-Match": header})
        assert r.status_code == 304 and r.headers["etag"] == etag and not r.content
    assert api.client.get(path, headers={"If-None-Match": '"other"'}).status_code == 200


@given(st.text(max_size=120), st.one_of(st.none(), st.text(max_size=40)))
@settings(max_examples=300, deadline=None)
def test_not_modified_never_raises(since: str, inm: str | None) -> None:
    last = datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
    assert isinstance(status_publish.not_modified(inm, since, '"e"', last), bool)


def test_not_modified_rules() -> None:
    last = datetime(2026, 1, 2, 3, 4, 5, 678_000, tzinfo=UTC)
    nm = status_publish.not_modified
    assert nm(None, "Fri, 02 Jan 2026 03:04:05 GMT", '"e"', last)  # the Last-Modified we sent
    assert nm(None, "Fri, 02 Jan 2026 04:00:00 GMT", '"e"', last)
    assert not nm(None, "Fri, 02 Jan 2026 03:04:04 GMT", '"e"', last)
    assert not nm(None, "yesterday", '"e"', last)
    assert not nm(None, "Fri, 02 Jan 2026 03:04:05 -0000", '"e"', last)  # not an HTTP-date (no zone)
    assert not nm(None, None, '"e"', last)
    # If-None-Match wins: a non-matching tag means modified, whatever the date says.
    assert not nm('"x"', "Fri, 02 Jan 2026 04:00:00 GMT", '"e"', last)
    assert nm('"e"', "Thu, 01 Jan 2026 00:00:00 GMT", '"e"', last)


def test_status_list_304_on_if_modified_since(api: Api) -> None:
    _template(api, "b", "eddsa-rdfc-2022")
    vc = _issue(api, "b")
    entries = {e["statusPurpose"]: e for e in vc["credentialStatus"]}
    path = entries["revocation"]["statusListCredential"].removeprefix(BASE)
    first = api.client.get(path)
    modified = first.headers["last-modified"]
    r = api.client.get(path, headers={"If-Modified-Since": modified})
    assert r.status_code == 304 and r.headers["etag"] == first.headers["etag"]
    api.service.clock = lambda: datetime.now(UTC) + timedelta(seconds=5)  # the change is later
    assert _set(api, vc["id"], "revoked").status_code == 200
    r = api.client.get(path, headers={"If-Modified-Since": modified})
    assert r.status_code == 200 and r.headers["last-modified"] != modified
    assert api.client.get(path, headers={"If-Modified-Since": r.headers["last-modified"]}).status_code == 304


def test_a_tenant_without_a_list_key_still_records_the_change(api: Api) -> None:
    """BBS-only tenant: nothing can sign its Bitstring lists, yet a revocation is recorded."""
    api.service.create_tenant("solo")
    _, token = api.service.create_api_key("solo", name="a", scopes=["admin"])
    h = {"Authorization": f"Bearer {token}"}
    r = api.client.post("/dids", json={"method": "key", "key_types": ["Bls12381G2"]}, headers=h)
    assert r.status_code == 201, r.text
    body = {"name": "b", "format": "bbs-2023", "mandatory_pointers": ["/issuer"]}
    assert api.client.post("/templates", json=body, headers=h).status_code == 201
    r = api.client.post(
        "/credentials/issue", json={"credential": CRED, "options": {"template": "b"}}, headers=h
    )
    assert r.status_code == 201, r.text
    vc = r.json()["verifiableCredential"]
    path = vc["credentialStatus"]["statusListCredential"].removeprefix(BASE)
    change = {"credentialId": vc["id"], "credentialStatus": [{"type": "x", "status": "revoked"}]}
    assert api.client.post("/credentials/status", json=change, headers=h).status_code == 200
    r = api.client.get(path)
    assert r.status_code == 422 and r.json()["error"] == "did.noKey"
    # Once the tenant has an Ed25519 DID, the list (with the recorded revocation) is served.
    r = api.client.post("/dids", json={"method": "key", "key_types": ["Ed25519"]}, headers=h)
    assert r.status_code == 201
    r = api.client.get(path)
    assert r.status_code == 200
    bits = BitstringStatusList.decode(r.json()["credentialSubject"]["encodedList"])
    assert bits.get(int(vc["credentialStatus"]["statusListIndex"])) == 1
