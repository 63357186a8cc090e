#!/usr/bin/env python
"""Compile the Vyper DID registry and write its ABI + bytecode as package data.

Usage: ``python scripts/compile_registry.py`` (writes) or ``--check`` (recompiles and exits 1 when
the committed artifact differs). Needs the dev-only ``vyper==0.4.3``; installing and running
didkit-py never do.

The artifact's ABI is ERC-1056's exactly. Vyper cannot spell two kinds of parameter name that the
Solidity ABI uses, so this script renames them and nothing else (it checks that types, order,
``indexed`` flags and mutability are untouched):

* ``value_`` → ``value`` (``value`` is reserved in Vyper);
* ``arg0``… → ``""`` (Solidity leaves public-mapping getter arguments unnamed).

Parameter names are not part of selectors or event topics, so calls and logs are unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import json
import sys
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
CONTRACTS = ROOT / "didkit_py" / "registry" / "contracts"
SOURCE = CONTRACTS / "EthereumDIDRegistry.vy"
ARTIFACT = CONTRACTS / "EthereumDIDRegistry.json"
COMPILER_VERSION = "0.4.3"
#: No PUSH0/MCOPY: the bytecode runs on pre-Shanghai permissioned networks and L2s as well.
EVM_VERSION = "paris"


def _rename(params: list[dict[str, Any]]) -> list[dict[str, Any]]:
    out = []
    for p in params:
        q = dict(p)
        if q["name"] == "value_":
            q["name"] = "value"
        elif q["name"].startswith("arg") and q["name"][3:].isdigit():
            q["name"] = ""
        out.append(q)
    return out


def erc1056_abi(vyper_abi: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """Vyper's ABI with the two renamings above, sorted like ethr-did-resolver's (type, name)."""
    abi = []
    for item in vyper_abi:
        entry = dict(item)
        entry["inputs"] = _rename(entry.get("inputs", []))
        if "outputs" in entry:
            entry["outputs"] = _rename(entry["outputs"])
        abi.append(entry)
    for before, after in zip(vyper_abi, abi, strict=True):
        for key in ("inputs", "outputs"):
            b = [(p["type"], p.get("indexed")) for p in before.get(key, [])]
            a = [(p["type"], p.get("indexed")) for p in after.get(key, [])]
            assert a == b, "renaming must not change types"
    return sorted(abi, key=lambda e: (e["type"], e.get("name", "")))


def compile_artifact() -> dict[str, Any]:
    import vyper
    from vyper.compiler.settings import OptimizationLevel, Settings

    if vyper.__version__.split("+")[0] != COMPILER_VERSION:
        raise SystemExit(f"need vyper {COMPILER_VERSION}, found {vyper.__version__}")
    source = SOURCE.read_text(encoding="utf-8")
    out = vyper.compile_code(
        source,
        contract_path=SOURCE.name,
        output_formats=["abi", "bytecode", "bytecode_runtime"],
        settings=Settings(optimize=OptimizationLevel.GAS, evm_version=EVM_VERSION),
    )
    return {
        "contractName": "EthereumDIDRegistry",
        "compiler": f"vyper-{COMPILER_VERSION}",
        "evmVersion": EVM_VERSION,
        "sourceSha256": hashlib.sha256(source.encode("utf-8")).hexdigest(),
        "abi": erc1056_abi(out["abi"]),
        "bytecode": out["bytecode"],
        "deployedBytecode": out["bytecode_runtime"],
    }


def render(artifact: dict[str, Any]) -> str:
    return json.dumps(artifact, indent=2, sort_keys=False) + "\n"


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--check", action="store_true", help="exit 1 if the committed artifact is stale")
    args = ap.parse_args(argv)
    text = render(compile_artifact())
    if args.check:
        current = ARTIFACT.read_text(encoding="utf-8") if ARTIFACT.exists() else ""
        if current != text:
            print(f"{ARTIFACT.relative_to(ROOT)} is stale: run scripts/compile_registry.py", file=sys.stderr)
            return 1
        print("registry artifact up to date")
        return 0
    tmp = ARTIFACT.with_suffix(".json.tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(ARTIFACT)
    print(f"wrote {ARTIFACT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
