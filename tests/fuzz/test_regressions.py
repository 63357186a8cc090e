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

from didkit_py.credentials.model import loads_json
from didkit_py.did import validate_did_document
from didkit_py.errors import InvalidInput
from didkit_py.jsonld import DocumentLoader, canonicalize, parse_nquads, to_quads
from didkit_py.suites.sd_jwt import Disclosure
from fuzz.run import decode_case
from fuzz.targets import TARGETS, run_case

CRASHES = Path(__file__).resolve().parents[2] / "fuzz" / "crashes"
# Saved reproducers of crashes that are reported but not fixed yet: signature -> reason.
KNOWN_OPEN = {
    "crash:UnicodeEncodeError@rdfc.py:115": "to_quads takes lone surrogates; RDFC hashing fails",
}


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


@pytest.mark.xfail(
    strict=True, raises=UnicodeEncodeError, reason=KNOWN_OPEN["crash:UnicodeEncodeError@rdfc.py:115"]
)
def test_to_quads_lone_surrogate() -> None:
    """jsonld: a JSON-LD object holding a lone surrogate string reaches RDFC and crashes there.

    Not reachable through ``credentials.verify`` (its JSON limits refuse lone surrogates), only
    by calling ``to_quads``/``canonize_document`` directly with such an object.
    """
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
