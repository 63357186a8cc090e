"""The ``bbs-2023`` cryptosuite, baseline features (W3C vc-di-bbs §3).

https://www.w3.org/TR/vc-di-bbs/

The issuer signs with a *base proof* (``proofValue`` header ``0xd95d02``): the canonical N-Quads
of the credential, blank nodes relabelled through an HMAC so their labels leak nothing, are split
into *mandatory* quads (hashed into the BBS header) and *non-mandatory* quads (one BBS message
each). The holder *derives* a proof (header ``0xd95d03``) that reveals the mandatory quads plus
those the selective pointers pick, with a BBS proof of knowledge of the rest; a verifier checks
only derived proofs — a base proof offered to a verifier is rejected, as the spec says.

Functions are named after the spec: :func:`create_base_proof` (3.4.2–3.4.4 transformation,
hashing, serialization), :func:`serialize_base_proof_value`, :func:`parse_base_proof_value`,
:func:`create_disclosure_data`, :func:`serialize_derived_proof_value`,
:func:`parse_derived_proof_value`, :func:`create_verify_data`; :func:`derive` is "Add Derived
Proof" and :func:`verify_derived_proof` is "Verify Derived Proof". Only BLS12-381-SHA-256 and
the baseline headers are supported (no holder binding, no pseudonyms: headers ``0xd95d04``…).
"""

from __future__ import annotations

import copy
import hashlib
import hmac as _hmac
import itertools
import os
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from io import BytesIO
from typing import Any

import cbor2

from ... import bbs
from ..._encoding import b64url_decode, b64url_encode
from ...errors import DidkitError, InvalidInput, UnsupportedError, VerificationError
from ...jsonld import DocumentLoader, canonicalize, canonize_document
from ...keys import KeyPair, KeyType
from .proof import DATA_INTEGRITY_PROOF, get_proofs, parse_datetime, proof_config
from .selective_disclosure import (
    canonicalize_and_group,
    create_label_map_function,
    create_shuffled_id_label_map_function,
    hash_mandatory_nquads,
    label_replacement_canonicalize_json_ld,
    select_json_ld,
)

__all__ = [
    "BASE_PROOF_HEADER",
    "BBS_2023",
    "DERIVED_PROOF_HEADER",
    "BaseProofValue",
    "Bbs2023Suite",
    "DerivedProofValue",
    "DisclosureData",
    "VerifyData",
    "create_base_proof",
    "create_disclosure_data",
    "create_verify_data",
    "derive",
    "parse_base_proof_value",
    "parse_derived_proof_value",
    "serialize_base_proof_value",
    "serialize_derived_proof_value",
    "verify_derived_proof",
]

NAME = "bbs-2023"
BASE_PROOF_HEADER = bytes([0xD9, 0x5D, 0x02])
DERIVED_PROOF_HEADER = bytes([0xD9, 0x5D, 0x03])
_OPTIONAL_FEATURE_HEADERS = {0x04, 0x05, 0x06, 0x07, 0x08, 0x09}
#: Upper bound on a proofValue we decode (a derived proof grows 32 bytes per hidden message).
MAX_PROOF_VALUE_BYTES = 1024 * 1024


# ---------------------------------------------------------------------------------------------
# proofValue serialization (vc-di-bbs §3.3.1–3.3.5)


@dataclass(frozen=True, slots=True)
class BaseProofValue:
    """parseBaseProofValue's result."""

    bbs_signature: bytes
    bbs_header: bytes
    public_key: bytes
    hmac_key: bytes = b""
    mandatory_pointers: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class DerivedProofValue:
    """parseDerivedProofValue's result; ``label_map`` is ``c14nN`` → ``bM``."""

    bbs_proof: bytes
    label_map: dict[str, str]
    mandatory_indexes: tuple[int, ...]
    selective_indexes: tuple[int, ...]
    presentation_header: bytes


def _cbor_encode(value: Any) -> bytes:
    return cbor2.dumps(value)


def _tag_hook(decoder: Any, tag: Any) -> Any:
    # Tag 64 (uint8 typed array) is what some implementations use for byte strings.
    if tag.tag == 64 and isinstance(tag.value, bytes):
        return tag.value
    raise InvalidInput("unexpected CBOR tag in proofValue", code="bbs.proof_value")


