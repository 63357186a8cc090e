"""Bitstring Status List v1.0: the bitstring, entries, allocation and the validate algorithm."""

from __future__ import annotations

import contextlib
import gzip
import itertools
import os
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py._encoding import multibase_encode
from didkit_py.errors import InvalidInput, LimitExceeded, StatusError, VerificationError
from didkit_py.status import (
    MIN_ENTRIES,
    BitstringStatusList,
    BitstringStatusListEntry,
    StatusListManager,
    StatusMessage,
    bitstring_expansion,
    bitstring_generation,
    build_status_list_credential,
    parse_status_list_credential,
    random_below,
    validate,
)

URL = "https://issuer.example/status/1"
ISSUER = "did:example:issuer"
NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)


def _entry(index: int, purpose: str = "revocation", **extra: object) -> BitstringStatusListEntry:
    obj = {
        "id": f"{URL}#{index}",
        "type": "BitstringStatusListEntry",
        "statusPurpose": purpose,
        "statusListIndex": str(index),
        "statusListCredential": URL,
        **extra,
    }
    return BitstringStatusListEntry.from_json(obj)


def _verified(sl: BitstringStatusList, purpose: str | list[str] = "revocation", **kw: object):
    cred = build_status_list_credential(id=URL, issuer=ISSUER, status_list=sl, status_purpose=purpose, **kw)  # type: ignore[arg-type]
    return parse_status_list_credential(URL, cred)


# --- the bitstring -------------------------------------------------------------------------


def test_generation_is_gzip_then_multibase_base64url() -> None:
    sl = BitstringStatusList.create()
    encoded = sl.encode()
    assert encoded.startswith("u")
    raw = gzip.decompress(__import__("didkit_py._encoding", fromlist=["x"]).multibase_decode(encoded))
    assert len(raw) == MIN_ENTRIES // 8 == 16 * 1024
    assert raw == bytes(16 * 1024)


def test_index_zero_is_leftmost_bit() -> None:
    sl = BitstringStatusList.create()
    sl.set(0, 1)
    sl.set(MIN_ENTRIES - 1, 1)
    raw = bitstring_expansion(sl.encode())
    assert raw[0] == 0x80 and raw[-1] == 0x01 and sum(raw[1:-1]) == 0


def test_multibit_status_is_msb_first() -> None:
    sl = BitstringStatusList.create(status_size=2)
    sl.set(1, 0b10)
    sl.set(2, 0b01)
    assert sl.to_bytes()[0] == 0b0010_0100
    assert [sl.get(i) for i in range(4)] == [0, 2, 1, 0]
    with pytest.raises(InvalidInput):
        sl.set(0, 4)


def test_lists_shorter_than_16kb_are_refused() -> None:
    with pytest.raises(InvalidInput) as e:
        BitstringStatusList.create(MIN_ENTRIES - 8)
    assert e.value.code == "status.list_length"
    short = bitstring_generation(bytes(1024))
    with pytest.raises(VerificationError) as e2:
        BitstringStatusList.decode(short)
    assert e2.value.code == "status.list_length"
    assert BitstringStatusList.decode(short, min_entries=8 * 1024).length == 8 * 1024


def test_decompression_bomb_is_limit_exceeded() -> None:
    bomb = multibase_encode(gzip.compress(bytes(64 * 1024 * 1024)), "base64url")
    assert len(bomb) < 200_000
    with pytest.raises(LimitExceeded) as e:
        bitstring_expansion(bomb)
    assert e.value.code == "status.limit"
    with pytest.raises(LimitExceeded):
        bitstring_expansion(bitstring_generation(bytes(4096)), max_bytes=4095)
    assert len(bitstring_expansion(bitstring_generation(bytes(4096)), max_bytes=4096)) == 4096


@pytest.mark.parametrize(
    "encoded",
    [
        "",
        "z" + "1" * 10,
        "u",
        "u!!!",
        "u" + "A" * 5,
        multibase_encode(b"not gzip", "base64url"),
        multibase_encode(gzip.compress(bytes(100))[:-5], "base64url"),
        12,
    ],
)
def test_malformed_encoded_lists(encoded: object) -> None:
    with pytest.raises(InvalidInput):
        bitstring_expansion(encoded)  # type: ignore[arg-type]


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200) | st.binary(max_size=200).map(lambda b: multibase_encode(b, "base64url")))
def test_expansion_parses_or_raises_invalid_input(encoded: str) -> None:
    try:
        raw = bitstring_expansion(encoded, max_bytes=1 << 16)
    except InvalidInput:
        return
    assert isinstance(raw, bytes)


