"""The holder-side view of a credential that Presentation Exchange, DCQL and the matcher evaluate.

One frozen :class:`HeldCredential` per credential, whatever its securing format: a Data Integrity
``ldp_vc`` (VC Data Model 2.0 JSON), a ``jwt_vc_json`` (its decoded ``vc`` claim), or an SD-JWT VC
(``dc+sd-jwt`` / ``vc+sd-jwt``: the decoded claims with every disclosure applied, its ``vct`` and the
set of claim paths that are selectively disclosable). The evaluators only read :attr:`document`
(the JSON that JSONPath / DCQL claims paths address) and the metadata fields, so a new format
plugs in by building a ``HeldCredential`` — see :meth:`HeldCredential.from_sd_jwt_claims`.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

from ..errors import InvalidInput

__all__ = [
    "SD_CRYPTOSUITES",
    "HeldCredential",
    "credentials_from_json",
    "parse_datetime",
]

#: VC Data Model 2.0 base context and the vocabulary its terms expand to.
VC_V2_CONTEXT = "https://www.w3.org/ns/credentials/v2"
VC_V1_CONTEXT = "https://www.w3.org/2018/credentials/v1"
_CRED_NS = "https://www.w3.org/2018/credentials#"
#: ``@vocab`` of https://www.w3.org/ns/credentials/examples/v2 (undefined example terms land here).
EXAMPLES_V2_CONTEXT = "https://www.w3.org/ns/credentials/examples/v2"
_EXAMPLES_VOCAB = "https://www.w3.org/ns/credentials/examples#"
#: VC v2's ``@vocab`` for otherwise undefined terms (VC DM 2.0 §B.2 "undefined terms").
_UNDEFINED_VOCAB = "https://www.w3.org/ns/credentials/issuer-dependent#"
#: Credential types the VC v2 context defines in the credentials namespace.
_VC_TYPES = frozenset(
    {
        "VerifiableCredential",
        "VerifiablePresentation",
        "EnvelopedVerifiableCredential",
        "EnvelopedVerifiablePresentation",
        "BitstringStatusListCredential",
        "JsonSchemaCredential",
    }
)

#: Data Integrity cryptosuites (and legacy proof types) whose proofs let the holder derive a
#: proof over a subset of claims (selective disclosure).
SD_CRYPTOSUITES = frozenset({"ecdsa-sd-2023", "bbs-2023"})
_SD_PROOF_TYPES = frozenset({"BbsBlsSignature2020", "BbsBlsSignatureProof2020", "BbsBlsBoundSignature2020"})
_SD_FORMATS = frozenset({"dc+sd-jwt", "vc+sd-jwt", "mso_mdoc"})


def parse_datetime(value: Any, *, at: str) -> datetime:
    """An XML Schema dateTime (as VC DM 2.0 uses) as an aware UTC datetime; naive means UTC."""
    if not isinstance(value, str):
        raise InvalidInput("must be a dateTime string", code="credential.datetime", at=at)
    text = value.strip()
    if text.endswith(("Z", "z")):
        text = text[:-1] + "+00:00"
    try:
        dt = datetime.fromisoformat(text)
    except ValueError:
        raise InvalidInput("is not an ISO 8601 / XSD dateTime", code="credential.datetime", at=at) from None
    return dt.replace(tzinfo=UTC) if dt.tzinfo is None else dt.astimezone(UTC)


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


@dataclass(frozen=True, slots=True)
class HeldCredential:
    """A credential in the holder's wallet, as the exchange evaluators and the matcher see it.

    ``document`` is what PE JSONPath expressions and DCQL claims paths address. ``disclosable`` is
    ``None`` when the format decides per proof (Data Integrity SD suites disclose any claim);
    for SD-JWT it lists the claim paths (tuples of keys/indices) that are selectively disclosable,
    and claims outside it are always disclosed.
    """

    id: str
    format: str
    document: Mapping[str, Any] = field(repr=False)
    types: tuple[str, ...] = ()
    expanded_types: tuple[str, ...] = ()
    vct: str | None = None
    issuer_id: str | None = None
    issuer_name: str | None = None
    valid_from: datetime | None = None
    valid_until: datetime | None = None
    proof_types: tuple[str, ...] = ()
    cryptosuites: tuple[str, ...] = ()
    selective_disclosure: bool = False
    disclosable: frozenset[tuple[str | int | None, ...]] | None = None

    # -- construction ------------------------------------------------------------------------
    @classmethod
    def from_vc(cls, vc: Mapping[str, Any], *, format: str = "ldp_vc", at: str = "") -> HeldCredential:
        """Build from a VC DM 1.1/2.0 JSON credential (``ldp_vc`` or a decoded ``jwt_vc_json``)."""
        if not isinstance(vc, Mapping):
            raise InvalidInput("credential must be a JSON object", code="credential.type", at=at or "/")
        types = tuple(str(t) for t in _as_list(vc.get("type")) if isinstance(t, str))
        if not types:
            raise InvalidInput("credential has no type", code="credential.type", at=f"{at}/type")
        cid = vc.get("id")
        if not isinstance(cid, str) or not cid:
            # Wallets must be able to name every credential; derive a stable id from the content.
            cid = "urn:sha256:" + content_hash(vc)
        issuer = vc.get("issuer")
        issuer_id: str | None
        issuer_name: str | None = None
        if isinstance(issuer, str):
            issuer_id = issuer
        elif isinstance(issuer, Mapping):
            issuer_id = issuer.get("id") if isinstance(issuer.get("id"), str) else None
            name = issuer.get("name")
            if isinstance(name, str):
                issuer_name = name
            elif isinstance(name, Mapping) and isinstance(name.get("@value"), str):
                issuer_name = name["@value"]
        else:
            issuer_id = None
        vf = vc.get("validFrom", vc.get("issuanceDate"))
        vu = vc.get("validUntil", vc.get("expirationDate"))
        valid_from = parse_datetime(vf, at=f"{at}/validFrom") if vf is not None else None
        valid_until = parse_datetime(vu, at=f"{at}/validUntil") if vu is not None else None
        proofs = [p for p in _as_list(vc.get("proof")) if isinstance(p, Mapping)]
        proof_types = tuple(str(p.get("type")) for p in proofs if isinstance(p.get("type"), str))
        suites = tuple(str(p.get("cryptosuite")) for p in proofs if isinstance(p.get("cryptosuite"), str))
        sd = bool(SD_CRYPTOSUITES & set(suites) or _SD_PROOF_TYPES & set(proof_types))
        return cls(
            id=cid,
            format=format,
            document=vc,
            types=types,
            expanded_types=expand_types(types, vc.get("@context")),
            issuer_id=issuer_id,
            issuer_name=issuer_name,
            valid_from=valid_from,
            valid_until=valid_until,
            proof_types=proof_types,
            cryptosuites=suites,
            selective_disclosure=sd,
        )

    @classmethod
    def from_sd_jwt_claims(
        cls,
        claims: Mapping[str, Any],
        *,
        disclosable: Iterable[Sequence[str | int | None]],
        format: str = "dc+sd-jwt",
        id: str | None = None,
        issuer_name: str | None = None,
    ) -> HeldCredential:
        """Build from an SD-JWT VC's processed payload (all disclosures applied, ``_sd`` removed).

        ``disclosable`` lists the claim paths that have a disclosure; ``vct``, ``iss``, ``nbf``
        and ``exp`` follow SD-JWT VC §3.2.2. PE JSONPath addresses the claims at the root
        (``$.given_name``) and DCQL paths likewise.
        """
        if not isinstance(claims, Mapping):
            raise InvalidInput("SD-JWT claims must be a JSON object", code="credential.type")
        vct = claims.get("vct")
        if not isinstance(vct, str) or not vct:
            raise InvalidInput("SD-JWT VC needs a vct string", code="credential.vct", at="/vct")

        def _ts(name: str) -> datetime | None:
            v = claims.get(name)
            if v is None:
                return None
            if isinstance(v, bool) or not isinstance(v, int | float):
                raise InvalidInput("must be a NumericDate", code="credential.datetime", at=f"/{name}")
            return datetime.fromtimestamp(v, tz=UTC)

        iss = claims.get("iss") if isinstance(claims.get("iss"), str) else None
        cid = id or "urn:sha256:" + content_hash(claims)
        return cls(
            id=cid,
            format=format,
            document=claims,
            types=(vct,),
            expanded_types=(vct,),
            vct=vct,
            issuer_id=iss,
            issuer_name=issuer_name,
            valid_from=_ts("nbf"),
            valid_until=_ts("exp"),
            selective_disclosure=True,
            disclosable=frozenset(tuple(p) for p in disclosable),
        )

    # -- queries -----------------------------------------------------------------------------
    def is_valid_at(self, now: datetime) -> bool:
        """The one rule added on top of PE/DCQL: a credential outside its validity period never matches."""
        if now.tzinfo is None:
            raise InvalidInput("now must be timezone-aware", code="exchange.now", at="now")
        if self.valid_from is not None and self.valid_from > now:
            return False
        return not (self.valid_until is not None and self.valid_until < now)

    def can_limit_disclosure(self, paths: Iterable[Sequence[str | int | None]] = ()) -> bool:
        """Whether a presentation can reveal only ``paths`` (PE ``limit_disclosure: required``)."""
        if self.format in _SD_FORMATS:
            return True
        return self.selective_disclosure

    @property
    def content_hash(self) -> str:
        return content_hash(self.document)


def content_hash(doc: Any) -> str:
    """SHA-256 of the canonical JSON (sorted keys, no whitespace) of ``doc``; hex."""
    data = json.dumps(doc, sort_keys=True, separators=(",", ":"), ensure_ascii=False, default=str)
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


def expand_types(types: Sequence[str], context: Any) -> tuple[str, ...]:
    """Expand compact ``type`` values to IRIs the way the VC v2 / examples v2 contexts do.

    Absolute IRIs stay as they are; the VC v2 context maps its own types to
    ``https://www.w3.org/2018/credentials#``; other terms take the ``@vocab`` of the last
    context that declares one (examples v2 → ``https://www.w3.org/ns/credentials/examples#``,
    an inline ``{"@vocab": ...}``, else VC v2's issuer-dependent vocabulary). This is what DCQL
    ``meta.type_values`` compares against for ``ldp_vc`` (OpenID4VP 1.0 Appendix B.1.1).
    """
    vocab: str | None = None
    term_map: dict[str, str] = {}
    for ctx in _as_list(context):
        if ctx in (VC_V2_CONTEXT, VC_V1_CONTEXT):
            vocab = vocab or (_UNDEFINED_VOCAB if ctx == VC_V2_CONTEXT else None)
        elif ctx == EXAMPLES_V2_CONTEXT:
            vocab = _EXAMPLES_VOCAB
        elif isinstance(ctx, Mapping):
            if isinstance(ctx.get("@vocab"), str):
                vocab = ctx["@vocab"]
            for k, v in ctx.items():
                if k.startswith("@"):
                    continue
                iri = v if isinstance(v, str) else (v.get("@id") if isinstance(v, Mapping) else None)
                if isinstance(iri, str) and ":" in iri:
                    term_map[k] = iri
    out: list[str] = []
    for t in types:
        if t in term_map:
            out.append(term_map[t])
        elif ":" in t:
            out.append(t)
        elif t in _VC_TYPES:
            out.append(_CRED_NS + t)
        elif vocab is not None:
            out.append(vocab + t)
        else:
            out.append(t)
    return tuple(out)


def credentials_from_json(data: Any) -> tuple[list[HeldCredential], dict[str, Any]]:
    """Parse a wallet file: a JSON array of credentials, or the sample's wallet object.

    The object form is ``{"now", "holder", "trusted_issuers", "credentials"}``.

    Returns the credentials and the wallet's metadata (``now``, ``holder``, ``trusted_issuers``;
    empty when the file is a bare array). A JWT string entry is not decoded here (no proof
    checks in the matcher): give decoded credentials.
    """
    meta: dict[str, Any] = {}
    if isinstance(data, Mapping):
        items = data.get("credentials")
        if not isinstance(items, list):
            raise InvalidInput(
                "wallet must have a credentials array", code="wallet.format", at="/credentials"
            )
        for key in ("now", "holder", "trusted_issuers"):
            if key in data:
                meta[key] = data[key]
        trusted = meta.get("trusted_issuers")
        if trusted is not None and (
            not isinstance(trusted, list) or not all(isinstance(t, str) for t in trusted)
        ):
            raise InvalidInput(
                "trusted_issuers must be an array of strings", code="wallet.format", at="/trusted_issuers"
            )
        base = "/credentials"
    elif isinstance(data, list):
        items = data
        base = ""
    else:
        raise InvalidInput("wallet must be a JSON array or object", code="wallet.format", at="/")
    creds: list[HeldCredential] = []
    seen: set[str] = set()
    for i, item in enumerate(items):
        c = HeldCredential.from_vc(item, at=f"{base}/{i}")
        if c.id in seen:
            raise InvalidInput(
                f"duplicate credential id {c.id}", code="wallet.duplicate", at=f"{base}/{i}/id"
            )
        seen.add(c.id)
        creds.append(c)
    return creds, meta
