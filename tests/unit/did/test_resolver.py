"""Resolver, cache, dereferencing, did:key / did:jwk documents, and public_key_from_vm."""

from __future__ import annotations

import contextlib
import copy
import json
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py._encoding import b58_encode, b64url_encode, varint_encode
from didkit_py.did import (
    JwkMethod,
    KeyMethod,
    ResolutionResult,
    Resolver,
    default_resolver,
    did_jwk_from_jwk,
    did_jwk_from_public,
    did_key_from_public,
    public_key_from_vm,
)
from didkit_py.errors import DidkitError, InvalidInput, NotFound, UnsupportedError, VerificationError
from didkit_py.keys import KeyPair, KeyType, generate_key, multikey_encode, private_jwk, public_jwk

ED = generate_key(KeyType.ED25519)
ED_DID = did_key_from_public(KeyType.ED25519, ED.public_key)
ED_MB = multikey_encode(KeyType.ED25519, ED.public_key)


class StaticMethod:
    """A DID method serving fixed documents, counting calls."""

    def __init__(self, name: str, docs: dict[str, dict[str, Any]]) -> None:
        self.name = name
        self.docs = docs
        self.calls = 0

    async def resolve(
        self, did: str, *, version_id: str | None = None, version_time: str | None = None
    ) -> ResolutionResult:
        self.calls += 1
        if did not in self.docs:
            raise NotFound("no such DID", code="notFound")
        return ResolutionResult(
            copy.deepcopy(self.docs[did]), {"versionId": version_id} if version_id else {}
        )


class FakeClock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


EX_DID = "did:ex:alice"
EX_DOC: dict[str, Any] = {
    "@context": ["https://www.w3.org/ns/did/v1", "https://w3id.org/security/multikey/v1"],
    "id": EX_DID,
    "verificationMethod": [
        {"id": "#key-1", "type": "Multikey", "controller": EX_DID, "publicKeyMultibase": ED_MB},
        {
            "id": f"{EX_DID}#legacy",
            "type": "Ed25519VerificationKey2018",
            "controller": EX_DID,
            "publicKeyBase58": b58_encode(ED.public_key),
        },
        {"id": "#odd", "type": "RsaVerificationKey2018", "controller": EX_DID, "publicKeyPem": "x"},
    ],
    "assertionMethod": ["#key-1"],
    "authentication": [
        {"id": "#embedded", "type": "JsonWebKey2020", "controller": EX_DID, "publicKeyJwk": public_jwk(ED)}
    ],
    "service": [{"id": "#files", "type": "LinkedDomains", "serviceEndpoint": "https://example.com"}],
}


def _resolver(**kw: Any) -> tuple[Resolver, StaticMethod]:
    static = StaticMethod("ex", {EX_DID: EX_DOC})
    return Resolver({"ex": static, "key": KeyMethod(), "jwk": JwkMethod()}, **kw), static


# --- resolution and errors --------------------------------------------------------------------


async def test_resolve_did_key_and_result_shape() -> None:
    resolver, _ = _resolver()
    result = await resolver.resolve(ED_DID)
    assert result.document["id"] == ED_DID
    assert result.resolution_metadata == {"contentType": "application/did+ld+json"}
    out = result.to_dict()
    assert set(out) == {"@context", "didDocument", "didDocumentMetadata", "didResolutionMetadata"}


