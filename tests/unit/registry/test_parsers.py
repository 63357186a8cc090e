"""Parsers of outside input in the registry package: logs, JSON-RPC answers, signatures."""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
from eth_abi.abi import encode as abi_encode
from eth_keys.backends.native.main import NativeECCBackend
from eth_keys.datatypes import PrivateKey, Signature
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.errors import ChainError, NetworkError, ResolutionError
from didkit_py.registry._fastecc import FastECCBackend
from didkit_py.registry.events import ATTRIBUTE_CHANGED, DELEGATE_CHANGED, OWNER_CHANGED, decode_log
from didkit_py.registry.rpc import AsyncJsonRpc

IDENT = "0x" + "00" * 12 + "ab" * 20


def _log(topic0: bytes, data: bytes, **extra: object) -> dict[str, object]:
    out: dict[str, object] = {
        "topics": ["0x" + topic0.hex(), IDENT],
        "data": "0x" + data.hex(),
        "blockNumber": "0x5",
        "logIndex": "0x0",
        "transactionHash": "0x" + "11" * 32,
    }
    out.update(extra)
    return out


def test_decode_each_event() -> None:
    ev = decode_log(_log(OWNER_CHANGED, abi_encode(["address", "uint256"], ["0x" + "cd" * 20, 4])))
    assert (
        ev
        and ev.kind == "DIDOwnerChanged"
        and ev.previous_change == 4
        and ev.owner.lower() == "0x" + "cd" * 20
    )
    data = abi_encode(
        ["bytes32", "address", "uint256", "uint256"], [b"veriKey".ljust(32, b"\0"), "0x" + "ef" * 20, 9, 3]
    )
    ev = decode_log(_log(DELEGATE_CHANGED, data, blockTimestamp="0x64"))
    assert ev and ev.delegate_type_text == "veriKey" and ev.valid_to == 9 and ev.block_timestamp == 100
    data = abi_encode(["bytes32", "bytes", "uint256", "uint256"], [b"\xff" * 32, b"v", 0, 0])
    ev = decode_log(_log(ATTRIBUTE_CHANGED, data))
    assert ev and ev.name_text is None and not ev.is_did_event  # not UTF-8: kept for the walk only
    assert decode_log(_log(b"\x01" * 32, b"")) is None  # some other event


@settings(max_examples=300, deadline=None)
@given(
    st.sampled_from([OWNER_CHANGED, DELEGATE_CHANGED, ATTRIBUTE_CHANGED, b"\x00" * 32]),
    st.binary(max_size=300),
    st.one_of(st.none(), st.text(max_size=10), st.integers()),
)
def test_any_log_decodes_or_is_a_resolution_error(topic0: bytes, data: bytes, number: object) -> None:
    raw = _log(topic0, data, blockNumber=number)
    try:
        decode_log(raw)
    except ResolutionError as exc:
        assert exc.code == "registry.malformed_log"


@settings(max_examples=100, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=5),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=3),
    )
)
def test_any_json_as_a_log(value: object) -> None:
    with contextlib.suppress(ResolutionError):
        decode_log(value)


@settings(max_examples=40, deadline=None)
@given(st.binary(min_size=32, max_size=32), st.binary(min_size=32, max_size=32))
def test_fast_recovery_equals_native(secret: bytes, digest: bytes) -> None:
    try:
        key = PrivateKey(secret)
    except Exception:
        return
    sig = key.sign_msg_hash(digest)
    assert FastECCBackend().ecdsa_recover(digest, sig) == NativeECCBackend().ecdsa_recover(digest, sig)
    assert FastECCBackend().ecdsa_verify(digest, sig, key.public_key)
    assert not FastECCBackend().ecdsa_verify(bytes(32), sig, key.public_key) or digest == bytes(32)


def test_fast_recovery_rejects_what_native_rejects() -> None:
    digest = os.urandom(32)
    bad = Signature(vrs=(0, 0, 1))  # r = 0: not a signature
    with pytest.raises(Exception) as a:
        FastECCBackend().ecdsa_recover(digest, bad)
    with pytest.raises(Exception) as b:
        NativeECCBackend().ecdsa_recover(digest, bad)
    assert type(a.value) is type(b.value)


class _Fixed(BaseHTTPRequestHandler):
    body: bytes = b""
    status: int = 200

    def do_POST(self) -> None:
        self.rfile.read(int(self.headers.get("Content-Length", "0")))
        self.send_response(self.status)
        self.send_header("Content-Length", str(len(self.body)))
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *a: object) -> None:
        pass


@pytest.mark.parametrize(
    ("status", "body", "error"),
    [
        (200, b"not json", NetworkError),
        (200, b"[1,2]", NetworkError),
        (200, b'{"jsonrpc":"2.0","id":1}', NetworkError),
        (500, b"{}", NetworkError),
        (200, b'{"jsonrpc":"2.0","id":1,"error":{"code":-32000,"message":"boom"}}', ChainError),
    ],
)
def test_bad_node_answers(status: int, body: bytes, error: type[Exception]) -> None:
    handler = type("H", (_Fixed,), {"body": body, "status": status})
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        rpc = AsyncJsonRpc(f"http://127.0.0.1:{srv.server_address[1]}", timeout=5)
        with pytest.raises(error):
            asyncio.run(rpc.call("eth_chainId"))
    finally:
        srv.shutdown()
        srv.server_close()


def test_batch_falls_back_when_the_node_does_not_batch() -> None:
    handler = type(
        "H", (_Fixed,), {"body": json.dumps({"jsonrpc": "2.0", "id": None, "result": "0x1"}).encode()}
    )
    srv = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    threading.Thread(target=srv.serve_forever, daemon=True).start()
    try:
        rpc = AsyncJsonRpc(f"http://127.0.0.1:{srv.server_address[1]}", timeout=5)
        assert asyncio.run(rpc.batch([("eth_chainId", []), ("eth_blockNumber", [])])) == ["0x1", "0x1"]
    finally:
        srv.shutdown()
        srv.server_close()
