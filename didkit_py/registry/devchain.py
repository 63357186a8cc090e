"""The embedded dev chain: py-evm (eth-tester's genesis defaults) served as JSON-RPC on 127.0.0.1.

Why our own server: web3.py, ethers (ethr-did-resolver) and our resolver only speak JSON-RPC over
HTTP, and a laptop should need no node install. The chain mines one block per transaction
(automine), deploys the DID registry at start at a deterministic address, funds the dev
accounts of a printed mnemonic, and keeps its state in the data directory:

* ``genesis.json`` pins the chain id, the genesis time and the mnemonic's accounts;
* ``journal.jsonl`` is an append-only journal, one line per mined block with the raw
  transaction and its block timestamp, written and ``fsync``-ed *before* the RPC answers.

A clean stop also writes ``snapshot.bin`` (the state database and our index, checksummed) so
the next start only replays the journal lines after it; the journal stays the source of truth.

On start the journal is replayed block by block with the recorded timestamps and a
deterministic ``prevrandao``, so block numbers, hashes, timestamps and every DID survive a
restart; ``kill -9`` loses at most the transaction whose answer had not been sent. A torn last
line (the process died mid-write) is dropped, and so is the temporary file of a snapshot (or
genesis) write cut off before its atomic rename.

Start-up stays well under the 3 s budget: py-evm is imported directly (eth-tester's PyEVM
backend would pull in eth-account's keyfile stack, which alone doubles the start-up time), dev
keys are derived with our small BIP-32 routine, and sender recovery uses an OpenSSL-backed
eth-keys backend (:mod:`._fastecc`).

Only the methods the registry's clients use are served (see :data:`SUPPORTED_METHODS`);
everything else gets a JSON-RPC ``-32601`` error object. The server binds loopback only.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import threading
import time
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from eth_utils.address import to_checksum_address
from eth_utils.crypto import keccak

from ..errors import InvalidInput, StorageError
from . import artifact

__all__ = [
    "DEFAULT_CHAIN_ID",
    "DEFAULT_PORT",
    "DEV_MNEMONIC",
    "SUPPORTED_METHODS",
    "DevChain",
    "RpcError",
    "RunningServer",
    "serve_in_thread",
]

log = logging.getLogger(__name__)

#: 1337 (0x539) is the customary "local dev chain" id (geth --dev, Ganache); anvil defaults to
#: 31337. Pinned so that did:ethr:0x539:… DIDs and resolver configurations stay valid.
DEFAULT_CHAIN_ID = 1337
DEFAULT_PORT = 8545
#: The well-known development mnemonic (also anvil's and Hardhat's): dev accounts are the same
#: on the embedded chain and on anvil. Never use it for anything of value.
DEV_MNEMONIC = "test test test test test test test test test test test junk"
DEV_ACCOUNTS = 10
DEV_BALANCE_WEI = 10**24  # one million ether each
GAS_LIMIT = 30_000_000
PRIORITY_FEE_WEI = 10**9
MAX_BODY_BYTES = 4 * 1024 * 1024
MAX_BATCH = 100
#: eth_getLogs answers at most this many logs (geth-style limit).
MAX_LOGS = 10_000

SUPPORTED_METHODS = frozenset(
    {
        "eth_chainId",
        "net_version",
        "eth_blockNumber",
        "eth_call",
        "eth_getLogs",
        "eth_getBlockByNumber",
        "eth_getBlockByHash",
        "eth_sendRawTransaction",
        "eth_getTransactionReceipt",
        "eth_getTransactionByHash",
        "eth_getTransactionCount",
        "eth_getBalance",
        "eth_getCode",
        "eth_estimateGas",
        "eth_gasPrice",
        "eth_maxPriorityFeePerGas",
        "eth_feeHistory",
        "eth_accounts",
        "web3_clientVersion",
    }
)

_JOURNAL = "journal.jsonl"
_GENESIS = "genesis.json"
_SNAPSHOT = "snapshot.bin"
_SNAP_MAGIC = b"DIDKIT-DEVCHAIN-SNAPSHOT/1\n"


class RpcError(Exception):
    """A JSON-RPC error object (code, message, optional data)."""

    def __init__(self, code: int, message: str, data: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.data = data

    def to_dict(self) -> dict[str, Any]:
        out: dict[str, Any] = {"code": self.code, "message": self.message}
        if self.data is not None:
            out["data"] = self.data
        return out


def _hex(n: int) -> str:
    return hex(n)


def _hexb(b: bytes) -> str:
    return "0x" + b.hex()


def _addr(b: bytes) -> str:
    return to_checksum_address(b).lower()


def _mix_hash(number: int) -> bytes:
    # A deterministic prevrandao so that replayed blocks hash the same as the originals.
    return keccak(b"didkit-devchain/prevrandao/" + number.to_bytes(8, "big"))


def _parse_quantity(value: Any, what: str) -> int:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) > 66 or len(value) < 3:
        raise RpcError(-32602, f"invalid {what}: expected a hex quantity")
    try:
        return int(value, 16)
    except ValueError:
        raise RpcError(-32602, f"invalid {what}: expected a hex quantity") from None


def _parse_data(value: Any, what: str, *, size: int | None = None) -> bytes:
    if not isinstance(value, str) or not value.startswith("0x") or len(value) % 2:
        raise RpcError(-32602, f"invalid {what}: expected 0x-prefixed hex bytes")
    try:
        raw = bytes.fromhex(value[2:])
    except ValueError:
        raise RpcError(-32602, f"invalid {what}: expected 0x-prefixed hex bytes") from None
    if size is not None and len(raw) != size:
        raise RpcError(-32602, f"invalid {what}: expected {size} bytes")
    return raw


@dataclass
class _LogRecord:
    block_number: int
    address: bytes
    topics: tuple[bytes, ...]
    json: dict[str, Any]


@dataclass
class _Index:
    """JSON views of mined blocks, transactions, receipts and logs, kept in memory for speed."""

    blocks: list[dict[str, Any]] = field(default_factory=list)
    block_txs: list[list[dict[str, Any]]] = field(default_factory=list)
    by_hash: dict[bytes, int] = field(default_factory=dict)
    txs: dict[bytes, tuple[dict[str, Any], dict[str, Any]]] = field(default_factory=dict)
    logs: list[_LogRecord] = field(default_factory=list)


class DevChain:
    """A single-node chain with automine, a journal for persistence and a JSON-RPC dispatcher.

    Thread-safe: one lock serialises every call (py-evm is not re-entrant).
    """

    def __init__(
        self,
        data_dir: Path | None,
        *,
        chain_id: int = DEFAULT_CHAIN_ID,
        mnemonic: str = DEV_MNEMONIC,
        accounts: int = DEV_ACCOUNTS,
        clock: Callable[[], float] = time.time,
        fsync: bool = True,
    ) -> None:
        if not 0 < chain_id < 2**53:
            raise InvalidInput("chain id must be a positive integer below 2**53", code="chain.chain_id")
        _use_fast_ecc()
        self._lock = threading.RLock()
        self._clock = clock
        self._fsync = fsync
        self._broken: str | None = None
        self.data_dir = data_dir
        self.mnemonic = mnemonic
        self._keys = self._derive_keys(mnemonic, accounts)
        genesis = self._load_or_create_genesis(chain_id)
        if data_dir is not None:
            for name in (_GENESIS, _SNAPSHOT):  # a write a kill -9 cut off before its rename
                with contextlib.suppress(OSError):
                    (data_dir / (name + ".tmp")).unlink(missing_ok=True)
        self.chain_id: int = genesis["chainId"]
        self._senders: dict[bytes, bytes] = {}
        self._journal_fh: Any = None
        snap = self._load_snapshot()
        if snap is None:
            self._chain = self._build_chain(self.chain_id, genesis["timestamp"])
            self._index = _Index()
            self._index_block(self._chain.get_canonical_head())
        replayed = self._replay()
        if snap is not None and replayed < int(snap["head"]):
            # A snapshot ahead of its journal (journal lost or cut): the journal is the truth.
            log.warning("chain snapshot is ahead of the journal; rebuilding from the journal")
            self._chain = self._build_chain(self.chain_id, genesis["timestamp"])
            self._index = _Index()
            self._index_block(self._chain.get_canonical_head())
            replayed = self._replay()
        if self.data_dir is not None:
            self._journal_fh = (self.data_dir / _JOURNAL).open("ab")
        self.registry_address: str = to_checksum_address(
            keccak(_rlp_sender_nonce(_address_of(self._keys[0]), 0))[12:]
        )
        if self.block_number == 0:
            self._deploy_registry()
        log.info(
            "dev chain ready",
            extra={"chain_id": self.chain_id, "blocks": self.block_number, "registry": self.registry_address},
        )

    # ------------------------------------------------------------------ setup and persistence

    @staticmethod
    def _derive_keys(mnemonic: str, accounts: int) -> list[bytes]:
        """BIP-39 seed, BIP-32 path m/44'/60'/0'/0/i (what wallets, anvil and Hardhat derive)."""
        words = mnemonic.split()
        if len(words) not in (12, 15, 18, 21, 24) or not all(w.isascii() and w.isalpha() for w in words):
            raise InvalidInput("the dev chain mnemonic is not a BIP-39 phrase", code="chain.mnemonic")
        seed = hashlib.pbkdf2_hmac("sha512", " ".join(words).encode(), b"mnemonic", 2048)
        return [_bip32_derive(seed, [44 | _HARD, 60 | _HARD, 0 | _HARD, 0, i]) for i in range(accounts)]

    @property
    def dev_accounts(self) -> list[str]:
        """Checksum addresses of the funded dev accounts (BIP-44 m/44'/60'/0'/0/i)."""
        return [to_checksum_address(_address_of(k)) for k in self._keys]

    def dev_private_key(self, index: int) -> bytes:
        """A dev account's secret key (dev use only: these keys come from a public mnemonic)."""
        return self._keys[index]

    def _load_or_create_genesis(self, chain_id: int) -> dict[str, Any]:
        fingerprint = hashlib.sha256("|".join(self.dev_accounts).encode()).hexdigest()
        if self.data_dir is not None:
            try:
                self.data_dir.mkdir(parents=True, exist_ok=True, mode=0o700)
            except OSError as exc:
                raise StorageError(
                    f"cannot create chain directory: {exc.strerror}", code="chain.storage"
                ) from exc
            path = self.data_dir / _GENESIS
            if path.exists():
                try:
                    genesis: dict[str, Any] = json.loads(path.read_text(encoding="utf-8"))
                    stored_id = int(genesis["chainId"])
                    int(genesis["timestamp"])
                except (OSError, ValueError, KeyError, TypeError) as exc:
                    raise StorageError(
                        f"unreadable {path.name} in {self.data_dir}", code="chain.storage"
                    ) from exc
                if stored_id != chain_id:
                    raise InvalidInput(
                        f"{self.data_dir} holds chain id {stored_id}, not {chain_id} (use another data dir)",
                        code="chain.chain_id",
                    )
                if genesis.get("accounts") != fingerprint:
                    raise InvalidInput(
                        f"{self.data_dir} was created with another mnemonic", code="chain.mnemonic"
                    )
                return genesis
        genesis = {
            "chainId": chain_id,
            "timestamp": int(self._clock()),
            "accounts": fingerprint,
            "format": 1,
        }
        if self.data_dir is not None:
            _atomic_write(self.data_dir / _GENESIS, json.dumps(genesis, indent=2).encode())
        return genesis

    @staticmethod
    def _chain_class(chain_id: int) -> Any:
        from eth.chains.base import MiningChain
        from eth.vm.forks.prague import PragueVM

        class _DevVM(PragueVM):  # type: ignore[misc]
            @classmethod
            def validate_header(cls, header: Any, parent_header: Any) -> None:
                # Dev-chain rule (like Hardhat's allowBlocksWithSameTimestamp): a block may share
                # its parent's second, so block time never runs ahead of the wall clock under load.
                if parent_header is not None and header.timestamp == parent_header.timestamp:
                    parent_header = parent_header.copy(timestamp=parent_header.timestamp - 1)
                super().validate_header(header, parent_header)

        class _DevChain(MiningChain):  # type: ignore[misc]
            vm_configuration = ((0, _DevVM),)  # type: ignore[assignment]

            def create_header_from_parent(self, parent_header: Any, **params: Any) -> Any:
                params["gas_limit"] = parent_header.gas_limit
                return super().create_header_from_parent(parent_header, **params)

        _DevChain.chain_id = chain_id
        return _DevChain

    def _build_chain(self, chain_id: int, timestamp: int) -> Any:
        state = {
            _address_of(k): {
                "balance": DEV_BALANCE_WEI,
                "nonce": 0,
                "code": b"",
                "storage": {},
            }
            for k in self._keys
        }
        return self._chain_class(chain_id).from_genesis(_memory_db({}), _genesis_params(timestamp), state)

    def _replay(self) -> int:
        if self.data_dir is None:
            return 0
        path = self.data_dir / _JOURNAL
        if not path.exists():
            return 0
        try:
            data = path.read_bytes()
        except OSError as exc:
            raise StorageError(
                f"cannot read the chain journal: {exc.strerror}", code="chain.storage"
            ) from exc
        lines = data.split(b"\n")
        good = 0
        count = 0
        for i, line in enumerate(lines):
            if not line:
                continue
            try:
                entry = json.loads(line)
                number = int(entry["n"])
                ts = int(entry["ts"])
                raw = bytes.fromhex(entry["tx"][2:])
            except (ValueError, KeyError, TypeError):
                if i == len(lines) - 1 or all(not rest for rest in lines[i + 1 :]):
                    log.warning("dropping a torn last journal line")
                    break
                raise StorageError(f"chain journal corrupt at line {i + 1}", code="chain.journal") from None
            if number <= self.block_number:
                # Covered by the snapshot: its last block must be this very transaction.
                if number == self.block_number and "0x" + keccak(raw).hex() not in self._block_tx_hashes(
                    number
                ):
                    raise StorageError("chain snapshot does not match the journal", code="chain.snapshot")
                good += len(line) + 1
                count += 1
                continue
            if number != self.block_number + 1:
                raise StorageError(f"chain journal out of order at line {i + 1}", code="chain.journal")
            self._mine(raw, ts)
            good += len(line) + 1
            count += 1
        if good != len(data):
            # Cut a torn tail so the next append starts on a clean line.
            with path.open("r+b") as fh:
                fh.truncate(good)
        return count

    def _deploy_registry(self) -> None:
        from eth_keys.datatypes import PrivateKey

        builder = self._chain.get_vm().get_transaction_builder()
        unsigned = builder.new_unsigned_dynamic_fee_transaction(
            chain_id=self.chain_id,
            nonce=0,
            max_priority_fee_per_gas=PRIORITY_FEE_WEI,
            max_fee_per_gas=100 * 10**9,
            gas=3_000_000,
            to=b"",
            value=0,
            data=artifact.bytecode(),
            access_list=(),
        )
        signed = unsigned.as_signed_transaction(PrivateKey(self._keys[0]))
        self.send_raw_transaction(bytes(signed.encode()))
        code = self._chain.get_vm().state.get_code(bytes.fromhex(self.registry_address[2:]))
        if not code:
            raise StorageError("registry deployment failed on the dev chain", code="chain.deploy")

    def close(self) -> None:
        """Stop journaling and write a snapshot so the next start need not replay everything."""
        with self._lock:
            if self._journal_fh is not None:
                self._journal_fh.close()
                self._journal_fh = None
                try:
                    self._write_snapshot()
                except StorageError:
                    log.warning("could not write the chain snapshot; the next start replays the journal")

    # ------------------------------------------------------------------ snapshots

    def _block_tx_hashes(self, number: int) -> list[str]:
        return [t["hash"] for t in self._index.block_txs[number]]

    def _write_snapshot(self) -> None:
        """``snapshot.bin``: the whole state database plus our JSON index, at the current head.

        Only an accelerator: the journal stays the source of truth. A snapshot whose head
        block's transaction is not the journal's line for that block is refused.
        """
        if self.data_dir is None:
            return
        kv: dict[bytes, bytes] = self._chain.chaindb.db.wrapped_db.kv_store
        index = {
            "head": self.block_number,
            "blocks": self._index.blocks,
            "blockTxs": self._index.block_txs,
            "receipts": {h.hex(): rec[1] for h, rec in self._index.txs.items()},
        }
        body = bytearray(_SNAP_MAGIC)
        meta = json.dumps(index, separators=(",", ":")).encode()
        body += len(meta).to_bytes(8, "big") + meta
        for k, v in kv.items():
            body += len(k).to_bytes(4, "big") + k + len(v).to_bytes(4, "big") + v
        body += hashlib.sha256(body).digest()
        _atomic_write(self.data_dir / _SNAPSHOT, bytes(body))

    def _load_snapshot(self) -> dict[str, Any] | None:
        if self.data_dir is None or not (self.data_dir / _SNAPSHOT).exists():
            return None
        try:
            data = (self.data_dir / _SNAPSHOT).read_bytes()
            body, digest = data[:-32], data[-32:]
            if not data.startswith(_SNAP_MAGIC) or hashlib.sha256(body).digest() != digest:
                raise ValueError("bad snapshot")
            pos = len(_SNAP_MAGIC)
            meta_len = int.from_bytes(body[pos : pos + 8], "big")
            meta: dict[str, Any] = json.loads(body[pos + 8 : pos + 8 + meta_len])
            pos += 8 + meta_len
            kv: dict[bytes, bytes] = {}
            while pos < len(body):
                klen = int.from_bytes(body[pos : pos + 4], "big")
                key = bytes(body[pos + 4 : pos + 4 + klen])
                pos += 4 + klen
                vlen = int.from_bytes(body[pos : pos + 4], "big")
                kv[key] = bytes(body[pos + 4 : pos + 4 + vlen])
                pos += 4 + vlen
            chain = self._chain_class(self.chain_id)(_memory_db(kv))
            if int(chain.get_canonical_head().block_number) != int(meta["head"]):
                raise ValueError("snapshot head mismatch")
            index = _Index(blocks=meta["blocks"], block_txs=meta["blockTxs"])
            for number, view in enumerate(index.blocks):
                index.by_hash[bytes.fromhex(view["hash"][2:])] = number
            for txs in index.block_txs:
                for tx in txs:
                    receipt = meta["receipts"][tx["hash"][2:]]
                    index.txs[bytes.fromhex(tx["hash"][2:])] = (tx, receipt)
                    for lg in receipt["logs"]:
                        index.logs.append(
                            _LogRecord(
                                int(lg["blockNumber"], 16),
                                bytes.fromhex(lg["address"][2:]),
                                tuple(bytes.fromhex(t[2:]) for t in lg["topics"]),
                                lg,
                            )
                        )
        except (OSError, ValueError, KeyError, TypeError, IndexError) as exc:
            log.warning("ignoring an unusable chain snapshot (%s); replaying the journal", type(exc).__name__)
            return None
        except Exception as exc:  # py-evm rejecting the database: same remedy
            log.warning("ignoring an unusable chain snapshot (%s); replaying the journal", type(exc).__name__)
            return None
        self._chain = chain
        self._index = index
        return meta

    # ------------------------------------------------------------------ mining

    @property
    def block_number(self) -> int:
        return int(self._chain.get_canonical_head().block_number)

    def _next_timestamp(self) -> int:
        parent = int(self._chain.get_canonical_head().timestamp)
        return max(int(self._clock()), parent)

    def _mine(self, raw: bytes, timestamp: int, tx: Any = None) -> bytes:
        if tx is None:
            tx = self._chain.get_vm().get_transaction_builder().decode(raw)
        self._chain.set_header_timestamp(timestamp)
        self._senders[bytes(tx.hash)] = bytes(tx.sender)  # recovered once, reused by the index
        # One pass: execute, fill, seal and persist the block (no second state persist).
        result, _, _ = self._chain.mine_all([tx], mix_hash=_mix_hash(self.block_number + 1))
        block = result.imported_block
        self._index_block(block.header, block)
        return bytes(tx.hash)

    def send_raw_transaction(self, raw: bytes) -> bytes:
        """Validate, mine in its own block, journal (fsync) and return the transaction hash."""
        from eth_utils.exceptions import ValidationError as EvmValidationError

        with self._lock:
            if self._broken:
                raise RpcError(-32000, f"dev chain stopped accepting transactions: {self._broken}")
            vm = self._chain.get_vm()
            try:
                tx = vm.get_transaction_builder().decode(raw)
                tx.validate()
            except Exception as exc:
                raise RpcError(-32602, f"invalid raw transaction: {type(exc).__name__}") from None
            if tx.hash in self._index.txs:
                raise RpcError(-32000, "already known")
            if getattr(tx, "chain_id", self.chain_id) not in (None, self.chain_id):
                raise RpcError(-32000, f"invalid chain id: this chain is {self.chain_id}")
            ts = self._next_timestamp()
            try:
                tx_hash = self._mine(raw, ts, tx)
            except EvmValidationError as exc:
                # Nonce, balance, fee or intrinsic-gas problems: nothing was mined.
                self._chain.header = self._chain.create_header_from_parent(self._chain.get_canonical_head())
                raise RpcError(-32000, _short(str(exc))) from None
            if self.data_dir is not None:
                line = json.dumps({"n": self.block_number, "ts": ts, "tx": _hexb(raw)}, separators=(",", ":"))
                try:
                    self._journal_fh.write(line.encode() + b"\n")
                    self._journal_fh.flush()
                    if self._fsync:
                        os.fsync(self._journal_fh.fileno())
                except OSError as exc:
                    self._broken = f"journal write failed ({exc.strerror})"
                    raise RpcError(-32000, self._broken) from None
            return tx_hash

    # ------------------------------------------------------------------ JSON views

    def _index_block(self, header: Any, block: Any = None) -> None:
        number = int(header.block_number)
        txs: Sequence[Any] = block.transactions if block is not None else ()
        receipts: Sequence[Any] = block.get_receipts(self._chain.chaindb) if block is not None and txs else ()
        block_hash = bytes(header.hash)
        base_fee = int(header.base_fee_per_gas)
        tx_views: list[dict[str, Any]] = []
        prev_cumulative = 0
        log_index = 0
        for i, (tx, receipt) in enumerate(zip(txs, receipts, strict=True)):
            sender = self._senders.pop(bytes(tx.hash), None) or bytes(tx.sender)
            to = bytes(tx.to) if tx.to else b""
            type_id = tx.type_id if tx.type_id is not None else 0
            if type_id == 0:
                effective = int(tx.gas_price)
            else:
                effective = min(int(tx.max_fee_per_gas), base_fee + int(tx.max_priority_fee_per_gas))
            tx_view: dict[str, Any] = {
                "hash": _hexb(tx.hash),
                "nonce": _hex(tx.nonce),
                "blockHash": _hexb(block_hash),
                "blockNumber": _hex(number),
                "transactionIndex": _hex(i),
                "from": _addr(sender),
                "to": _addr(to) if to else None,
                "value": _hex(tx.value),
                "gas": _hex(tx.gas),
                "gasPrice": _hex(effective),
                "input": _hexb(tx.data),
                "type": _hex(type_id),
                "v": _hex(tx.y_parity if type_id else tx.v),
                "r": _hex(tx.r),
                "s": _hex(tx.s),
            }
            if type_id:
                tx_view["chainId"] = _hex(tx.chain_id)
                tx_view["yParity"] = _hex(tx.y_parity)
                tx_view["accessList"] = [
                    {"address": _addr(a), "storageKeys": [_hexb(k.to_bytes(32, "big")) for k in keys]}
                    for a, keys in tx.access_list
                ]
            elif tx.chain_id is not None:
                tx_view["chainId"] = _hex(tx.chain_id)
            if type_id == 2:
                tx_view["maxFeePerGas"] = _hex(tx.max_fee_per_gas)
                tx_view["maxPriorityFeePerGas"] = _hex(tx.max_priority_fee_per_gas)
            cumulative = int(receipt.gas_used)
            logs_json = []
            for lg in receipt.logs:
                topics = tuple(t.to_bytes(32, "big") for t in lg.topics)
                lj = {
                    "address": _addr(lg.address),
                    "topics": [_hexb(t) for t in topics],
                    "data": _hexb(lg.data),
                    "blockNumber": _hex(number),
                    "blockHash": _hexb(block_hash),
                    "blockTimestamp": _hex(header.timestamp),
                    "transactionHash": _hexb(tx.hash),
                    "transactionIndex": _hex(i),
                    "logIndex": _hex(log_index),
                    "removed": False,
                }
                log_index += 1
                logs_json.append(lj)
                self._index.logs.append(_LogRecord(number, bytes(lg.address), topics, lj))
            contract = None
            if not to:
                contract = _addr(keccak(_rlp_sender_nonce(sender, tx.nonce))[12:])
            receipt_view = {
                "transactionHash": _hexb(tx.hash),
                "transactionIndex": _hex(i),
                "blockHash": _hexb(block_hash),
                "blockNumber": _hex(number),
                "from": _addr(sender),
                "to": _addr(to) if to else None,
                "cumulativeGasUsed": _hex(cumulative),
                "gasUsed": _hex(cumulative - prev_cumulative),
                "effectiveGasPrice": _hex(effective),
                "contractAddress": contract,
                "logs": logs_json,
                "logsBloom": _hexb(int(receipt.bloom).to_bytes(256, "big")),
                "status": "0x1" if receipt.state_root == b"\x01" else "0x0",
                "type": _hex(type_id),
            }
            prev_cumulative = cumulative
            self._index.txs[bytes(tx.hash)] = (tx_view, receipt_view)
            tx_views.append(tx_view)
        view = {
            "number": _hex(number),
            "hash": _hexb(block_hash),
            "parentHash": _hexb(header.parent_hash),
            "nonce": _hexb(header.nonce),
            "sha3Uncles": _hexb(header.uncles_hash),
            "logsBloom": _hexb(int(header.bloom).to_bytes(256, "big")),
            "transactionsRoot": _hexb(header.transaction_root),
            "stateRoot": _hexb(header.state_root),
            "receiptsRoot": _hexb(header.receipt_root),
            "miner": _addr(header.coinbase),
            "difficulty": _hex(header.difficulty),
            "totalDifficulty": "0x0",
            "extraData": _hexb(header.extra_data),
            "gasLimit": _hex(header.gas_limit),
            "gasUsed": _hex(header.gas_used),
            "timestamp": _hex(header.timestamp),
            "mixHash": _hexb(header.mix_hash),
            "baseFeePerGas": _hex(base_fee),
            "withdrawalsRoot": _hexb(header.withdrawals_root),
            "withdrawals": [],
            "blobGasUsed": _hex(header.blob_gas_used),
            "excessBlobGas": _hex(header.excess_blob_gas),
            "parentBeaconBlockRoot": _hexb(header.parent_beacon_block_root),
            "uncles": [],
        }
        self._index.blocks.append(view)
        self._index.block_txs.append(tx_views)
        self._index.by_hash[block_hash] = number

    def _block_view(self, number: int, full: bool) -> dict[str, Any]:
        view = dict(self._index.blocks[number])
        txs = self._index.block_txs[number]
        view["transactions"] = [dict(t) for t in txs] if full else [t["hash"] for t in txs]
        return view

    # ------------------------------------------------------------------ JSON-RPC

    def _block_number_param(self, value: Any, *, allow_pending: bool = True) -> int:
        head = self.block_number
        if value is None or value in ("latest", "safe", "finalized"):
            return head
        if value == "earliest":
            return 0
        if value == "pending":
            if not allow_pending:
                raise RpcError(-32602, "pending is not supported here")
            return head
        if isinstance(value, dict):
            if "blockHash" in value:
                h = _parse_data(value["blockHash"], "blockHash", size=32)
                if h not in self._index.by_hash:
                    raise RpcError(-32001, "block not found")
                return self._index.by_hash[h]
            if "blockNumber" in value:
                return self._block_number_param(value["blockNumber"])
        n = _parse_quantity(value, "block number")
        if n > head:
            raise RpcError(-32000, f"header not found: block {n} is beyond current head block {head}")
        return n

    def _header_at(self, number: int) -> Any:
        return self._chain.get_canonical_block_header_by_number(number)

    def _message(self, call: Any, number: int) -> Any:
        from eth.vm.spoof import SpoofTransaction

        if not isinstance(call, dict):
            raise RpcError(-32602, "invalid call object")
        sender = _parse_data(call["from"], "from", size=20) if call.get("from") else b"\x00" * 20
        to = _parse_data(call["to"], "to", size=20) if call.get("to") else b""
        data_hex = call.get("input", call.get("data", "0x"))
        data = _parse_data(data_hex, "data")
        value = _parse_quantity(call["value"], "value") if call.get("value") else 0
        gas = _parse_quantity(call["gas"], "gas") if call.get("gas") else GAS_LIMIT
        if gas > GAS_LIMIT:
            gas = GAS_LIMIT
        vm = self._chain.get_vm(self._header_at(number))
        state = vm.state
        nonce = state.get_nonce(sender)
        unsigned = vm.create_unsigned_transaction(
            nonce=nonce, gas_price=0, gas=gas, to=to, value=value, data=data
        )
        return SpoofTransaction(unsigned, from_=sender)

    def _call(self, call: Any, number: int) -> bytes:
        from eth.exceptions import Revert, VMError

        tx = self._message(call, number)
        try:
            return bytes(self._chain.get_transaction_result(tx, self._header_at(number)))
        except Revert as exc:
            raise _revert_error(exc) from None
        except VMError as exc:
            raise RpcError(-32000, f"execution failed: {type(exc).__name__}") from None

    def _estimate(self, call: Any, number: int) -> int:
        """The gas a call needs: one full run, then a check at that limit (py-evm's own binary
        search, about a dozen runs, only when the check fails, e.g. under the 63/64 rule)."""
        from eth.exceptions import Revert, VMError

        header = self._header_at(number)

        def run(gas: int | None) -> Any:
            msg = self._message(call if gas is None else {**call, "gas": hex(gas)}, number)
            with self._chain.get_vm(header).in_costless_state() as state:
                return msg, state.costless_execute_transaction(msg)

        try:
            tx, computation = run(None)
            computation.raise_if_error()
            used = int(tx.intrinsic_gas) + int(computation.get_gas_used())
            for candidate in (used, used * 64 // 63 + 2300):
                if candidate <= GAS_LIMIT and not run(candidate)[1].is_error:
                    return candidate
            return int(self._chain.estimate_gas(tx, header))
        except Revert as exc:
            raise _revert_error(exc) from None
        except VMError as exc:
            raise RpcError(-32000, f"gas required exceeds allowance ({type(exc).__name__})") from None

    def _get_logs(self, flt: Any) -> list[dict[str, Any]]:
        if not isinstance(flt, dict):
            raise RpcError(-32602, "invalid filter object")
        head = self.block_number
        if flt.get("blockHash") is not None:
            h = _parse_data(flt["blockHash"], "blockHash", size=32)
            if h not in self._index.by_hash:
                raise RpcError(-32001, "block not found")
            lo = hi = self._index.by_hash[h]
        else:
            lo = self._block_number_param(flt.get("fromBlock", "latest"))
            hi_raw = flt.get("toBlock", "latest")
            hi = self._block_number_param(hi_raw) if hi_raw is not None else head
            if lo > hi:
                return []
        addr_raw = flt.get("address")
        addresses: set[bytes] | None = None
        if addr_raw is not None:
            items = addr_raw if isinstance(addr_raw, list) else [addr_raw]
            addresses = {_parse_data(a, "address", size=20) for a in items}
        topics_raw = flt.get("topics") or []
        if not isinstance(topics_raw, list) or len(topics_raw) > 4:
            raise RpcError(-32602, "invalid topics")
        topics: list[set[bytes] | None] = []
        for t in topics_raw:
            if t is None:
                topics.append(None)
            elif isinstance(t, list):
                topics.append({_parse_data(x, "topic", size=32) for x in t} if t else None)
            else:
                topics.append({_parse_data(t, "topic", size=32)})
        out = []
        for rec in self._iter_logs(lo, hi):
            if addresses is not None and rec.address not in addresses:
                continue
            if any(
                want is not None and (i >= len(rec.topics) or rec.topics[i] not in want)
                for i, want in enumerate(topics)
            ):
                continue
            out.append(dict(rec.json))
            if len(out) > MAX_LOGS:
                raise RpcError(-32005, f"query returned more than {MAX_LOGS} results")
        return out

    def _iter_logs(self, lo: int, hi: int) -> Iterator[_LogRecord]:
        import bisect

        logs = self._index.logs
        start = bisect.bisect_left(logs, lo, key=lambda r: r.block_number)
        for rec in logs[start:]:
            if rec.block_number > hi:
                break
            yield rec

    def _fee_history(self, count_raw: Any, newest_raw: Any, percentiles: Any) -> dict[str, Any]:
        count = count_raw if isinstance(count_raw, int) else _parse_quantity(count_raw, "blockCount")
        count = max(1, min(count, 1024))
        newest = self._block_number_param(newest_raw)
        oldest = max(0, newest - count + 1)
        base, ratio, reward = [], [], []
        pcts = percentiles if isinstance(percentiles, list) else []
        for n in range(oldest, newest + 1):
            b = self._index.blocks[n]
            base.append(b["baseFeePerGas"])
            ratio.append(int(b["gasUsed"], 16) / int(b["gasLimit"], 16))
            reward.append([_hex(PRIORITY_FEE_WEI) for _ in pcts])
        base.append(_hex(int(self._chain.header.base_fee_per_gas)))
        out: dict[str, Any] = {"oldestBlock": _hex(oldest), "baseFeePerGas": base, "gasUsedRatio": ratio}
        if pcts:
            out["reward"] = reward
        return out

    def rpc(self, method: str, params: list[Any]) -> Any:
        """Answer one JSON-RPC call or raise :class:`RpcError`."""
        if method not in SUPPORTED_METHODS:
            raise RpcError(-32601, f"the method {method} does not exist/is not available")

        def p(i: int, default: Any = None) -> Any:
            return params[i] if len(params) > i else default

        with self._lock:
            try:
                return self._dispatch(method, p)
            except RpcError:
                raise
            except (KeyError, TypeError, IndexError, ValueError) as exc:
                raise RpcError(-32602, f"invalid params: {type(exc).__name__}") from None

    def _dispatch(self, method: str, p: Callable[..., Any]) -> Any:
        if method == "eth_chainId":
            return _hex(self.chain_id)
        if method == "net_version":
            return str(self.chain_id)
        if method == "web3_clientVersion":
            from .. import __version__

            return f"didkit-devchain/{__version__}/py-evm"
        if method == "eth_blockNumber":
            return _hex(self.block_number)
        if method == "eth_accounts":
            return []
        if method == "eth_gasPrice":
            return _hex(int(self._chain.header.base_fee_per_gas) + PRIORITY_FEE_WEI)
        if method == "eth_maxPriorityFeePerGas":
            return _hex(PRIORITY_FEE_WEI)
        if method == "eth_feeHistory":
            return self._fee_history(p(0), p(1, "latest"), p(2))
        if method == "eth_getBlockByNumber":
            tag = p(0, "latest")
            if tag == "pending":
                return None
            try:
                number = self._block_number_param(tag)
            except RpcError as exc:
                if exc.code == -32000:
                    return None
                raise
            return self._block_view(number, bool(p(1, False)))
        if method == "eth_getBlockByHash":
            h = _parse_data(p(0), "blockHash", size=32)
            n = self._index.by_hash.get(h)
            return None if n is None else self._block_view(n, bool(p(1, False)))
        if method in ("eth_getTransactionReceipt", "eth_getTransactionByHash"):
            h = _parse_data(p(0), "transaction hash", size=32)
            rec = self._index.txs.get(h)
            if rec is None:
                return None
            return dict(rec[1] if method == "eth_getTransactionReceipt" else rec[0])
        if method == "eth_sendRawTransaction":
            return _hexb(self.send_raw_transaction(_parse_data(p(0), "raw transaction")))
        if method in ("eth_getTransactionCount", "eth_getBalance", "eth_getCode"):
            account = _parse_data(p(0), "address", size=20)
            tag = p(1, "latest")
            number = self._block_number_param(tag)
            state = self._chain.get_vm(self._header_at(number)).state
            if method == "eth_getTransactionCount":
                return _hex(state.get_nonce(account))
            if method == "eth_getBalance":
                return _hex(state.get_balance(account))
            return _hexb(state.get_code(account))
        if method == "eth_call":
            return _hexb(self._call(p(0), self._block_number_param(p(1, "latest"))))
        if method == "eth_estimateGas":
            return _hex(self._estimate(p(0), self._block_number_param(p(1, "latest"))))
        if method == "eth_getLogs":
            return self._get_logs(p(0))
        raise RpcError(-32601, f"the method {method} does not exist/is not available")  # pragma: no cover

    def handle(self, body: bytes) -> bytes | None:
        """Answer a JSON-RPC request body (single or batch) with a response body."""
        try:
            req = json.loads(body)
        except (ValueError, RecursionError):
            return _dump({"jsonrpc": "2.0", "id": None, "error": {"code": -32700, "message": "parse error"}})
        if isinstance(req, list):
            if not req:
                return _dump(
                    {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "empty batch"}}
                )
            if len(req) > MAX_BATCH:
                return _dump(
                    {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "batch too large"}}
                )
            answers = [a for a in (self._handle_one(r) for r in req) if a is not None]
            return _dump(answers) if answers else None
        answer = self._handle_one(req)
        return _dump(answer) if answer is not None else None

    def _handle_one(self, req: Any) -> dict[str, Any] | None:
        if not isinstance(req, dict) or not isinstance(req.get("method"), str):
            return {"jsonrpc": "2.0", "id": None, "error": {"code": -32600, "message": "invalid request"}}
        rid = req.get("id")
        params = req.get("params", [])
        if params is None:
            params = []
        try:
            if not isinstance(params, list):
                raise RpcError(-32602, "params must be an array")
            result = self.rpc(req["method"], params)
            out: dict[str, Any] = {"jsonrpc": "2.0", "id": rid, "result": result}
        except RpcError as exc:
            out = {"jsonrpc": "2.0", "id": rid, "error": exc.to_dict()}
        except Exception:  # a bug of ours must not kill the server; the client gets -32603
            log.exception("internal error in %s", req.get("method"))
            out = {"jsonrpc": "2.0", "id": rid, "error": {"code": -32603, "message": "internal error"}}
        return out if "id" in req else None


