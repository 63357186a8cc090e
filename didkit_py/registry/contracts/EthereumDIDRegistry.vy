# pragma version 0.4.3
# @license Apache-2.0
"""
@title EthereumDIDRegistry (ERC-1056) for didkit-py
@notice Our own implementation of the ERC-1056 DID registry. Its ABI (every function, event and
        `indexed` flag) equals the `EthereumDIDRegistry` that `ethr-did-resolver` ships, so that
        did:ethr resolvers written by others read it unchanged.
@dev    Differences from the Solidity reference, all invisible in the ABI:
        * Nonces are the non-legacy kind: a signed call hashes `nonce[identityOwner(identity)]`
          and increments the signer's nonce, for every `*Signed` function alike.
        * Attribute values are bounded to MAX_VALUE_BYTES (2048) bytes: Vyper needs a bound, and
          a DID key or service endpoint never needs more.
        * Deactivation is final: once the owner is set to the zero address (the did:ethr way to
          deactivate), `identityOwner` returns the zero address and every change reverts. The
          reference contract would hand control back to the identity's own key.
        * A signature that does not recover (ecrecover gives the zero address) or has a high `s`
          (EIP-2) is rejected.
        Vyper reserves `value`, so the source names that parameter `value_`; the shipped ABI
        names it `value` as ERC-1056 does (names are not part of selectors or topics).
"""

MAX_VALUE_BYTES: constant(uint256) = 2048
# secp256k1n / 2: signatures with a higher s are malleable copies (EIP-2).
HALF_N: constant(uint256) = 57896044618658097711785492504343953926418782139537452191302581570759080747168

event DIDOwnerChanged:
    identity: indexed(address)
    owner: address
    previousChange: uint256

event DIDDelegateChanged:
    identity: indexed(address)
    delegateType: bytes32
    delegate: address
    validTo: uint256
    previousChange: uint256

event DIDAttributeChanged:
    identity: indexed(address)
    name: bytes32
    value: Bytes[MAX_VALUE_BYTES]
    validTo: uint256
    previousChange: uint256

owners: public(HashMap[address, address])
delegates: public(HashMap[address, HashMap[bytes32, HashMap[address, uint256]]])
changed: public(HashMap[address, uint256])
nonce: public(HashMap[address, uint256])
_deactivated: HashMap[address, bool]


@view
@internal
def _identity_owner(identity: address) -> address:
    if self._deactivated[identity]:
        return empty(address)
    owner: address = self.owners[identity]
    if owner != empty(address):
        return owner
    return identity


@view
@external
def identityOwner(identity: address) -> address:
    return self._identity_owner(identity)


@internal
def _only_owner(identity: address, actor: address):
    assert actor != empty(address), "bad_actor"
    assert actor == self._identity_owner(identity), "bad_actor"


@internal
def _check_signature(identity: address, sigV: uint8, sigR: bytes32, sigS: bytes32, hash: bytes32) -> address:
    assert convert(sigS, uint256) <= HALF_N, "bad_signature"
    signer: address = ecrecover(hash, sigV, sigR, sigS)
    assert signer != empty(address), "bad_signature"
    assert signer == self._identity_owner(identity), "bad_signature"
    self.nonce[signer] += 1
    return signer


@view
@internal
def _signed_prefix(identity: address) -> Bytes[106]:
    # EIP-191 version 0x00: 0x19 0x00 <validator address> <nonce> <identity>
    return concat(
        b"\x19",
        b"\x00",
        convert(self, bytes20),
        convert(self.nonce[self._identity_owner(identity)], bytes32),
        convert(identity, bytes20),
    )


@view
@external
def validDelegate(identity: address, delegateType: bytes32, delegate: address) -> bool:
    validity: uint256 = self.delegates[identity][keccak256(delegateType)][delegate]
    return validity > block.timestamp


@internal
def _change_owner(identity: address, actor: address, newOwner: address):
    self._only_owner(identity, actor)
    self.owners[identity] = newOwner
    if newOwner == empty(address):
        self._deactivated[identity] = True
    log DIDOwnerChanged(identity=identity, owner=newOwner, previousChange=self.changed[identity])
    self.changed[identity] = block.number


@external
def changeOwner(identity: address, newOwner: address):
    self._change_owner(identity, msg.sender, newOwner)


@external
def changeOwnerSigned(identity: address, sigV: uint8, sigR: bytes32, sigS: bytes32, newOwner: address):
    hash: bytes32 = keccak256(concat(self._signed_prefix(identity), b"changeOwner", convert(newOwner, bytes20)))
    self._change_owner(identity, self._check_signature(identity, sigV, sigR, sigS, hash), newOwner)


