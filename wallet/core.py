"""What the wallet does, without the terminal: identities, import and verify, browse, match,
build presentations, receive over OpenID4VCI, answer OpenID4VP, and keep the history.

Everything takes the open :class:`~wallet.store.WalletStore` and the clients it needs (an
``httpx.AsyncClient``, a DID resolver, the verifier); the CLI builds them once per command.
"""

from __future__ import annotations

import dataclasses
import json
import re
import uuid
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any, Literal
from urllib.parse import urlsplit

from didkit_py.credentials import Signer, derive, load_secured, present, signer_for_key
from didkit_py.errors import DidkitError, InvalidInput, NotFound, UnsupportedError, VerificationError
from didkit_py.keys import KeyType, generate_key, key_pair_from_jwk, private_jwk, public_jwk

from .store import Record, WalletStore

if TYPE_CHECKING:  # imported where used: `wallet list` should not pay for the verifier and OpenID stacks
    import httpx

    from didkit_py.did import Resolver
    from didkit_py.did.types import DidMethod
    from didkit_py.exchange import HeldCredential
    from didkit_py.keys import KeyPair
    from didkit_py.oid4vc import vci
    from didkit_py.oid4vc.vp import AuthorizationRequest
    from didkit_py.registry.client import ChainConfig, RegistryClient
    from verifier import VerificationReport, Verifier

__all__ = [
    "ETHR_HOLDER_PURPOSE",
    "Disclosure",
    "OpenChoice",
    "PlannedPresentation",
    "SelectionError",
    "anchor_identity",
    "choose_dcql_queries",
    "claims_view",
    "create_identity",
    "credential_summary",
    "current_signer",
    "default_identity",
    "ethr_key_vm",
    "flatten",
    "held_credential",
    "held_credentials",
    "identity_signer",
    "parse_option_flags",
    "plan_dcql_presentation",
    "send_presentation",
    "store_credential",
    "verify_credential",
]

#: OpenID4VP 1.0 format identifiers per securing format (Appendix B).
OID4VP_FORMAT = {
    "vc+jwt": "jwt_vc_json",
    "dc+sd-jwt": "dc+sd-jwt",
    "eddsa-rdfc-2022": "ldp_vc",
    "ecdsa-rdfc-2019": "ldp_vc",
    "bbs-2023": "ldp_vc",
}
_DI_PRESENTATION_SUITE = {KeyType.ED25519: "eddsa-rdfc-2022", KeyType.P256: "ecdsa-rdfc-2019"}


def iso(dt: datetime | None) -> str | None:
    return dt.astimezone(UTC).isoformat().replace("+00:00", "Z") if dt is not None else None


# --------------------------------------------------------------------------- identities


def create_identity(
    store: WalletStore,
    *,
    method: Literal["key", "jwk", "ethr"] = "key",
    key_type: KeyType = KeyType.ED25519,
    now: datetime,
    make_default: bool | None = None,
    chain: ChainConfig | None = None,
) -> Record:
    """A new holder DID whose private key is stored encrypted.

    did:key / did:jwk are derived from the key. did:ethr (``chain`` required, secp256k1 only) is
    ``did:ethr:<network>:<address>`` on that chain — the network's name when configured, else
    its hex chain id — and needs no transaction to exist; its document then has only the
    ``#controller`` ``EcdsaSecp256k1RecoveryMethod2020`` (an address, no public key), which our
    verifiers and issuers cannot check a signature against, so it is usable for key binding
    only after :func:`anchor_identity` publishes the key.
    """
    if key_type not in (KeyType.ED25519, KeyType.P256, KeyType.SECP256K1):
        raise UnsupportedError(
            f"holder keys must be Ed25519, P-256 or secp256k1, not {key_type}", code="wallet.key_type"
        )
    extra: dict[str, Any] = {}
    if method == "ethr":
        if chain is None:
            raise InvalidInput("did:ethr needs the chain configuration", code="wallet.chain")
        if key_type is not KeyType.SECP256K1:
            raise UnsupportedError("did:ethr holder keys are secp256k1", code="wallet.key_type")
        from didkit_py.registry.client import address_from_public_key

        kp = generate_key(key_type)
        address = address_from_public_key(kp.public_key)
        did = f"did:ethr:{chain.name or hex(chain.chain_id)}:{address}"
        signer = Signer(kp, f"{did}#controller")
        extra = {"address": address, "chain_id": chain.chain_id, "anchored": None}
    else:
        kp = generate_key(key_type)
        signer = signer_for_key(kp, method=method)
    existing = store.records("identity")
    default = make_default if make_default is not None else not existing
    with store.transaction():
        if default:
            for rec in existing:
                if rec.data.get("default"):
                    store.put("identity", {**rec.data, "default": False}, id=rec.id)
        rid = store.put(
            "identity",
            {
                "did": signer.did,
                "verification_method": signer.verification_method,
                "method": method,
                "key_type": str(key_type),
                "private_jwk": private_jwk(kp),
                "created": iso(now),
                "default": default,
                **extra,
            },
        )
    return store.get(rid, "identity")


#: The registry attribute that anchors a holder key: ``sigAuth`` lists it under both
#: ``authentication`` and ``assertionMethod`` (an ``EcdsaSecp256k1VerificationKey2019``).
ETHR_HOLDER_PURPOSE = "sigAuth"


def ethr_key_vm(document: Mapping[str, Any], public_key: bytes) -> str | None:
    """The id of the verification method in a did:ethr document that holds ``public_key``
    and is listed for ``authentication`` (what key binding proves), if any."""
    from didkit_py.did import public_key_from_vm

    auth = {a if isinstance(a, str) else a.get("id") for a in document.get("authentication") or []}
    for vm in document.get("verificationMethod") or []:
        if not isinstance(vm, Mapping) or vm.get("id") not in auth:
            continue
        try:
            kt, pk = public_key_from_vm(vm)
        except DidkitError:
            continue  # e.g. the #controller recovery method: an address, no key
        if kt is KeyType.SECP256K1 and pk == public_key:
            return str(vm["id"])
    return None