def _cbor_decode(data: bytes) -> Any:
    try:
        decoder = cbor2.CBORDecoder(BytesIO(data), tag_hook=_tag_hook)
        value = decoder.decode()
        if decoder.fp.read(1):
            raise InvalidInput("trailing bytes after CBOR in proofValue", code="bbs.proof_value")
    except DidkitError:
        raise
    except (cbor2.CBORDecodeError, ValueError, TypeError, OverflowError, RecursionError, EOFError) as exc:
        raise InvalidInput("proofValue is not valid CBOR", code="bbs.proof_value") from exc
    return value


def _decode_proof_value(proof_value: Any, header: bytes, what: str) -> bytes:
    if not isinstance(proof_value, str) or not proof_value.startswith("u"):
        raise InvalidInput(
            "bbs-2023 proofValue must be multibase base64url ('u')", code="bbs.proof_value", at="proofValue"
        )
    if len(proof_value) > MAX_PROOF_VALUE_BYTES:
        raise InvalidInput("proofValue too large", code="bbs.proof_value", at="proofValue")
    raw = b64url_decode(proof_value[1:], at="proofValue")
    if len(raw) < 3 or raw[:2] != header[:2]:
        raise InvalidInput("not a bbs-2023 proofValue", code="bbs.proof_value", at="proofValue")
    if raw[2] in _OPTIONAL_FEATURE_HEADERS:
        raise UnsupportedError(
            "bbs-2023 optional features (holder binding, pseudonyms) are not supported",
            code="bbs.feature",
            at="proofValue",
        )
    if raw[:3] != header:
        raise InvalidInput(f"proofValue is not a {what} proof", code=f"bbs.not_{what}", at="proofValue")
    return raw[3:]


def _bytes_field(value: Any, name: str, length: int | None = None) -> bytes:
    if not isinstance(value, bytes) or (length is not None and len(value) != length):
        size = f" of {length} bytes" if length is not None else ""
        raise InvalidInput(f"{name} must be a byte string{size}", code="bbs.proof_value", at=name)
    return value


def _int_list(value: Any, name: str) -> tuple[int, ...]:
    if not isinstance(value, list) or not all(isinstance(i, int) and not isinstance(i, bool) for i in value):
        raise InvalidInput(f"{name} must be an array of integers", code="bbs.proof_value", at=name)
    if any(i < 0 for i in value) or any(a >= b for a, b in itertools.pairwise(value)):
        raise InvalidInput(f"{name} must be ascending non-negative integers", code="bbs.proof_value", at=name)
    return tuple(value)


def serialize_base_proof_value(
    bbs_signature: bytes,
    bbs_header: bytes,
    public_key: bytes,
    hmac_key: bytes,
    mandatory_pointers: Sequence[str],
) -> str:
    """vc-di-bbs 'serializeBaseProofValue' (§3.3.1)."""
    # 1. CBOR-encode the components, prefixed with the base-proof tag bytes, as multibase u.
    payload = [bbs_signature, bbs_header, public_key, hmac_key, list(mandatory_pointers)]
    return "u" + b64url_encode(BASE_PROOF_HEADER + _cbor_encode(payload))


def parse_base_proof_value(proof_value: Any) -> BaseProofValue:
    """vc-di-bbs 'parseBaseProofValue' (§3.3.2); malformed input is InvalidInput."""
    # 1-2. Check the header bytes and decode the CBOR array.
    components = _cbor_decode(_decode_proof_value(proof_value, BASE_PROOF_HEADER, "base"))
    if not isinstance(components, list) or len(components) != 5:
        raise InvalidInput("base proofValue must be a 5-element CBOR array", code="bbs.proof_value")
    sig, header, pk, hmac_key, pointers = components
    if not isinstance(pointers, list) or not all(isinstance(p, str) for p in pointers):
        raise InvalidInput(
            "mandatoryPointers must be strings", code="bbs.proof_value", at="mandatoryPointers"
        )
    # 3. Return the components.
    return BaseProofValue(
        bbs_signature=_bytes_field(sig, "bbsSignature", 80),
        bbs_header=_bytes_field(header, "bbsHeader", 64),
        public_key=_bytes_field(pk, "publicKey", 96),
        hmac_key=_bytes_field(hmac_key, "hmacKey", 32),
        mandatory_pointers=tuple(pointers),
    )


