"""The registry contract's behaviour, through the client, on the embedded chain and on anvil."""

from __future__ import annotations

import pytest
from eth_account import Account

from didkit_py.errors import ChainError, InvalidInput, LimitExceeded
from didkit_py.keys import KeyType
from didkit_py.registry import artifact
from didkit_py.registry.client import RegistryClient, check_attribute_name, create_identity
from didkit_py.registry.testing import TestChain

NULL = "0x" + "00" * 20


def test_identity_owner_defaults_to_identity(client: RegistryClient) -> None:
    addr = Account.create().address
    assert client.identity_owner(addr) == addr
    assert client.changed(addr) == 0


def test_only_owner_may_change(chain: TestChain, client: RegistryClient, identity) -> None:
    stranger = chain.dev_key(3)
    with pytest.raises(ChainError) as ei:
        client.set_attribute(identity.address, stranger, "did/svc/X", b"https://x.example")
    assert ei.value.code == "chain.revert" and "bad_actor" in str(ei.value)


def test_changed_links_previous_blocks(client: RegistryClient, identity) -> None:
    r1 = client.set_attribute(identity.address, identity.key, "did/svc/A", b"a")
    r2 = client.set_attribute(identity.address, identity.key, "did/svc/B", b"b")
    assert client.changed(identity.address) == r2.block_number
    hist = client.history(identity.did)
    assert [e.block_number for e in hist] == [r1.block_number, r2.block_number]
    assert hist[0].previous_change == 0 and hist[1].previous_change == r1.block_number
    assert all(e.block_timestamp and e.block_timestamp > 1_600_000_000 for e in hist)
    assert hist[1].block_timestamp >= hist[0].block_timestamp


def test_value_bound(chain: TestChain, client: RegistryClient, identity) -> None:
    client.set_attribute(identity.address, identity.key, "did/svc/Big", b"x" * artifact.MAX_VALUE_BYTES)
    with pytest.raises(LimitExceeded) as ei:
        client.set_attribute(
            identity.address, identity.key, "did/svc/Big", b"x" * (artifact.MAX_VALUE_BYTES + 1)
        )
    assert ei.value.code == "registry.value_too_long"
    # The contract itself refuses an over-long value too (not only the client).
    fn = client.contract.functions.setAttribute(
        identity.address, check_attribute_name("did/svc/Big"), b"x" * (artifact.MAX_VALUE_BYTES + 1), 100
    )
    with pytest.raises(ChainError):
        client._send(identity.key, fn, "setAttribute")


def test_delegates_and_validity(chain: TestChain, client: RegistryClient, identity) -> None:
    delegate = Account.create().address
    client.add_delegate(identity.address, identity.key, "veriKey", delegate, 3600)
    assert client.valid_delegate(identity.address, "veriKey", delegate)
    assert not client.valid_delegate(identity.address, "sigAuth", delegate)
    client.revoke_delegate(identity.address, identity.key, "veriKey", delegate)
    assert not client.valid_delegate(identity.address, "veriKey", delegate)


def test_change_owner_rotates_control(chain: TestChain, client: RegistryClient, identity) -> None:
    new = create_identity(chain.config.chain_id)
    chain.fund(new.address, client=client)
    client.change_owner(identity.did, identity.key, new.address)
    assert client.identity_owner(identity.address) == new.address
    with pytest.raises(ChainError, match="bad_actor"):
        client.set_attribute(identity.address, identity.key, "did/svc/A", b"a")
    client.set_attribute(identity.address, new.key, "did/svc/A", b"a")


def test_deactivation_is_final(chain: TestChain, client: RegistryClient, identity) -> None:
    client.deactivate(identity.did, identity.key)
    assert client.identity_owner(identity.address) == NULL
    hist = client.history(identity.address)
    assert hist[-1].kind == "DIDOwnerChanged" and hist[-1].owner == NULL
    with pytest.raises(ChainError, match="bad_actor"):
        client.set_attribute(identity.address, identity.key, "did/svc/A", b"a")
    with pytest.raises(ChainError, match="bad_actor"):
        client.change_owner(identity.address, identity.key, identity.address)


