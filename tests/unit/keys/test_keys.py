"""didkit_py.keys: generation, signatures, Multikey, JWK, key files, and bad input."""

from __future__ import annotations

import json
import os
import stat
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from didkit_py._encoding import b58_encode, b64url_encode, varint_encode
from didkit_py.errors import DidkitError, InvalidInput, StorageError, UnsupportedError, VerificationError
from didkit_py.keys import (
    KeyPair,
    KeyType,
    generate_key,
    jws_alg,
    key_file_json,
    key_pair_from_jwk,
    key_pair_from_secret,
    load_key_file,
    multikey_decode,
    multikey_encode,
    private_jwk,
    public_jwk,
    save_key_file,
    secret_multikey_decode,
    secret_multikey_encode,
    sign,
    verify_signature,
)

SIGNING = [KeyType.ED25519, KeyType.P256, KeyType.SECP256K1]
EC = [KeyType.P256, KeyType.SECP256K1]
ALL_BUT_BLS = [KeyType.ED25519, KeyType.X25519, KeyType.P256, KeyType.SECP256K1]

# Secret scalars that are valid for every curve here (well below each group order).
secrets = st.integers(min_value=1, max_value=2**250).map(lambda i: i.to_bytes(32, "big"))


# --- signatures -------------------------------------------------------------------------------


@pytest.mark.parametrize("kt", SIGNING)
def test_sign_verify_round_trip(kt: KeyType) -> None:
    kp = generate_key(kt)
    sig = sign(kp, b"payload")
    assert len(sig) == 64
    verify_signature(kt, kp.public_key, b"payload", sig)
    with pytest.raises(VerificationError) as info:
        verify_signature(kt, kp.public_key, b"payload!", sig)
    assert info.value.code == "signature.invalid"


@pytest.mark.parametrize("kt", SIGNING)
@pytest.mark.parametrize(
    ("mangle", "code"),
    [
        (lambda s: s[:-1], "signature.length"),
        (lambda s: s + b"\0", "signature.length"),
        (lambda s: b"", "signature.length"),
        (lambda s: bytes(64), None),
        (lambda s: s[:32] + b"\xff" * 32, None),
        (lambda s: bytes([s[0] ^ 1]) + s[1:], "signature.invalid"),
    ],
)
def test_malformed_signatures_are_verification_errors(kt: KeyType, mangle: Any, code: str | None) -> None:
    kp = generate_key(kt)
    with pytest.raises(VerificationError) as info:
        verify_signature(kt, kp.public_key, b"m", mangle(sign(kp, b"m")))
    if code:
        assert info.value.code == code


def test_ec_der_signature_is_rejected_not_crash() -> None:
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.asymmetric import ec

    priv = ec.generate_private_key(ec.SECP256R1())
    der = priv.sign(b"m", ec.ECDSA(hashes.SHA256()))
    from cryptography.hazmat.primitives import serialization

    pub = priv.public_key().public_bytes(
        serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint
    )
    with pytest.raises(VerificationError):
        verify_signature(KeyType.P256, pub, b"m", der)


def test_known_signature_vector_ed25519() -> None:
    # RFC 8032 §7.1 TEST 1.
    sk = bytes.fromhex("9d61b19deffd5a60ba844af492ec2cc44449c5697b326919703bac031cae7f60")
    kp = key_pair_from_secret(KeyType.ED25519, sk)
    assert kp.public_key.hex() == "d75a980182b10ab7d54bfed3c964073a0ee172f3daa62325af021a68f707511a"
    assert sign(kp, b"").hex() == (
        "e5564300c360ac729086e2cc806e828a84877f1eb8e5d974d873e065224901555fb8821590a33bacc61e39701cf9b46b"
        "d25bf5f0595bbe24655141438e7a100b"
    )


def test_jws_alg_and_non_signing_keys() -> None:
    assert [jws_alg(k) for k in SIGNING] == ["EdDSA", "ES256", "ES256K"]
    with pytest.raises(UnsupportedError):
        jws_alg(KeyType.X25519)
    x = generate_key(KeyType.X25519)
    with pytest.raises(UnsupportedError):
        sign(x, b"m")
    with pytest.raises(InvalidInput) as info:
        sign(KeyPair(KeyType.ED25519, generate_key(KeyType.ED25519).public_key), b"m")
    assert info.value.code == "key.no_secret"


