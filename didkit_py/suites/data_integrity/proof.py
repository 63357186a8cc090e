"""The parts of a ``DataIntegrityProof`` every cryptosuite shares (W3C VC Data Integrity 1.0).

https://www.w3.org/TR/vc-data-integrity/

- §4.2 Add Proof and §4.3 Add Proof Set/Chain: :func:`add_proof` builds the proof options,
  asks the cryptosuite for ``proofValue``, and appends the proof to any existing proofs. With
  ``previous_proof`` the new proof also covers the previous proofs it names (a chain).
- §4.4 Verify Proof and §4.5 Verify Proof Sets and Chains: :func:`verify_proof` checks every
  proof in the document: its type and cryptosuite, ``created``/``expires``, its purpose against
  the expected one **and** against the verification relationship in the controller's DID
  document (``assertionMethod``, ``authentication``, ...), ``challenge``/``domain``, that
  ``previousProof`` names proofs in the same set, and then the cryptosuite's own check.

Cryptosuites implement :class:`Cryptosuite` and live in sibling modules.
"""

from __future__ import annotations

import copy
import hmac
import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Protocol

from ...did import public_key_from_vm
from ...errors import InvalidInput, ResolutionError, UnsupportedError, VerificationError
from ...keys import KeyPair, KeyType

if TYPE_CHECKING:
    from ...did import Resolver
    from ...jsonld import DocumentLoader

__all__ = [
    "DATA_INTEGRITY_PROOF",
    "Cryptosuite",
    "ProofCheck",
    "VerifiedProofs",
    "add_proof",
    "format_datetime",
    "get_proofs",
    "parse_datetime",
    "proof_config",
    "resolve_verification_method",
    "verify_proof",
]

DATA_INTEGRITY_PROOF = "DataIntegrityProof"

_DATETIME = re.compile(
    r"^-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-3]):[0-5]\d:([0-5]\d|60)(\.\d+)?"
    r"(Z|[+-]((0\d|1[0-3]):[0-5]\d|14:00))?$"
)
#: Proof option names a proof may carry (anything else is passed through untouched).
_PROOF_STRINGS = ("id", "type", "cryptosuite", "verificationMethod", "proofPurpose", "proofValue")


class Cryptosuite(Protocol):
    """One Data Integrity cryptosuite (``eddsa-rdfc-2022``, ``ecdsa-rdfc-2019``, ``bbs-2023``)."""

    name: str
    key_types: frozenset[KeyType]

    def create_proof_value(
        self,
        unsecured: Mapping[str, Any],
        proof_config: Mapping[str, Any],
        key: KeyPair,
        *,
        loader: DocumentLoader,
        options: Mapping[str, Any],
    ) -> str:
        """Return ``proofValue`` for ``unsecured`` under ``proof_config`` (§4.2 createProof)."""
        ...

    def verify_proof_value(
        self,
        unsecured: Mapping[str, Any],
        proof: Mapping[str, Any],
        key_type: KeyType,
        public_key: bytes,
        *,
        loader: DocumentLoader,
        options: Mapping[str, Any],
    ) -> None:
        """Raise unless ``proof`` verifies over ``unsecured`` with the given public key."""
        ...


@dataclass(frozen=True, slots=True)
class ProofCheck:
    """One proof that verified: who made it, with which cryptosuite, for what."""

    cryptosuite: str
    verification_method: str
    proof_purpose: str
    proof_id: str | None = None
    created: str | None = None
    previous_proof: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        return {
            "cryptosuite": self.cryptosuite,
            "verificationMethod": self.verification_method,
            "proofPurpose": self.proof_purpose,
            "id": self.proof_id,
            "created": self.created,
            "previousProof": list(self.previous_proof),
        }


@dataclass(frozen=True, slots=True)
class VerifiedProofs:
    """Every proof of a document, verified; ``document`` is the document without its proofs."""

    document: dict[str, Any]
    proofs: tuple[ProofCheck, ...] = field(default_factory=tuple)

    @property
    def verification_methods(self) -> tuple[str, ...]:
        return tuple(p.verification_method for p in self.proofs)