class TestSigned:
    """Meta-transactions: the owner signs, a relayer (another funded account) pays."""

    def test_all_signed_variants(self, chain: TestChain, client: RegistryClient) -> None:
        owner = create_identity(chain.config.chain_id)  # never funded: it only signs
        relayer = chain.dev_key(4)
        delegate = Account.create().address
        ed = KeyType.ED25519
        n0 = client.nonce(owner.address)
        sig = client.sign_set_attribute(owner.address, owner.key, "did/pub/Ed25519/veriKey/base58", b"k" * 32)
        client.set_attribute_signed(owner.address, sig, "did/pub/Ed25519/veriKey/base58", b"k" * 32, relayer)
        sig = client.sign_revoke_attribute(
            owner.address, owner.key, "did/pub/Ed25519/veriKey/base58", b"k" * 32
        )
        client.revoke_attribute_signed(
            owner.address, sig, "did/pub/Ed25519/veriKey/base58", b"k" * 32, relayer
        )
        sig = client.sign_add_delegate(owner.address, owner.key, "sigAuth", delegate, 600)
        client.add_delegate_signed(owner.address, sig, "sigAuth", delegate, relayer, 600)
        assert client.valid_delegate(owner.address, "sigAuth", delegate)
        sig = client.sign_revoke_delegate(owner.address, owner.key, "sigAuth", delegate)
        client.revoke_delegate_signed(owner.address, sig, "sigAuth", delegate, relayer)
        assert not client.valid_delegate(owner.address, "sigAuth", delegate)
        assert client.nonce(owner.address) == n0 + 4
        new_owner = create_identity(chain.config.chain_id)
        sig = client.sign_change_owner(owner.address, owner.key, new_owner.address)
        client.change_owner_signed(owner.address, sig, new_owner.address, relayer)
        assert client.identity_owner(owner.address) == new_owner.address
        # Non-legacy nonces: the next signed call hashes the NEW owner's nonce.
        sig = client.sign_set_attribute(owner.address, new_owner.key, "did/svc/S", b"s")
        client.set_attribute_signed(owner.address, sig, "did/svc/S", b"s", relayer)
        assert client.nonce(new_owner.address) == 1
        del ed

    def test_replay_is_rejected(self, chain: TestChain, client: RegistryClient) -> None:
        owner = create_identity(chain.config.chain_id)
        relayer = chain.dev_key(5)
        sig = client.sign_set_attribute(owner.address, owner.key, "did/svc/S", b"s")
        client.set_attribute_signed(owner.address, sig, "did/svc/S", b"s", relayer)
        with pytest.raises(ChainError) as ei:
            client.set_attribute_signed(owner.address, sig, "did/svc/S", b"s", relayer)
        assert ei.value.code == "chain.revert" and "bad_signature" in str(ei.value)

    def test_bad_signatures_are_rejected(self, chain: TestChain, client: RegistryClient) -> None:
        owner = create_identity(chain.config.chain_id)
        other = create_identity(chain.config.chain_id)
        relayer = chain.dev_key(6)
        # Signed by someone who is not the owner.
        sig = client.sign_set_attribute(owner.address, other.key, "did/svc/S", b"s")
        with pytest.raises(ChainError, match="bad_signature"):
            client.set_attribute_signed(owner.address, sig, "did/svc/S", b"s", relayer)
        # Signed for other content than what is sent.
        sig = client.sign_set_attribute(owner.address, owner.key, "did/svc/S", b"s")
        with pytest.raises(ChainError, match="bad_signature"):
            client.set_attribute_signed(owner.address, sig, "did/svc/S", b"t", relayer)
        # A high-s (malleated) copy of a valid signature.
        n = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
        from didkit_py.registry.client import MetaSignature

        s_int = int.from_bytes(sig.s, "big")
        malleated = MetaSignature(v=55 - sig.v, r=sig.r, s=(n - s_int).to_bytes(32, "big"))
        with pytest.raises(ChainError, match="bad_signature"):
            client.set_attribute_signed(owner.address, malleated, "did/svc/S", b"s", relayer)
        # Garbage that does not recover at all.
        junk = MetaSignature(v=27, r=b"\x00" * 32, s=b"\x01" * 32)
        with pytest.raises(ChainError, match="bad_signature"):
            client.set_attribute_signed(owner.address, junk, "did/svc/S", b"s", relayer)
        # The valid one still works (nothing above consumed the nonce).
        client.set_attribute_signed(owner.address, sig, "did/svc/S", b"s", relayer)


def test_client_refuses_bad_names_before_sending(client: RegistryClient, identity) -> None:
    with pytest.raises(InvalidInput) as ei:
        client.set_attribute(identity.address, identity.key, "name/email", b"alice@example.com")
    assert ei.value.code == "registry.attribute_name"
    with pytest.raises(LimitExceeded) as ei2:
        client.set_attribute(identity.address, identity.key, "did/pub/Bls12381G2Key2020/veriKey/hex", b"k")
    assert ei2.value.code == "registry.attribute_name_too_long"