def test_secret_not_in_repr() -> None:
    kp = generate_key(KeyType.ED25519)
    assert kp.secret_key is not None
    assert kp.secret_key.hex() not in repr(kp) and "secret" not in repr(kp)


# --- Multikey and JWK round trips ------------------------------------------------------------


@settings(max_examples=25, deadline=None)
@given(kt=st.sampled_from(ALL_BUT_BLS), secret=secrets)
def test_jwk_and_multikey_round_trip(kt: KeyType, secret: bytes) -> None:
    kp = key_pair_from_secret(kt, secret)
    assert key_pair_from_jwk(private_jwk(kp)) == kp
    assert key_pair_from_jwk(public_jwk(kp)) == KeyPair(kt, kp.public_key)
    assert multikey_decode(multikey_encode(kt, kp.public_key)) == (kt, kp.public_key)
    assert secret_multikey_decode(secret_multikey_encode(kt, secret)) == (kt, secret)


@settings(max_examples=5, deadline=None)
@given(secret=secrets)
def test_bls_round_trip(secret: bytes) -> None:
    kp = key_pair_from_secret(KeyType.BLS12381G2, secret)
    mk = multikey_encode(KeyType.BLS12381G2, kp.public_key)
    assert mk.startswith("zUC7")
    assert multikey_decode(mk) == (KeyType.BLS12381G2, kp.public_key)
    jwk = public_jwk(kp)
    assert jwk["kty"] == "OKP" and jwk["crv"] == "BLS12381G2"
    assert key_pair_from_jwk(private_jwk(kp)) == kp


def test_multikey_prefixes() -> None:
    assert multikey_encode(KeyType.ED25519, generate_key(KeyType.ED25519).public_key).startswith("z6Mk")
    assert multikey_encode(KeyType.X25519, generate_key(KeyType.X25519).public_key).startswith("z6LS")
    assert multikey_encode(KeyType.P256, generate_key(KeyType.P256).public_key).startswith("zDna")
    assert multikey_encode(KeyType.SECP256K1, generate_key(KeyType.SECP256K1).public_key).startswith("zQ3s")
    # Multikey §2.2.2: an Ed25519 secret key multibase starts with z3u2.
    assert secret_multikey_encode(KeyType.ED25519, bytes(range(32))).startswith("z3u2")


@given(st.text(max_size=120))
@settings(max_examples=200)
def test_multikey_decode_random_text_only_raises_ours(text: str) -> None:
    try:
        kt, pk = multikey_decode(text)
    except DidkitError:
        return
    assert multikey_encode(kt, pk) == text


@given(st.binary(max_size=120))
@settings(max_examples=200)
def test_multikey_decode_random_bytes_only_raises_ours(raw: bytes) -> None:
    try:
        multikey_decode("z" + b58_encode(raw))
    except DidkitError:
        return


@given(
    st.dictionaries(
        st.sampled_from(["kty", "crv", "x", "y", "d", "alg"]), st.one_of(st.text(), st.integers())
    )
)
@settings(max_examples=200)
def test_jwk_import_random_only_raises_ours(jwk: dict[str, Any]) -> None:
    try:
        key_pair_from_jwk(jwk)
    except DidkitError:
        return


# --- bad input: each case names its error class and code --------------------------------------

_ED = generate_key(KeyType.ED25519)
_P256 = generate_key(KeyType.P256)


def _mk(code: int, data: bytes) -> str:
    return "z" + b58_encode(varint_encode(code) + data)


