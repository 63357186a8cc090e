"""The BBS Signatures Interface of draft-irtf-cfrg-bbs-signatures, bytes in, bytes out.

``keygen``/``sk_to_pk`` (Key Generation), ``sign``/``verify`` and ``proof_gen``/``proof_verify``
(the Interface's Sign, Verify, ProofGen, ProofVerify), each with the draft's argument order and
``suite`` defaulting to :data:`~.ciphersuites.BLS12381_SHA256`. Every argument is type- and
range-checked here, at the public boundary: malformed input raises :class:`InvalidInput`
(``code`` ``bbs.*``), a signature or proof that does not verify raises
:class:`VerificationError`; ``verify`` and ``proof_verify`` return ``None``.

Beyond the draft's own checks this interface also requires ``disclosed_indexes`` to be strictly
ascending (the draft calls them "in ascending order"; duplicates would make the disclosed
message list ambiguous) and, in ``sign``, that ``pk`` is the public key of ``sk``.
"""

from __future__ import annotations

import hmac
import os
from collections.abc import Callable, Sequence
from functools import partial
from typing import Any

from ..errors import InvalidInput, LimitExceeded
from . import core
from .backends import Backend, get_backend
from .ciphersuites import BLS12381_SHA256, OCTET_SCALAR_LENGTH, Ciphersuite, R, get_ciphersuite, i2osp, os2ip

__all__ = ["MAX_MESSAGES", "keygen", "proof_gen", "proof_verify", "sign", "sk_to_pk", "verify"]

#: Default bound on L, the number of signed messages. Each message needs a generator (a hash to
#: the curve, ~0.3 ms natively) and a term in every MSM, and a verifier learns L from outside
#: input (the proof's length): unbounded, a few megabytes of proof would cost minutes of CPU.
#: Pass ``max_messages=`` to raise it.
MAX_MESSAGES = 4096

_BytesLike = bytes | bytearray | memoryview


def _octets(value: Any, name: str, *, optional: bool = False) -> bytes:
    if value is None and optional:
        return b""
    if isinstance(value, _BytesLike):
        return bytes(value)
    raise InvalidInput(f"{name} must be bytes", code="bbs.type", at=name)


def _messages(value: Any, name: str) -> list[bytes]:
    if value is None:
        return []
    if isinstance(value, str | _BytesLike) or not isinstance(value, Sequence):
        raise InvalidInput(f"{name} must be a sequence of bytes", code="bbs.type", at=name)
    return [_octets(m, f"{name}/{i}") for i, m in enumerate(value)]


def _check_count(count: int, max_messages: int) -> None:
    if count > max_messages:
        raise LimitExceeded(
            f"more than {max_messages} messages (max_messages)", code="bbs.too_many_messages", at="messages"
        )


def _indexes(value: Any, name: str) -> list[int]:
    """Disclosed indexes: a sequence of ints, strictly ascending (hence unique), none negative."""
    if value is None:
        return []
    if isinstance(value, str | _BytesLike) or not isinstance(value, Sequence):
        raise InvalidInput(f"{name} must be a sequence of integers", code="bbs.type", at=name)
    out: list[int] = []
    for pos, i in enumerate(value):
        if isinstance(i, bool) or not isinstance(i, int):
            raise InvalidInput(f"{name} must hold integers", code="bbs.type", at=f"{name}/{pos}")
        if i < 0:
            raise InvalidInput(
                "disclosed index is negative", code="bbs.disclosed_indexes", at=f"{name}/{pos}"
            )
        if out and i <= out[-1]:
            raise InvalidInput(
                "disclosed indexes must be strictly ascending (sorted, no duplicates)",
                code="bbs.disclosed_indexes",
                at=f"{name}/{pos}",
            )
        out.append(i)
    return out


def _secret_scalar(sk: Any) -> int:
    sk = _octets(sk, "sk")
    if len(sk) != OCTET_SCALAR_LENGTH:
        raise InvalidInput("secret key must be 32 octets", code="bbs.secret_key", at="sk")
    value = os2ip(sk)
    if not 0 < value < R:
        raise InvalidInput("secret key out of range [1, r-1]", code="bbs.secret_key", at="sk")
    return value