@settings(max_examples=50, deadline=None)
@given(st.lists(st.integers(0, MIN_ENTRIES - 1), max_size=30), st.sampled_from([1, 2, 4, 8]))
def test_round_trip(indexes: list[int], size: int) -> None:
    sl = BitstringStatusList.create(status_size=size)
    for i, idx in enumerate(indexes):
        sl.set(idx, (i % ((1 << size) - 1)) + 1)
    back = BitstringStatusList.decode(sl.encode(), status_size=size)
    assert back.to_bytes() == sl.to_bytes()
    for idx in indexes:
        assert back.get(idx) == sl.get(idx) != 0


# --- random allocation -------------------------------------------------------------------------


def _counter_rng(seed: int):
    import hashlib

    state = [seed]

    def rng(n: int) -> bytes:
        state[0] += 1
        return hashlib.sha256(state[0].to_bytes(8, "big")).digest()[:n]

    return rng


def test_allocation_is_random_unique_and_injectable() -> None:
    m1 = StatusListManager.create(id=URL)
    m2 = StatusListManager.create(id=URL)
    r1, r2 = _counter_rng(7), _counter_rng(7)
    s1 = [m1.allocate(r1) for _ in range(200)]
    s2 = [m2.allocate(r2) for _ in range(200)]
    assert s1 == s2  # deterministic under an injected rng
    assert len(set(s1)) == 200
    diffs = {b - a for a, b in itertools.pairwise(s1)}
    assert diffs != {1} and len(diffs) > 150  # not sequential
    assert s1 != sorted(s1)
    assert m1.allocated_count == 200 and all(m1.is_allocated(i) for i in s1)


def test_allocation_fills_the_list_then_refuses() -> None:
    m = StatusListManager(
        id=URL, status_purpose="revocation", status_list=BitstringStatusList(64, status_size=1)
    )
    got = {m.allocate() for _ in range(64)}
    assert got == set(range(64))
    with pytest.raises(LimitExceeded) as e:
        m.allocate()
    assert e.value.code == "status.list_full"


def test_allocation_nearly_full_uses_uniform_fallback() -> None:
    m = StatusListManager(id=URL, status_purpose="revocation", status_list=BitstringStatusList(1024))
    for _ in range(1023):
        m.allocate(os.urandom)
    last = m.allocate(lambda n: b"\x00" * n)  # an adversarial rng still yields the one free slot
    assert m.allocated_count == 1024 and m.is_allocated(last)


def test_random_below_is_in_range_and_checks_rng() -> None:
    assert {random_below(3) for _ in range(200)} == {0, 1, 2}
    assert random_below(1) == 0
    with pytest.raises(ValueError):
        random_below(10, lambda n: b"")


def test_state_file_round_trip() -> None:
    msgs = [
        StatusMessage(0, "valid"),
        StatusMessage(1, "pending"),
        StatusMessage(2, "x"),
        StatusMessage(3, "y"),
    ]
    m = StatusListManager.create(id=URL, status_purpose="message", status_size=2, status_message=msgs)
    i = m.allocate()
    m.set_status(i, 3)
    back = StatusListManager.from_json(m.to_json())
    assert back.list.get(i) == 3 and back.is_allocated(i) and back.allocated_count == 1
    entry = back.entry(i)
    assert entry.to_json()["statusSize"] == 2 and len(entry.to_json()["statusMessage"]) == 4
    assert BitstringStatusListEntry.from_json(entry.to_json()) == entry
    with pytest.raises(InvalidInput):
        back.entry((i + 1) % back.list.length)
    with pytest.raises(InvalidInput):
        StatusListManager.from_json({"type": "other"})


