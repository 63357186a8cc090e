"""The embedded dev chain: JSON-RPC surface, errors, persistence and replay."""

from __future__ import annotations

import json
from pathlib import Path

import httpx
import pytest
from eth_account import Account
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.errors import InvalidInput
from didkit_py.registry.client import DEV_REGISTRY_ADDRESS, ChainConfig, RegistryClient, create_identity
from didkit_py.registry.devchain import DEFAULT_CHAIN_ID, DevChain, RpcError, serve_in_thread


def _signed(chain: DevChain, nonce: int, *, chain_id: int | None = None, to: str | None = None) -> bytes:
    acct = Account.from_key(chain.dev_private_key(0))
    tx = {
        "type": 2,
        "chainId": chain_id or chain.chain_id,
        "nonce": nonce,
        "to": to or acct.address,
        "value": 1,
        "gas": 21000,
        "maxFeePerGas": 10**10,
        "maxPriorityFeePerGas": 10**9,
    }
    return bytes(acct.sign_transaction(tx).raw_transaction)


def test_starts_with_registry_at_the_deterministic_address() -> None:
    chain = DevChain(None)
    assert chain.chain_id == DEFAULT_CHAIN_ID
    assert chain.registry_address == DEV_REGISTRY_ADDRESS
    assert chain.rpc("eth_getCode", [DEV_REGISTRY_ADDRESS]) != "0x"
    assert chain.rpc("eth_chainId", []) == hex(DEFAULT_CHAIN_ID)
    assert chain.rpc("net_version", []) == str(DEFAULT_CHAIN_ID)
    assert chain.dev_accounts[0] == "0xf39Fd6e51aad88F6F4ce6aB8827279cffFb92266"  # the well-known dev key
    assert int(chain.rpc("eth_getBalance", [chain.dev_accounts[1]]), 16) > 10**21


def test_rpc_surface_and_errors() -> None:
    chain = DevChain(None)
    h = chain.rpc("eth_sendRawTransaction", ["0x" + _signed(chain, 1).hex()])
    receipt = chain.rpc("eth_getTransactionReceipt", [h])
    assert receipt["status"] == "0x1" and receipt["blockNumber"] == "0x2"
    tx = chain.rpc("eth_getTransactionByHash", [h])
    assert tx["hash"] == h and tx["from"] == chain.dev_accounts[0].lower()
    blk = chain.rpc("eth_getBlockByNumber", ["latest", True])
    assert blk["transactions"][0]["hash"] == h
    assert chain.rpc("eth_getBlockByHash", [blk["hash"], False])["transactions"] == [h]
    assert chain.rpc("eth_getBlockByNumber", ["0x99", False]) is None
    assert chain.rpc("eth_getTransactionReceipt", ["0x" + "00" * 32]) is None
    assert int(chain.rpc("eth_getTransactionCount", [chain.dev_accounts[0], "latest"]), 16) == 2
    assert (
        int(chain.rpc("eth_estimateGas", [{"from": chain.dev_accounts[0], "to": chain.dev_accounts[1]}]), 16)
        == 21000
    )
    fh = chain.rpc("eth_feeHistory", ["0x2", "latest", [50]])
    assert len(fh["baseFeePerGas"]) == 3 and len(fh["reward"]) == 2
    assert int(chain.rpc("eth_gasPrice", []), 16) > int(chain.rpc("eth_maxPriorityFeePerGas", []), 16)
    with pytest.raises(RpcError) as ei:
        chain.rpc("eth_sign", [])
    assert ei.value.code == -32601
    with pytest.raises(RpcError) as ei:
        chain.rpc("eth_sendRawTransaction", ["0x" + _signed(chain, 1).hex()])  # nonce reused
    assert ei.value.code == -32000
    with pytest.raises(RpcError) as ei:
        chain.rpc("eth_sendRawTransaction", ["0x" + _signed(chain, 2, chain_id=999).hex()])
    assert "chain id" in ei.value.message
    with pytest.raises(RpcError) as ei:
        chain.rpc("eth_sendRawTransaction", ["0xdeadbeef"])
    assert ei.value.code == -32602
    with pytest.raises(RpcError):
        chain.rpc("eth_getBalance", ["0x1234"])
    # A revert carries the ABI-encoded reason as data (code 3, like geth).
    ident = Account.create().address
    data = (
        RegistryClient(ChainConfig()).contract.functions.changeOwner(ident, ident)._encode_transaction_data()
    )
    with pytest.raises(RpcError) as ei:
        chain.rpc("eth_call", [{"from": chain.dev_accounts[1], "to": DEV_REGISTRY_ADDRESS, "data": data}])
    assert ei.value.code == 3 and "bad_actor" in ei.value.message and ei.value.data


