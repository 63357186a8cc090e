"""did:ethr holder DIDs on the embedded dev chain: create, anchor the key, receive over OpenID4VCI
with a proof whose ``kid`` the issuer resolves on the chain, and present the credential."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from conftest import Cli
from wworld import PID_QUERY, IssuerApp, VerifierApp, run, serve

from didkit_py.did import default_resolver
from didkit_py.did.ethr import EthrMethod
from didkit_py.keys import KeyType, key_pair_from_jwk, save_key_file
from didkit_py.registry.testing import TestChain, start_devchain
from wallet import core


@pytest.fixture(scope="module")
def chain() -> Iterator[TestChain]:
    ch = start_devchain()  # chain id 1337: a dev chain, so the dev account relays by default
    try:
        yield ch
    finally:
        ch.stop()


def _chain_env(monkeypatch: pytest.MonkeyPatch, chain: TestChain) -> None:
    monkeypatch.setenv("DIDKIT_CHAIN_URL", chain.url)
    monkeypatch.setenv("DIDKIT_CHAIN_REGISTRY", chain.config.registry)
    monkeypatch.setenv("DIDKIT_CHAIN_ID", str(chain.config.chain_id))


@pytest.fixture
def on_chain(initialised: Cli, chain: TestChain, monkeypatch: pytest.MonkeyPatch) -> Cli:
    _chain_env(monkeypatch, chain)
    return initialised


@pytest.fixture
def ethr_issuer(chain: TestChain) -> Iterator[IssuerApp]:
    """The test issuer, resolving holder did:ethr DIDs on the chain to check proofs."""
    i = IssuerApp(did_methods=(EthrMethod([chain.config.network()]),))
    with serve(i.app()) as base:
        i.base = base
        yield i


def _resolve(chain: TestChain, did: str) -> dict[str, Any]:
    resolver = default_resolver(extra_methods=[EthrMethod([chain.config.network()])], cache_ttl=0)
    doc: dict[str, Any] = run(resolver.resolve(did)).document
    return doc


def _holder_key(cli: Cli, did: str) -> Any:
    """The private key as the wallet stores it (read back through the store API)."""
    import os

    from wallet.store import WalletStore

    path = Path(os.environ["DIDKIT_HOME"]) / "wallet" / "wallet.db"
    with WalletStore.open(path, os.environ["DIDKIT_WALLET_PASSPHRASE"]) as store:
        return key_pair_from_jwk(core.default_identity(store, did).data["private_jwk"])


def test_ethr_holder_anchor_receive_present(
    on_chain: Cli, chain: TestChain, ethr_issuer: IssuerApp, rp: VerifierApp
) -> None:
    cli = on_chain
    new = cli.json("did", "new", "--method", "ethr", "--default")
    did = new["did"]
    assert did == f"did:ethr:0x539:{new['address']}" and new["chain_id"] == 1337
    assert new["anchored"] is None and new["verification_method"] == f"{did}#controller"
    key = _holder_key(cli, did)
    assert key.key_type is KeyType.SECP256K1

    # Before anchoring the document holds only the address: nothing to check a proof against.
    doc = _resolve(chain, did)
    assert [vm["type"] for vm in doc["verificationMethod"]] == ["EcdsaSecp256k1RecoveryMethod2020"]
    assert core.ethr_key_vm(doc, key.public_key) is None
    r = cli("receive", ethr_issuer.new_offer("pid_sd_jwt"), "--yes", code=3)
    assert "wallet.ethr_unanchored" in r.stderr and f"wallet did anchor {new['id'][:8]}" in r.stderr
    assert ethr_issuer.issued == 0 and "Traceback" not in r.stderr

    anchored = cli.json("did", "anchor", new["id"][:8])
    assert anchored["transaction"]["blockNumber"] > 0
    vm_id = anchored["verification_method"]
    assert vm_id.startswith(f"{did}#delegate-")
    doc = _resolve(chain, did)
    vm = next(v for v in doc["verificationMethod"] if v["id"] == vm_id)
    assert vm["type"] == "EcdsaSecp256k1VerificationKey2019" and vm_id in doc["authentication"]
    assert bytes.fromhex(vm["publicKeyHex"]) == key.public_key
    again = cli.json("did", "anchor", did)  # by DID; idempotent: nothing sent
    assert again["transaction"] is None and again["verification_method"] == vm_id
    listed = next(i for i in cli.json("did", "list") if i["did"] == did)
    assert listed["anchored"]["chain_id"] == 1337 and listed["verification_method"] == vm_id

    # OpenID4VCI: the proof's kid is the anchored DID URL, resolved by the issuer on the chain.
    [pid] = cli.json("receive", ethr_issuer.new_offer("pid_sd_jwt"), "--yes")
    check = ethr_issuer.proofs[-1]
    assert check.kid == vm_id and check.key_type is KeyType.SECP256K1 and check.public_key == key.public_key
    [degree] = cli.json("receive", ethr_issuer.new_offer("degree_bbs", by_reference=False), "--yes")
    shown = {c["pointer"]: c["value"] for c in cli.json("show", degree["id"])["claims"]}
    assert shown["/credentialSubject/id"] == did  # bound to the did:ethr holder
    shown = {c["pointer"]: c["value"] for c in cli.json("show", pid["id"])["claims"]}
    assert shown["/cnf/jwk/crv"] == "secp256k1"

    # SD-JWT VC key binding (ES256K Key Binding JWT over the cnf key) to a verifier.
    cli.json("present", rp.new_request(PID_QUERY), "--yes", "--select", f"pid={pid['id']}")
    assert rp.results[-1]["verdicts"][0]["verdict"] == "accepted", rp.results[-1]

    # The key stays encrypted in the store like every other holder key.
    import os

    raw = (Path(os.environ["DIDKIT_HOME"]) / "wallet" / "wallet.db").read_bytes()
    assert key.secret_key is not None and key.secret_key not in raw
    assert did.encode() not in raw and new["address"].encode() not in raw


def test_anchor_with_a_relayer_key_and_at_creation(on_chain: Cli, chain: TestChain, tmp_path: Path) -> None:
    payer = tmp_path / "payer.json"
    save_key_file(payer, chain.dev_key(4))
    w3 = chain.client().w3
    from eth_account import Account

    payer_address = Account.from_key(chain.dev_keys[4]).address
    nonce = w3.eth.get_transaction_count(payer_address)
    out = on_chain.json("did", "new", "--method", "ethr", "--anchor", "--relayer-key", str(payer))
    assert out["transaction"] is not None and out["verification_method"].startswith(out["did"] + "#delegate-")
    assert w3.eth.get_transaction_count(payer_address) == nonce + 1  # the relayer paid
    assert w3.eth.get_balance(out["address"]) == 0  # the holder needed no ETH
    assert not next(i for i in on_chain.json("did", "list") if i["did"] == out["did"])["default"]

    bad = tmp_path / "ed.json"
    from didkit_py.keys import generate_key

    save_key_file(bad, generate_key(KeyType.ED25519))
    r = on_chain("did", "anchor", out["id"], "--relayer-key", str(bad), code=3)
    assert "secp256k1" in r.stderr
    r = on_chain("did", "new", "--method", "ethr", "--key-type", "Ed25519", code=2)
    assert "secp256k1" in r.stderr
    r = on_chain("did", "new", "--method", "key", "--anchor", code=2)
    assert "--method ethr" in r.stderr
    r = on_chain("did", "anchor", on_chain.json("did", "list")[0]["id"], code=3)  # the did:key one
    assert "wallet.not_ethr" in r.stderr


def test_holder_pays_on_other_chains_and_chain_mismatch(
    initialised: Cli, monkeypatch: pytest.MonkeyPatch
) -> None:
    other = start_devchain(chain_id=4242)  # not a dev chain id: no default relayer
    try:
        _chain_env(monkeypatch, other)
        monkeypatch.setenv("DIDKIT_CHAIN_NAME", "testnet")
        r = initialised("did", "new", "--method", "ethr", "--anchor", code=3)  # no gas, no relayer
        assert "was created but not anchored" in r.stderr and "wallet did anchor" in r.stderr
        assert sum(i["method"] == "ethr" for i in initialised.json("did", "list")) == 1
        out = initialised.json("did", "new", "--method", "ethr")
        assert out["did"] == f"did:ethr:testnet:{out['address']}"
        r = initialised("did", "anchor", out["id"], code=3)  # an empty account cannot pay
        assert "chain." in r.stderr and "Traceback" not in r.stderr
        assert next(i for i in initialised.json("did", "list") if i["id"] == out["id"])["anchored"] is None
        other.fund(out["address"])
        done = initialised.json("did", "anchor", out["id"])
        assert done["transaction"] is not None and done["verification_method"].startswith(out["did"] + "#")
        monkeypatch.setenv("DIDKIT_CHAIN_ID", "1337")
        r = initialised("did", "anchor", out["id"], code=3)
        assert "wallet.chain" in r.stderr and "4242" in r.stderr
    finally:
        other.stop()


def test_ethr_key_vm_needs_authentication_and_the_same_key() -> None:
    from didkit_py.keys import generate_key

    kp = generate_key(KeyType.SECP256K1)
    other = generate_key(KeyType.SECP256K1)
    did = "did:ethr:0x539:0x0000000000000000000000000000000000000001"
    vm = {
        "id": f"{did}#delegate-1",
        "type": "EcdsaSecp256k1VerificationKey2019",
        "controller": did,
        "publicKeyHex": kp.public_key.hex(),
    }
    controller = {
        "id": f"{did}#controller",
        "type": "EcdsaSecp256k1RecoveryMethod2020",
        "controller": did,
        "blockchainAccountId": "eip155:1337:0x0000000000000000000000000000000000000001",
    }
    doc = {"verificationMethod": [controller, vm], "authentication": [controller["id"], vm["id"]]}
    assert core.ethr_key_vm(doc, kp.public_key) == vm["id"]
    assert core.ethr_key_vm(doc, other.public_key) is None
    assert core.ethr_key_vm({**doc, "authentication": [controller["id"]]}, kp.public_key) is None
    broken = {**vm, "publicKeyHex": "zz"}
    assert core.ethr_key_vm({**doc, "verificationMethod": [controller, broken]}, kp.public_key) is None


def test_vp_jwt_from_a_did_ethr_holder(on_chain: Cli, chain: TestChain, write_file: Any) -> None:
    """A vc+jwt bound to the did:ethr holder, presented as an ES256K vp+jwt whose kid the
    verifier resolves on the chain; Data Integrity holder binding is refused (no secp256k1 suite)."""
    from wworld import DEGREE_QUERY, Issuers, now

    from didkit_py.credentials import issue

    cli = on_chain
    holder = cli.json("did", "new", "--method", "ethr", "--anchor", "--default")
    issuers = Issuers()
    j = cli.json("import", str(write_file("j.jwt", issuers.jwt_credential(holder["did"]))))
    eddsa = issue(
        issuers.degree_doc(holder["did"], issuers.ed.did),
        signer=issuers.ed,
        now=now(),
        format="eddsa-rdfc-2022",
    )
    e = cli.json("import", str(write_file("e.json", eddsa)))
    jwt_query = {
        "credentials": [
            {
                "id": "degree",
                "format": "jwt_vc_json",
                "meta": {"type_values": DEGREE_QUERY["credentials"][0]["meta"]["type_values"]},
                "claims": [{"path": ["credentialSubject", "degree", "type"]}],
            }
        ]
    }
    rp = VerifierApp(did_methods=(EthrMethod([chain.config.network()]),))
    with serve(rp.app()) as base:
        rp.base = base
        cli.json("present", rp.new_request(jwt_query), "--yes", "--select", f"degree={j['id']}")
        result = rp.results[-1]
        assert result["verdicts"][0]["verdict"] == "accepted", result
        vp = result["vp_token"]["degree"][0]
        from didkit_py.suites.jose import parse_compact_jws

        header = parse_compact_jws(vp).header
        assert header["alg"] == "ES256K" and header["kid"] == holder["verification_method"]
        r = cli("present", rp.new_request(DEGREE_QUERY), "--yes", "--select", f"degree={e['id']}", code=3)
        assert "wallet.key_type" in r.stderr and len(rp.results) == 1
