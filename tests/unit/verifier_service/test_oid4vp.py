"""OpenID4VP 1.0 through the service: round trips, and every bad answer refused with its error."""

from __future__ import annotations

import json
from datetime import timedelta
from typing import Any

import httpx
from fastapi.testclient import TestClient
from svc_holder import (
    NOW,
    bbs_vp_token,
    degree_credential,
    holder,
    parse_link,
    resolve,
    sd_jwt_vp_token,
)
from vworld import World

from didkit_py._encoding import b64url_decode
from didkit_py.credentials import issue, present, signer_for_key
from didkit_py.keys import KeyType, generate_key

DEGREE = ["/credentialSubject/degree/type"]


def open_request(client: TestClient, **body: Any) -> tuple[dict[str, Any], dict[str, Any]]:
    r = client.post("/oid4vp/requests", json=body or {"template": "degree"})
    assert r.status_code == 201, r.text
    out = r.json()
    _client_id, request_uri = parse_link(out["authorization_request"])
    if request_uri is not None:
        r = client.get(request_uri)
        assert r.status_code == 200
        assert r.headers["content-type"].startswith("application/oauth-authz-req+jwt")
    return out, resolve(out["authorization_request"], transport=httpx.ASGITransport(app=client.app))


def answer(client: TestClient, vp_token: Any, state: str) -> Any:
    return client.post("/oid4vp/response", data={"vp_token": json.dumps(vp_token), "state": state})


def result(client: TestClient, out: dict[str, Any]) -> dict[str, Any]:
    r = client.get(f"/oid4vp/transactions/{out['transaction_id']}")
    assert r.status_code == 200
    return r.json()  # type: ignore[no-any-return]


def failed(res: dict[str, Any]) -> set[tuple[str, str]]:
    out = {(c["policy"], c["code"]) for c in res["checks"] if c["outcome"] == "failed"}
    for p in res["presentations"]:
        out |= {(c["policy"], c["code"]) for c in p["report"]["checks"] if c["outcome"] == "failed"}
    return out


def test_bbs_round_trip_discloses_only_what_was_asked(client: TestClient) -> None:
    out, req = open_request(client)
    assert req["signed"]  # the wallet's checks passed: typ, kid of the client_id DID, signature
    jwt = client.get(out["request_uri"]).text
    header = json.loads(b64url_decode(jwt.split(".")[0]))
    assert header["typ"] == "oauth-authz-req+jwt" and header["kid"].startswith(
        req["client_id"].split(":", 1)[1]
    )
    assert req["client_id"].startswith("decentralized_identifier:did:key:")
    assert req["response_uri"] == "http://127.0.0.1:8800/oid4vp/response"
    assert {q["id"] for q in req["dcql_query"]["credentials"]} == {"degree_ldp", "degree_sd_jwt"}
    assert result(client, out)["status"] == "pending"
    h = holder()
    base, _ = degree_credential(h)
    r = answer(client, bbs_vp_token(base, h, req, "degree_ldp", DEGREE), req["state"])
    assert r.status_code == 200, r.text
    res = result(client, out)
    assert res["status"] == "completed" and res["verdict"] == "accepted", failed(res)
    pointers = {d["pointer"]: d["value"] for d in res["disclosed_claims"]}
    assert pointers["/credentialSubject/degree/type"] == "ExampleBachelorDegree"
    assert "/credentialSubject/name" not in pointers
    report = res["presentations"][0]["report"]
    assert report["holder"] == h.did and report["credentials"][0]["format"] == "bbs-2023"
    assert {(c["policy"], c["outcome"]) for c in report["checks"]} >= {
        ("challenge_domain", "passed"),
        ("holder_binding", "passed"),
        ("signature", "passed"),
    }
    # The request object is gone once answered.
    assert client.get(out["request_uri"].removeprefix("http://127.0.0.1:8800")).status_code == 404


def test_sd_jwt_round_trip_with_key_binding(client: TestClient, world: World) -> None:
    out, req = open_request(client, purpose="Has the applicant graduated from university?")
    assert out["request"]["template"] == "degree" and "university" in out["request"]["matched_words"]
    hk = signer_for_key(generate_key(KeyType.P256))
    doc = world.credential(credentialSubject={"id": hk.did, "name": "Alice", "degree": {"type": "BSc"}})
    token = issue(
        doc,
        signer=world.issuer,
        now=NOW - timedelta(days=1),
        format="dc+sd-jwt",
        extra={"disclosable": ["/credentialSubject/name", "/credentialSubject/degree/type"]},
    )
    assert isinstance(token, str)
    r = answer(client, sd_jwt_vp_token(token, hk, req, "degree_sd_jwt", DEGREE), req["state"])
    assert r.status_code == 200, r.text
    res = result(client, out)
    assert res["verdict"] == "accepted", failed(res)
    pointers = {d["pointer"] for d in res["disclosed_claims"]}
    assert "/credentialSubject/degree/type" in pointers and "/credentialSubject/name" not in pointers