def test_http_server_jsonrpc_envelopes() -> None:
    chain = DevChain(None)
    srv = serve_in_thread(chain)
    try:
        post = lambda body: httpx.post(srv.url, content=body, headers={"Content-Type": "application/json"})  # noqa: E731
        assert post(b"{not json").json()["error"]["code"] == -32700
        assert post(b"[]").json()["error"]["code"] == -32600
        assert post(b'{"jsonrpc":"2.0","id":1}').json()["error"]["code"] == -32600
        assert (
            post(b'{"jsonrpc":"2.0","id":1,"method":"eth_chainId","params":{}}').json()["error"]["code"]
            == -32602
        )
        answer = post(
            json.dumps(
                [
                    {"jsonrpc": "2.0", "id": 1, "method": "eth_chainId", "params": []},
                    {"jsonrpc": "2.0", "id": 2, "method": "nope", "params": []},
                ]
            ).encode()
        ).json()
        assert answer[0]["result"] == hex(chain.chain_id) and answer[1]["error"]["code"] == -32601
        assert httpx.get(srv.url).status_code == 405
    finally:
        srv.stop()


@settings(max_examples=60, deadline=None)
@given(st.binary(max_size=200))
def test_any_request_body_gets_a_jsonrpc_answer(body: bytes) -> None:
    answer = _SHARED.handle(body)
    if answer is not None:
        json.loads(answer)


_SHARED = DevChain(None)


def test_logs_filtering() -> None:
    chain = DevChain(None)
    srv = serve_in_thread(chain)
    try:
        client = RegistryClient(ChainConfig(url=srv.url))
        a = create_identity(chain.chain_id)
        relayer_key = chain.dev_private_key(2)
        from didkit_py.keys import KeyType, key_pair_from_secret

        relayer = key_pair_from_secret(KeyType.SECP256K1, relayer_key)
        for i in range(3):
            sig = client.sign_set_attribute(a.address, a.key, "did/svc/S", bytes([i]))
            client.set_attribute_signed(a.address, sig, "did/svc/S", bytes([i]), relayer)
        topic = "0x" + "00" * 12 + a.address[2:].lower()
        logs = chain.rpc(
            "eth_getLogs", [{"address": DEV_REGISTRY_ADDRESS, "topics": [None, topic], "fromBlock": "0x0"}]
        )
        assert len(logs) == 3 and all("blockTimestamp" in lg for lg in logs)
        one = chain.rpc(
            "eth_getLogs",
            [
                {
                    "topics": [None, [topic]],
                    "fromBlock": logs[1]["blockNumber"],
                    "toBlock": logs[1]["blockNumber"],
                }
            ],
        )
        assert one == [logs[1]]
        assert chain.rpc("eth_getLogs", [{"blockHash": logs[2]["blockHash"]}]) == [logs[2]]
        assert chain.rpc("eth_getLogs", [{"address": [chain.dev_accounts[0]], "fromBlock": "0x0"}]) == []
        with pytest.raises(RpcError):
            chain.rpc("eth_getLogs", [{"topics": "x"}])
    finally:
        srv.stop()