def _label_number(label: str, prefix: str) -> int:
    rest = label[len(prefix) :]
    if not label.startswith(prefix) or not rest.isdigit():
        raise InvalidInput("label map must map c14nN to bM", code="bbs.label_map")
    return int(rest)


def _compress_label_map(label_map: Mapping[str, str]) -> dict[int, int]:
    """vc-di-bbs 'compressLabelMap': ``c14nN`` → ``bM`` becomes ``N`` → ``M``."""
    out: dict[int, int] = {}
    # Ascending keys: the order canonical CBOR (and cborg, which Digital Bazaar uses) writes.
    for k, v in sorted(label_map.items(), key=lambda kv: _label_number(kv[0], "c14n")):
        if not (k.startswith("c14n") and k[4:].isdigit() and v.startswith("b") and v[1:].isdigit()):
            raise InvalidInput("label map must map c14nN to bM", code="bbs.label_map")
        out[int(k[4:])] = int(v[1:])
    return out


def _decompress_label_map(compressed: Any) -> dict[str, str]:
    """vc-di-bbs 'decompressLabelMap'."""
    if not isinstance(compressed, dict):
        raise InvalidInput("compressed label map must be a CBOR map", code="bbs.proof_value", at="labelMap")
    out: dict[str, str] = {}
    for k, v in compressed.items():
        if not all(isinstance(x, int) and not isinstance(x, bool) and x >= 0 for x in (k, v)):
            raise InvalidInput(
                "compressed label map must map integers to integers", code="bbs.proof_value", at="labelMap"
            )
        out[f"c14n{k}"] = f"b{v}"
    if len(set(out.values())) != len(out):
        raise InvalidInput("label map is not one-to-one", code="bbs.proof_value", at="labelMap")
    return out


def serialize_derived_proof_value(
    bbs_proof: bytes,
    label_map: Mapping[str, str],
    mandatory_indexes: Sequence[int],
    selective_indexes: Sequence[int],
    presentation_header: bytes,
) -> str:
    """vc-di-bbs 'serializeDerivedProofValue' (§3.3.4)."""
    # 1. Compress the label map; 2. CBOR-encode with the derived-proof tag bytes.
    payload = [
        bbs_proof,
        _compress_label_map(label_map),
        list(mandatory_indexes),
        list(selective_indexes),
        presentation_header,
    ]
    return "u" + b64url_encode(DERIVED_PROOF_HEADER + _cbor_encode(payload))


def parse_derived_proof_value(proof_value: Any) -> DerivedProofValue:
    """vc-di-bbs 'parseDerivedProofValue' (§3.3.5); malformed input is InvalidInput."""
    components = _cbor_decode(_decode_proof_value(proof_value, DERIVED_PROOF_HEADER, "derived"))
    if not isinstance(components, list) or len(components) != 5:
        raise InvalidInput("derived proofValue must be a 5-element CBOR array", code="bbs.proof_value")
    proof, compressed, mandatory, selective, ph = components
    return DerivedProofValue(
        bbs_proof=_bytes_field(proof, "bbsProof"),
        label_map=_decompress_label_map(compressed),
        mandatory_indexes=_int_list(mandatory, "mandatoryIndexes"),
        selective_indexes=_int_list(selective, "selectiveIndexes"),
        presentation_header=_bytes_field(ph, "presentationHeader"),
    )


# ---------------------------------------------------------------------------------------------
# Base proof (issuer): vc-di-bbs §3.4.2 transformation, §3.4.3 hashing, §3.4.4 serialization


def _check_config(config: Mapping[str, Any]) -> None:
    if config.get("type") != DATA_INTEGRITY_PROOF or config.get("cryptosuite") != NAME:
        raise VerificationError(
            "proof is not a DataIntegrityProof with cryptosuite bbs-2023", code="proof.transformation"
        )
    if "created" in config:
        parse_datetime(config["created"], at="/proof/created")


def _proof_hash(config: Mapping[str, Any], loader: DocumentLoader) -> bytes:
    _check_config(config)
    return hashlib.sha256(canonize_document(dict(config), loader=loader).encode("utf-8")).digest()