async def test_errors_by_dids_resolution_names() -> None:
    resolver, _ = _resolver()
    cases: list[tuple[str, type[DidkitError], str]] = [
        ("not a did", InvalidInput, "invalidDid"),
        ("did:nope:123", UnsupportedError, "methodNotSupported"),
        ("did:ex:bob", NotFound, "notFound"),
        ("did:key:abc", InvalidInput, "invalidDid"),
        ("did:key:z" + b58_encode(varint_encode(0xED) + bytes(31)), InvalidInput, "invalidPublicKeyLength"),
        (
            "did:key:z" + b58_encode(varint_encode(0xED) + (2).to_bytes(32, "little")),
            InvalidInput,
            "invalidPublicKey",
        ),
        ("did:key:z" + b58_encode(varint_encode(0x99) + bytes(32)), InvalidInput, "invalidPublicKeyType"),
        (
            "did:key:z" + b58_encode(varint_encode(0x1201) + bytes(49)),
            UnsupportedError,
            "invalidPublicKeyType",
        ),
        (
            "did:key:z" + b58_encode(varint_encode(0x1200) + b"\x02" + b"\xff" * 32),
            InvalidInput,
            "invalidPublicKey",
        ),
        (ED_DID + "#frag", InvalidInput, "invalidDid"),
    ]
    for did, cls, code in cases:
        with pytest.raises(cls) as info:
            await resolver.resolve(did)
        assert info.value.code == code, did


async def test_representation() -> None:
    resolver, _ = _resolver()
    with pytest.raises(UnsupportedError) as info:
        await resolver.resolve(ED_DID, accept="text/html")
    assert info.value.code == "representationNotSupported"
    plain = await resolver.resolve(ED_DID, accept="application/did+json")
    assert "@context" not in plain.document
    assert plain.resolution_metadata["contentType"] == "application/did+json"
    # The cached copy still has its @context.
    assert "@context" in (await resolver.resolve(ED_DID)).document


async def test_versions_not_supported_for_key_and_jwk() -> None:
    resolver, _ = _resolver()
    with pytest.raises(UnsupportedError) as info:
        await resolver.dereference(ED_DID + "?versionId=2")
    assert info.value.code == "versionNotSupported"


async def test_invalid_documents_from_a_method() -> None:
    bad_id = {**EX_DOC, "id": "did:ex:mallory"}
    bad_vm = {**EX_DOC, "verificationMethod": [{"id": "#k", "type": "Multikey"}]}
    static = StaticMethod("ex", {"did:ex:a": bad_id, "did:ex:b": {**bad_vm, "id": "did:ex:b"}})
    resolver = Resolver({"ex": static})
    with pytest.raises(InvalidInput) as info:
        await resolver.resolve("did:ex:a")
    assert (info.value.code, info.value.at) == ("invalidDidDocument", "/id")
    with pytest.raises(InvalidInput) as info:
        await resolver.resolve("did:ex:b")
    assert info.value.code == "invalidDidDocument"
    assert info.value.at is not None and info.value.at.startswith("/verificationMethod/0")


# --- cache -------------------------------------------------------------------------------------


async def test_cache_ttl_with_injected_clock() -> None:
    clock = FakeClock()
    resolver, static = _resolver(cache_ttl=60, clock=clock)
    first = await resolver.resolve(EX_DID)
    first.document["id"] = "mutated by caller"
    again = await resolver.resolve(EX_DID)
    assert static.calls == 1 and again.document["id"] == EX_DID
    clock.now += 59
    await resolver.resolve(EX_DID)
    assert static.calls == 1
    clock.now += 2
    await resolver.resolve(EX_DID)
    assert static.calls == 2
    await resolver.resolve(EX_DID, version_id="7")  # a different cache key
    assert static.calls == 3
    resolver.clear_cache()
    await resolver.resolve(EX_DID)
    assert static.calls == 4


async def test_cache_disabled_and_errors_not_cached() -> None:
    resolver, static = _resolver(cache_ttl=0)
    await resolver.resolve(EX_DID)
    await resolver.resolve(EX_DID)
    assert static.calls == 2
    cached, static2 = _resolver()
    for _ in range(2):
        with pytest.raises(NotFound):
            await cached.resolve("did:ex:bob")
    assert static2.calls == 2


async def test_cache_size_bound() -> None:
    docs = {f"did:ex:{i}": {"id": f"did:ex:{i}"} for i in range(5)}
    static = StaticMethod("ex", docs)
    resolver = Resolver({"ex": static}, cache_size=2)
    for did in docs:
        await resolver.resolve(did)
    await resolver.resolve("did:ex:4")
    assert static.calls == 5
    await resolver.resolve("did:ex:0")
    assert static.calls == 6