def format_datetime(when: datetime) -> str:
    """XML Schema ``dateTimeStamp`` in UTC with seconds precision, as Data Integrity uses."""
    if when.tzinfo is None:
        raise InvalidInput("datetime must be timezone-aware", code="proof.created")
    utc = when.astimezone(UTC)
    return f"{utc.year:04d}-{utc.month:02d}-{utc.day:02d}T{utc.hour:02d}:{utc.minute:02d}:{utc.second:02d}Z"


def parse_datetime(value: Any, *, at: str) -> datetime:
    """Parse an XML Schema dateTime (a missing zone is read as UTC, as the VC spec allows)."""
    if not isinstance(value, str) or not _DATETIME.match(value):
        raise InvalidInput("not an XML Schema dateTime", code="proof.datetime", at=at)
    text = value.replace("Z", "+00:00")
    try:
        parsed = datetime.fromisoformat(text)
    except ValueError as exc:
        raise InvalidInput("not a valid dateTime", code="proof.datetime", at=at) from exc
    parsed = parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
    try:
        return parsed.astimezone(UTC)
    except OverflowError as exc:
        raise InvalidInput("dateTime out of range", code="proof.datetime", at=at) from exc


def get_proofs(document: Mapping[str, Any]) -> list[dict[str, Any]]:
    """The proofs of a secured document as a list (``proof`` may be one object or a list)."""
    if not isinstance(document, Mapping):
        raise InvalidInput("secured document must be a JSON object", code="proof.document")
    raw = document.get("proof")
    if raw is None:
        raise InvalidInput("document has no proof", code="proof.missing", at="/proof")
    proofs = raw if isinstance(raw, list) else [raw]
    if not proofs:
        raise InvalidInput("document has an empty proof set", code="proof.missing", at="/proof")
    for i, p in enumerate(proofs):
        if not isinstance(p, dict):
            raise InvalidInput("proof must be a JSON object", code="proof.malformed", at=f"/proof/{i}")
    return [dict(p) for p in proofs]


def proof_config(document: Mapping[str, Any], proof: Mapping[str, Any]) -> dict[str, Any]:
    """Proof configuration: the proof options without ``proofValue``, with the document context.

    Used by every RDFC cryptosuite's "Proof Configuration" step. When the proof carries its own
    ``@context`` the verifier has already checked it is a prefix of the document's (§4.4 step).
    """
    config = {k: copy.deepcopy(v) for k, v in proof.items() if k != "proofValue"}
    config["@context"] = copy.deepcopy(document.get("@context"))
    return config


def _unsecured(document: Mapping[str, Any]) -> dict[str, Any]:
    return {k: copy.deepcopy(v) for k, v in document.items() if k != "proof"}


def _as_list(value: Any) -> list[Any]:
    if value is None:
        return []
    return list(value) if isinstance(value, list) else [value]


def _suite(name: Any) -> Cryptosuite:
    from .registry import get_cryptosuite

    return get_cryptosuite(name)


# ---------------------------------------------------------------------------------------------
# Add Proof (§4.2, §4.3)