def create_base_proof(
    unsecured: Mapping[str, Any],
    proof_config_: Mapping[str, Any],
    key: KeyPair,
    mandatory_pointers: Sequence[str],
    *,
    loader: DocumentLoader,
    hmac_key: bytes | None = None,
) -> str:
    """Base proof transformation, hashing and serialization; returns ``proofValue``.

    ``hmac_key`` is random unless given (tests pass the vector key to be reproducible).
    """
    if KeyType(key.key_type) is not KeyType.BLS12381G2 or key.secret_key is None:
        raise InvalidInput("bbs-2023 signs with a BLS12-381 G2 secret key", code="proof.key_type")
    mandatory_pointers = list(mandatory_pointers)
    # Transformation (§3.4.2): 1-2. HMAC key and shuffled label map function.
    hmac_key = os.urandom(32) if hmac_key is None else hmac_key
    factory = create_shuffled_id_label_map_function(hmac_key)
    # 3. canonicalizeAndGroup with the mandatory pointers.
    grouped = canonicalize_and_group(unsecured, factory, {"mandatory": mandatory_pointers}, loader=loader)
    group = grouped.groups["mandatory"]
    mandatory = [group.matching[i] for i in sorted(group.matching)]
    non_mandatory = [group.non_matching[i] for i in sorted(group.non_matching)]
    # Hashing (§3.4.3): proofHash and mandatoryHash.
    proof_hash = _proof_hash(proof_config_, loader)
    mandatory_hash = hash_mandatory_nquads(mandatory)
    # Serialization (§3.4.4): BBS Sign with header proofHash || mandatoryHash.
    bbs_header = proof_hash + mandatory_hash
    messages = [nq.encode("utf-8") for nq in non_mandatory]
    signature = bbs.sign(key.secret_key, key.public_key, bbs_header, messages, suite=bbs.BLS12381_SHA256)
    return serialize_base_proof_value(signature, bbs_header, key.public_key, hmac_key, mandatory_pointers)


# ---------------------------------------------------------------------------------------------
# Derived proof (holder)


@dataclass(frozen=True, slots=True)
class DisclosureData:
    """createDisclosureData's result (vc-di-bbs §3.3.3)."""

    bbs_proof: bytes
    label_map: dict[str, str]
    mandatory_indexes: list[int]
    selective_indexes: list[int]
    presentation_header: bytes
    reveal_document: dict[str, Any]


def create_disclosure_data(
    document: Mapping[str, Any],
    proof: Mapping[str, Any],
    selective_pointers: Sequence[str],
    *,
    loader: DocumentLoader,
    presentation_header: bytes = b"",
    rng: Callable[[int], bytes] = os.urandom,
) -> DisclosureData:
    """vc-di-bbs 'createDisclosureData' (§3.3.3). ``document`` has no proof."""
    if not isinstance(presentation_header, bytes):
        raise InvalidInput("presentation header must be bytes", code="bbs.presentation_header")
    # 1. Parse the base proof.
    base = parse_base_proof_value(proof.get("proofValue"))
    mandatory_pointers = list(base.mandatory_pointers)
    selective_pointers = list(selective_pointers)
    # 2. Something must be disclosed.
    if not mandatory_pointers and not selective_pointers:
        raise InvalidInput("nothing selected for disclosure", code="bbs.nothing_disclosed")
    # 3. The issuer's HMAC label map function.
    factory = create_shuffled_id_label_map_function(base.hmac_key)
    # 4. canonicalizeAndGroup: mandatory, selective, combined.
    combined_pointers = mandatory_pointers + selective_pointers
    grouped = canonicalize_and_group(
        document,
        factory,
        {"mandatory": mandatory_pointers, "selective": selective_pointers, "combined": combined_pointers},
        loader=loader,
    )
    mandatory_group = grouped.groups["mandatory"]
    selective_group = grouped.groups["selective"]
    combined_group = grouped.groups["combined"]
    # 5. Mandatory indexes relative to the combined (revealed) N-Quads.
    mandatory_indexes = [
        rel
        for rel, absolute in enumerate(sorted(combined_group.matching))
        if absolute in mandatory_group.matching
    ]
    # 6. Selective indexes relative to the non-mandatory N-Quads (the BBS message indexes).
    selective_indexes = [
        rel
        for rel, absolute in enumerate(sorted(mandatory_group.non_matching))
        if absolute in selective_group.matching
    ]
    # 7. BBS messages: every non-mandatory N-Quad.
    messages = [mandatory_group.non_matching[i].encode("utf-8") for i in sorted(mandatory_group.non_matching)]
    # 8. The reveal document.
    reveal = select_json_ld(document, combined_pointers)
    if reveal is None:  # pragma: no cover - guarded by step 2
        raise InvalidInput("nothing selected for disclosure", code="bbs.nothing_disclosed")
    # 9. Canonical labels the verifier will compute for the combined N-Quads.
    canonical_id_map = canonicalize(combined_group.deskolemized_nquads).issued
    # 10. Map the verifier's canonical labels to the HMAC labels.
    verifier_label_map = {
        c14n: grouped.label_map[input_label] for input_label, c14n in canonical_id_map.items()
    }
    # 11. The BBS proof.
    bbs_proof = bbs.proof_gen(
        base.public_key,
        base.bbs_signature,
        base.bbs_header,
        presentation_header,
        messages,
        selective_indexes,
        suite=bbs.BLS12381_SHA256,
        rng=rng,
    )
    # 12. Everything the holder's proof needs.
    return DisclosureData(
        bbs_proof=bbs_proof,
        label_map=verifier_label_map,
        mandatory_indexes=mandatory_indexes,
        selective_indexes=selective_indexes,
        presentation_header=presentation_header,
        reveal_document=reveal,
    )