# --- entries ------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("patch", "code"),
    [
        ({"type": "StatusList2021Entry"}, "status.type"),
        ({"statusListIndex": 5}, "status.malformed"),
        ({"statusListIndex": "-1"}, "status.malformed"),
        ({"statusListIndex": "1e3"}, "status.malformed"),
        ({"statusListIndex": "9" * 40}, "status.malformed"),
        ({"statusListCredential": "not a url"}, "status.malformed"),
        ({"id": URL}, "status.malformed"),
        ({"statusPurpose": ""}, "status.malformed"),
        ({"statusSize": 0}, "status.malformed"),
        ({"statusSize": 2}, "status.malformed"),  # statusMessage missing
        ({"statusSize": 1, "statusMessage": [{"status": "0x0", "message": "ok"}]}, "status.malformed"),
        (
            {
                "statusSize": 1,
                "statusMessage": [{"status": "0x0", "message": "a"}, {"status": "0x0", "message": "b"}],
            },
            "status.malformed",
        ),
        (
            {
                "statusSize": 1,
                "statusMessage": [{"status": "0", "message": "a"}, {"status": "0x1", "message": "b"}],
            },
            "status.malformed",
        ),
        ({"statusSize": 9}, "status.limit"),
        ({"statusReference": 3}, "status.malformed"),
    ],
)
def test_bad_entries(patch: dict[str, object], code: str) -> None:
    obj: dict[str, object] = {
        "id": f"{URL}#9",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "9",
        "statusListCredential": URL,
    }
    obj.update(patch)
    with pytest.raises(InvalidInput) as e:
        BitstringStatusListEntry.from_json(obj)
    assert e.value.code == code


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(
            [
                "id",
                "type",
                "statusPurpose",
                "statusListIndex",
                "statusListCredential",
                "statusSize",
                "statusMessage",
                "statusReference",
            ]
        ),
        st.none()
        | st.integers(-3, 20)
        | st.text(max_size=20)
        | st.lists(st.text(max_size=5), max_size=3)
        | st.just("BitstringStatusListEntry")
        | st.just(URL),
    )
)
def test_entry_parser_parses_and_round_trips_or_raises(obj: dict[str, object]) -> None:
    try:
        entry = BitstringStatusListEntry.from_json(obj)
    except InvalidInput:
        return
    assert BitstringStatusListEntry.from_json(entry.to_json()) == entry


# --- the status list credential and the validate algorithm ---------------------------------------


def test_built_credential_shape() -> None:
    sl = BitstringStatusList.create()
    cred = build_status_list_credential(
        id=URL,
        issuer=ISSUER,
        status_list=sl,
        status_purpose="revocation",
        valid_from=NOW,
        valid_until=NOW + timedelta(days=1),
        ttl_ms=60_000,
    )
    assert cred["@context"] == ["https://www.w3.org/ns/credentials/v2"]
    assert cred["type"] == ["VerifiableCredential", "BitstringStatusListCredential"]
    assert cred["credentialSubject"]["type"] == "BitstringStatusList"
    assert cred["credentialSubject"]["id"] == URL + "#list"
    assert cred["credentialSubject"]["statusPurpose"] == "revocation"
    assert cred["validFrom"] == "2026-01-01T12:00:00Z"
    assert parse_status_list_credential(URL, cred).ttl_ms == 60_000


def test_revoked_is_revoked() -> None:
    sl = BitstringStatusList.create()
    sl.set(4242, 1)
    result = validate(_entry(4242), _verified(sl), now=NOW, credential_issuer=ISSUER)
    assert result.is_set and result.label == "revoked"
    with pytest.raises(StatusError) as e:
        result.raise_for_status()
    assert e.value.code == "status.revoked"
    ok = validate(_entry(4243), _verified(sl), now=NOW, credential_issuer=ISSUER)
    assert not ok.is_set and ok.label == "valid"
    ok.raise_for_status()


def test_suspended_is_suspended_and_reversible() -> None:
    sl = BitstringStatusList.create()
    sl.set(77, 1)
    r = validate(_entry(77, "suspension"), _verified(sl, "suspension"), now=NOW)
    assert r.label == "suspended"
    with pytest.raises(StatusError) as e:
        r.raise_for_status()
    assert e.value.code == "status.suspended"
    sl.set(77, 0)
    r2 = validate(_entry(77, "suspension"), _verified(sl, "suspension"), now=NOW)
    assert r2.label == "valid"
    r2.raise_for_status()


def test_message_purpose_reports_the_message() -> None:
    sl = BitstringStatusList.create(status_size=2)
    sl.set(10, 2)
    msgs = [{"status": hex(i), "message": m} for i, m in enumerate(["ok", "pending", "under review", "gone"])]
    entry = _entry(10, "message", statusSize=2, statusMessage=msgs)
    r = validate(entry, _verified(sl, "message"), now=NOW)
    assert r.value == 2 and r.message == "under review" and r.label == "under review"
    r.raise_for_status()  # informational purposes never raise