async def anchor_identity(
    store: WalletStore,
    rec: Record,
    *,
    client: RegistryClient,
    method: DidMethod,
    relayer: KeyPair | None,
    validity: int,
    now: datetime,
) -> tuple[Record, dict[str, Any] | None]:
    """Publish a did:ethr holder's own key on the registry so the DID resolves with a method
    issuers and verifiers can check (``did/pub/Secp256k1/sigAuth/hex``), and record its id.

    Idempotent: when the chain already shows the key (an earlier run, perhaps interrupted after
    the transaction) nothing is sent. The holder's key signs; a ``relayer`` pays the gas through
    the registry's signed meta-transaction, else the holder's address must hold ETH. Returns the
    updated record and the transaction (None when nothing was sent).
    """
    if rec.data.get("method") != "ethr":
        raise InvalidInput("only did:ethr identities are anchored on a chain", code="wallet.not_ethr")
    if rec.data.get("chain_id") != client.config.chain_id:
        raise InvalidInput(
            f"this identity lives on chain {rec.data.get('chain_id')}, the configured chain is "
            f"{client.config.chain_id} (DIDKIT_CHAIN_ID)",
            code="wallet.chain",
        )
    from didkit_py.registry.client import key_attribute

    kp = key_pair_from_jwk(rec.data["private_jwk"])
    did = rec.data["did"]
    vm_id = ethr_key_vm((await method.resolve(did)).document, kp.public_key)
    tx: dict[str, Any] | None = None
    if vm_id is None:
        name, value = key_attribute(KeyType.SECP256K1, kp.public_key, purpose=ETHR_HOLDER_PURPOSE)
        if relayer is None:
            result = client.set_attribute(did, kp, name, value, validity)
        else:
            sig = client.sign_set_attribute(did, kp, name, value, validity)
            result = client.set_attribute_signed(did, sig, name, value, relayer, validity)
        tx = {"transactionHash": result.transaction_hash, "blockNumber": result.block_number}
        vm_id = ethr_key_vm((await method.resolve(did)).document, kp.public_key)
        if vm_id is None:
            from didkit_py.errors import ResolutionError

            raise ResolutionError(
                "the registry does not show the key just published", code="wallet.ethr_anchor"
            )
    anchored = {"chain_id": client.config.chain_id, "at": iso(now), **(tx or {})}
    if rec.data.get("anchored") and tx is None:
        anchored = {**rec.data["anchored"], "checked": iso(now)}
    rid = store.put("identity", {**rec.data, "verification_method": vm_id, "anchored": anchored}, id=rec.id)
    return store.get(rid, "identity"), tx


async def current_signer(rec: Record, resolver: Resolver) -> Signer:
    """The signer for key binding, checked against the chain for did:ethr (the method id can
    change when other attributes are revoked; an owner change or revocation drops it)."""
    kp = key_pair_from_jwk(rec.data["private_jwk"])
    if rec.data.get("method") != "ethr":
        return Signer(kp, rec.data["verification_method"])
    vm_id = ethr_key_vm((await resolver.resolve(rec.data["did"])).document, kp.public_key)
    if vm_id is None:
        raise UnsupportedError(
            f"{rec.data['did']} does not publish this wallet's key on the chain, so issuers and "
            f"verifiers cannot check its proofs: run `wallet did anchor {rec.id[:8]}`",
            code="wallet.ethr_unanchored",
        )
    return Signer(kp, vm_id)


def default_identity(store: WalletStore, did: str | None = None) -> Record:
    ids = store.records("identity")
    for rec in ids:
        if (did is not None and rec.data.get("did") == did) or (did is None and rec.data.get("default")):
            return rec
    if did is None and ids:
        return ids[0]
    raise NotFound(
        "no such holder identity in the wallet" if did else "the wallet has no holder identity",
        code="wallet.no_identity",
    )


def identity_signer(rec: Record) -> Signer:
    kp = key_pair_from_jwk(rec.data["private_jwk"])
    return Signer(kp, rec.data["verification_method"])


def bound_signer(store: WalletStore, cred: Record, default: Signer) -> Signer:
    """The holder identity a credential is bound to (SD-JWT ``cnf``, else ``credentialSubject.id``),
    so presentations prove possession of the right key; the default identity otherwise."""
    doc = cred.data.get("document") or {}
    cnf = doc.get("cnf") if isinstance(doc, Mapping) else None
    subject = doc.get("credentialSubject") if isinstance(doc, Mapping) else None
    subjects = subject if isinstance(subject, list) else [subject]
    dids = {s.get("id") for s in subjects if isinstance(s, Mapping) and isinstance(s.get("id"), str)}
    for ident in store.records("identity"):
        signer = identity_signer(ident)
        if isinstance(cnf, Mapping):
            jwk = cnf.get("jwk")
            kid = cnf.get("kid")
            if isinstance(jwk, Mapping):
                mine = public_jwk(signer.key)
                if all(jwk.get(k) == mine.get(k) for k in ("kty", "crv", "x", "y")):
                    return signer
            elif isinstance(kid, str) and kid.split("#", 1)[0] == signer.did:
                return signer
        elif signer.did in dids:
            return signer
    return default


# --------------------------------------------------------------------------- credentials


def _detect_format(secured: str | dict[str, Any]) -> str:
    if isinstance(secured, str):
        return "dc+sd-jwt" if "~" in secured else "vc+jwt"
    proofs = secured.get("proof")
    first = proofs[0] if isinstance(proofs, list) and proofs else proofs
    suite = first.get("cryptosuite") if isinstance(first, dict) else None
    if suite in ("eddsa-rdfc-2022", "ecdsa-rdfc-2019", "bbs-2023"):
        return str(suite)
    raise UnsupportedError(
        "this credential's proof is in no format the wallet supports", code="wallet.format"
    )


def _leaf_pointers(value: Any, prefix: str = "") -> list[str]:
    if isinstance(value, dict):
        out: list[str] = []
        for k, v in value.items():
            out += _leaf_pointers(v, f"{prefix}/{str(k).replace('~', '~0').replace('/', '~1')}")
        return out or ([prefix] if prefix else [])
    if isinstance(value, list):
        if not any(isinstance(v, dict | list) for v in value):
            return [prefix]  # an array of values is one claim (e.g. ``type``)
        out = []
        for i, v in enumerate(value):
            out += _leaf_pointers(v, f"{prefix}/{i}")
        return out or [prefix]
    return [prefix]