def keygen(
    key_material: bytes,
    key_info: bytes = b"",
    key_dst: bytes | None = None,
    *,
    suite: Ciphersuite | str = BLS12381_SHA256,
) -> bytes:
    """Draft KeyGen: derive a 32-octet secret key from at least 32 octets of key material.

    ``key_dst`` defaults to ``api_id || "KEYGEN_DST_"``. Deterministic: the same material,
    info and DST give the same key, so the material must be secret and uniformly random.
    """
    cs = get_ciphersuite(suite)
    key_material = _octets(key_material, "key_material")
    key_info = _octets(key_info, "key_info", optional=True)
    # (key_dst default) key_dst = api_id || "KEYGEN_DST_"
    key_dst = cs.api_id + b"KEYGEN_DST_" if key_dst is None else _octets(key_dst, "key_dst")
    # 1. if length(key_material) < 32, return INVALID
    if len(key_material) < 32:
        raise InvalidInput(
            "key material must be at least 32 octets", code="bbs.key_material", at="key_material"
        )
    # 2. if length(key_info) > 65535, return INVALID
    if len(key_info) > 65535:
        raise InvalidInput("key_info longer than 65535 octets", code="bbs.key_info", at="key_info")
    # 3. derive_input = key_material || I2OSP(length(key_info), 2) || key_info
    derive_input = key_material + i2osp(len(key_info), 2) + key_info
    # 4. SK = hash_to_scalar(derive_input, key_dst)
    sk = core.hash_to_scalar(derive_input, key_dst, cs)
    # 5. if SK is INVALID, return INVALID (0 is not a usable key; probability 2^-255)
    if sk == 0:
        raise InvalidInput("key material yields the zero scalar", code="bbs.key_material")
    # 6. return SK
    return i2osp(sk, OCTET_SCALAR_LENGTH)


def sk_to_pk(
    sk: bytes, *, suite: Ciphersuite | str = BLS12381_SHA256, backend: Backend | str | None = None
) -> bytes:
    """Draft SkToPk: W = SK * BP2, as a 96-octet compressed G2 point."""
    get_ciphersuite(suite)
    be = get_backend(backend)
    # 1. W = SK * BP2; 2. return point_to_octets_g2(W)
    return be.g2_to_bytes(be.g2_generator_mul(_secret_scalar(sk)))


def sign(
    sk: bytes,
    pk: bytes,
    header: bytes | None,
    messages: Sequence[bytes] | None,
    *,
    suite: Ciphersuite | str = BLS12381_SHA256,
    backend: Backend | str | None = None,
    max_messages: int = MAX_MESSAGES,
) -> bytes:
    """Draft Sign: an 80-octet signature over ``header`` and ``messages``."""
    cs = get_ciphersuite(suite)
    be = get_backend(backend)
    sk_int = _secret_scalar(sk)
    pk = _octets(pk, "pk")
    header = _octets(header, "header", optional=True)
    msgs = _messages(messages, "messages")
    _check_count(len(msgs), max_messages)
    # PK must be SkToPk(SK). Comparing encodings also validates PK: the encoding of SK * BP2 is
    # canonical and in G2, so no separate octets_to_pubkey is needed.
    if not hmac.compare_digest(be.g2_to_bytes(be.g2_generator_mul(sk_int)), pk):
        raise InvalidInput("pk is not the public key of sk", code="bbs.key_mismatch", at="pk")
    # 1. message_scalars = messages_to_scalars(messages, api_id)
    api_id = cs.api_id
    message_scalars = core.messages_to_scalars(msgs, api_id, cs)
    # 2. generators = create_generators(length(messages) + 1, api_id)
    generators = core.generators_for(len(msgs) + 1, api_id, cs, be)
    # 3. signature = CoreSign(SK, PK, generators, header, message_scalars, api_id)
    return core.core_sign(sk_int, pk, generators, header, message_scalars, api_id, cs, be)


def verify(
    pk: bytes,
    signature: bytes,
    header: bytes | None,
    messages: Sequence[bytes] | None,
    *,
    suite: Ciphersuite | str = BLS12381_SHA256,
    backend: Backend | str | None = None,
    max_messages: int = MAX_MESSAGES,
) -> None:
    """Draft Verify. Returns ``None``; raises :class:`VerificationError` if invalid."""
    cs = get_ciphersuite(suite)
    be = get_backend(backend)
    pk = _octets(pk, "pk")
    signature = _octets(signature, "signature")
    header = _octets(header, "header", optional=True)
    msgs = _messages(messages, "messages")
    _check_count(len(msgs), max_messages)
    api_id = cs.api_id
    # 1. message_scalars = messages_to_scalars(messages, api_id)
    message_scalars = core.messages_to_scalars(msgs, api_id, cs)
    # 2. generators = create_generators(length(messages) + 1, api_id)
    generators = core.generators_for(len(msgs) + 1, api_id, cs, be)
    # 3. result = CoreVerify(PK, signature, generators, header, message_scalars, api_id)
    core.core_verify(pk, signature, generators, header, message_scalars, api_id, cs, be)