def test_method_name_must_match_registration() -> None:
    with pytest.raises(ValueError):
        Resolver({"web": KeyMethod()})


def test_resolve_sync_inside_running_loop() -> None:
    import asyncio

    resolver, _ = _resolver()

    async def inner() -> str:
        return resolver.resolve_sync(EX_DID).document["id"]

    assert asyncio.run(inner()) == EX_DID


# --- dereferencing ----------------------------------------------------------------------------


async def test_dereference_fragments_relative_and_embedded() -> None:
    resolver, _ = _resolver()
    vm = await resolver.dereference(EX_DID + "#key-1")
    assert vm == {
        "id": EX_DID + "#key-1",
        "type": "Multikey",
        "controller": EX_DID,
        "publicKeyMultibase": ED_MB,
    }
    emb = await resolver.dereference(EX_DID + "#embedded")
    assert emb["type"] == "JsonWebKey2020"
    svc = await resolver.dereference(EX_DID + "?service=files")
    assert svc["serviceEndpoint"] == "https://example.com"
    assert (await resolver.dereference(EX_DID))["id"] == EX_DID
    for url in (EX_DID + "#nope", EX_DID + "?service=nope", EX_DID + "/some/path"):
        with pytest.raises(NotFound) as info:
            await resolver.dereference(url)
        assert info.value.code == "notFound"
    with pytest.raises(InvalidInput) as info2:
        await resolver.dereference(EX_DID + "#a#b")
    assert info2.value.code == "invalidDidUrl"


async def test_resolve_verification_method_and_purpose() -> None:
    resolver, _ = _resolver()
    vm = await resolver.resolve_verification_method(EX_DID + "#key-1", purpose="assertionMethod")
    assert (vm.id, vm.type, vm.controller, vm.key_type, vm.public_key) == (
        EX_DID + "#key-1",
        "Multikey",
        EX_DID,
        KeyType.ED25519,
        ED.public_key,
    )
    legacy = await resolver.resolve_verification_method(EX_DID + "#legacy")
    assert legacy.public_key == ED.public_key
    emb = await resolver.resolve_verification_method(EX_DID + "#embedded", purpose="authentication")
    assert emb.public_key == ED.public_key
    with pytest.raises(VerificationError) as info:
        await resolver.resolve_verification_method(EX_DID + "#legacy", purpose="assertionMethod")
    assert info.value.code == "vm.purpose"
    with pytest.raises(UnsupportedError) as info2:
        await resolver.resolve_verification_method(EX_DID + "#odd")
    assert info2.value.code == "unsupportedPublicKeyType"
    with pytest.raises(InvalidInput) as info3:
        await resolver.resolve_verification_method(EX_DID)
    assert info3.value.code == "invalidDidUrl"
    with pytest.raises(InvalidInput):
        await resolver.resolve_verification_method(EX_DID + "?service=files#files")  # a service, not a key


async def test_did_key_keyagreement_not_for_assertion() -> None:
    resolver, _ = _resolver()
    doc = (await resolver.resolve(ED_DID)).document
    ka_id = doc["keyAgreement"][0]
    vm = await resolver.resolve_verification_method(ka_id, purpose="keyAgreement")
    assert vm.key_type is KeyType.X25519
    with pytest.raises(VerificationError):
        await resolver.resolve_verification_method(ka_id, purpose="assertionMethod")


def test_default_resolver_extra_methods_hook() -> None:
    ethr = StaticMethod("ethr", {"did:ethr:0x1": {"id": "did:ethr:0x1"}})
    resolver = default_resolver(extra_methods=[ethr])
    assert resolver.methods == ("ethr", "jwk", "key", "web")
    assert resolver.resolve_sync("did:ethr:0x1").document == {"id": "did:ethr:0x1"}