def flatten(
    document: Mapping[str, Any], *, skip: Sequence[str] = ("@context", "proof")
) -> list[tuple[str, Any]]:
    """``(JSON pointer, value)`` for every leaf claim, in document order."""
    out: list[tuple[str, Any]] = []
    for key, value in document.items():
        if key in skip:
            continue
        base = f"/{key.replace('~', '~0').replace('/', '~1')}"
        for ptr in _leaf_pointers(value, base):
            out.append((ptr, _at(document, ptr)))
    return out


def _at(document: Any, pointer: str) -> Any:
    cur = document
    for raw in pointer.split("/")[1:]:
        seg = raw.replace("~1", "/").replace("~0", "~")
        cur = cur[int(seg)] if isinstance(cur, list) else cur[seg]
    return cur


def _document_of(secured: str | dict[str, Any], fmt: str) -> tuple[dict[str, Any], list[list[Any]] | None]:
    """The decoded claims, and for SD-JWT the selectively disclosable claim paths."""
    if fmt == "dc+sd-jwt":
        from didkit_py.suites.sd_jwt import decode_sd_jwt_vc

        assert isinstance(secured, str)
        dec = decode_sd_jwt_vc(secured)
        return dec.claims, [list(p) for p in dec.disclosable_paths]
    if fmt == "vc+jwt":
        from didkit_py.suites.jose import parse_compact_jws

        assert isinstance(secured, str)
        return parse_compact_jws(secured).payload, None
    assert isinstance(secured, dict)
    return secured, None


async def verify_credential(
    secured: str | dict[str, Any], fmt: str, verifier: Verifier, *, now: datetime
) -> VerificationReport:
    """Check a credential before it is stored (signature, issuer DID, validity, status).

    A ``bbs-2023`` base proof is meant for the holder, not verifiers: the wallet derives a copy
    revealing every claim and verifies that, which checks the issuer's signature over all of it.
    """
    target: str | dict[str, Any] = secured
    if fmt == "bbs-2023":
        assert isinstance(secured, dict)
        target = _derive_bbs(secured, [f"/{k}" for k in secured if k not in ("@context", "proof")], now=now)
    return await verifier.verify_credential(target, now=now)


def _derive_bbs(doc: dict[str, Any], pointers: list[str], *, now: datetime) -> dict[str, Any]:
    out = derive(doc, now=now, disclose=pointers, format="bbs-2023")
    assert isinstance(out, dict)
    return out


def status_of(report: VerificationReport) -> str:
    """``valid`` / ``revoked`` / ``suspended`` / ``invalid`` from the status check, ``none`` without one."""
    for c in report.checks:
        if c.policy == "status":
            if c.outcome == "passed":
                return "valid"
            if c.outcome == "skipped":
                return "none"
            code = c.code or ""
            return (
                "revoked"
                if "revoked" in code or "revocation" in code
                else ("suspended" if "suspend" in code else "invalid")
            )
    return "none"


def store_credential(
    store: WalletStore,
    secured: str | dict[str, Any],
    fmt: str,
    report: VerificationReport,
    *,
    now: datetime,
    source: str,
    issuer_name: str | None = None,
    display_name: str | None = None,
) -> str:
    """Store a verified credential; refuses one that did not verify."""
    status = status_of(report)
    if report.verdict != "accepted":
        failed = [c for c in report.checks if c.outcome == "failed"]
        first = failed[0] if failed else None
        raise VerificationError(
            f"the credential did not verify ({first.policy}: {first.code})"
            if first
            else "the credential did not verify",
            code="wallet.credential_invalid",
        )
    document, disclosable = _document_of(secured, fmt)
    summary = report.credentials[0] if report.credentials else None
    held = held_credential("pending", {"format": fmt, "document": document, "disclosable": disclosable})
    data = {
        "format": fmt,
        "secured": secured,
        "document": document,
        "disclosable": disclosable,
        "types": list(held.types),
        "issuer": held.issuer_id or (summary.issuer if summary else None),
        "issuer_name": issuer_name or held.issuer_name,
        "display_name": display_name,
        "valid_from": iso(held.valid_from),
        "valid_until": iso(held.valid_until),
        "status": status,
        "status_checked": iso(now),
        "added": iso(now),
        "source": source,
    }
    return store.put("credential", data)


def held_credential(rid: str, data: Mapping[str, Any]) -> HeldCredential:
    """The matcher's view of a stored credential, named by its wallet id."""
    from didkit_py.exchange import HeldCredential

    fmt = data["format"]
    doc = data["document"]
    if fmt == "dc+sd-jwt":
        return HeldCredential.from_sd_jwt_claims(
            doc, disclosable=data.get("disclosable") or [], id=rid, issuer_name=data.get("issuer_name")
        )
    held = HeldCredential.from_vc(doc, format=OID4VP_FORMAT[fmt])
    return dataclasses.replace(held, id=rid)


def held_credentials(store: WalletStore) -> tuple[list[HeldCredential], dict[str, Record]]:
    recs = store.records("credential")
    return [held_credential(r.id, r.data) for r in recs], {r.id: r for r in recs}


def credential_summary(rec: Record) -> dict[str, Any]:
    d = rec.data
    types = [t for t in d.get("types", []) if t != "VerifiableCredential"]
    return {
        "id": rec.id,
        "type": d.get("display_name") or (types[-1] if types else "credential"),
        "types": d.get("types", []),
        "issuer": d.get("issuer"),
        "issuer_name": d.get("issuer_name"),
        "valid_until": d.get("valid_until"),
        "status": d.get("status"),
        "format": d.get("format"),
        "added": d.get("added"),
    }


