"""Regression tests for what the fuzzer found (issue #13). Each names the target and the input.

Fixed at the parser's boundary (one-line type/encoding checks): the test asserts InvalidInput.
Not fixed (owner's call): marked ``xfail(strict=True)`` so the fix flips it to a pass.
Saved reproducers under ``fuzz/crashes/`` are replayed too.
"""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from didkit_py._encoding import multibase_decode as _multibase_decode
from didkit_py.credentials.model import loads_json
from didkit_py.did import validate_did_document
from didkit_py.errors import InvalidInput
from didkit_py.jsonld import DocumentLoader, canonicalize, parse_nquads, to_quads
from didkit_py.keys import multikey_decode as _multikey_decode
from didkit_py.suites.sd_jwt import Disclosure
from fuzz.run import decode_case
from fuzz.targets import TARGETS, run_case

CRASHES = Path(__file__).resolve().parents[2] / "fuzz" / "crashes"
# Saved reproducers of crashes that are reported but not fixed yet: signature -> reason.
KNOWN_OPEN: dict[str, str] = {}


def test_did_document_vm_type_not_a_string() -> None:
    """did_document: {"verificationMethod": [{"type": []}]} raised TypeError (unhashable list)."""
    with pytest.raises(InvalidInput):
        validate_did_document({"id": "did:example:a", "verificationMethod": [{"type": []}]}, "did:example:a")


@pytest.mark.parametrize("value", [1, [], None, {"a": 1}])
def test_loads_json_non_text(value: Any) -> None:
    """json_text: loads_json(1) raised TypeError (len of int), loads_json([]) TypeError from json."""
    with pytest.raises(InvalidInput):
        loads_json(value)


@pytest.mark.parametrize("value", [None, b"x", "<> <\ud800> _:g ."])
def test_parse_nquads_non_text_or_surrogates(value: Any) -> None:
    """nquads: parse_nquads(None) AttributeError, (b"x") TypeError, a lone surrogate
    UnicodeEncodeError in canonicalize's SHA-256."""
    with pytest.raises(InvalidInput):
        canonicalize(parse_nquads(value))


def test_disclosure_parse_non_string() -> None:
    """disclosure: Disclosure.parse(None) raised TypeError (len of None)."""
    with pytest.raises(InvalidInput):
        Disclosure.parse(None)  # type: ignore[arg-type]


def test_to_quads_lone_surrogate() -> None:
    """jsonld: a JSON-LD object holding a lone surrogate string reached RDFC and crashed there
    (UnicodeEncodeError in SHA-256). Not reachable through ``credentials.verify`` (its JSON
    limits refuse lone surrogates). Fixed by the jsonld owner in 1022c8c after it was found."""
    doc = {"@context": {"@vocab": "https://example.org/"}, "name": "\ud800", "knows": {"name": "x"}}
    with pytest.raises(InvalidInput):
        canonicalize(to_quads(doc, loader=DocumentLoader()))


def _saved() -> list[Path]:
    return sorted(CRASHES.glob("*.json")) if CRASHES.is_dir() else []


@pytest.mark.parametrize("path", _saved(), ids=lambda p: p.stem)
def test_saved_reproducers(path: Path) -> None:
    record = json.loads(path.read_text())
    if record["kind"] != "crash" or "repr" in record["case"] or record["signature"].startswith("crash:_"):
        pytest.skip("not a replayable crash (tamper findings have their own tests)")
    if record["signature"] in KNOWN_OPEN:
        pytest.xfail(KNOWN_OPEN[record["signature"]])
    outcome = run_case(TARGETS[record["target"]], decode_case(record["case"]))
    assert outcome.kind == "ok", outcome.detail


@pytest.mark.parametrize("form", ["grant_type=x", None, ["a"]])
def test_token_request_not_a_form(form: Any) -> None:
    """oid4vci_messages: parse_token_request("...") raised AttributeError (str has no .get)."""
    from didkit_py.oid4vc import vci

    with pytest.raises(InvalidInput):
        vci.parse_token_request(form)


