"""The committed contract artifact: recompiles to the same bytes, ABI equal to ERC-1056's."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

from didkit_py.registry import artifact

ROOT = Path(__file__).resolve().parents[3]


@pytest.mark.slow
def test_recompile_matches_committed_artifact() -> None:
    pytest.importorskip("vyper")
    proc = subprocess.run(
        [sys.executable, str(ROOT / "scripts" / "compile_registry.py"), "--check"],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert proc.returncode == 0, proc.stderr


def test_artifact_names_every_erc1056_member() -> None:
    names = {(e["type"], e["name"]) for e in artifact.abi()}
    functions = {
        "identityOwner", "validDelegate", "changeOwner", "changeOwnerSigned", "addDelegate",
        "addDelegateSigned", "revokeDelegate", "revokeDelegateSigned", "setAttribute",
        "setAttributeSigned", "revokeAttribute", "revokeAttributeSigned", "owners", "delegates",
        "changed", "nonce",
    }  # fmt: skip
    events = {"DIDOwnerChanged", "DIDDelegateChanged", "DIDAttributeChanged"}
    assert names == {("function", f) for f in functions} | {("event", e) for e in events}
    # Only `identity` is indexed, in every event.
    for e in artifact.abi():
        if e["type"] == "event":
            assert [p["name"] for p in e["inputs"] if p["indexed"]] == ["identity"]


def test_value_bound_matches_source() -> None:
    src = (ROOT / "didkit_py" / "registry" / "contracts" / "EthereumDIDRegistry.vy").read_text()
    m = re.search(r"MAX_VALUE_BYTES: constant\(uint256\) = (\d+)", src)
    assert m and int(m.group(1)) == artifact.MAX_VALUE_BYTES >= 1024


def test_bytecode_present() -> None:
    assert artifact.bytecode()[:1] and len(artifact.deployed_bytecode()) > 1000
