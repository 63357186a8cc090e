"""VC Data Model 2.0 validation: good documents parse, every bad one names its field and code."""

from __future__ import annotations

import contextlib
import copy
import json
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.credentials.model import (
    BASE_CONTEXT_V1,
    BASE_CONTEXT_V2,
    Limits,
    check_validity_period,
    envelope,
    loads_json,
    parse_credential,
    parse_datetime,
    parse_enveloped_credential,
    parse_presentation,
)
from didkit_py.errors import DidkitError, InvalidInput, LimitExceeded, VerificationError

ISSUER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"


def cred(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [BASE_CONTEXT_V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "id": "urn:uuid:58172aac-d8ba-11ed-83dd-0b3aef56cc33",
        "type": ["VerifiableCredential", "ExampleAlumniCredential"],
        "issuer": ISSUER,
        "validFrom": "2025-01-01T00:00:00Z",
        "validUntil": "2027-01-01T00:00:00Z",
        "credentialSubject": {"id": "did:example:alice", "alumniOf": "Example University"},
    }
    for key, value in changes.items():
        key = key.replace("__", "@")
        if value is _DROP:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


_DROP = object()


def test_valid_credential_view() -> None:
    c = parse_credential(cred())
    assert c.data_model == "2.0"
    assert c.issuer == ISSUER
    assert c.types == ("VerifiableCredential", "ExampleAlumniCredential")
    assert c.valid_from == datetime(2025, 1, 1, tzinfo=UTC)
    assert c.subject_ids == ("did:example:alice",)
    assert c.warnings == ()


def test_document_is_a_private_copy() -> None:
    doc = cred()
    c = parse_credential(doc)
    doc["credentialSubject"]["alumniOf"] = "changed"
    assert c.document["credentialSubject"]["alumniOf"] == "Example University"


def test_issuer_object_and_subject_array_and_status() -> None:
    c = parse_credential(
        cred(
            issuer={"id": ISSUER, "name": "Example U", "description": {"@value": "x", "@language": "en"}},
            credentialSubject=[{"id": "did:example:a", "x": 1}, {"name": "no id"}],
            credentialStatus={"id": "https://example.com/status/1#5", "type": "BitstringStatusListEntry"},
            credentialSchema=[{"id": "https://example.com/schema.json", "type": "JsonSchema"}],
            __context=BASE_CONTEXT_V2,
        )
    )
    assert c.issuer == ISSUER and len(c.subjects) == 2 and len(c.status) == 1 and len(c.schemas) == 1


def test_v1_document_accepted_and_flagged() -> None:
    doc = cred(
        __context=[BASE_CONTEXT_V1], issuanceDate="2020-01-01T00:00:00Z", validFrom=_DROP, validUntil=_DROP
    )
    c = parse_credential(doc)
    assert c.data_model == "1.1"
    assert c.valid_from == datetime(2020, 1, 1, tzinfo=UTC)
    assert any("1.1" in w for w in c.warnings)


BAD_CREDENTIALS: list[tuple[str, Any, type[DidkitError], str, str | None]] = [
    ("not an object", ["VerifiableCredential"], InvalidInput, "credential.not_object", None),
    ("missing @context", cred(__context=_DROP), InvalidInput, "credential.context_missing", "/@context"),
    ("empty @context", cred(__context=[]), InvalidInput, "credential.context_missing", "/@context"),
    (
        "wrong @context order",
        cred(__context=["https://www.w3.org/ns/credentials/examples/v2", BASE_CONTEXT_V2]),
        InvalidInput,
        "credential.context_order",
        "/@context/0",
    ),
    (
        "foreign first @context",
        cred(__context=["https://schema.org/"]),
        InvalidInput,
        "credential.context_first",
        "/@context/0",
    ),
    (
        "mixed v1 and v2",
        cred(__context=[BASE_CONTEXT_V2, BASE_CONTEXT_V1]),
        InvalidInput,
        "credential.context_mixed",
        "/@context",
    ),
    (
        "context entry not URL",
        cred(__context=[BASE_CONTEXT_V2, 42]),
        InvalidInput,
        "credential.context_item",
        "/@context/1",
    ),
    (
        "v1 without issuanceDate",
        cred(__context=[BASE_CONTEXT_V1]),
        InvalidInput,
        "credential.issuance_date",
        "/issuanceDate",
    ),
    ("type missing", cred(type=_DROP), InvalidInput, "credential.type_missing", "/type"),
    (
        "type without VerifiableCredential",
        cred(type=["ExampleAlumniCredential"]),
        InvalidInput,
        "credential.type_base",
        "/type",
    ),
    ("type is a number", cred(type=[1]), InvalidInput, "credential.type_invalid", "/type/0"),
    (
        "duplicate types",
        cred(type=["VerifiableCredential"] * 2),
        InvalidInput,
        "credential.type_invalid",
        "/type",
    ),
    (
        "presentation type only",
        cred(type="VerifiablePresentation"),
        InvalidInput,
        "credential.type_base",
        "/type",
    ),
    ("id not URL", cred(id="not a url"), InvalidInput, "credential.id", "/id"),
    ("issuer missing", cred(issuer=_DROP), InvalidInput, "credential.issuer_missing", "/issuer"),
    ("issuer not URL", cred(issuer="Example University"), InvalidInput, "credential.issuer_id", "/issuer"),
    (
        "issuer object without id",
        cred(issuer={"name": "x"}),
        InvalidInput,
        "credential.issuer_id",
        "/issuer/id",
    ),
    ("issuer number", cred(issuer=7), InvalidInput, "credential.issuer_type", "/issuer"),
    (
        "validFrom without timezone",
        cred(validFrom="2025-01-01T00:00:00"),
        InvalidInput,
        "credential.datetime",
        "/validFrom",
    ),
    ("validFrom date only", cred(validFrom="2025-01-01"), InvalidInput, "credential.datetime", "/validFrom"),
    (
        "validFrom impossible date",
        cred(validFrom="2025-02-30T00:00:00Z"),
        InvalidInput,
        "credential.datetime",
        "/validFrom",
    ),
    (
        "validUntil before validFrom",
        cred(validUntil="2024-01-01T00:00:00Z"),
        InvalidInput,
        "credential.validity_order",
        "/validUntil",
    ),
    (
        "subject missing",
        cred(credentialSubject=_DROP),
        InvalidInput,
        "credential.subject_missing",
        "/credentialSubject",
    ),
    (
        "subject empty array",
        cred(credentialSubject=[]),
        InvalidInput,
        "credential.subject_missing",
        "/credentialSubject",
    ),
    (
        "subject empty object",
        cred(credentialSubject={}),
        InvalidInput,
        "credential.subject_empty",
        "/credentialSubject",
    ),
    (
        "subject string",
        cred(credentialSubject="did:example:alice"),
        InvalidInput,
        "credential.subject_type",
        "/credentialSubject",
    ),
    (
        "subject id not URL",
        cred(credentialSubject=[{"id": "alice"}]),
        InvalidInput,
        "credential.subject_id",
        "/credentialSubject/0/id",
    ),
    (
        "status without type",
        cred(credentialStatus={"id": "https://x.example/1"}),
        InvalidInput,
        "credential.status_type",
        "/credentialStatus/type",
    ),
    (
        "status not object",
        cred(credentialStatus=["x"]),
        InvalidInput,
        "credential.status",
        "/credentialStatus/0",
    ),
    (
        "schema without id",
        cred(credentialSchema={"type": "JsonSchema"}),
        InvalidInput,
        "credential.schema_id",
        "/credentialSchema/id",
    ),
    ("name not string", cred(name=5), InvalidInput, "credential.name", "/name"),
    (
        "evidence without type",
        cred(evidence=[{"id": "https://x.example/e"}]),
        InvalidInput,
        "credential.evidence_type",
        "/evidence/0/type",
    ),
]


@pytest.mark.parametrize(
    ("doc", "cls", "code", "at"), [c[1:] for c in BAD_CREDENTIALS], ids=[c[0] for c in BAD_CREDENTIALS]
)
def test_bad_credentials(doc: Any, cls: type[DidkitError], code: str, at: str | None) -> None:
    with pytest.raises(cls) as info:
        parse_credential(doc)
    assert info.value.code == code
    assert info.value.at == at


def test_too_deep() -> None:
    deep: Any = "x"
    for _ in range(100):
        deep = {"a": deep}
    with pytest.raises(LimitExceeded) as info:
        parse_credential(cred(credentialSubject={"deep": deep}))
    assert info.value.code == "document.too_deep"


def test_too_large() -> None:
    with pytest.raises(LimitExceeded) as info:
        parse_credential(cred(credentialSubject={"blob": "x" * 5000}), limits=Limits(max_bytes=4096))
    assert info.value.code == "document.too_large"


def test_non_json_value() -> None:
    with pytest.raises(InvalidInput) as info:
        parse_credential(cred(credentialSubject={"x": float("nan")}))
    assert info.value.code == "document.json_type" and info.value.at == "/credentialSubject/x"


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("2025-01-01T00:00:00Z", datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01T01:00:00+01:00", datetime(2025, 1, 1, tzinfo=UTC)),
        ("2025-01-01T00:00:00.5-00:30", datetime(2025, 1, 1, 0, 30, 0, 500000, tzinfo=UTC)),
        ("2024-12-31T24:00:00Z", datetime(2025, 1, 1, tzinfo=UTC)),
    ],
)
def test_parse_datetime(text: str, expected: datetime) -> None:
    assert parse_datetime(text, at="/x") == expected


