"""``didkit did resolve`` through Typer's CliRunner: exit codes 0/1/3 and JSON output."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from typer.testing import CliRunner

from didkit_py._encoding import b58_encode
from didkit_py.cli.main import app
from didkit_py.did import did_jwk_from_public, did_key_from_public
from didkit_py.keys import KeyType, generate_key

runner = CliRunner()
KEY = generate_key(KeyType.ED25519)
DID_KEY = did_key_from_public(KeyType.ED25519, KEY.public_key)


def test_resolve_json_full_result() -> None:
    res = runner.invoke(app, ["did", "resolve", DID_KEY, "--json"])
    assert res.exit_code == 0, res.output
    out = json.loads(res.stdout)
    assert out["didDocument"]["id"] == DID_KEY
    assert out["didResolutionMetadata"] == {"contentType": "application/did+ld+json"}
    assert out["@context"] == "https://w3id.org/did-resolution/v1"


def test_resolve_human_summary() -> None:
    res = runner.invoke(app, ["did", "resolve", DID_KEY])
    assert res.exit_code == 0
    assert DID_KEY in res.stdout  # printed verbatim, no ':key:' emoji
    assert "Multikey" in res.stdout and "keyAgreement" in res.stdout and "X25519" in res.stdout
    did_jwk = did_jwk_from_public(KeyType.P256, generate_key(KeyType.P256).public_key)
    res = runner.invoke(app, ["did", "resolve", did_jwk])
    assert res.exit_code == 0 and "JsonWebKey" in res.stdout and "P-256" in res.stdout


@pytest.mark.parametrize(
    ("did", "code", "exit_code"),
    [
        ("not-a-did", "invalidDid", 3),
        ("did:nope:x", "methodNotSupported", 3),
        ("did:key:z" + b58_encode(b"\xed\x01" + bytes(31)), "invalidPublicKeyLength", 3),
        ("did:web:1.2.3.4", "invalidDid", 3),
    ],
)
def test_resolve_errors(did: str, code: str, exit_code: int) -> None:
    res = runner.invoke(app, ["did", "resolve", did, "--json"])
    assert res.exit_code == exit_code
    out = json.loads(res.stdout)
    assert out["didDocument"] is None and out["didResolutionMetadata"]["error"] == code
    assert code in res.stderr and "Traceback" not in res.output
    res = runner.invoke(app, ["did", "resolve", did])
    assert res.exit_code == exit_code and res.stdout == ""


class _Handler(BaseHTTPRequestHandler):
    doc: bytes = b""

    def do_GET(self) -> None:
        if self.path == "/.well-known/did.json" and self.doc:
            self.send_response(200)
            self.send_header("content-length", str(len(self.doc)))
            self.end_headers()
            self.wfile.write(self.doc)
        else:
            self.send_response(404)
            self.send_header("content-length", "0")
            self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def web_did() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("H", (_Handler,), {"doc": b""})
    httpd = ThreadingHTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=httpd.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"did:web:127.0.0.1%3A{httpd.server_address[1]}", handler
    finally:
        httpd.shutdown()
        httpd.server_close()
        thread.join()


def test_resolve_did_web_found_and_not_found(web_did: tuple[str, type[_Handler]]) -> None:
    did, handler = web_did
    res = runner.invoke(app, ["did", "resolve", did, "--allow-loopback-http", "--json"])
    assert res.exit_code == 1  # notFound is a failed check, not bad input
    assert json.loads(res.stdout)["didResolutionMetadata"]["error"] == "notFound"
    handler.doc = json.dumps(
        {
            "@context": "https://www.w3.org/ns/did/v1",
            "id": did,
            "verificationMethod": [{"id": "#k", "type": "JsonWebKey", "controller": did, "publicKeyJwk": {}}],
            "service": [{"id": "#s", "type": "LinkedDomains", "serviceEndpoint": "https://example.com/"}],
        }
    ).encode()
    res = runner.invoke(app, ["did", "resolve", did, "--allow-loopback-http"])
    assert res.exit_code == 0, res.output
    assert "Services" in res.stdout and "https://example.com/" in res.stdout
    assert "jwk.kty" in res.stdout  # a broken key is shown, not a crash


def test_dereference() -> None:
    mb = DID_KEY.split(":")[2]
    res = runner.invoke(app, ["did", "dereference", f"{DID_KEY}#{mb}"])
    assert res.exit_code == 0, res.output
    assert json.loads(res.stdout) == {
        "id": f"{DID_KEY}#{mb}",
        "type": "Multikey",
        "controller": DID_KEY,
        "publicKeyMultibase": mb,
    }
    res = runner.invoke(app, ["did", "dereference", f"{DID_KEY}#nope", "--json"])
    assert res.exit_code == 1 and "notFound" in res.stderr
    assert json.loads(res.stdout)["didResolutionMetadata"]["error"] == "notFound"
    res = runner.invoke(app, ["did", "dereference", f"{DID_KEY}#a#b"])
    assert res.exit_code == 3 and "invalidDidUrl" in res.stderr