def claims_view(rec: Record) -> list[dict[str, Any]]:
    """Every claim with whether the holder can withhold it when presenting."""
    d = rec.data
    fmt = d["format"]
    doc = d["document"]
    if fmt == "dc+sd-jwt":
        sd = {tuple(p) for p in d.get("disclosable") or []}
        out = []
        for ptr, value in flatten(doc):
            segs = tuple(
                int(s) if s.isdigit() else s.replace("~1", "/").replace("~0", "~") for s in ptr.split("/")[1:]
            )
            can = any(segs[: i + 1] in sd for i in range(len(segs)))
            out.append({"pointer": ptr, "value": value, "disclosable": "selective" if can else "always"})
        return out
    if fmt == "bbs-2023":
        from didkit_py.suites.data_integrity.bbs_2023 import parse_base_proof_value

        proof = doc["proof"][0] if isinstance(doc.get("proof"), list) else doc.get("proof")
        mandatory = parse_base_proof_value(proof["proofValue"]).mandatory_pointers
        out = []
        for ptr, value in flatten(doc):
            must = any(ptr == m or ptr.startswith(m + "/") for m in mandatory)
            out.append({"pointer": ptr, "value": value, "disclosable": "always" if must else "selective"})
        return out
    return [{"pointer": p, "value": v, "disclosable": "always"} for p, v in flatten(doc)]


# --------------------------------------------------------------------------- presenting


@dataclass(frozen=True, slots=True)
class Disclosure:
    """One credential in a planned response and exactly what it would reveal."""

    query_id: str
    credential_id: str
    label: str
    format: str
    presentation: str | dict[str, Any] = field(repr=False)
    revealed: list[tuple[str, Any]] = field(repr=False)


@dataclass(frozen=True, slots=True)
class PlannedPresentation:
    """A built response. DCQL: ``vp_token`` keyed by query id. A (pre-1.0) presentation
    definition: one presentation in ``single`` plus its ``submission``."""

    request: AuthorizationRequest
    disclosures: list[Disclosure]
    single: str | dict[str, Any] | None = field(default=None, repr=False)
    submission: dict[str, Any] | None = None
    #: DCQL: the option (from 1) chosen per credential set number (from 1).
    options: dict[str, int] = field(default_factory=dict)

    def vp_token(self) -> Any:
        if self.submission is not None:
            return self.single
        token: dict[str, list[Any]] = {}
        for d in self.disclosures:
            token.setdefault(d.query_id, []).append(d.presentation)
        return token

    def form(self) -> dict[str, str]:
        from didkit_py.oid4vc.vp import direct_post_form

        form = direct_post_form(self.vp_token(), self.request.state)
        if self.submission is not None:
            form["presentation_submission"] = json.dumps(self.submission, separators=(",", ":"))
        return form


def _claim_pointers(doc: Mapping[str, Any], paths: Sequence[Sequence[Any]]) -> list[str]:
    """Concrete JSON pointers for DCQL claim paths (``None`` = every array element)."""
    out: list[str] = []

    def walk(cur: Any, rest: Sequence[Any], ptr: str) -> None:
        if not rest:
            out.append(ptr)
            return
        head, tail = rest[0], rest[1:]
        if head is None and isinstance(cur, list):
            for i, v in enumerate(cur):
                walk(v, tail, f"{ptr}/{i}")
        elif isinstance(head, int) and isinstance(cur, list) and 0 <= head < len(cur):
            walk(cur[head], tail, f"{ptr}/{head}")
        elif isinstance(head, str) and isinstance(cur, Mapping) and head in cur:
            walk(cur[head], tail, f"{ptr}/{head.replace('~', '~0').replace('/', '~1')}")

    for p in paths:
        walk(doc, list(p), "")
    return list(dict.fromkeys(out))


def _present_one(
    rec: Record, pointers: list[str] | None, signer: Signer, req: AuthorizationRequest, now: datetime
) -> tuple[str | dict[str, Any], list[tuple[str, Any]]]:
    """Build one presentation for ``req`` and read back exactly what it reveals."""
    d = rec.data
    fmt = d["format"]
    if fmt == "dc+sd-jwt":
        from didkit_py.suites.sd_jwt import decode_sd_jwt_vc

        reveal = pointers if pointers is not None else [p for p, _ in flatten(d["document"])]
        token = derive(
            d["secured"],
            now=now,
            disclose=reveal,
            holder=signer,
            challenge=req.nonce,
            domain=req.client_id,
            format="dc+sd-jwt",
        )
        assert isinstance(token, str)
        body = token[: token.rstrip("~").rfind("~") + 1] if not token.endswith("~") else token
        return token, flatten(decode_sd_jwt_vc(body).claims)
    suite = _DI_PRESENTATION_SUITE.get(signer.key.key_type)
    if fmt == "vc+jwt":
        vp = present(
            [d["secured"]], signer=signer, now=now, format="vc+jwt", challenge=req.nonce, domain=req.client_id
        )
        return vp, flatten(d["document"])
    if suite is None:
        raise UnsupportedError(
            "this holder key cannot sign a Data Integrity presentation", code="wallet.key_type"
        )
    cred: dict[str, Any] = d["secured"]
    if fmt == "bbs-2023":
        reveal = pointers if pointers is not None else [p for p, _ in flatten(cred)]
        cred = _derive_bbs(cred, reveal, now=now)
    vp = present([cred], signer=signer, now=now, format=suite, challenge=req.nonce, domain=req.client_id)
    return vp, flatten(cred)


class SelectionError(InvalidInput):
    """The holder's ``--select`` / ``--option`` do not fit the request, or a choice the request
    leaves open was not made (``--yes`` without a selection). A usage error: exit 2."""

    exit_code = 2


@dataclass(frozen=True, slots=True)
class OpenChoice:
    """A decision the request leaves to the holder.

    ``kind="option"``: which option of credential set ``key`` (numbered from 1, as in
    ``--option``) to answer; for an optional set (``required=False``) ``None`` leaves it out.
    ``kind="credential"``: which of several matching credentials answers query ``key``.
    ``alternatives`` are ``(value, description)`` with the value ``--option`` / ``--select``
    take, best first; ``default`` is the suggestion (the verifier's first answerable option, or
    the matcher's top-ranked credential).
    """

    kind: Literal["option", "credential"]
    key: str
    required: bool
    alternatives: tuple[tuple[str, str], ...]
    default: str | None

    def describe(self) -> str:
        """One line listing the choices as the flags that make them."""
        if self.kind == "option":
            flags = ", ".join(f"--option {self.key}={v} ({d})" for v, d in self.alternatives)
            tail = "" if self.required else "; or leave it out (the default with --yes)"
            return (
                f"credential set {self.key} can be answered in {len(self.alternatives)} ways: {flags}{tail}"
            )
        flags = ", ".join(f"--select {self.key}={v[:8]} ({d})" for v, d in self.alternatives)
        return f"{len(self.alternatives)} credentials answer query {self.key!r}: {flags}"