@internal
def _add_delegate(identity: address, actor: address, delegateType: bytes32, delegate: address, validity: uint256):
    self._only_owner(identity, actor)
    valid_to: uint256 = block.timestamp + validity
    self.delegates[identity][keccak256(delegateType)][delegate] = valid_to
    log DIDDelegateChanged(
        identity=identity,
        delegateType=delegateType,
        delegate=delegate,
        validTo=valid_to,
        previousChange=self.changed[identity],
    )
    self.changed[identity] = block.number


@external
def addDelegate(identity: address, delegateType: bytes32, delegate: address, validity: uint256):
    self._add_delegate(identity, msg.sender, delegateType, delegate, validity)


@external
def addDelegateSigned(
    identity: address,
    sigV: uint8,
    sigR: bytes32,
    sigS: bytes32,
    delegateType: bytes32,
    delegate: address,
    validity: uint256,
):
    hash: bytes32 = keccak256(
        concat(
            self._signed_prefix(identity),
            b"addDelegate",
            delegateType,
            convert(delegate, bytes20),
            convert(validity, bytes32),
        )
    )
    self._add_delegate(
        identity, self._check_signature(identity, sigV, sigR, sigS, hash), delegateType, delegate, validity
    )


@internal
def _revoke_delegate(identity: address, actor: address, delegateType: bytes32, delegate: address):
    self._only_owner(identity, actor)
    self.delegates[identity][keccak256(delegateType)][delegate] = block.timestamp
    log DIDDelegateChanged(
        identity=identity,
        delegateType=delegateType,
        delegate=delegate,
        validTo=block.timestamp,
        previousChange=self.changed[identity],
    )
    self.changed[identity] = block.number


@external
def revokeDelegate(identity: address, delegateType: bytes32, delegate: address):
    self._revoke_delegate(identity, msg.sender, delegateType, delegate)


@external
def revokeDelegateSigned(
    identity: address, sigV: uint8, sigR: bytes32, sigS: bytes32, delegateType: bytes32, delegate: address
):
    hash: bytes32 = keccak256(
        concat(self._signed_prefix(identity), b"revokeDelegate", delegateType, convert(delegate, bytes20))
    )
    self._revoke_delegate(identity, self._check_signature(identity, sigV, sigR, sigS, hash), delegateType, delegate)


@internal
def _set_attribute(
    identity: address, actor: address, name: bytes32, value_: Bytes[MAX_VALUE_BYTES], validity: uint256
):
    self._only_owner(identity, actor)
    log DIDAttributeChanged(
        identity=identity,
        name=name,
        value=value_,
        validTo=block.timestamp + validity,
        previousChange=self.changed[identity],
    )
    self.changed[identity] = block.number


@external
def setAttribute(identity: address, name: bytes32, value_: Bytes[MAX_VALUE_BYTES], validity: uint256):
    self._set_attribute(identity, msg.sender, name, value_, validity)


@external
def setAttributeSigned(
    identity: address,
    sigV: uint8,
    sigR: bytes32,
    sigS: bytes32,
    name: bytes32,
    value_: Bytes[MAX_VALUE_BYTES],
    validity: uint256,
):
    hash: bytes32 = keccak256(
        concat(self._signed_prefix(identity), b"setAttribute", name, value_, convert(validity, bytes32))
    )
    self._set_attribute(identity, self._check_signature(identity, sigV, sigR, sigS, hash), name, value_, validity)


@internal
def _revoke_attribute(identity: address, actor: address, name: bytes32, value_: Bytes[MAX_VALUE_BYTES]):
    self._only_owner(identity, actor)
    log DIDAttributeChanged(
        identity=identity, name=name, value=value_, validTo=0, previousChange=self.changed[identity]
    )
    self.changed[identity] = block.number


@external
def revokeAttribute(identity: address, name: bytes32, value_: Bytes[MAX_VALUE_BYTES]):
    self._revoke_attribute(identity, msg.sender, name, value_)


@external
def revokeAttributeSigned(
    identity: address, sigV: uint8, sigR: bytes32, sigS: bytes32, name: bytes32, value_: Bytes[MAX_VALUE_BYTES]
):
    hash: bytes32 = keccak256(concat(self._signed_prefix(identity), b"revokeAttribute", name, value_))
    self._revoke_attribute(identity, self._check_signature(identity, sigV, sigR, sigS, hash), name, value_)
