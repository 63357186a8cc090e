"""`ConfiguredEthrMethod`: did:ethr resolution from the DIDKIT_CHAIN_* settings, as CLIs use it."""

from __future__ import annotations

import pytest

from didkit_py.did import default_resolver
from didkit_py.keys import KeyType, generate_key
from didkit_py.registry.client import RegistryClient, create_identity, key_attribute
from didkit_py.registry.configured import ConfiguredEthrMethod
from didkit_py.registry.testing import TestChain


async def test_resolves_from_the_environment(
    chain: TestChain, client: RegistryClient, monkeypatch: pytest.MonkeyPatch
) -> None:
    ident = create_identity(chain.config.chain_id)
    chain.fund(ident.address, client=client)
    bls = generate_key(KeyType.BLS12381G2)
    name, value = key_attribute(KeyType.BLS12381G2, bls.public_key)
    client.set_attribute(ident.did, ident.key, name, value)

    monkeypatch.setenv("DIDKIT_CHAIN_URL", chain.url)
    monkeypatch.setenv("DIDKIT_CHAIN_REGISTRY", chain.config.registry)
    monkeypatch.setenv("DIDKIT_CHAIN_ID", str(chain.config.chain_id))
    resolver = default_resolver(extra_methods=[ConfiguredEthrMethod()])
    result = await resolver.resolve(ident.did)
    hexes = [vm.get("publicKeyHex") for vm in result.document["verificationMethod"]]
    assert bls.public_key.hex() in hexes
