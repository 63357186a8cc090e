"""The ERC-1056 registry client (web3.py): deploy, identities, keys, services, rotation, history.

Every write is a signed EIP-1559 transaction sent with ``eth_sendRawTransaction``, so the same
code runs against the embedded dev chain, anvil, geth/Besu or an L2. The ``*_signed`` methods
are meta-transactions: the identity owner signs an EIP-191 (``0x19 0x00``) hash offline and a
relayer account submits it and pays the gas.

Privacy by design: only keys and service endpoints go on chain. :func:`check_attribute_name`
refuses names outside ``did/pub/…`` and ``did/svc/…`` and names longer than the 32 bytes of a
``bytes32`` (never silently truncated, unlike other clients); values are bounded by the
contract (:data:`~didkit_py.registry.artifact.MAX_VALUE_BYTES`).

Errors: a revert is :class:`ChainError` ``chain.revert`` (with the contract's reason, e.g.
``bad_actor``, ``bad_signature``), running out of gas ``chain.out_of_gas``, a node on another
chain ``chain.wrong_chain_id``, a node that cannot be reached :class:`NetworkError`
``chain.unreachable`` / ``chain.timeout``.
"""

from __future__ import annotations

import contextlib
import json
import re
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from eth_account import Account
from eth_keys.datatypes import PrivateKey as EthPrivateKey
from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak
from web3 import Web3
from web3.exceptions import ContractLogicError, TimeExhausted, Web3RPCError

from ..errors import ChainError, InvalidInput, LimitExceeded, NetworkError, ResolutionError, UnsupportedError
from ..keys import KeyPair, KeyType, generate_key, save_key_file
from . import artifact
from .devchain import DEFAULT_CHAIN_ID
from .events import RegistryEvent, decode_log, identity_topic
from .rpc import SyncJsonRpc

__all__ = [
    "DEFAULT_VALIDITY",
    "DEV_REGISTRY_ADDRESS",
    "ChainConfig",
    "EthrIdentity",
    "MetaSignature",
    "RegistryClient",
    "TxResult",
    "address_from_public_key",
    "check_attribute_name",
    "create_identity",
    "did_for",
    "key_attribute",
    "service_attribute",
]

#: Where the dev chain (and a fresh anvil whose first transaction is our deployment from the
#: first dev account) puts the registry: CREATE address of that account at nonce 0.
DEV_REGISTRY_ADDRESS = "0x5FbDB2315678afecb367f032d93F642f64180aa3"
#: Default validity of keys and services: 10 years (the registry needs a bound; 0 is "revoked").
DEFAULT_VALIDITY = 10 * 365 * 24 * 3600
_SERVICE_TYPE_RE = re.compile(r"\w+", re.ASCII)
_ADDRESS_RE = re.compile(r"0x[0-9a-fA-F]{40}")
_GAS_MARGIN = 1.25


@dataclass(frozen=True, slots=True)
class ChainConfig:
    """Where the registry lives: node URL, registry address, chain id (and a network name for DIDs)."""

    url: str = "http://127.0.0.1:8545"
    registry: str = DEV_REGISTRY_ADDRESS
    chain_id: int = DEFAULT_CHAIN_ID
    name: str | None = None
    timeout: float = 10.0

    def __post_init__(self) -> None:
        if not self.url.startswith(("http://", "https://")):
            raise InvalidInput("chain URL must be http(s)", code="chain.url")
        if not _ADDRESS_RE.fullmatch(self.registry):
            raise InvalidInput("registry must be a 0x address", code="chain.registry")
        if not 0 < self.chain_id < 2**64:
            raise InvalidInput("chain id must be a positive integer", code="chain.chain_id")

    def network(self) -> Any:
        """The did:ethr resolver's network entry for this chain."""
        from ..did.ethr import EthrNetwork

        return EthrNetwork(chain_id=self.chain_id, rpc_url=self.url, registry=self.registry, name=self.name)