# --- did:jwk ----------------------------------------------------------------------------------


@pytest.mark.parametrize("kt", [KeyType.ED25519, KeyType.P256, KeyType.SECP256K1, KeyType.BLS12381G2])
async def test_did_jwk_round_trip(kt: KeyType) -> None:
    kp = generate_key(kt)
    did = did_jwk_from_public(kt, kp.public_key)
    resolver = default_resolver()
    doc = (await resolver.resolve(did)).document
    assert doc["verificationMethod"][0]["id"] == did + "#0"
    assert doc["verificationMethod"][0]["type"] == "JsonWebKey"
    vm = await resolver.resolve_verification_method(did + "#0", purpose="assertionMethod")
    assert (vm.key_type, vm.public_key) == (kt, kp.public_key)


def test_did_jwk_spec_example_and_use() -> None:
    # did:jwk spec §3 example 1 (P-256).
    did = (
        "did:jwk:eyJjcnYiOiJQLTI1NiIsImt0eSI6IkVDIiwieCI6ImFjYklRaXVNczNpOF91c3pFakoydHBUdFJNNEVVM3l6OTFQSDZDZEgy"
        "VjAiLCJ5IjoiX0tjeUxqOXZXTXB0bm1LdG00NkdxRHo4d2Y3NEk1TEtncmwyR3pIM25TRSJ9"
    )
    doc = default_resolver().resolve_sync(did).document
    jwk = doc["verificationMethod"][0]["publicKeyJwk"]
    assert jwk["x"] == "acbIQiuMs3i8_uszEjJ2tpTtRM4EU3yz91PH6CdH2V0"
    assert set(doc) >= {"assertionMethod", "authentication", "keyAgreement"}
    enc = did_jwk_from_jwk({**public_jwk(generate_key(KeyType.P256)), "use": "enc"})
    enc_doc = default_resolver().resolve_sync(enc).document
    assert "keyAgreement" in enc_doc and "assertionMethod" not in enc_doc
    sig = did_jwk_from_jwk({**public_jwk(generate_key(KeyType.P256)), "use": "sig"})
    assert "keyAgreement" not in default_resolver().resolve_sync(sig).document


def _jwk_did(obj: Any) -> str:
    return "did:jwk:" + b64url_encode(json.dumps(obj).encode())


@pytest.mark.parametrize(
    ("did", "cls", "code"),
    [
        pytest.param(_jwk_did(private_jwk(ED)), InvalidInput, "invalidDid", id="private-jwk"),
        pytest.param("did:jwk:not*base64", InvalidInput, "invalidDid", id="not-base64url"),
        pytest.param("did:jwk:" + b64url_encode(b"not json"), InvalidInput, "invalidDid", id="not-json"),
        pytest.param(_jwk_did([1, 2]), InvalidInput, "invalidDid", id="not-object"),
        pytest.param(_jwk_did({**public_jwk(ED), "use": "wrap"}), InvalidInput, "invalidDid", id="bad-use"),
        pytest.param(
            _jwk_did({"kty": "OKP", "crv": "Ed25519", "x": "AA"}), InvalidInput, "invalidDid", id="short-x"
        ),
        pytest.param(
            _jwk_did({"kty": "RSA", "n": "AQAB", "e": "AQAB"}),
            UnsupportedError,
            "invalidPublicKeyType",
            id="rsa",
        ),
        pytest.param("did:jwk:" + b64url_encode(b"{}") + ":x", InvalidInput, "invalidDid", id="colon"),
    ],
)
def test_did_jwk_bad(did: str, cls: type[Exception], code: str) -> None:
    with pytest.raises(cls) as info:
        default_resolver().resolve_sync(did)
    assert isinstance(info.value, DidkitError) and info.value.code == code


def test_did_jwk_from_private_refused() -> None:
    with pytest.raises(InvalidInput):
        did_jwk_from_jwk(private_jwk(ED))


