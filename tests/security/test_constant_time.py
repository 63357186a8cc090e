"""Audit: tokens, digests, MACs, challenges and API keys are compared with ``hmac.compare_digest``.

Two checks over the source (AST, so comments and docstrings do not count):

1. Every site that must compare in constant time does (``REQUIRED``: file, function, what).
2. No other ``==`` / ``!=`` between two non-constant operands whose text names a token, digest,
   MAC, hash, nonce, challenge, signature, proof value, secret or API key exists, except the
   reviewed sites in ``ALLOWED`` (each with the reason it is not a timing oracle). A new
   comparison of that kind fails this test until it uses ``compare_digest`` or is reviewed.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
PACKAGES = ("didkit_py", "issuer", "verifier", "wallet")

REQUIRED: list[tuple[str, str, str]] = [
    ("didkit_py/suites/sd_jwt/core.py", "_verify_kb", "KB-JWT sd_hash, nonce and aud"),
    ("didkit_py/suites/jose.py", "verify_jwt", "vp+jwt nonce vs the verifier's challenge"),
    ("didkit_py/suites/data_integrity/proof.py", "verify_proof", "proof challenge"),
    ("didkit_py/suites/data_integrity/bbs_2023.py", "verify_derived_proof", "bbs-2023 presentation header"),
    ("didkit_py/bbs/core.py", "core_proof_verify", "BBS proof challenge (draft ProofVerify step 10)"),
    ("didkit_py/bbs/api.py", "sign", "BBS SK/PK consistency"),
    ("didkit_py/keys/_curves.py", "public_matches_secret", "key pair consistency"),
    ("didkit_py/keys/files.py", "parse_key_file", "key file public key vs JWK"),
    ("issuer/service.py", "_eq", "issuer token/secret equality helper"),
    ("issuer/secrets_.py", "verify", "API key cache hit (key id bound to the HMAC tag)"),
]

_SECRETISH = re.compile(
    r"(digest|sd_hash|hmac|\bmac\b|_mac\b|token|api_?key|secret|\bkek\b|passphrase|challenge|nonce"
    r"|signature|\bsig\b|proof_?value|key_id|password|_hash\b)",
    re.IGNORECASE,
)

# (file, source of the comparison) -> why it is not a timing oracle.
ALLOWED: dict[tuple[str, str], str] = {
    (
        "didkit_py/demo/ch02_selective_disclosure.py",
        'derived["proof"]["proofValue"] == again["proof"]["proofValue"]',
    ): "demo self-check that two public derived proofs differ; no secret involved",
    (
        "didkit_py/match/matcher.py",
        "token == keyword",
    ): "natural-language tokens of a search query, not credentials",
    (
        "didkit_py/registry/devchain.py",
        "hashlib.sha256(body).digest() != digest",
    ): "integrity check of a local dev-chain snapshot file; no attacker-timed secret",
    (
        "issuer/oid4vci.py",
        "Offer.code_hash == sha256_hex(code)",
    ): "SQL lookup by SHA-256 of the pre-authorized code: timing can only reveal hash prefixes",
    ("issuer/oid4vci.py", "Nonce.value_hash == sha256_hex(value)"): "SQL lookup by SHA-256 of the c_nonce",
    ("issuer/oid4vci.py", "Nonce.tenant_id == tenant_id"): "tenant ids are not secret",
    (
        "issuer/oid4vci.py",
        "Offer.token_hash == sha256_hex(access)",
    ): "SQL lookup by SHA-256 of the access token",
    (
        "issuer/oid4vci.py",
        "DeferredRequest.transaction_hash == sha256_hex(transaction_id)",
    ): "SQL lookup by SHA-256 of the 256-bit deferred transaction id",
    (
        "issuer/oid4vci.py",
        "Notification.id_hash == id_hash",
    ): "SQL lookup by SHA-256 of the notification id",
    ("issuer/service.py", "ApiKey.tenant_id == t.id"): "tenant ids are not secret",
    ("issuer/service.py", "Tenant.id == ApiKey.tenant_id"): "SQL join on tenant ids (not secret)",
    (
        "issuer/service.py",
        "ApiKey.id == key_id",
    ): "SQL lookup by the API key's public id part; the secret part is then checked with argon2",
    (
        "verifier/service/storage.py",
        "nonces.c.nonce == nonce",
    ): "SQL lookup of a verifier-issued nonce: public to the wallet, single use",
    (
        "verifier/service/storage.py",
        "seen_presentations.c.digest == digest",
    ): "replay detection by digest of a received presentation (public data)",
    (
        "verifier/service/storage.py",
        "seen_credentials.c.digest == digest",
    ): "replay detection by digest of a received credential (public data)",
}


def _functions(tree: ast.AST) -> dict[str, list[ast.AST]]:
    out: dict[str, list[ast.AST]] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.FunctionDef | ast.AsyncFunctionDef):
            out.setdefault(node.name, []).append(node)
    return out


def _calls_compare_digest(node: ast.AST) -> bool:
    for sub in ast.walk(node):
        if isinstance(sub, ast.Call):
            f = sub.func
            name = f.attr if isinstance(f, ast.Attribute) else getattr(f, "id", "")
            if name == "compare_digest":
                return True
    return False


@pytest.mark.parametrize(("path", "function", "what"), REQUIRED, ids=[f"{p}:{f}" for p, f, _ in REQUIRED])
def test_required_sites_use_compare_digest(path: str, function: str, what: str) -> None:
    file = ROOT / path
    if not file.exists():
        pytest.skip(f"{path} is not in this tree")
    funcs = _functions(ast.parse(file.read_text()))
    assert function in funcs, f"{path}: function {function} ({what}) is gone: re-audit"
    assert any(_calls_compare_digest(f) for f in funcs[function]), (
        f"{path}:{function} compares {what} with =="
    )


def secretish_comparisons(root: Path = ROOT) -> list[tuple[str, int, str]]:
    """``==``/``!=`` between non-constants whose source names a secret-like value."""
    found = []
    for pkg in PACKAGES:
        for file in sorted((root / pkg).rglob("*.py")) if (root / pkg).is_dir() else []:
            src = file.read_text()
            try:
                tree = ast.parse(src)
            except SyntaxError:
                continue
            for node in ast.walk(tree):
                if not isinstance(node, ast.Compare) or not any(
                    isinstance(o, ast.Eq | ast.NotEq) for o in node.ops
                ):
                    continue
                sides = [node.left, *node.comparators]
                if any(isinstance(s, ast.Constant) for s in sides):
                    continue
                if any(isinstance(s, ast.Call) and getattr(s.func, "id", "") == "len" for s in sides):
                    continue
                seg = ast.get_source_segment(src, node) or ""
                if _SECRETISH.search(seg):
                    found.append((str(file.relative_to(root)), node.lineno, " ".join(seg.split())))
    return found


def test_no_unreviewed_comparison_of_secrets() -> None:
    sites = secretish_comparisons()
    unreviewed = [f"{f}:{line}: {seg}" for f, line, seg in sites if (f, seg) not in ALLOWED]
    assert not unreviewed, "compare these with hmac.compare_digest, or review and list them:\n" + "\n".join(
        unreviewed
    )


def test_the_audit_catches_a_plain_comparison(tmp_path: Path) -> None:
    pkg = tmp_path / "didkit_py"
    pkg.mkdir()
    (pkg / "m.py").write_text(
        'def f(a, b):\n    """x == y"""\n    # sd_hash == expected\n    return a.sd_hash == b\n'
    )
    assert secretish_comparisons(tmp_path) == [("didkit_py/m.py", 4, "a.sd_hash == b")]