#: Called for each open choice: returns the chosen value, or None (leave an optional set out).
Decide = Callable[[OpenChoice], str | None]


def _take_default(choice: OpenChoice) -> str | None:
    return choice.default if choice.required else None


_DIGITS = re.compile(r"[0-9]{1,6}")


def parse_option_flags(values: Sequence[str]) -> dict[str | None, int]:
    """``--option N`` / ``--option SET=N`` (both from 1; ``N=0`` leaves an optional set out).

    The key is the set number as text, or None for a bare ``N`` (resolved against the request).
    """
    out: dict[str | None, int] = {}
    for v in values:
        key, sep, num = v.rpartition("=")
        if (sep and not _DIGITS.fullmatch(key)) or not _DIGITS.fullmatch(num):
            raise SelectionError(f"--option {v!r} is not N or SET=N", code="wallet.option")
        k = key if sep else None
        if k in out:
            raise SelectionError(
                f"--option given twice for {'set ' + k if k else 'the set'}", code="wallet.option"
            )
        out[k] = int(num)
    return out


def _ranked(matches: Sequence[Any], scores: Mapping[str, float], recs: Mapping[str, Record]) -> list[str]:
    """Best first: the matcher's score, then the most recently added, then the id (deterministic)."""
    ids = list(dict.fromkeys(m.credential_id for m in matches))
    return sorted(ids, key=lambda c: (scores.get(c, 0.0), recs[c].data.get("added") or "", c), reverse=True)


def _describe_credential(rec: Record, score: float | None) -> str:
    s = credential_summary(rec)
    issuer = s.get("issuer_name") or s.get("issuer") or "?"
    added = str(s.get("added") or "")[:10]
    return f"{s['type']} from {issuer}, {s['format']}, added {added}" + (
        f", score {score:.2f}" if score else ""
    )


def _pick_credential(
    qid: str,
    matches: Sequence[Any],
    select: Mapping[str, str],
    scores: Mapping[str, float],
    recs: Mapping[str, Record],
    decide: Decide,
    what: str = "query",
) -> str:
    """The credential answering ``qid``: the holder's ``--select``, the only match, or a decision."""
    ranked = _ranked(matches, scores, recs)
    if qid in select:
        prefix = select[qid]
        chosen = [c for c in ranked if c.startswith(prefix)]
        if len(chosen) != 1:
            choices = ", ".join(f"{c[:8]} ({_describe_credential(recs[c], None)})" for c in ranked)
            reason = "names none" if not chosen else "names more than one"
            raise SelectionError(
                f"--select {qid}={prefix} {reason} of the credentials that answer {what} {qid!r}: {choices}",
                code="wallet.select",
            )
        return chosen[0]
    if len(ranked) == 1:
        return ranked[0]
    choice = OpenChoice(
        "credential",
        qid,
        True,
        tuple((c, _describe_credential(recs[c], scores.get(c))) for c in ranked),
        ranked[0],
    )
    picked = decide(choice)
    if picked is None or picked not in ranked:
        raise SelectionError(choice.describe(), code="wallet.selection_needed")
    return picked


def _dcql_sets(query: Mapping[str, Any]) -> list[tuple[tuple[tuple[str, ...], ...], bool]]:
    """§6.2 credential sets as ``(options, required)``; without them one required set of all queries."""
    raw = query.get("credential_sets")
    if raw is None:
        return [((tuple(q["id"] for q in query["credentials"]),), True)]
    return [(tuple(tuple(o) for o in s["options"]), s.get("required", True) is not False) for s in raw]


