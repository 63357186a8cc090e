"""The public BBS interface: round trips on both backends, and every input rule with its code."""

from __future__ import annotations

import random
from typing import Any

import pytest

from didkit_py import bbs
from didkit_py.bbs import BLS12381_SHA256, BLS12381_SHAKE256, Ciphersuite
from didkit_py.bbs.backends import BACKEND_ENV, get_backend
from didkit_py.bbs.backends.native import NativeBackend
from didkit_py.bbs.backends.reference import ReferenceBackend
from didkit_py.bbs.ciphersuites import R
from didkit_py.errors import InvalidInput, UnsupportedError, VerificationError

SUITES = [pytest.param(BLS12381_SHA256, id="sha256"), pytest.param(BLS12381_SHAKE256, id="shake256")]
BACKENDS = ["native", "reference"]


def _keys(suite: Ciphersuite, seed: int = 1) -> tuple[bytes, bytes]:
    sk = bbs.keygen(random.Random(seed).randbytes(32), suite=suite)
    return sk, bbs.sk_to_pk(sk, suite=suite)


MSGS = [b"first", b"", b"\x00" * 40, b"last message"]


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("suite", SUITES)
def test_round_trip(suite: Ciphersuite, backend: str) -> None:
    sk, pk = _keys(suite)
    assert bbs.sk_to_pk(sk, suite=suite, backend=backend) == pk
    sig = bbs.sign(sk, pk, b"hdr", MSGS, suite=suite, backend=backend)
    assert len(sig) == 80
    assert bbs.verify(pk, sig, b"hdr", MSGS, suite=suite, backend=backend) is None
    proof = bbs.proof_gen(pk, sig, b"hdr", b"ph", MSGS, [1, 3], suite=suite, backend=backend)
    assert len(proof) == 272 + 32 * 2
    assert (
        bbs.proof_verify(pk, proof, b"hdr", b"ph", [MSGS[1], MSGS[3]], [1, 3], suite=suite, backend=backend)
        is None
    )
    other = "reference" if backend == "native" else "native"
    bbs.verify(pk, sig, b"hdr", MSGS, suite=suite, backend=other)
    bbs.proof_verify(pk, proof, b"hdr", b"ph", [MSGS[1], MSGS[3]], [1, 3], suite=suite, backend=other)


@pytest.mark.parametrize("suite", SUITES)
def test_no_messages_and_optional_headers(suite: Ciphersuite) -> None:
    """L = 0 is allowed by the draft; header and ph default to the empty string."""
    sk, pk = _keys(suite)
    sig = bbs.sign(sk, pk, None, [], suite=suite)
    assert sig == bbs.sign(sk, pk, b"", None, suite=suite)
    bbs.verify(pk, sig, b"", [], suite=suite)
    proof = bbs.proof_gen(pk, sig, None, None, [], [], suite=suite)
    assert len(proof) == 272
    bbs.proof_verify(pk, proof, b"", b"", [], [], suite=suite)
    with pytest.raises(VerificationError):
        bbs.verify(pk, sig, b"", [b""], suite=suite)


def test_suite_by_name_and_unknown_suite() -> None:
    sk, pk = _keys(BLS12381_SHAKE256)
    sig = bbs.sign(sk, pk, b"", [b"m"], suite="BLS12-381-SHAKE-256")
    bbs.verify(pk, sig, b"", [b"m"], suite=BLS12381_SHAKE256)
    with pytest.raises(VerificationError):
        bbs.verify(pk, sig, b"", [b"m"], suite=BLS12381_SHA256)
    with pytest.raises(InvalidInput) as err:
        bbs.sign(sk, pk, b"", [b"m"], suite="BLS12-381-SHA-512")
    assert err.value.code == "bbs.ciphersuite"


def test_keygen_rules() -> None:
    with pytest.raises(InvalidInput) as err:
        bbs.keygen(b"\x01" * 31)
    assert err.value.code == "bbs.key_material"
    with pytest.raises(InvalidInput) as err:
        bbs.keygen(b"\x01" * 32, b"\x00" * 65536)
    assert err.value.code == "bbs.key_info"
    with pytest.raises(InvalidInput) as err:
        bbs.keygen(b"\x01" * 32, b"", b"d" * 256)
    assert err.value.code == "bbs.dst"
    with pytest.raises(InvalidInput) as err:
        bbs.keygen("a string of at least thirty-two characters")  # type: ignore[arg-type]
    assert err.value.code == "bbs.type"
    a = bbs.keygen(b"\x01" * 32)
    assert a == bbs.keygen(bytearray(b"\x01" * 32), b"")
    assert a != bbs.keygen(b"\x01" * 32, b"info")
    assert a != bbs.keygen(b"\x01" * 32, suite=BLS12381_SHAKE256)


