"""vc+jwt against npm `jose` (pinned): our tokens verify there, theirs verify here (CLI included).

jose 6 runs on WebCrypto, which lacks secp256k1, so for ES256K the peer script uses Node's own
crypto (OpenSSL) for the same compact JWS operations; EdDSA and ES256 go through jose itself.
"""

from __future__ import annotations

import json
import subprocess
import sys
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from didkit_py._encoding import b64url_decode, b64url_encode
from didkit_py.credentials import BASE_CONTEXT_V2, Signer, issue, present, signer_for_key, verify
from didkit_py.did import default_resolver
from didkit_py.keys import KeyType, generate_key, private_jwk, public_jwk

pytestmark = pytest.mark.interop

NOW = datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)
ALGS = {KeyType.ED25519: "EdDSA", KeyType.P256: "ES256", KeyType.SECP256K1: "ES256K"}
CASES = [(kt, m) for kt in ALGS for m in ("key", "jwk")]


def credential(issuer: str, subject: str = "did:example:alice") -> dict[str, Any]:
    return {
        "@context": [BASE_CONTEXT_V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:6a1e4f2c-3b5d-4e8f-9a0b-1c2d3e4f5a6b",
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2030-01-01T00:00:00Z",
        "credentialSubject": {"id": subject, "degree": {"name": "Bachelor of Science and Arts"}},
    }


def cli_verify(path: Path, *extra: str) -> tuple[int, dict[str, Any], str]:
    proc = subprocess.run(
        [sys.executable, "-m", "didkit_py.cli.main", "vc", "verify", "--json", *extra, str(path)],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert "Traceback" not in proc.stderr
    return proc.returncode, json.loads(proc.stdout), proc.stderr


@pytest.mark.parametrize(("key_type", "method"), CASES, ids=[f"{k.value}-did:{m}" for k, m in CASES])
def test_our_vc_jwt_verifies_with_jose(node: Any, key_type: KeyType, method: str) -> None:
    signer = signer_for_key(generate_key(key_type), method=method)  # type: ignore[arg-type]
    token = issue(credential(signer.did), signer=signer, now=NOW)
    out = node(
        "jose_peer.mjs",
        {
            "op": "verify",
            "jwt": token,
            "jwk": public_jwk(signer.key),
            "alg": ALGS[key_type],
            "typ": "vc+jwt",
            "issuer": signer.did,
            "currentDate": NOW.isoformat(),
        },
    )
    assert out["verified"] is True, out
    assert out["header"] == {
        "alg": ALGS[key_type],
        "kid": signer.verification_method,
        "typ": "vc+jwt",
        "cty": "vc",
    }
    assert out["payload"]["credentialSubject"]["degree"]["name"] == "Bachelor of Science and Arts"
    assert out["jwtPayload"]["iss"] == signer.did  # registered claims agree with the credential


def test_jose_rejects_our_tampered_token(node: Any) -> None:
    """The peer really checks: flip the payload and jose refuses it too."""
    signer = signer_for_key(generate_key(KeyType.ED25519))
    h, p, s = issue(credential(signer.did), signer=signer, now=NOW).split(".")  # type: ignore[union-attr]
    payload = json.loads(b64url_decode(p))
    payload["credentialSubject"]["degree"]["name"] = "PhD"
    forged = f"{h}.{b64url_encode(json.dumps(payload).encode())}.{s}"
    out = node(
        "jose_peer.mjs", {"op": "verify", "jwt": forged, "jwk": public_jwk(signer.key), "alg": "EdDSA"}
    )
    assert out == {"verified": False, "code": "ERR_JWS_SIGNATURE_VERIFICATION_FAILED"}


def _jose_sign(node: Any, signer: Signer, payload: dict[str, Any], alg: str, **header: str) -> str:
    out = node(
        "jose_peer.mjs",
        {
            "op": "sign",
            "payload": payload,
            "jwk": private_jwk(signer.key),
            "alg": alg,
            "kid": signer.verification_method,
            **header,
        },
    )
    return str(out["jwt"])


@pytest.mark.parametrize(("key_type", "method"), CASES, ids=[f"{k.value}-did:{m}" for k, m in CASES])
def test_jose_signed_vc_verifies_with_didkit_cli(
    node: Any, tmp_path: Path, key_type: KeyType, method: str
) -> None:
    signer = signer_for_key(generate_key(key_type), method=method)  # type: ignore[arg-type]
    token = _jose_sign(node, signer, credential(signer.did), ALGS[key_type], typ="vc+jwt", cty="vc")
    (tmp_path / "vc.jwt").write_text(token)
    code, report, _ = cli_verify(tmp_path / "vc.jwt", "--now", "2026-01-01T12:00:00Z")
    assert code == 0, report
    assert report["verified"] is True and report["signer"] == signer.did


def test_jose_signed_with_fully_specified_ed25519_alg(node: Any, tmp_path: Path) -> None:
    """RFC 9864's `Ed25519` alg name (what newer JOSE stacks emit) is accepted too."""
    signer = signer_for_key(generate_key(KeyType.ED25519))
    token = _jose_sign(node, signer, credential(signer.did), "Ed25519", typ="vc+jwt")
    (tmp_path / "vc.jwt").write_text(token)
    code, report, _ = cli_verify(tmp_path / "vc.jwt", "--now", "2026-01-01T12:00:00Z")
    assert code == 0, report


def test_jose_signed_by_wrong_key_fails_in_cli(node: Any, tmp_path: Path) -> None:
    signer = signer_for_key(generate_key(KeyType.P256))
    mallory = signer_for_key(generate_key(KeyType.P256))
    forged_signer = Signer(mallory.key, signer.verification_method)  # Mallory's key, the issuer's kid
    token = _jose_sign(node, forged_signer, credential(signer.did), "ES256", typ="vc+jwt")
    (tmp_path / "vc.jwt").write_text(token)
    code, report, _ = cli_verify(tmp_path / "vc.jwt", "--now", "2026-01-01T12:00:00Z")
    assert code == 1 and report["errors"][0]["code"] == "jwt.signature"


def test_jose_unsecured_jwt_rejected_in_cli(node: Any, tmp_path: Path) -> None:
    signer = signer_for_key(generate_key(KeyType.ED25519))
    token = node("jose_peer.mjs", {"op": "unsecured", "payload": credential(signer.did)})["jwt"]
    (tmp_path / "vc.jwt").write_text(token)
    code, report, _ = cli_verify(tmp_path / "vc.jwt")
    assert code == 1 and report["errors"][0]["code"] == "jwt.alg_none"


async def test_jose_signed_presentation_envelope(node: Any) -> None:
    """A vp+jwt whose holder signature comes from jose, enveloping a vc+jwt from us."""
    issuer = signer_for_key(generate_key(KeyType.ED25519))
    holder = signer_for_key(generate_key(KeyType.SECP256K1), method="jwk")
    vc = issue(credential(issuer.did, subject=holder.did), signer=issuer, now=NOW)
    ours = present([vc], signer=holder, now=NOW, challenge="n1", domain="https://v.example")
    assert isinstance(ours, str)
    vp_payload = json.loads(b64url_decode(ours.split(".")[1]))
    theirs = _jose_sign(node, holder, vp_payload, "ES256K", typ="vp+jwt", cty="vp")
    result = await verify(
        theirs,
        resolver=default_resolver(),
        now=NOW,
        challenge="n1",
        domain="https://v.example",
        expect="presentation",
    )
    assert result.verified, result.errors
    assert [c.signer for c in result.credentials] == [issuer.did]