def choose_dcql_queries(
    query: Mapping[str, Any],
    answerable: Callable[[str], bool],
    *,
    select: Mapping[str, str],
    options: Mapping[str | None, int],
    decide: Decide,
) -> tuple[list[str], dict[str, int]]:
    """Which credential queries to answer, one option per credential set (OpenID4VP 1.0 §6.2).

    Per set: the ``--option`` for it; else the one answerable option that contains every
    ``--select``-ed query of the set; else, for a required set with a single answerable option,
    that one; otherwise the holder decides (``decide``). Optional sets are answered only when
    chosen. Returns the query ids in order and the chosen option (from 1) per set number.
    """
    sets = _dcql_sets(query)
    known = [q["id"] for q in query["credentials"]]
    unknown = sorted(set(select) - set(known))
    if unknown:
        raise SelectionError(
            f"--select names no credential query of this request: {', '.join(unknown)} "
            f"(its queries: {', '.join(known)})",
            code="wallet.select",
        )
    opts = dict(options)
    if None in opts:  # bare --option N: the single set, or the single set that offers a choice
        open_sets = [
            i
            for i, (os_, req) in enumerate(sets, 1)
            if len(sets) == 1 or not req or sum(all(answerable(q) for q in o) for o in os_) > 1
        ]
        if len(open_sets) != 1:
            raise SelectionError(
                "this request has several credential sets: say which with --option SET=N",
                code="wallet.option",
            )
        n = opts.pop(None)
        if str(open_sets[0]) in opts:
            raise SelectionError(f"--option given twice for set {open_sets[0]}", code="wallet.option")
        opts[str(open_sets[0])] = n
    for k in opts:
        if not (k is not None and k.isdigit() and 1 <= int(k) <= len(sets)):
            raise SelectionError(
                f"--option {k}=…: this request has {len(sets)} credential set(s)", code="wallet.option"
            )
    used: dict[str, None] = {}
    chosen: dict[str, int] = {}
    for i, (set_options, required) in enumerate(sets, 1):

        def label(o: tuple[str, ...]) -> str:
            return " + ".join(o)

        sat = [n for n, o in enumerate(set_options, 1) if all(answerable(q) for q in o)]
        pick: int | None
        if str(i) in opts:
            pick = opts[str(i)]
            if pick == 0:
                if required:
                    raise SelectionError(
                        f"--option {i}=0: credential set {i} is required and cannot be left out",
                        code="wallet.option",
                    )
                pick = None
            elif pick not in sat:
                listing = ", ".join(f"{n} ({label(set_options[n - 1])})" for n in sat) or "none"
                raise SelectionError(
                    f"--option {i}={pick}: "
                    + (
                        f"credential set {i} has {len(set_options)} option(s)"
                        if not 1 <= pick <= len(set_options)
                        else f"the wallet cannot answer option {pick} ({label(set_options[pick - 1])})"
                    )
                    + f"; answerable: {listing}",
                    code="wallet.option",
                )
        else:
            named = {q for q in select if any(q in o for o in set_options)}
            fits = [n for n in sat if named <= set(set_options[n - 1])]
            if named and len(fits) == 1:
                pick = fits[0]
            elif named and not fits:
                raise SelectionError(
                    f"--select {', '.join(sorted(named))}: no answerable option of credential set {i} "
                    f"contains {'them all' if len(named) > 1 else 'it'}",
                    code="wallet.select",
                )
            elif not sat:
                pick = None  # an optional set the wallet cannot answer (a required one failed earlier)
            elif required and len(sat) == 1:
                pick = sat[0]
            else:
                candidates = fits if named else sat
                choice = OpenChoice(
                    "option",
                    str(i),
                    required,
                    tuple((str(n), label(set_options[n - 1])) for n in candidates),
                    str(candidates[0]),
                )
                answer = decide(choice)
                if answer is None and required:
                    raise SelectionError(choice.describe(), code="wallet.selection_needed")
                if answer is not None and answer not in {str(n) for n in candidates}:
                    raise SelectionError(choice.describe(), code="wallet.selection_needed")
                pick = int(answer) if answer is not None else None
        if pick is not None:
            chosen[str(i)] = pick
            used.update(dict.fromkeys(set_options[pick - 1]))
    stray = sorted(set(select) - set(used))
    if stray:
        raise SelectionError(
            f"--select {', '.join(stray)}: not part of the options chosen to answer", code="wallet.select"
        )
    if not used:
        raise SelectionError(
            "nothing would be sent: every credential set is optional and none was chosen (use --option)",
            code="wallet.selection_needed",
        )
    return list(used), chosen


def plan_dcql_presentation(
    store: WalletStore,
    req: AuthorizationRequest,
    *,
    signer: Signer,
    now: datetime,
    select: Mapping[str, str] | None = None,
    options: Mapping[str | None, int] | None = None,
    rank: Callable[[list[HeldCredential]], dict[str, float]] | None = None,
    decide: Decide | None = None,
) -> PlannedPresentation:
    """Choose what answers the request and build the presentations, recording exactly what each
    would reveal. Nothing is sent here.

    DCQL: one option per credential set (:func:`choose_dcql_queries`), then per query the
    holder's ``select``, the only matching credential, or ``decide`` (default: the suggestion —
    the verifier's first answerable option, the matcher's top credential; optional sets left
    out). A selection that does not fit the request is a :class:`SelectionError`.
    """
    from didkit_py.exchange import evaluate_dcql_query

    decide = decide or _take_default
    if req.dcql_query is None:
        return _plan_pe_presentation(
            store, req, signer=signer, now=now, select=select, rank=rank, decide=decide
        )
    held, recs = held_credentials(store)
    ev = evaluate_dcql_query(req.dcql_query, held, now=now)
    if not ev.satisfied:
        raise NotFound(
            "the wallet cannot answer this request: " + "; ".join(ev.problems), code="wallet.no_match"
        )
    select = dict(select or {})
    queries, chosen_options = choose_dcql_queries(
        req.dcql_query,
        lambda q: bool(ev.queries[q].matches),
        select=select,
        options=options or {},
        decide=decide,
    )
    scores = rank(held) if rank is not None else {}
    out: list[Disclosure] = []
    for qid in queries:
        matches = list(ev.queries[qid].matches)
        cid = _pick_credential(qid, matches, select, scores, recs, decide)
        match = next(m for m in matches if m.credential_id == cid)
        rec = recs[cid]
        pointers = _claim_pointers(rec.data["document"], match.claims) if match.claims is not None else None
        presentation, revealed = _present_one(rec, pointers, bound_signer(store, rec, signer), req, now)
        label = credential_summary(rec)["type"]
        out.append(Disclosure(qid, rec.id, label, rec.data["format"], presentation, revealed))
    return PlannedPresentation(req, out, options=chosen_options)


