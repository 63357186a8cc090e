"""``didkit did create --method ethr|add-key|add-service|rotate|deactivate|history`` and ``chain status``."""

from __future__ import annotations

import json
from collections.abc import Iterator

import pytest
from typer.testing import CliRunner

from didkit_py import bbs
from didkit_py.cli.main import app
from didkit_py.keys import KeyType, generate_key, multikey_encode
from didkit_py.registry.testing import TestChain, start_devchain


@pytest.fixture(scope="module")
def dev() -> Iterator[TestChain]:
    ch = start_devchain()
    try:
        yield ch
    finally:
        ch.stop()


@pytest.fixture
def run(dev: TestChain, monkeypatch: pytest.MonkeyPatch):
    monkeypatch.setenv("DIDKIT_CHAIN_URL", dev.url)
    monkeypatch.setenv("DIDKIT_CHAIN_ID", str(dev.config.chain_id))
    monkeypatch.setenv("DIDKIT_CHAIN_REGISTRY", dev.config.registry)
    runner = CliRunner()

    def invoke(*args: str, code: int = 0) -> str:
        result = runner.invoke(app, list(args))
        assert result.exit_code == code, (result.output, result.exception)
        return result.stdout

    return invoke


def test_did_lifecycle(run) -> None:
    status = json.loads(run("chain", "status", "--json"))
    assert status["registryDeployed"] is True and status["chainId"] == 1337
    created = json.loads(run("did", "create", "--method", "ethr", "--json"))
    did = created["did"]
    assert did.startswith("did:ethr:0x539:0x")
    ed = generate_key(KeyType.ED25519)
    run(
        "did",
        "add-key",
        did,
        "--type",
        "ed25519",
        "--public-key",
        multikey_encode(KeyType.ED25519, ed.public_key),
    )
    bls_pk = bbs.sk_to_pk(bbs.keygen(b"\x05" * 32))
    out = json.loads(
        run("did", "add-key", did, "--type", "bls12381g2", "--public-key", bls_pk.hex(), "--json")
    )
    assert out["attribute"] == "did/pub/Bls12381G2Key2020"
    run("did", "add-service", did, "--type", "LinkedDomains", "--endpoint", "https://cli.example")
    doc = json.loads(run("did", "resolve", did, "--json"))["didDocument"]
    types = [vm["type"] for vm in doc["verificationMethod"]]
    assert types == ["EcdsaSecp256k1RecoveryMethod2020", "Ed25519VerificationKey2018", "Bls12381G2Key2020"]
    assert doc["service"][0]["serviceEndpoint"] == "https://cli.example"
    rotated = json.loads(run("did", "rotate", did, "--json"))
    # The stored key is now the new owner's: further changes still work.
    run("did", "add-service", did, "--type", "Hub", "--endpoint", "https://after.example")
    doc = json.loads(run("did", "resolve", did, "--json"))["didDocument"]
    assert doc["verificationMethod"][0]["blockchainAccountId"].endswith(rotated["newOwner"])
    history = json.loads(run("did", "history", did, "--json"))["changes"]
    assert [c["event"] for c in history] == ["DIDAttributeChanged"] * 3 + [
        "DIDOwnerChanged",
        "DIDAttributeChanged",
    ]
    assert all(c["time"].endswith("Z") for c in history)
    run("did", "deactivate", did, code=3)  # needs --yes
    run("did", "deactivate", did, "--yes")
    meta = json.loads(run("did", "resolve", did, "--json"))["didDocumentMetadata"]
    assert meta["deactivated"] is True


def test_bad_input_exit_codes(run) -> None:
    did = json.loads(run("did", "create", "--method", "ethr", "--json"))["did"]
    run("did", "add-key", did, "--type", "rsa", "--public-key", "00", code=3)
    run("did", "add-key", did, "--type", "ed25519", "--public-key", "zzz", code=3)
    run("did", "add-key", did, "--type", "ed25519", "--public-key", "abcd", code=3)  # not a key
    x = multikey_encode(KeyType.X25519, generate_key(KeyType.X25519).public_key)
    run("did", "add-key", did, "--type", "ed25519", "--public-key", x, code=3)  # type mismatch
    run("did", "add-service", did, "--type", "Has Space", "--endpoint", "https://x", code=3)
    other = "did:ethr:0x539:0x" + "12" * 20
    run("did", "add-service", other, "--type", "Hub", "--endpoint", "https://x", code=3)  # no key stored
    run("did", "history", "did:ethr:0x539:0x1234", code=3)
    run("did", "create", "--method", "web", code=3)
