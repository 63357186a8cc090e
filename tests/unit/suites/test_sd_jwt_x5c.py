"""Issuer keys from an x5c chain validated to trust anchors (HAIP)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import NameOID

from didkit_py.errors import InvalidInput, VerificationError
from didkit_py.keys import KeyPair, KeyType, generate_key
from didkit_py.suites.sd_jwt import issue_sd_jwt_vc, present_sd_jwt_vc, verify_sd_jwt_vc
from didkit_py.suites.sd_jwt._jws import sign_jws

NOW = datetime(2026, 1, 1, 12, tzinfo=UTC)
ISS = "https://issuer.example/pid"
HOLDER = generate_key(KeyType.P256)
AUD, NONCE = "https://verifier.example", "n-x5c"


def _name(cn: str) -> x509.Name:
    return x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, cn)])


def _ca() -> tuple[ec.EllipticCurvePrivateKey, x509.Certificate]:
    key = ec.generate_private_key(ec.SECP256R1())
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Test Root"))
        .issuer_name(_name("Test Root"))
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=30))
        .not_valid_after(NOW + timedelta(days=3650))
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(False, False, False, False, False, True, True, False, False), critical=True
        )
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .sign(key, hashes.SHA256())
    )
    return key, cert


def _leaf(
    ca_key: ec.EllipticCurvePrivateKey, ca: x509.Certificate, san: list[x509.GeneralName], *, days: int = 365
) -> tuple[KeyPair, x509.Certificate]:
    kp = generate_key(KeyType.P256)
    assert kp.secret_key is not None
    pub = ec.derive_private_key(int.from_bytes(kp.secret_key, "big"), ec.SECP256R1()).public_key()
    cert = (
        x509.CertificateBuilder()
        .subject_name(_name("Issuer"))
        .issuer_name(ca.subject)
        .public_key(pub)
        .serial_number(x509.random_serial_number())
        .not_valid_before(NOW - timedelta(days=1))
        .not_valid_after(NOW + timedelta(days=days))
        .add_extension(x509.SubjectAlternativeName(san), critical=False)
        .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
        .add_extension(
            x509.KeyUsage(True, False, False, False, False, False, False, False, False), critical=True
        )
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_key.public_key()), critical=False
        )
        .sign(ca_key, hashes.SHA256())
    )
    return kp, cert


def _der(cert: x509.Certificate) -> bytes:
    return cert.public_bytes(serialization.Encoding.DER)


CA_KEY, CA = _ca()


def issue(key: KeyPair, chain: list[x509.Certificate], **kw: Any) -> str:
    token = issue_sd_jwt_vc(
        {"given_name": "Erika"},
        key=key,
        vct="urn:eudi:pid:1",
        issuer=kw.pop("issuer", ISS),
        holder_key=HOLDER,
        disclosable=["/given_name"],
        iat=NOW,
        x5c=[_der(c) for c in chain],
        **kw,
    )
    return present_sd_jwt_vc(token, reveal=["/given_name"], holder_key=HOLDER, aud=AUD, nonce=NONCE, iat=NOW)


async def verify(pres: str, anchors: list[x509.Certificate], **kw: Any) -> Any:
    return await verify_sd_jwt_vc(pres, now=NOW, trust_anchors=anchors, aud=AUD, nonce=NONCE, **kw)


async def test_x5c_chain_to_anchor() -> None:
    key, leaf = _leaf(CA_KEY, CA, [x509.UniformResourceIdentifier(ISS)])
    v = await verify(issue(key, [leaf]), [CA])
    assert v.claims["given_name"] == "Erika"
    key2, leaf2 = _leaf(CA_KEY, CA, [x509.DNSName("issuer.example")])
    assert (await verify(issue(key2, [leaf2]), [CA])).issuer == ISS


async def test_x5c_failures() -> None:
    key, leaf = _leaf(CA_KEY, CA, [x509.UniformResourceIdentifier(ISS)])
    other_ca = _ca()[1]
    with pytest.raises(VerificationError) as ei:
        await verify(issue(key, [leaf]), [other_ca])
    assert ei.value.code == "x5c.chain"
    key2, leaf2 = _leaf(CA_KEY, CA, [x509.DNSName("elsewhere.example")])
    with pytest.raises(VerificationError) as ei2:
        await verify(issue(key2, [leaf2]), [CA])
    assert ei2.value.code == "x5c.iss_mismatch"
    # a certificate for one key, a signature by another
    _, leaf3 = _leaf(CA_KEY, CA, [x509.UniformResourceIdentifier(ISS)])
    with pytest.raises(VerificationError) as ei3:
        await verify(issue(key, [leaf3]), [CA])
    assert ei3.value.code == "jws.signature"
    key4, leaf4 = _leaf(CA_KEY, CA, [x509.UniformResourceIdentifier(ISS)], days=1)
    with pytest.raises(VerificationError):
        await verify_sd_jwt_vc(
            issue(key4, [leaf4]), now=NOW + timedelta(days=2), trust_anchors=[CA], aud=AUD, nonce=NONCE
        )


async def test_x5c_malformed() -> None:
    bad = sign_jws({"typ": "dc+sd-jwt", "x5c": ["***"]}, {"vct": "x", "iss": ISS}, generate_key(KeyType.P256))
    with pytest.raises(InvalidInput) as ei:
        await verify_sd_jwt_vc(bad + "~", now=NOW, trust_anchors=[CA], require_kb=False)
    assert ei.value.code == "x5c.format"
    many = sign_jws({"typ": "dc+sd-jwt", "x5c": ["AA"] * 9}, {"vct": "x"}, generate_key(KeyType.P256))
    with pytest.raises(InvalidInput):
        await verify_sd_jwt_vc(many + "~", now=NOW, trust_anchors=[CA], require_kb=False)
