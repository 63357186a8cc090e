"""Data Integrity vectors (../shared/vectors/di, see its SOURCE.md), step by step.

eddsa-rdfc-2022: canonical document and proof configuration, their hashes, hashData, the
Ed25519 signature and the signed credential's ``proofValue`` byte for byte; the employment
credential; proof sets and proof chains (re-signed byte-exact and verified).
bbs-2023 (windsurf and prc): canonical N-Quads, HMAC label map, mandatory/non-mandatory split,
proof hash and mandatory hash, base signature and base ``proofValue`` byte for byte, parse of the
base proof, disclosure data (groups, adjusted indexes, label map), reveal document, derived proof
parse and verify, verifier N-Quads.
"""

from __future__ import annotations

import copy
import hashlib
import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import pytest

from didkit_py._encoding import multibase_decode
from didkit_py.jsonld import DocumentLoader, canonize_document
from didkit_py.keys import KeyPair, KeyType, multikey_decode, secret_multikey_decode
from didkit_py.suites.data_integrity import add_proof, verify_proof
from didkit_py.suites.data_integrity._rdfc import hash_data
from didkit_py.suites.data_integrity.proof import proof_config

NOW = datetime(2025, 1, 1, tzinfo=UTC)


class DidKeyResolver:
    """Resolves did:key for the vector keys (Multikey VM in every relationship)."""

    async def resolve(self, did: str) -> Any:
        mb = did.removeprefix("did:key:")
        multikey_decode(mb)
        vm_id = f"{did}#{mb}"
        vm = {"id": vm_id, "type": "Multikey", "controller": did, "publicKeyMultibase": mb}
        doc = {
            "id": did,
            "verificationMethod": [vm],
            "assertionMethod": [vm_id],
            "authentication": [vm_id],
            "capabilityInvocation": [vm_id],
            "capabilityDelegation": [vm_id],
        }
        return SimpleNamespace(document=doc, document_metadata={}, resolution_metadata={})


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return DocumentLoader()


@pytest.fixture(scope="module")
def resolver() -> DidKeyResolver:
    return DidKeyResolver()


def _json(path: Path) -> Any:
    return json.loads(path.read_text())


def _ed_key(pub_mb: str, priv_mb: str) -> KeyPair:
    kt, pk = multikey_decode(pub_mb)
    skt, sk = secret_multikey_decode(priv_mb)
    assert kt is KeyType.ED25519 and skt is KeyType.ED25519
    return KeyPair(KeyType.ED25519, pk, sk)


# ---------------------------------------------------------------------------------------------
# eddsa-rdfc-2022

EDDSA_CASES = [
    pytest.param("unsigned.json", "eddsa-rdfc-2022", id="alumni"),
    pytest.param("employmentAuth.json", "eddsa-rdfc-2022/employ", id="employment"),
]


@pytest.mark.parametrize(("doc_name", "sub"), EDDSA_CASES)
def test_eddsa_rdfc_2022_step_by_step(
    vectors_dir: Path, loader: DocumentLoader, doc_name: str, sub: str
) -> None:
    base = vectors_dir / "di" / "eddsa-rdfc-2022"
    d = base / "eddsa-rdfc-2022" / sub.removeprefix("eddsa-rdfc-2022").lstrip("/")
    unsigned = _json(base / doc_name)
    key_json = _json(base / "keyPair.json")
    key = _ed_key(key_json["publicKeyMultibase"], key_json["privateKeyMultibase"])
    # Transformation
    canon_doc = canonize_document(unsigned, loader=loader)
    assert canon_doc == (d / "canonDocDataInt.txt").read_text()
    assert hashlib.sha256(canon_doc.encode()).hexdigest() == (d / "docHashDataInt.txt").read_text().strip()
    # Proof configuration
    config = _json(d / "proofConfigDataInt.json")
    canon_config = canonize_document(config, loader=loader)
    assert canon_config == (d / "proofCanonDataInt.txt").read_text()
    proof_hash = hashlib.sha256(canon_config.encode()).hexdigest()
    assert proof_hash == (d / "proofHashDataInt.txt").read_text().strip()
    # Hashing: proof hash first
    data = hash_data(canon_config, canon_doc)
    assert data.hex() == (d / "combinedHashDataInt.txt").read_text().strip()
    # Serialization: the full add_proof reproduces the signed credential exactly.
    signed = add_proof(
        unsigned,
        suite="eddsa-rdfc-2022",
        key=key,
        verification_method=config["verificationMethod"],
        proof_purpose=config["proofPurpose"],
        created=config["created"],
        loader=loader,
    )
    expected = _json(d / "signedDataInt.json")
    assert signed == expected
    sig = multibase_decode(signed["proof"]["proofValue"])
    assert sig.hex() == (d / "sigHexDataInt.txt").read_text().strip()
    assert signed["proof"]["proofValue"] == (d / "sigBTC58DataInt.txt").read_text().strip()
    # And our proof_config() builds exactly the vector's configuration.
    assert proof_config(unsigned, expected["proof"]) == config


