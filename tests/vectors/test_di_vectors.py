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


# ---------------------------------------------------------------------------------------------
# bbs-2023 (windsurf at the top level, Permanent Resident Card in prc/)

BBS_CASES = [
    pytest.param(".", "windMandatory.json", "windSelective.json", id="windsurf"),
    pytest.param("prc", "prCredMandatory.json", "prCredSelective.json", id="prc"),
]


def _map(obj: Any) -> dict[Any, Any]:
    """The vectors write JS Maps as {"dataType": "Map", "value": [[k, v], ...]}."""
    if isinstance(obj, dict) and obj.get("dataType") == "Map":
        return {k: v for k, v in obj["value"]}
    if isinstance(obj, list):
        return {k: v for k, v in obj}
    return dict(obj)


class BbsCase:
    def __init__(self, vectors_dir: Path, sub: str, mandatory: str, selective: str) -> None:
        self.root = vectors_dir / "di" / "bbs-2023"
        self.dir = self.root / sub
        km = _json(self.root / "BBSKeyMaterial.json")
        self.key = KeyPair(
            KeyType.BLS12381G2, bytes.fromhex(km["publicKeyHex"]), bytes.fromhex(km["privateKeyHex"])
        )
        self.hmac_key = bytes.fromhex(km["hmacKeyString"])
        self.ph = bytes.fromhex(_json(self.root / "BBSDeriveMaterial.json")["presentationHeaderHex"])
        self.mandatory = _json(self.root / mandatory)
        self.selective = _json(self.root / selective)
        self.signed = _json(self.dir / "addSignedSDBase.json")
        self.unsigned = {k: v for k, v in self.signed.items() if k != "proof"}

    def file(self, name: str) -> Any:
        return _json(self.dir / name)


@pytest.fixture
def bbs_case(request: pytest.FixtureRequest, vectors_dir: Path) -> BbsCase:
    return BbsCase(vectors_dir, *request.param)


def _bbs_params() -> Any:
    return pytest.mark.parametrize(
        "bbs_case", [pytest.param(p.values, id=p.id) for p in BBS_CASES], indirect=True
    )


@_bbs_params()
def test_bbs_base_proof_step_by_step(bbs_case: BbsCase, loader: DocumentLoader) -> None:
    from didkit_py import bbs
    from didkit_py.suites.data_integrity.bbs_2023 import parse_base_proof_value
    from didkit_py.suites.data_integrity.selective_disclosure import (
        canonicalize_and_group,
        create_shuffled_id_label_map_function,
        hash_mandatory_nquads,
    )

    c = bbs_case
    if c.dir == c.root:  # windsurf: the unsigned input is its own file
        assert _json(c.root / "windDoc.json") == c.unsigned
    # Plain canonical N-Quads.
    assert canonize_document(c.unsigned, loader=loader) == "".join(c.file("addBaseDocCanon.json"))
    # HMAC-relabelled (shuffled) canonical N-Quads and the mandatory split.
    grouped = canonicalize_and_group(
        c.unsigned,
        create_shuffled_id_label_map_function(c.hmac_key),
        {"mandatory": c.mandatory},
        loader=loader,
    )
    assert grouped.nquads == c.file("addBaseDocHMACCanon.json")
    transform = c.file("addBaseTransform.json")
    assert transform["mandatoryPointers"] == c.mandatory
    assert grouped.groups["mandatory"].matching == _map(transform["mandatory"])
    assert grouped.groups["mandatory"].non_matching == _map(transform["nonMandatory"])
    # Proof configuration and hashes.
    config = c.file("addProofConfig.json")
    canon_config = canonize_document(config, loader=loader)
    assert canon_config == (c.dir / "addProofConfigCanon.txt").read_text()
    hashes = c.file("addHashData.json")
    proof_hash = hashlib.sha256(canon_config.encode()).digest()
    mandatory = list(_map(transform["mandatory"]).values())
    assert proof_hash.hex() == hashes["proofHash"]
    assert hash_mandatory_nquads(mandatory).hex() == hashes["mandatoryHash"]
    # Raw BBS signature.
    header = proof_hash + hash_mandatory_nquads(mandatory)
    messages = [nq.encode() for nq in _map(transform["nonMandatory"]).values()]
    raw = c.file("addRawBaseSignatureInfo.json")
    assert bbs.sign(c.key.secret_key, c.key.public_key, header, messages).hex() == raw["bbsSignature"]
    # Full base proof through add_proof, byte for byte.
    signed = add_proof(
        c.unsigned,
        suite="bbs-2023",
        key=c.key,
        verification_method=config["verificationMethod"],
        proof_purpose=config["proofPurpose"],
        created=config["created"],
        loader=loader,
        mandatory_pointers=c.mandatory,
        hmac_key=c.hmac_key,
    )
    assert signed == c.signed
    # parseBaseProofValue recovers the base data.
    recovered = c.file("derivedRecoveredBaseData.json")
    parsed = parse_base_proof_value(signed["proof"]["proofValue"])
    assert parsed.bbs_signature.hex() == recovered["bbsSignature"]
    assert parsed.hmac_key.hex() == recovered["hmacKey"]
    assert list(parsed.mandatory_pointers) == recovered["mandatoryPointers"]
    assert parsed.bbs_header == header and parsed.public_key == c.key.public_key


