"""Backends: the pure-Python arithmetic against py-ecc, subgroup checks, the generator cache."""

from __future__ import annotations

import random
import threading

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from py_ecc.optimized_bls12_381 import G1, G2, add, multiply, normalize

from didkit_py.bbs import BLS12381_SHA256, BLS12381_SHAKE256, core
from didkit_py.bbs.backends import GeneratorCache, check_point_encoding, get_backend
from didkit_py.bbs.backends import _bls12_381 as A
from didkit_py.bbs.ciphersuites import FIELD_MODULUS
from didkit_py.errors import InvalidInput

RND = random.Random(2024)


def _g1(pt: object) -> tuple[int, int]:
    x, y = normalize(pt)  # type: ignore[arg-type]
    return int(x), int(y)


def _g2(pt: object) -> tuple[A.Fp2, A.Fp2]:
    x, y = normalize(pt)  # type: ignore[arg-type]
    return (int(x.coeffs[0]), int(x.coeffs[1])), (int(y.coeffs[0]), int(y.coeffs[1]))


def test_msm_matches_py_ecc() -> None:
    for n in (1, 2, 7):
        pts = [multiply(G1, RND.randrange(1, A.R)) for _ in range(n)]
        ks = [RND.randrange(A.R) for _ in range(n)]
        ks[0] = 0 if n > 1 else ks[0]
        expected = None
        for p, k in zip(pts, ks, strict=True):
            expected = multiply(p, k) if expected is None else add(expected, multiply(p, k))
        got = A.g1_msm([A.g1_from_affine(*_g1(p)) for p in pts], ks)
        assert A.g1_to_affine(got) == _g1(expected)


def test_g2_mul_matches_py_ecc() -> None:
    k = RND.randrange(A.R)
    got = A.g2_mul(A.g2_from_affine(*A.G2_GEN), k)
    assert A.g2_to_affine(got) == _g2(multiply(G2, k))
    assert _g2(G2) == A.G2_GEN


def test_pairing_check_bilinearity_and_non_degeneracy() -> None:
    a, b = RND.randrange(1, A.R), RND.randrange(1, A.R)
    ap, bq = _g1(multiply(G1, a)), _g2(multiply(G2, b))
    abp = _g1(multiply(G1, a * b % A.R))
    neg_q = (A.G2_GEN[0], (-A.G2_GEN[1][0] % A.P, -A.G2_GEN[1][1] % A.P))
    assert A.pairing_product_is_one([(ap, bq), (abp, neg_q)])
    assert not A.pairing_product_is_one([(ap, bq), (_g1(G1), neg_q)])
    assert not A.pairing_product_is_one([(_g1(G1), A.G2_GEN)])
    assert A.pairing_product_is_one([(None, A.G2_GEN), (_g1(G1), None)])
    # Agrees with the native backend's pairing check on the same relation.
    native = get_backend("native")
    ref = get_backend("reference")
    g1s = [ref.g1_from_bytes(ref.g1_to_bytes(A.g1_from_affine(*p))) for p in (ap, abp)]
    g2s = [A.g2_from_affine(*bq), A.g2_neg(A.g2_from_affine(*A.G2_GEN))]
    assert ref.pairing_check(g1s, g2s)
    n1 = [native.g1_from_bytes(ref.g1_to_bytes(p)) for p in g1s]
    n2 = [native.g2_from_bytes(ref.g2_to_bytes(q)) for q in g2s]
    assert native.pairing_check(n1, n2)


