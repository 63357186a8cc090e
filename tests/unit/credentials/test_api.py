"""The format registry and the issue/present/derive/verify entry points."""

from __future__ import annotations

import contextlib
import json
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.credentials import (
    BASE_CONTEXT_V2,
    FORMAT_TABLE,
    FormatRegistry,
    SecuringFormat,
    build_presentation,
    default_registry,
    derive,
    envelope,
    issue,
    load_secured,
    signer_for_key,
    verify,
    verify_sync,
)
from didkit_py.did import default_resolver
from didkit_py.errors import DidkitError, InvalidInput, LimitExceeded, UnsupportedError
from didkit_py.keys import KeyType, generate_key

NOW = datetime(2026, 1, 1, tzinfo=UTC)


def _cred(issuer: str) -> dict[str, Any]:
    return {
        "@context": [BASE_CONTEXT_V2],
        "type": ["VerifiableCredential"],
        "issuer": issuer,
        "credentialSubject": {"name": "Alice"},
    }


def test_registry_table_and_protocol() -> None:
    registry = default_registry()
    assert registry.names == tuple(name for name, _ in FORMAT_TABLE)
    for fmt in registry.formats:
        assert isinstance(fmt, SecuringFormat)
        assert fmt.media_types, fmt.name
    assert registry.get("vc+jwt").name == "vc+jwt"
    assert registry.by_media_type("application/vc+jwt").name == "vc+jwt"
    assert registry.detect("a.b.c").name == "vc+jwt"
    with pytest.raises(UnsupportedError) as info:
        registry.get("ldp_vc")
    assert info.value.code == "format.unknown"
    with pytest.raises(UnsupportedError):
        registry.by_media_type("application/unknown")
    with pytest.raises(InvalidInput) as info2:
        FormatRegistry([]).detect("a.b.c")
    assert info2.value.code == "format.unrecognized"


def test_default_registry_checks_names() -> None:
    with pytest.raises(RuntimeError):
        default_registry((("not-jose", "didkit_py.suites.jose:FORMAT"),))


def test_detection_is_exclusive() -> None:
    """No document is claimed by two formats (the table's first rule)."""
    registry = default_registry()
    samples: list[Any] = ["a.b.c", "a.b.c~d~", "a.b.c~", {"proof": {"type": "DataIntegrityProof"}}, {"x": 1}]
    for sample in samples:
        claimed = [f.name for f in registry.formats if f.detect(sample)]
        assert len(claimed) <= 1, (sample, claimed)


@pytest.mark.parametrize(
    ("given_input", "expected"),
    [
        ("  a.b.c\n", ("a.b.c", None)),
        (b"a.b.c", ("a.b.c", None)),
        ('"a.b.c"', ("a.b.c", None)),
        ('{"proof": {}}', ({"proof": {}}, None)),
        (
            {"id": "data:application/vc+jwt,a.b.c", "type": "EnvelopedVerifiableCredential"},
            ("a.b.c", "application/vc+jwt"),
        ),
    ],
)
def test_load_secured(given_input: Any, expected: Any) -> None:
    assert load_secured(given_input) == expected


@pytest.mark.parametrize(
    ("bad", "cls", "code"),
    [
        ("", InvalidInput, "document.empty"),
        (b"\xff", InvalidInput, "document.encoding"),
        ("[1, 2]", InvalidInput, "document.type"),
        (42, InvalidInput, "document.type"),
        ("x" * 3_000_000, LimitExceeded, "document.too_large"),
        ('{"a": 1, "a": 2}', InvalidInput, "document.json"),
    ],
)
def test_load_secured_rejects(bad: Any, cls: type[DidkitError], code: str) -> None:
    with pytest.raises(cls) as info:
        load_secured(bad)
    assert info.value.code == code


def test_derive_unsupported_for_vc_jwt() -> None:
    signer = signer_for_key(generate_key(KeyType.ED25519))
    token = issue(_cred(signer.did), signer=signer, now=NOW)
    with pytest.raises(UnsupportedError) as info:
        derive(token, now=NOW, disclose=["/credentialSubject/name"])
    assert info.value.code == "format.derive"


def test_build_presentation_refuses_unsecured_credential() -> None:
    with pytest.raises(InvalidInput) as info:
        build_presentation([_cred("did:example:x")], holder="did:example:h")
    assert info.value.code == "presentation.unsecured"


def test_issue_rejects_challenge_on_credentials() -> None:
    signer = signer_for_key(generate_key(KeyType.ED25519))
    with pytest.raises(InvalidInput) as info:
        issue(_cred(signer.did), signer=signer, now=NOW, challenge="c")
    assert info.value.code == "issue.challenge"


def test_issue_rejects_key_without_jws_alg() -> None:
    signer = signer_for_key(generate_key(KeyType.X25519))
    with pytest.raises(DidkitError):
        issue(_cred(signer.did), signer=signer, now=NOW)


def test_verify_sync() -> None:
    signer = signer_for_key(generate_key(KeyType.SECP256K1), method="jwk")
    token = issue(_cred(signer.did), signer=signer, now=NOW)
    result = verify_sync(token, resolver=default_resolver(), now=NOW)
    assert result.verified and result.signer == signer.did
    assert json.loads(json.dumps(result.to_dict()))["checks"][-1]["name"] == "validity period"


@settings(max_examples=200)
@given(st.binary(max_size=300))
async def test_verify_random_bytes_only_our_errors(data: bytes) -> None:
    with contextlib.suppress(DidkitError):
        result = await verify(data, resolver=default_resolver(), now=NOW)
        assert not result.verified


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=12),
    lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=8), c, max_size=4),
    max_leaves=20,
)


@settings(max_examples=200)
@given(_json)
async def test_verify_random_json_only_our_errors(value: Any) -> None:
    with contextlib.suppress(DidkitError):
        result = await verify(json.dumps(value), resolver=default_resolver(), now=NOW)
        assert not result.verified


async def test_vp_jwt_carries_data_integrity_credentials_embedded_and_enveloped() -> None:
    """A presentation in one format verifies credentials secured in another, via the registry."""
    issuer = signer_for_key(generate_key(KeyType.ED25519))
    holder = signer_for_key(generate_key(KeyType.P256))
    di = issue(
        {**_cred(issuer.did), "credentialSubject": {"id": holder.did}},
        signer=issuer,
        now=NOW,
        format="eddsa-rdfc-2022",
    )
    assert isinstance(di, dict) and "proof" in di
    vp_doc = build_presentation([di], holder=holder.did)
    vp_doc["verifiableCredential"].append(envelope("application/vc", json.dumps(di)))
    vp = issue(vp_doc, signer=holder, now=NOW, challenge="c")
    result = await verify(vp, resolver=default_resolver(), now=NOW, challenge="c")
    assert result.verified, result.errors
    assert [c.format for c in result.credentials] == ["eddsa-rdfc-2022", "eddsa-rdfc-2022"]
    tampered = {**di, "credentialSubject": {"id": "did:example:mallory"}}
    bad = issue(build_presentation([tampered], holder=holder.did), signer=holder, now=NOW)
    bad_result = await verify(bad, resolver=default_resolver(), now=NOW)
    assert not bad_result.verified and bad_result.credentials[0].verified is False
