"""Outside input the wallet reads itself: credential files, requests, selections — only our errors."""

from __future__ import annotations

import json

from conftest import Cli, WriteFile
from hypothesis import given, settings
from hypothesis import strategies as st
from wworld import PID_QUERY, Issuers, VerifierApp

from didkit_py.errors import DidkitError
from wallet import core

json_values = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=20),
    lambda c: st.lists(c, max_size=4) | st.dictionaries(st.text(max_size=10), c, max_size=4),
    max_leaves=12,
)


@settings(max_examples=200, deadline=None)
@given(st.one_of(st.text(max_size=300), json_values.map(json.dumps)))
def test_parse_credential_text_is_total(text: str) -> None:
    try:
        secured, fmt = core.parse_credential_text(text)
    except DidkitError:
        return
    assert fmt in core.OID4VP_FORMAT and secured


@settings(max_examples=200, deadline=None)
@given(json_values)
def test_flatten_and_pointers_are_total(doc: object) -> None:
    if not isinstance(doc, dict):
        return
    leaves = core.flatten(doc, skip=())
    for ptr, value in leaves:
        assert core._at(doc, ptr) == value
    paths = [[k] for k in doc][:3]
    for ptr in core._claim_pointers(doc, paths):
        core._at(doc, ptr)


def test_debug_shows_the_traceback_only_when_asked(initialised: Cli, write_file: WriteFile) -> None:
    bad = str(write_file("bad.json", {"proof": {"cryptosuite": "nope"}, "type": ["VerifiableCredential"]}))
    r = initialised("import", bad, code=3)
    assert "Traceback" not in r.stderr and r.stderr.count("\n") == 1
    r = initialised.runner.invoke(initialised_app(), ["--debug", "import", bad])
    assert r.exit_code != 0 and r.exception is not None and isinstance(r.exception, DidkitError)


def initialised_app():  # type: ignore[no-untyped-def]
    from wallet.cli import app

    return app


def test_nothing_matching_is_a_clear_refusal(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    initialised("import", str(write_file("j.jwt", issuers.jwt_credential())))
    r = initialised("present", rp.new_request(PID_QUERY), "--yes", "--select", "pid=abcd", code=1)
    assert "cannot answer" in r.stderr and not rp.results
    r = initialised("present", rp.new_request(PID_QUERY), "--select", "pidx", code=2)
    assert "QUERY_ID=CREDENTIAL_ID" in r.stderr
    r = initialised("present", "openid4vp://?client_id=x", code=3)
    assert "Traceback" not in r.stderr


def test_weak_passphrase_and_damaged_store(cli: Cli) -> None:
    import os
    from pathlib import Path

    r = cli("init", env={"DIDKIT_WALLET_PASSPHRASE": "short"}, code=3)
    assert "at least 8" in r.stderr
    store = Path(os.environ["DIDKIT_HOME"]) / "wallet" / "wallet.db"
    assert not store.exists()
    cli("init")
    cli("passwd", env={"DIDKIT_WALLET_NEW_PASSPHRASE": "1234"}, code=3)
    cli("list")  # unchanged
    store.write_bytes(b"this is not a database at all" * 10)
    r = cli("list", code=3)
    assert "wallet.sqlite" in r.stderr and "Traceback" not in r.stderr
