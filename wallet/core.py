"""What the wallet does, without the terminal: identities, import and verify, browse, match,
build presentations, receive over OpenID4VCI, answer OpenID4VP, and keep the history.

Everything takes the open :class:`~wallet.store.WalletStore` and the clients it needs (an
``httpx.AsyncClient``, a DID resolver, the verifier); the CLI builds them once per command.
"""

from __future__ import annotations

import dataclasses
import json
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

    from didkit_py.exchange import HeldCredential
    from didkit_py.oid4vc import vci
    from didkit_py.oid4vc.vp import AuthorizationRequest
    from verifier import VerificationReport, Verifier

__all__ = [
    "Disclosure",
    "PlannedPresentation",
    "claims_view",
    "create_identity",
    "credential_summary",
    "default_identity",
    "flatten",
    "held_credential",
    "held_credentials",
    "identity_signer",
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
    method: Literal["key", "jwk"] = "key",
    key_type: KeyType = KeyType.ED25519,
    now: datetime,
    make_default: bool | None = None,
) -> Record:
    """A new holder DID (did:key or did:jwk) whose private key is stored encrypted."""
    if key_type not in (KeyType.ED25519, KeyType.P256, KeyType.SECP256K1):
        raise UnsupportedError(
            f"holder keys must be Ed25519, P-256 or secp256k1, not {key_type}", code="wallet.key_type"
        )
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
            },
        )
    return store.get(rid, "identity")


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


def plan_dcql_presentation(
    store: WalletStore,
    req: AuthorizationRequest,
    *,
    signer: Signer,
    now: datetime,
    select: Mapping[str, str] | None = None,
    rank: Callable[[list[HeldCredential]], dict[str, float]] | None = None,
) -> PlannedPresentation:
    """Choose a credential per used DCQL query (the holder's ``select``, else the best ranked) and
    build the presentations, recording exactly what each would reveal. Nothing is sent here."""
    from didkit_py.exchange import evaluate_dcql_query

    if req.dcql_query is None:
        return _plan_pe_presentation(store, req, signer=signer, now=now, select=select, rank=rank)
    held, recs = held_credentials(store)
    ev = evaluate_dcql_query(req.dcql_query, held, now=now)
    if not ev.satisfied:
        raise NotFound(
            "the wallet cannot answer this request: " + "; ".join(ev.problems), code="wallet.no_match"
        )
    scores = rank(held) if rank is not None else {}
    select = dict(select or {})
    unknown = set(select) - set(ev.used_queries)
    if unknown:
        raise InvalidInput(
            f"--select names unknown credential queries: {', '.join(sorted(unknown))}", code="wallet.select"
        )
    out: list[Disclosure] = []
    for qid in ev.used_queries:
        matches = list(ev.queries[qid].matches)
        if qid in select:
            chosen = [m for m in matches if m.credential_id.startswith(select[qid])]
            if len(chosen) != 1:
                raise InvalidInput(
                    f"--select {qid}={select[qid]} does not name exactly one matching credential",
                    code="wallet.select",
                )
            match = chosen[0]
        else:
            match = max(
                matches,
                key=lambda m: (scores.get(m.credential_id, 0.0), recs[m.credential_id].data.get("added", "")),
            )
        rec = recs[match.credential_id]
        pointers = _claim_pointers(rec.data["document"], match.claims) if match.claims is not None else None
        presentation, revealed = _present_one(rec, pointers, bound_signer(store, rec, signer), req, now)
        label = credential_summary(rec)["type"]
        out.append(Disclosure(qid, rec.id, label, rec.data["format"], presentation, revealed))
    return PlannedPresentation(req, out)


def _plan_pe_presentation(
    store: WalletStore,
    req: AuthorizationRequest,
    *,
    signer: Signer,
    now: datetime,
    select: Mapping[str, str] | None,
    rank: Callable[[list[HeldCredential]], dict[str, float]] | None,
) -> PlannedPresentation:
    """DIF PE v2 (pre-1.0 OpenID4VP): one presentation answering every participating descriptor,
    revealing only the fields the descriptors require."""
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
        raise InvalidInput(
            f"--select names unknown input descriptors: {', '.join(sorted(unknown))}", code="wallet.select"
        )
    chosen: list[tuple[str, str, tuple[str, ...]]] = []  # (descriptor, credential, JSONPaths)
    for desc in ev.participating:
        cands = list(ev.candidates.get(desc, ()))
        if desc in select:
            picked = [c for c in cands if c.credential_id.startswith(select[desc])]
            if len(picked) != 1:
                raise InvalidInput(
                    f"--select {desc}={select[desc]} does not name exactly one matching credential",
                    code="wallet.select",
                )
            cand = picked[0]
        else:
            cand = max(
                cands, key=lambda c: (scores.get(c.credential_id, 0.0), recs[c.credential_id].data["added"])
            )
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


@dataclass(slots=True)
class ReceivedCredential:
    configuration_id: str
    secured: str | dict[str, Any] = field(repr=False)
    format: str = ""


async def obtain_credentials(
    client: vci.PreAuthorizedClient,
    offer: vci.CredentialOffer,
    meta: vci.IssuerMetadata,
    *,
    signer: Signer,
    tx_code: str | None,
    now: datetime,
    progress: Callable[[str], None] = lambda _s: None,
) -> list[ReceivedCredential]:
    """Token (with ``tx_code``), then per offered configuration a nonce, a proof and the credential."""
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
        for secured in await client.credential(meta, token, cid, proof):
            if isinstance(secured, str):
                value: str | dict[str, Any] = secured
            else:
                loaded, _ = load_secured(secured)
                value = loaded
            out.append(ReceivedCredential(cid, value, _detect_format(value)))
    return out


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