def test_restart_keeps_every_block(tmp_path: Path) -> None:
    chain = DevChain(tmp_path, clock=lambda: 1_800_000_000)
    for n in range(1, 6):
        chain.send_raw_transaction(_signed(chain, n))
    head = chain.rpc("eth_getBlockByNumber", ["latest", False])
    chain.close()
    again = DevChain(tmp_path, clock=lambda: 1_900_000_000)
    assert again.rpc("eth_getBlockByNumber", ["latest", False]) == head  # same hashes, same times
    assert again.registry_address == chain.registry_address
    again.send_raw_transaction(_signed(again, 6))
    assert again.block_number == 7


def test_torn_journal_tail_is_dropped(tmp_path: Path) -> None:
    chain = DevChain(tmp_path)
    chain.send_raw_transaction(_signed(chain, 1))
    chain.close()
    journal = tmp_path / "journal.jsonl"
    with journal.open("ab") as fh:  # a kill -9 in the middle of a write
        fh.write(b'{"n":3,"ts":17')
    again = DevChain(tmp_path)
    assert again.block_number == 2
    again.send_raw_transaction(_signed(again, 2))
    again.close()
    assert DevChain(tmp_path).block_number == 3
    assert all(json.loads(line) for line in journal.read_text().splitlines())


def test_corrupt_journal_is_a_storage_error(tmp_path: Path) -> None:
    from didkit_py.errors import StorageError

    chain = DevChain(tmp_path)
    chain.send_raw_transaction(_signed(chain, 1))
    chain.close()
    journal = tmp_path / "journal.jsonl"
    journal.write_bytes(b"garbage\n" + journal.read_bytes())
    with pytest.raises(StorageError):
        DevChain(tmp_path)


def test_data_dir_is_tied_to_its_chain_id(tmp_path: Path) -> None:
    DevChain(tmp_path).close()
    with pytest.raises(InvalidInput) as ei:
        DevChain(tmp_path, chain_id=4242)
    assert ei.value.code == "chain.chain_id"


def test_bad_settings() -> None:
    with pytest.raises(InvalidInput):
        DevChain(None, chain_id=0)
    with pytest.raises(InvalidInput):
        DevChain(None, mnemonic="not a mnemonic")
    with pytest.raises(InvalidInput):
        serve_in_thread(DevChain(None), host="0.0.0.0")


def test_snapshot_speeds_up_restart_and_never_overrides_the_journal(tmp_path: Path) -> None:
    chain = DevChain(tmp_path)
    for n in range(1, 30):
        chain.send_raw_transaction(_signed(chain, n))
    head = chain.rpc("eth_getBlockByNumber", ["latest", True])
    logs = chain.rpc("eth_getLogs", [{"fromBlock": "0x0"}])
    chain.close()
    assert (tmp_path / "snapshot.bin").exists()
    again = DevChain(tmp_path)  # from the snapshot
    assert again.rpc("eth_getBlockByNumber", ["latest", True]) == head
    assert again.rpc("eth_getLogs", [{"fromBlock": "0x0"}]) == logs
    again.send_raw_transaction(_signed(again, 30))  # then "kill -9": the journal is ahead now
    newest = again.rpc("eth_getBlockByNumber", ["latest", False])
    assert DevChain(tmp_path).rpc("eth_getBlockByNumber", ["latest", False]) == newest
    # A damaged snapshot is ignored; the journal alone rebuilds the same chain.
    (tmp_path / "snapshot.bin").write_bytes(b"DIDKIT-DEVCHAIN-SNAPSHOT/1\n" + b"\x00" * 64)
    assert DevChain(tmp_path).rpc("eth_getBlockByNumber", ["latest", False]) == newest
    # A snapshot ahead of a lost journal does not win either.
    DevChain(tmp_path).close()
    (tmp_path / "journal.jsonl").write_bytes(b"")
    fresh = DevChain(tmp_path)
    assert fresh.block_number == 1 and fresh.registry_address == DEV_REGISTRY_ADDRESS