def add_proof(
    document: Mapping[str, Any],
    *,
    suite: str,
    key: KeyPair,
    verification_method: str,
    proof_purpose: str = "assertionMethod",
    created: datetime | str | None = None,
    expires: datetime | str | None = None,
    challenge: str | None = None,
    domain: str | Sequence[str] | None = None,
    loader: DocumentLoader,
    proof_id: str | None = None,
    previous_proof: str | Sequence[str] | None = None,
    mandatory_pointers: Sequence[str] = (),
    hmac_key: bytes | None = None,
) -> dict[str, Any]:
    """Return a copy of ``document`` with a new ``DataIntegrityProof`` added.

    Existing proofs stay (a proof set); with ``previous_proof`` the new proof signs the document
    together with the proofs whose ``id`` it names (a proof chain, §4.3). ``created`` is
    included only when given (Data Integrity makes it optional; pass the issuing clock's
    time). ``mandatory_pointers`` and ``hmac_key`` are for ``bbs-2023`` only.
    """
    if not isinstance(document, Mapping):
        raise InvalidInput("document must be a JSON object", code="proof.document")
    if "@context" not in document:
        raise InvalidInput("document has no @context", code="proof.context", at="/@context")
    cryptosuite = _suite(suite)
    if KeyType(key.key_type) not in cryptosuite.key_types:
        raise InvalidInput(
            f"{suite} cannot sign with a {key.key_type} key", code="proof.key_type", at="verificationMethod"
        )
    if not isinstance(verification_method, str) or not verification_method:
        raise InvalidInput("verificationMethod must be a URL", code="proof.verification_method")
    if not isinstance(proof_purpose, str) or not proof_purpose:
        raise InvalidInput("proofPurpose must be a string", code="proof.purpose")

    # 1. Proof options, in the order the vectors show them.
    proof: dict[str, Any] = {"type": DATA_INTEGRITY_PROOF}
    if proof_id is not None:
        proof["id"] = proof_id
    proof["cryptosuite"] = cryptosuite.name
    if created is not None:
        proof["created"] = format_datetime(created) if isinstance(created, datetime) else created
        parse_datetime(proof["created"], at="created")
    if expires is not None:
        proof["expires"] = format_datetime(expires) if isinstance(expires, datetime) else expires
        parse_datetime(proof["expires"], at="expires")
    proof["verificationMethod"] = verification_method
    proof["proofPurpose"] = proof_purpose
    if challenge is not None:
        proof["challenge"] = challenge
    if domain is not None:
        proof["domain"] = domain if isinstance(domain, str) else list(domain)

    # 2. Existing proofs and the chain (§4.3 Add Proof Set/Chain).
    existing = get_proofs(document) if "proof" in document else []
    unsecured = _unsecured(document)
    if previous_proof is not None:
        prev_ids = _as_list(previous_proof)
        by_id = {p.get("id"): p for p in existing if p.get("id")}
        missing = [pid for pid in prev_ids if pid not in by_id]
        if missing:
            raise InvalidInput(
                "previousProof names a proof the document does not have",
                code="proof.previous",
                at="previousProof",
            )
        proof["previousProof"] = previous_proof if isinstance(previous_proof, str) else list(prev_ids)
        unsecured["proof"] = [copy.deepcopy(by_id[pid]) for pid in prev_ids]

    # 3. The cryptosuite computes proofValue over the (chained) input document.
    options = {"mandatory_pointers": list(mandatory_pointers), "hmac_key": hmac_key}
    proof["proofValue"] = cryptosuite.create_proof_value(
        unsecured, proof_config(unsecured, proof), key, loader=loader, options=options
    )

    # 4. Add the proof to the proof set.
    out = _unsecured(document)
    out["proof"] = [*existing, proof] if existing else proof
    return out


# ---------------------------------------------------------------------------------------------
# Verification methods


def _absolute(ref: str, did: str) -> str:
    return did + ref if ref.startswith("#") else ref


def _vm_public_key(vm: Mapping[str, Any]) -> tuple[KeyType, bytes]:
    """Key type and public key of a verification method (Multikey, JsonWebKey, legacy types)."""
    kt, pk = public_key_from_vm(dict(vm))
    return KeyType(kt), bytes(pk)