@pytest.mark.parametrize("host", ["rp.example\U00053135f1", "\ud800.example", "xn--a.example"])
async def test_request_uri_with_unencodable_host(host: str) -> None:
    """oid4vp_request_uri: a request_uri whose host httpx cannot IDNA/UTF-8 encode raised
    httpx.InvalidURL / UnicodeEncodeError out of resolve_authorization_request (a QR code
    a wallet scans is enough to trigger it)."""
    import httpx

    from didkit_py.did import default_resolver
    from didkit_py.errors import DidkitError
    from didkit_py.oid4vc import vp
    from fuzz.corpus import NOW

    params = {"client_id": "decentralized_identifier:did:web:rp.example", "request_uri": f"https://{host}/r"}
    async with httpx.AsyncClient(transport=httpx.MockTransport(lambda r: httpx.Response(404))) as http:
        with pytest.raises(DidkitError):
            await vp.resolve_authorization_request(params, http=http, resolver=default_resolver(), now=NOW)


async def test_enveloped_credential_with_invalid_utf8_percent_escape() -> None:
    """presentation_model: a data: URL with %BF made parse_enveloped_credential (and so
    credentials.verify on an EnvelopedVerifiableCredential) raise UnicodeDecodeError."""
    from didkit_py.credentials import verify
    from didkit_py.credentials.model import parse_enveloped_credential
    from fuzz.corpus import NOW, offline_resolver

    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": "EnvelopedVerifiableCredential",
        "id": "data:application/vc+jwt,%BF",
    }
    with pytest.raises(InvalidInput):
        parse_enveloped_credential(doc)
    with pytest.raises(InvalidInput):
        await verify(doc, resolver=offline_resolver(), now=NOW)


def test_status_entry_with_unparsable_url() -> None:
    """bitstring: statusListCredential "http://[x" made urlsplit raise ValueError (Invalid IPv6 URL)."""
    from didkit_py.status import BitstringStatusListEntry

    entry = {
        "id": "https://example.com/status/1#5",
        "type": "BitstringStatusListEntry",
        "statusPurpose": "revocation",
        "statusListIndex": "5",
        "statusListCredential": "http://[x",
    }
    with pytest.raises(InvalidInput):
        BitstringStatusListEntry.from_json(entry)


def test_ecdsa_malleation_plus_rdf_neutral_spelling_is_classified_malleable() -> None:
    """tamper:ecdsa-rdfc-2019 flagged an "acceptance": ``"name": {"@value": "Alice Example"}``
    (the same RDF literal) together with ``(r, n - s)``. Same RDF dataset, same signer: it is
    ECDSA malleability, not tampering; a changed value with the same flip stays an acceptance."""
    from didkit_py._encoding import multibase_decode, multibase_encode
    from fuzz.corpus import samples
    from fuzz.mutate import P256_ORDER
    from fuzz.targets import is_ecdsa_malleation

    original = samples()["ecdsa-rdfc-2019"].secured
    assert isinstance(original, dict)
    doc = json.loads(json.dumps(original))
    sig = multibase_decode(doc["proof"]["proofValue"])
    s = int.from_bytes(sig[32:], "big")
    doc["proof"]["proofValue"] = multibase_encode(
        sig[:32] + (P256_ORDER - s).to_bytes(32, "big"), "base58btc"
    )
    doc["credentialSubject"]["name"] = {"@value": doc["credentialSubject"]["name"]}
    assert is_ecdsa_malleation(original, doc)
    assert run_case(TARGETS["tamper:ecdsa-rdfc-2019"], doc).kind == "malleable"
    doc["credentialSubject"]["name"] = {"@value": "Mallory"}
    assert not is_ecdsa_malleation(original, doc)
    assert run_case(TARGETS["tamper:ecdsa-rdfc-2019"], doc).kind == "ok"  # rejected


