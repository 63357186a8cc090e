"""didkit_py.bbs against @digitalbazaar/bbs-signatures 3.0.0, both ways, both ciphersuites.

Random keys, headers and messages (seeded per test, so failures reproduce). Each direction is
checked positively and with tampered inputs, which both sides must reject. BBS Sign is
deterministic, so the two implementations must also agree byte for byte on signatures and
on public keys.
"""

from __future__ import annotations

import os
import random
from typing import Any

import pytest

from didkit_py import bbs
from didkit_py.bbs import BLS12381_SHA256, BLS12381_SHAKE256, Ciphersuite
from didkit_py.errors import InvalidInput, VerificationError

pytestmark = pytest.mark.interop

SUITES = [pytest.param(BLS12381_SHA256, id="sha256"), pytest.param(BLS12381_SHAKE256, id="shake256")]
SCRIPT = "bbs_peer.mjs"


def _peer(node: Any, suite: Ciphersuite, ops: list[dict[str, Any]]) -> list[Any]:
    for op in ops:
        op["ciphersuite"] = suite.name
    return node(SCRIPT, {"ops": ops})["results"]  # type: ignore[no-any-return]


def _flip(data: bytes, rnd: random.Random) -> bytes:
    if not data:
        return b"\x00"
    i = rnd.randrange(len(data))
    return data[:i] + bytes([data[i] ^ (1 << rnd.randrange(8))]) + data[i + 1 :]


def _case(rnd: random.Random, suite: Ciphersuite) -> dict[str, Any]:
    sk = bbs.keygen(rnd.randbytes(32), rnd.randbytes(rnd.randrange(0, 16)), suite=suite)
    n = rnd.randrange(1, 9)
    messages = [rnd.randbytes(rnd.randrange(0, 40)) for _ in range(n)]
    disclosed = sorted(rnd.sample(range(n), rnd.randrange(0, n + 1)))
    return {
        "sk": sk,
        "pk": bbs.sk_to_pk(sk, suite=suite),
        "header": rnd.randbytes(rnd.randrange(0, 24)),
        "ph": rnd.randbytes(rnd.randrange(0, 24)),
        "messages": messages,
        "disclosed": disclosed,
    }


@pytest.mark.parametrize("suite", SUITES)
def test_keys_and_signatures_agree_byte_for_byte(node: Any, suite: Ciphersuite) -> None:
    rnd = random.Random(f"keys-{suite.name}")
    cases = [_case(rnd, suite) for _ in range(3)]
    ops: list[dict[str, Any]] = []
    for c in cases:
        ops.append({"op": "skToPk", "secretKey": c["sk"].hex()})
        ops.append(
            {
                "op": "sign",
                "secretKey": c["sk"].hex(),
                "publicKey": c["pk"].hex(),
                "header": c["header"].hex(),
                "messages": [m.hex() for m in c["messages"]],
            }
        )
    out = _peer(node, suite, ops)
    for i, c in enumerate(cases):
        assert out[2 * i] == c["pk"].hex()
        ours = bbs.sign(c["sk"], c["pk"], c["header"], c["messages"], suite=suite)
        assert out[2 * i + 1] == ours.hex()


@pytest.mark.parametrize("suite", SUITES)
def test_we_sign_they_verify(node: Any, suite: Ciphersuite) -> None:
    rnd = random.Random(f"we-sign-{suite.name}")
    ops: list[dict[str, Any]] = []
    expect: list[bool] = []
    for _ in range(3):
        c = _case(rnd, suite)
        sig = bbs.sign(c["sk"], c["pk"], c["header"], c["messages"], suite=suite)
        base = {
            "op": "verify",
            "publicKey": c["pk"].hex(),
            "signature": sig.hex(),
            "header": c["header"].hex(),
            "messages": [m.hex() for m in c["messages"]],
        }
        ops.append(base)
        expect.append(True)
        tampered_msgs = list(c["messages"])
        k = rnd.randrange(len(tampered_msgs))
        tampered_msgs[k] = _flip(tampered_msgs[k], rnd)
        ops.append({**base, "messages": [m.hex() for m in tampered_msgs]})
        ops.append({**base, "header": _flip(c["header"], rnd).hex()})
        ops.append({**base, "signature": _flip(sig, rnd).hex()})
        ops.append({**base, "messages": [m.hex() for m in [*c["messages"], b"extra"]]})
        expect += [False, False, False, False]
    got = [r["valid"] for r in _peer(node, suite, ops)]
    assert got == expect


@pytest.mark.parametrize("suite", SUITES)
def test_they_sign_we_verify(node: Any, suite: Ciphersuite) -> None:
    rnd = random.Random(f"they-sign-{suite.name}")
    peer_keys = _peer(node, suite, [{"op": "keygen"} for _ in range(3)])
    cases = []
    ops: list[dict[str, Any]] = []
    for kp in peer_keys:
        c = _case(rnd, suite)
        c["sk"], c["pk"] = bytes.fromhex(kp["secretKey"]), bytes.fromhex(kp["publicKey"])
        assert bbs.sk_to_pk(c["sk"], suite=suite) == c["pk"]
        cases.append(c)
        ops.append(
            {
                "op": "sign",
                "secretKey": kp["secretKey"],
                "publicKey": kp["publicKey"],
                "header": c["header"].hex(),
                "messages": [m.hex() for m in c["messages"]],
            }
        )
    sigs = [bytes.fromhex(s) for s in _peer(node, suite, ops)]
    for c, sig in zip(cases, sigs, strict=True):
        assert bbs.verify(c["pk"], sig, c["header"], c["messages"], suite=suite) is None
        msgs = list(c["messages"])
        msgs[0] = _flip(msgs[0], rnd)
        with pytest.raises(VerificationError):
            bbs.verify(c["pk"], sig, c["header"], msgs, suite=suite)
        with pytest.raises(VerificationError):
            bbs.verify(c["pk"], sig, _flip(c["header"], rnd), c["messages"], suite=suite)
        with pytest.raises((VerificationError, InvalidInput)):
            bbs.verify(c["pk"], _flip(sig, rnd), c["header"], c["messages"], suite=suite)