@pytest.mark.parametrize("sk", [b"", b"\x00" * 32, R.to_bytes(32, "big"), b"\xff" * 32, b"\x01" * 33])
def test_secret_key_out_of_range(sk: bytes) -> None:
    with pytest.raises(InvalidInput) as err:
        bbs.sk_to_pk(sk)
    assert err.value.code == "bbs.secret_key"


def test_sign_rejects_mismatched_or_invalid_public_key() -> None:
    sk, _ = _keys(BLS12381_SHA256, 1)
    _, other_pk = _keys(BLS12381_SHA256, 2)
    with pytest.raises(InvalidInput) as err:
        bbs.sign(sk, other_pk, b"", [b"m"])
    assert err.value.code == "bbs.key_mismatch"
    with pytest.raises(InvalidInput) as err:
        bbs.sign(sk, bytes([0xC0]) + bytes(95), b"", [b"m"])
    assert err.value.code == "bbs.key_mismatch"


@pytest.mark.parametrize(
    ("field", "value", "code"),
    [
        ("header", "text", "bbs.type"),
        ("messages", b"not a list", "bbs.type"),
        ("messages", ["text"], "bbs.type"),
        ("messages", "text", "bbs.type"),
    ],
)
def test_sign_type_checks(field: str, value: Any, code: str) -> None:
    sk, pk = _keys(BLS12381_SHA256)
    args: dict[str, Any] = {"header": b"", "messages": [b"m"]}
    args[field] = value
    with pytest.raises(InvalidInput) as err:
        bbs.sign(sk, pk, args["header"], args["messages"])
    assert err.value.code == code


@pytest.mark.parametrize(
    ("indexes", "code"),
    [
        ([2, 1], "bbs.disclosed_indexes"),
        ([1, 1], "bbs.disclosed_indexes"),
        ([-1], "bbs.disclosed_indexes"),
        ([4], "bbs.disclosed_indexes"),
        ([True], "bbs.type"),
        (["0"], "bbs.type"),
        ([0.0], "bbs.type"),
        ("01", "bbs.type"),
    ],
)
def test_disclosed_index_rules(indexes: Any, code: str) -> None:
    suite = BLS12381_SHA256
    sk, pk = _keys(suite)
    sig = bbs.sign(sk, pk, b"", MSGS)
    with pytest.raises(InvalidInput) as err:
        bbs.proof_gen(pk, sig, b"", b"", MSGS, indexes)
    assert err.value.code == code
    good = bbs.proof_gen(pk, sig, b"", b"", MSGS, [0, 2])
    with pytest.raises(InvalidInput) as err:
        bbs.proof_verify(
            pk, good, b"", b"", [MSGS[0]] * (len(indexes) if isinstance(indexes, list) else 2), indexes
        )
    assert err.value.code == code


def test_proof_verify_structure_rules() -> None:
    sk, pk = _keys(BLS12381_SHA256)
    sig = bbs.sign(sk, pk, b"", MSGS)
    proof = bbs.proof_gen(pk, sig, b"", b"", MSGS, [0, 2])
    disclosed = [MSGS[0], MSGS[2]]
    cases = [
        ((pk, proof, b"", b"", disclosed[:1], [0, 2]), "bbs.disclosed_messages"),
        ((pk, proof[:271], b"", b"", disclosed, [0, 2]), "bbs.proof_length"),
        ((pk, proof + b"\x00", b"", b"", disclosed, [0, 2]), "bbs.proof_length"),
        ((pk, proof[:-32] + R.to_bytes(32, "big"), b"", b"", disclosed, [0, 2]), "bbs.proof_scalar"),
        ((pk, proof[:-32] + bytes(32), b"", b"", disclosed, [0, 2]), "bbs.proof_scalar"),
        ((pk, bytes([0xC0]) + bytes(47) + proof[48:], b"", b"", disclosed, [0, 2]), "bbs.proof_point"),
        ((pk[:95], proof, b"", b"", disclosed, [0, 2]), "bbs.point_length"),
        ((bytes([0xC0]) + bytes(95), proof, b"", b"", disclosed, [0, 2]), "bbs.public_key"),
    ]
    for args, code in cases:
        with pytest.raises(InvalidInput) as err:
            bbs.proof_verify(*args)
        assert err.value.code == code, code
    # Well formed but false: VerificationError, and a wrong challenge is reported as such.
    with pytest.raises(VerificationError) as verr:
        bbs.proof_verify(pk, proof, b"", b"", [MSGS[1], MSGS[2]], [0, 2])
    assert verr.value.code == "bbs.proof_invalid"


