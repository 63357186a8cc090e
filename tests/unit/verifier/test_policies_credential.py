"""Each credential-level policy: its pass path and its fail path (vc+jwt, Ed25519, did:key)."""

from __future__ import annotations

import json
from datetime import timedelta

import pytest
from vworld import BASE, NOW, World, ethr_document, iso, outcome

from didkit_py._encoding import b64url_decode, b64url_encode
from didkit_py.credentials import signer_for_key
from didkit_py.keys import KeyType, generate_key
from verifier import IssuerTrustPolicy, Policies, StatusPolicy, ValidityPeriodPolicy


def _status_entry(world: World, manager, index: int, purpose: str) -> dict[str, object]:  # type: ignore[no-untyped-def]
    return manager.entry(index, purpose=purpose).to_json()


async def test_valid_credential_is_accepted(world: World) -> None:
    report = await world.make_verifier().verify_credential(world.jwt())
    assert report.verdict == "accepted", report.failed_checks()
    assert outcome(report, "signature") == ("passed", None)
    assert outcome(report, "did_resolution") == ("passed", None)
    assert outcome(report, "validity_period") == ("passed", None)
    assert report.format == "vc+jwt"
    assert {c.pointer for c in report.disclosed_claims} >= {
        "/credentialSubject/name",
        "/credentialSubject/degree/type",
    }
    assert report.credentials[0].issuer == world.issuer.did


# --- signature -----------------------------------------------------------------------------------


async def test_signature_fails_on_tampered_payload(world: World) -> None:
    header, payload, sig = world.jwt().split(".")
    claims = json.loads(b64url_decode(payload))
    claims["credentialSubject"]["name"] = "Mallory"
    forged = ".".join([header, b64url_encode(json.dumps(claims).encode()), sig])
    report = await world.make_verifier().verify_credential(forged)
    assert report.verdict == "rejected"
    assert outcome(report, "signature") == ("failed", "jwt.signature")
    assert outcome(report, "status")[0] == "skipped"  # nothing read from an unauthenticated document
    assert report.disclosed_claims == []


@pytest.mark.parametrize("junk", ["", "not a credential", "a.b.c", {"foo": 1}, "{" * 5000])
async def test_signature_fails_on_junk(world: World, junk: object) -> None:
    report = await world.make_verifier().verify_credential(junk)
    assert report.verdict == "rejected"
    assert outcome(report, "signature")[0] == "failed"


# --- did_resolution ------------------------------------------------------------------------------


async def test_did_resolution_fails_for_unknown_method(world: World) -> None:
    other = world.credential(issuer="did:example:nobody")
    signer = signer_for_key(world.issuer_key)
    from didkit_py.credentials import Signer

    token = world.jwt(other, Signer(signer.key, "did:example:nobody#k1"))
    report = await world.make_verifier().verify_credential(token)
    assert report.verdict == "rejected"
    assert outcome(report, "did_resolution") == ("failed", "methodNotSupported")


async def test_did_resolution_fails_for_deactivated_issuer(world: World) -> None:
    did = "did:ethr:0x7a69:0x1111111111111111111111111111111111111111"
    doc = ethr_document(did, "0xaaaa000000000000000000000000000000000001", [("key-1", world.issuer_key)])
    world.ledger.versions[did] = [(NOW - timedelta(days=100), doc, {"deactivated": True})]
    from didkit_py.credentials import Signer

    token = world.jwt(world.credential(issuer=did), Signer(world.issuer_key, f"{did}#key-1"))
    report = await world.make_verifier().verify_credential(token)
    assert outcome(report, "signature") == ("passed", None)
    assert outcome(report, "did_resolution") == ("failed", "did.deactivated")
    assert report.verdict == "rejected"


# --- validity_period ------------------------------------------------------------------------------


async def test_validity_period_expired_fails_and_policy_off_skips(world: World) -> None:
    doc = world.credential(validUntil=iso(NOW - timedelta(days=1)))
    token = world.jwt(doc)
    report = await world.make_verifier().verify_credential(token)
    assert report.verdict == "rejected"
    assert outcome(report, "validity_period")[0] == "failed"
    off = Policies(validity_period=ValidityPeriodPolicy(enabled=False))
    report2 = await world.make_verifier().verify_credential(token, policies=off)
    assert outcome(report2, "validity_period") == ("skipped", "policy.disabled")
    assert report2.verdict == "accepted"


async def test_validity_period_skew(world: World) -> None:
    token = world.jwt(world.credential(validFrom=iso(NOW + timedelta(seconds=30))))
    assert (await world.make_verifier().verify_credential(token)).verdict == "accepted"
    strict = Policies(validity_period=ValidityPeriodPolicy(skew=timedelta(seconds=0)))
    report = await world.make_verifier().verify_credential(token, policies=strict)
    assert outcome(report, "validity_period")[0] == "failed"