@dataclass(frozen=True, slots=True)
class TxResult:
    """A mined transaction."""

    transaction_hash: str
    block_number: int
    gas_used: int


@dataclass(frozen=True, slots=True)
class MetaSignature:
    """The owner's signature over a registry meta-transaction hash (``sigV`` 27/28)."""

    v: int
    r: bytes
    s: bytes


@dataclass(frozen=True, slots=True)
class EthrIdentity:
    """A did:ethr identity: the DID, its Ethereum address and the secp256k1 controller key."""

    did: str
    address: str
    key: KeyPair


# ------------------------------------------------------------------ attribute names and values


def check_attribute_name(name: str) -> bytes:
    """The ``bytes32`` of an attribute name, refusing anything but ``did/pub/…``/``did/svc/…`` ≤ 32 bytes."""
    if not isinstance(name, str) or not name.startswith(("did/pub/", "did/svc/")):
        raise InvalidInput(
            "attribute names must start with did/pub/ or did/svc/ (nothing personal goes on chain)",
            code="registry.attribute_name",
        )
    raw = name.encode("utf-8")
    if len(raw) > 32:
        raise LimitExceeded(
            f"attribute name is {len(raw)} bytes; a bytes32 holds 32 and we never truncate",
            code="registry.attribute_name_too_long",
        )
    return raw.ljust(32, b"\x00")


def _check_value(value: bytes) -> bytes:
    if not isinstance(value, bytes):
        raise InvalidInput("attribute value must be bytes", code="registry.attribute_value")
    if len(value) > artifact.MAX_VALUE_BYTES:
        raise LimitExceeded(
            f"attribute value is {len(value)} bytes; the registry accepts at most {artifact.MAX_VALUE_BYTES}",
            code="registry.value_too_long",
        )
    return value


def key_attribute(key_type: KeyType, public_key: bytes, *, purpose: str = "veriKey") -> tuple[str, bytes]:
    """The attribute (name, value) that publishes a key so did:ethr resolvers render it.

    Ed25519 → ``did/pub/Ed25519/{veriKey|sigAuth}/base58`` (``Ed25519VerificationKey2018``);
    secp256k1 → ``did/pub/Secp256k1/{veriKey|sigAuth}/hex`` (``EcdsaSecp256k1VerificationKey2019``);
    X25519 → ``did/pub/X25519/enc/base58`` (``X25519KeyAgreementKey2019``); BLS12-381 G2 →
    ``did/pub/Bls12381G2Key2020`` (``Bls12381G2Key2020`` with ``publicKeyHex``, assertion).
    """
    from ..keys import check_public_key

    check_public_key(key_type, public_key, at="/publicKey")
    if purpose not in ("veriKey", "sigAuth", "enc"):
        raise InvalidInput("purpose is veriKey, sigAuth or enc", code="registry.key_purpose")
    if key_type is KeyType.ED25519 and purpose != "enc":
        name = f"did/pub/Ed25519/{purpose}/base58"
    elif key_type is KeyType.SECP256K1 and purpose != "enc":
        name = f"did/pub/Secp256k1/{purpose}/hex"
    elif key_type is KeyType.X25519:
        name = "did/pub/X25519/enc/base58"
    elif key_type is KeyType.BLS12381G2 and purpose == "veriKey":
        name = "did/pub/Bls12381G2Key2020"
    else:
        raise UnsupportedError(
            f"no did:ethr attribute for a {key_type} key with purpose {purpose}", code="registry.key_type"
        )
    check_attribute_name(name)
    return name, public_key


