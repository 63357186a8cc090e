"""bbs-2023: issue → derive → verify, and every kind of bad derived credential is refused."""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from didkit_py._encoding import b64url_decode, b64url_encode
from didkit_py.did import KeyMethod, Resolver, did_key_from_public
from didkit_py.errors import DidkitError, InvalidInput, UnsupportedError, VerificationError
from didkit_py.jsonld import DocumentLoader
from didkit_py.keys import KeyPair, KeyType, generate_key
from didkit_py.suites.data_integrity import add_proof, derive, verify_proof
from didkit_py.suites.data_integrity.bbs_2023 import (
    parse_base_proof_value,
    parse_derived_proof_value,
    serialize_derived_proof_value,
)

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
V2 = "https://www.w3.org/ns/credentials/v2"
EX = "https://www.w3.org/ns/credentials/examples/v2"
MANDATORY = ["/issuer", "/validFrom"]
SELECTIVE = ["/credentialSubject/degree/name", "/credentialSubject/claims/2"]


@pytest.fixture(scope="module")
def loader() -> DocumentLoader:
    return DocumentLoader()


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver({"key": KeyMethod()})


@pytest.fixture(scope="module")
def issuer_key() -> KeyPair:
    return generate_key(KeyType.BLS12381G2)


def _vm(kp: KeyPair) -> str:
    did = did_key_from_public(kp.key_type, kp.public_key)
    return f"{did}#{did.removeprefix('did:key:')}"


def _credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": [V2, EX],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science and Arts", "gpa": 3.0},
            "claims": [{"label": f"claim {i}", "value": i} for i in range(4)],
            "nickname": "Sam",
        },
    }


@pytest.fixture(scope="module")
def base(issuer_key: KeyPair, loader: DocumentLoader) -> dict[str, Any]:
    vm = _vm(issuer_key)
    return add_proof(
        _credential(vm.split("#")[0]),
        suite="bbs-2023",
        key=issuer_key,
        verification_method=vm,
        loader=loader,
        mandatory_pointers=MANDATORY,
    )


@pytest.fixture(scope="module")
def derived(base: dict[str, Any], loader: DocumentLoader) -> dict[str, Any]:
    return derive(base, selective_pointers=SELECTIVE, loader=loader, presentation_header=b"ph")


async def test_issue_derive_verify(
    base: dict[str, Any], derived: dict[str, Any], loader: DocumentLoader, resolver: Resolver
) -> None:
    assert "created" not in base["proof"]  # accepted with and without created (vectors have it)
    assert parse_base_proof_value(base["proof"]["proofValue"]).mandatory_pointers == tuple(MANDATORY)
    subject = derived["credentialSubject"]
    assert subject["degree"] == {"type": "ExampleBachelorDegree", "name": "Bachelor of Science and Arts"}
    assert subject["claims"] == [{"label": "claim 2", "value": 2}]
    assert "nickname" not in subject
    assert derived["issuer"] == base["issuer"] and derived["validFrom"] == base["validFrom"]
    result = await verify_proof(derived, resolver=resolver, loader=loader, now=NOW, presentation_header=b"ph")
    assert result.proofs[0].cryptosuite == "bbs-2023"
    with pytest.raises(VerificationError, match="presentation header"):
        await verify_proof(derived, resolver=resolver, loader=loader, presentation_header=b"other")


async def test_base_proof_with_created_derives_and_verifies(
    issuer_key: KeyPair, loader: DocumentLoader, resolver: Resolver
) -> None:
    vm = _vm(issuer_key)
    signed = add_proof(
        _credential(vm.split("#")[0]),
        suite="bbs-2023",
        key=issuer_key,
        verification_method=vm,
        loader=loader,
        created=NOW,
        mandatory_pointers=["/issuer"],
    )
    d = derive(signed, selective_pointers=["/credentialSubject/nickname"], loader=loader)
    assert d["proof"]["created"] == "2026-01-01T12:00:00Z"
    await verify_proof(d, resolver=resolver, loader=loader, now=NOW)


async def test_mandatory_only_and_whole_document(
    base: dict[str, Any], loader: DocumentLoader, resolver: Resolver
) -> None:
    only_mandatory = derive(base, selective_pointers=[], loader=loader)
    assert "credentialSubject" not in only_mandatory
    await verify_proof(only_mandatory, resolver=resolver, loader=loader)
    everything = derive(base, selective_pointers=[""], loader=loader)
    assert everything["credentialSubject"] == base["credentialSubject"]
    await verify_proof(everything, resolver=resolver, loader=loader)


