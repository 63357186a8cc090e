"""Data Integrity interop with Digital Bazaar's cryptosuites (tests/interop/node/di_peer.mjs).

Both ways for every suite: our eddsa/ecdsa credentials verify there and theirs here; our bbs-2023
base proof → their derive → our verify and their verify; their base proof → our derive → their
verify; and both sides produce the same canonical N-Quads. Tampered credentials fail on both
sides (so a peer that accepted everything would be caught).
"""

from __future__ import annotations

import copy
import json
from pathlib import Path
from typing import Any

import pytest

from didkit_py.did import KeyMethod, Resolver, did_key_from_public
from didkit_py.errors import DidkitError
from didkit_py.jsonld import DocumentLoader, canonize_document
from didkit_py.keys import KeyPair, KeyType, generate_key, multikey_encode, secret_multikey_encode
from didkit_py.suites.data_integrity import add_proof, derive, verify_proof

pytestmark = pytest.mark.interop

SUITES = {KeyType.ED25519: "eddsa-rdfc-2022", KeyType.P256: "ecdsa-rdfc-2019", KeyType.BLS12381G2: "bbs-2023"}
MANDATORY = ["/issuer", "/credentialSubject/degree/type"]
SELECTIVE = ["/credentialSubject/degree/name", "/credentialSubject/claims/1", "/credentialSubject/gpa"]


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return DocumentLoader()


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver({"key": KeyMethod()})


def _peer_key(kp: KeyPair) -> dict[str, str]:
    assert kp.secret_key is not None
    return {
        "publicKeyMultibase": multikey_encode(kp.key_type, kp.public_key),
        "secretKeyMultibase": secret_multikey_encode(kp.key_type, kp.secret_key),
    }


def _vm(kp: KeyPair) -> str:
    did = did_key_from_public(kp.key_type, kp.public_key)
    return f"{did}#{did.removeprefix('did:key:')}"


def _credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:1f0e3a52-9a3b-4c1e-8a51-7b0b7e5b9c01",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": "did:example:subject",
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science", "year": 2024.0},
            "gpa": 3.5,
            "claims": [{"label": "a", "n": 1}, {"label": "b", "n": 2}, {"label": "c", "n": 3}],
            "note": 'quote " backslash \\ newline \n tab \t',
        },
    }


def _batch(node: Any, ops: list[dict[str, Any]]) -> list[dict[str, Any]]:
    results: list[dict[str, Any]] = node("di_peer.mjs", {"op": "batch", "ops": ops})
    return results


def _tamper(doc: dict[str, Any]) -> dict[str, Any]:
    bad = copy.deepcopy(doc)
    bad["issuer"] = bad["issuer"] + "x" if isinstance(bad.get("issuer"), str) else "did:example:evil"
    return bad


async def test_eddsa_and_ecdsa_both_ways(node: Any, loader: DocumentLoader, resolver: Resolver) -> None:
    ops: list[dict[str, Any]] = []
    ours: list[dict[str, Any]] = []
    for kt in (KeyType.ED25519, KeyType.P256):
        kp = generate_key(kt)
        doc = _credential(_vm(kp).split("#")[0])
        signed = add_proof(doc, suite=SUITES[kt], key=kp, verification_method=_vm(kp), loader=loader)
        ours.append(signed)
        ops += [{"op": "verify", "document": signed}, {"op": "verify", "document": _tamper(signed)}]
        their_kp = generate_key(kt)
        ops.append(
            {
                "op": "sign",
                "suite": SUITES[kt],
                "key": _peer_key(their_kp),
                "document": _credential(_vm(their_kp).split("#")[0]),
            }
        )
    res = _batch(node, ops)
    assert all(r["ok"] for r in res), res
    for i in range(2):
        ours_ok, ours_tampered, theirs = res[3 * i], res[3 * i + 1], res[3 * i + 2]
        assert ours_ok["result"]["verified"] is True, ours_ok
        assert ours_tampered["result"]["verified"] is False
        signed_there = theirs["result"]
        result = await verify_proof(signed_there, resolver=resolver, loader=loader)
        assert result.proofs[0].cryptosuite == signed_there["proof"]["cryptosuite"]
        with pytest.raises(DidkitError):
            await verify_proof(_tamper(signed_there), resolver=resolver, loader=loader)


