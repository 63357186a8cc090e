"""Property tests: any input parses or raises ours; no mutation of a bound presentation verifies."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py.errors import DidkitError
from didkit_py.keys import KeyType, generate_key, public_jwk
from didkit_py.suites.sd_jwt import (
    Disclosure,
    issue_sd_jwt,
    normalize_claim_path,
    parse_sd_jwt,
    present_sd_jwt,
    sd_jwt_payload,
    unfold_sd_jwt,
    verify_sd_jwt,
)

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
ISSUER = generate_key(KeyType.P256)
HOLDER = generate_key(KeyType.P256)
AUD, NONCE = "https://verifier.example", "nonce-xyz"
TOKEN = issue_sd_jwt(
    {
        "cnf": {"jwk": public_jwk(HOLDER)},
        "name": "Erika",
        "age": 61,
        "address": {"street": "Heidestraße 17", "city": "Köln"},
        "tags": ["a", "b", "c"],
    },
    key=ISSUER,
    disclosable=["/name", "/age", "/address/street", "/address", ["tags", None]],
    decoys=2,
)
PRESENTATION = present_sd_jwt(
    TOKEN,
    reveal=["/name", "/address/street", "/tags/1"],
    holder_key=HOLDER,
    aud=AUD,
    nonce=NONCE,
    iat=NOW,
)


def _verify(token: str) -> Any:
    return verify_sd_jwt(token, issuer_key=ISSUER, now=NOW, require_kb=True, aud=AUD, nonce=NONCE)


def test_the_unmutated_presentation_verifies() -> None:
    assert _verify(PRESENTATION).claims["name"] == "Erika"


_ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_~. ="


@st.composite
def mutations(draw: st.DrawFn) -> str:
    text = PRESENTATION
    kind = draw(st.sampled_from(["replace", "delete", "insert", "drop_part", "swap_parts", "dup_part"]))
    if kind in ("replace", "delete", "insert"):
        i = draw(st.integers(0, len(text) - 1))
        if kind == "delete":
            return text[:i] + text[i + 1 :]
        c = draw(st.sampled_from(_ALPHABET))
        if kind == "replace":
            if c == text[i]:
                c = "A" if text[i] != "A" else "B"
            return text[:i] + c + text[i + 1 :]
        return text[:i] + c + text[i:]
    parts = text.split("~")
    i = draw(st.integers(0, len(parts) - 1))
    if kind == "drop_part":
        del parts[i]
    elif kind == "dup_part":
        parts.insert(i, parts[i])
    else:
        j = draw(st.integers(0, len(parts) - 1))
        if parts[i] == parts[j]:
            j = (i + 1) % len(parts)
        parts[i], parts[j] = parts[j], parts[i]
    return "~".join(parts)


@settings(max_examples=200, deadline=None)
@given(mutations())
def test_mutated_presentations_never_verify(mutated: str) -> None:
    if mutated == PRESENTATION:
        return
    try:
        _verify(mutated)
    except DidkitError:
        return
    raise AssertionError("a mutated presentation verified")


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_parse_any_text(text: str) -> None:
    try:
        parsed = parse_sd_jwt(text)
    except DidkitError:
        return
    if not text.startswith("{"):  # JSON serialized SD-JWTs are read as their compact form
        assert parsed.jwt.token == text.split("~")[0]


@settings(max_examples=150, deadline=None)
@given(st.text(alphabet=_ALPHABET.replace("~", "").replace(".", ""), max_size=120))
def test_disclosure_parse_any_base64(text: str) -> None:
    try:
        d = Disclosure.parse(text)
    except DidkitError:
        return
    assert d.encoded == text


_json = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**53), 2**53) | st.text(max_size=8),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=5), inner, max_size=3),
    max_leaves=12,
)


@settings(max_examples=100, deadline=None)
@given(st.dictionaries(st.text(min_size=1, max_size=6), _json, min_size=1, max_size=5), st.data())
def test_issue_then_unfold_restores_claims(claims: dict[str, Any], data: st.DataObject) -> None:
    claims = {k: v for k, v in claims.items() if k not in ("_sd", "...", "_sd_alg")}
    if not claims or any(_has_reserved(v) for v in claims.values()):
        return
    keys = sorted(claims)
    chosen = data.draw(st.lists(st.sampled_from(keys), unique=True))
    payload, disclosures = sd_jwt_payload(claims, [[k] for k in chosen], decoys=1)
    out, nodes = unfold_sd_jwt(payload, disclosures, hash_alg="sha-256")
    assert out == claims
    assert {n.path for n in nodes} == {(k,) for k in chosen}


def _has_reserved(v: Any) -> bool:
    if isinstance(v, dict):
        return any(k in ("_sd", "...") or _has_reserved(x) for k, x in v.items())
    if isinstance(v, list):
        return any(_has_reserved(x) for x in v)
    return False


@settings(max_examples=150, deadline=None)
@given(
    st.one_of(
        st.text(max_size=30), st.lists(st.one_of(st.none(), st.text(max_size=5), st.integers()), max_size=4)
    )
)
def test_claim_path_any_input(path: Any) -> None:
    try:
        out = normalize_claim_path(path)
    except DidkitError:
        return
    assert isinstance(out, tuple) and out


_reserved_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.sampled_from(["_sd", "...", "x", "d1", "d2"]),
    lambda inner: (
        st.lists(inner, max_size=3)
        | st.dictionaries(st.sampled_from(["_sd", "...", "_sd_alg", "a", "b"]), inner, max_size=3)
    ),
    max_leaves=15,
)


@settings(max_examples=200, deadline=None)
@given(_reserved_json, st.lists(st.tuples(st.sampled_from(["a", "_sd", "...", None]), _json), max_size=3))
def test_unfold_any_structure_raises_only_ours(payload: Any, raw: list[tuple[str | None, Any]]) -> None:
    """Payloads full of reserved keys and arbitrary Disclosures never crash the verifier's unfolding."""
    if not isinstance(payload, dict):
        payload = {"v": payload}
    disclosures = []
    for i, (name, value) in enumerate(raw):
        d = Disclosure.create(f"s{i}", None, value) if name is None else None
        if name is not None:
            import json as _json

            from didkit_py._encoding import b64url_encode

            d = Disclosure.parse(b64url_encode(_json.dumps([f"s{i}", name, value]).encode()))
        assert d is not None
        disclosures.append(d)
    # reference some of the Disclosures from the payload so that the rules are exercised
    payload = {**payload, "_sd": [d.digest() for d in disclosures if d.name is not None]}
    payload["arr"] = [{"...": d.digest()} for d in disclosures if d.name is None]
    try:
        claims, _ = unfold_sd_jwt(payload, disclosures, hash_alg="sha-256")
    except DidkitError:
        return
    assert "_sd" not in claims