# --- public_key_from_vm -----------------------------------------------------------------------


def test_public_key_from_vm_forms() -> None:
    k1 = generate_key(KeyType.SECP256K1)
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    uncompressed = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), k1.public_key).public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
    )
    forms: list[tuple[dict[str, Any], KeyPair]] = [
        ({"type": "Multikey", "publicKeyMultibase": ED_MB}, ED),
        ({"type": "Ed25519VerificationKey2020", "publicKeyMultibase": ED_MB}, ED),
        ({"type": "Ed25519VerificationKey2018", "publicKeyBase58": b58_encode(ED.public_key)}, ED),
        ({"type": "JsonWebKey", "publicKeyJwk": public_jwk(ED)}, ED),
        ({"type": "EcdsaSecp256k1VerificationKey2019", "publicKeyHex": uncompressed.hex()}, k1),
        ({"type": "EcdsaSecp256k1VerificationKey2019", "publicKeyBase58": b58_encode(k1.public_key)}, k1),
        ({"type": "EcdsaSecp256k1VerificationKey2019", "publicKeyJwk": public_jwk(k1)}, k1),
    ]
    for vm, kp in forms:
        assert public_key_from_vm(vm) == (kp.key_type, kp.public_key), vm["type"]


@pytest.mark.parametrize(
    ("vm", "cls", "code"),
    [
        pytest.param({"type": "Multikey"}, InvalidInput, "invalidPublicKey", id="no-key"),
        pytest.param([], InvalidInput, "invalidPublicKey", id="not-object"),
        pytest.param({"publicKeyMultibase": ED_MB}, InvalidInput, "invalidPublicKey", id="no-type"),
        pytest.param(
            {"type": "JsonWebKey", "publicKeyJwk": private_jwk(ED)},
            InvalidInput,
            "invalidPublicKey",
            id="private-jwk",
        ),
        pytest.param(
            {"type": "Multikey", "publicKeyMultibase": ED_MB, "secretKeyMultibase": "z"},
            InvalidInput,
            "invalidPublicKey",
            id="secret-in-vm",
        ),
        pytest.param(
            {"type": "X25519KeyAgreementKey2020", "publicKeyMultibase": ED_MB},
            InvalidInput,
            "invalidPublicKeyType",
            id="type-key-mismatch",
        ),
        pytest.param(
            {"type": "Bls12381G2Key2020", "publicKeyHex": "zz"},
            InvalidInput,
            "invalidPublicKey",
            id="bad-hex",
        ),
        pytest.param(
            {"type": "Ed25519VerificationKey2018", "publicKeyBase58": b58_encode(bytes(31))},
            InvalidInput,
            "key.length",
            id="short-base58",
        ),
        pytest.param(
            {"type": "RsaVerificationKey2018"}, UnsupportedError, "unsupportedPublicKeyType", id="rsa"
        ),
    ],
)
def test_public_key_from_vm_bad(vm: Any, cls: type[Exception], code: str) -> None:
    with pytest.raises(cls) as info:
        public_key_from_vm(vm)
    assert isinstance(info.value, DidkitError) and info.value.code == code


# --- hypothesis: resolution of random input raises only our errors -----------------------------


def _offline_resolver() -> Resolver:
    transport = httpx.MockTransport(lambda request: httpx.Response(404))
    return default_resolver(http=httpx.AsyncClient(transport=transport), cache_ttl=0)


