"""The CFRG BBS fixtures (../shared/vectors/bbs, draft-06 … -09 values) on every backend and suite.

One test id per fixture file / caseName. Valid cases must reproduce the fixture byte for byte
(signatures directly; proofs with the draft's mocked random scalars fed through ``rng``).
Invalid cases must raise: ``VerificationError`` when the inputs are well formed and the check
fails, ``InvalidInput`` when the inputs themselves are malformed (see ``_INVALID_INPUT``).
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest

from didkit_py import bbs
from didkit_py.bbs import core
from didkit_py.bbs.backends import available_backends, get_backend
from didkit_py.bbs.ciphersuites import BLS12381_SHA256, BLS12381_SHAKE256, EXPAND_LEN, Ciphersuite
from didkit_py.errors import InvalidInput, VerificationError

ROOT = Path(__file__).resolve().parents[2]
#: Same rule as tests/conftest.py: ../shared beside the checkout, or $DIDKIT_SHARED.
BBS_DIR = Path(os.environ.get("DIDKIT_SHARED", ROOT.parent / "shared")) / "vectors" / "bbs"
SUITES = {"bls12-381-sha-256": BLS12381_SHA256, "bls12-381-shake-256": BLS12381_SHAKE256}
BACKENDS = ["native", "reference"]

#: Invalid fixtures whose *inputs* are malformed, and the code we raise for them. Every other
#: invalid fixture is well formed and must fail verification.
_INVALID_INPUT = {
    # disclosedIndexes [4, 2, 4, 6]: not ascending and a duplicate.
    "proof010.json": "bbs.disclosed_indexes",
}


def _load(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text())  # type: ignore[no-any-return]


def _cases(kind: str) -> list[Any]:
    out = []
    for suite_dir, suite in SUITES.items():
        for path in sorted((BBS_DIR / suite_dir / kind).glob("*.json")):
            case = _load(path)
            for backend in BACKENDS:
                out.append(
                    pytest.param(
                        suite, path, backend, id=f"{suite_dir}-{path.stem}-{backend}-{case['caseName']}"
                    )
                )
    return out


def _suite_params(filename: str) -> list[Any]:
    return [
        pytest.param(suite, BBS_DIR / suite_dir / filename, backend, id=f"{suite_dir}-{backend}")
        for suite_dir, suite in SUITES.items()
        for backend in BACKENDS
    ]


@pytest.fixture(autouse=True)
def _need_backend(request: pytest.FixtureRequest) -> None:
    callspec = getattr(request.node, "callspec", None)
    if callspec and callspec.params.get("backend") not in (None, *available_backends()):
        pytest.fail(f"backend {callspec.params['backend']} not importable")


def _hex(s: str) -> bytes:
    return bytes.fromhex(s)


def mocked_rng(suite: Ciphersuite, count: int) -> Callable[[int], bytes]:
    """The draft's mocked_calculate_random_scalars as an ``rng``: 48-octet slices of one expansion.

    seeded_random_scalars(SEED, api_id || "MOCK_RANDOM_SCALARS_DST_", count) takes scalar i from
    octets [48(i-1), 48i) of expand_message(SEED, dst, 48*count), and calculate_random_scalars
    reduces each 48-octet rng output mod r: feeding the slices in order gives the same scalars.
    """
    fixture = _load(
        BBS_DIR
        / ("bls12-381-sha-256" if suite is BLS12381_SHA256 else "bls12-381-shake-256")
        / "mockedRng.json"
    )
    seed, dst = _hex(fixture["seed"]), _hex(fixture["dst"])
    assert dst == suite.api_id + b"MOCK_RANDOM_SCALARS_DST_"
    stream = suite.expand_message(seed, dst, EXPAND_LEN * count)
    chunks = iter(stream[i : i + EXPAND_LEN] for i in range(0, len(stream), EXPAND_LEN))

    def rng(n: int) -> bytes:
        assert n == EXPAND_LEN
        return next(chunks)

    return rng


@pytest.mark.parametrize(("suite", "path", "backend"), _suite_params("generators.json"))
def test_generators(suite: Ciphersuite, path: Path, backend: str) -> None:
    fx = _load(path)
    be = get_backend(backend)
    count = 1 + len(fx["MsgGenerators"])
    points = core.create_generators(count, suite.api_id, suite, be)
    assert [be.g1_to_bytes(p).hex() for p in points] == [fx["Q1"], *fx["MsgGenerators"]]
    assert [be.g1_to_bytes(p).hex() for p in core.generators_for(count, suite.api_id, suite, be)] == [
        fx["Q1"],
        *fx["MsgGenerators"],
    ]
    # P1: create_generators(1) with generator_seed = api_id || "BP_MESSAGE_GENERATOR_SEED".
    (p1,) = core.create_generators(
        1, suite.api_id, suite, be, generator_seed=suite.api_id + b"BP_MESSAGE_GENERATOR_SEED"
    )
    assert be.g1_to_bytes(p1).hex() == fx["P1"] == suite.p1.hex()


@pytest.mark.parametrize(("suite", "path", "backend"), _suite_params("h2s.json"))
def test_hash_to_scalar(suite: Ciphersuite, path: Path, backend: str) -> None:
    fx = _load(path)
    assert _hex(fx["dst"]) == suite.api_id + b"H2S_"
    assert (
        core.hash_to_scalar(_hex(fx["message"]), _hex(fx["dst"]), suite).to_bytes(32, "big").hex()
        == fx["scalar"]
    )


@pytest.mark.parametrize(("suite", "path", "backend"), _suite_params("MapMessageToScalarAsHash.json"))
def test_messages_to_scalars(suite: Ciphersuite, path: Path, backend: str) -> None:
    fx = _load(path)
    assert _hex(fx["dst"]) == suite.api_id + b"MAP_MSG_TO_SCALAR_AS_HASH_"
    scalars = core.messages_to_scalars([_hex(c["message"]) for c in fx["cases"]], suite.api_id, suite)
    assert [s.to_bytes(32, "big").hex() for s in scalars] == [c["scalar"] for c in fx["cases"]]


@pytest.mark.parametrize(("suite", "path", "backend"), _suite_params("keypair.json"))
def test_keypair(suite: Ciphersuite, path: Path, backend: str) -> None:
    fx = _load(path)
    assert _hex(fx["keyDst"]) == suite.api_id + b"KEYGEN_DST_"
    sk = bbs.keygen(_hex(fx["keyMaterial"]), _hex(fx["keyInfo"]), suite=suite)
    assert sk.hex() == fx["keyPair"]["secretKey"]
    assert bbs.keygen(_hex(fx["keyMaterial"]), _hex(fx["keyInfo"]), _hex(fx["keyDst"]), suite=suite) == sk
    assert bbs.sk_to_pk(sk, suite=suite, backend=backend).hex() == fx["keyPair"]["publicKey"]


@pytest.mark.parametrize(("suite", "path", "backend"), _suite_params("mockedRng.json"))
def test_mocked_random_scalars(suite: Ciphersuite, path: Path, backend: str) -> None:
    fx = _load(path)
    expected = fx["mockedScalars"]
    got = core.seeded_random_scalars(_hex(fx["seed"]), _hex(fx["dst"]), fx["count"], suite)
    assert [s.to_bytes(32, "big").hex() for s in got] == expected
    via_rng = core.calculate_random_scalars(fx["count"], mocked_rng(suite, fx["count"]))
    assert via_rng == got


@pytest.mark.parametrize(("suite", "path", "backend"), _cases("signature"))
def test_signature(suite: Ciphersuite, path: Path, backend: str) -> None:
    fx = _load(path)
    sk, pk = _hex(fx["signerKeyPair"]["secretKey"]), _hex(fx["signerKeyPair"]["publicKey"])
    header, messages, signature = _hex(fx["header"]), [_hex(m) for m in fx["messages"]], _hex(fx["signature"])
    be = get_backend(backend)
    # The trace's domain, from the signer's key and generators.
    gens = core.generators_for(len(messages) + 1, suite.api_id, suite, be)
    if fx["result"]["valid"]:
        assert (
            core.calculate_domain(pk, gens[0], gens[1:], header, suite.api_id, suite, be)
            .to_bytes(32, "big")
            .hex()
            == fx["trace"]["domain"]
        )
        assert bbs.sign(sk, pk, header, messages, suite=suite, backend=backend) == signature
        assert bbs.verify(pk, signature, header, messages, suite=suite, backend=backend) is None
    else:
        with pytest.raises(VerificationError) as err:
            bbs.verify(pk, signature, header, messages, suite=suite, backend=backend)
        assert err.value.code == "bbs.signature_invalid"


@pytest.mark.parametrize(("suite", "path", "backend"), _cases("proof"))
def test_proof(suite: Ciphersuite, path: Path, backend: str) -> None:
    fx = _load(path)
    pk, signature, proof = _hex(fx["signerPublicKey"]), _hex(fx["signature"]), _hex(fx["proof"])
    header, ph = _hex(fx["header"]), _hex(fx["presentationHeader"])
    messages = [_hex(m) for m in fx["messages"]]
    indexes = fx["disclosedIndexes"]
    disclosed = [messages[i] for i in indexes]
    if fx["result"]["valid"]:
        u = len(messages) - len(indexes)
        got = bbs.proof_gen(
            pk,
            signature,
            header,
            ph,
            messages,
            indexes,
            suite=suite,
            backend=backend,
            rng=mocked_rng(suite, 5 + u),
        )
        assert got.hex() == fx["proof"]
        assert (
            bbs.proof_verify(pk, proof, header, ph, disclosed, indexes, suite=suite, backend=backend) is None
        )
        _check_trace(fx, suite, backend)
    elif path.name in _INVALID_INPUT:
        with pytest.raises(InvalidInput) as bad:
            bbs.proof_verify(pk, proof, header, ph, disclosed, indexes, suite=suite, backend=backend)
        assert bad.value.code == _INVALID_INPUT[path.name]
    else:
        with pytest.raises(VerificationError) as err:
            bbs.proof_verify(pk, proof, header, ph, disclosed, indexes, suite=suite, backend=backend)
        assert err.value.code == "bbs.proof_invalid"


def _check_trace(fx: dict[str, Any], suite: Ciphersuite, backend: str) -> None:
    """ProofInit and ProofChallengeCalculate reproduce the fixture's intermediate values."""
    be = get_backend(backend)
    tr = fx["trace"]
    rs = tr["random_scalars"]
    scalars = [int(rs[k], 16) for k in ("r1", "r2", "e_tilde", "r1_tilde", "r3_tilde")]
    scalars += [int(m, 16) for m in rs["m_tilde_scalars"]]
    messages = core.messages_to_scalars([_hex(m) for m in fx["messages"]], suite.api_id, suite)
    indexes = fx["disclosedIndexes"]
    undisclosed = [j for j in range(len(messages)) if j not in indexes]
    gens = core.generators_for(len(messages) + 1, suite.api_id, suite, be)
    sig = core.octets_to_signature(_hex(fx["signature"]), be)
    init = core.proof_init(
        _hex(fx["signerPublicKey"]),
        sig,
        gens,
        scalars,
        _hex(fx["header"]),
        messages,
        undisclosed,
        suite.api_id,
        suite,
        be,
    )
    for name, point in (
        ("A_bar", init.a_bar),
        ("B_bar", init.b_bar),
        ("D", init.d),
        ("T1", init.t1),
        ("T2", init.t2),
    ):
        assert be.g1_to_bytes(point).hex() == tr[name], name
    assert init.domain.to_bytes(32, "big").hex() == tr["domain"]
    challenge = core.proof_challenge_calculate(
        init, indexes, [messages[i] for i in indexes], _hex(fx["presentationHeader"]), suite.api_id, suite, be
    )
    assert challenge.to_bytes(32, "big").hex() == tr["challenge"]
