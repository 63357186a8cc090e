from __future__ import annotations

import contextlib

import pytest
from hypothesis import given
from hypothesis import strategies as st

from didkit_py._encoding import (
    b64url_decode,
    b64url_encode,
    multibase_decode,
    multibase_encode,
    varint_decode,
    varint_encode,
)
from didkit_py.errors import DidkitError, InvalidInput


@given(st.binary(max_size=200))
def test_b64url_round_trip(data: bytes) -> None:
    assert b64url_decode(b64url_encode(data)) == data


@given(st.binary(max_size=100), st.sampled_from(["base58btc", "base64url"]))
def test_multibase_round_trip(data: bytes, base: str) -> None:
    assert multibase_decode(multibase_encode(data, base)) == data


@given(st.text(max_size=60))
def test_b64url_decode_any_text(text: str) -> None:
    try:
        raw = b64url_decode(text)
    except InvalidInput:
        return
    assert b64url_encode(raw) == text


@given(st.text(max_size=60))
def test_multibase_decode_any_text(text: str) -> None:
    with contextlib.suppress(InvalidInput):
        multibase_decode(text)


@pytest.mark.parametrize("bad", ["a", "ab=", "a+b/", "QQ=", "QR"])
def test_b64url_rejects(bad: str) -> None:
    with pytest.raises(InvalidInput) as info:
        b64url_decode(bad)
    assert info.value.code == "encoding.base64url"
    assert isinstance(info.value, ValueError) and isinstance(info.value, DidkitError)


@given(st.integers(min_value=0, max_value=2**63 - 1))
def test_varint_round_trip(n: int) -> None:
    enc = varint_encode(n)
    assert varint_decode(enc + b"\xff") == (n, len(enc))


def test_varint_rejects_truncated_and_non_minimal() -> None:
    with pytest.raises(InvalidInput):
        varint_decode(b"\x80")
    with pytest.raises(InvalidInput):
        varint_decode(b"\x81\x00")
    assert varint_encode(0xED) == b"\xed\x01"