@given(
    st.one_of(
        st.text(max_size=60),
        st.text(max_size=60).map(lambda t: "did:" + t),
        st.text(alphabet="123456789ABCDEFGHJKLMNPQRSTUVWXYZabcdefghijkmnopqrstuvwxyz", max_size=60).map(
            lambda t: "did:key:z" + t
        ),
        st.binary(max_size=60).map(lambda b: "did:key:z" + b58_encode(b)),
        st.binary(max_size=40).map(lambda b: "did:jwk:" + b64url_encode(b)),
        st.dictionaries(st.sampled_from(["kty", "crv", "x", "y", "use", "d"]), st.text(max_size=50)).map(
            _jwk_did
        ),
        st.text(alphabet="abc.-%3A:/", max_size=30).map(lambda t: "did:web:" + t),
    )
)
@settings(max_examples=300, deadline=None)
def test_resolve_random_input_only_raises_didkit_errors(text: str) -> None:
    resolver = _offline_resolver()
    with contextlib.suppress(DidkitError):
        resolver.resolve_sync(text)
    with contextlib.suppress(DidkitError):
        resolver.resolve_verification_method_sync(text + "#0")


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_VM_KEYS = [
    "publicKeyMultibase",
    "publicKeyJwk",
    "publicKeyBase58",
    "publicKeyHex",
    "id",
    "controller",
]
_VM_TYPES = ["Multikey", "JsonWebKey", "JsonWebKey2020", "Ed25519VerificationKey2018", "Bls12381G2Key2020"]


@given(
    st.one_of(
        _json,
        st.fixed_dictionaries(
            {"type": st.sampled_from(_VM_TYPES)},
            optional={k: st.one_of(_json, st.just(ED_MB)) for k in _VM_KEYS},
        ),
    )
)
@settings(max_examples=300)
def test_public_key_from_vm_random_only_raises_ours(vm: Any) -> None:
    with contextlib.suppress(DidkitError):
        public_key_from_vm(vm)


@given(
    st.one_of(
        _json,
        st.fixed_dictionaries(
            {"id": st.just(EX_DID)},
            optional={
                k: _json
                for k in ["@context", "verificationMethod", "service", "assertionMethod", "controller"]
            },
        ),
    )
)
@settings(max_examples=300)
def test_validate_did_document_random_only_raises_invalid_input(doc: Any) -> None:
    from didkit_py.did import validate_did_document

    with contextlib.suppress(InvalidInput):
        validate_did_document(doc, EX_DID)


def test_validate_secp256k1_method_types_despite_pydid_bug() -> None:
    """pydid 0.5.3 + pydantic 2.13 crash on these types; we check their key-material rule."""
    from didkit_py.did import validate_did_document

    did = "did:ethr:0x7a69:0xb9c5714089478a327f09197987f16f9e5d936e8a"
    k1 = generate_key(KeyType.SECP256K1)
    doc = {
        "@context": ["https://www.w3.org/ns/did/v1"],
        "id": did,
        "verificationMethod": [
            {
                "id": did + "#controller",
                "type": "EcdsaSecp256k1RecoveryMethod2020",
                "controller": did,
                "blockchainAccountId": "eip155:31337:0xb9c5714089478a327f09197987f16f9e5d936e8a",
            },
            {
                "id": did + "#controllerKey",
                "type": "EcdsaSecp256k1VerificationKey2019",
                "controller": did,
                "publicKeyHex": k1.public_key.hex(),
            },
        ],
        "assertionMethod": [did + "#controller", did + "#controllerKey"],
    }
    original = copy.deepcopy(doc)
    assert validate_did_document(doc, did) == original
    no_material = copy.deepcopy(doc)
    del no_material["verificationMethod"][0]["blockchainAccountId"]
    with pytest.raises(InvalidInput) as info:
        validate_did_document(no_material, did)
    assert (info.value.code, info.value.at) == ("invalidDidDocument", "/verificationMethod/0")
    bad_id = copy.deepcopy(doc)
    bad_id["verificationMethod"][1]["id"] = "no url"
    with pytest.raises(InvalidInput) as info:
        validate_did_document(bad_id, did)
    assert info.value.at == "/verificationMethod/1/id"
    static = StaticMethod("ethr", {did: doc})
    vm = Resolver({"ethr": static}).resolve_verification_method_sync(
        did + "#controllerKey", purpose="assertionMethod"
    )
    assert vm.public_key == k1.public_key