_P256_X = b64url_encode(bytes(31) + b"\x01")
BAD_MULTIKEYS = [
    pytest.param("", InvalidInput, "key.multibase", id="empty"),
    pytest.param("u7QE", InvalidInput, "key.multibase", id="base64url-not-base58"),
    pytest.param("z0OIl", InvalidInput, "encoding.base58", id="not-base58"),
    pytest.param(_mk(0xED, _ED.public_key[:31]), InvalidInput, "key.length", id="ed25519-31-bytes"),
    pytest.param(_mk(0xED, _ED.public_key + b"\0"), InvalidInput, "key.length", id="ed25519-33-bytes"),
    pytest.param(
        _mk(0x1200, b"\x04" + _P256.public_key[1:]), InvalidInput, "key.point", id="p256-bad-prefix"
    ),
    pytest.param(_mk(0x1200, b"\x02" + b"\xff" * 32), InvalidInput, "key.point", id="p256-x-not-on-curve"),
    pytest.param(_mk(0xE7, b"\x02" + bytes(32)), InvalidInput, "key.point", id="k1-point-not-on-curve"),
    pytest.param(_mk(0xEB, b"\x80" + b"\x01" * 95), InvalidInput, "key.point", id="bls-not-on-curve"),
    pytest.param(_mk(0xEB, b"\x01" * 96), InvalidInput, "key.point", id="bls-uncompressed-flag"),
    pytest.param(_mk(0x1201, b"\x02" + bytes(48)), UnsupportedError, "key.codec", id="p384-unsupported"),
    pytest.param(_mk(0x7777, bytes(32)), InvalidInput, "key.codec", id="unknown-codec"),
    pytest.param(_mk(0x1300, bytes(32)), InvalidInput, "key.codec", id="secret-as-public"),
    pytest.param("z" + b58_encode(b"\xed"), InvalidInput, "encoding.varint", id="truncated-varint"),
    pytest.param(
        _mk(0xED, (2**255 - 18).to_bytes(32, "little")), InvalidInput, "key.point", id="ed25519-y-ge-p"
    ),
]


@pytest.mark.parametrize(("value", "cls", "code"), BAD_MULTIKEYS)
def test_bad_multikeys(value: str, cls: type[Exception], code: str) -> None:
    with pytest.raises(cls) as info:
        multikey_decode(value)
    assert isinstance(info.value, DidkitError) and info.value.code == code


def test_ed25519_point_check_accepts_valid_and_rejects_non_points() -> None:
    # y = 2 is not on edwards25519 (no square root for x); y = 0 is.
    with pytest.raises(InvalidInput):
        multikey_decode(_mk(0xED, (2).to_bytes(32, "little")))
    assert multikey_decode(_mk(0xED, bytes(32)))[0] is KeyType.ED25519


_EC_JWK = public_jwk(_P256)
BAD_JWKS = [
    pytest.param([], InvalidInput, "jwk.type", id="not-object"),
    pytest.param({"crv": "P-256"}, InvalidInput, "jwk.kty", id="no-kty"),
    pytest.param({"kty": "EC", "crv": "P-257", "x": "AA", "y": "AA"}, InvalidInput, "jwk.crv", id="bad-crv"),
    pytest.param({"kty": "RSA", "n": "AQAB", "e": "AQAB"}, UnsupportedError, "jwk.unsupported", id="rsa"),
    pytest.param({**_EC_JWK, "y": _P256_X}, InvalidInput, "key.point", id="ec-point-not-on-curve"),
    pytest.param({**_EC_JWK, "x": _EC_JWK["x"][:-3]}, InvalidInput, "key.length", id="ec-short-x"),
    pytest.param({**_EC_JWK, "x": _EC_JWK["x"] + "="}, InvalidInput, "encoding.base64url", id="padded-b64"),
    pytest.param({**_EC_JWK, "alg": "ES256K"}, InvalidInput, "jwk.alg", id="alg-mismatch"),
    pytest.param({**_EC_JWK, "d": b64url_encode(bytes(32))}, InvalidInput, "key.secret", id="d-zero"),
    pytest.param(
        {**_EC_JWK, "d": b64url_encode(b"\x01" * 32)}, InvalidInput, "jwk.mismatch", id="d-other-key"
    ),
    pytest.param(
        {"kty": "OKP", "crv": "Ed25519", "x": b64url_encode(_ED.public_key), "y": "AA"},
        InvalidInput,
        "jwk.member",
        id="okp-with-y",
    ),
    pytest.param({"kty": "OKP", "crv": "Ed25519", "x": 5}, InvalidInput, "jwk.member", id="x-not-string"),
]