async def test_authentication_proof_with_challenge_verifies_there(node: Any, loader: DocumentLoader) -> None:
    kp = generate_key(KeyType.ED25519)
    did = _vm(kp).split("#")[0]
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": did,
    }
    signed = add_proof(
        vp,
        suite="eddsa-rdfc-2022",
        key=kp,
        verification_method=_vm(kp),
        loader=loader,
        proof_purpose="authentication",
        challenge="abc123",
        domain="verifier.example",
    )
    res = _batch(
        node,
        [
            {
                "op": "verify",
                "document": signed,
                "purpose": "authentication",
                "challenge": "abc123",
                "domain": "verifier.example",
            },
            {
                "op": "verify",
                "document": signed,
                "purpose": "authentication",
                "challenge": "other",
                "domain": "verifier.example",
            },
        ],
    )
    assert res[0]["result"]["verified"] is True, res[0]
    assert res[1]["result"]["verified"] is False


async def test_bbs_our_base_their_derive(node: Any, loader: DocumentLoader, resolver: Resolver) -> None:
    kp = generate_key(KeyType.BLS12381G2)
    base = add_proof(
        _credential(_vm(kp).split("#")[0]),
        suite="bbs-2023",
        key=kp,
        verification_method=_vm(kp),
        loader=loader,
        mandatory_pointers=MANDATORY,
    )
    res = _batch(
        node,
        [
            {
                "op": "derive",
                "document": base,
                "selectivePointers": SELECTIVE,
                "presentationHeaderHex": "c0ffee",
            }
        ],
    )
    assert res[0]["ok"], res
    their_derived = res[0]["result"]
    # Ours verifies theirs (with the presentation header they used)...
    await verify_proof(
        their_derived, resolver=resolver, loader=loader, presentation_header=bytes.fromhex("c0ffee")
    )
    with pytest.raises(DidkitError):
        await verify_proof(_tamper(their_derived), resolver=resolver, loader=loader)
    # ... and theirs verifies theirs, and ours derived from the same base.
    our_derived = derive(base, selective_pointers=SELECTIVE, loader=loader)
    res = _batch(
        node,
        [
            {"op": "verify", "document": their_derived},
            {"op": "verify", "document": our_derived},
            {"op": "verify", "document": _tamper(our_derived)},
            {"op": "verify", "document": base},
        ],
    )
    assert res[0]["result"]["verified"] is True, res[0]
    assert res[1]["result"]["verified"] is True, res[1]
    assert res[2]["result"]["verified"] is False
    assert not (res[3]["ok"] and res[3]["result"]["verified"])  # a base proof is not verifiable there either
    assert {k: v for k, v in their_derived.items() if k != "proof"} == {
        k: v for k, v in our_derived.items() if k != "proof"
    }


async def test_bbs_their_base_our_derive(node: Any, loader: DocumentLoader, resolver: Resolver) -> None:
    kp = generate_key(KeyType.BLS12381G2)
    res = _batch(
        node,
        [
            {
                "op": "sign",
                "suite": "bbs-2023",
                "key": _peer_key(kp),
                "document": _credential(_vm(kp).split("#")[0]),
                "mandatoryPointers": MANDATORY,
            }
        ],
    )
    assert res[0]["ok"], res
    their_base = res[0]["result"]
    assert "created" not in their_base["proof"]  # DB drops `created` from base proofs
    our_derived = derive(
        their_base, selective_pointers=SELECTIVE, loader=loader, presentation_header=b"\x01\x02"
    )
    await verify_proof(our_derived, resolver=resolver, loader=loader, presentation_header=b"\x01\x02")
    res = _batch(
        node, [{"op": "verify", "document": our_derived}, {"op": "verify", "document": _tamper(our_derived)}]
    )
    assert res[0]["result"]["verified"] is True, res[0]
    assert res[1]["result"]["verified"] is False


def test_vector_derived_credentials_verify_there_and_ours_too(
    node: Any, vectors_dir: Path, loader: DocumentLoader
) -> None:
    di = vectors_dir / "di" / "bbs-2023"
    ops = []
    for sub, sel in ((".", "windSelective.json"), ("prc", "prCredSelective.json")):
        signed = json.loads((di / sub / "addSignedSDBase.json").read_text())
        ours = derive(signed, selective_pointers=json.loads((di / sel).read_text()), loader=loader)
        ops += [
            {"op": "verify", "document": json.loads((di / sub / "derivedRevealDocument.json").read_text())},
            {"op": "verify", "document": ours},
        ]
    res = _batch(node, ops)
    assert [r["ok"] and r["result"]["verified"] for r in res] == [True] * 4, res


