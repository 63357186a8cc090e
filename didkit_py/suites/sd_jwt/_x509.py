"""Issuer keys from an ``x5c`` certificate chain (SD-JWT VC §3.5, as HAIP issuers use).

The chain in the JOSE header is validated to one of the caller's trust anchors at ``now``
(cryptography's path builder: signatures, validity, basic constraints, name constraints on the
CA side; the end-entity certificate may carry any extensions). When ``iss`` is an https URL the
leaf must name it: a SAN URI equal to ``iss`` or a SAN dNSName equal to its host.
"""

from __future__ import annotations

import base64
import binascii
from collections.abc import Sequence
from datetime import datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519
from cryptography.x509 import verification as xv

from ... import keys
from ...errors import InvalidInput, UnsupportedError, VerificationError

__all__ = ["MAX_CHAIN", "key_from_x5c"]

#: Longest ``x5c`` accepted.
MAX_CHAIN = 5


def _load_chain(x5c: Any) -> list[x509.Certificate]:
    if not isinstance(x5c, list) or not x5c or len(x5c) > MAX_CHAIN:
        raise InvalidInput(f"x5c must be a list of 1-{MAX_CHAIN} certificates", code="x5c.format", at="/x5c")
    certs = []
    for i, item in enumerate(x5c):
        if not isinstance(item, str) or len(item) > 16384:
            raise InvalidInput("x5c entries are base64 DER certificates", code="x5c.format", at=f"/x5c/{i}")
        try:
            certs.append(x509.load_der_x509_certificate(base64.b64decode(item, validate=True)))
        except (binascii.Error, ValueError):
            raise InvalidInput(
                "x5c entry is not a DER certificate", code="x5c.format", at=f"/x5c/{i}"
            ) from None
    return certs


def _public_key(cert: x509.Certificate) -> Any:
    pk = cert.public_key()
    if isinstance(pk, ed25519.Ed25519PublicKey):
        raw = pk.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        return keys.KeyPair(keys.KeyType.ED25519, raw)
    if isinstance(pk, ec.EllipticCurvePublicKey):
        kt = {"secp256r1": keys.KeyType.P256, "secp256k1": keys.KeyType.SECP256K1}.get(pk.curve.name)
        if kt is not None:
            comp = pk.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.CompressedPoint)
            return keys.KeyPair(kt, comp)
    raise UnsupportedError("unsupported key in the x5c leaf certificate", code="x5c.key_type")


def _names_issuer(cert: x509.Certificate, iss: str) -> bool:
    try:
        san = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    except x509.ExtensionNotFound:
        return False
    if iss in san.get_values_for_type(x509.UniformResourceIdentifier):
        return True
    host = urlsplit(iss).hostname
    return host is not None and host in [d.lower() for d in san.get_values_for_type(x509.DNSName)]


def key_from_x5c(
    header: dict[str, Any], iss: Any, *, trust_anchors: Sequence[x509.Certificate], now: datetime
) -> Any:
    """Validate ``header["x5c"]`` to ``trust_anchors`` and return the leaf's public key."""
    chain = _load_chain(header.get("x5c"))
    if not trust_anchors:
        raise VerificationError("no trust anchors for x5c", code="x5c.no_anchors")
    builder = (
        xv.PolicyBuilder()
        .store(xv.Store(list(trust_anchors)))
        .time(now)
        .max_chain_depth(MAX_CHAIN)
        .extension_policies(
            ca_policy=xv.ExtensionPolicy.webpki_defaults_ca(), ee_policy=xv.ExtensionPolicy.permit_all()
        )
    )
    try:
        builder.build_client_verifier().verify(chain[0], chain[1:])
    except xv.VerificationError as exc:
        raise VerificationError(f"x5c chain does not validate: {exc}", code="x5c.chain") from None
    if isinstance(iss, str) and iss.startswith("https://") and not _names_issuer(chain[0], iss):
        raise VerificationError(
            "the x5c leaf certificate does not name iss", code="x5c.iss_mismatch", at="/iss"
        )
    return _public_key(chain[0])