@_bbs_params()
def test_bbs_pointer_values(bbs_case: BbsCase) -> None:
    from didkit_py.suites.data_integrity.selective_disclosure import json_pointer_to_paths

    # The windsurf file writes pointers relative to credentialSubject, the prc one to the root:
    # each entry is one mandatory pointer, and selecting it from the document gives the value.
    for entry in bbs_case.file("addPointerValues.json"):
        candidates = [
            p for p in bbs_case.mandatory if p in (entry["pointer"], "/credentialSubject" + entry["pointer"])
        ]
        assert len(candidates) == 1
        value: Any = bbs_case.unsigned
        for seg in json_pointer_to_paths(candidates[0]):
            value = value[seg]
        assert value == entry["value"]


@_bbs_params()
def test_bbs_disclosure_data_step_by_step(bbs_case: BbsCase, loader: DocumentLoader) -> None:
    from didkit_py.suites.data_integrity.bbs_2023 import create_disclosure_data
    from didkit_py.suites.data_integrity.selective_disclosure import (
        canonicalize_and_group,
        create_shuffled_id_label_map_function,
    )

    c = bbs_case
    groups = {"mandatory": c.mandatory, "selective": c.selective, "combined": c.mandatory + c.selective}
    grouped = canonicalize_and_group(
        c.unsigned, create_shuffled_id_label_map_function(c.hmac_key), groups, loader=loader
    )
    idx = c.file("derivedGroupIndexes.json")
    assert sorted(grouped.groups["combined"].matching) == idx["combinedIndexes"]
    assert sorted(grouped.groups["mandatory"].matching) == idx["mandatoryIndexes"]
    assert sorted(grouped.groups["mandatory"].non_matching) == idx["nonMandatoryIndexes"]
    assert sorted(grouped.groups["selective"].matching) == idx["selectiveIndexes"]
    if (c.dir / "derivedAllGroupData.json").exists():
        all_groups = c.file("derivedAllGroupData.json")
        assert grouped.nquads == all_groups["nquads"]
        for name in ("mandatory", "selective", "combined"):
            assert grouped.groups[name].matching == _map(all_groups["groups"][name]["matching"])
            assert grouped.groups[name].non_matching == _map(all_groups["groups"][name]["nonMatching"])

    data = create_disclosure_data(
        c.unsigned, c.signed["proof"], c.selective, loader=loader, presentation_header=c.ph
    )
    adj = c.file("derivedAdjIndexes.json")
    assert data.mandatory_indexes == adj["adjMandatoryIndexes"]
    assert data.selective_indexes == adj["adjSelectiveIndexes"]
    disclosure = c.file("derivedDisclosureData.json")
    assert data.label_map == _map(disclosure["labelMap"])
    assert data.mandatory_indexes == disclosure["mandatoryIndexes"]
    assert data.selective_indexes == disclosure["adjSelectiveIndexes"]
    assert data.presentation_header == bytes(
        disclosure["presentationHeader"][str(i)] for i in range(len(c.ph))
    )
    assert len(data.bbs_proof) == len(bytes.fromhex(disclosure["bbsProof"]))
    assert data.reveal_document == c.file("derivedUnsignedReveal.json")