async def test_base_proof_offered_to_verifier_is_rejected(
    base: dict[str, Any], loader: DocumentLoader, resolver: Resolver
) -> None:
    with pytest.raises(VerificationError) as info:
        await verify_proof(base, resolver=resolver, loader=loader)
    assert info.value.code == "bbs.base_proof"


async def test_two_derivations_are_unlinkable_bytes(base: dict[str, Any], loader: DocumentLoader) -> None:
    a = parse_derived_proof_value(
        derive(base, selective_pointers=SELECTIVE, loader=loader)["proof"]["proofValue"]
    )
    b = parse_derived_proof_value(
        derive(base, selective_pointers=SELECTIVE, loader=loader)["proof"]["proofValue"]
    )
    assert a.label_map == b.label_map and a.selective_indexes == b.selective_indexes
    chunks_a = {a.bbs_proof[i : i + 32] for i in range(0, len(a.bbs_proof), 32)}
    chunks_b = {b.bbs_proof[i : i + 32] for i in range(0, len(b.bbs_proof), 32)}
    assert not chunks_a & chunks_b


def _bad(derived: dict[str, Any]) -> dict[str, dict[str, Any]]:
    def mutate(fn: Any) -> dict[str, Any]:
        d = copy.deepcopy(derived)
        fn(d)
        return d

    pv = derived["proof"]["proofValue"]
    raw = b64url_decode(pv[1:])
    parsed = parse_derived_proof_value(pv)
    swapped = dict(parsed.label_map)
    if len(swapped) >= 2:
        k1, k2 = list(swapped)[:2]
        swapped[k1], swapped[k2] = swapped[k2], swapped[k1]
    return {
        "changed disclosed value": mutate(lambda d: d["credentialSubject"]["degree"].update(name="PhD")),
        "changed mandatory value": mutate(lambda d: d.update(validFrom="2020-01-01T00:00:00Z")),
        "added claim": mutate(lambda d: d["credentialSubject"].update(nickname="Sam")),
        "added array item": mutate(
            lambda d: d["credentialSubject"]["claims"].append({"label": "claim 9", "value": 9})
        ),
        "removed disclosed claim": mutate(lambda d: d["credentialSubject"]["degree"].pop("name")),
        "truncated proofValue": mutate(lambda d: d["proof"].update(proofValue=pv[:-10])),
        "re-encoded proofValue (base58)": mutate(
            lambda d: d["proof"].update(proofValue="z" + __import__("base58").b58encode(raw).decode())
        ),
        "padded base64url": mutate(lambda d: d["proof"].update(proofValue=pv + "=")),
        "trailing CBOR byte": mutate(
            lambda d: d["proof"].update(proofValue="u" + b64url_encode(raw + b"\x00"))
        ),
        "swapped label map": mutate(
            lambda d: d["proof"].update(
                proofValue=serialize_derived_proof_value(
                    parsed.bbs_proof,
                    swapped,
                    parsed.mandatory_indexes,
                    parsed.selective_indexes,
                    parsed.presentation_header,
                )
            )
        ),
        "wrong cryptosuite": mutate(lambda d: d["proof"].update(cryptosuite="eddsa-rdfc-2022")),
        "unknown cryptosuite": mutate(lambda d: d["proof"].update(cryptosuite="bbs-2024")),
        "holder binding header": mutate(
            lambda d: d["proof"].update(proofValue="u" + b64url_encode(b"\xd9\x5d\x05" + raw[3:]))
        ),
        "undefined term": mutate(
            lambda d: d["credentialSubject"].update(undefined_term_here=1) or d.update({"@context": [V2]})
        ),
        "context not bundled": mutate(lambda d: d["@context"].append("https://evil.example/v1")),
        "proof purpose": mutate(lambda d: d["proof"].update(proofPurpose="authentication")),
    }


async def test_bad_derived_credentials_are_refused(
    derived: dict[str, Any], loader: DocumentLoader, resolver: Resolver
) -> None:
    for name, doc in _bad(derived).items():
        with pytest.raises(DidkitError) as info:
            await verify_proof(doc, resolver=resolver, loader=loader)
        assert not isinstance(info.value, AssertionError), name
    # Sanity: the unmodified one verifies.
    await verify_proof(derived, resolver=resolver, loader=loader)


def test_parsers_reject_garbage() -> None:
    for value in [
        None,
        5,
        "",
        "u",
        "z123",
        "uAAAA",
        "u2V0C",
        "u2V0D",
        "u" + b64url_encode(b"\xd9\x5d\x03\xff"),
    ]:
        with pytest.raises(InvalidInput):
            parse_derived_proof_value(value)
        with pytest.raises(InvalidInput):
            parse_base_proof_value(value)
    with pytest.raises(UnsupportedError):
        parse_derived_proof_value("u" + b64url_encode(b"\xd9\x5d\x09\x80"))