# --- status ---------------------------------------------------------------------------------------


async def test_status_revoked_is_revoked(world: World) -> None:
    idx = world.status.allocate()
    token = world.jwt(
        world.credential(credentialStatus=_status_entry(world, world.status, idx, "revocation"))
    )
    verifier = world.make_verifier()
    report = await verifier.verify_credential(token)
    assert outcome(report, "status") == ("passed", None)
    assert report.verdict == "accepted"
    world.status.set_status(idx, 1)
    world.publish(world.status)
    verifier.status_client.clear_cache()
    report = await verifier.verify_credential(token)
    assert outcome(report, "status") == ("failed", "status.revoked")
    assert report.verdict == "rejected"
    assert report.credentials[0].status[0]["label"] == "revoked"


async def test_status_suspended_and_reversible(world: World) -> None:
    idx = world.suspension.allocate()
    token = world.jwt(
        world.credential(credentialStatus=_status_entry(world, world.suspension, idx, "suspension"))
    )
    verifier = world.make_verifier()
    world.suspension.set_status(idx, 1)
    world.publish(world.suspension)
    report = await verifier.verify_credential(token)
    assert outcome(report, "status") == ("failed", "status.suspended")
    world.suspension.set_status(idx, 0)
    world.publish(world.suspension)
    verifier.status_client.clear_cache()
    report = await verifier.verify_credential(token)
    assert outcome(report, "status") == ("passed", None)
    assert report.verdict == "accepted"


async def test_status_both_purposes_in_one_credential(world: World) -> None:
    i1, i2 = world.status.allocate(), world.suspension.allocate()
    entries = [
        _status_entry(world, world.status, i1, "revocation"),
        _status_entry(world, world.suspension, i2, "suspension"),
    ]
    token = world.jwt(world.credential(credentialStatus=entries))
    report = await world.make_verifier().verify_credential(token)
    assert outcome(report, "status") == ("passed", None)
    assert len(report.credentials[0].status) == 2


async def test_status_tampered_list_fails_never_passes(world: World) -> None:
    idx = world.status.allocate()
    world.status.set_status(idx, 1)
    token = world.publish(world.status)
    header, payload, sig = token.split(".")
    claims = json.loads(b64url_decode(payload))
    from didkit_py.status import BitstringStatusList

    claims["credentialSubject"]["encodedList"] = BitstringStatusList.create().encode()  # "un-revoke"
    world.web.put(world.status.id, ".".join([header, b64url_encode(json.dumps(claims).encode()), sig]))
    cred = world.jwt(world.credential(credentialStatus=_status_entry(world, world.status, idx, "revocation")))
    report = await world.make_verifier().verify_credential(cred)
    assert outcome(report, "status") == ("failed", "status.list_verification")
    assert report.verdict == "rejected"


async def test_status_list_signed_by_someone_else_fails(world: World) -> None:
    idx = world.status.allocate()
    mallory = signer_for_key(generate_key(KeyType.ED25519))
    from didkit_py.credentials import issue

    doc = world.status.credential(issuer=mallory.did)
    world.web.put(world.status.id, issue(doc, signer=mallory, now=NOW))  # type: ignore[arg-type]
    cred = world.jwt(world.credential(credentialStatus=_status_entry(world, world.status, idx, "revocation")))
    report = await world.make_verifier().verify_credential(cred)
    assert outcome(report, "status") == ("failed", "status.issuer_mismatch")


@pytest.mark.parametrize(
    ("mutate", "code"),
    [
        (lambda w, e: w.web.routes.pop(w.status.id), "status.not_found"),
        (lambda w, e: w.web.put(w.status.id, "<html/>"), "status.not_a_credential"),
        (lambda w, e: e.update(statusPurpose="suspension"), "status.purpose_mismatch"),
        (lambda w, e: e.update(statusListIndex="131072"), "status.range"),
        (lambda w, e: e.update(statusListCredential="http://issuer.example/status/1"), "status.url"),
        (lambda w, e: e.update(type="StatusList2021Entry"), "status.unsupported_type"),
    ],
)
async def test_status_bad_inputs_fail(world: World, mutate, code: str) -> None:  # type: ignore[no-untyped-def]
    entry = _status_entry(world, world.status, world.status.allocate(), "revocation")
    mutate(world, entry)
    token = world.jwt(world.credential(credentialStatus=entry))
    report = await world.make_verifier().verify_credential(token)
    assert outcome(report, "status") == ("failed", code)
    assert report.verdict == "rejected"