def _off_subgroup_g1() -> bytes:
    """A point on E1 (y^2 = x^3 + 4) outside the order-r subgroup."""
    x = 5
    while True:
        y2 = (x**3 + 4) % FIELD_MODULUS
        y = pow(y2, (FIELD_MODULUS + 1) // 4, FIELD_MODULUS)
        if y * y % FIELD_MODULUS == y2:
            data = bytearray(x.to_bytes(48, "big"))
            data[0] |= 0x80 | (0x20 if y > (FIELD_MODULUS - 1) // 2 else 0)
            if not A.g1_is_inf(A.g1_mul(A.g1_from_affine(x, y), A.R)):
                return bytes(data)
        x += 1


@pytest.mark.parametrize("backend", ["native", "reference"])
def test_points_outside_the_subgroup_are_rejected(backend: str) -> None:
    be = get_backend(backend)
    with pytest.raises(InvalidInput) as err:
        be.g1_from_bytes(_off_subgroup_g1())
    assert err.value.code == "bbs.point_invalid"
    # A point on E2 found by trying x = x0 (real part) until the curve equation has a root; the
    # chance that it lies in G2 is 1/h2 ~ 2^-380, so it must be rejected by the subgroup check.
    from py_ecc.bls.point_compression import decompress_G2

    x0 = 1
    while True:
        data = bytearray(bytes(48) + x0.to_bytes(48, "big"))
        data[0] |= 0x80
        try:
            decompress_G2((int.from_bytes(data[:48], "big"), x0))  # type: ignore[arg-type]
        except ValueError:
            x0 += 1
            continue
        break
    with pytest.raises(InvalidInput) as err:
        be.g2_from_bytes(bytes(data))
    assert err.value.code == "bbs.point_invalid"


@pytest.mark.parametrize(
    "data",
    [
        bytes([0xC0]) + bytes(46) + b"\x01",  # identity with stray bits
        bytes([0xE0]) + bytes(47),  # identity with the sign bit
        bytes([0x40]) + bytes(47),  # uncompressed flag
        bytes(48),
        (FIELD_MODULUS | (1 << 383)).to_bytes(48, "big"),  # x = p
    ],
)
def test_non_canonical_encodings_rejected(data: bytes) -> None:
    with pytest.raises(InvalidInput):
        check_point_encoding(data, 48)
    for name in ("native", "reference"):
        with pytest.raises(InvalidInput):
            get_backend(name).g1_from_bytes(data)


def test_identity_round_trips() -> None:
    inf = bytes([0xC0]) + bytes(47)
    for name in ("native", "reference"):
        be = get_backend(name)
        p = be.g1_from_bytes(inf)
        assert be.g1_is_identity(p)
        assert be.g1_to_bytes(p) == inf


def test_generator_cache_extends_and_bounds() -> None:
    be = get_backend("native")
    suite = BLS12381_SHAKE256
    direct = core.create_generators(13, suite.api_id, suite, be)
    cache = GeneratorCache(max_points=8, max_sequences=1)
    calls = []

    def stream():  # type: ignore[no-untyped-def]
        calls.append(1)
        return core._generator_stream(suite.api_id, suite, be)

    assert cache.get(b"k", 3, stream) == direct[:3]
    assert cache.get(b"k", 6, stream) == direct[:6]
    assert len(calls) == 1  # extended, not recomputed
    assert cache.get(b"k", 13, stream) == direct  # beyond the bound: computed, not cached
    assert len(calls) == 2
    cache.get(b"other", 1, stream)  # evicts "k" (one sequence kept)
    cache.get(b"k", 1, stream)
    assert len(calls) == 4


def test_generator_cache_is_thread_safe() -> None:
    be = get_backend("native")
    suite = BLS12381_SHA256
    cache = GeneratorCache()
    expected = core.create_generators(20, suite.api_id, suite, be)
    results: list[list[object]] = []

    def worker(n: int) -> None:
        results.append(cache.get(b"s", n, lambda: core._generator_stream(suite.api_id, suite, be)))

    threads = [threading.Thread(target=worker, args=(5 + i,)) for i in range(16)]
    for t in threads:
        t.start()
    for t in threads:
        t.join()
    assert all(r == expected[: len(r)] for r in results)


@settings(max_examples=5, deadline=None)
@given(
    seed=st.binary(min_size=32, max_size=32),
    messages=st.lists(st.binary(max_size=24), max_size=4),
    header=st.binary(max_size=16),
    suite=st.sampled_from([BLS12381_SHA256, BLS12381_SHAKE256]),
)
def test_backends_agree_byte_for_byte(
    seed: bytes, messages: list[bytes], header: bytes, suite: object
) -> None:
    """Differential check: same inputs and randomness give the same bytes on both backends."""
    from didkit_py import bbs

    assert isinstance(suite, bbs.Ciphersuite)
    sk = bbs.keygen(seed, suite=suite)
    pk = bbs.sk_to_pk(sk, suite=suite, backend="native")
    assert bbs.sk_to_pk(sk, suite=suite, backend="reference") == pk
    sigs = {b: bbs.sign(sk, pk, header, messages, suite=suite, backend=b) for b in ("native", "reference")}
    assert sigs["native"] == sigs["reference"]
    disclosed = list(range(0, len(messages), 2))
    proofs = {
        b: bbs.proof_gen(
            pk,
            sigs[b],
            header,
            b"ph",
            messages,
            disclosed,
            suite=suite,
            backend=b,
            rng=random.Random(seed).randbytes,
        )
        for b in ("native", "reference")
    }
    assert proofs["native"] == proofs["reference"]