def service_attribute(service_type: str, endpoint: str | Mapping[str, Any] | list[Any]) -> tuple[str, bytes]:
    """The attribute for a service: ``did/svc/<type>`` and the endpoint (JSON for maps and lists)."""
    if not isinstance(service_type, str) or not _SERVICE_TYPE_RE.fullmatch(service_type):
        raise InvalidInput("service type must be letters, digits and _", code="registry.service_type")
    name = f"did/svc/{service_type}"
    check_attribute_name(name)
    text = endpoint if isinstance(endpoint, str) else json.dumps(endpoint, separators=(",", ":"))
    return name, _check_value(text.encode("utf-8"))


# ------------------------------------------------------------------ identities


def address_from_public_key(public_key: bytes) -> str:
    """The Ethereum address of a secp256k1 public key (SEC1, compressed or not)."""
    try:
        point = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256K1(), public_key)
    except ValueError:
        raise InvalidInput("not a secp256k1 public key", code="registry.key") from None
    raw = point.public_bytes(serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint)
    return to_checksum_address(keccak(raw[1:])[12:])


def did_for(address_or_key: str | bytes, chain_id: int) -> str:
    """``did:ethr:<hex chain id>:<address>`` (or the compressed public key when given bytes)."""
    ident = "0x" + address_or_key.hex() if isinstance(address_or_key, bytes) else address_or_key
    return f"did:ethr:{hex(chain_id)}:{ident}"


def create_identity(
    chain_id: int, *, key_path: Path | None = None, public_key_form: bool = False
) -> EthrIdentity:
    """A fresh did:ethr identity; no transaction is needed until something changes.

    The secp256k1 key is stored like every other key (:func:`didkit_py.keys.save_key_file`)
    when ``key_path`` is given. ``public_key_form`` puts the compressed public key in the DID,
    which gives the document an ``EcdsaSecp256k1VerificationKey2019`` (``#controllerKey``).
    """
    kp = generate_key(KeyType.SECP256K1)
    address = address_from_public_key(kp.public_key)
    if key_path is not None:
        save_key_file(key_path, kp)
    did = did_for(kp.public_key if public_key_form else address, chain_id)
    return EthrIdentity(did=did, address=address, key=kp)


def _identity_address(identity: str) -> str:
    """Accept an address or a did:ethr DID (address or public-key form)."""
    if identity.startswith("did:"):
        from ..did.ethr import parse_ethr_did

        return parse_ethr_did(identity).address
    if not _ADDRESS_RE.fullmatch(identity):
        raise InvalidInput("identity must be a 0x address or a did:ethr DID", code="registry.identity")
    return to_checksum_address(identity)


def _secp_account(kp: KeyPair) -> Any:
    if kp.key_type is not KeyType.SECP256K1 or kp.secret_key is None:
        raise InvalidInput("registry transactions need a secp256k1 key with its secret", code="registry.key")
    return Account.from_key(kp.secret_key)


# ------------------------------------------------------------------ the client