def _plan_pe_presentation(
    store: WalletStore,
    req: AuthorizationRequest,
    *,
    signer: Signer,
    now: datetime,
    select: Mapping[str, str] | None,
    rank: Callable[[list[HeldCredential]], dict[str, float]] | None,
    decide: Decide,
) -> PlannedPresentation:
    """DIF PE v2 (pre-1.0 OpenID4VP): one presentation answering every participating descriptor,
    revealing only the fields the descriptors require. Per descriptor: the holder's ``select``,
    the only candidate, or ``decide``."""
    from didkit_py.exchange import build_presentation_submission, evaluate_presentation_definition
    from didkit_py.exchange.paths import jsonpath_to_claim_path

    assert req.presentation_definition is not None
    held, recs = held_credentials(store)
    ev = evaluate_presentation_definition(req.presentation_definition, held, now=now)
    if not ev.satisfied:
        raise NotFound(
            "the wallet cannot answer this request: " + "; ".join(ev.problems), code="wallet.no_match"
        )
    scores = rank(held) if rank is not None else {}
    select = dict(select or {})
    unknown = set(select) - set(ev.participating)
    if unknown:
        raise SelectionError(
            f"--select names unknown input descriptors: {', '.join(sorted(unknown))} "
            f"(answering: {', '.join(ev.participating)})",
            code="wallet.select",
        )
    chosen: list[tuple[str, str, tuple[str, ...]]] = []  # (descriptor, credential, JSONPaths)
    for desc in ev.participating:
        cands = list(ev.candidates.get(desc, ()))
        cid = _pick_credential(desc, cands, select, scores, recs, decide, what="input descriptor")
        cand = next(c for c in cands if c.credential_id == cid)
        chosen.append((desc, cand.credential_id, cand.claims))
    order = list(dict.fromkeys(cid for _, cid, _ in chosen))
    formats = {OID4VP_FORMAT[recs[cid].data["format"]] for cid in order}
    if len(formats) != 1 or ("dc+sd-jwt" in formats and len(order) != 1):
        raise UnsupportedError(
            "answering one presentation definition with credentials in different formats "
            "(or several SD-JWTs) is not supported",
            code="wallet.pe_mixed",
        )
    fmt = formats.pop()
    holders = {bound_signer(store, recs[cid], signer).verification_method for cid in order}
    if len(holders) != 1:
        raise UnsupportedError(
            "the chosen credentials are bound to different holder DIDs; "
            "answer with credentials of one identity",
            code="wallet.pe_holders",
        )
    signer = bound_signer(store, recs[order[0]], signer)
    paths: dict[str, list[Any]] = {cid: [] for cid in order}
    for _, cid, claims in chosen:
        for expr in claims:
            cp = jsonpath_to_claim_path(expr)
            if cp is None:
                raise UnsupportedError(f"cannot disclose a field selected by {expr!r}", code="wallet.pe_path")
            paths[cid].append(cp)
    disclosures: list[Disclosure] = []
    if fmt == "dc+sd-jwt":
        rec = recs[order[0]]
        single, revealed = _present_one(
            rec, _claim_pointers(rec.data["document"], paths[rec.id]), signer, req, now
        )
        disclosures.append(
            Disclosure(
                chosen[0][0], rec.id, credential_summary(rec)["type"], rec.data["format"], single, revealed
            )
        )
        envelope = None
    else:
        creds: list[str | dict[str, Any]] = []
        for cid in order:
            rec = recs[cid]
            cred = rec.data["secured"]
            if rec.data["format"] == "bbs-2023":
                cred = _derive_bbs(cred, _claim_pointers(rec.data["document"], paths[cid]), now=now)
            creds.append(cred)
            doc = cred if isinstance(cred, dict) else rec.data["document"]
            descs = ",".join(d for d, c, _ in chosen if c == cid)
            disclosures.append(
                Disclosure(
                    descs, cid, credential_summary(rec)["type"], rec.data["format"], cred, flatten(doc)
                )
            )
        if fmt == "jwt_vc_json":
            single = present(
                creds, signer=signer, now=now, format="vc+jwt", challenge=req.nonce, domain=req.client_id
            )
            envelope = "jwt_vp_json"
        else:
            suite = _DI_PRESENTATION_SUITE.get(signer.key.key_type)
            if suite is None:
                raise UnsupportedError(
                    "this holder key cannot sign a Data Integrity presentation", code="wallet.key_type"
                )
            single = present(
                creds, signer=signer, now=now, format=suite, challenge=req.nonce, domain=req.client_id
            )
            envelope = "ldp_vp"
    by_id = {h.id: h for h in held}
    submission = build_presentation_submission(
        ev, [(d, by_id[c]) for d, c, _ in chosen], submission_id=uuid.uuid4().hex, envelope=envelope
    )
    return PlannedPresentation(req, disclosures, single, submission)


async def send_presentation(
    plan: PlannedPresentation, *, http: httpx.AsyncClient, allow_loopback_http: bool
) -> dict[str, Any]:
    """POST the ``direct_post`` response; returns the verifier's JSON answer (may hold redirect_uri)."""
    from didkit_py.oid4vc._http import request as http_request

    form = plan.form()
    res = await http_request(
        http,
        "POST",
        plan.request.response_uri,
        allow_loopback_http=allow_loopback_http,
        what="verifier response endpoint",
        data=form,
    )
    body: Any = {}
    if res.content_type == "application/json" and res.body:
        body = res.json(what="verifier answer")
    if res.status != 200:
        err = body.get("error") if isinstance(body, dict) else None
        raise VerificationError(
            f"the verifier refused the presentation (HTTP {res.status}{': ' + str(err)[:80] if err else ''})",
            code="wallet.verifier_refused",
        )
    return body if isinstance(body, dict) else {}


def record_history(
    store: WalletStore, plan: PlannedPresentation, *, now: datetime, outcome: str, id: str | None = None
) -> str:
    """When, to whom, which claims (and how it went); ``id`` updates an earlier entry."""
    req = plan.request
    return store.put(
        "history",
        {
            "when": iso(now),
            # Who was checked (the signing DID, or the host the answer went to), and the name the
            # verifier gave itself, which nothing vouches for.
            "verifier": req.verifier_id if req.signed else urlsplit(req.response_uri).netloc,
            "claimed_name": req.client_metadata.get("client_name"),
            "client_id": req.client_id,
            "response_uri": req.response_uri,
            "outcome": outcome,
            "credentials": [
                {
                    "id": d.credential_id,
                    "type": d.label,
                    "format": d.format,
                    "query": d.query_id,
                    "claims": [p for p, _ in d.revealed],
                }
                for d in plan.disclosures
            ],
        },
        id=id,
    )


# --------------------------------------------------------------------------- receiving


@dataclass(frozen=True, slots=True)
class NotificationRef:
    """Where to tell the issuer what became of one response's credentials (OpenID4VCI §11)."""

    endpoint: str
    access_token: str = field(repr=False)
    notification_id: str = field(repr=False)


@dataclass(slots=True)
class ReceivedCredential:
    configuration_id: str
    secured: str | dict[str, Any] = field(repr=False)
    format: str = ""
    notification: NotificationRef | None = None


@dataclass(slots=True)
class PendingIssuance:
    """A deferred Credential Response (HTTP 202): what ``wallet pending`` needs to poll it.

    Stored encrypted as a ``pending`` record (it holds the access token).
    """

    credential_issuer: str
    issuer_name: str
    configuration_id: str
    display_name: str
    deferred_endpoint: str
    notification_endpoint: str | None
    access_token: str = field(repr=False)
    transaction_id: str = field(repr=False)
    interval: int = 60
    next_poll: str = ""
    created: str = ""

    def to_record(self) -> dict[str, Any]:
        return dataclasses.asdict(self)

    @classmethod
    def from_record(cls, data: Mapping[str, Any]) -> PendingIssuance:
        names = {f.name for f in dataclasses.fields(cls)}
        return cls(**{k: v for k, v in data.items() if k in names})

    def due(self, now: datetime) -> bool:
        return not self.next_poll or datetime.fromisoformat(self.next_poll) <= now