_HARD = 0x80000000
_SECP256K1_N = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141


def _public_point(secret: int, *, compressed: bool) -> bytes:
    from cryptography.hazmat.primitives import serialization
    from cryptography.hazmat.primitives.asymmetric import ec

    fmt = (
        serialization.PublicFormat.CompressedPoint
        if compressed
        else serialization.PublicFormat.UncompressedPoint
    )
    return (
        ec.derive_private_key(secret, ec.SECP256K1())
        .public_key()
        .public_bytes(serialization.Encoding.X962, fmt)
    )


def _address_of(secret: bytes) -> bytes:
    return bytes(keccak(_public_point(int.from_bytes(secret, "big"), compressed=False)[1:])[12:])


def _bip32_derive(seed: bytes, path: list[int]) -> bytes:
    """BIP-32 private derivation (kept here: eth-account's HD wallet doubles the start-up time)."""
    import hmac

    digest = hmac.new(b"Bitcoin seed", seed, hashlib.sha512).digest()
    key, chain_code = int.from_bytes(digest[:32], "big"), digest[32:]
    for index in path:
        if index & _HARD:
            data = b"\x00" + key.to_bytes(32, "big") + index.to_bytes(4, "big")
        else:
            data = _public_point(key, compressed=True) + index.to_bytes(4, "big")
        digest = hmac.new(chain_code, data, hashlib.sha512).digest()
        key = (int.from_bytes(digest[:32], "big") + key) % _SECP256K1_N
        chain_code = digest[32:]
    return key.to_bytes(32, "big")