@_bbs_params()
async def test_bbs_derived_proofs_verify(
    bbs_case: BbsCase, loader: DocumentLoader, resolver: DidKeyResolver
) -> None:
    from didkit_py.suites.data_integrity import derive
    from didkit_py.suites.data_integrity.bbs_2023 import (
        parse_derived_proof_value,
        serialize_derived_proof_value,
    )

    c = bbs_case
    expected = c.file("derivedRevealDocument.json")
    # The vector's derived credential verifies, and its proofValue re-serializes byte for byte.
    await verify_proof(expected, resolver=resolver, loader=loader, now=NOW)
    parsed = parse_derived_proof_value(expected["proof"]["proofValue"])
    again = serialize_derived_proof_value(
        parsed.bbs_proof,
        parsed.label_map,
        parsed.mandatory_indexes,
        parsed.selective_indexes,
        parsed.presentation_header,
    )
    assert again == expected["proof"]["proofValue"]
    assert parsed.presentation_header == c.ph
    if (c.dir / "verifyDerivedProofValue.json").exists():
        v = c.file("verifyDerivedProofValue.json")
        assert parsed.bbs_proof.hex() == v["bbsProof"]
        assert parsed.label_map == _map(v["labelMap"])
        assert list(parsed.mandatory_indexes) == v["mandatoryIndexes"]
        assert list(parsed.selective_indexes) == v["adjSelectedIndexes"]
    # Our derived credential: same reveal document, verifies (with the expected header too).
    ours = derive(c.signed, selective_pointers=c.selective, loader=loader, presentation_header=c.ph)
    assert {k: v for k, v in ours.items() if k != "proof"} == {
        k: v for k, v in expected.items() if k != "proof"
    }
    await verify_proof(ours, resolver=resolver, loader=loader, now=NOW, presentation_header=c.ph)


@_bbs_params()
def test_bbs_verifier_nquads(bbs_case: BbsCase, loader: DocumentLoader) -> None:
    from didkit_py.suites.data_integrity.bbs_2023 import create_verify_data, parse_derived_proof_value
    from didkit_py.suites.data_integrity.selective_disclosure import (
        create_label_map_function,
        label_replacement_canonicalize_json_ld,
    )

    c = bbs_case
    expected = c.file("derivedRevealDocument.json")
    reveal = {k: v for k, v in expected.items() if k != "proof"}
    parsed = parse_derived_proof_value(expected["proof"]["proofValue"])
    nquads = label_replacement_canonicalize_json_ld(
        reveal, create_label_map_function(parsed.label_map), loader=loader
    )
    if (c.dir / "verifyNQuads.json").exists():
        assert nquads == c.file("verifyNQuads.json")
    data = create_verify_data(reveal, expected["proof"], loader=loader)
    hashes = c.file("addHashData.json")
    assert data.proof_hash.hex() == hashes["proofHash"]
    assert data.mandatory_hash.hex() == hashes["mandatoryHash"]
    assert len(data.non_mandatory) == len(parsed.selective_indexes)


@pytest.mark.parametrize("feature", ["HolderBinding", "Pseudonym", "PseudonymHB"])
async def test_optional_bbs_features_are_refused_cleanly(
    vectors_dir: Path, loader: DocumentLoader, resolver: DidKeyResolver, feature: str
) -> None:
    """Optional bbs-2023 features are out of scope: their proofs are UnsupportedError, never a crash."""
    from didkit_py.errors import UnsupportedError
    from didkit_py.suites.data_integrity import derive

    d = vectors_dir / "di" / "bbs-2023" / feature
    with pytest.raises(UnsupportedError) as info:
        await verify_proof(_json(d / "derivedRevealDocument.json"), resolver=resolver, loader=loader)
    assert info.value.code == "bbs.feature"
    with pytest.raises(UnsupportedError):
        derive(_json(d / "addSignedSDBase.json"), selective_pointers=[], loader=loader)