def test_replayed_vp_token(client: TestClient) -> None:
    out, req = open_request(client)
    h = holder()
    base, _ = degree_credential(h)
    token = bbs_vp_token(base, h, req, "degree_ldp", DEGREE)
    assert answer(client, token, req["state"]).status_code == 200
    again = answer(client, token, req["state"])
    assert again.status_code == 409 and again.json()["code"] == "transaction.answered"
    assert result(client, out)["verdict"] == "accepted"  # the first answer stands
    # The same vp_token sent to a fresh request: wrong nonce, and flagged as a replay.
    out2, req2 = open_request(client)
    r = answer(client, token, req2["state"])
    assert r.status_code == 400 and r.json()["error"] == "invalid_request"
    res = result(client, out2)
    assert res["verdict"] == "rejected"
    assert any(p == "challenge_domain" for p, _ in failed(res))
    assert any(
        s["code"] == "presentation_replayed" and s["source"] == "verifier_history"
        for s in res["risk_signals"]
    )


def test_wrong_nonce_and_wrong_audience(client: TestClient) -> None:
    h = holder()
    base, _ = degree_credential(h)
    for bad in ({"nonce": "not-the-nonce"}, {"client_id": "decentralized_identifier:did:key:z6Mkother"}):
        out, req = open_request(client)
        r = answer(client, bbs_vp_token(base, h, {**req, **bad}, "degree_ldp", DEGREE), req["state"])
        assert r.status_code == 400
        res = result(client, out)
        assert res["verdict"] == "rejected" and res["error"]["policy"] == "challenge_domain", res["error"]
        assert any(p == "challenge_domain" for p, _ in failed(res))


def test_presentation_for_another_transaction(client: TestClient) -> None:
    h = holder()
    base, _ = degree_credential(h)
    _out_a, req_a = open_request(client)
    out_b, req_b = open_request(client)
    r = answer(client, bbs_vp_token(base, h, req_a, "degree_ldp", DEGREE), req_b["state"])
    assert r.status_code == 400
    res = result(client, out_b)
    assert res["verdict"] == "rejected" and any(p == "challenge_domain" for p, _ in failed(res))


def test_response_without_the_requested_claims(client: TestClient) -> None:
    out, req = open_request(client)
    h = holder()
    base, _ = degree_credential(h)
    r = answer(client, bbs_vp_token(base, h, req, "degree_ldp", ["/credentialSubject/name"]), req["state"])
    assert r.status_code == 400 and r.json()["code"] == "disclosure.unsatisfied"
    res = result(client, out)
    assert res["verdict"] == "rejected" and ("disclosure", "disclosure.unsatisfied") in failed(res)


def test_holder_is_not_the_subject(client: TestClient) -> None:
    out, req = open_request(client)
    base, _ = degree_credential(holder())
    r = answer(client, bbs_vp_token(base, holder(), req, "degree_ldp", DEGREE), req["state"])
    assert r.status_code == 400
    assert ("holder_binding", "holder_binding.mismatch") in failed(result(client, out))


def test_untrusted_issuer_for_a_relying_party(make_client: Any) -> None:
    client = make_client(
        relying_parties=[{"id": "bank", "name": "Bank", "trusted_issuers": ["did:key:z6MkTrusted"]}]
    )
    out, req = open_request(client, template="degree", relying_party="bank")
    h = holder()
    base, _ = degree_credential(h)
    r = answer(client, bbs_vp_token(base, h, req, "degree_ldp", DEGREE), req["state"])
    assert r.status_code == 400
    assert any(p == "issuer_trust" for p, _ in failed(result(client, out)))


def test_relying_party_formats_restrict_the_request(make_client: Any) -> None:
    client = make_client(relying_parties=[{"id": "sd", "formats": ["dc+sd-jwt"]}])
    _out, req = open_request(client, template="degree")
    assert [q["format"] for q in req["dcql_query"]["credentials"]] == ["dc+sd-jwt"]
    # A DI presentation under a query id that was not asked is refused.
    h = holder()
    base, _ = degree_credential(h)
    r = answer(client, bbs_vp_token(base, h, req, "degree_ldp", DEGREE), req["state"])
    assert r.status_code == 400 and r.json()["code"] == "oid4vp.unknown_query"
    r = client.post(
        "/oid4vp/requests",
        json={
            "dcql_query": {
                "credentials": [
                    {
                        "id": "x",
                        "format": "ldp_vc",
                        "meta": {
                            "type_values": [["https://www.w3.org/2018/credentials#VerifiableCredential"]]
                        },
                        "claims": [{"path": ["credentialSubject", "name"]}],
                    }
                ]
            }
        },
    )
    assert r.status_code == 400 and r.json()["code"] == "request.format_not_accepted"


def test_redirect_uri_client_id_prefix(make_client: Any) -> None:
    client = make_client(relying_parties=[{"id": "plain", "client_id_prefix": "redirect_uri"}])
    out, req = open_request(client)
    assert req["client_id"] == "redirect_uri:http://127.0.0.1:8800/oid4vp/response"
    assert not req["signed"] and out["request_uri"] is None
    h = holder()
    base, _ = degree_credential(h)
    assert answer(client, bbs_vp_token(base, h, req, "degree_ldp", DEGREE), req["state"]).status_code == 200
    assert result(client, out)["verdict"] == "accepted"


