"""Presentation policies (challenge_domain, holder_binding, disclosure), sync use, and the report."""

from __future__ import annotations

import asyncio
import json
from datetime import timedelta
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from vworld import World, outcome

from didkit_py.credentials import signer_for_key
from didkit_py.keys import KeyType, generate_key
from verifier import (
    ChallengeDomainPolicy,
    DisclosurePolicy,
    HolderBindingPolicy,
    InMemoryNonceStore,
    Policies,
    report_json_schema,
)


async def test_presentation_accepted_with_holder_bound(world: World) -> None:
    vp = world.vp([world.jwt()])
    report = await world.make_verifier().verify_presentation(vp, challenge="n-1", domain="https://rp.example")
    assert report.verdict == "accepted", report.failed_checks()
    assert report.holder == world.holder.did
    assert outcome(report, "challenge_domain", "presentation") == ("passed", None)
    assert outcome(report, "holder_binding", "credential[0]") == ("passed", None)
    assert outcome(report, "signature", "credential[0]") == ("passed", None)
    assert report.kind == "presentation" and len(report.credentials) == 1


# --- challenge_domain ---------------------------------------------------------------------------


async def test_replayed_presentation_is_rejected(world: World) -> None:
    vp = world.vp([world.jwt()])
    verifier = world.make_verifier()
    first = await verifier.verify_presentation(vp, challenge="n-1", domain="https://rp.example")
    assert first.verdict == "accepted"
    again = await verifier.verify_presentation(vp, challenge="n-1", domain="https://rp.example")
    assert again.verdict == "rejected"
    assert outcome(again, "challenge_domain") == ("failed", "challenge.replayed")


@pytest.mark.parametrize(
    ("challenge", "domain", "code"),
    [("other", "https://rp.example", "vp.challenge"), ("n-1", "https://evil.example", "vp.domain")],
)
async def test_wrong_challenge_or_domain_fails(world: World, challenge: str, domain: str, code: str) -> None:
    vp = world.vp([world.jwt()])
    report = await world.make_verifier().verify_presentation(vp, challenge=challenge, domain=domain)
    assert report.verdict == "rejected"
    assert outcome(report, "challenge_domain") == ("failed", code)


async def test_missing_challenge_fails_unless_not_required(world: World) -> None:
    vp = world.vp([world.jwt()], challenge=None, domain=None)
    report = await world.make_verifier().verify_presentation(vp)
    assert outcome(report, "challenge_domain") == ("failed", "challenge.missing")
    lax = Policies(challenge_domain=ChallengeDomainPolicy(required=False))
    report = await world.make_verifier().verify_presentation(vp, policies=lax)
    assert outcome(report, "challenge_domain") == ("skipped", "challenge.none")
    assert report.verdict == "accepted"


async def test_issued_challenges_are_single_use(world: World) -> None:
    verifier = world.make_verifier(
        policies=Policies(challenge_domain=ChallengeDomainPolicy(require_issued=True))
    )
    nonce = await verifier.issue_challenge()
    vp = world.vp([world.jwt()], challenge=nonce)
    assert (
        await verifier.verify_presentation(vp, challenge=nonce, domain="https://rp.example")
    ).verdict == "accepted"
    again = await verifier.verify_presentation(vp, challenge=nonce, domain="https://rp.example")
    assert outcome(again, "challenge_domain") == ("failed", "challenge.replayed")
    made_up = world.vp([world.jwt()], challenge="made-up")
    report = await verifier.verify_presentation(made_up, challenge="made-up", domain="https://rp.example")
    assert outcome(report, "challenge_domain") == ("failed", "challenge.replayed")


async def test_nonce_store_expiry_and_bounds() -> None:
    t = [0.0]
    store = InMemoryNonceStore(clock=lambda: t[0], max_entries=4)
    n = await store.issue(10)
    t[0] = 11
    assert not await store.consume(n, ttl=60, require_issued=True)  # expired
    assert await store.consume("x", ttl=60, require_issued=False)
    assert not await store.consume("x", ttl=60, require_issued=False)
    for i in range(3):
        assert await store.consume(f"y{i}", ttl=60, require_issued=False)
    assert not await store.consume("z", ttl=60, require_issued=False)  # full: refuse, never forget
    t[0] = 100
    assert await store.consume("z", ttl=60, require_issued=False)  # expired entries swept


# --- holder_binding ----------------------------------------------------------------------------------


