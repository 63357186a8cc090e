"""Secrets never leave: the whole demo, with ``--debug`` logging, in human and ``--json`` form.

Every key the demo makes is recorded (by wrapping ``generate_key`` and ``key_pair_from_secret``
where the demo modules use them), every value a holder chose NOT to disclose is recorded (by
wrapping ``derive``), and canary secrets are put in the environment (passphrase, KEK, API
keys). Then stdout, stderr, every log record (message, args, extras, traceback) and every file written under
``DIDKIT_HOME`` are scanned for any spelling of those secrets: hex (both cases), base64url,
base64, base58, secret multikey, JWK ``d``, and 16-character prefixes of those. 0 hits.
"""

from __future__ import annotations

import base64
import json
import logging
import os
import sys
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from didkit_py._encoding import b58_encode, b64url_encode
from didkit_py.cli.main import app
from didkit_py.keys import KeyPair, private_jwk, secret_multikey_encode

CANARIES = {
    "DIDKIT_WALLET_PASSPHRASE": "canary-passphrase-7f3a9c1e",
    "DIDKIT_WALLET_NEW_PASSPHRASE": "canary-new-passphrase-2b8d",
    "DIDKIT_ISSUER_KEK": b64url_encode(b"canary-kek-0123456789abcdef01234"),
    "DIDKIT_ISSUER_ADMIN_KEY": "canary-admin-key-5e1d4c",
    "DIDKIT_VERIFIER_API_KEY": "canary-verifier-key-9a0b",
}


def secret_spellings(kp: KeyPair) -> set[str]:
    """Every textual form of a secret key we or a library might print."""
    sk = kp.secret_key
    assert sk is not None
    forms = {
        sk.hex(),
        sk.hex().upper(),
        b64url_encode(sk),
        base64.b64encode(sk).decode(),
        b58_encode(sk),
        secret_multikey_encode(kp.key_type, sk),
        private_jwk(kp)["d"],
        repr(sk)[2:-1],  # bytes repr body, e.g. \x8f... (a debug f"{sk!r}")
    }
    forms |= {f[:16] for f in list(forms) if len(f) >= 16}
    return {f for f in forms if len(f) >= 12}


class _Recorder(logging.Handler):
    def __init__(self) -> None:
        super().__init__(level=logging.DEBUG)
        self.lines: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        text = [record.getMessage(), repr(record.args), repr(sorted(record.__dict__.items(), key=str))]
        if record.exc_info:
            text.append(logging.Formatter().formatException(record.exc_info))
        self.lines.append("\n".join(text))


def _leaves(value: Any, pointer: str = "") -> Iterator[tuple[str, Any]]:
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _leaves(v, f"{pointer}/{k}")
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _leaves(v, f"{pointer}/{i}")
    else:
        yield pointer, value


def _hidden_and_shown(document: Any, disclose: tuple[str, ...]) -> tuple[set[str], set[str]]:
    """String claim values (6+ characters) of a held credential that ``derive`` left out, and
    the values it revealed (a value one derivation hides and another reveals is not secret)."""
    if isinstance(document, str):
        from didkit_py.suites.sd_jwt import decode_sd_jwt_vc

        claims: Any = decode_sd_jwt_vc(document).claims
    else:
        claims = {k: v for k, v in document.items() if k != "proof"}
    subject = claims.get("credentialSubject", claims)
    leaves = list(_leaves(subject, "/credentialSubject"))
    shown = {
        str(v)
        for p, v in leaves
        if any(p.startswith(d) for d in disclose) or p in ("/credentialSubject/type", "/credentialSubject/id")
    }
    hidden = {v for p, v in leaves if isinstance(v, str) and len(v) >= 6 and not v.startswith("did:")} - shown
    return hidden, shown


def _undisclosed(derivations: list[tuple[Any, tuple[str, ...]]]) -> set[str]:
    hidden: set[str] = set()
    shown: set[str] = set()
    for document, disclose in derivations:
        h, s = _hidden_and_shown(document, disclose)
        hidden |= h
        shown |= s
    return hidden - shown


