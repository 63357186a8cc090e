# ruff: noqa: E501  (fixtures read best one per line; total-function tests use try/except)
from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest

from didkit_py.exchange import HeldCredential

CTX = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]
NOW = datetime(2026, 11, 25, tzinfo=UTC)


def make_vc(
    cid: str,
    types: list[str],
    subject: dict[str, Any],
    *,
    issuer: str = "did:web:issuer.example",
    suite: str = "eddsa-rdfc-2022",
    valid_from: str = "2024-01-01T00:00:00Z",
    valid_until: str | None = None,
) -> dict[str, Any]:
    vc: dict[str, Any] = {
        "@context": CTX,
        "id": cid,
        "type": ["VerifiableCredential", *types],
        "issuer": {"id": issuer, "name": "Issuer"},
        "validFrom": valid_from,
        "credentialSubject": subject,
        "proof": {"type": "DataIntegrityProof", "cryptosuite": suite, "proofValue": "z1"},
    }
    if valid_until:
        vc["validUntil"] = valid_until
    return vc


def held(*args: Any, **kw: Any) -> HeldCredential:
    return HeldCredential.from_vc(make_vc(*args, **kw))


@pytest.fixture
def now() -> datetime:
    return NOW


@pytest.fixture
def wallet() -> list[HeldCredential]:
    return [
        held("urn:a:id", ["IdentityCard"], {"given_name": "A", "family_name": "B", "birth_date": "1990-01-01",
                                             "address": {"postalCode": "69115", "city": "HD"}}),
        held("urn:a:age", ["AgeOverCredential"], {"age_over_18": True, "age_over_65": False}, suite="bbs-2023"),
        held("urn:a:pay", ["PayslipCredential"], {"net": {"value": 3000, "currency": "EUR"}, "year": 2026}),
        held("urn:a:old", ["IdentityCard"], {"given_name": "A", "family_name": "B", "birth_date": "1990-01-01"},
             valid_until="2025-01-01T00:00:00Z"),
        held("urn:a:future", ["AgeOverCredential"], {"age_over_18": True}, valid_from="2027-01-01T00:00:00Z"),
        held("urn:a:tor", ["TranscriptCredential"], {"courses": [{"title": "Math", "ects": 5}, {"title": "Art", "ects": 3}]}),
    ]  # fmt: skip
