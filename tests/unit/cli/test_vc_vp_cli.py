"""`didkit vc` / `didkit vp`: real command lines, exit codes 0/1/3, never a traceback."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from didkit_py._encoding import b64url_decode, b64url_encode
from didkit_py.cli.main import app
from didkit_py.credentials import BASE_CONTEXT_V2, Signer, signer_for_key
from didkit_py.keys import KeyPair, KeyType, generate_key, save_key_file, sign

NOW = "2026-01-01T12:00:00Z"
NOW_TS = int(datetime(2026, 1, 1, 12, tzinfo=UTC).timestamp())


def run(*args: str | Path, input: str | None = None) -> Result:
    result = CliRunner().invoke(app, [str(a) for a in args], input=input)
    assert "Traceback" not in result.output and "Traceback" not in result.stderr
    if result.exception is not None:
        assert isinstance(result.exception, SystemExit), repr(result.exception)
    return result


@pytest.fixture(scope="module")
def keys(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Any]:
    d = tmp_path_factory.mktemp("keys")
    out: dict[str, Any] = {}
    for name, kt in (("issuer", KeyType.ED25519), ("holder", KeyType.P256), ("other", KeyType.SECP256K1)):
        kp = generate_key(kt)
        save_key_file(d / f"{name}.json", kp)
        out[name] = (d / f"{name}.json", kp, signer_for_key(kp))
    return out


def credential(issuer: str | None, **changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [BASE_CONTEXT_V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "degree": {"name": "BSc"}},
    }
    if issuer is not None:
        doc["issuer"] = issuer
    for k, v in changes.items():
        k = k.replace("__", "@")
        if v is None:
            doc.pop(k, None)
        else:
            doc[k] = v
    return doc


def jws(header: dict[str, Any], payload: Any, key: KeyPair | None) -> str:
    h = b64url_encode(json.dumps(header).encode())
    p = b64url_encode(json.dumps(payload).encode())
    return f"{h}.{p}." + (b64url_encode(sign(key, f"{h}.{p}".encode())) if key else "")


def hdr(s: Signer, **changes: Any) -> dict[str, Any]:
    alg = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256", KeyType.SECP256K1: "ES256K"}[s.key.key_type]
    h = {"alg": alg, "kid": s.verification_method, "typ": "vc+jwt"}
    h.update(changes)
    return {k: v for k, v in h.items() if v is not None}


def test_issue_then_verify(tmp_path: Path, keys: dict[str, Any]) -> None:
    key_file, _, signer = keys["issuer"]
    (tmp_path / "cred.json").write_text(json.dumps(credential(None)))
    issued = run("vc", "issue", "--key", key_file, tmp_path / "cred.json")
    assert issued.exit_code == 0, issued.stderr
    token = issued.stdout.strip()
    assert token.count(".") == 2 and "issuer set to" in issued.stderr
    (tmp_path / "vc.jwt").write_text(token + "\n")
    verified = run("vc", "verify", tmp_path / "vc.jwt")
    assert verified.exit_code == 0 and "VERIFIED" in verified.stdout
    as_json = run("vc", "verify", "--json", tmp_path / "vc.jwt")
    report = json.loads(as_json.stdout)
    assert report["verified"] is True and report["signer"] == signer.did
    assert report["document"]["issuer"] == signer.did
    via_stdin = run("vc", "verify", "-", input=token)
    assert via_stdin.exit_code == 0


def test_issue_json_out_file_and_did_jwk(tmp_path: Path, keys: dict[str, Any]) -> None:
    key_file, _kp, _ = keys["holder"]
    (tmp_path / "cred.json").write_text(json.dumps(credential(None)))
    out = tmp_path / "vc.jwt"
    issued = run(
        "vc", "issue", "--key", key_file, "--did-method", "jwk", "--json", "-o", out, tmp_path / "cred.json"
    )
    assert issued.exit_code == 0, issued.stderr
    summary = json.loads(issued.stdout)
    assert summary["issuer"].startswith("did:jwk:") and summary["verificationMethod"].endswith("#0")
    assert out.read_text().strip() == summary["secured"]
    assert run("vc", "verify", out).exit_code == 0


def test_present_and_verify(tmp_path: Path, keys: dict[str, Any]) -> None:
    (tmp_path / "cred.json").write_text(json.dumps(credential(None)))
    token = run("vc", "issue", "--key", keys["issuer"][0], tmp_path / "cred.json").stdout.strip()
    (tmp_path / "vc.jwt").write_text(token)
    vp = run(
        "vp",
        "issue",
        "--key",
        keys["holder"][0],
        "--challenge",
        "c-123",
        "--domain",
        "https://v.example",
        tmp_path / "vc.jwt",
    )
    assert vp.exit_code == 0, vp.stderr
    (tmp_path / "vp.jwt").write_text(vp.stdout)
    ok = run("vp", "verify", "--challenge", "c-123", "--domain", "https://v.example", tmp_path / "vp.jwt")
    assert ok.exit_code == 0 and "VERIFIED" in ok.stdout, ok.stdout
    wrong = run(
        "vp", "verify", "--challenge", "c-999", "--domain", "https://v.example", "--json", tmp_path / "vp.jwt"
    )
    assert wrong.exit_code == 1 and json.loads(wrong.stdout)["errors"][0]["code"] == "vp.challenge"
    wrong_domain = run(
        "vp", "verify", "--challenge", "c-123", "--domain", "https://evil.example", tmp_path / "vp.jwt"
    )
    assert wrong_domain.exit_code == 1 and "vp.domain" in wrong_domain.stdout
    # A credential is not a presentation, and vice versa.
    assert (
        json.loads(run("vp", "verify", "--json", tmp_path / "vc.jwt").stdout)["errors"][0]["code"]
        == "jwt.kind"
    )
    assert run("vc", "verify", tmp_path / "vp.jwt").exit_code == 3
    # A replay after the presentation expired.
    late = run("vp", "verify", "--challenge", "c-123", "--now", "2100-01-01T00:00:00Z", tmp_path / "vp.jwt")
    assert late.exit_code == 1 and "jwt.expired" in late.stdout


def test_vp_issue_with_tampered_credential_is_rejected_on_verify(
    tmp_path: Path, keys: dict[str, Any]
) -> None:
    (tmp_path / "cred.json").write_text(json.dumps(credential(None)))
    token = run("vc", "issue", "--key", keys["issuer"][0], tmp_path / "cred.json").stdout.strip()
    h, p, s = token.split(".")
    payload = json.loads(b64url_decode(p))
    payload["credentialSubject"]["degree"]["name"] = "PhD"
    (tmp_path / "forged.jwt").write_text(f"{h}.{b64url_encode(json.dumps(payload).encode())}.{s}")
    vp = run("vp", "issue", "--key", keys["holder"][0], "--challenge", "c", tmp_path / "forged.jwt")
    (tmp_path / "vp.jwt").write_text(vp.stdout)
    result = run("vp", "verify", "--challenge", "c", "--json", tmp_path / "vp.jwt")
    assert result.exit_code == 1
    report = json.loads(result.stdout)
    assert report["errors"][0]["code"] == "jwt.signature" and report["credentials"][0]["verified"] is False


# Bad inputs through the command line: (name, token maker, exit code, error type, code).
Maker = Callable[[dict[str, Any]], str]


def _i(k: dict[str, Any]) -> Signer:
    return k["issuer"][2]  # type: ignore[no-any-return]


def _good(k: dict[str, Any]) -> str:
    return jws(hdr(_i(k)), credential(_i(k).did), _i(k).key)


BAD_CLI: list[tuple[str, Maker, int, str, str]] = [
    ("truncated JWT", lambda k: ".".join(_good(k).split(".")[:2]), 3, "InvalidInput", "jwt.parts"),
    ("garbage", lambda k: "hello world", 3, "InvalidInput", "jwt.parts"),
    ("bad base64", lambda k: "e*J.e*J.e*J", 3, "InvalidInput", "jwt.header_encoding"),
    (
        "forged signature",
        lambda k: _good(k)[:-4] + ("AAAA" if not _good(k).endswith("AAAA") else "BBBB"),
        1,
        "VerificationError",
        "jwt.signature",
    ),
    (
        "alg none",
        lambda k: jws(hdr(_i(k), alg="none"), credential(_i(k).did), None),
        1,
        "VerificationError",
        "jwt.alg_none",
    ),
    (
        "alg RS256",
        lambda k: jws(hdr(_i(k), alg="RS256"), credential(_i(k).did), _i(k).key),
        3,
        "UnsupportedError",
        "jwt.alg_unsupported",
    ),
    (
        "alg mismatch",
        lambda k: jws(hdr(_i(k), alg="ES256K"), credential(_i(k).did), _i(k).key),
        1,
        "VerificationError",
        "jwt.alg_mismatch",
    ),
    (
        "unknown crit",
        lambda k: jws(hdr(_i(k), crit=["x-ext"], **{"x-ext": 1}), credential(_i(k).did), _i(k).key),
        1,
        "VerificationError",
        "jwt.crit_unsupported",
    ),
    (
        "wrong kid",
        lambda k: jws(hdr(_i(k), kid=_i(k).did + "#other"), credential(_i(k).did), _i(k).key),
        1,
        "NotFound",
        "notFound",
    ),
    (
        "kid for another DID",
        lambda k: jws(hdr(_i(k), kid=k["other"][2].verification_method), credential(_i(k).did), _i(k).key),
        1,
        "VerificationError",
        "jwt.kid_mismatch",
    ),
    (
        "kid malformed DID",
        lambda k: jws(hdr(_i(k), kid="did:key:0OO#x"), credential("did:key:0OO"), _i(k).key),
        3,
        "InvalidInput",
        "invalidDid",
    ),
    (
        "unsupported DID method",
        lambda k: jws(hdr(_i(k), kid="did:nope:abc#x"), credential("did:nope:abc"), _i(k).key),
        3,
        "UnsupportedError",
        "methodNotSupported",
    ),
    (
        "expired",
        lambda k: jws(hdr(_i(k)), credential(_i(k).did, validUntil="2025-06-01T00:00:00Z"), _i(k).key),
        1,
        "VerificationError",
        "credential.expired",
    ),
    (
        "exp claim passed",
        lambda k: jws(hdr(_i(k)), {**credential(_i(k).did), "exp": NOW_TS - 3600}, _i(k).key),
        1,
        "VerificationError",
        "jwt.expired",
    ),
    (
        "nbf in future",
        lambda k: jws(hdr(_i(k)), {**credential(_i(k).did), "nbf": NOW_TS + 3600}, _i(k).key),
        1,
        "VerificationError",
        "jwt.not_yet_valid",
    ),
    (
        "missing @context",
        lambda k: jws(hdr(_i(k)), credential(_i(k).did, __context=None), _i(k).key),
        3,
        "InvalidInput",
        "credential.context_missing",
    ),
    (
        "wrong types",
        lambda k: jws(hdr(_i(k)), credential(_i(k).did, type="ExampleDegreeCredential"), _i(k).key),
        3,
        "InvalidInput",
        "credential.type_base",
    ),
    (
        "issuer missing",
        lambda k: jws(hdr(_i(k)), credential(None), _i(k).key),
        3,
        "InvalidInput",
        "credential.issuer_missing",
    ),
    (
        "non-JSON payload",
        lambda k: b64url_encode(json.dumps(hdr(_i(k))).encode()) + ".bm9wZQ.AAAA",
        3,
        "InvalidInput",
        "jwt.payload_json",
    ),
    (
        "JSON without proof",
        lambda k: json.dumps(credential(_i(k).did)),
        3,
        "InvalidInput",
        "format.unrecognized",
    ),
    ("JSON syntax error", lambda k: '{"@context": [', 3, "InvalidInput", "document.json"),
    ("empty file", lambda k: "   \n", 3, "InvalidInput", "document.empty"),
]


@pytest.mark.parametrize(
    ("make", "exit_code", "error_type", "code"), [c[1:] for c in BAD_CLI], ids=[c[0] for c in BAD_CLI]
)
def test_vc_verify_bad_input(
    tmp_path: Path, keys: dict[str, Any], make: Maker, exit_code: int, error_type: str, code: str
) -> None:
    path = tmp_path / "in.jwt"
    path.write_text(make(keys))
    human = run("vc", "verify", "--now", NOW, path)
    assert human.exit_code == exit_code
    assert code in human.stdout + human.stderr
    machine = run("vc", "verify", "--now", NOW, "--json", path)
    assert machine.exit_code == exit_code
    report = json.loads(machine.stdout)  # exactly one JSON document, even for unreadable input
    assert report["verified"] is False
    assert report["errors"][0]["type"] == error_type and report["errors"][0]["code"] == code


@pytest.mark.parametrize(
    ("args", "exit_code", "message"),
    [
        (["vc", "verify", "/nonexistent/file.jwt"], 3, "io.not_found"),
        (["vc", "verify", "--now", "yesterday", "{vc}"], 3, "cli.now"),
        (["vc", "issue", "--key", "{key}", "/nonexistent/cred.json"], 3, "io.not_found"),
        (["vc", "issue", "--key", "/nonexistent/key.json", "{cred}"], 3, "keyfile.not_found"),
        (["vc", "issue", "--key", "{key}", "--vm", "not-a-did", "{cred}"], 3, "cli.vm"),
        (["vc", "issue", "--key", "{key}", "--format", "ldp_vc", "{cred}"], 3, "format.unknown"),
        (["vc", "issue", "--key", "{key}", "{badcred}"], 3, "credential.subject_missing"),
        (["vc", "issue", "--key", "{key}", "{foreigncred}"], 3, "issue.signer_mismatch"),
        (["vc", "issue", "--key", "{key}", "{notjson}"], 3, "io.json"),
        (["vp", "issue", "--key", "{key}", "{cred}"], 3, "presentation.unsecured"),
        (["vp", "verify", "{big}"], 3, "io.too_large"),
        (["vc", "verify", "{binary}"], 3, "io.encoding"),
    ],
)
def test_cli_input_errors(
    tmp_path: Path, keys: dict[str, Any], args: list[str], exit_code: int, message: str
) -> None:
    files = {
        "key": keys["issuer"][0],
        "cred": tmp_path / "cred.json",
        "badcred": tmp_path / "bad.json",
        "foreigncred": tmp_path / "foreign.json",
        "notjson": tmp_path / "not.json",
        "vc": tmp_path / "vc.jwt",
        "big": tmp_path / "big.jwt",
        "binary": tmp_path / "bin.jwt",
    }
    files["cred"].write_text(json.dumps(credential(None)))
    files["badcred"].write_text(json.dumps(credential(None, credentialSubject=None)))
    files["foreigncred"].write_text(json.dumps(credential("did:example:someone-else")))
    files["notjson"].write_text("{nope")
    files["vc"].write_text("a.b.c")
    files["big"].write_bytes(b"e" * (8 * 1024 * 1024 + 10))
    files["binary"].write_bytes(b"\xff\xfe\x00garbage")
    result = run(*[a.format(**{k: str(v) for k, v in files.items()}) for a in args])
    assert result.exit_code == exit_code, result.output
    assert message in result.stderr + result.stdout


def test_usage_error_exit_2() -> None:
    assert run("vc", "issue").exit_code == 2
