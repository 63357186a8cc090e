"""Reference backend: pure Python, on py-ecc plus :mod:`._bls12_381`.

py-ecc (``py_ecc.bls``) supplies the ZCash point (de)compression and the RFC 9380 SSWU map with
the 11-isogeny and cofactor clearing; :mod:`._bls12_381` supplies the hot paths in plain
integers: Jacobian group law, subgroup checks (r * P == O), Straus multi-scalar multiplication
and a multi-pairing with one final exponentiation. No native code: this backend runs wherever
Python does and cross-checks the native one on every shared vector.

Points are Jacobian tuples of ints (G1) or of (c0, c1) pairs (G2).
"""

from __future__ import annotations

from collections.abc import Sequence

from py_ecc.bls.hash_to_curve import clear_cofactor_G1, map_to_curve_G1
from py_ecc.bls.point_compression import compress_G1, compress_G2, decompress_G1, decompress_G2
from py_ecc.fields import optimized_bls12_381_FQ as FQ
from py_ecc.fields import optimized_bls12_381_FQ2 as FQ2
from py_ecc.optimized_bls12_381.optimized_curve import add as ecc_add
from py_ecc.optimized_bls12_381.optimized_curve import normalize

from ...errors import InvalidInput
from . import GeneratorCache, check_point_encoding
from . import _bls12_381 as A

__all__ = ["ReferenceBackend"]


class ReferenceBackend:
    """The pure-Python backend. Stateless apart from its generator cache."""

    name = "reference"

    def __init__(self) -> None:
        self.generator_cache = GeneratorCache()
        self._g2 = A.g2_from_affine(*A.G2_GEN)
        self._neg_g2 = A.g2_neg(self._g2)

    # -- G1 ---------------------------------------------------------------------------------
    def g1_from_bytes(self, data: bytes) -> A.Jac1:
        check_point_encoding(data, 48)
        try:
            x, y, z = decompress_G1(int.from_bytes(data, "big"))  # type: ignore[arg-type]
        except ValueError as exc:
            raise InvalidInput("not a point of G1", code="bbs.point_invalid") from exc
        if z == FQ.zero():
            return (1, 1, 0)
        point = A.g1_from_affine(int(x), int(y))
        # subgroup_check: r * P == Identity.
        if not A.g1_is_inf(A.g1_mul(point, A.R)):
            raise InvalidInput("point not in the G1 subgroup", code="bbs.point_invalid")
        return point

    def g1_to_bytes(self, point: A.Jac1) -> bytes:
        aff = A.g1_to_affine(point)
        if aff is None:
            return bytes([0xC0]) + bytes(47)
        z = compress_G1((FQ(aff[0]), FQ(aff[1]), FQ.one()))
        return int(z).to_bytes(48, "big")

    def g1_is_identity(self, point: A.Jac1) -> bool:
        return A.g1_is_inf(point)

    def g1_map_to_curve(self, u0: int, u1: int) -> A.Jac1:
        q = clear_cofactor_G1(ecc_add(map_to_curve_G1(FQ(u0)), map_to_curve_G1(FQ(u1))))
        aff = normalize(q)
        return A.g1_from_affine(int(aff[0]), int(aff[1]))

    def g1_msm(self, points: Sequence[A.Jac1], scalars: Sequence[int]) -> A.Jac1:
        return A.g1_msm(points, scalars)

    # -- G2 ---------------------------------------------------------------------------------
    def g2_from_bytes(self, data: bytes) -> A.Jac2:
        check_point_encoding(data, 96)
        z1, z2 = int.from_bytes(data[:48], "big"), int.from_bytes(data[48:], "big")
        try:
            x, y, z = decompress_G2((z1, z2))  # type: ignore[arg-type]
        except ValueError as exc:
            raise InvalidInput("not a point of G2", code="bbs.point_invalid") from exc
        if z == FQ2.zero():
            return ((1, 0), (1, 0), (0, 0))
        xc, yc = x.coeffs, y.coeffs
        point = A.g2_from_affine((int(xc[0]), int(xc[1])), (int(yc[0]), int(yc[1])))
        if not A.g2_is_inf(A.g2_mul(point, A.R)):
            raise InvalidInput("point not in the G2 subgroup", code="bbs.point_invalid")
        return point

    def g2_to_bytes(self, point: A.Jac2) -> bytes:
        aff = A.g2_to_affine(point)
        if aff is None:
            return bytes([0xC0]) + bytes(95)
        (x0, x1), (y0, y1) = aff
        z1, z2 = compress_G2((FQ2([x0, x1]), FQ2([y0, y1]), FQ2.one()))
        return int(z1).to_bytes(48, "big") + int(z2).to_bytes(48, "big")

    def g2_is_identity(self, point: A.Jac2) -> bool:
        return A.g2_is_inf(point)

    def g2_generator_mul(self, scalar: int) -> A.Jac2:
        return A.g2_mul(self._g2, scalar % A.R)

    def g2_generator(self) -> A.Jac2:
        return self._g2

    def g2_neg_generator(self) -> A.Jac2:
        return self._neg_g2

    # -- pairing ----------------------------------------------------------------------------
    def pairing_check(self, g1s: Sequence[A.Jac1], g2s: Sequence[A.Jac2]) -> bool:
        pairs = [(A.g1_to_affine(p), A.g2_to_affine(q)) for p, q in zip(g1s, g2s, strict=True)]
        return A.pairing_product_is_one(pairs)