def test_credential_presented_at_an_unusual_rate(make_client: Any) -> None:
    client = make_client(rate_threshold=1)
    h = holder()
    base, _ = degree_credential(h)
    seen = []
    for _ in range(2):
        out, req = open_request(client)
        token = bbs_vp_token(base, h, req, "degree_ldp", [*DEGREE, "/id"])
        assert answer(client, token, req["state"]).status_code == 200
        res = result(client, out)
        assert res["verdict"] == "accepted"  # signals inform, policies decide
        seen.append([s for s in res["risk_signals"] if s["code"] == "credential_rate"])
    assert seen[0] == []
    assert seen[1][0]["evidence"]["count"] == 2 and seen[1][0]["severity"] == "warning"


def test_expired_transaction(make_client: Any) -> None:
    now = [NOW]
    client = make_client(clock=lambda: now[0], transaction_ttl_seconds=60)
    out, req = open_request(client)
    h = holder()
    base, _ = degree_credential(h)
    token = bbs_vp_token(base, h, req, "degree_ldp", DEGREE)
    now[0] = NOW + timedelta(seconds=61)
    r = answer(client, token, req["state"])
    assert r.status_code == 400 and r.json()["code"] == "transaction.expired"
    assert result(client, out)["status"] == "expired"
    assert client.get(out["request_uri"].removeprefix("http://127.0.0.1:8800")).status_code == 404


def test_wallet_error_response_closes_the_transaction(client: TestClient) -> None:
    out, req = open_request(client)
    r = client.post("/oid4vp/response", data={"error": "access_denied", "state": req["state"]})
    assert r.status_code == 200
    res = result(client, out)
    assert res["status"] == "failed" and res["verdict"] == "rejected"
    assert res["error"]["code"] == "wallet.access_denied"


def test_revoked_credential_is_refused(make_client: Any, world: World) -> None:
    """The demo's last act: the issuer revokes, the verifier refuses the next presentation
    (``status_cache_max_seconds=0``: the list is fetched again, whatever its caching)."""
    client = make_client(status_cache_max_seconds=0)
    idx = world.status.allocate()
    h = holder()
    doc = world.credential(
        **{
            "@context": [
                "https://www.w3.org/ns/credentials/v2",
                "https://www.w3.org/ns/credentials/examples/v2",
            ],
            "credentialSubject": {"id": h.did, "name": "Alice", "degree": {"type": "ExampleBachelorDegree"}},
            "credentialStatus": world.status.entry(idx, purpose="revocation").to_json(),
        }
    )
    cred = issue(doc, signer=world.issuer, now=NOW - timedelta(days=1), format="eddsa-rdfc-2022")

    def show() -> tuple[int, dict[str, Any]]:
        out, req = open_request(client)
        vp = present(
            [cred],
            signer=h,
            now=NOW,
            format="eddsa-rdfc-2022",
            challenge=req["nonce"],
            domain=req["client_id"],
        )
        r = answer(client, {"degree_ldp": [vp]}, req["state"])
        return r.status_code, result(client, out)

    status, res = show()
    assert status == 200 and res["verdict"] == "accepted", failed(res)
    world.status.set_status(idx, 1)
    world.publish(world.status)
    status, res = show()
    assert status == 400 and res["error"]["policy"] == "status"
    assert any(p == "status" for p, _ in failed(res))


async def test_two_simultaneous_answers_one_wins(client: TestClient) -> None:
    """The transaction is claimed in one guarded SQL update: of two concurrent identical answers
    exactly one is processed, the other is refused as a replay."""
    import asyncio

    out, req = await asyncio.to_thread(open_request, client)
    h = holder()
    base, _ = degree_credential(h)
    form = {"vp_token": json.dumps(bbs_vp_token(base, h, req, "degree_ldp", DEGREE)), "state": req["state"]}
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=client.app), base_url="http://127.0.0.1:8800"
    ) as http:
        a, b = await asyncio.gather(
            http.post("/oid4vp/response", data=form), http.post("/oid4vp/response", data=form)
        )
    assert sorted([a.status_code, b.status_code]) == [200, 409]
    assert result(client, out)["verdict"] == "accepted"


def test_answer_for_a_relying_party_no_longer_configured(make_client: Any) -> None:
    before = make_client(relying_parties=[{"id": "old"}])
    out, req = open_request(before, template="degree")
    after = make_client(relying_parties=[{"id": "new"}])  # same database, restarted with other config
    h = holder()
    base, _ = degree_credential(h)
    r = answer(after, bbs_vp_token(base, h, req, "degree_ldp", DEGREE), req["state"])
    assert r.status_code == 400 and r.json()["code"] == "rp.unknown"
    res = result(after, out)
    assert res["status"] == "failed" and res["verdict"] == "rejected"
