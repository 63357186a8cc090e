"""The Data Integrity cryptosuites through didkit_py.credentials: issue, derive, present, verify."""

from __future__ import annotations

import copy
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from didkit_py.credentials import api
from didkit_py.did import KeyMethod, Resolver
from didkit_py.errors import InvalidInput, UnsupportedError
from didkit_py.keys import KeyType, generate_key

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def _credential(issuer: str) -> dict[str, Any]:
    return {
        "@context": ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": issuer,
        "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:holder", "name": "Pat", "degree": "BSc", "age": 33},
    }


@pytest.fixture(scope="module")
def resolver() -> Resolver:
    return Resolver({"key": KeyMethod()})


@pytest.mark.parametrize(
    ("fmt", "kt"),
    [("eddsa-rdfc-2022", KeyType.ED25519), ("ecdsa-rdfc-2019", KeyType.P256)],
)
async def test_issue_and_verify(fmt: str, kt: KeyType, resolver: Resolver) -> None:
    signer = api.signer_for_key(generate_key(kt))
    vc = api.issue(_credential(signer.did), signer=signer, now=NOW, format=fmt)
    assert isinstance(vc, dict) and vc["proof"]["cryptosuite"] == fmt
    result = await api.verify(vc, resolver=resolver, now=NOW)
    assert result.verified, result.errors
    assert result.format == fmt and result.kind == "credential" and result.signer == signer.did
    assert [c.name for c in result.checks] == ["parse", "proof", "issuer", "validity period"]
    expired = await api.verify(vc, resolver=resolver, now=NOW + timedelta(days=800))
    assert not expired.verified
    tampered = copy.deepcopy(vc)
    tampered["credentialSubject"]["age"] = 34
    bad = await api.verify(tampered, resolver=resolver, now=NOW)
    assert not bad.verified and bad.errors[0].code == "signature.invalid"


async def test_issuer_must_be_signer(resolver: Resolver) -> None:
    signer = api.signer_for_key(generate_key(KeyType.ED25519))
    other = api.signer_for_key(generate_key(KeyType.ED25519))
    with pytest.raises(InvalidInput):
        api.issue(_credential(other.did), signer=signer, now=NOW, format="eddsa-rdfc-2022")


async def test_bbs_issue_derive_present_verify(resolver: Resolver) -> None:
    issuer = api.signer_for_key(generate_key(KeyType.BLS12381G2))
    base = api.issue(
        _credential(issuer.did),
        signer=issuer,
        now=NOW,
        format="bbs-2023",
        extra={"mandatory_pointers": ["/issuer", "/validFrom", "/validUntil"]},
    )
    not_derived = await api.verify(base, resolver=resolver, now=NOW)
    assert not not_derived.verified and not_derived.errors[0].code == "bbs.base_proof"
    derived = api.derive(base, now=NOW, disclose=["/credentialSubject/degree"])
    assert isinstance(derived, dict)
    assert derived["credentialSubject"] == {"id": "did:example:holder", "degree": "BSc"}
    result = await api.verify(derived, resolver=resolver, now=NOW)
    assert result.verified, result.errors
    with pytest.raises(UnsupportedError):
        api.derive(base, now=NOW, disclose=["/credentialSubject/degree"], holder=issuer)

    holder = api.signer_for_key(generate_key(KeyType.ED25519))
    vp = api.present(
        [derived], signer=holder, now=NOW, format="eddsa-rdfc-2022", challenge="n-1", domain="v.example"
    )
    assert isinstance(vp, dict) and vp["proof"]["proofPurpose"] == "authentication"
    ok = await api.verify(vp, resolver=resolver, now=NOW, challenge="n-1", domain="v.example")
    assert ok.verified, (ok.errors, [c.errors for c in ok.credentials])
    assert ok.kind == "presentation" and len(ok.credentials) == 1 and ok.credentials[0].verified
    wrong = await api.verify(vp, resolver=resolver, now=NOW, challenge="n-2", domain="v.example")
    assert not wrong.verified
    # Changing the embedded credential breaks both the presentation and the credential proof.
    forged = copy.deepcopy(vp)
    forged["verifiableCredential"][0]["credentialSubject"]["degree"] = "PhD"
    assert not (
        await api.verify(forged, resolver=resolver, now=NOW, challenge="n-1", domain="v.example")
    ).verified
    with pytest.raises(InvalidInput):
        api.issue(
            {"@context": ["https://www.w3.org/ns/credentials/v2"], "type": ["VerifiablePresentation"]},
            signer=issuer,
            now=NOW,
            format="bbs-2023",
        )