def _memory_db(kv: dict[bytes, bytes]) -> Any:
    from eth.db.atomic import AtomicDB
    from eth.db.backends.memory import MemoryDB

    return AtomicDB(MemoryDB(kv))


def _genesis_params(timestamp: int) -> dict[str, Any]:
    """eth-tester's post-merge genesis defaults (``get_default_genesis_params``), our time and gas."""
    from eth.constants import BLANK_ROOT_HASH

    return {
        "coinbase": b"\x00" * 20,
        "difficulty": 0,
        "extra_data": b"",
        "gas_limit": GAS_LIMIT,
        "mix_hash": b"\x00" * 32,
        "nonce": b"\x00" * 8,
        "receipt_root": BLANK_ROOT_HASH,
        "timestamp": timestamp,
        "transaction_root": BLANK_ROOT_HASH,
    }


def _use_fast_ecc() -> None:
    """Point eth-keys at the OpenSSL-backed backend unless coincurve (faster still) is present.

    eth-keys picks its backend from ``ECC_BACKEND_CLASS`` on every use; the setting is
    process-wide, which is what a chain server wants, and the backend gives identical results.
    """
    from eth_keys.backends.coincurve import is_coincurve_available

    if not is_coincurve_available():
        os.environ.setdefault("ECC_BACKEND_CLASS", "didkit_py.registry._fastecc.FastECCBackend")