async def test_status_required_and_off(world: World) -> None:
    token = world.jwt()
    report = await world.make_verifier().verify_credential(
        token, policies=Policies(status=StatusPolicy(required=True))
    )
    assert outcome(report, "status") == ("failed", "status.missing")
    report = await world.make_verifier().verify_credential(token)
    assert outcome(report, "status") == ("skipped", "status.none")
    entry = _status_entry(world, world.status, world.status.allocate(), "revocation")
    world.web.routes.pop(world.status.id)
    bad = world.jwt(world.credential(credentialStatus=entry))
    report = await world.make_verifier().verify_credential(
        bad, policies=Policies(status=StatusPolicy(enabled=False))
    )
    assert outcome(report, "status") == ("skipped", "policy.disabled")
    assert report.verdict == "accepted"


async def test_status_list_is_cached_warm(world: World) -> None:
    entry = _status_entry(world, world.status, world.status.allocate(), "revocation")
    token = world.jwt(world.credential(credentialStatus=entry))
    verifier = world.make_verifier()
    for _ in range(5):
        assert (await verifier.verify_credential(token)).verdict == "accepted"
    assert world.web.hits[world.status.id] == 1


# --- issuer_trust ---------------------------------------------------------------------------------


async def test_issuer_trust_allow_list(world: World) -> None:
    token = world.jwt()
    ok = Policies(issuer_trust=IssuerTrustPolicy(trusted_issuers=frozenset({world.issuer.did})))
    report = await world.make_verifier().verify_credential(token, policies=ok)
    assert outcome(report, "issuer_trust") == ("passed", None)
    other = Policies(issuer_trust=IssuerTrustPolicy(trusted_issuers=frozenset({"did:key:z6Mkother"})))
    report = await world.make_verifier().verify_credential(token, policies=other)
    assert outcome(report, "issuer_trust") == ("failed", "issuer_trust.untrusted")
    assert report.verdict == "rejected"
    report = await world.make_verifier().verify_credential(token)
    assert outcome(report, "issuer_trust") == ("skipped", "issuer_trust.unconfigured")


async def test_issuer_trust_by_registry_owner(world: World) -> None:
    did = "did:ethr:0x7a69:0x2222222222222222222222222222222222222222"
    owner = "0xAbCd000000000000000000000000000000000002"
    world.ledger.versions[did] = [
        (NOW - timedelta(days=100), ethr_document(did, owner, [("key-1", world.issuer_key)]), {})
    ]
    from didkit_py.credentials import Signer

    token = world.jwt(world.credential(issuer=did), Signer(world.issuer_key, f"{did}#key-1"))
    trusted = Policies(issuer_trust=IssuerTrustPolicy(trusted_owners=frozenset({owner})))
    report = await world.make_verifier().verify_credential(token, policies=trusted)
    assert outcome(report, "issuer_trust") == ("passed", None), report.failed_checks()
    untrusted = Policies(issuer_trust=IssuerTrustPolicy(trusted_owners=frozenset({"0x" + "9" * 40})))
    report = await world.make_verifier().verify_credential(token, policies=untrusted)
    assert outcome(report, "issuer_trust") == ("failed", "issuer_trust.untrusted")


# --- schema -----------------------------------------------------------------------------------------

SCHEMA = {
    "$schema": "https://json-schema.org/draft/2020-12/schema",
    "type": "object",
    "required": ["credentialSubject"],
    "properties": {
        "credentialSubject": {
            "type": "object",
            "required": ["name"],
            "properties": {"name": {"type": "string", "maxLength": 10}},
        }
    },
}


async def test_schema_pass_and_fail(world: World) -> None:
    world.web.put(f"{BASE}/schemas/degree.json", SCHEMA)
    ref = {"id": f"{BASE}/schemas/degree.json", "type": "JsonSchema"}
    good = world.jwt(world.credential(credentialSchema=ref))
    report = await world.make_verifier().verify_credential(good)
    assert outcome(report, "schema") == ("passed", None)
    doc = world.credential(credentialSchema=ref)
    doc["credentialSubject"]["name"] = "A name that is far too long"
    report = await world.make_verifier().verify_credential(world.jwt(doc))
    assert outcome(report, "schema") == ("failed", "schema.mismatch")
    assert report.verdict == "rejected"


@pytest.mark.parametrize(
    ("body", "status", "code"),
    [
        (None, 404, "schema.not_found"),
        ({"type": "no-such-type"}, 200, "schema.invalid"),
        ({"$ref": "https://elsewhere.example/s.json"}, 200, "schema.ref"),
        ("x" * 600_000, 200, "schema.limit"),
    ],
)
async def test_schema_unobtainable_or_broken_fails(
    world: World, body: object, status: int, code: str
) -> None:
    url = f"{BASE}/schemas/bad.json"
    if body is not None:
        world.web.put(url, body, status=status)
    token = world.jwt(world.credential(credentialSchema={"id": url, "type": "JsonSchema"}))
    report = await world.make_verifier().verify_credential(token)
    assert outcome(report, "schema") == ("failed", code)