@pytest.mark.parametrize(
    "bad",
    ["2025-13-01T00:00:00Z", "2025-01-01T00:00:00+15:00", "2025-01-01 00:00:00Z", "", "2025-01-01T24:30:00Z"],
)
def test_parse_datetime_rejects(bad: str) -> None:
    with pytest.raises(InvalidInput):
        parse_datetime(bad, at="/x")


def test_validity_period() -> None:
    c = parse_credential(cred())
    check_validity_period(c, now=datetime(2026, 1, 1, tzinfo=UTC))
    with pytest.raises(VerificationError) as info:
        check_validity_period(c, now=datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC))
    assert info.value.code == "credential.expired"
    check_validity_period(c, now=datetime(2027, 1, 1, 0, 0, 1, tzinfo=UTC), skew=timedelta(seconds=5))
    with pytest.raises(VerificationError) as info:
        check_validity_period(c, now=datetime(2024, 12, 31, tzinfo=UTC))
    assert info.value.code == "credential.not_yet_valid"


def vp(**changes: Any) -> dict[str, Any]:
    doc: dict[str, Any] = {
        "@context": [BASE_CONTEXT_V2],
        "type": ["VerifiablePresentation"],
        "holder": "did:example:alice",
        "verifiableCredential": [
            envelope("application/vc+jwt", "eyJ.eyJ.sig"),
            {**cred(), "proof": {"type": "DataIntegrityProof"}},
        ],
    }
    for key, value in changes.items():
        if value is _DROP:
            doc.pop(key, None)
        else:
            doc[key] = value
    return doc