def proof_gen(
    pk: bytes,
    signature: bytes,
    header: bytes | None,
    ph: bytes | None,
    messages: Sequence[bytes] | None,
    disclosed_indexes: Sequence[int] | None,
    *,
    suite: Ciphersuite | str = BLS12381_SHA256,
    rng: Callable[[int], bytes] = os.urandom,
    backend: Backend | str | None = None,
    max_messages: int = MAX_MESSAGES,
) -> bytes:
    """Draft ProofGen: a proof of knowledge of ``signature`` disclosing ``disclosed_indexes``.

    ``rng(n)`` supplies the randomness (``os.urandom``); tests inject a deterministic source to
    reproduce the draft's vectors. The proof is 272 + 32 * U octets for U undisclosed messages.
    Every public function takes ``max_messages`` (default :data:`MAX_MESSAGES`): more messages
    raise :class:`~didkit_py.errors.LimitExceeded` before any costly work.
    """
    cs = get_ciphersuite(suite)
    be = get_backend(backend)
    pk = _octets(pk, "pk")
    signature = _octets(signature, "signature")
    header = _octets(header, "header", optional=True)
    ph = _octets(ph, "ph", optional=True)
    msgs = _messages(messages, "messages")
    _check_count(len(msgs), max_messages)
    indexes = _indexes(disclosed_indexes, "disclosed_indexes")
    if indexes and indexes[-1] >= len(msgs):
        raise InvalidInput(
            "disclosed index out of range", code="bbs.disclosed_indexes", at="disclosed_indexes"
        )
    if not callable(rng):
        raise InvalidInput("rng must be callable", code="bbs.type", at="rng")
    # The public key enters the proof only through the domain, but a proof for a key that is
    # not a valid G2 point could never verify: reject it here as the verifier would.
    core.octets_to_pubkey(pk, be)
    api_id = cs.api_id
    # 1. message_scalars = messages_to_scalars(messages, api_id)
    message_scalars = core.messages_to_scalars(msgs, api_id, cs)
    # 2. generators = create_generators(length(messages) + 1, api_id)
    generators = core.generators_for(len(msgs) + 1, api_id, cs, be)
    # 3. proof = CoreProofGen(PK, signature, generators, header, ph, message_scalars,
    #                         disclosed_indexes, api_id)
    return core.core_proof_gen(
        pk,
        signature,
        generators,
        header,
        ph,
        message_scalars,
        indexes,
        api_id,
        cs,
        be,
        partial(core.calculate_random_scalars, rng=rng),
    )


def proof_verify(
    pk: bytes,
    proof: bytes,
    header: bytes | None,
    ph: bytes | None,
    disclosed_messages: Sequence[bytes] | None,
    disclosed_indexes: Sequence[int] | None,
    *,
    suite: Ciphersuite | str = BLS12381_SHA256,
    backend: Backend | str | None = None,
    max_messages: int = MAX_MESSAGES,
) -> None:
    """Draft ProofVerify. Returns ``None``; raises :class:`VerificationError` if invalid."""
    cs = get_ciphersuite(suite)
    be = get_backend(backend)
    pk = _octets(pk, "pk")
    proof = _octets(proof, "proof")
    header = _octets(header, "header", optional=True)
    ph = _octets(ph, "ph", optional=True)
    msgs = _messages(disclosed_messages, "disclosed_messages")
    indexes = _indexes(disclosed_indexes, "disclosed_indexes")
    # 1. proof_len_floor = 3 * octet_point_length + 4 * octet_scalar_length
    # 2. if length(proof) < proof_len_floor, return INVALID
    if len(proof) < core.PROOF_LEN_FLOOR:
        raise InvalidInput("proof too short", code="bbs.proof_length", at="proof")
    # 3. U = floor((length(proof) - proof_len_floor) / octet_scalar_length)
    # 4. total_no_messages = length(disclosed_indexes) + U
    u = (len(proof) - core.PROOF_LEN_FLOOR) // OCTET_SCALAR_LENGTH
    total = len(indexes) + u
    _check_count(total, max_messages)
    if len(msgs) != len(indexes):
        raise InvalidInput(
            "need one disclosed message per disclosed index",
            code="bbs.disclosed_messages",
            at="disclosed_messages",
        )
    if indexes and indexes[-1] >= total:
        raise InvalidInput(
            "disclosed index out of range", code="bbs.disclosed_indexes", at="disclosed_indexes"
        )
    api_id = cs.api_id
    # 5. message_scalars = messages_to_scalars(disclosed_messages, api_id)
    message_scalars = core.messages_to_scalars(msgs, api_id, cs)
    # 6. generators = create_generators(total_no_messages + 1, api_id)
    generators = core.generators_for(total + 1, api_id, cs, be)
    # 7. result = CoreProofVerify(PK, proof, generators, header, ph, message_scalars,
    #                             disclosed_indexes, api_id)
    core.core_proof_verify(pk, proof, generators, header, ph, message_scalars, indexes, api_id, cs, be)