def _revert_error(exc: Exception) -> RpcError:
    data = exc.args[0] if exc.args and isinstance(exc.args[0], bytes) else b""
    reason = ""
    if data[:4] == bytes.fromhex("08c379a0"):
        with contextlib.suppress(Exception):
            from eth_abi.abi import decode

            reason = str(decode(["string"], data[4:])[0])
    message = f"execution reverted: {reason}" if reason else "execution reverted"
    return RpcError(3, message, _hexb(data))


def _short(text: str) -> str:
    first = text.strip().splitlines()[0] if text.strip() else "transaction rejected"
    return first[:200]


def _dump(obj: Any) -> bytes:
    return json.dumps(obj, separators=(",", ":")).encode()


def _rlp_sender_nonce(sender: bytes, nonce: int) -> bytes:
    import rlp

    return bytes(rlp.encode([sender, nonce]))


def _atomic_write(path: Path, data: bytes) -> None:
    tmp = path.with_name(path.name + ".tmp")
    try:
        with tmp.open("wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        tmp.replace(path)
    except OSError as exc:
        raise StorageError(f"cannot write {path.name}: {exc.strerror}", code="chain.storage") from exc


# ---------------------------------------------------------------------- HTTP server


class _Handler(BaseHTTPRequestHandler):
    server_version = "didkit-devchain"
    protocol_version = "HTTP/1.1"
    # Headers and body go out in separate writes: without this, Nagle + delayed ACK add ~40 ms.
    disable_nagle_algorithm = True
    chain: DevChain  # set on the subclass made per server

    def log_message(self, format: str, *args: Any) -> None:
        log.debug("rpc %s", format % args)

    def _send(self, status: int, body: bytes, content_type: str = "application/json") -> None:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)

    def do_GET(self) -> None:
        self._send(405, b'{"error":"POST JSON-RPC requests"}')

    def do_POST(self) -> None:
        try:
            length = int(self.headers.get("Content-Length", "0"))
        except ValueError:
            length = -1
        if length < 0 or length > MAX_BODY_BYTES:
            self._send(413, b'{"error":"request body too large"}')
            self.close_connection = True
            return
        body = self.rfile.read(length)
        answer = self.chain.handle(body)
        if answer is None:
            self._send(204, b"")
        else:
            self._send(200, answer)


@dataclass
class RunningServer:
    """A dev chain served over HTTP in a background thread; ``stop()`` shuts it down."""

    chain: DevChain
    url: str
    port: int
    _server: ThreadingHTTPServer
    _thread: threading.Thread

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(timeout=5)
        self.chain.close()


def serve_in_thread(chain: DevChain, *, host: str = "127.0.0.1", port: int = 0) -> RunningServer:
    """Serve ``chain`` on ``host:port`` (port 0 picks a free one). Loopback only."""
    if host not in ("127.0.0.1", "localhost", "::1"):
        raise InvalidInput("the dev chain serves on loopback only", code="chain.host")
    handler = type("DevChainHandler", (_Handler,), {"chain": chain})
    ThreadingHTTPServer.daemon_threads = True
    try:
        server = ThreadingHTTPServer((host, port), handler)
    except OSError as exc:
        raise StorageError(f"cannot listen on {host}:{port}: {exc.strerror}", code="chain.listen") from exc
    real_port = int(server.server_address[1])
    thread = threading.Thread(target=server.serve_forever, name="didkit-devchain", daemon=True)
    thread.start()
    return RunningServer(chain, f"http://{host}:{real_port}", real_port, server, thread)