def test_presentation_view() -> None:
    p = parse_presentation(vp())
    assert p.holder == "did:example:alice"
    first = p.credentials[0]
    assert (
        getattr(first, "media_type", None) == "application/vc+jwt"
        and getattr(first, "data", None) == "eyJ.eyJ.sig"
    )
    assert getattr(p.credentials[1], "issuer", None) == ISSUER


BAD_PRESENTATIONS: list[tuple[str, Any, str, str | None]] = [
    ("wrong type", vp(type=["VerifiableCredential"]), "presentation.type_base", "/type"),
    ("missing context", vp(**{"@context": _DROP}), "presentation.context_missing", "/@context"),
    ("holder not URL", vp(holder="alice"), "presentation.holder", "/holder"),
    (
        "credential entry string",
        vp(verifiableCredential=["eyJ..."]),
        "presentation.credential_type",
        "/verifiableCredential/0",
    ),
    (
        "enveloped not data URL",
        vp(verifiableCredential=[{"id": "https://x.example", "type": "EnvelopedVerifiableCredential"}]),
        "enveloped.id",
        "/verifiableCredential/0/id",
    ),
    (
        "embedded credential bad",
        vp(verifiableCredential=[cred(issuer=_DROP)]),
        "credential.issuer_missing",
        "/verifiableCredential/0/issuer",
    ),
]


@pytest.mark.parametrize(
    ("doc", "code", "at"), [c[1:] for c in BAD_PRESENTATIONS], ids=[c[0] for c in BAD_PRESENTATIONS]
)
def test_bad_presentations(doc: Any, code: str, at: str | None) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_presentation(doc)
    assert info.value.code == code
    assert info.value.at == at


def test_too_many_credentials() -> None:
    with pytest.raises(LimitExceeded):
        parse_presentation(
            vp(verifiableCredential=[envelope("application/vc+jwt", "a.b.c")] * 5),
            limits=Limits(max_credentials=4),
        )


def test_enveloped_percent_decoding() -> None:
    e = parse_enveloped_credential(
        {"id": "data:application/dc+sd-jwt,abc%7E", "type": "EnvelopedVerifiableCredential"}
    )
    assert e.data == "abc~" and e.media_type == "application/dc+sd-jwt"


@pytest.mark.parametrize(
    ("text", "code"),
    [
        ('{"a": 1, "a": 2}', "document.json"),
        ('{"a": NaN}', "document.json"),
        ("{", "document.json"),
        (b"\xff\xfe", "document.json"),
        ('"\\ud800"', "document.json_type"),
        ("[" * 5000 + "]" * 5000, "document.too_deep"),
    ],
)
def test_loads_json_strict(text: str | bytes, code: str) -> None:
    with pytest.raises(InvalidInput) as info:
        loads_json(text)
    assert info.value.code == code


json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=True) | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=30,
)


def _mutations() -> st.SearchStrategy[dict[str, Any]]:
    keys = st.sampled_from(
        [
            "@context",
            "type",
            "issuer",
            "id",
            "validFrom",
            "validUntil",
            "credentialSubject",
            "credentialStatus",
            "credentialSchema",
            "name",
            "evidence",
        ]
    )
    return st.dictionaries(keys, json_values, max_size=4)


@settings(max_examples=300)
@given(_mutations(), st.booleans())
def test_validator_only_raises_our_errors(changes: dict[str, Any], as_presentation: bool) -> None:
    doc = copy.deepcopy(vp() if as_presentation else cred())
    doc.update(changes)
    with contextlib.suppress(DidkitError):
        parse_presentation(doc) if as_presentation else parse_credential(doc)


@settings(max_examples=300)
@given(json_values)
def test_validator_random_json(value: Any) -> None:
    for parse in (parse_credential, parse_presentation):
        with contextlib.suppress(DidkitError):
            parse(value)


@settings(max_examples=200)
@given(st.binary(max_size=200) | st.text(max_size=200))
def test_loads_json_only_raises_our_errors(data: bytes | str) -> None:
    try:
        value = loads_json(data)
    except DidkitError:
        return
    json.dumps(value)
