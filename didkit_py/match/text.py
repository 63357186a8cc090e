"""Text helpers for the matcher: normalisation, humanised names, and a credential's text view.

The text view is what embeddings and BM25 see. It is built from the credential's *kind*
(humanised types, its ``name``), the issuer's name and the claim *names*, plus short
descriptive claim values (a degree's field, a course title) — never personal names, ids,
numbers or dates, so the holder's name cannot influence ranking (bias rule) and nothing that
identifies the holder is embedded.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator, Mapping
from typing import Any

from ..exchange.credential import HeldCredential

__all__ = ["humanize", "iter_claims", "norm_key", "normalize", "text_view", "tokens"]

_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])|(?<=[A-Z])(?=[A-Z][a-z])")
_NON_ALNUM = re.compile(r"[^a-z0-9]+")
_DATEISH = re.compile(r"^\d{2,4}[-./]\d{1,2}([-./]\d{1,4})?([T ].*)?$")
_IDISH = re.compile(r"^(did:|urn:|https?://)|\d{3,}")

#: Claim keys whose values are personal names (or identifiers) — never in the text view.
PERSONAL_KEYS = frozenset(
    {
        "name", "givenname", "familyname", "firstname", "lastname", "surname", "fullname", "middlename",
        "birthname", "accountholder", "holder", "holdername", "nameatbirth", "forename", "vorname",
        "nachname", "nom", "prenom", "apellido", "nombre", "id", "portrait", "photo", "picture",
        "signature", "email", "phone", "telephone",
    }
)  # fmt: skip
#: Credential types that say nothing about the credential (every VC has them).
_GENERIC_TYPES = frozenset({"VerifiableCredential", "VerifiablePresentation"})


def normalize(text: str) -> str:
    """Lower-case, strip accents (``Führerschein`` → ``fuhrerschein``), ``ß`` → ``ss``, keep a-z0-9."""
    t = unicodedata.normalize("NFKD", text.replace("ß", "ss").replace("ẞ", "ss"))
    t = "".join(ch for ch in t if not unicodedata.combining(ch)).lower()
    return _NON_ALNUM.sub(" ", t).strip()


def tokens(text: str) -> list[str]:
    return normalize(text).split()


def norm_key(key: str) -> str:
    """A claim key without case and separators: ``given_name`` / ``givenName`` → ``givenname``."""
    return _NON_ALNUM.sub("", normalize(key))


def humanize(name: str) -> str:
    """``DrivingLicenceCredential`` → ``driving licence credential``; ``birth_date`` → ``birth date``."""
    if ":" in name or "/" in name:
        name = re.split(r"[#/:]", name.rstrip("/#"))[-1]
    spaced = _CAMEL.sub(" ", name).replace("_", " ").replace("-", " ")
    return " ".join(spaced.split()).lower()


def iter_claims(
    obj: Any, prefix: tuple[str | int | None, ...] = ()
) -> Iterator[tuple[tuple[str | int | None, ...], Any]]:
    """Every (path, value) under ``obj``; arrays contribute ``None`` (all elements) path steps."""
    if isinstance(obj, Mapping):
        for k, v in obj.items():
            if isinstance(k, str):
                yield (*prefix, k), v
                yield from iter_claims(v, (*prefix, k))
    elif isinstance(obj, list):
        for v in obj:
            if isinstance(v, Mapping | list):
                yield from iter_claims(v, (*prefix, None))


def _descriptive(value: Any) -> str | None:
    if not isinstance(value, str):
        return None
    v = value.strip()
    if not v or len(v) > 80 or _DATEISH.match(v) or _IDISH.search(v):
        return None
    return v


def text_view(cred: HeldCredential) -> str:
    """The matcher's description of a credential (no personal names, ids, numbers or dates)."""
    parts: list[str] = []
    kinds = [humanize(t) for t in cred.types if t not in _GENERIC_TYPES]
    parts.append(", ".join(kinds) if kinds else "credential")
    doc = cred.document
    title = doc.get("name") if isinstance(doc, Mapping) else None
    if isinstance(title, str) and title.strip():
        parts.append(title.strip())
    if cred.issuer_name:
        parts.append(f"issued by {cred.issuer_name}")
    subject = doc.get("credentialSubject") if isinstance(doc, Mapping) else None
    if subject is None and cred.vct is not None:
        subject = {
            k: v for k, v in doc.items() if k not in ("iss", "vct", "nbf", "exp", "iat", "cnf", "status")
        }
    claim_names: list[str] = []
    values: list[str] = []
    subjects = subject if isinstance(subject, list) else [subject]
    for subj in subjects:
        for path, value in iter_claims(subj):
            key = path[-1]
            if not isinstance(key, str):
                continue
            nk = norm_key(key)
            if nk in PERSONAL_KEYS or key == "type":
                # a nested object's own name (degree.name, employer.name) is descriptive, the holder's is not
                if nk == "name" and len(path) > 1 and not _is_personal_container(path):
                    d = _descriptive(value)
                    if d:
                        values.append(d)
                continue
            if any(isinstance(p, str) and norm_key(p) in _PERSON_CONTAINERS for p in path[:-1]):
                continue
            claim_names.append(humanize(key))
            if _NO_VALUE_KEY.search(nk):
                continue
            d = _descriptive(value)
            if d:
                values.append(d)
    if claim_names:
        parts.append("claims: " + ", ".join(dict.fromkeys(claim_names)))
    if values:
        parts.append("; ".join(dict.fromkeys(values)))
    return ". ".join(parts)


#: Keys whose values identify or locate the holder (numbers, codes, addresses): names only.
_NO_VALUE_KEY = re.compile(
    r"number|iban|bic|code|street|postal|zip|address|locality|city|place|plate|vin|nationalit"
)

#: Objects that describe a person (their fields are personal data, not descriptions).
_PERSON_CONTAINERS = frozenset(
    {"registeredkeeper", "holder", "parent", "guardian", "person", "owner", "child"}
)


def _is_personal_container(path: tuple[str | int | None, ...]) -> bool:
    return any(isinstance(p, str) and norm_key(p) in _PERSON_CONTAINERS for p in path[:-1])