@pytest.mark.parametrize(("jwk", "cls", "code"), BAD_JWKS)
def test_bad_jwks(jwk: Any, cls: type[Exception], code: str) -> None:
    with pytest.raises(cls) as info:
        key_pair_from_jwk(jwk)
    assert isinstance(info.value, DidkitError) and info.value.code == code


def test_jwk_alg_rules() -> None:
    x = generate_key(KeyType.X25519)
    assert key_pair_from_jwk({**public_jwk(x), "alg": "ECDH-ES"}).public_key == x.public_key
    assert key_pair_from_jwk({**public_jwk(_P256), "alg": "ES256"}).public_key == _P256.public_key
    assert key_pair_from_jwk({**public_jwk(_P256), "alg": "ECDH-ES+A256KW"}).public_key == _P256.public_key
    for bad_alg in ("EdDSA", "none", "RS256", 7):
        with pytest.raises(InvalidInput) as info:
            key_pair_from_jwk({**public_jwk(_P256), "alg": bad_alg})
        assert info.value.code == "jwk.alg"
    with pytest.raises(InvalidInput):
        key_pair_from_jwk({**public_jwk(x), "alg": "EdDSA"})


def test_secret_scalar_out_of_range() -> None:
    order = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
    with pytest.raises(InvalidInput) as info:
        key_pair_from_secret(KeyType.SECP256K1, order.to_bytes(32, "big"))
    assert info.value.code == "key.secret"
    assert order.to_bytes(32, "big").hex() not in str(info.value)


# --- key files --------------------------------------------------------------------------------


@pytest.mark.parametrize("kt", [*ALL_BUT_BLS, KeyType.BLS12381G2])
def test_key_file_round_trip_and_mode(tmp_path: Path, kt: KeyType) -> None:
    kp = key_pair_from_secret(kt, b"\x07" * 32)
    path = tmp_path / "k.json"
    save_key_file(path, kp)
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600
    assert load_key_file(path) == kp
    obj = json.loads(path.read_text())
    assert obj["type"] == "Multikey" and obj["keyType"] == kt.value
    assert set(obj) == {"type", "keyType", "publicKeyMultibase", "secretKeyMultibase", "publicKeyJwk"}
    assert [p.name for p in tmp_path.iterdir()] == ["k.json"]  # no temporary file left behind


def test_key_file_never_overwritten_by_default(tmp_path: Path) -> None:
    path = tmp_path / "k.json"
    first = generate_key(KeyType.ED25519)
    save_key_file(path, first)
    with pytest.raises(StorageError) as info:
        save_key_file(path, generate_key(KeyType.ED25519))
    assert info.value.code == "keyfile.exists"
    assert load_key_file(path) == first
    second = generate_key(KeyType.ED25519)
    save_key_file(path, second, overwrite=True)
    assert load_key_file(path) == second
    assert stat.S_IMODE(os.stat(path).st_mode) == 0o600