@pytest.fixture
def recorded(monkeypatch: pytest.MonkeyPatch) -> dict[str, Any]:
    import didkit_py.demo  # noqa: F401 - imports every registered chapter module
    import didkit_py.keys as keys_mod

    keys: list[KeyPair] = []
    derivations: list[tuple[Any, tuple[str, ...]]] = []
    original_generate = keys_mod.generate_key

    original_from_secret = keys_mod.key_pair_from_secret

    def generate_key(*args: Any, **kwargs: Any) -> KeyPair:
        kp = original_generate(*args, **kwargs)
        keys.append(kp)
        return kp

    def key_pair_from_secret(*args: Any, **kwargs: Any) -> KeyPair:
        kp = original_from_secret(*args, **kwargs)
        keys.append(kp)
        return kp

    for name, module in list(sys.modules.items()):
        if not name.startswith("didkit_py.demo"):
            continue
        if getattr(module, "generate_key", None) is original_generate:
            monkeypatch.setattr(module, "generate_key", generate_key)
        if getattr(module, "key_pair_from_secret", None) is original_from_secret:
            monkeypatch.setattr(module, "key_pair_from_secret", key_pair_from_secret)
        original_derive = getattr(module, "derive", None)
        if (
            callable(original_derive)
            and getattr(original_derive, "__module__", "") == "didkit_py.credentials.api"
        ):

            def derive(document: Any, *args: Any, _orig: Any = original_derive, **kwargs: Any) -> Any:
                derivations.append((document, tuple(kwargs.get("disclose", ()))))
                return _orig(document, *args, **kwargs)

            monkeypatch.setattr(module, "derive", derive)
    for k, v in CANARIES.items():
        monkeypatch.setenv(k, v)
    return {"keys": keys, "derivations": derivations}


def _scan(haystacks: dict[str, str], needles: dict[str, set[str]]) -> list[str]:
    hits = []
    for where, text in haystacks.items():
        for what, forms in needles.items():
            for form in forms:
                if form in text:
                    hits.append(f"{what} ({form[:8]}…) in {where}")
    return hits


@pytest.mark.slow
@pytest.mark.parametrize("json_out", [False, True], ids=["human", "json"])
def test_demo_leaks_no_secret(recorded: dict[str, Any], json_out: bool, tmp_path: Path) -> None:
    home = Path(os.environ["DIDKIT_HOME"])
    recorder = _Recorder()
    root = logging.getLogger()
    old_level = root.level
    root.addHandler(recorder)
    root.setLevel(logging.DEBUG)
    try:
        result = CliRunner().invoke(app, ["--debug", "demo", *(["--json"] if json_out else [])])
    finally:
        root.removeHandler(recorder)
        root.setLevel(old_level)
    assert result.exit_code == 0, result.output
    if json_out:
        json.loads(result.stdout)

    keys: list[KeyPair] = recorded["keys"]
    assert len(keys) >= 2, "the demo generated no keys: the scan would prove nothing"
    needles: dict[str, set[str]] = {}
    for i, kp in enumerate(keys):
        needles[f"secret key #{i} ({kp.key_type})"] = secret_spellings(kp)
    for name, value in CANARIES.items():
        needles[name] = {value}
    undisclosed = _undisclosed(recorded["derivations"])
    if recorded["derivations"]:
        assert undisclosed, "a derivation hid nothing: the scan for undisclosed values would prove nothing"
        needles["undisclosed claim values"] = undisclosed

    haystacks = {"stdout": result.stdout, "stderr": result.stderr, "logs": "\n".join(recorder.lines)}
    files = [p for p in home.rglob("*") if p.is_file()] if home.exists() else []
    for path in files:
        haystacks[f"file {path.relative_to(home)}"] = path.read_bytes().decode("utf-8", "replace")
    hits = _scan(haystacks, needles)
    assert not hits, "\n".join(hits)


def test_scanner_finds_a_planted_secret() -> None:
    """The scan is not vacuous: a secret in any spelling, in any haystack, is found."""
    from didkit_py.keys import KeyType, generate_key

    kp = generate_key(KeyType.BLS12381G2)
    forms = secret_spellings(kp)
    sk = kp.secret_key
    assert sk is not None
    for form in (sk.hex(), private_jwk(kp)["d"], secret_multikey_encode(kp.key_type, sk)):
        assert _scan({"log": f"debug: key={form}!"}, {"k": forms}), form
    assert _scan({"log": "nothing here"}, {"k": forms}) == []
    doc = {"credentialSubject": {"name": "Alice Example", "over21": True, "address": "1 Example St"}}
    assert _undisclosed([(doc, ("/credentialSubject/over21",))]) == {"Alice Example", "1 Example St"}
    assert _undisclosed([(doc, ("/credentialSubject/over21",)), (doc, ("/credentialSubject/address",))]) == {
        "Alice Example"
    }