async def resolve_verification_method(
    resolver: Resolver, vm_url: str, purpose: str
) -> tuple[dict[str, Any], KeyType, bytes]:
    """Dereference ``vm_url`` and check its controller authorizes it for ``purpose``.

    The DID document of the method's DID must list the method under the verification
    relationship named by ``purpose`` (by reference or embedded), and the method's
    ``controller`` must be that DID document. Otherwise anyone could point at a key
    the DID controller published for a different use (e.g. key agreement).
    """
    if not isinstance(vm_url, str) or not vm_url.startswith("did:") or "#" not in vm_url:
        raise UnsupportedError(
            "verificationMethod must be a DID URL with a fragment", code="proof.verification_method"
        )
    did = vm_url.split("#", 1)[0]
    result = await resolver.resolve(did)
    doc = result.document
    if not isinstance(doc, Mapping):
        raise ResolutionError("DID document is not an object", code="proof.did_document")
    doc_id = doc.get("id", did)

    def find(items: Any) -> dict[str, Any] | None:
        for item in _as_list(items):
            if (
                isinstance(item, Mapping)
                and isinstance(item.get("id"), str)
                and _absolute(item["id"], doc_id) == vm_url
            ):
                return dict(item)
        return None

    relationship = doc.get(purpose)
    authorized = False
    vm = None
    for item in _as_list(relationship):
        if isinstance(item, str) and _absolute(item, doc_id) == vm_url:
            authorized = True
        elif isinstance(item, Mapping) and _absolute(str(item.get("id", "")), doc_id) == vm_url:
            authorized = True
            vm = dict(item)
    if vm is None:
        vm = find(doc.get("verificationMethod"))
    if vm is None:
        raise ResolutionError("verification method not found in DID document", code="proof.vm_not_found")
    if not authorized:
        raise VerificationError(
            f"verification method is not authorized for {purpose}", code="proof.purpose_not_authorized"
        )
    controller = vm.get("controller")
    if controller is not None and controller != doc_id:
        raise VerificationError(
            "verification method controller is not the DID subject", code="proof.vm_controller"
        )
    key_type, public_key = _vm_public_key(vm)
    return vm, key_type, public_key


# ---------------------------------------------------------------------------------------------
# Verify Proof (§4.4, §4.5)


def _check_string(proof: Mapping[str, Any], name: str, at: str) -> str:
    value = proof.get(name)
    if not isinstance(value, str) or not value:
        raise InvalidInput(
            f"proof {name} must be a non-empty string", code="proof.malformed", at=f"{at}/{name}"
        )
    return value


def _context_prefix(document: Mapping[str, Any], proof: Mapping[str, Any], at: str) -> None:
    """§4.4: a proof's own @context must be a prefix of the document's."""
    if "@context" not in proof:
        return
    doc_ctx = _as_list(document.get("@context"))
    proof_ctx = _as_list(proof["@context"])
    if doc_ctx[: len(proof_ctx)] != proof_ctx:
        raise VerificationError("proof @context is not a prefix of the document's", code="proof.context")