def test_key_file_missing_dir_and_file(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as info:
        save_key_file(tmp_path / "nope" / "k.json", generate_key(KeyType.ED25519))
    assert info.value.code == "keyfile.no_dir"
    with pytest.raises(StorageError) as info2:
        load_key_file(tmp_path / "missing.json")
    assert info2.value.code == "keyfile.not_found"


def _file_obj() -> dict[str, Any]:
    return key_file_json(key_pair_from_secret(KeyType.ED25519, b"\x05" * 32))


_OTHER = key_file_json(key_pair_from_secret(KeyType.ED25519, b"\x06" * 32))
BAD_FILES = [
    pytest.param(b"{", "keyfile.json", id="bad-json"),
    pytest.param(b"[]", "keyfile.shape", id="not-object"),
    pytest.param({**_file_obj(), "type": "Ed25519"}, "keyfile.type", id="wrong-type"),
    pytest.param({**_file_obj(), "keyType": "P-384"}, "keyfile.key_type", id="unknown-key-type"),
    pytest.param({**_file_obj(), "keyType": "P-256"}, "keyfile.mismatch", id="key-type-mismatch"),
    pytest.param(
        {**_file_obj(), "secretKeyMultibase": _OTHER["secretKeyMultibase"]},
        "keyfile.mismatch",
        id="foreign-secret",
    ),
    pytest.param(
        {**_file_obj(), "publicKeyJwk": _OTHER["publicKeyJwk"]}, "keyfile.mismatch", id="foreign-jwk"
    ),
    pytest.param({**_file_obj(), "publicKeyMultibase": "z0OIl"}, "encoding.base58", id="garbage-multibase"),
    pytest.param(b"x" * 70000, "keyfile.too_large", id="too-large"),
]


@pytest.mark.parametrize(("content", "code"), BAD_FILES)
def test_bad_key_files(tmp_path: Path, content: Any, code: str) -> None:
    path = tmp_path / "k.json"
    path.write_bytes(content if isinstance(content, bytes) else json.dumps(content).encode())
    with pytest.raises(InvalidInput) as info:
        load_key_file(path)
    assert info.value.code == code
    secret = _file_obj()["secretKeyMultibase"]
    assert secret not in str(info.value)


def test_public_only_key_file(tmp_path: Path) -> None:
    obj = _file_obj()
    del obj["secretKeyMultibase"]
    path = tmp_path / "pub.json"
    path.write_text(json.dumps(obj))
    kp = load_key_file(path)
    assert kp.secret_key is None and kp.key_type is KeyType.ED25519


def test_bls_generate_uses_bbs_keygen() -> None:
    from didkit_py import bbs

    kp = generate_key(KeyType.BLS12381G2)
    assert kp.secret_key is not None
    assert bbs.sk_to_pk(kp.secret_key) == kp.public_key
    assert multikey_decode(multikey_encode(kp.key_type, kp.public_key))[1] == kp.public_key


@pytest.mark.parametrize("backend", ["arkworks", "py_ecc"])
def test_bls_point_checks_on_both_backends(monkeypatch: pytest.MonkeyPatch, backend: str) -> None:
    import sys

    good = key_pair_from_secret(KeyType.BLS12381G2, b"\x09" * 32)
    if backend == "py_ecc":
        monkeypatch.setitem(sys.modules, "py_arkworks_bls12381", None)  # import now fails
        assert key_pair_from_secret(KeyType.BLS12381G2, b"\x09" * 32) == good
    assert multikey_decode(_mk(0xEB, good.public_key))[1] == good.public_key
    for bad in (b"\x80" + b"\x01" * 95, b"\xc0" + bytes(95), good.public_key[:1] + b"\xff" * 95):
        with pytest.raises(InvalidInput) as info:
            multikey_decode(_mk(0xEB, bad))
        assert info.value.code == "key.point"


_json = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda children: (
        st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=10), children, max_size=4)
    ),
    max_leaves=12,
)
_KEY_FILE_KEYS = ["type", "keyType", "publicKeyMultibase", "secretKeyMultibase", "publicKeyJwk"]


@given(
    st.one_of(
        _json,
        st.dictionaries(st.sampled_from(_KEY_FILE_KEYS), _json),
        st.builds(lambda d: {**_file_obj(), **d}, st.dictionaries(st.sampled_from(_KEY_FILE_KEYS), _json)),
    )
)
@settings(max_examples=300)
def test_parse_key_file_random_json_only_raises_ours(obj: Any) -> None:
    from didkit_py.keys import parse_key_file

    try:
        kp = parse_key_file(obj)
    except DidkitError:
        return
    assert key_file_json(kp)["publicKeyMultibase"] == obj["publicKeyMultibase"]


def test_loading_a_world_readable_key_file_warns(tmp_path: Path, caplog: pytest.LogCaptureFixture) -> None:
    path = tmp_path / "k.json"
    save_key_file(path, generate_key(KeyType.ED25519))
    with caplog.at_level("WARNING"):
        load_key_file(path)
    assert not caplog.records
    os.chmod(path, 0o644)
    with caplog.at_level("WARNING"):
        load_key_file(path)
    assert "readable by other users" in caplog.text
    assert json.loads(path.read_text())["secretKeyMultibase"] not in caplog.text
