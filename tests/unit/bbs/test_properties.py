"""Property tests: tampering always fails, garbage never crashes, proofs do not link.

Budgets are small and the native backend is used (the reference backend runs the vectors and
a few examples here), so the whole file stays within a few seconds.
"""

from __future__ import annotations

import random
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py import bbs
from didkit_py.bbs import BLS12381_SHA256, BLS12381_SHAKE256, Ciphersuite
from didkit_py.bbs.backends import get_backend
from didkit_py.errors import InvalidInput, VerificationError

SUITES = [BLS12381_SHA256, BLS12381_SHAKE256]
MSGS = [b"name: Alice", b"birth: 1990-01-01", b"", b"city: Paris", b"\x00\x01\x02"]
DISCLOSED = [0, 3]
HEADER, PH = b"issuer header", b"verifier nonce 123"


@cache
def _material(suite_name: str) -> tuple[bytes, bytes, bytes, bytes]:
    suite = bbs.get_ciphersuite(suite_name)
    sk = bbs.keygen(random.Random(suite_name).randbytes(32), suite=suite)
    pk = bbs.sk_to_pk(sk, suite=suite)
    sig = bbs.sign(sk, pk, HEADER, MSGS, suite=suite)
    proof = bbs.proof_gen(pk, sig, HEADER, PH, MSGS, DISCLOSED, suite=suite, rng=random.Random(1).randbytes)
    return sk, pk, sig, proof


def _flip(data: bytes, bit: int) -> bytes:
    i, b = divmod(bit % (8 * len(data)), 8)
    return data[:i] + bytes([data[i] ^ (1 << b)]) + data[i + 1 :]


suites = st.sampled_from(SUITES)


@settings(max_examples=60, deadline=None)
@given(suite=suites, bit=st.integers(min_value=0))
def test_any_bit_flip_in_signature_fails(suite: Ciphersuite, bit: int) -> None:
    _, pk, sig, _ = _material(suite.name)
    with pytest.raises((VerificationError, InvalidInput)):
        bbs.verify(pk, _flip(sig, bit), HEADER, MSGS, suite=suite)


@settings(max_examples=60, deadline=None)
@given(suite=suites, bit=st.integers(min_value=0))
def test_any_bit_flip_in_proof_fails(suite: Ciphersuite, bit: int) -> None:
    _, pk, _, proof = _material(suite.name)
    with pytest.raises((VerificationError, InvalidInput)):
        bbs.proof_verify(
            pk, _flip(proof, bit), HEADER, PH, [MSGS[i] for i in DISCLOSED], DISCLOSED, suite=suite
        )


@settings(max_examples=40, deadline=None)
@given(suite=suites, which=st.sampled_from(["header", "ph", "message"]), bit=st.integers(min_value=0))
def test_any_bit_flip_in_header_ph_or_disclosed_message_fails(
    suite: Ciphersuite, which: str, bit: int
) -> None:
    _, pk, sig, proof = _material(suite.name)
    header, ph, disclosed = HEADER, PH, [MSGS[i] for i in DISCLOSED]
    if which == "header":
        header = _flip(header, bit)
        with pytest.raises(VerificationError):
            bbs.verify(pk, sig, header, MSGS, suite=suite)
    elif which == "ph":
        ph = _flip(ph, bit)
    else:
        disclosed = [_flip(disclosed[0], bit), disclosed[1]]
        msgs = list(MSGS)
        msgs[DISCLOSED[0]] = disclosed[0]
        with pytest.raises(VerificationError):
            bbs.verify(pk, sig, header, msgs, suite=suite)
    with pytest.raises(VerificationError):
        bbs.proof_verify(pk, proof, header, ph, disclosed, DISCLOSED, suite=suite)


@settings(max_examples=40, deadline=None)
@given(suite=suites, extra=st.binary(max_size=8), position=st.integers(min_value=0, max_value=5))
def test_changing_the_message_list_fails(suite: Ciphersuite, extra: bytes, position: int) -> None:
    _, pk, sig, _ = _material(suite.name)
    msgs = list(MSGS)
    msgs.insert(position, extra)
    with pytest.raises(VerificationError):
        bbs.verify(pk, sig, HEADER, msgs, suite=suite)


@settings(max_examples=80, deadline=None)
@given(suite=suites, pk=st.one_of(st.binary(min_size=96, max_size=96), st.binary(max_size=200)))
def test_random_public_key_is_invalid_input(suite: Ciphersuite, pk: bytes) -> None:
    _, _, sig, proof = _material(suite.name)
    with pytest.raises(InvalidInput):
        bbs.verify(pk, sig, HEADER, MSGS, suite=suite)
    with pytest.raises(InvalidInput):
        bbs.proof_verify(pk, proof, HEADER, PH, [MSGS[i] for i in DISCLOSED], DISCLOSED, suite=suite)