@pytest.mark.parametrize(("doc_name", "sub"), EDDSA_CASES)
async def test_eddsa_rdfc_2022_signed_vector_verifies(
    vectors_dir: Path, loader: DocumentLoader, resolver: DidKeyResolver, doc_name: str, sub: str
) -> None:
    d = vectors_dir / "di" / "eddsa-rdfc-2022" / sub
    signed = _json(d / "signedDataInt.json")
    result = await verify_proof(signed, resolver=resolver, loader=loader, now=NOW)
    assert result.proofs[0].cryptosuite == "eddsa-rdfc-2022"
    tampered = copy.deepcopy(signed)
    tampered["credentialSubject"]["id"] = "did:example:someone-else"
    from didkit_py.errors import VerificationError

    with pytest.raises(VerificationError):
        await verify_proof(tampered, resolver=resolver, loader=loader, now=NOW)


SET_CHAIN = [
    "signedProofSet1.json",
    "signedProofSet2.json",
    "signedProofChain1.json",
    "signedProofChain2.json",
]


@pytest.mark.parametrize("name", SET_CHAIN)
async def test_proof_sets_and_chains_verify(
    vectors_dir: Path, loader: DocumentLoader, resolver: DidKeyResolver, name: str
) -> None:
    signed = _json(vectors_dir / "di" / "eddsa-rdfc-2022" / "proof-set-chain" / name)
    result = await verify_proof(signed, resolver=resolver, loader=loader, now=NOW)
    proofs = signed["proof"] if isinstance(signed["proof"], list) else [signed["proof"]]
    assert len(result.proofs) == len(proofs)
    assert [p.proof_id for p in result.proofs] == [p.get("id") for p in proofs]


def test_proof_sets_and_chains_resign_exactly(vectors_dir: Path, loader: DocumentLoader) -> None:
    """Build the set and then the chain from unsigned.json; every proofValue matches the vectors."""
    d = vectors_dir / "di" / "eddsa-rdfc-2022" / "proof-set-chain"
    keys = _json(d / "multiKeyPairs.json")
    by_pub = {
        k["publicKeyMultibase"]: _ed_key(k["publicKeyMultibase"], k["privateKeyMultibase"])
        for k in keys.values()
    }
    doc = _json(d / "unsigned.json")
    configs = [
        "proofSetConfig1.json",
        "proofSetConfig2.json",
        "proofChainConfig1.json",
        "proofChainConfig2.json",
    ]
    expected = [
        "signedProofSet1.json",
        "signedProofSet2.json",
        "signedProofChain1.json",
        "signedProofChain2.json",
    ]
    for cfg_name, exp_name in zip(configs, expected, strict=True):
        cfg = _json(d / cfg_name)
        pub = cfg["verificationMethod"].split("#")[1]
        doc = add_proof(
            doc,
            suite=cfg["cryptosuite"],
            key=by_pub[pub],
            verification_method=cfg["verificationMethod"],
            proof_purpose=cfg["proofPurpose"],
            created=cfg["created"],
            proof_id=cfg.get("id"),
            previous_proof=cfg.get("previousProof"),
            loader=loader,
        )
        exp = _json(d / exp_name)
        got_proofs = doc["proof"] if isinstance(doc["proof"], list) else [doc["proof"]]
        exp_proofs = exp["proof"] if isinstance(exp["proof"], list) else [exp["proof"]]
        assert [p["proofValue"] for p in got_proofs] == [p["proofValue"] for p in exp_proofs], exp_name