def test_derive_input_errors(base: dict[str, Any], loader: DocumentLoader) -> None:
    with pytest.raises(InvalidInput):
        derive(base, selective_pointers=["/credentialSubject/doesNotExist"], loader=loader)
    with pytest.raises(InvalidInput):
        derive(base, selective_pointers=["not a pointer"], loader=loader)
    no_proof = {k: v for k, v in base.items() if k != "proof"}
    with pytest.raises(InvalidInput):
        derive(no_proof, selective_pointers=SELECTIVE, loader=loader)


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(st.binary(min_size=1, max_size=64), st.integers(min_value=0), st.sampled_from(["flip", "json"]))
async def test_mutated_derived_credentials_never_verify(
    derived: dict[str, Any], loader: DocumentLoader, resolver: Resolver, data: bytes, where: int, kind: str
) -> None:
    doc = copy.deepcopy(derived)
    if kind == "flip":
        raw = bytearray(b64url_decode(doc["proof"]["proofValue"][1:]))
        pos = where % len(raw)
        raw[pos] ^= data[0] or 1
        doc["proof"]["proofValue"] = "u" + b64url_encode(bytes(raw))
    else:
        text = json.dumps({k: v for k, v in doc.items() if k != "proof"})
        pos = where % len(text)
        mutated = text[:pos] + chr(33 + data[0] % 90) + text[pos + 1 :]
        try:
            body = json.loads(mutated)
        except ValueError:
            return
        if body == {k: v for k, v in doc.items() if k != "proof"}:
            return
        if not isinstance(body, dict):
            return
        body["proof"] = doc["proof"]
        doc = body
    with pytest.raises(DidkitError):
        await verify_proof(doc, resolver=resolver, loader=loader)


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([b"\xd9\x5d\x02", b"\xd9\x5d\x03", b""]), st.binary(max_size=300))
def test_proof_value_parsers_never_crash(header: bytes, body: bytes) -> None:
    value = "u" + b64url_encode(header + body)
    for parse in (parse_base_proof_value, parse_derived_proof_value):
        try:
            parsed = parse(value)
        except (InvalidInput, UnsupportedError):
            continue
        if parse is parse_derived_proof_value:
            assert isinstance(parsed.bbs_proof, bytes)


@settings(max_examples=100, deadline=None)
@given(
    st.binary(min_size=1, max_size=600),
    st.dictionaries(st.integers(0, 50), st.integers(0, 50), max_size=6),
    st.lists(st.integers(0, 60), max_size=8, unique=True),
    st.lists(st.integers(0, 60), max_size=8, unique=True),
    st.binary(max_size=16),
)
def test_derived_proof_value_round_trips(
    proof: bytes, labels: dict[int, int], mandatory: list[int], selective: list[int], ph: bytes
) -> None:
    label_map = {f"c14n{k}": f"b{v}" for k, v in labels.items()}
    try:
        value = serialize_derived_proof_value(proof, label_map, sorted(mandatory), sorted(selective), ph)
        parsed = parse_derived_proof_value(value)
    except InvalidInput:
        assert len(set(labels.values())) != len(labels)  # only a non-injective label map is refused
        return
    assert parsed.bbs_proof == proof and parsed.label_map == label_map
    assert list(parsed.mandatory_indexes) == sorted(mandatory) and parsed.presentation_header == ph
    assert (
        serialize_derived_proof_value(
            parsed.bbs_proof, parsed.label_map, parsed.mandatory_indexes, parsed.selective_indexes, ph
        )
        == value
    )


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=40))
def test_json_pointer_parser(text: str) -> None:
    from didkit_py.suites.data_integrity.selective_disclosure import json_pointer_to_paths

    try:
        paths = json_pointer_to_paths(text)
    except InvalidInput:
        return
    rebuilt = "".join("/" + str(p).replace("~", "~0").replace("/", "~1") for p in paths)
    assert json_pointer_to_paths(rebuilt) == paths


def test_select_json_ld_pointer_into_a_copied_type_array() -> None:
    """A pointer to one element of `type` (already copied whole) selects, never crashes."""
    from didkit_py.suites.data_integrity.selective_disclosure import select_json_ld

    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "ExampleCredential"],
        "credentialSubject": {"tags": ["a", "b", "c"], "name": "x"},
    }
    out = select_json_ld(doc, ["/type/0", "/credentialSubject/tags/1"])
    assert out["type"] == ["VerifiableCredential", "ExampleCredential"]
    assert out["credentialSubject"] == {"tags": ["b"]}
