"""BBS ciphersuites (draft-irtf-cfrg-bbs-signatures, "Ciphersuites") and their hash-to-field primitives.

A ciphersuite fixes the curve (BLS12-381, public keys in G2, signatures in G1), the
``expand_message`` variant of RFC 9380 §5.3 and the base point ``P1``. The values here are those
of drafts -06 … -09, which the shared vectors in ``vectors/bbs/`` pin: ``api_id`` is
``ciphersuite_id || "H2G_HM2S_"``.

Everything here is pure Python (``hashlib``): the backends only do group arithmetic.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from types import MappingProxyType

from ..errors import InvalidInput

__all__ = [
    "BLS12381_SHA256",
    "BLS12381_SHAKE256",
    "CIPHERSUITES",
    "FIELD_MODULUS",
    "OCTET_POINT_LENGTH",
    "OCTET_SCALAR_LENGTH",
    "Ciphersuite",
    "R",
    "expand_message_xmd",
    "expand_message_xof",
    "get_ciphersuite",
    "hash_to_field_fp",
    "i2osp",
    "os2ip",
]

#: r, the prime order of G1, G2 and GT (the BLS12-381 ciphersuites' "r").
R = 0x73EDA753299D7D483339D80809A1D80553BDA402FFFE5BFEFFFFFFFF00000001
#: p, the characteristic of the base field of BLS12-381.
FIELD_MODULUS = int(
    "1a0111ea397fe69a4b1ba7b6434bacd764774b84f38512bf6730d2a0f6b0f6241eabfffeb153ffffb9feffffffffaaab", 16
)
#: octet_scalar_length and octet_point_length (32 and 48: compressed G1 points).
OCTET_SCALAR_LENGTH = 32
OCTET_POINT_LENGTH = 48
#: expand_len of the ciphersuites: ceil((ceil(log2(r)) + k) / 8) = 48 for k = 128.
EXPAND_LEN = 48
#: L of RFC 9380 hash_to_field for BLS12-381 G1: ceil((ceil(log2(p)) + k) / 8) = 64.
_H2F_L = 64


def i2osp(value: int, length: int) -> bytes:
    """RFC 8017 §4.1 I2OSP: big-endian, fixed length (raises ``OverflowError`` if it does not fit)."""
    return value.to_bytes(length, "big")


def os2ip(octets: bytes) -> int:
    """RFC 8017 §4.2 OS2IP."""
    return int.from_bytes(octets, "big")


def _check_dst(dst: bytes) -> None:
    # RFC 9380 §5.3.3: a DST longer than 255 octets must be hashed by the caller first; BBS
    # never does that, so for BBS such a DST is simply invalid.
    if len(dst) > 255:
        raise InvalidInput("domain separation tag longer than 255 octets", code="bbs.dst")


def expand_message_xmd(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """RFC 9380 §5.3.1 expand_message_xmd with SHA-256 (b_in_bytes = 32, s_in_bytes = 64)."""
    _check_dst(dst)
    # 1. ell = ceil(len_in_bytes / b_in_bytes); 2. ABORT if ell > 255 or len_in_bytes > 65535.
    ell = -(-len_in_bytes // 32)
    if ell > 255 or len_in_bytes > 65535 or len_in_bytes <= 0:
        raise InvalidInput("expand_message_xmd output length out of range", code="bbs.expand_len")
    # 3. DST_prime = DST || I2OSP(len(DST), 1); 4. Z_pad; 5. l_i_b_str.
    dst_prime = dst + i2osp(len(dst), 1)
    # 6. msg_prime = Z_pad || msg || l_i_b_str || I2OSP(0, 1) || DST_prime; 7. b_0 = H(msg_prime).
    b_0 = hashlib.sha256(bytes(64) + msg + i2osp(len_in_bytes, 2) + b"\x00" + dst_prime).digest()
    # 8. b_1 = H(b_0 || I2OSP(1, 1) || DST_prime)
    b_i = hashlib.sha256(b_0 + b"\x01" + dst_prime).digest()
    out = [b_i]
    # 9.-10. b_i = H(strxor(b_0, b_(i - 1)) || I2OSP(i, 1) || DST_prime)
    b0_int = int.from_bytes(b_0, "big")
    for i in range(2, ell + 1):
        mixed = (b0_int ^ int.from_bytes(b_i, "big")).to_bytes(32, "big")
        b_i = hashlib.sha256(mixed + i2osp(i, 1) + dst_prime).digest()
        out.append(b_i)
    # 11.-12. uniform_bytes = b_1 || ... || b_ell, truncated.
    return b"".join(out)[:len_in_bytes]


def expand_message_xof(msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
    """RFC 9380 §5.3.2 expand_message_xof with SHAKE-256."""
    _check_dst(dst)
    # 1. ABORT if len_in_bytes > 65535 or len(DST) > 255.
    if len_in_bytes > 65535 or len_in_bytes <= 0:
        raise InvalidInput("expand_message_xof output length out of range", code="bbs.expand_len")
    # 2. DST_prime = DST || I2OSP(len(DST), 1); 3. msg_prime = msg || I2OSP(len_in_bytes, 2) || DST_prime.
    msg_prime = msg + i2osp(len_in_bytes, 2) + dst + i2osp(len(dst), 1)
    # 4. uniform_bytes = H(msg_prime, len_in_bytes)
    return hashlib.shake_256(msg_prime).digest(len_in_bytes)


ExpandMessage = Callable[[bytes, bytes, int], bytes]


def hash_to_field_fp(msg: bytes, dst: bytes, count: int, expand_message: ExpandMessage) -> list[int]:
    """RFC 9380 §5.2 hash_to_field for F_p (m = 1, L = 64), with the suite's expand_message."""
    uniform = expand_message(msg, dst, count * _H2F_L)
    return [os2ip(uniform[i * _H2F_L : (i + 1) * _H2F_L]) % FIELD_MODULUS for i in range(count)]