@settings(max_examples=80, deadline=None)
@given(
    suite=suites,
    proof=st.one_of(
        st.binary(max_size=600),
        st.integers(min_value=0, max_value=6).flatmap(
            lambda u: st.binary(min_size=272 + 32 * u, max_size=272 + 32 * u)
        ),
    ),
)
def test_random_proof_is_invalid_input(suite: Ciphersuite, proof: bytes) -> None:
    _, pk, _, _ = _material(suite.name)
    with pytest.raises(InvalidInput):
        bbs.proof_verify(pk, proof, HEADER, PH, [MSGS[0]], [0], suite=suite)


@settings(max_examples=60, deadline=None)
@given(sig=st.binary(max_size=120))
def test_random_signature_is_rejected(sig: bytes) -> None:
    _, pk, _, _ = _material(BLS12381_SHA256.name)
    with pytest.raises((InvalidInput, VerificationError)):
        bbs.verify(pk, sig, HEADER, MSGS)


@pytest.mark.parametrize("backend", ["native", "reference"])
def test_reference_and_native_reject_random_bytes_alike(backend: str) -> None:
    rnd = random.Random(5)
    _, pk, sig, _ = _material(BLS12381_SHA256.name)
    for _ in range(5):
        with pytest.raises(InvalidInput):
            bbs.verify(rnd.randbytes(96), sig, HEADER, MSGS, backend=backend)
        with pytest.raises(InvalidInput):
            bbs.proof_verify(pk, rnd.randbytes(272 + 64), HEADER, PH, [MSGS[0]], [0], backend=backend)


@settings(max_examples=100, deadline=None)
@given(data=st.binary(min_size=48, max_size=48))
def test_g1_decoding_round_trips_or_rejects(data: bytes) -> None:
    be = get_backend("native")
    try:
        point = be.g1_from_bytes(data)
    except InvalidInput:
        return
    assert be.g1_to_bytes(point) == data


@settings(max_examples=30, deadline=None)
@given(k=st.integers(min_value=1, max_value=2**255), flags=st.sampled_from([0x80, 0xA0]))
def test_g1_decoding_agrees_between_backends(k: int, flags: int) -> None:
    """Valid and invalid encodings alike: the two backends accept exactly the same bytes."""
    native, ref = get_backend("native"), get_backend("reference")
    x = (k % (1 << 381)).to_bytes(48, "big")
    data = bytes([x[0] | flags]) + x[1:]
    results = []
    for be in (native, ref):
        try:
            results.append(be.g1_to_bytes(be.g1_from_bytes(data)))
        except InvalidInput as exc:
            results.append(exc.code)
    assert results[0] == results[1]


@pytest.mark.parametrize("suite", SUITES, ids=["sha256", "shake256"])
def test_two_proofs_of_one_signature_share_nothing(suite: Ciphersuite) -> None:
    """Unlinkability sanity check on the bytes.

    Two proofs from one signature with the same disclosure must look independent: no 8-byte
    substring in common (for independent uniform strings of ~430 bytes the chance of one is
    about 430^2 / 2^64 < 1e-14), no more equal bytes at equal positions than chance allows
    (expected 432/256 ~ 1.7; we allow 16), and no 8-byte substring of the signature itself.
    Seeded randomness makes the test reproducible.
    """
    _, pk, sig, _ = _material(suite.name)
    p1 = bbs.proof_gen(pk, sig, HEADER, PH, MSGS, DISCLOSED, suite=suite, rng=random.Random(11).randbytes)
    p2 = bbs.proof_gen(pk, sig, HEADER, PH, MSGS, DISCLOSED, suite=suite, rng=random.Random(12).randbytes)
    assert len(p1) == len(p2) == 272 + 32 * (len(MSGS) - len(DISCLOSED))
    windows = {p1[i : i + 8] for i in range(len(p1) - 7)}
    assert not any(p2[i : i + 8] in windows for i in range(len(p2) - 7))
    assert sum(a == b for a, b in zip(p1, p2, strict=True)) <= 16
    for proof in (p1, p2):
        assert not any(sig[i : i + 8] in proof for i in range(len(sig) - 7))
        bbs.proof_verify(pk, proof, HEADER, PH, [MSGS[i] for i in DISCLOSED], DISCLOSED, suite=suite)