@pytest.mark.parametrize(
    "call",
    [
        pytest.param(_multibase_decode, id="multibase_decode"),
        pytest.param(_multikey_decode, id="multikey_decode"),
    ],
)
def test_long_base58_is_refused_before_decoding(call: Any) -> None:
    """multikey / tamper:ecdsa-rdfc-2019 (found profiling the multikey target): base58 decoding
    is quadratic; a 60,000-character ``proofValue`` cost 3 s of CPU in ``credentials.verify``
    and 1 MiB (the document limit) would cost minutes. Now refused in microseconds."""
    import time

    from didkit_py.errors import LimitExceeded

    t0 = time.perf_counter()
    with pytest.raises(LimitExceeded):
        call("z" + "2" * 1_000_000)
    assert time.perf_counter() - t0 < 0.5


async def test_verify_with_huge_base58_proof_value_is_fast() -> None:
    """The same through ``credentials.verify``: rejected (not verified), and quickly."""
    import time

    from didkit_py.credentials import verify
    from fuzz.corpus import NOW, offline_resolver, samples

    doc = json.loads(json.dumps(samples()["ecdsa-rdfc-2019"].secured))
    doc["proof"]["proofValue"] = "z" + "2" * 500_000
    t0 = time.perf_counter()
    result = await verify(doc, resolver=offline_resolver(), now=NOW)
    assert not result.verified
    assert time.perf_counter() - t0 < 2.0


@pytest.mark.parametrize(
    ("doc", "code", "at"),
    [
        ({"a": [1, {"b/~": float("nan")}]}, "document.json_type", "/a/1/b~1~0"),
        ({"x": {"y": [0, [object()]]}}, "document.json_type", "/x/y/1/0"),
        ({"a": {1: 2}}, "document.json_type", "/a"),
        ({"a": {"b": {"c": {"d": {}}}}}, "document.too_deep", "/a/b/c/d"),
    ],
)
def test_check_json_limits_pointers(doc: Any, code: str, at: str) -> None:
    """check_json_limits builds its JSON pointer lazily now (a fuzz-profile hot spot): the
    pointer of the offending node is still exact, escapes included."""
    from didkit_py.credentials.model import Limits, check_json_limits

    with pytest.raises(InvalidInput) as info:
        check_json_limits(doc, Limits(max_depth=4))
    assert (info.value.code, info.value.at) == (code, at)


@pytest.mark.parametrize("suffix", [" ", "\n", "\t", " \r\n"])
def test_di_proof_value_with_trailing_whitespace_is_rejected(suffix: str) -> None:
    """tamper:eddsa-rdfc-2022 (run seed 1126): ``proofValue`` + ``" "`` VERIFIED — the base58
    package strips trailing whitespace, so one signature had many spellings. b58_decode now
    takes the Bitcoin alphabet only; the changed credential no longer verifies."""
    from didkit_py._encoding import b58_decode
    from fuzz.corpus import samples

    target = TARGETS["tamper:eddsa-rdfc-2022"]
    original = samples()["eddsa-rdfc-2022"].secured
    assert isinstance(original, dict)
    doc = json.loads(json.dumps(original))
    doc["proof"]["proofValue"] += suffix
    with pytest.raises(InvalidInput):
        b58_decode(doc["proof"]["proofValue"][1:])
    assert run_case(target, doc).kind == "ok"  # not "accepted"
    assert not target.call(doc).verified
    assert target.call(original).verified


@pytest.mark.parametrize("value", [10**400, {"a": [-(10**309)]}])
def test_json_literal_beyond_a_double(value: Any) -> None:
    """tamper:ecdsa-rdfc-2019 / tamper:bbs-2023 (run seed 1126): an ``@json``-typed value holding
    an integer beyond a double made JCS raise OverflowError out of ``to_quads`` (and so out of
    ``credentials.verify``). Now InvalidInput (code jsonld.number)."""
    doc = {
        "@context": {"x": {"@id": "https://example.org/x", "@type": "@json"}},
        "@id": "https://example.org/s",
        "x": value,
    }
    with pytest.raises(InvalidInput):
        to_quads(doc, loader=DocumentLoader())