def derive(
    document: Mapping[str, Any],
    *,
    selective_pointers: Sequence[str],
    loader: DocumentLoader,
    presentation_header: bytes = b"",
    rng: Callable[[int], bytes] = os.urandom,
    proof_id: str | None = None,
) -> dict[str, Any]:
    """vc-di-bbs "Add Derived Proof": reveal the mandatory claims plus ``selective_pointers``.

    ``document`` carries a ``bbs-2023`` base proof (among possibly others; ``proof_id`` picks
    one when several match). The result is the reveal document with one derived proof.
    """
    proofs = [p for p in get_proofs(document) if p.get("cryptosuite") == NAME]
    if proof_id is not None:
        proofs = [p for p in proofs if p.get("id") == proof_id]
    if not proofs:
        raise InvalidInput("no bbs-2023 base proof to derive from", code="bbs.no_base_proof", at="/proof")
    if len(proofs) > 1:
        raise InvalidInput("several bbs-2023 proofs; pass proof_id", code="bbs.ambiguous_proof", at="/proof")
    base_proof = proofs[0]
    if base_proof.get("type") != DATA_INTEGRITY_PROOF:
        raise InvalidInput("base proof is not a DataIntegrityProof", code="proof.type", at="/proof/type")
    unsecured = {k: v for k, v in document.items() if k != "proof"}
    data = create_disclosure_data(
        unsecured,
        base_proof,
        selective_pointers,
        loader=loader,
        presentation_header=presentation_header,
        rng=rng,
    )
    new_proof = {k: copy.deepcopy(v) for k, v in base_proof.items() if k != "@context"}
    new_proof["proofValue"] = serialize_derived_proof_value(
        data.bbs_proof,
        data.label_map,
        data.mandatory_indexes,
        data.selective_indexes,
        data.presentation_header,
    )
    reveal = dict(data.reveal_document)
    reveal["proof"] = new_proof
    return reveal


# ---------------------------------------------------------------------------------------------
# Verification (verifier)


@dataclass(frozen=True, slots=True)
class VerifyData:
    """createVerifyData's result (vc-di-bbs §3.3.6)."""

    bbs_proof: bytes
    proof_hash: bytes
    mandatory_hash: bytes
    non_mandatory: list[str]
    selective_indexes: tuple[int, ...]
    presentation_header: bytes


