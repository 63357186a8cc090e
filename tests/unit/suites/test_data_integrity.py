"""Data Integrity proofs: round trips, proof options, sets/chains, and bad input never accepted."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py._encoding import b58_decode, multibase_encode
from didkit_py.did import KeyMethod, Resolver, did_key_from_public
from didkit_py.errors import (
    DidkitError,
    InvalidInput,
    LimitExceeded,
    ResolutionError,
    UnsupportedError,
    VerificationError,
)
from didkit_py.jsonld import DocumentLoader
from didkit_py.keys import KeyPair, KeyType, generate_key
from didkit_py.suites.data_integrity import add_proof, verify_proof

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
V2 = "https://www.w3.org/ns/credentials/v2"
EX = "https://www.w3.org/ns/credentials/examples/v2"


def _vm(kp: KeyPair) -> str:
    did = did_key_from_public(kp.key_type, kp.public_key)
    return f"{did}#{did.removeprefix('did:key:')}"


def _credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": [V2, EX],
        "id": "urn:uuid:6a0c1f3e-8c59-4f0e-9d5c-0d6e0d3f7a11",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:ebfeb1f712ebc6f1c276e12ec21",
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science and Arts"},
            "gpa": 3.0,
        },
    }


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return DocumentLoader()


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver({"key": KeyMethod()})


@pytest.fixture(scope="module", params=[KeyType.ED25519, KeyType.P256], ids=["eddsa", "ecdsa"])
def signer(request: pytest.FixtureRequest) -> tuple[str, KeyPair]:
    kt = request.param
    suite = "eddsa-rdfc-2022" if kt is KeyType.ED25519 else "ecdsa-rdfc-2019"
    return suite, generate_key(kt)


def _sign(signer: tuple[str, KeyPair], loader: DocumentLoader, **kw: Any) -> dict[str, Any]:
    suite, kp = signer
    vm = _vm(kp)
    doc = kw.pop("document", None) or _credential(vm.split("#")[0])
    return add_proof(doc, suite=suite, key=kp, verification_method=vm, loader=loader, created=NOW, **kw)


async def test_round_trip(signer: tuple[str, KeyPair], loader: DocumentLoader, resolver: Resolver) -> None:
    signed = _sign(signer, loader)
    assert signed["proof"]["created"] == "2026-01-01T12:00:00Z"
    assert signed["proof"]["proofValue"].startswith("z")
    result = await verify_proof(signed, resolver=resolver, loader=loader, now=NOW)
    assert result.proofs[0].cryptosuite == signer[0]
    assert "proof" not in result.document


async def test_authentication_with_challenge_and_domain(
    signer: tuple[str, KeyPair], loader: DocumentLoader, resolver: Resolver
) -> None:
    _suite, kp = signer
    vp = {"@context": [V2], "type": ["VerifiablePresentation"], "holder": _vm(kp).split("#")[0]}
    signed = _sign(
        signer, loader, document=vp, proof_purpose="authentication", challenge="c-123", domain="example.org"
    )
    await verify_proof(
        signed,
        resolver=resolver,
        loader=loader,
        expected_purpose="authentication",
        challenge="c-123",
        domain="example.org",
        now=NOW,
    )
    with pytest.raises(VerificationError, match="challenge"):
        await verify_proof(
            signed,
            resolver=resolver,
            loader=loader,
            expected_purpose="authentication",
            challenge="other",
            now=NOW,
        )
    with pytest.raises(VerificationError, match="domain"):
        await verify_proof(
            signed,
            resolver=resolver,
            loader=loader,
            expected_purpose="authentication",
            domain="evil.example",
            now=NOW,
        )
    with pytest.raises(VerificationError) as info:
        await verify_proof(signed, resolver=resolver, loader=loader, now=NOW)  # assertionMethod expected
    assert info.value.code == "proof.purpose"
    # Changing the challenge in the proof breaks the signature (it is signed).
    forged = copy.deepcopy(signed)
    forged["proof"]["challenge"] = "other"
    with pytest.raises(VerificationError):
        await verify_proof(
            forged,
            resolver=resolver,
            loader=loader,
            expected_purpose="authentication",
            challenge="other",
            now=NOW,
        )


async def test_purpose_must_be_authorized_by_did_document(loader: DocumentLoader) -> None:
    kp = generate_key(KeyType.ED25519)
    vm = _vm(kp)
    did = vm.split("#")[0]

    class OnlyAuthentication:
        async def resolve(self, _did: str) -> Any:
            doc = {
                "id": did,
                "verificationMethod": [
                    {"id": vm, "type": "Multikey", "controller": did, "publicKeyMultibase": vm.split("#")[1]}
                ],
                "authentication": [vm],
            }
            return SimpleNamespace(document=doc)

    signed = add_proof(
        _credential(did), suite="eddsa-rdfc-2022", key=kp, verification_method=vm, loader=loader
    )
    with pytest.raises(VerificationError) as info:
        await verify_proof(signed, resolver=OnlyAuthentication(), loader=loader)  # type: ignore[arg-type]
    assert info.value.code == "proof.purpose_not_authorized"


async def test_expired_and_future_proofs(
    signer: tuple[str, KeyPair], loader: DocumentLoader, resolver: Resolver
) -> None:
    signed = _sign(signer, loader, expires=NOW + timedelta(days=1))
    await verify_proof(signed, resolver=resolver, loader=loader, now=NOW)
    with pytest.raises(VerificationError, match="expired"):
        await verify_proof(signed, resolver=resolver, loader=loader, now=NOW + timedelta(days=2))
    with pytest.raises(VerificationError, match="future"):
        await verify_proof(signed, resolver=resolver, loader=loader, now=NOW - timedelta(days=2))


async def test_proof_set_and_chain(loader: DocumentLoader, resolver: Resolver) -> None:
    a, b, c = (generate_key(KeyType.ED25519) for _ in range(3))
    doc = _credential(_vm(a).split("#")[0])
    doc = add_proof(
        doc, suite="eddsa-rdfc-2022", key=a, verification_method=_vm(a), loader=loader, proof_id="urn:p:1"
    )
    doc = add_proof(
        doc, suite="eddsa-rdfc-2022", key=b, verification_method=_vm(b), loader=loader, proof_id="urn:p:2"
    )
    doc = add_proof(
        doc,
        suite="eddsa-rdfc-2022",
        key=c,
        verification_method=_vm(c),
        loader=loader,
        previous_proof=["urn:p:1", "urn:p:2"],
    )
    result = await verify_proof(doc, resolver=resolver, loader=loader)
    assert [p.previous_proof for p in result.proofs] == [(), (), ("urn:p:1", "urn:p:2")]
    # Removing a proof the chain depends on is detected.
    broken = copy.deepcopy(doc)
    broken["proof"] = [broken["proof"][1], broken["proof"][2]]
    with pytest.raises(VerificationError) as info:
        await verify_proof(broken, resolver=resolver, loader=loader)
    assert info.value.code == "proof.previous_missing"
    # Altering the previous proof breaks the chained proof even if the id stays.
    altered = copy.deepcopy(doc)
    altered["proof"][0]["created"] = "2020-01-01T00:00:00Z"
    with pytest.raises(VerificationError):
        await verify_proof(altered, resolver=resolver, loader=loader)
    with pytest.raises(InvalidInput):
        add_proof(
            doc,
            suite="eddsa-rdfc-2022",
            key=c,
            verification_method=_vm(c),
            loader=loader,
            previous_proof="urn:nope",
        )


async def test_tampering_is_never_accepted(
    signer: tuple[str, KeyPair], loader: DocumentLoader, resolver: Resolver
) -> None:
    signed = _sign(signer, loader)

    def mutate(fn: Any) -> dict[str, Any]:
        d = copy.deepcopy(signed)
        fn(d)
        return d

    cases = {
        "changed value": mutate(
            lambda d: d["credentialSubject"]["degree"].update(name="Doctor of Everything")
        ),
        "added claim": mutate(lambda d: d["credentialSubject"].update(alumniOf="Evil U")),
        "truncated proofValue": mutate(lambda d: d["proof"].update(proofValue=d["proof"]["proofValue"][:-4])),
        "re-encoded proofValue": mutate(
            lambda d: d["proof"].update(
                proofValue=multibase_encode(b58_decode(d["proof"]["proofValue"][1:]), "base64url")
            )
        ),
        "wrong cryptosuite": mutate(
            lambda d: d["proof"].update(
                cryptosuite="ecdsa-rdfc-2019"
                if d["proof"]["cryptosuite"] == "eddsa-rdfc-2022"
                else "eddsa-rdfc-2022"
            )
        ),
        "unknown cryptosuite": mutate(lambda d: d["proof"].update(cryptosuite="eddsa-2022")),
        "wrong type": mutate(lambda d: d["proof"].update(type="Ed25519Signature2020")),
        "created changed": mutate(lambda d: d["proof"].update(created="2026-01-01T12:00:01Z")),
        "undefined term": mutate(
            lambda d: d["credentialSubject"].update(undefinedButTrusted=True) or d.update({"@context": [V2]})
        ),
        "context not bundled": mutate(lambda d: d["@context"].append("https://evil.example/context.jsonld")),
        "no proof": mutate(lambda d: d.pop("proof")),
        "empty proof set": mutate(lambda d: d.update(proof=[])),
        "proof not an object": mutate(lambda d: d.update(proof="zzz")),
        "vm not a DID URL": mutate(lambda d: d["proof"].update(verificationMethod="https://example.com/key")),
    }
    for name, doc in cases.items():
        with pytest.raises(DidkitError) as info:
            await verify_proof(doc, resolver=resolver, loader=loader, now=NOW)
        assert isinstance(
            info.value, VerificationError | InvalidInput | ResolutionError | UnsupportedError
        ), name


async def test_undefined_term_is_an_error_not_a_silent_drop(loader: DocumentLoader) -> None:
    kp = generate_key(KeyType.ED25519)
    doc = _credential(_vm(kp).split("#")[0])
    doc["@context"] = [V2]
    doc["credentialSubject"] = {"id": "did:example:x", "notInAnyContext": "unsigned?"}
    with pytest.raises(InvalidInput) as info:
        add_proof(doc, suite="eddsa-rdfc-2022", key=kp, verification_method=_vm(kp), loader=loader)
    assert info.value.code == "jsonld.undefined_term"


def test_poison_graph_credential_fails_fast(loader: DocumentLoader) -> None:
    kp = generate_key(KeyType.ED25519)
    doc = _credential(_vm(kp).split("#")[0])
    n = 9
    doc["credentialSubject"]["knows"] = [
        {"id": f"_:n{i}", "knows": [{"id": f"_:n{j}"} for j in range(n) if j != i]} for i in range(n)
    ]
    with pytest.raises(LimitExceeded):
        add_proof(doc, suite="eddsa-rdfc-2022", key=kp, verification_method=_vm(kp), loader=loader)


def test_key_type_must_fit_suite(loader: DocumentLoader) -> None:
    kp = generate_key(KeyType.P256)
    with pytest.raises(InvalidInput):
        add_proof(
            _credential("did:example:i"),
            suite="eddsa-rdfc-2022",
            key=kp,
            verification_method=_vm(kp),
            loader=loader,
        )
    with pytest.raises(UnsupportedError):
        add_proof(
            _credential("did:example:i"),
            suite="nope-2024",
            key=kp,
            verification_method=_vm(kp),
            loader=loader,
        )


async def test_proof_context_must_prefix_document_context(
    signer: tuple[str, KeyPair], loader: DocumentLoader, resolver: Resolver
) -> None:
    signed = _sign(signer, loader)
    with_ctx = copy.deepcopy(signed)
    with_ctx["proof"]["@context"] = list(signed["@context"])
    await verify_proof(with_ctx, resolver=resolver, loader=loader, now=NOW)
    not_prefix = copy.deepcopy(signed)
    not_prefix["proof"]["@context"] = [signed["@context"][1]]
    with pytest.raises(VerificationError) as info:
        await verify_proof(not_prefix, resolver=resolver, loader=loader, now=NOW)
    assert info.value.code == "proof.context"


@settings(max_examples=200)
@given(st.text(max_size=40))
def test_parse_datetime_never_crashes(text: str) -> None:
    from didkit_py.suites.data_integrity.proof import format_datetime, parse_datetime

    try:
        when = parse_datetime(text, at="created")
    except InvalidInput:
        return
    assert when.tzinfo is not None
    assert parse_datetime(format_datetime(when), at="created") == when.replace(microsecond=0)


async def test_surrogates_in_proof_options_are_refused_not_crashing(
    signer: tuple[str, KeyPair], loader: DocumentLoader, resolver: Resolver
) -> None:
    vp = {"@context": [V2], "type": ["VerifiablePresentation"]}
    signed = _sign(signer, loader, document=vp, proof_purpose="authentication", challenge="c")
    for field, value in (("challenge", "\ud800"), ("verificationMethod", "\ud800"), ("created", "\ud800")):
        bad = copy.deepcopy(signed)
        bad["proof"][field] = value
        with pytest.raises(DidkitError):
            await verify_proof(
                bad,
                resolver=resolver,
                loader=loader,
                expected_purpose="authentication",
                challenge="c",
                now=NOW,
            )