async def verify_proof(
    document: Mapping[str, Any],
    *,
    resolver: Resolver,
    loader: DocumentLoader,
    expected_purpose: str = "assertionMethod",
    challenge: str | None = None,
    domain: str | None = None,
    now: datetime | None = None,
    presentation_header: bytes | None = None,
    allowed_suites: Sequence[str] | None = None,
) -> VerifiedProofs:
    """Verify every Data Integrity proof of ``document``; raise on the first failure.

    ``expected_purpose`` is what the verifier needs (``assertionMethod`` for a credential,
    ``authentication`` for a presentation). With ``challenge``/``domain`` set, each proof must
    carry exactly them. ``now`` checks ``expires`` (and rejects a ``created`` in the future by
    more than a minute). ``presentation_header`` makes ``bbs-2023`` derived proofs require that
    exact presentation header.
    """
    proofs = get_proofs(document)
    unsecured = _unsecured(document)
    by_id: dict[str, dict[str, Any]] = {}
    for p in proofs:
        pid = p.get("id")
        if isinstance(pid, str):
            if pid in by_id:
                raise InvalidInput("two proofs share one id", code="proof.duplicate_id", at="/proof")
            by_id[pid] = p
    checks: list[ProofCheck] = []
    for index, proof in enumerate(proofs):
        at = f"/proof/{index}" if isinstance(document.get("proof"), list) else "/proof"
        # 1. Shape: type, cryptosuite, options.
        if proof.get("type") != DATA_INTEGRITY_PROOF:
            raise UnsupportedError(
                f"unsupported proof type {proof.get('type')!r}", code="proof.type", at=f"{at}/type"
            )
        suite_name = _check_string(proof, "cryptosuite", at)
        if allowed_suites is not None and suite_name not in allowed_suites:
            raise VerificationError(
                f"cryptosuite {suite_name} is not accepted here", code="proof.cryptosuite"
            )
        cryptosuite = _suite(suite_name)
        vm_url = _check_string(proof, "verificationMethod", at)
        purpose = _check_string(proof, "proofPurpose", at)
        _check_string(proof, "proofValue", at)
        for name in ("id", "challenge", "nonce"):
            if name in proof and not isinstance(proof[name], str):
                raise InvalidInput(
                    f"proof {name} must be a string", code="proof.malformed", at=f"{at}/{name}"
                )
        created = proof.get("created")
        if created is not None:
            when = parse_datetime(created, at=f"{at}/created")
            if now is not None and (when - now).total_seconds() > 60:
                raise VerificationError("proof created in the future", code="proof.created_future")
        if proof.get("expires") is not None:
            expires = parse_datetime(proof["expires"], at=f"{at}/expires")
            if now is not None and expires < now:
                raise VerificationError("proof has expired", code="proof.expired")
        _context_prefix(document, proof, at)
        # 2. Purpose, challenge, domain.
        if purpose != expected_purpose:
            raise VerificationError(
                f"proofPurpose is {purpose!r}, expected {expected_purpose!r}", code="proof.purpose"
            )
        if challenge is not None:
            got = proof.get("challenge")
            if not isinstance(got, str) or not hmac.compare_digest(
                got.encode("utf-8", "surrogatepass"), challenge.encode("utf-8", "surrogatepass")
            ):
                raise VerificationError("proof challenge does not match", code="proof.challenge")
        if domain is not None:
            got_domain = _as_list(proof.get("domain"))
            if domain not in got_domain:
                raise VerificationError("proof domain does not match", code="proof.domain")
        # 3. The input document: with the previous proofs it chains to (§4.5).
        prev = _as_list(proof.get("previousProof"))
        input_doc = unsecured
        if prev:
            if not all(isinstance(x, str) for x in prev):
                raise InvalidInput(
                    "previousProof must be string ids", code="proof.malformed", at=f"{at}/previousProof"
                )
            if proof.get("id") in prev:
                raise VerificationError("a proof cannot chain to itself", code="proof.previous")
            missing = [x for x in prev if x not in by_id]
            if missing:
                raise VerificationError(
                    "previousProof names a proof that is not in the proof set", code="proof.previous_missing"
                )
            input_doc = dict(unsecured)
            input_doc["proof"] = [copy.deepcopy(by_id[x]) for x in prev]
        if "@context" in proof:
            # vc-di-eddsa/ecdsa/bbs "Verify Proof" step 4.2: with a proof @context (already checked
            # to be a prefix of the document's), the document is processed under that context.
            input_doc = {**input_doc, "@context": copy.deepcopy(proof["@context"])}
        # 4. The verification method, authorized for this purpose by its controller.
        _vm, key_type, public_key = await resolve_verification_method(resolver, vm_url, purpose)
        if key_type not in cryptosuite.key_types:
            raise VerificationError(
                f"{suite_name} does not use {key_type} keys",
                code="proof.key_type",
                at=f"{at}/verificationMethod",
            )
        # 5. The cryptosuite's own verification.
        cryptosuite.verify_proof_value(
            input_doc,
            proof,
            key_type,
            public_key,
            loader=loader,
            options={"presentation_header": presentation_header},
        )
        checks.append(
            ProofCheck(
                cryptosuite=suite_name,
                verification_method=vm_url,
                proof_purpose=purpose,
                proof_id=proof.get("id"),
                created=created,
                previous_proof=tuple(prev),
            )
        )
    return VerifiedProofs(document=unsecured, proofs=tuple(checks))
