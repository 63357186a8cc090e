"""The W3C CCG did:key test vectors (../shared/vectors/did-key), one test id per DID.

They fix DID ⇄ multicodec ⇄ public key bytes, key derivation from the given secrets, and the
Ed25519 → X25519 keyAgreement derivation. Their documents use the older verification method
types; we render Multikey and check that the older forms parse to the same key bytes.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any

import base58
import pytest

from didkit_py._encoding import b64url_decode
from didkit_py.did import default_resolver, did_key_from_public, public_key_from_vm, validate_did_document
from didkit_py.errors import UnsupportedError
from didkit_py.keys import KeyPair as _KP
from didkit_py.keys import (
    KeyType,
    ed25519_to_x25519_public,
    key_pair_from_jwk,
    multikey_encode,
    public_from_secret,
    public_jwk,
)

ROOT = Path(__file__).resolve().parents[2]
VECTORS = Path(os.environ.get("DIDKIT_SHARED", ROOT.parent / "shared")) / "vectors" / "did-key"


def _load(name: str) -> dict[str, Any]:
    return json.loads((VECTORS / name).read_text())


def _cases(name: str) -> list[Any]:
    return [pytest.param(did, case, id=did) for did, case in _load(name).items()]


SIGNING = {"authentication", "assertionMethod", "capabilityInvocation", "capabilityDelegation"}
RESOLVER = default_resolver(cache_ttl=0)


def _resolve(did: str) -> dict[str, Any]:
    return RESOLVER.resolve_sync(did).document


def _vm_key(vm: dict[str, Any]) -> bytes:
    """Public key bytes of a vector verification method (older forms, or a key pair entry)."""
    public = {k: v for k, v in vm.items() if not k.startswith("private")}
    return public_key_from_vm(public)[1]


def _check_rendered(did: str, key_type: KeyType, public: bytes, vector_doc: dict[str, Any]) -> dict[str, Any]:
    doc = _resolve(did)
    validate_did_document(doc, did)
    mb = multikey_encode(key_type, public)
    assert did == did_key_from_public(key_type, public) == f"did:key:{mb}"
    assert doc["@context"] == ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"]
    first = doc["verificationMethod"][0]
    assert first == {"id": f"{did}#{mb}", "type": "Multikey", "controller": did, "publicKeyMultibase": mb}
    # The vector's (older-form) methods carry the same keys under the same ids.
    ours = {vm["id"]: public_key_from_vm(vm) for vm in doc["verificationMethod"]}
    for vm in vector_doc["verificationMethod"]:
        assert ours[vm["id"]][1] == public_key_from_vm(vm)[1]
    return doc


@pytest.mark.parametrize(("did", "case"), _cases("ed25519-x25519.json"))
def test_ed25519(did: str, case: dict[str, Any]) -> None:
    seed = bytes.fromhex(case["seed"])
    public = public_from_secret(KeyType.ED25519, seed)
    assert _vm_key(case["verificationKeyPair"]) == public
    if "privateKeyJwk" in case["verificationKeyPair"]:
        kp = key_pair_from_jwk(case["verificationKeyPair"]["privateKeyJwk"])
        assert kp.secret_key == seed and kp.public_key == public
        assert public_jwk(kp) == {**case["verificationKeyPair"]["publicKeyJwk"]}
    doc = _check_rendered(did, KeyType.ED25519, public, case["didDocument"])
    # keyAgreement: X25519 derived from the Ed25519 key (birational map), as the vector says.
    x_pub = ed25519_to_x25519_public(public)
    ka = case["keyAgreementKeyPair"]
    assert _vm_key(ka) == x_pub
    ka_private = (
        base58.b58decode(ka["privateKeyBase58"])
        if "privateKeyBase58" in ka
        else b64url_decode(ka["privateKeyJwk"]["d"])
    )
    assert public_from_secret(KeyType.X25519, ka_private) == x_pub
    x_id = f"{did}#{multikey_encode(KeyType.X25519, x_pub)}"
    assert ka["id"].endswith("#" + x_id.split("#")[1])
    assert doc["keyAgreement"] == [x_id]
    for rel in SIGNING:
        assert doc[rel] == case["didDocument"][rel] == [doc["verificationMethod"][0]["id"]]


@pytest.mark.parametrize(
    ("did", "doc"), [pytest.param(d, v, id=d) for d, v in _load("x25519.json")["didDocument"].items()]
)
def test_x25519(did: str, doc: dict[str, Any]) -> None:
    public = public_key_from_vm(doc["verificationMethod"][0])[1]
    ours = _check_rendered(did, KeyType.X25519, public, doc)
    assert ours["keyAgreement"] == doc["keyAgreement"]
    assert not SIGNING & ours.keys()


_NIST = _load("nist-curves.json")


@pytest.mark.parametrize(("did", "case"), _cases("nist-curves.json"))
def test_nist_curves(did: str, case: dict[str, Any]) -> None:
    vm = case["verificationMethod"]
    jwk = vm.get("publicKeyJwk")
    if jwk is not None and jwk["crv"] != "P-256":
        # P-384 / P-521: recognised multicodecs we do not implement.
        with pytest.raises(UnsupportedError) as info:
            _resolve(did)
        assert info.value.code == "invalidPublicKeyType"
        with pytest.raises(UnsupportedError):
            key_pair_from_jwk(vm["privateKeyJwk"])
        return
    if jwk is not None:
        kp = key_pair_from_jwk(vm["privateKeyJwk"])
        assert public_jwk(_KP(kp.key_type, kp.public_key)) == {k: jwk[k] for k in ("crv", "kty", "x", "y")}
    else:  # P256Key2021 with base58 keys
        secret = base58.b58decode(vm["privateKeyBase58"])
        kp = _KP(KeyType.P256, public_from_secret(KeyType.P256, secret), secret)
        assert _vm_key(vm) == kp.public_key
    assert kp.key_type is KeyType.P256
    doc = _check_rendered(did, KeyType.P256, kp.public_key, case["didDocument"])
    for rel in SIGNING:
        assert doc[rel] == case["didDocument"][rel]


@pytest.mark.parametrize(("did", "case"), _cases("secp256k1.json"))
def test_secp256k1(did: str, case: dict[str, Any]) -> None:
    vkp = case["verificationKeyPair"]
    if "seed" in case:
        secret = bytes.fromhex(case["seed"])
        assert base58.b58decode(vkp["privateKeyBase58"]) == secret
        public = public_from_secret(KeyType.SECP256K1, secret)
    else:
        kp = key_pair_from_jwk(vkp["privateKeyJwk"])
        public = kp.public_key
        assert public_jwk(_KP(kp.key_type, public)) == {
            k: vkp["publicKeyJwk"][k] for k in ("crv", "kty", "x", "y")
        }
    assert _vm_key(vkp) == public
    doc = _check_rendered(did, KeyType.SECP256K1, public, case["didDocument"])
    for rel in SIGNING:
        assert doc[rel] == case["didDocument"][rel]


@pytest.mark.parametrize(("did", "case"), _cases("bls12381.json"))
def test_bls12381(did: str, case: dict[str, Any]) -> None:
    vkp = case["verificationKeyPair"]
    if did.startswith("did:key:z5Tc"):
        # bls12_381-g1g2-pub (0xee): a G1+G2 pair we recognise but do not implement.
        with pytest.raises(UnsupportedError) as info:
            _resolve(did)
        assert info.value.code == "invalidPublicKeyType"
        return
    secret = base58.b58decode(vkp["privateKeyBase58"])
    public = public_from_secret(KeyType.BLS12381G2, secret)
    assert _vm_key(vkp) == public
    doc = _check_rendered(did, KeyType.BLS12381G2, public, case["didDocument"])
    assert "keyAgreement" not in doc
    for rel in SIGNING:
        assert doc[rel] == case["didDocument"][rel]
    # BLS public JWK round trip (OKP / BLS12381G2).
    assert key_pair_from_jwk(public_jwk(_KP(KeyType.BLS12381G2, public))).public_key == public


def test_every_vector_file_is_covered() -> None:
    names = sorted(p.name for p in VECTORS.glob("*.json"))
    assert names == [
        "bls12381.json",
        "ed25519-x25519.json",
        "nist-curves.json",
        "secp256k1.json",
        "x25519.json",
    ]
    assert len(_NIST) == 7
