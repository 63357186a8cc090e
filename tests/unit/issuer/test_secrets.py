"""API key tokens, their argon2id hashes, and issuer keys under the KEK."""

from __future__ import annotations

import os
from types import SimpleNamespace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.errors import InvalidInput, StorageError
from issuer.secrets_ import ApiKeyHasher, KeyWrapper, new_api_key, parse_api_key


@given(st.text(max_size=200))
@settings(max_examples=300)
def test_parse_api_key_any_text(s: str) -> None:
    key_id = parse_api_key(s)
    if key_id is not None:
        assert s.startswith(f"dki_{key_id}_") and len(key_id) == 16


def test_new_keys_parse_and_verify() -> None:
    hasher = ApiKeyHasher(cache_seconds=0, memory_cost=8192, time_cost=1)
    for _ in range(20):  # secrets may contain '_' (base64url): parsing must not split them
        key_id, token = new_api_key()
        assert parse_api_key(token) == key_id
    h = hasher.hash(token)
    assert h.startswith("$argon2id$") and token not in h
    assert hasher.verify(h, token, key_id)
    assert not hasher.verify(h, token + "x", key_id)
    assert not hasher.verify("garbage", token, key_id)


def test_cache_is_bound_to_the_key_id() -> None:
    hasher = ApiKeyHasher(cache_seconds=60, memory_cost=8192, time_cost=1)
    key_id, token = new_api_key()
    h = hasher.hash(token)
    assert hasher.verify(h, token, key_id)
    assert not hasher.verify(hasher.hash("other"), token, "0" * 16)


def test_key_wrapper_round_trip_and_binding() -> None:
    w = KeyWrapper(os.urandom(32))
    blob = w.wrap(b"secret-key-bytes", aad="row-1")
    assert b"secret-key-bytes" not in blob
    assert w.unwrap(blob, aad="row-1") == b"secret-key-bytes"
    with pytest.raises(StorageError):
        w.unwrap(blob, aad="row-2")  # a ciphertext moved to another row does not decrypt
    with pytest.raises(StorageError):
        KeyWrapper(os.urandom(32)).unwrap(blob, aad="row-1")
    with pytest.raises(StorageError):
        w.unwrap(blob[:-1] + bytes([blob[-1] ^ 1]), aad="row-1")
    with pytest.raises(InvalidInput):
        KeyWrapper(b"short")
    assert "secret" not in repr(w)


def test_unknown_key_id_costs_a_full_verification() -> None:
    """An unknown key id runs argon2id against a dummy hash with the same parameters."""
    hasher = ApiKeyHasher(cache_seconds=60, memory_cost=8192, time_cost=1)
    key_id, token = new_api_key()
    real = hasher.hash(token)
    dummy = hasher._dummy_hash
    assert dummy != real and dummy.split("$")[:4] == real.split("$")[:4]  # same alg, version, m/t/p
    calls: list[str] = []
    ph = hasher._ph

    def spy(h: str, password: str) -> bool:
        calls.append(h)
        return ph.verify(h, password)

    hasher._ph = SimpleNamespace(verify=spy, hash=ph.hash)  # type: ignore[assignment]
    assert hasher.verify_unknown(token, key_id) is False
    assert calls == [dummy]
    assert hasher.verify_unknown(token, key_id) is False  # nothing cached: the same work again
    assert calls == [dummy, dummy]