class RegistryClient:
    """Talks to one ERC-1056 registry on one chain. Not thread-safe (nonce handling)."""

    def __init__(self, config: ChainConfig, *, w3: Web3 | None = None) -> None:
        self.config = config
        self.w3 = w3 or Web3(Web3.HTTPProvider(config.url, request_kwargs={"timeout": config.timeout}))
        self.contract = self.w3.eth.contract(address=to_checksum_address(config.registry), abi=artifact.abi())
        self._chain_ok = False
        self._rpc_client: SyncJsonRpc | None = None

    # -- plumbing

    @contextlib.contextmanager
    def _guard(self, what: str) -> Iterator[None]:
        try:
            yield
        except (ChainError, NetworkError, InvalidInput):
            raise
        except ContractLogicError as exc:
            reason = str(exc.message or exc).removeprefix("execution reverted: ").strip()
            raise ChainError(f"{what} reverted: {reason}", code="chain.revert") from exc
        except Web3RPCError as exc:
            msg = str(getattr(exc, "message", None) or exc)
            code = (
                "chain.out_of_gas"
                if "gas" in msg and ("exceed" in msg or "out of" in msg)
                else "chain.rpc_error"
            )
            raise ChainError(f"{what} refused by the node: {msg[:200]}", code=code) from exc
        except TimeExhausted as exc:
            raise NetworkError(f"{what}: no receipt in time", code="chain.timeout") from exc
        except requests.exceptions.Timeout as exc:
            raise NetworkError(f"chain node at {self.config.url} timed out", code="chain.timeout") from exc
        except (requests.exceptions.ConnectionError, ConnectionError) as exc:
            raise NetworkError(
                f"chain node at {self.config.url} is unreachable", code="chain.unreachable"
            ) from exc
        except requests.exceptions.RequestException as exc:
            raise NetworkError(f"chain node error: {type(exc).__name__}", code="chain.unreachable") from exc

    def check_chain(self) -> None:
        """Fail with ``chain.wrong_chain_id`` when the node serves another chain (checked once)."""
        if self._chain_ok:
            return
        with self._guard("eth_chainId"):
            node = int(self.w3.eth.chain_id)
        if node != self.config.chain_id:
            raise ChainError(
                f"node at {self.config.url} serves chain {node}, configured {self.config.chain_id}",
                code="chain.wrong_chain_id",
            )
        self._chain_ok = True

    def is_deployed(self) -> bool:
        """Whether the configured registry address holds code."""
        self.check_chain()
        with self._guard("eth_getCode"):
            return len(self.w3.eth.get_code(self.contract.address)) > 0

    def close(self) -> None:
        """Close the client's HTTP connections (it can still be used; they reopen)."""
        if self._rpc_client is not None:
            self._rpc_client.close()
            self._rpc_client = None

    def __enter__(self) -> RegistryClient:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def _raw(self) -> SyncJsonRpc:
        if self._rpc_client is None:
            self._rpc_client = SyncJsonRpc(self.config.url, timeout=self.config.timeout)
        return self._rpc_client

    def _send(self, sender: KeyPair, fn: Any, what: str, *, gas: int | None = None) -> TxResult:
        """Sign and send one EIP-1559 transaction; three round trips (state batch, send, receipt)."""
        self.check_chain()
        acct = _secp_account(sender)
        rpc = self._raw()
        call = {"from": acct.address, "to": self.contract.address, "data": fn._encode_transaction_data()}
        calls: list[tuple[str, list[Any]]] = [
            ("eth_getTransactionCount", [acct.address, "pending"]),
            ("eth_getBlockByNumber", ["latest", False]),
        ]
        if gas is None:
            calls.append(("eth_estimateGas", [call]))
        try:
            answers = rpc.batch(calls)
        except ChainError as exc:
            raise _classify(exc, what) from exc
        nonce = int(answers[0], 16)
        base = int(answers[1]["baseFeePerGas"], 16)
        tip = 10**9
        tx = {
            "type": 2,
            "chainId": self.config.chain_id,
            "nonce": nonce,
            "to": self.contract.address,
            "value": 0,
            "data": call["data"],
            "gas": gas if gas is not None else int(int(answers[2], 16) * _GAS_MARGIN),
            "maxPriorityFeePerGas": tip,
            "maxFeePerGas": 2 * base + tip,
        }
        signed = acct.sign_transaction(tx)
        try:
            tx_hash = rpc.call("eth_sendRawTransaction", ["0x" + bytes(signed.raw_transaction).hex()])
        except ChainError as exc:
            raise _classify(exc, what) from exc
        receipt = self._wait_receipt(rpc, tx_hash, what)
        if receipt.get("status") != "0x1":
            used = int(receipt["gasUsed"], 16)
            if used >= int(tx["gas"]):
                raise ChainError(f"{what} ran out of gas ({used})", code="chain.out_of_gas")
            reason = self._revert_reason(call, int(receipt["blockNumber"], 16))
            raise ChainError(f"{what} reverted: {reason}", code="chain.revert")
        return TxResult(
            str(receipt["transactionHash"]), int(receipt["blockNumber"], 16), int(receipt["gasUsed"], 16)
        )

    def _wait_receipt(self, rpc: SyncJsonRpc, tx_hash: str, what: str) -> dict[str, Any]:
        deadline = time.monotonic() + self.config.timeout
        delay = 0.02
        while True:
            receipt = rpc.call("eth_getTransactionReceipt", [tx_hash])
            if isinstance(receipt, dict):
                return receipt
            if time.monotonic() > deadline:
                raise NetworkError(f"{what}: no receipt in time", code="chain.timeout")
            time.sleep(delay)
            delay = min(delay * 2, 0.5)

    def _revert_reason(self, call: Mapping[str, Any], block: int) -> str:
        try:
            self._raw().call("eth_call", [dict(call), hex(block - 1)])
        except ChainError as exc:
            return _reason(exc.message)
        except NetworkError:  # the reason is a courtesy; the failure itself is already known
            return "unknown reason"
        return "unknown reason"

    # -- reads

    def identity_owner(self, identity: str) -> str:
        self.check_chain()
        with self._guard("identityOwner"):
            return str(self.contract.functions.identityOwner(_identity_address(identity)).call())

    def nonce(self, address: str) -> int:
        self.check_chain()
        with self._guard("nonce"):
            return int(self.contract.functions.nonce(to_checksum_address(address)).call())

    def changed(self, identity: str) -> int:
        self.check_chain()
        with self._guard("changed"):
            return int(self.contract.functions.changed(_identity_address(identity)).call())

    def valid_delegate(self, identity: str, delegate_type: str, delegate: str) -> bool:
        self.check_chain()
        with self._guard("validDelegate"):
            return bool(
                self.contract.functions.validDelegate(
                    _identity_address(identity), _delegate_type(delegate_type), to_checksum_address(delegate)
                ).call()
            )

    # -- writes by the owner

    def change_owner(self, identity: str, owner: KeyPair, new_owner: str) -> TxResult:
        """Key rotation: hand control to ``new_owner`` (an address)."""
        new = _checked_address(new_owner)
        fn = self.contract.functions.changeOwner(_identity_address(identity), new)
        return self._send(owner, fn, "changeOwner")

    def deactivate(self, identity: str, owner: KeyPair) -> TxResult:
        """did:ethr deactivation: the owner becomes the zero address. Final in our registry."""
        fn = self.contract.functions.changeOwner(_identity_address(identity), "0x" + "00" * 20)
        return self._send(owner, fn, "deactivate")

    def add_delegate(
        self,
        identity: str,
        owner: KeyPair,
        delegate_type: str,
        delegate: str,
        validity: int = DEFAULT_VALIDITY,
    ) -> TxResult:
        fn = self.contract.functions.addDelegate(
            _identity_address(identity),
            _delegate_type(delegate_type),
            _checked_address(delegate),
            _validity(validity),
        )
        return self._send(owner, fn, "addDelegate")

    def revoke_delegate(self, identity: str, owner: KeyPair, delegate_type: str, delegate: str) -> TxResult:
        fn = self.contract.functions.revokeDelegate(
            _identity_address(identity), _delegate_type(delegate_type), _checked_address(delegate)
        )
        return self._send(owner, fn, "revokeDelegate")

    def set_attribute(
        self, identity: str, owner: KeyPair, name: str, value: bytes, validity: int = DEFAULT_VALIDITY
    ) -> TxResult:
        fn = self.contract.functions.setAttribute(
            _identity_address(identity), check_attribute_name(name), _check_value(value), _validity(validity)
        )
        return self._send(owner, fn, "setAttribute")

    def revoke_attribute(self, identity: str, owner: KeyPair, name: str, value: bytes) -> TxResult:
        fn = self.contract.functions.revokeAttribute(
            _identity_address(identity), check_attribute_name(name), _check_value(value)
        )
        return self._send(owner, fn, "revokeAttribute")

    def add_key(
        self,
        identity: str,
        owner: KeyPair,
        key_type: KeyType,
        public_key: bytes,
        *,
        purpose: str = "veriKey",
        validity: int = DEFAULT_VALIDITY,
    ) -> TxResult:
        """Publish a key (see :func:`key_attribute` for the names and document types)."""
        name, value = key_attribute(key_type, public_key, purpose=purpose)
        return self.set_attribute(identity, owner, name, value, validity)

    def revoke_key(
        self, identity: str, owner: KeyPair, key_type: KeyType, public_key: bytes, *, purpose: str = "veriKey"
    ) -> TxResult:
        name, value = key_attribute(key_type, public_key, purpose=purpose)
        return self.revoke_attribute(identity, owner, name, value)

    def add_service(
        self,
        identity: str,
        owner: KeyPair,
        service_type: str,
        endpoint: str | Mapping[str, Any] | list[Any],
        validity: int = DEFAULT_VALIDITY,
    ) -> TxResult:
        name, value = service_attribute(service_type, endpoint)
        return self.set_attribute(identity, owner, name, value, validity)

    def revoke_service(
        self, identity: str, owner: KeyPair, service_type: str, endpoint: str | Mapping[str, Any] | list[Any]
    ) -> TxResult:
        name, value = service_attribute(service_type, endpoint)
        return self.revoke_attribute(identity, owner, name, value)

    # -- meta-transactions: the owner signs, a relayer pays

    def _meta_hash(self, identity: str, payload: bytes) -> bytes:
        address = _identity_address(identity)
        owner = self.identity_owner(address)
        nonce = self.nonce(owner)
        return keccak(
            b"\x19\x00"
            + bytes.fromhex(self.contract.address[2:])
            + nonce.to_bytes(32, "big")
            + bytes.fromhex(address[2:])
            + payload
        )

    @staticmethod
    def _sign_hash(owner: KeyPair, digest: bytes) -> MetaSignature:
        if owner.key_type is not KeyType.SECP256K1 or owner.secret_key is None:
            raise InvalidInput(
                "meta-transactions are signed with the owner's secp256k1 key", code="registry.key"
            )
        sig = EthPrivateKey(owner.secret_key).sign_msg_hash(digest)
        return MetaSignature(v=27 + sig.v, r=sig.r.to_bytes(32, "big"), s=sig.s.to_bytes(32, "big"))

    def sign_change_owner(self, identity: str, owner: KeyPair, new_owner: str) -> MetaSignature:
        payload = b"changeOwner" + bytes.fromhex(_checked_address(new_owner)[2:])
        return self._sign_hash(owner, self._meta_hash(identity, payload))

    def sign_add_delegate(
        self,
        identity: str,
        owner: KeyPair,
        delegate_type: str,
        delegate: str,
        validity: int = DEFAULT_VALIDITY,
    ) -> MetaSignature:
        payload = (
            b"addDelegate"
            + _delegate_type(delegate_type)
            + bytes.fromhex(_checked_address(delegate)[2:])
            + _validity(validity).to_bytes(32, "big")
        )
        return self._sign_hash(owner, self._meta_hash(identity, payload))

    def sign_revoke_delegate(
        self, identity: str, owner: KeyPair, delegate_type: str, delegate: str
    ) -> MetaSignature:
        payload = (
            b"revokeDelegate" + _delegate_type(delegate_type) + bytes.fromhex(_checked_address(delegate)[2:])
        )
        return self._sign_hash(owner, self._meta_hash(identity, payload))

    def sign_set_attribute(
        self, identity: str, owner: KeyPair, name: str, value: bytes, validity: int = DEFAULT_VALIDITY
    ) -> MetaSignature:
        payload = (
            b"setAttribute"
            + check_attribute_name(name)
            + _check_value(value)
            + _validity(validity).to_bytes(32, "big")
        )
        return self._sign_hash(owner, self._meta_hash(identity, payload))

    def sign_revoke_attribute(self, identity: str, owner: KeyPair, name: str, value: bytes) -> MetaSignature:
        payload = b"revokeAttribute" + check_attribute_name(name) + _check_value(value)
        return self._sign_hash(owner, self._meta_hash(identity, payload))

    def change_owner_signed(
        self, identity: str, sig: MetaSignature, new_owner: str, relayer: KeyPair
    ) -> TxResult:
        fn = self.contract.functions.changeOwnerSigned(
            _identity_address(identity), sig.v, sig.r, sig.s, _checked_address(new_owner)
        )
        return self._send(relayer, fn, "changeOwnerSigned")

    def add_delegate_signed(
        self,
        identity: str,
        sig: MetaSignature,
        delegate_type: str,
        delegate: str,
        relayer: KeyPair,
        validity: int = DEFAULT_VALIDITY,
    ) -> TxResult:
        fn = self.contract.functions.addDelegateSigned(
            _identity_address(identity),
            sig.v,
            sig.r,
            sig.s,
            _delegate_type(delegate_type),
            _checked_address(delegate),
            _validity(validity),
        )
        return self._send(relayer, fn, "addDelegateSigned")

    def revoke_delegate_signed(
        self, identity: str, sig: MetaSignature, delegate_type: str, delegate: str, relayer: KeyPair
    ) -> TxResult:
        fn = self.contract.functions.revokeDelegateSigned(
            _identity_address(identity),
            sig.v,
            sig.r,
            sig.s,
            _delegate_type(delegate_type),
            _checked_address(delegate),
        )
        return self._send(relayer, fn, "revokeDelegateSigned")

    def set_attribute_signed(
        self,
        identity: str,
        sig: MetaSignature,
        name: str,
        value: bytes,
        relayer: KeyPair,
        validity: int = DEFAULT_VALIDITY,
    ) -> TxResult:
        fn = self.contract.functions.setAttributeSigned(
            _identity_address(identity),
            sig.v,
            sig.r,
            sig.s,
            check_attribute_name(name),
            _check_value(value),
            _validity(validity),
        )
        return self._send(relayer, fn, "setAttributeSigned")

    def revoke_attribute_signed(
        self, identity: str, sig: MetaSignature, name: str, value: bytes, relayer: KeyPair
    ) -> TxResult:
        fn = self.contract.functions.revokeAttributeSigned(
            _identity_address(identity), sig.v, sig.r, sig.s, check_attribute_name(name), _check_value(value)
        )
        return self._send(relayer, fn, "revokeAttributeSigned")

    # -- history

    def history(self, identity: str) -> list[RegistryEvent]:
        """Every registry event of the identity, oldest first, each with its block time.

        One ``eth_getLogs`` over the range up to ``changed(identity)``, plus one block read per
        block whose log lacks ``blockTimestamp``.
        """
        address = _identity_address(identity)
        last = self.changed(address)
        if last == 0:
            return []
        raw = self._rpc(
            "eth_getLogs",
            [
                {
                    "address": [self.contract.address],
                    "topics": [None, identity_topic(address)],
                    "fromBlock": "0x0",
                    "toBlock": hex(last),
                }
            ],
        )
        if not isinstance(raw, list):
            raise NetworkError("chain node returned malformed logs", code="chain.bad_response")
        events = []
        for item in raw:
            try:
                ev = decode_log(item)
            except ResolutionError as exc:
                raise ChainError(exc.message, code=exc.code) from exc
            if ev is not None and ev.identity == address:
                events.append(ev)
        times: dict[int, int] = {}
        out = []
        for ev in sorted(events, key=lambda e: (e.block_number, e.log_index)):
            ts = ev.block_timestamp
            if ts is None:
                if ev.block_number not in times:
                    block = self._rpc("eth_getBlockByNumber", [hex(ev.block_number), False])
                    times[ev.block_number] = int(block["timestamp"], 16)
                ts = times[ev.block_number]
            out.append(_with_time(ev, ts))
        return out

    def _rpc(self, method: str, params: list[Any]) -> Any:
        self.check_chain()
        with self._guard(method):
            answer = self.w3.provider.make_request(method, params)  # type: ignore[arg-type]
        if "error" in answer:
            raise ChainError(f"{method} failed: {answer['error']}", code="chain.rpc_error")
        return answer.get("result")

    # -- deployment

    def deploy(self, deployer: KeyPair) -> str:
        """Deploy the registry (package-data bytecode) and return its address."""
        self.check_chain()
        acct = _secp_account(deployer)
        factory = self.w3.eth.contract(abi=artifact.abi(), bytecode=artifact.bytecode())
        with self._guard("deploy"):
            nonce = self.w3.eth.get_transaction_count(acct.address, "pending")
            base = int(self.w3.eth.get_block("latest")["baseFeePerGas"])
            tx = factory.constructor().build_transaction(
                {
                    "from": acct.address,
                    "nonce": nonce,
                    "chainId": self.config.chain_id,
                    "maxPriorityFeePerGas": 10**9,
                    "maxFeePerGas": 2 * base + 10**9,
                    "gas": 3_000_000,
                }
            )
            signed = acct.sign_transaction(tx)
            tx_hash = self.w3.eth.send_raw_transaction(signed.raw_transaction)
            receipt = self.w3.eth.wait_for_transaction_receipt(
                tx_hash, timeout=self.config.timeout, poll_latency=0.05
            )
        if int(receipt["status"]) != 1 or not receipt["contractAddress"]:
            raise ChainError("registry deployment failed", code="chain.deploy")
        return str(receipt["contractAddress"])