def test_signature_structure_rules() -> None:
    sk, pk = _keys(BLS12381_SHA256)
    sig = bbs.sign(sk, pk, b"", MSGS)
    for bad, code in [
        (sig[:79], "bbs.signature_length"),
        (sig[:48] + bytes(32), "bbs.signature_scalar"),
        (sig[:48] + R.to_bytes(32, "big"), "bbs.signature_scalar"),
        (bytes([0xC0]) + bytes(47) + sig[48:], "bbs.signature_point"),
        (bytes([0xE0]) + bytes(47) + sig[48:], "bbs.point_encoding"),
        (bytes(48) + sig[48:], "bbs.point_encoding"),
    ]:
        with pytest.raises(InvalidInput) as err:
            bbs.verify(pk, bad, b"", MSGS)
        assert err.value.code == code
        with pytest.raises(InvalidInput):
            bbs.proof_gen(pk, bad, b"", b"", MSGS, [0])


def test_rng_is_used_and_checked() -> None:
    sk, pk = _keys(BLS12381_SHA256)
    sig = bbs.sign(sk, pk, b"", MSGS)
    seeded = random.Random(7)
    p1 = bbs.proof_gen(pk, sig, b"", b"", MSGS, [0], rng=random.Random(7).randbytes)
    p2 = bbs.proof_gen(pk, sig, b"", b"", MSGS, [0], rng=seeded.randbytes)
    assert p1 == p2
    with pytest.raises(InvalidInput) as err:
        bbs.proof_gen(pk, sig, b"", b"", MSGS, [0], rng=lambda n: b"\x00" * (n - 1))
    assert err.value.code == "bbs.rng"
    with pytest.raises(InvalidInput) as err:
        bbs.proof_gen(pk, sig, b"", b"", MSGS, [0], rng=lambda n: b"\x00" * n)  # r1 = r2 = 0
    assert err.value.code == "bbs.rng"


def test_errors_do_not_leak_the_secret_key() -> None:
    sk, _ = _keys(BLS12381_SHA256, 1)
    _, other_pk = _keys(BLS12381_SHA256, 2)
    with pytest.raises(InvalidInput) as err:
        bbs.sign(sk, other_pk, b"", [b"m"])
    text = str(err.value) + repr(err.value.to_dict())
    assert sk.hex() not in text
    assert str(int.from_bytes(sk, "big")) not in text


def test_backend_selection(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(BACKEND_ENV, "reference")
    assert get_backend().name == "reference"
    monkeypatch.setenv(BACKEND_ENV, "native")
    assert get_backend().name == "native"
    monkeypatch.delenv(BACKEND_ENV)
    assert get_backend().name == "native"  # preferred when importable
    assert get_backend("reference") is get_backend("reference")  # one object per name
    mine = ReferenceBackend()
    assert get_backend(mine) is mine
    # A private backend object works as ``backend=`` and has its own generator cache.
    native = NativeBackend()
    sk, pk = _keys(BLS12381_SHA256)
    sig = bbs.sign(sk, pk, b"", MSGS, backend=native)
    bbs.verify(pk, sig, b"", MSGS, backend=mine)
    monkeypatch.setenv(BACKEND_ENV, "gpu")
    with pytest.raises(InvalidInput) as err:
        get_backend()
    assert err.value.code == "bbs.backend"


def test_missing_native_library_is_unsupported(monkeypatch: pytest.MonkeyPatch) -> None:
    import sys

    from didkit_py.bbs.backends import _backend_named

    _backend_named.cache_clear()
    monkeypatch.setitem(sys.modules, "didkit_py.bbs.backends.native", None)  # import fails
    try:
        with pytest.raises(UnsupportedError) as err:
            get_backend("native")
        assert err.value.code == "bbs.backend"
    finally:
        _backend_named.cache_clear()


def test_message_count_limit() -> None:
    from didkit_py.errors import LimitExceeded

    sk, pk = _keys(BLS12381_SHA256)
    sig = bbs.sign(sk, pk, b"", MSGS)
    proof = bbs.proof_gen(pk, sig, b"", b"", MSGS, [0])
    with pytest.raises(LimitExceeded) as err:
        bbs.sign(sk, pk, b"", MSGS, max_messages=3)
    assert err.value.code == "bbs.too_many_messages"
    with pytest.raises(LimitExceeded):
        bbs.verify(pk, sig, b"", MSGS, max_messages=3)
    with pytest.raises(LimitExceeded):
        bbs.proof_gen(pk, sig, b"", b"", MSGS, [0], max_messages=3)
    with pytest.raises(LimitExceeded):
        bbs.proof_verify(pk, proof, b"", b"", [MSGS[0]], [0], max_messages=3)
    # A huge proof is refused from its length alone, before generators are computed.
    huge = proof[:272] + proof[272:304] * (bbs.MAX_MESSAGES + 1) + proof[-32:]
    with pytest.raises(LimitExceeded):
        bbs.proof_verify(pk, huge, b"", b"", [MSGS[0]], [0])
    bbs.verify(pk, sig, b"", MSGS, max_messages=4)
