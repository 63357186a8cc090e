"""A faster secp256k1 backend for eth-keys, on OpenSSL (``cryptography``), for the dev chain.

py-evm recovers every transaction's sender (and runs the ``ecrecover`` precompile for the
registry's signed calls) through eth-keys. Without ``coincurve`` eth-keys falls back to pure
Python, about 20 ms per recovery, which caps the dev chain near 25 tx/s. Here recovery is
``Q = r⁻¹(s·R − z·G) = u2·(R + (u1/u2)·G)`` with the scalar multiplications done by OpenSSL
(``k·G`` through key derivation, ``x(k·P)`` through ECDH) and one affine addition in Python; of
``±Q`` the one the signature verifies under (OpenSSL ECDSA) is returned. Anything unusual falls back
to the native backend, so results are identical, only faster.
"""

from __future__ import annotations

from typing import Any

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.asymmetric import ec, utils
from eth_keys.backends.native.main import NativeECCBackend

__all__ = ["FastECCBackend"]

_P = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEFFFFFC2F
_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
_CURVE = ec.SECP256K1()


def _lift_x(x: int, odd: int) -> tuple[int, int] | None:
    y2 = (pow(x, 3, _P) + 7) % _P
    y = pow(y2, (_P + 1) // 4, _P)
    if y * y % _P != y2:
        return None
    if y & 1 != odd:
        y = _P - y
    return x, y


def _add(a: tuple[int, int], b: tuple[int, int]) -> tuple[int, int] | None:
    if a[0] == b[0]:
        return None  # doubling or the point at infinity: leave it to the native backend
    lam = (b[1] - a[1]) * pow(b[0] - a[0], -1, _P) % _P
    x = (lam * lam - a[0] - b[0]) % _P
    return x, (lam * (a[0] - x) - a[1]) % _P


def _mul_g(k: int) -> tuple[int, int]:
    pub = ec.derive_private_key(k, _CURVE).public_key().public_numbers()
    return pub.x, pub.y


def _mul_x(k: int, point: tuple[int, int]) -> int:
    peer = ec.EllipticCurvePublicNumbers(point[0], point[1], _CURVE).public_key()
    shared = ec.derive_private_key(k, _CURVE).exchange(ec.ECDH(), peer)
    return int.from_bytes(shared, "big")


def _verifies(q: tuple[int, int], digest: bytes, r: int, s: int) -> bool:
    try:
        key = ec.EllipticCurvePublicNumbers(q[0], q[1], _CURVE).public_key()
        key.verify(utils.encode_dss_signature(r, s), digest, ec.ECDSA(utils.Prehashed(hashes.SHA256())))
    except (InvalidSignature, ValueError):
        return False
    return True


def _recover(digest: bytes, v: int, r: int, s: int) -> bytes | None:
    if not (0 < r < _N and 0 < s < _N and v in (0, 1)):
        return None
    z = int.from_bytes(digest, "big") % _N
    rinv = pow(r, -1, _N)
    u1 = (-z * rinv) % _N
    u2 = (s * rinv) % _N
    big_r = _lift_x(r, v)
    if big_r is None or u1 == 0:
        return None
    # Q = u2·(R + (u1/u2)·G): one full point from OpenSSL, one ECDH for x(Q). Only one of ±Q
    # verifies (the mirror candidate of the naive u1·G ± u2·R split would verify too).
    r_prime = _add(big_r, _mul_g(u1 * pow(u2, -1, _N) % _N))
    if r_prime is None:
        return None
    qx = _mul_x(u2, r_prime)
    for odd in (0, 1):
        q = _lift_x(qx, odd)
        if q is not None and _verifies(q, digest, r, s):
            return q[0].to_bytes(32, "big") + q[1].to_bytes(32, "big")
    return None


class FastECCBackend(NativeECCBackend):  # type: ignore[misc]
    """eth-keys backend: OpenSSL-accelerated ``ecdsa_recover``/``ecdsa_verify``, native otherwise."""

    def ecdsa_recover(self, msg_hash: bytes, signature: Any) -> Any:
        raw = _recover(msg_hash, signature.v, signature.r, signature.s)
        if raw is None:
            return super().ecdsa_recover(msg_hash, signature)
        from eth_keys.datatypes import PublicKey

        return PublicKey(raw, backend=self)

    def ecdsa_verify(self, msg_hash: bytes, signature: Any, public_key: Any) -> bool:
        raw = public_key.to_bytes()
        q = (int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big"))
        try:
            return _verifies(q, msg_hash, signature.r, signature.s)
        except Exception:
            return bool(super().ecdsa_verify(msg_hash, signature, public_key))