async def test_holder_binding_mismatch_fails(world: World) -> None:
    stranger = signer_for_key(generate_key(KeyType.ED25519))
    vp = world.vp([world.jwt()], holder=stranger)
    report = await world.make_verifier().verify_presentation(vp, challenge="n-1", domain="https://rp.example")
    assert outcome(report, "holder_binding", "credential[0]") == ("failed", "holder_binding.mismatch")
    assert report.verdict == "rejected"


async def test_bearer_credentials(world: World) -> None:
    doc = world.credential()
    del doc["credentialSubject"]["id"]
    vp = world.vp([world.jwt(doc)])
    report = await world.make_verifier().verify_presentation(vp, challenge="n-1", domain="https://rp.example")
    assert outcome(report, "holder_binding", "credential[0]") == ("skipped", "holder_binding.bearer")
    assert report.verdict == "accepted"
    strict = Policies(holder_binding=HolderBindingPolicy(allow_bearer=False))
    vp = world.vp([world.jwt(doc)], challenge="n-2")
    report = await world.make_verifier().verify_presentation(
        vp, challenge="n-2", domain="https://rp.example", policies=strict
    )
    assert outcome(report, "holder_binding", "credential[0]") == ("failed", "holder_binding.bearer")


async def test_a_bad_credential_inside_a_good_presentation_fails(world: World) -> None:
    expired = world.jwt(world.credential(validFrom="2025-01-01T00:00:00Z", validUntil="2026-01-01T00:00:00Z"))
    vp = world.vp([world.jwt(), expired])
    report = await world.make_verifier().verify_presentation(vp, challenge="n-1", domain="https://rp.example")
    assert report.verdict == "rejected"
    assert outcome(report, "validity_period", "credential[1]")[0] == "failed"
    assert outcome(report, "validity_period", "credential[0]") == ("passed", None)


# --- disclosure --------------------------------------------------------------------------------------


async def test_disclosure_required_claims(world: World) -> None:
    vp = world.vp([world.jwt()])
    ok = Policies(disclosure=DisclosurePolicy(required_claims=("/credentialSubject/name",)))
    report = await world.make_verifier().verify_presentation(
        vp, challenge="n-1", domain="https://rp.example", policies=ok
    )
    assert outcome(report, "disclosure") == ("passed", None)
    missing = Policies(disclosure=DisclosurePolicy(required_claims=("/credentialSubject/birthDate",)))
    vp2 = world.vp([world.jwt()], challenge="n-2")
    report = await world.make_verifier().verify_presentation(
        vp2, challenge="n-2", domain="https://rp.example", policies=missing
    )
    assert outcome(report, "disclosure") == ("failed", "disclosure.missing")
    assert report.verdict == "rejected"


#: VC DM 2.0 ``@vocab``: undefined type terms expand under the issuer-dependent namespace.
IRI = "https://www.w3.org/ns/credentials/issuer-dependent#"


async def test_disclosure_dcql_request(world: World) -> None:
    query = {
        "credentials": [
            {
                "id": "degree",
                "format": "jwt_vc_json",
                "meta": {"type_values": [[IRI + "ExampleDegreeCredential"]]},
                "claims": [{"path": ["credentialSubject", "name"]}],
            }
        ]
    }
    vp = world.vp([world.jwt()])
    pol = Policies(disclosure=DisclosurePolicy(request=query))
    report = await world.make_verifier().verify_presentation(
        vp, challenge="n-1", domain="https://rp.example", policies=pol
    )
    assert outcome(report, "disclosure") == ("passed", None), report.failed_checks()
    unmet = {
        "credentials": [
            {"id": "x", "format": "jwt_vc_json", "meta": {"type_values": [[IRI + "DriverLicense"]]}}
        ]
    }
    vp2 = world.vp([world.jwt()], challenge="n-2")
    report = await world.make_verifier().verify_presentation(
        vp2,
        challenge="n-2",
        domain="https://rp.example",
        policies=Policies(disclosure=DisclosurePolicy(request=unmet)),
    )
    assert outcome(report, "disclosure") == ("failed", "disclosure.unsatisfied")


# --- sync wrappers -------------------------------------------------------------------------------------


def test_sync_wrappers_outside_a_loop(world: World) -> None:
    verifier = world.make_verifier()
    try:
        assert verifier.verify_credential_sync(world.jwt()).verdict == "accepted"
        nonce = verifier.issue_challenge_sync()
        vp = world.vp([world.jwt()], challenge=nonce)
        assert verifier.verify_presentation_sync(vp, challenge=nonce, domain="https://rp.example").accepted
    finally:
        verifier.close()


