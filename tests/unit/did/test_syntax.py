"""DID and DID URL syntax (DID Core §3)."""

from __future__ import annotations

import time

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.did import DID, DIDURL, absolute_did_url, parse_did, parse_did_url
from didkit_py.errors import InvalidInput, LimitExceeded

GOOD_DIDS = [
    "did:example:123456789abcdefghi",
    "did:web:example.com",
    "did:web:localhost%3A8443:user:alice",
    "did:ethr:0x7a69:0xb9c5714089478a327f09197987f16f9e5d936e8a",
    "did:a1:b:c:d",
    "did:key:z6MkiTBz1ymuepAQ4HEHYSF1H8quG5GLVVQR3djdX3mDooWp",
    "did:example:%AB%cd",
    "did:example::a",  # empty segments before the last are allowed by the ABNF
]


@pytest.mark.parametrize("text", GOOD_DIDS)
def test_good_dids_round_trip(text: str) -> None:
    did = parse_did(text)
    assert str(did) == text
    assert parse_did_url(text) == DIDURL(did)


def test_parts() -> None:
    url = parse_did_url("did:web:example.com:u/path/x?service=files&relativeRef=%2Fa#key-1")
    assert url.did == DID("web", "example.com:u")
    assert url.path == "/path/x"
    assert url.query == "service=files&relativeRef=%2Fa"
    assert url.params == {"service": "files", "relativeRef": "/a"}
    assert url.fragment == "key-1"
    assert str(url) == "did:web:example.com:u/path/x?service=files&relativeRef=%2Fa#key-1"
    assert parse_did_url("did:a:b#").fragment == ""
    assert parse_did_url("did:a:b?x=1?y#f/g?h").fragment == "f/g?h"


BAD_DIDS = [
    pytest.param("", id="empty"),
    pytest.param("did:", id="did-colon"),
    pytest.param("did:example", id="no-msid"),
    pytest.param("did:example:", id="empty-msid"),
    pytest.param("did:Example:123", id="uppercase-method"),
    pytest.param("did:ex-ample:123", id="dash-in-method"),
    pytest.param("DID:example:123", id="uppercase-scheme"),
    pytest.param("did:example:12 3", id="space"),
    pytest.param("did:example:abc:", id="trailing-colon"),
    pytest.param("did:example:%4", id="truncated-pct"),
    pytest.param("did:example:%zz", id="bad-pct"),
    pytest.param("did:example:ü", id="non-ascii"),
    pytest.param("did:example:a/b", id="path-in-did"),
    pytest.param("did:example:a#k", id="fragment-in-did"),
    pytest.param("urn:uuid:123", id="not-did"),
]


@pytest.mark.parametrize("text", BAD_DIDS)
def test_bad_dids(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_did(text)
    assert info.value.code == "invalidDid"


BAD_URLS = [
    pytest.param("did:example:a#k#k", id="two-hashes"),
    pytest.param("did:example:a/b c", id="space-in-path"),
    pytest.param("did:example:a?q=<", id="bad-query-char"),
    pytest.param("did:example:a#frag ment", id="space-in-fragment"),
    pytest.param("did:example:a/%G0", id="bad-pct-in-path"),
    pytest.param("did:Example:a#x", id="bad-method"),
]


@pytest.mark.parametrize("text", BAD_URLS)
def test_bad_did_urls(text: str) -> None:
    with pytest.raises(InvalidInput) as info:
        parse_did_url(text)
    assert info.value.code == "invalidDidUrl"


def test_repeated_query_parameter() -> None:
    with pytest.raises(InvalidInput) as info:
        _ = parse_did_url("did:a:b?service=x&service=y").params
    assert info.value.code == "invalidDidUrl"


def test_length_limit_and_linear_time() -> None:
    with pytest.raises(LimitExceeded) as info:
        parse_did("did:a:" + "b" * 5000)
    assert info.value.code == "invalidDid"
    start = time.perf_counter()
    for text in ("did:a:" + "b:" * 2000 + "!", "did:a:" + "%41" * 1300 + "%", "did:a:b/" + "/a" * 2000 + " "):
        with pytest.raises(InvalidInput):
            parse_did_url(text)
    assert time.perf_counter() - start < 1.0  # a backtracking regex would take far longer


def test_absolute_did_url() -> None:
    assert absolute_did_url("#k", "did:a:b") == "did:a:b#k"
    assert absolute_did_url("did:x:y#k", "did:a:b") == "did:x:y#k"
    assert absolute_did_url("?service=s", "did:a:b") == "did:a:b?service=s"
    with pytest.raises(InvalidInput):
        absolute_did_url("k", "did:a:b")


@given(st.text(max_size=80))
@settings(max_examples=400)
def test_parse_did_random_text(text: str) -> None:
    try:
        did = parse_did(text)
    except InvalidInput:
        return
    assert str(did) == text


@given(
    st.from_regex(r"did:[a-z0-9]{1,5}:[A-Za-z0-9.\-_:%]{0,20}[A-Za-z0-9]([/?#][ -~]{0,20})?", fullmatch=True)
)
@settings(max_examples=400)
def test_parse_did_url_near_valid(text: str) -> None:
    try:
        url = parse_did_url(text)
    except InvalidInput:
        return
    assert str(url) == text