def _wrap_secured(secured: str | dict[str, Any]) -> str | dict[str, Any]:
    if isinstance(secured, str):
        return secured
    loaded, _ = load_secured(secured)
    return loaded


async def obtain_credentials(
    client: vci.PreAuthorizedClient,
    offer: vci.CredentialOffer,
    meta: vci.IssuerMetadata,
    *,
    signer: Signer,
    tx_code: str | None,
    now: datetime,
    progress: Callable[[str], None] = lambda _s: None,
    pending: list[PendingIssuance] | None = None,
) -> list[ReceivedCredential]:
    """Token (with ``tx_code``), then per offered configuration a nonce, a proof and the credential.

    A deferred answer (HTTP 202) is appended to ``pending`` (refused when ``pending`` is None).
    """
    from datetime import timedelta

    from didkit_py.oid4vc import vci

    progress("asking for an access token")
    endpoint = await client.token_endpoint(offer, meta)
    token = await client.token(endpoint, offer, tx_code)
    out: list[ReceivedCredential] = []
    for cid in offer.credential_configuration_ids:
        conf = meta.credential_configurations_supported.get(cid)
        if conf is None:
            raise InvalidInput(
                f"the issuer does not describe credential configuration {cid!r}",
                code="oid4vci.unknown_configuration",
            )
        algs = conf.proof_algs()
        proof: str | None = None
        if conf.proof_types_supported is not None:
            from didkit_py.keys import jws_alg

            if algs is not None and jws_alg(signer.key.key_type) not in algs:
                raise UnsupportedError(
                    f"the issuer accepts no proof from a {signer.key.key_type} key "
                    f"(accepted: {', '.join(algs)})",
                    code="oid4vci.proof_alg",
                )
            progress("getting a fresh nonce")
            nonce = await client.nonce(meta)
            proof = vci.build_proof_jwt(signer, audience=meta.credential_issuer, nonce=nonce, now=now)
        progress(f"requesting {cid}")
        got = await client.credential_outcome(meta, token, cid, [proof] if proof else [])
        if got.pending:
            if pending is None or meta.deferred_credential_endpoint is None:
                raise UnsupportedError(
                    "the issuer deferred issuance but names no deferred credential endpoint",
                    code="oid4vci.deferred",
                )
            assert got.transaction_id is not None and got.interval is not None
            pending.append(
                PendingIssuance(
                    credential_issuer=meta.credential_issuer,
                    issuer_name=meta.issuer_name(),
                    configuration_id=cid,
                    display_name=conf.display_name(cid),
                    deferred_endpoint=meta.deferred_credential_endpoint,
                    notification_endpoint=meta.notification_endpoint,
                    access_token=token.access_token,
                    transaction_id=got.transaction_id,
                    interval=got.interval,
                    next_poll=(now + timedelta(seconds=got.interval)).isoformat(),
                    created=now.isoformat(),
                )
            )
            continue
        note = None
        if got.notification_id and meta.notification_endpoint:
            note = NotificationRef(meta.notification_endpoint, token.access_token, got.notification_id)
        for secured in got.credentials:
            value = _wrap_secured(secured)
            out.append(ReceivedCredential(cid, value, _detect_format(value), note))
    return out


async def poll_pending(
    client: vci.PreAuthorizedClient, item: PendingIssuance, *, now: datetime
) -> tuple[str, list[ReceivedCredential]]:
    """Ask the Deferred Credential Endpoint once: ``("pending"|"received"|"denied"|"invalid", creds)``.

    Still pending moves ``item.next_poll`` on by the issuer's ``interval``.
    """
    from datetime import timedelta

    from didkit_py.oid4vc.vci import DeferredError

    try:
        got = await client.deferred_credential(
            item.deferred_endpoint, item.access_token, item.transaction_id, default_interval=item.interval
        )
    except DeferredError as exc:
        return ("denied" if exc.code == "oid4vci.credential_request_denied" else "invalid"), []
    if got.pending:
        item.interval = got.interval or item.interval
        item.next_poll = (now + timedelta(seconds=item.interval)).isoformat()
        return "pending", []
    note = None
    if got.notification_id and item.notification_endpoint:
        note = NotificationRef(item.notification_endpoint, item.access_token, got.notification_id)
    out = []
    for secured in got.credentials:
        value = _wrap_secured(secured)
        out.append(ReceivedCredential(item.configuration_id, value, _detect_format(value), note))
    return "received", out


async def send_notifications(
    client: vci.PreAuthorizedClient,
    received: Sequence[ReceivedCredential],
    event: str,
    description: str | None = None,
) -> list[str]:
    """One notification per response (§11); returns what failed (notifications are best effort)."""
    seen: set[str] = set()
    errors: list[str] = []
    for r in received:
        note = r.notification
        if note is None or note.notification_id in seen:
            continue
        seen.add(note.notification_id)
        try:
            await client.notify(note.endpoint, note.access_token, note.notification_id, event, description)
        except DidkitError as exc:
            errors.append(f"{exc.code}: {exc}")
    return errors


def detect_format(secured: str | dict[str, Any]) -> str:
    return _detect_format(secured)


def parse_credential_text(text: str) -> tuple[str | dict[str, Any], str]:
    """A credential file's content: compact JWT / SD-JWT, or JSON (Data Integrity, enveloped)."""
    try:
        secured, _media = load_secured(text)
    except DidkitError:
        raise
    if isinstance(secured, dict) and "verifiableCredential" in secured:
        raise InvalidInput("this is a presentation, not a credential", code="wallet.not_credential")
    return secured, _detect_format(secured)


def dumps_secured(secured: str | dict[str, Any]) -> str:
    return secured if isinstance(secured, str) else json.dumps(secured, indent=2, ensure_ascii=False)