def test_purpose_mismatch_range_and_multi_purpose_lists() -> None:
    sl = BitstringStatusList.create()
    with pytest.raises(VerificationError) as e:
        validate(_entry(1, "suspension"), _verified(sl, "revocation"), now=NOW)
    assert e.value.code == "status.purpose_mismatch"
    both = _verified(sl, ["revocation", "suspension"])
    assert validate(_entry(1, "suspension"), both, now=NOW).label == "valid"
    with pytest.raises(InvalidInput) as e2:
        validate(_entry(MIN_ENTRIES), _verified(sl), now=NOW)
    assert e2.value.code == "status.range"
    assert validate(_entry(MIN_ENTRIES - 1), _verified(sl), now=NOW).value == 0


def test_list_validity_and_issuer() -> None:
    sl = BitstringStatusList.create()
    expired = _verified(sl, valid_until=NOW - timedelta(minutes=2))
    with pytest.raises(VerificationError) as e:
        validate(_entry(1), expired, now=NOW)
    assert e.value.code == "status.list_expired"
    future = _verified(sl, valid_from=NOW + timedelta(hours=1))
    with pytest.raises(VerificationError) as e1:
        validate(_entry(1), future, now=NOW)
    assert e1.value.code == "status.list_not_yet_valid"
    # A list re-signed a second "in the future" of a verifier's clock is within the skew…
    just_signed = _verified(sl, valid_from=NOW + timedelta(seconds=1))
    assert validate(_entry(1), just_signed, now=NOW).label == "valid"
    just_expired = _verified(sl, valid_until=NOW - timedelta(seconds=1))
    assert validate(_entry(1), just_expired, now=NOW).label == "valid"
    # …and a strict caller can ask for none.
    with pytest.raises(VerificationError):
        validate(_entry(1), just_signed, now=NOW, skew=timedelta(0))
    with pytest.raises(VerificationError) as e2:
        validate(_entry(1), _verified(sl), now=NOW, credential_issuer="did:example:other")
    assert e2.value.code == "status.issuer_mismatch"
    validate(_entry(1), _verified(sl), now=NOW, credential_issuer="did:example:other", check_issuer=False)


@pytest.mark.parametrize(
    ("doc", "code"),
    [
        ("a string", "status.not_a_credential"),
        ({"type": ["Thing"]}, "status.not_a_credential"),
        ({"type": ["VerifiableCredential"], "credentialSubject": {}}, "status.not_a_status_list"),
        (
            {"type": ["VerifiableCredential", "BitstringStatusListCredential"], "credentialSubject": []},
            "status.malformed",
        ),
        (
            {
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "credentialSubject": {"type": "Other"},
            },
            "status.not_a_status_list",
        ),
        (
            {
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "credentialSubject": {"type": "BitstringStatusList", "statusPurpose": 3},
            },
            "status.malformed",
        ),
        (
            {
                "type": ["VerifiableCredential", "BitstringStatusListCredential"],
                "credentialSubject": {
                    "type": "BitstringStatusList",
                    "statusPurpose": "revocation",
                    "encodedList": "zabc",
                },
            },
            "status.malformed",
        ),
    ],
)
def test_not_a_status_list_credential(doc: object, code: str) -> None:
    with pytest.raises(InvalidInput) as e:
        parse_status_list_credential(URL, doc)
    assert e.value.code == code


@settings(max_examples=200, deadline=None)
@given(
    st.recursive(
        st.none() | st.booleans() | st.integers() | st.text(max_size=12),
        lambda c: st.lists(c, max_size=3) | st.dictionaries(st.text(max_size=12), c, max_size=5),
        max_leaves=15,
    )
    | st.fixed_dictionaries(
        {
            "type": st.sampled_from([["VerifiableCredential", "BitstringStatusListCredential"], "x"]),
            "credentialSubject": st.fixed_dictionaries(
                {
                    "type": st.sampled_from(["BitstringStatusList", 1]),
                    "statusPurpose": st.sampled_from(["revocation", ["a", "b"], [], 3]),
                    "encodedList": st.text(max_size=30) | st.just(BitstringStatusList.create().encode()),
                }
            ),
        }
    )
)
def test_list_credential_and_state_parsers_raise_only_invalid_input(doc: object) -> None:
    for parse in (lambda d: parse_status_list_credential(URL, d), StatusListManager.from_json):
        with contextlib.suppress(InvalidInput):
            parse(doc)
