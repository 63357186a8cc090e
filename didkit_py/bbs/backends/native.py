"""Native BLS12-381 backend on ``py-arkworks-bls12381`` (Rust arkworks; the ``fast`` extra).

arkworks supplies multi-scalar multiplication, a multi-pairing check with one final
exponentiation, subgroup-checked decompression and the SSWU map (``map_from_fp_be``, which
includes cofactor clearing). hash_to_field runs in Python (:mod:`..ciphersuites`) so that both
the XMD:SHA-256 and the XOF:SHAKE-256 suite share one path: arkworks has no XOF expander.
Canonical-encoding checks run before arkworks sees the bytes, because it accepts non-canonical
encodings of the identity.
"""

from __future__ import annotations

from collections.abc import Sequence

from py_arkworks_bls12381 import GT, G1Point, G2Point, Scalar

from ...errors import InvalidInput
from . import GeneratorCache, check_point_encoding

__all__ = ["NativeBackend"]


class NativeBackend:
    """The arkworks backend. Stateless apart from its generator cache."""

    name = "native"

    def __init__(self) -> None:
        self.generator_cache = GeneratorCache()
        self._identity_g1 = G1Point.identity()
        self._identity_g2 = G2Point.identity()
        self._g2 = G2Point()
        self._neg_g2 = -G2Point()

    # -- G1 ---------------------------------------------------------------------------------
    def g1_from_bytes(self, data: bytes) -> G1Point:
        check_point_encoding(data, 48)
        try:
            # from_compressed_bytes checks the curve equation and the subgroup.
            return G1Point.from_compressed_bytes(data)
        except ValueError as exc:
            raise InvalidInput("not a point of the G1 subgroup", code="bbs.point_invalid") from exc

    def g1_to_bytes(self, point: G1Point) -> bytes:
        return point.to_compressed_bytes()

    def g1_is_identity(self, point: G1Point) -> bool:
        return point == self._identity_g1

    def g1_map_to_curve(self, u0: int, u1: int) -> G1Point:
        q0 = G1Point.map_from_fp_be(u0.to_bytes(48, "big"))
        point = q0 + G1Point.map_from_fp_be(u1.to_bytes(48, "big"))
        # Normalize to affine once (the result is cached as a generator): encoding a projective
        # point costs an inversion every time calculate_domain serializes it.
        return G1Point.from_compressed_bytes_unchecked(point.to_compressed_bytes())

    def g1_msm(self, points: Sequence[G1Point], scalars: Sequence[int]) -> G1Point:
        # Scalar.from_be_bytes is ~20x cheaper than Scalar(int); every scalar is already < r.
        ks = [Scalar.from_be_bytes(s.to_bytes(32, "big")) for s in scalars]
        if len(points) == 1:
            return points[0] * ks[0]
        # "unchecked": no subgroup re-check of the inputs; every point was checked on entry.
        return G1Point.multiexp_unchecked(list(points), ks)

    # -- G2 ---------------------------------------------------------------------------------
    def g2_from_bytes(self, data: bytes) -> G2Point:
        check_point_encoding(data, 96)
        try:
            return G2Point.from_compressed_bytes(data)
        except ValueError as exc:
            raise InvalidInput("not a point of the G2 subgroup", code="bbs.point_invalid") from exc

    def g2_to_bytes(self, point: G2Point) -> bytes:
        return point.to_compressed_bytes()

    def g2_is_identity(self, point: G2Point) -> bool:
        return point == self._identity_g2

    def g2_generator_mul(self, scalar: int) -> G2Point:
        return self._g2 * Scalar.from_be_bytes(scalar.to_bytes(32, "big"))

    def g2_generator(self) -> G2Point:
        return self._g2

    def g2_neg_generator(self) -> G2Point:
        return self._neg_g2

    # -- pairing ----------------------------------------------------------------------------
    def pairing_check(self, g1s: Sequence[G1Point], g2s: Sequence[G2Point]) -> bool:
        return bool(GT.pairing_check(list(g1s), list(g2s)))