def _reason(message: str) -> str:
    text = message.split("failed: ", 1)[-1]
    return text.removeprefix("execution reverted: ").removeprefix("execution reverted").strip() or "no reason"


def _classify(exc: ChainError, what: str) -> ChainError:
    """A node's JSON-RPC error for a write: revert, out of gas, or another refusal."""
    msg = exc.message.lower()
    code = getattr(exc, "rpc_code", None)
    if code == 3 or "revert" in msg:
        return ChainError(f"{what} reverted: {_reason(exc.message)}", code="chain.revert")
    if "gas" in msg and ("exceed" in msg or "out of" in msg or "intrinsic" in msg):
        return ChainError(f"{what}: {exc.message[:200]}", code="chain.out_of_gas")
    return ChainError(f"{what} refused by the node: {exc.message[:200]}", code="chain.rpc_error")


def _with_time(ev: RegistryEvent, ts: int) -> RegistryEvent:
    from dataclasses import replace

    return replace(ev, block_timestamp=ts)


def _checked_address(value: str) -> str:
    if not isinstance(value, str) or not _ADDRESS_RE.fullmatch(value):
        raise InvalidInput("expected a 0x address", code="registry.address")
    body = value[2:]
    if body != body.lower() and body != body.upper() and to_checksum_address(value) != value:
        raise InvalidInput("address has a bad EIP-55 checksum", code="registry.address")
    return to_checksum_address(value)


def _delegate_type(value: str) -> bytes:
    raw = value.encode("utf-8") if isinstance(value, str) else b""
    if not raw or len(raw) > 32:
        raise InvalidInput(
            "delegate type must be 1..32 bytes (e.g. veriKey, sigAuth)", code="registry.delegate_type"
        )
    return raw.ljust(32, b"\x00")


def _validity(seconds: int) -> int:
    if not isinstance(seconds, int) or isinstance(seconds, bool) or not 0 < seconds < 2**64:
        raise InvalidInput("validity must be a positive number of seconds", code="registry.validity")
    return seconds