def test_same_canonical_nquads(node: Any, vectors_dir: Path, loader: DocumentLoader) -> None:
    docs = [_credential("did:example:issuer")]
    di = vectors_dir / "di"
    docs.append(json.loads((di / "eddsa-rdfc-2022" / "employmentAuth.json").read_text()))
    prc = json.loads((di / "bbs-2023" / "prc" / "addSignedSDBase.json").read_text())
    prc.pop("proof")
    docs.append(prc)
    res = _batch(node, [{"op": "canonize", "document": d} for d in docs])
    for doc, r in zip(docs, res, strict=True):
        assert r["ok"], r
        assert canonize_document(doc, loader=loader) == r["result"]


async def test_digitalbazaar_vc_accepts_our_credentials_and_presentation(
    node: Any, loader: DocumentLoader
) -> None:
    """@digitalbazaar/vc (data model + issuer controls the key) accepts ours, incl. a DI presentation."""
    ed, bls, holder = (
        generate_key(KeyType.ED25519),
        generate_key(KeyType.BLS12381G2),
        generate_key(KeyType.ED25519),
    )
    eddsa_vc = add_proof(
        _credential(_vm(ed).split("#")[0]),
        suite="eddsa-rdfc-2022",
        key=ed,
        verification_method=_vm(ed),
        loader=loader,
    )
    base = add_proof(
        _credential(_vm(bls).split("#")[0]),
        suite="bbs-2023",
        key=bls,
        verification_method=_vm(bls),
        loader=loader,
        mandatory_pointers=MANDATORY,
    )
    derived = derive(base, selective_pointers=SELECTIVE, loader=loader)
    vp = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiablePresentation"],
        "holder": _vm(holder).split("#")[0],
        "verifiableCredential": [derived],
    }
    signed_vp = add_proof(
        vp,
        suite="eddsa-rdfc-2022",
        key=holder,
        verification_method=_vm(holder),
        loader=loader,
        proof_purpose="authentication",
        challenge="ch-1",
        domain="verifier.example",
    )
    res = _batch(
        node,
        [
            {"op": "vcVerify", "document": eddsa_vc},
            {"op": "vcVerify", "document": derived},
            {"op": "vcVerify", "document": _tamper(derived)},
            {"op": "vpVerify", "document": signed_vp, "challenge": "ch-1", "domain": "verifier.example"},
            {"op": "vpVerify", "document": signed_vp, "challenge": "ch-2", "domain": "verifier.example"},
        ],
    )
    assert [r["ok"] for r in res] == [True] * 5, res
    assert [r["result"]["verified"] for r in res] == [True, True, False, True, False], res


def test_our_proof_sets_verify_there_and_chains_as_far_as_the_peer_goes(
    node: Any, vectors_dir: Path, loader: DocumentLoader
) -> None:
    """Proof sets verify there proof by proof. jsonld-signatures 11 / data-integrity 2.5 do not
    implement ``previousProof``: they verify a chained proof over the document without the proofs
    it chains to, so it fails there, for the W3C chain vectors exactly as for ours (and their
    overall ``verified`` is true because *some* proof verified). Ours follows the spec and
    reproduces the W3C chain vectors byte for byte (tests/vectors)."""
    a, b, c = (generate_key(KeyType.ED25519) for _ in range(3))
    doc = _credential(_vm(a).split("#")[0])
    doc = add_proof(
        doc,
        suite="eddsa-rdfc-2022",
        key=a,
        verification_method=_vm(a),
        loader=loader,
        proof_id="urn:uuid:00000000-0000-4000-8000-000000000001",
    )
    proof_set = add_proof(
        doc,
        suite="eddsa-rdfc-2022",
        key=b,
        verification_method=_vm(b),
        loader=loader,
        proof_id="urn:uuid:00000000-0000-4000-8000-000000000002",
    )
    chain = add_proof(
        proof_set,
        suite="eddsa-rdfc-2022",
        key=c,
        verification_method=_vm(c),
        loader=loader,
        previous_proof="urn:uuid:00000000-0000-4000-8000-000000000002",
    )
    tampered = copy.deepcopy(proof_set)
    tampered["proof"][1]["created"] = "2020-01-01T00:00:00Z"
    w3c_chain = json.loads(
        (vectors_dir / "di" / "eddsa-rdfc-2022" / "proof-set-chain" / "signedProofChain2.json").read_text()
    )
    res = _batch(node, [{"op": "verify", "document": d} for d in (proof_set, tampered, chain, w3c_chain)])
    assert all(r["ok"] for r in res), res
    per_proof = [r["result"]["proofsVerified"] for r in res]
    assert per_proof[0] == [True, True]
    assert per_proof[1] == [True, False]
    assert per_proof[2] == [True, True, False]
    assert per_proof[3] == [True, True, False, False]
