"""Fuzz targets: one per parser of outside input, plus tamper targets per credential format.

A **parser target** feeds a mutated input to a parser. The case passes if the parser returns
(and, where the parser promises it, the result round-trips) or raises a
:class:`~didkit_py.errors.DidkitError`; anything else is a crash.

A **tamper target** mutates a VALID secured credential or presentation and calls
:func:`didkit_py.credentials.verify`. Besides the crash rule, the case fails as an
*acceptance* if the result is ``verified`` while the mutation is not semantically neutral:

- compact formats (``vc+jwt``, ``vp+jwt``, SD-JWT VC with KB): neutral only if the mutated input,
  after dropping surrounding whitespace and undoing at most one layer of JSON string quoting
  (both documented input normalisations of ``load_secured``), is byte-identical to the
  original. Any other byte change must fail, including ECDSA ``(r, n - s)`` signatures,
  non-canonical base64url, reordered Disclosures and a stripped KB-JWT.
- Data Integrity (``eddsa-rdfc-2022``, ``ecdsa-rdfc-2019``, derived ``bbs-2023``): neutral if the
  mutated document is the same JSON value as the original (whitespace, key order, string
  escapes; ``1`` vs ``1.0`` and ``true`` vs ``1`` are different), or if ``proofValue`` is
  byte-identical AND the RDFC-1.0 canonical N-Quads of both the unsecured document and the
  proof configuration are identical (JSON-LD spellings of the same RDF dataset, e.g. ``"X"`` vs
  ``["X"]``: exactly what the proof signs, by design of Data Integrity).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any, Literal

from didkit_py.errors import DidkitError

from .corpus import NOW, offline_http, offline_resolver, parser_seeds, samples
from .mutate import Mutator

__all__ = ["TARGETS", "Outcome", "Target", "is_neutral", "run_case"]

Kind = Literal["ok", "crash", "accepted", "malleable"]


@dataclass(frozen=True, slots=True)
class Outcome:
    kind: Kind
    detail: str = ""
    exc: BaseException | None = None


@dataclass(frozen=True, slots=True)
class Target:
    """``seeds()`` gives valid inputs; ``mutate`` makes a case; ``call`` runs it."""

    name: str
    parser: str  # what is exercised, for the table
    seeds: Callable[[], list[Any]]
    mutate: Callable[[Mutator, Any], Any]
    call: Callable[[Any], Any]
    tamper: str | None = None  # the sample (format) a tamper target mutates


# ----------------------------------------------------------------------------- runtime state
class _Runtime:
    """One event loop, resolver and offline HTTP client per process (built on first use)."""

    loop: asyncio.AbstractEventLoop | None = None
    resolver: Any = None
    http: Any = None
    loader: Any = None

    @classmethod
    def ensure(cls) -> asyncio.AbstractEventLoop:
        if cls.loop is None:
            cls.loop = asyncio.new_event_loop()
            cls.resolver = offline_resolver()
            cls.http = offline_http()
        return cls.loop

    @classmethod
    def run(cls, coro: Any) -> Any:
        return cls.ensure().run_until_complete(coro)

    @classmethod
    def jsonld_loader(cls) -> Any:
        if cls.loader is None:
            from didkit_py.jsonld import DocumentLoader

            cls.loader = DocumentLoader()
        return cls.loader


def _seeds(name: str) -> Callable[[], list[Any]]:
    return lambda: parser_seeds()[name]


def _text(m: Mutator, seed: Any) -> Any:
    return m.text(seed) if m.rng.random() < 0.97 else m.rng.choice((None, 1, b"x", [seed]))


def _doc(m: Mutator, seed: Any) -> Any:
    return m.document(seed)


# ----------------------------------------------------------------------------- parser calls
def _did(s: Any) -> None:
    from didkit_py.did import parse_did

    did = parse_did(s)
    assert str(did) == s, f"parse_did round trip: {s!r} -> {str(did)!r}"


def _did_url(s: Any) -> None:
    from didkit_py.did import absolute_did_url, parse_did_url

    url = parse_did_url(s)
    assert str(url) == s, f"parse_did_url round trip: {s!r} -> {str(url)!r}"
    _ = url.params, url.decoded_fragment
    absolute_did_url(s if s.startswith("#") else "#" + (url.fragment or "x"), str(url.did))


def _did_document(doc: Any) -> None:
    from didkit_py.did import public_key_from_vm, relationship_ids, validate_did_document

    did = doc.get("id") if isinstance(doc, dict) and isinstance(doc.get("id"), str) else "did:example:123"
    valid = validate_did_document(doc, did)
    for rel in ("authentication", "assertionMethod", "keyAgreement"):
        relationship_ids(valid, rel)
    vms = valid.get("verificationMethod")
    for vm in vms if isinstance(vms, list) else []:
        public_key_from_vm(vm)


def _jws(token: Any) -> None:
    from didkit_py.suites.jose import parse_compact_jws

    parse_compact_jws(token)


def _sd_jwt(token: Any) -> None:
    from didkit_py.suites.sd_jwt import decode_sd_jwt_vc, parse_sd_jwt, sd_jwt_from_json, sd_jwt_to_json

    parsed = parse_sd_jwt(token)
    decode_sd_jwt_vc(token)
    assert sd_jwt_from_json(sd_jwt_to_json(token)) == token or parsed.kb_jwt is not None


def _disclosure(s: Any) -> None:
    from didkit_py.suites.sd_jwt import Disclosure

    d = Disclosure.parse(s)
    assert d.encoded == s


def _di_proof(doc: Any) -> None:
    from didkit_py._encoding import multibase_decode
    from didkit_py.suites.data_integrity import get_cryptosuite, get_proofs

    if not isinstance(doc, Mapping):
        from didkit_py.errors import InvalidInput

        raise InvalidInput("not an object", code="fuzz.type")
    for proof in get_proofs(doc):
        get_cryptosuite(proof.get("cryptosuite"))
        multibase_decode(proof.get("proofValue"), at="/proof/proofValue")


def _bbs_base(s: Any) -> None:
    from didkit_py.suites.data_integrity.bbs_2023 import parse_base_proof_value

    parse_base_proof_value(s)


def _bbs_derived(s: Any) -> None:
    from didkit_py.suites.data_integrity.bbs_2023 import parse_derived_proof_value

    parse_derived_proof_value(s)


def _hex(v: Any) -> Any:
    if isinstance(v, str):
        try:
            return bytes.fromhex(v)
        except ValueError:
            return v
    if isinstance(v, list):
        return [_hex(x) for x in v]
    return v


def _bbs_inputs(case: Any) -> None:
    from didkit_py import bbs

    original = parser_seeds()["bbs_inputs"][0]
    if not isinstance(case, dict):
        bbs.verify(case, case, None, None)
        return
    g = {k: _hex(case.get(k)) for k in ("pk", "signature", "header", "ph", "messages", "proof")}
    idx = case.get("disclosed_indexes")
    msgs = g["messages"]
    disclosed = (
        [msgs[i] for i in idx if isinstance(i, int) and -len(msgs) <= i < len(msgs)]
        if (isinstance(idx, list) and isinstance(msgs, list))
        else msgs
    )
    o = {k: _hex(original[k]) for k in ("pk", "signature", "header", "ph", "messages", "proof")}
    o_idx = original["disclosed_indexes"]
    same_sig = all(g[k] == o[k] for k in ("pk", "signature", "header", "messages"))
    try:
        bbs.verify(g["pk"], g["signature"], g["header"], msgs)
        assert same_sig, "ACCEPTED: bbs.verify accepted changed inputs"
    except DidkitError:
        pass
    same_proof = (
        all(g[k] == o[k] for k in ("pk", "proof", "header", "ph"))
        and idx == o_idx
        and disclosed == [o["messages"][i] for i in o_idx]
    )
    bbs.proof_verify(g["pk"], g["proof"], g["header"], g["ph"], disclosed, idx)
    assert same_proof, "ACCEPTED: bbs.proof_verify accepted changed inputs"


def _jsonld(doc: Any) -> None:
    from didkit_py.jsonld import canonicalize, to_quads

    canonicalize(to_quads(doc, loader=_Runtime.jsonld_loader()), max_work_factor=2)


def _nquads(text: Any) -> None:
    from didkit_py.jsonld import canonicalize, parse_nquads, serialize_quad

    quads = parse_nquads(text)
    for q in quads:
        serialize_quad(q)
    canonicalize(quads, max_work_factor=2)


def _held() -> list[Any]:
    from didkit_py.exchange import credentials_from_json

    s = samples()
    cred = dict(s["eddsa-rdfc-2022"].secured)  # type: ignore[arg-type]
    return credentials_from_json([cred])[0]


def _pe(defn: Any) -> None:
    from didkit_py.exchange import PresentationExchange

    PresentationExchange().evaluate(defn, _held(), now=NOW)


def _dcql(query: Any) -> None:
    from didkit_py.exchange import evaluate_dcql_query, parse_dcql_query

    parse_dcql_query(query)
    evaluate_dcql_query(query, _held(), now=NOW)


def _bitstring(cred: Any) -> None:
    from didkit_py.status import BitstringStatusListEntry, parse_status_list_credential

    parse_status_list_credential("https://example.com/status/1", cred)
    if isinstance(cred, dict):
        entry = {
            "id": "https://example.com/status/1#5",
            "type": "BitstringStatusListEntry",
            "statusPurpose": cred.get("credentialSubject", {}).get("statusPurpose")
            if isinstance(cred.get("credentialSubject"), dict)
            else None,
            "statusListIndex": "5",
            "statusListCredential": cred.get("id"),
        }
        BitstringStatusListEntry.from_json(entry)


def _bitstring_bomb(s: Any) -> None:
    from didkit_py.status import BitstringStatusList, bitstring_expansion

    bitstring_expansion(s)
    BitstringStatusList.decode(s)


def _token_status(claim: Any) -> None:
    from didkit_py.status.token_status_list import TokenStatusList, parse_status_reference

    lst = TokenStatusList.from_claim(claim)
    lst.get(0) if lst.size else None
    parse_status_reference({"status_list": claim} if isinstance(claim, dict) else claim)


def _credential_model(doc: Any) -> None:
    from didkit_py.credentials import parse_credential

    parse_credential(doc)


def _presentation_model(doc: Any) -> None:
    from didkit_py.credentials import parse_presentation

    parse_presentation(doc)


def _json_text(text: Any) -> None:
    from didkit_py.credentials import load_secured
    from didkit_py.credentials.model import loads_json

    loads_json(text)
    load_secured(text)


def _multikey(s: Any) -> None:
    from didkit_py.keys import multikey_decode, multikey_encode

    kt, pk = multikey_decode(s)
    assert multikey_encode(kt, pk) == s, "multikey round trip"


def _jwk(jwk: Any) -> None:
    from didkit_py.keys import key_pair_from_jwk, public_jwk

    kp = key_pair_from_jwk(jwk)
    public_jwk(kp)


def _oid4vci_offer(offer: Any) -> None:
    from didkit_py.oid4vc import vci

    vci.parse_credential_offer(offer)


def _oid4vci_offer_uri(uri: Any) -> None:
    from didkit_py.oid4vc import vci

    value, _ref = vci.parse_credential_offer_uri(uri)
    if value is not None:
        vci.parse_credential_offer(value)


def _oid4vci_metadata(meta: Any) -> None:
    from didkit_py.oid4vc import vci

    from .corpus import OID4VCI_ISSUER

    vci.parse_issuer_metadata(meta, credential_issuer=OID4VCI_ISSUER)


def _oid4vci_messages(msgs: Any) -> None:
    from didkit_py.errors import InvalidInput
    from didkit_py.oid4vc import vci

    if not isinstance(msgs, dict):
        raise InvalidInput("not an object", code="fuzz.type")
    parsers: dict[str, Callable[[Any], Any]] = {
        "token_request": vci.parse_token_request,
        "token_response": vci.parse_token_response,
        "nonce_response": vci.parse_nonce_response,
        "credential_request": vci.parse_credential_request,
        "credential_response": vci.parse_credential_response,
    }
    for name, value in msgs.items():
        if name in parsers:
            with contextlib.suppress(DidkitError):
                parsers[name](value)


def _oid4vci_proof_jwt(token: Any) -> None:
    from didkit_py.oid4vc import vci

    from .corpus import OID4VCI_ISSUER

    original = parser_seeds()["oid4vci_proof_jwt"][0]
    _Runtime.ensure()

    async def consume(nonce: str) -> bool:
        return nonce == "c-nonce-1"

    _Runtime.run(
        vci.check_proof_jwt(
            token, resolver=_Runtime.resolver, audience=OID4VCI_ISSUER, now=NOW, consume_nonce=consume
        )
    )
    if _normalize_compact(token) != original and not is_ecdsa_malleation(original, token):
        raise _Accepted("oid4vci proof JWT: check_proof_jwt accepted a changed proof")


def _oid4vp_request_uri(uri: Any) -> None:
    from didkit_py.oid4vc import vp

    params = vp.parse_authorization_request_uri(uri)
    cid = params.get("client_id")
    if isinstance(cid, str):
        vp.split_client_id(cid)
    _Runtime.ensure()
    _Runtime.run(
        vp.resolve_authorization_request(params, http=_Runtime.http, resolver=_Runtime.resolver, now=NOW)
    )


def _oid4vp_direct_post(form: Any) -> None:
    from didkit_py.errors import InvalidInput
    from didkit_py.oid4vc import vp
    from didkit_py.oid4vc.verifier import parse_direct_post_response

    if not isinstance(form, dict):
        raise InvalidInput("not a form", code="fuzz.type")
    for dcql in (True, False):
        with contextlib.suppress(DidkitError):
            vp.parse_direct_post(form, dcql=dcql)
        with contextlib.suppress(DidkitError):
            parse_direct_post_response(form, dcql=dcql)


# ----------------------------------------------------------------------------- tamper
def _normalize_compact(value: Any) -> Any:
    if isinstance(value, bytes | bytearray):
        try:
            value = bytes(value).decode("utf-8")
        except UnicodeDecodeError:
            return None
    if isinstance(value, str):
        value = value.strip()
        if value.startswith('"'):
            try:
                inner = json.loads(value)
            except ValueError:
                return None
            return inner.strip() if isinstance(inner, str) else None
    return value


def _strict_json(value: Any) -> str | None:
    try:
        return json.dumps(value, sort_keys=True, ensure_ascii=False, allow_nan=True)
    except (TypeError, ValueError, RecursionError):
        return None


def _as_document(value: Any) -> Any:
    """The JSON value ``load_secured`` would take from a DI input (object, or JSON text of it)."""
    for _ in range(3):
        if isinstance(value, bytes | bytearray):
            value = bytes(value).decode("utf-8", "replace")
        if isinstance(value, str):
            try:
                value = json.loads(value.strip())
            except (ValueError, RecursionError):
                return None
        else:
            return value
    return value


def _rdf_equivalent(original: Mapping[str, Any], mutated: Any) -> bool:
    from didkit_py.jsonld import canonize_document

    if not isinstance(mutated, dict):
        return False
    po, pm = original.get("proof"), mutated.get("proof")
    pm = pm[0] if isinstance(pm, list) and len(pm) == 1 else pm
    if not isinstance(po, dict) or not isinstance(pm, dict) or po.get("proofValue") != pm.get("proofValue"):
        return False
    loader = _Runtime.jsonld_loader()

    def canon(doc: Mapping[str, Any]) -> tuple[str, str]:
        proof = dict(doc["proof"][0] if isinstance(doc["proof"], list) else doc["proof"])
        proof.pop("proofValue", None)
        proof.setdefault("@context", doc.get("@context"))
        unsecured = {k: v for k, v in doc.items() if k != "proof"}
        return canonize_document(unsecured, loader=loader), canonize_document(proof, loader=loader)

    try:
        return canon(original) == canon(mutated)
    except DidkitError:
        return False


def is_neutral(fmt: str, original: Any, mutated: Any) -> bool:
    """Whether ``mutated`` is a semantically neutral spelling of ``original`` (module docstring)."""
    if isinstance(original, str):
        return _normalize_compact(mutated) == original
    doc = _as_document(mutated)
    if _strict_json(doc) is not None and _strict_json(doc) == _strict_json(original):
        return True
    return _rdf_equivalent(original, doc)


def _tamper_mutate(fmt: str) -> Callable[[Mutator, Any], Any]:
    def mutate(m: Mutator, seed: Any) -> Any:
        if isinstance(seed, str):
            return m.compact(seed)
        out = m.document(seed)
        if m.rng.random() < 0.2 and isinstance(out, dict) and isinstance(out.get("proof"), dict):
            # Aim at the proof: its value (multibase text / bytes) or its options.
            proof = dict(out["proof"])
            pv = proof.get("proofValue")
            if isinstance(pv, str) and pv.startswith("z") and m.rng.random() < 0.3:
                proof["proofValue"] = _malleate_multibase(pv, m)
            elif isinstance(pv, str) and pv and m.rng.random() < 0.5:
                proof["proofValue"] = pv[0] + m.compact(pv[1:]) if m.rng.random() < 0.5 else m.text(pv)
            else:
                proof = m.json(proof)
            out = {**out, "proof": proof}
        return out

    return mutate


def _malleate_multibase(pv: str, m: Mutator) -> str:
    """ECDSA ``(r, s) -> (r, n - s)`` inside a base58btc proofValue (or a plain text edit)."""
    from didkit_py._encoding import multibase_decode, multibase_encode

    try:
        sig = multibase_decode(pv)
    except DidkitError:
        return m.text(pv)
    if len(sig) != 64:
        return m.text(pv)
    s = int.from_bytes(sig[32:], "big")
    n = m.rng.choice(_ORDERS)
    return multibase_encode(sig[:32] + ((n - s) % n).to_bytes(32, "big"), "base58btc") if s else m.text(pv)


def _tamper_call(fmt: str) -> Callable[[Any], Any]:
    def call(case: Any) -> Any:
        from didkit_py.credentials import verify

        sample = samples()[fmt]
        _Runtime.ensure()
        result = _Runtime.run(
            verify(
                case,
                resolver=_Runtime.resolver,
                now=NOW,
                extra={"http": _Runtime.http},
                **sample.verify_kwargs,
            )
        )
        if result.verified and not is_neutral(fmt, sample.secured, case):
            if is_ecdsa_malleation(sample.secured, case):
                raise _Malleable(f"{fmt}: ECDSA (r, n - s) signature accepted (same signed bytes)")
            raise _Accepted(f"{fmt}: verify() accepted a changed credential")
        return result

    return call


class _Accepted(AssertionError):
    pass


class _Malleable(AssertionError):
    pass


_ORDERS = (
    0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551,  # P-256
    0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141,  # secp256k1
)


def _sig_pair_malleated(a: bytes, b: bytes) -> bool:
    if len(a) != 64 or len(b) != 64 or a[:32] != b[:32]:
        return False
    sa, sb = int.from_bytes(a[32:], "big"), int.from_bytes(b[32:], "big")
    return any(sa + sb == n for n in _ORDERS)


def is_ecdsa_malleation(original: Any, mutated: Any) -> bool:
    """``mutated`` differs from ``original`` only by an ECDSA signature ``(r, s) -> (r, n - s)``.

    Both signatures are valid for the same signed bytes and key (ECDSA is malleable; JOSE and
    Data Integrity do not require low-S, and WebCrypto peers emit either). Counted apart from
    acceptances: the content and the signer are exactly the original's.
    """
    from didkit_py._encoding import b64url_decode, multibase_decode

    try:
        if isinstance(original, str):
            m = _normalize_compact(mutated)
            if not isinstance(m, str):
                return False
            o_parts, m_parts = original.split("~"), m.split("~")
            if len(o_parts) != len(m_parts):
                return False
            diffs = [(x, y) for x, y in zip(o_parts, m_parts, strict=True) if x != y]
            if len(diffs) != 1:
                return False
            ((xo, xm),) = diffs
            so, sm = xo.split("."), xm.split(".")
            return (
                len(so) == len(sm) == 3
                and so[:2] == sm[:2]
                and _sig_pair_malleated(b64url_decode(so[2]), b64url_decode(sm[2]))
            )
        doc = _as_document(mutated)
        if not isinstance(doc, dict) or not isinstance(original, dict):
            return False
        pm = doc.get("proof")
        pm = pm[0] if isinstance(pm, list) and len(pm) == 1 else pm
        if not isinstance(pm, dict) or not isinstance(pm.get("proofValue"), str):
            return False
        po_value = original["proof"]["proofValue"]
        if not _sig_pair_malleated(multibase_decode(po_value), multibase_decode(pm["proofValue"])):
            return False
        # Apart from the signature, a neutral spelling (same JSON or same RDF) of the original.
        restored = {**doc, "proof": {**pm, "proofValue": po_value}}
        return is_neutral("", original, restored)
    except (DidkitError, ValueError, KeyError, TypeError):
        return False


def _tamper_seed(fmt: str) -> Callable[[], list[Any]]:
    return lambda: [samples()[fmt].secured]


TARGETS: dict[str, Target] = {
    t.name: t
    for t in [
        Target("did", "did.parse_did", _seeds("did"), _text, _did),
        Target("did_url", "did.parse_did_url/absolute_did_url", _seeds("did_url"), _text, _did_url),
        Target(
            "did_document",
            "did.validate_did_document/public_key_from_vm",
            _seeds("did_document"),
            _doc,
            _did_document,
        ),
        Target("jws", "suites.jose.parse_compact_jws", _seeds("jws"), lambda m, s: m.compact(s), _jws),
        Target(
            "sd_jwt",
            "suites.sd_jwt.parse_sd_jwt/decode_sd_jwt_vc",
            _seeds("sd_jwt"),
            lambda m, s: m.compact(s),
            _sd_jwt,
        ),
        Target(
            "disclosure",
            "suites.sd_jwt.Disclosure.parse",
            _seeds("disclosure"),
            lambda m, s: m.compact(s),
            _disclosure,
        ),
        Target("di_proof", "data_integrity.get_proofs/get_cryptosuite", _seeds("di_proof"), _doc, _di_proof),
        Target(
            "bbs_base_proof_value",
            "bbs_2023.parse_base_proof_value",
            _seeds("bbs_base_proof_value"),
            lambda m, s: "u" + m.compact(s[1:]) if m.rng.random() < 0.5 else m.text(s),
            _bbs_base,
        ),
        Target(
            "bbs_derived_proof_value",
            "bbs_2023.parse_derived_proof_value",
            _seeds("bbs_derived_proof_value"),
            lambda m, s: "u" + m.compact(s[1:]) if m.rng.random() < 0.5 else m.text(s),
            _bbs_derived,
        ),
        Target(
            "bbs_inputs", "bbs.verify/proof_verify", _seeds("bbs_inputs"), lambda m, s: m.json(s), _bbs_inputs
        ),
        Target("jsonld", "jsonld.to_quads/canonicalize", _seeds("jsonld"), _doc, _jsonld),
        Target("nquads", "jsonld.parse_nquads/canonicalize", _seeds("nquads"), _text, _nquads),
        Target("pe", "exchange.PresentationExchange.evaluate", _seeds("pe"), _doc, _pe),
        Target("dcql", "exchange.parse_dcql_query/evaluate_dcql_query", _seeds("dcql"), _doc, _dcql),
        Target(
            "bitstring",
            "status.parse_status_list_credential/Entry.from_json",
            _seeds("bitstring"),
            _doc,
            _bitstring,
        ),
        Target(
            "bitstring_bomb",
            "status.bitstring_expansion (gzip bombs)",
            _seeds("bitstring_bomb"),
            lambda m, s: m.text(s) if m.rng.random() < 0.5 else "u" + m.compact(s[1:]),
            _bitstring_bomb,
        ),
        Target(
            "token_status_list",
            "status.TokenStatusList.from_claim (zlib bombs)",
            _seeds("token_status_list"),
            lambda m, s: m.json(s),
            _token_status,
        ),
        Target(
            "credential_model",
            "credentials.parse_credential",
            _seeds("credential_model"),
            _doc,
            _credential_model,
        ),
        Target(
            "presentation_model",
            "credentials.parse_presentation",
            _seeds("presentation_model"),
            _doc,
            _presentation_model,
        ),
        Target(
            "json_text", "credentials.model.loads_json/load_secured", _seeds("json_text"), _text, _json_text
        ),
        Target("multikey", "keys.multikey_decode", _seeds("multikey"), _text, _multikey),
        Target("jwk", "keys.key_pair_from_jwk", _seeds("jwk"), lambda m, s: m.json(s), _jwk),
        Target(
            "oid4vci_offer",
            "oid4vc.vci.parse_credential_offer",
            _seeds("oid4vci_offer"),
            _doc,
            _oid4vci_offer,
        ),
        Target(
            "oid4vci_offer_uri",
            "oid4vc.vci.parse_credential_offer_uri",
            _seeds("oid4vci_offer_uri"),
            _text,
            _oid4vci_offer_uri,
        ),
        Target(
            "oid4vci_metadata",
            "oid4vc.vci.parse_issuer_metadata",
            _seeds("oid4vci_metadata"),
            _doc,
            _oid4vci_metadata,
        ),
        Target(
            "oid4vci_messages",
            "oid4vc.vci token/nonce/credential req+resp",
            _seeds("oid4vci_messages"),
            lambda m, s: m.json(s),
            _oid4vci_messages,
        ),
        Target(
            "oid4vci_proof_jwt",
            "oid4vc.vci.check_proof_jwt (tamper)",
            _seeds("oid4vci_proof_jwt"),
            lambda m, s: m.compact(s),
            _oid4vci_proof_jwt,
        ),
        Target(
            "oid4vp_request_uri",
            "oid4vc.vp.parse_authorization_request_uri+resolve",
            _seeds("oid4vp_request_uri"),
            _text,
            _oid4vp_request_uri,
        ),
        Target(
            "oid4vp_direct_post",
            "oid4vc.vp.parse_direct_post(+_response)",
            _seeds("oid4vp_direct_post"),
            lambda m, s: m.json(s),
            _oid4vp_direct_post,
        ),
    ]
    + [
        Target(
            f"tamper:{fmt}",
            f"credentials.verify ({fmt})",
            _tamper_seed(fmt),
            _tamper_mutate(fmt),
            _tamper_call(fmt),
            tamper=fmt,
        )
        for fmt in ("vc+jwt", "vp+jwt", "eddsa-rdfc-2022", "ecdsa-rdfc-2019", "bbs-2023", "dc+sd-jwt")
    ]
}


def run_case(target: Target, case: Any) -> Outcome:
    """Run one case: ``ok``, ``crash`` (exception outside DidkitError) or ``accepted``."""
    try:
        target.call(case)
    except DidkitError:
        return Outcome("ok", "rejected")
    except AssertionError as exc:
        if isinstance(exc, _Malleable):
            return Outcome("malleable", str(exc), exc)
        if isinstance(exc, _Accepted) or str(exc).startswith("ACCEPTED"):
            return Outcome("accepted", str(exc), exc)
        return Outcome("crash", f"AssertionError: {exc}", exc)
    except Exception as exc:
        return Outcome("crash", f"{type(exc).__name__}: {exc}"[:300], exc)
    return Outcome("ok")