def create_verify_data(
    unsecured: Mapping[str, Any], proof: Mapping[str, Any], *, loader: DocumentLoader
) -> VerifyData:
    """vc-di-bbs 'createVerifyData' (§3.3.6)."""
    # 1. proofHash over the proof configuration.
    proof_hash = _proof_hash(proof_config(unsecured, proof), loader)
    # 2. Parse the derived proofValue (a base proof is refused here).
    parsed = parse_derived_proof_value(proof.get("proofValue"))
    # 3. Canonicalize the reveal document with the label map.
    factory = create_label_map_function(parsed.label_map)
    nquads = label_replacement_canonicalize_json_ld(unsecured, factory, loader=loader)
    if parsed.mandatory_indexes and parsed.mandatory_indexes[-1] >= len(nquads):
        raise InvalidInput("mandatoryIndexes out of range", code="bbs.proof_value", at="mandatoryIndexes")
    # 4. Split into mandatory and non-mandatory.
    mandatory_set = set(parsed.mandatory_indexes)
    mandatory = [nq for i, nq in enumerate(nquads) if i in mandatory_set]
    non_mandatory = [nq for i, nq in enumerate(nquads) if i not in mandatory_set]
    # 5. mandatoryHash.
    return VerifyData(
        bbs_proof=parsed.bbs_proof,
        proof_hash=proof_hash,
        mandatory_hash=hash_mandatory_nquads(mandatory),
        non_mandatory=non_mandatory,
        selective_indexes=parsed.selective_indexes,
        presentation_header=parsed.presentation_header,
    )


def verify_derived_proof(
    unsecured: Mapping[str, Any],
    proof: Mapping[str, Any],
    public_key: bytes,
    *,
    loader: DocumentLoader,
    presentation_header: bytes | None = None,
) -> None:
    """vc-di-bbs "Verify Derived Proof"; raises :class:`VerificationError` when invalid."""
    raw = proof.get("proofValue")
    if isinstance(raw, str) and raw.startswith("u") and len(raw) >= 5:
        try:
            head = b64url_decode(raw[1:5], at="proofValue")  # 4 characters = the 3 header bytes
        except InvalidInput:
            head = b""
        if head == BASE_PROOF_HEADER:
            raise VerificationError(
                "a bbs-2023 base proof cannot be verified; the holder must derive a proof",
                code="bbs.base_proof",
                at="proofValue",
            )
    data = create_verify_data(unsecured, proof, loader=loader)
    if presentation_header is not None and not _hmac.compare_digest(
        data.presentation_header, presentation_header
    ):
        raise VerificationError("presentation header does not match", code="bbs.presentation_header")
    if len(data.non_mandatory) != len(data.selective_indexes):
        raise VerificationError(
            "number of disclosed messages does not match selectiveIndexes", code="bbs.disclosed_count"
        )
    # BBS ProofVerify with header proofHash || mandatoryHash.
    try:
        bbs.proof_verify(
            public_key,
            data.bbs_proof,
            data.proof_hash + data.mandatory_hash,
            data.presentation_header,
            [nq.encode("utf-8") for nq in data.non_mandatory],
            list(data.selective_indexes),
            suite=bbs.BLS12381_SHA256,
        )
    except InvalidInput as exc:
        raise VerificationError(f"BBS proof is malformed: {exc.message}", code="bbs.proof_invalid") from exc


class Bbs2023Suite:
    """``bbs-2023`` as a :class:`~didkit_py.suites.data_integrity.proof.Cryptosuite`."""

    name = NAME
    key_types = frozenset({KeyType.BLS12381G2})

    def create_proof_value(
        self,
        unsecured: Mapping[str, Any],
        proof_config: Mapping[str, Any],
        key: KeyPair,
        *,
        loader: DocumentLoader,
        options: Mapping[str, Any],
    ) -> str:
        return create_base_proof(
            unsecured,
            proof_config,
            key,
            options.get("mandatory_pointers") or (),
            loader=loader,
            hmac_key=options.get("hmac_key"),
        )

    def verify_proof_value(
        self,
        unsecured: Mapping[str, Any],
        proof: Mapping[str, Any],
        key_type: KeyType,
        public_key: bytes,
        *,
        loader: DocumentLoader,
        options: Mapping[str, Any],
    ) -> None:
        verify_derived_proof(
            unsecured,
            proof,
            public_key,
            loader=loader,
            presentation_header=options.get("presentation_header"),
        )


#: The suite object registered under ``bbs-2023``.
BBS_2023 = Bbs2023Suite()