async def test_sync_wrapper_inside_a_running_loop(world: World) -> None:
    verifier = world.make_verifier()
    try:
        report = await asyncio.to_thread(lambda: verifier.verify_credential_sync(world.jwt()))
        assert report.accepted
        assert verifier.verify_credential_sync(world.jwt()).accepted  # called on the loop's own thread
    finally:
        verifier.close()


# --- policies from strings -------------------------------------------------------------------------------


def test_policy_options() -> None:
    p = Policies().with_options(
        [
            "status=off",
            "validity_period.skew=5",
            "issuer_trust.trusted_issuers=did:a,did:b",
            "challenge_domain.required=no",
            "disclosure.required_claims=/credentialSubject/name",
        ]
    )
    assert not p.status.enabled and p.validity_period.skew == timedelta(seconds=5)
    assert p.issuer_trust.trusted_issuers == {"did:a", "did:b"}
    assert not p.challenge_domain.required
    assert p.disclosure.required_claims == ("/credentialSubject/name",)
    assert p.describe()["status"]["enabled"] is False
    from didkit_py.errors import InvalidInput

    for bad in [
        "nope=on",
        "status",
        "status=maybe",
        "status.nothing=1",
        "validity_period.skew=x",
        "signature=off",
        "schema.max_schema_bytes=-1",
        "disclosure.request={}",
    ]:
        with pytest.raises(InvalidInput):
            Policies().with_options([bad])


# --- the report's JSON schema is stable -----------------------------------------------------------------


def test_report_schema_is_committed_and_unchanged() -> None:
    path = Path(__file__).resolve().parents[3] / "verifier" / "report.schema.json"
    committed = json.loads(path.read_text())
    assert committed == json.loads(json.dumps(report_json_schema())), (
        "VerificationReport changed: regenerate verifier/report.schema.json (python -m verifier.report)"
        " and document the change in docs/verifier.md"
    )


async def test_report_validates_against_its_schema(world: World) -> None:
    import jsonschema

    report = await world.make_verifier().verify_presentation(
        world.vp([world.jwt()]), challenge="n-1", domain="https://rp.example"
    )
    jsonschema.validate(report.to_json(), report_json_schema())
    assert report.to_json()["report_version"] == "1"
    assert all(c["duration_ms"] >= 0 for c in report.to_json()["checks"])


@settings(max_examples=300, deadline=None)
@given(st.lists(st.text(max_size=40), max_size=4))
def test_policy_option_parser_raises_only_invalid_input(options: list[str]) -> None:
    from didkit_py.errors import InvalidInput

    try:
        p = Policies().with_options(options)
    except InvalidInput:
        return
    assert isinstance(p.describe(), dict)


async def test_a_bare_credential_is_not_a_presentation(world: World) -> None:
    report = await world.make_verifier().verify_presentation(
        world.jwt(), challenge="n-1", domain="https://rp.example"
    )
    assert report.verdict == "rejected"
    assert outcome(report, "challenge_domain") == ("failed", "presentation.unbound")


async def test_disclosure_presentation_definition(world: World) -> None:
    definition = {
        "id": "degree-check",
        "input_descriptors": [
            {
                "id": "degree",
                "constraints": {
                    "fields": [
                        {
                            "path": ["$.credentialSubject.degree.type"],
                            "filter": {"type": "string", "const": "BachelorDegree"},
                        }
                    ]
                },
            }
        ],
    }
    vp = world.vp([world.jwt()])
    pol = Policies(disclosure=DisclosurePolicy(request=definition))
    report = await world.make_verifier().verify_presentation(
        vp, challenge="n-1", domain="https://rp.example", policies=pol
    )
    assert outcome(report, "disclosure") == ("passed", None), report.failed_checks()
    definition["input_descriptors"][0]["constraints"]["fields"][0]["filter"]["const"] = "MasterDegree"  # type: ignore[index]
    vp2 = world.vp([world.jwt()], challenge="n-2")
    report = await world.make_verifier().verify_presentation(
        vp2,
        challenge="n-2",
        domain="https://rp.example",
        policies=Policies(disclosure=DisclosurePolicy(request=definition)),
    )
    assert outcome(report, "disclosure") == ("failed", "disclosure.unsatisfied")
    bad = Policies(disclosure=DisclosurePolicy(request={"input_descriptors": "nope"}))
    vp3 = world.vp([world.jwt()], challenge="n-3")
    report = await world.make_verifier().verify_presentation(
        vp3, challenge="n-3", domain="https://rp.example", policies=bad
    )
    assert outcome(report, "disclosure")[0] == "failed"
