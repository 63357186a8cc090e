"""The compiled registry contract shipped as package data (no compiler needed to install or run)."""

from __future__ import annotations

import functools
import json
from importlib import resources
from typing import Any

__all__ = ["MAX_VALUE_BYTES", "abi", "bytecode", "deployed_bytecode", "load"]

#: Largest attribute value the contract accepts (``Bytes[2048]`` in the Vyper source).
MAX_VALUE_BYTES = 2048


@functools.cache
def load() -> dict[str, Any]:
    """The artifact written by ``scripts/compile_registry.py``: ABI, bytecode, compiler, source hash."""
    text = (
        resources.files("didkit_py.registry.contracts")
        .joinpath("EthereumDIDRegistry.json")
        .read_text("utf-8")
    )
    data: dict[str, Any] = json.loads(text)
    return data


def abi() -> list[dict[str, Any]]:
    """ERC-1056's ABI (equal to the one ethr-did-resolver ships, ``internalType`` aside)."""
    return list(load()["abi"])


def bytecode() -> bytes:
    """Creation bytecode."""
    return bytes.fromhex(str(load()["bytecode"]).removeprefix("0x"))


def deployed_bytecode() -> bytes:
    """Runtime bytecode, as ``eth_getCode`` returns it after deployment."""
    return bytes.fromhex(str(load()["deployedBytecode"]).removeprefix("0x"))