async def test_schema_credential_is_verified(world: World) -> None:
    from didkit_py.credentials import issue

    schema_cred = {
        "@context": [world.credential()["@context"][0]],
        "type": ["VerifiableCredential", "JsonSchemaCredential"],
        "issuer": world.issuer.did,
        "credentialSubject": {"id": f"{BASE}/schemas/vc#", "type": "JsonSchema", "jsonSchema": SCHEMA},
    }
    world.web.put(f"{BASE}/schemas/vc", issue(schema_cred, signer=world.issuer, now=NOW))  # type: ignore[arg-type]
    token = world.jwt(
        world.credential(credentialSchema={"id": f"{BASE}/schemas/vc", "type": "JsonSchemaCredential"})
    )
    report = await world.make_verifier().verify_credential(token)
    assert outcome(report, "schema") == ("passed", None), report.failed_checks()
    world.web.put(f"{BASE}/schemas/vc", json.dumps(schema_cred))  # unsecured: must not be trusted
    report = await world.make_verifier().verify_credential(token)
    assert outcome(report, "schema")[0] == "failed"


# --- risk signals ------------------------------------------------------------------------------------


async def test_risk_signals_from_ledger_history(world: World) -> None:
    from verifier import EthrHistoryRisk

    did = "did:ethr:0x7a69:0x3333333333333333333333333333333333333333"
    old_owner, new_owner = "0x" + "a" * 40, "0x" + "b" * 40
    k2 = generate_key(KeyType.ED25519)
    world.ledger.versions[did] = [
        (NOW - timedelta(days=200), ethr_document(did, old_owner, [("key-1", world.issuer_key)]), {}),
        (
            NOW - timedelta(days=5),
            ethr_document(did, new_owner, [("key-1", world.issuer_key), ("key-2", k2)]),
            {"updated": iso(NOW - timedelta(days=5))},
        ),
    ]
    from didkit_py.credentials import Signer

    token = world.jwt(world.credential(issuer=did), Signer(world.issuer_key, f"{did}#key-1"))
    verifier = world.make_verifier(risk=EthrHistoryRisk(world.resolver))
    report = await verifier.verify_credential(token)
    assert report.verdict == "accepted"  # information, not verdict
    codes = {(s.code, s.severity) for s in report.risk_signals}
    assert ("owner_changed_recently", "warning") in codes
    assert ("key_rotated_after_issuance", "info") in codes
    # A key that was not the issuer's at the stated issuance time is a high-severity signal.
    backdated = world.jwt(
        world.credential(issuer=did, validFrom=iso(NOW - timedelta(days=30))), Signer(k2, f"{did}#key-2")
    )
    report = await verifier.verify_credential(backdated)
    assert ("key_rotated_after_issuance", "high") in {(s.code, s.severity) for s in report.risk_signals}
    # No history for did:key issuers, and an unreadable history is an info signal.
    assert (await verifier.verify_credential(world.jwt())).risk_signals == []


async def test_status_message_purpose_is_reported_not_enforced(world: World) -> None:
    from didkit_py.status import StatusListManager, StatusMessage

    messages = [
        StatusMessage(0, "valid"),
        StatusMessage(1, "pending review"),
        StatusMessage(2, "x"),
        StatusMessage(3, "y"),
    ]
    manager = StatusListManager.create(
        id=f"{BASE}/status/msg", status_purpose="message", status_size=2, status_message=messages
    )
    idx = manager.allocate()
    manager.set_status(idx, 1)
    world.publish(manager)
    token = world.jwt(world.credential(credentialStatus=manager.entry(idx).to_json()))
    report = await world.make_verifier().verify_credential(token)
    assert outcome(report, "status") == ("passed", None)
    assert report.credentials[0].status[0]["message"] == "pending review"
    assert report.verdict == "accepted"


async def test_status_decompression_bomb_fails(world: World) -> None:
    import gzip

    from didkit_py._encoding import multibase_encode
    from didkit_py.credentials import issue

    idx = world.status.allocate()
    doc = world.status.credential(issuer=world.issuer.did, valid_from=NOW - timedelta(days=1))
    doc["credentialSubject"]["encodedList"] = multibase_encode(
        gzip.compress(bytes(32 * 1024 * 1024)), "base64url"
    )
    world.web.put(world.status.id, issue(doc, signer=world.issuer, now=NOW - timedelta(hours=1)))  # type: ignore[arg-type]
    token = world.jwt(
        world.credential(credentialStatus=_status_entry(world, world.status, idx, "revocation"))
    )
    report = await world.make_verifier().verify_credential(token)
    assert outcome(report, "status") == ("failed", "status.limit")
    assert report.verdict == "rejected"