@pytest.mark.parametrize("suite", SUITES)
def test_we_prove_they_verify(node: Any, suite: Ciphersuite) -> None:
    rnd = random.Random(f"we-prove-{suite.name}")
    ops: list[dict[str, Any]] = []
    expect: list[bool] = []
    for _ in range(3):
        c = _case(rnd, suite)
        sig = bbs.sign(c["sk"], c["pk"], c["header"], c["messages"], suite=suite)
        proof = bbs.proof_gen(c["pk"], sig, c["header"], c["ph"], c["messages"], c["disclosed"], suite=suite)
        disclosed_msgs = [c["messages"][i] for i in c["disclosed"]]
        base = {
            "op": "verifyProof",
            "publicKey": c["pk"].hex(),
            "proof": proof.hex(),
            "header": c["header"].hex(),
            "presentationHeader": c["ph"].hex(),
            "disclosedMessages": [m.hex() for m in disclosed_msgs],
            "disclosedIndexes": c["disclosed"],
        }
        ops.append(base)
        expect.append(True)
        ops.append({**base, "presentationHeader": _flip(c["ph"], rnd).hex()})
        ops.append({**base, "header": _flip(c["header"], rnd).hex()})
        ops.append({**base, "proof": _flip(proof, rnd).hex()})
        expect += [False, False, False]
        if disclosed_msgs:
            tampered = list(disclosed_msgs)
            tampered[-1] = _flip(tampered[-1], rnd)
            ops.append({**base, "disclosedMessages": [m.hex() for m in tampered]})
            expect.append(False)
    got = [r["valid"] for r in _peer(node, suite, ops)]
    assert got == expect


@pytest.mark.parametrize("suite", SUITES)
def test_they_prove_we_verify(node: Any, suite: Ciphersuite) -> None:
    rnd = random.Random(f"they-prove-{suite.name}")
    cases = []
    ops: list[dict[str, Any]] = []
    for _ in range(3):
        c = _case(rnd, suite)
        c["sig"] = bbs.sign(c["sk"], c["pk"], c["header"], c["messages"], suite=suite)
        cases.append(c)
        ops.append(
            {
                "op": "deriveProof",
                "publicKey": c["pk"].hex(),
                "signature": c["sig"].hex(),
                "header": c["header"].hex(),
                "messages": [m.hex() for m in c["messages"]],
                "presentationHeader": c["ph"].hex(),
                "disclosedIndexes": c["disclosed"],
            }
        )
    proofs = [bytes.fromhex(p) for p in _peer(node, suite, ops)]
    for c, proof in zip(cases, proofs, strict=True):
        disclosed_msgs = [c["messages"][i] for i in c["disclosed"]]
        assert len(proof) == 272 + 32 * (len(c["messages"]) - len(c["disclosed"]))
        args = (c["header"], c["ph"], disclosed_msgs, c["disclosed"])
        assert bbs.proof_verify(c["pk"], proof, *args, suite=suite) is None
        with pytest.raises(VerificationError):
            bbs.proof_verify(
                c["pk"], proof, c["header"], _flip(c["ph"], rnd), disclosed_msgs, c["disclosed"], suite=suite
            )
        with pytest.raises(VerificationError):
            bbs.proof_verify(
                c["pk"], proof, _flip(c["header"], rnd), c["ph"], disclosed_msgs, c["disclosed"], suite=suite
            )
        with pytest.raises((VerificationError, InvalidInput)):
            bbs.proof_verify(c["pk"], _flip(proof, rnd), *args, suite=suite)
        if disclosed_msgs:
            tampered = [*disclosed_msgs[:-1], _flip(disclosed_msgs[-1], rnd)]
            with pytest.raises(VerificationError):
                bbs.proof_verify(c["pk"], proof, c["header"], c["ph"], tampered, c["disclosed"], suite=suite)
        # The other suite's verifier must reject it too.
        other = BLS12381_SHAKE256 if suite is BLS12381_SHA256 else BLS12381_SHA256
        with pytest.raises(VerificationError):
            bbs.proof_verify(c["pk"], proof, *args, suite=other)


def test_peer_rejects_what_we_reject(node: Any) -> None:
    """Malformed inputs we raise InvalidInput for are not accepted by the peer either."""
    suite = BLS12381_SHA256
    rnd = random.Random("malformed")
    c = _case(rnd, suite)
    sig = bbs.sign(c["sk"], c["pk"], c["header"], c["messages"], suite=suite)
    bad_pk = bytes([0xC0]) + bytes(95)  # the identity of G2
    with pytest.raises(InvalidInput):
        bbs.verify(bad_pk, sig, c["header"], c["messages"], suite=suite)
    zero_e = sig[:48] + bytes(32)
    with pytest.raises(InvalidInput):
        bbs.verify(c["pk"], zero_e, c["header"], c["messages"], suite=suite)
    base = {"op": "verify", "header": c["header"].hex(), "messages": [m.hex() for m in c["messages"]]}
    out = _peer(
        node,
        suite,
        [
            {**base, "publicKey": bad_pk.hex(), "signature": sig.hex()},
            {**base, "publicKey": c["pk"].hex(), "signature": zero_e.hex()},
            {**base, "publicKey": c["pk"].hex(), "signature": os.urandom(80).hex()},
        ],
    )
    assert [r["valid"] for r in out] == [False, False, False]