@dataclass(frozen=True, slots=True)
class Ciphersuite:
    """One BBS ciphersuite: its identifier, hash and base point ``P1``."""

    #: Human name, as in the draft and in ``@digitalbazaar/bbs-signatures`` ("BLS12-381-SHA-256").
    name: str
    #: ciphersuite_id, e.g. ``b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_"``.
    ciphersuite_id: bytes
    #: "xmd" (SHA-256) or "xof" (SHAKE-256): which RFC 9380 expand_message the suite uses.
    expand_kind: str
    #: P1, the fixed G1 base point of the suite, compressed; it equals create_generators(1) with
    #: generator_seed = api_id || "BP_MESSAGE_GENERATOR_SEED" (checked by the vector tests).
    p1: bytes

    @property
    def api_id(self) -> bytes:
        """api_id of the BBS Signatures Interface: ``ciphersuite_id || "H2G_HM2S_"``."""
        return self.ciphersuite_id + b"H2G_HM2S_"

    def expand_message(self, msg: bytes, dst: bytes, len_in_bytes: int) -> bytes:
        """The suite's expand_message (RFC 9380 §5.3)."""
        if self.expand_kind == "xmd":
            return expand_message_xmd(msg, dst, len_in_bytes)
        return expand_message_xof(msg, dst, len_in_bytes)

    def hash_to_field(self, msg: bytes, dst: bytes, count: int = 2) -> list[int]:
        """RFC 9380 hash_to_field into F_p with this suite's expand_message."""
        return hash_to_field_fp(msg, dst, count, self.expand_message)

    def __repr__(self) -> str:
        return f"Ciphersuite({self.name})"


BLS12381_SHA256 = Ciphersuite(
    name="BLS12-381-SHA-256",
    ciphersuite_id=b"BBS_BLS12381G1_XMD:SHA-256_SSWU_RO_",
    expand_kind="xmd",
    p1=bytes.fromhex(
        "a8ce256102840821a3e94ea9025e4662b205762f9776b3a766c872b948f1fd225e7c59698588e70d11406d161b4e28c9"
    ),
)
BLS12381_SHAKE256 = Ciphersuite(
    name="BLS12-381-SHAKE-256",
    ciphersuite_id=b"BBS_BLS12381G1_XOF:SHAKE-256_SSWU_RO_",
    expand_kind="xof",
    p1=bytes.fromhex(
        "8929dfbc7e6642c4ed9cba0856e493f8b9d7d5fcb0c31ef8fdcd34d50648a56c795e106e9eada6e0bda386b414150755"
    ),
)

#: Suites by name (the draft's and the JS peer's spelling); read-only.
CIPHERSUITES: Mapping[str, Ciphersuite] = MappingProxyType(
    {s.name: s for s in (BLS12381_SHA256, BLS12381_SHAKE256)}
)


def get_ciphersuite(suite: Ciphersuite | str) -> Ciphersuite:
    """Accept a :class:`Ciphersuite` or its name; anything else is :class:`InvalidInput`."""
    if isinstance(suite, Ciphersuite):
        return suite
    if isinstance(suite, str) and suite in CIPHERSUITES:
        return CIPHERSUITES[suite]
    raise InvalidInput(f"unknown BBS ciphersuite (known: {', '.join(CIPHERSUITES)})", code="bbs.ciphersuite")
