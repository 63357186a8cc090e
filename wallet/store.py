"""The encrypted wallet store: one SQLite file, every record sealed with AES-256-GCM.

Layout (``format`` = ``didkit-wallet/1``)::

    meta(key TEXT PRIMARY KEY, value BLOB)      format, kdf (argon2id params + salt), dek (sealed)
    records(id TEXT PRIMARY KEY, kind TEXT, blob BLOB)   blob = AES-GCM(DEK, JSON, aad=format|kind|id)

Only the record kind and a random id are in clear. The data key (DEK) is random and sealed under
the passphrase key (KEK, argon2id). Every change runs inside one SQLite transaction with
``synchronous=FULL`` and a rollback journal, so a process killed at any point leaves either the
old or the new state; new stores and restores are built beside the target and moved in with
``os.replace``. ``secure_delete`` zeroes freed pages so deleted records do not linger.
"""

from __future__ import annotations

import contextlib
import json
import os
import sqlite3
import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from didkit_py.errors import InvalidInput, NotFound, StorageError, VerificationError

from .crypto import KEY_BYTES, KdfParams, derive_key, open_sealed, seal

__all__ = ["BACKUP_MAGIC", "FORMAT", "KIND_NAMES", "Record", "WalletStore"]

FORMAT = "didkit-wallet/1"
BACKUP_MAGIC = b"DIDKIT-WALLET-BACKUP/1\n"
#: Record kinds: credentials, holder identities (keys), presentation history, settings, and
#: deferred OpenID4VCI issuances waiting for the issuer (``pending``).
KIND_NAMES = ("credential", "identity", "history", "setting", "pending")
MAX_BACKUP_BYTES = 256 * 1024 * 1024
_SCHEMA = (
    "CREATE TABLE meta(key TEXT PRIMARY KEY, value BLOB NOT NULL)",
    "CREATE TABLE records(id TEXT PRIMARY KEY, kind TEXT NOT NULL, blob BLOB NOT NULL)",
    "CREATE INDEX records_kind ON records(kind)",
)


@dataclass(frozen=True, slots=True)
class Record:
    """One decrypted record."""

    id: str
    kind: str
    data: dict[str, Any] = field(repr=False)


def _aad(kind: str, rid: str) -> bytes:
    return f"{FORMAT}|record|{kind}|{rid}".encode()


_DEK_AAD = f"{FORMAT}|dek".encode()


def _connect(path: Path) -> sqlite3.Connection:
    try:
        conn = sqlite3.connect(str(path), isolation_level=None, timeout=15.0)
        conn.execute("PRAGMA synchronous=FULL")
        conn.execute("PRAGMA secure_delete=ON")
        conn.execute("PRAGMA foreign_keys=ON")
    except sqlite3.Error as exc:
        raise StorageError(f"cannot open the wallet store: {exc}", code="wallet.sqlite") from None
    return conn


def _fsync_dir(path: Path) -> None:
    with contextlib.suppress(OSError):
        fd = os.open(str(path), os.O_RDONLY)
        try:
            os.fsync(fd)
        finally:
            os.close(fd)


class WalletStore:
    """An open (unlocked) wallet. Build with :meth:`create` or :meth:`open`; close when done."""

    def __init__(self, path: Path, conn: sqlite3.Connection, dek: bytes) -> None:
        self.path = path
        self._conn = conn
        self._dek = dek
        self._depth = 0

    # -- lifecycle ----------------------------------------------------------------------------
    @classmethod
    def create(
        cls,
        path: Path,
        passphrase: str,
        *,
        kdf: KdfParams,
        records: list[Record] | None = None,
        replace: bool = False,
    ) -> WalletStore:
        """A new store at ``path`` (built beside it, then moved in atomically)."""
        if path.exists() and not replace:
            raise StorageError(f"a wallet already exists at {path}", code="wallet.exists")
        path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
        tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
        kek = derive_key(passphrase, kdf)
        dek = os.urandom(KEY_BYTES)
        try:
            fd = os.open(str(tmp), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
            os.close(fd)
            conn = _connect(tmp)
            try:
                conn.execute("BEGIN IMMEDIATE")
                for stmt in _SCHEMA:
                    conn.execute(stmt)
                conn.execute("INSERT INTO meta VALUES ('format', ?)", (FORMAT.encode(),))
                conn.execute("INSERT INTO meta VALUES ('kdf', ?)", (json.dumps(kdf.to_json()).encode(),))
                conn.execute("INSERT INTO meta VALUES ('dek', ?)", (seal(kek, dek, _DEK_AAD),))
                for rec in records or []:
                    conn.execute(
                        "INSERT INTO records VALUES (?, ?, ?)",
                        (rec.id, rec.kind, seal(dek, _dumps(rec.data), _aad(rec.kind, rec.id))),
                    )
                conn.execute("COMMIT")
            finally:
                conn.close()
            with open(tmp, "rb") as fh:
                os.fsync(fh.fileno())
            os.replace(tmp, path)
            _fsync_dir(path.parent)
        except sqlite3.Error as exc:
            raise StorageError(f"cannot create the wallet store: {exc}", code="wallet.sqlite") from None
        except OSError as exc:
            raise StorageError(f"cannot create the wallet store: {exc.strerror}", code="wallet.io") from None
        finally:
            with contextlib.suppress(OSError):
                tmp.unlink()
        return cls(path, _connect(path), dek)

    @classmethod
    def open(cls, path: Path, passphrase: str) -> WalletStore:
        """Unlock the store. A wrong passphrase raises before anything is written."""
        if not path.is_file():
            raise NotFound(f"no wallet at {path} (create one with `wallet init`)", code="wallet.missing")
        conn = _connect(path)
        try:
            meta = dict(conn.execute("SELECT key, value FROM meta").fetchall())
        except sqlite3.Error as exc:
            conn.close()
            raise StorageError(f"the wallet store cannot be read: {exc}", code="wallet.sqlite") from None
        try:
            if meta.get("format") != FORMAT.encode():
                raise StorageError("not a didkit wallet store (or a newer format)", code="wallet.format")
            try:
                kdf = KdfParams.from_json(json.loads(meta["kdf"]))
            except (KeyError, ValueError):
                raise StorageError("the wallet's key parameters are damaged", code="wallet.format") from None
            kek = derive_key(passphrase, kdf)
            try:
                dek = open_sealed(kek, meta.get("dek", b""), _DEK_AAD, what="data key")
            except VerificationError:
                raise VerificationError(
                    "wrong passphrase (the wallet was not changed)", code="wallet.passphrase"
                ) from None
        except BaseException:
            conn.close()
            raise
        return cls(path, conn, dek)

    def close(self) -> None:
        self._conn.close()

    def __enter__(self) -> WalletStore:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # -- transactions -------------------------------------------------------------------------
    @contextlib.contextmanager
    def transaction(self) -> Iterator[None]:
        """Group changes: all of them are stored, or (on error or kill) none."""
        if self._depth:
            self._depth += 1
            try:
                yield
            finally:
                self._depth -= 1
            return
        try:
            self._conn.execute("BEGIN IMMEDIATE")
        except sqlite3.Error as exc:
            raise StorageError(f"the wallet is busy or unwritable: {exc}", code="wallet.sqlite") from None
        self._depth = 1
        try:
            yield
        except BaseException:
            self._conn.execute("ROLLBACK")
            raise
        else:
            try:
                self._conn.execute("COMMIT")
            except sqlite3.Error as exc:
                self._conn.execute("ROLLBACK")
                raise StorageError(f"cannot write the wallet: {exc}", code="wallet.sqlite") from None
        finally:
            self._depth = 0

    # -- records ------------------------------------------------------------------------------
    def put(self, kind: str, data: dict[str, Any], *, id: str | None = None) -> str:
        """Insert or replace one record; returns its id."""
        if kind not in KIND_NAMES:
            raise InvalidInput(f"unknown record kind {kind!r}", code="wallet.kind")
        rid = id or uuid.uuid4().hex
        blob = seal(self._dek, _dumps(data), _aad(kind, rid))
        with self.transaction():
            self._conn.execute("INSERT OR REPLACE INTO records VALUES (?, ?, ?)", (rid, kind, blob))
        return rid

    def records(self, kind: str) -> list[Record]:
        rows = self._conn.execute("SELECT id, kind, blob FROM records WHERE kind = ?", (kind,)).fetchall()
        return [self._decrypt(r) for r in rows]

    def all_records(self) -> list[Record]:
        rows = self._conn.execute("SELECT id, kind, blob FROM records ORDER BY rowid").fetchall()
        return [self._decrypt(r) for r in rows]

    def get(self, ref: str, kind: str) -> Record:
        """A record by id or unique id prefix (at least 4 characters)."""
        if not isinstance(ref, str) or len(ref) < 4 or not all(c in "0123456789abcdef" for c in ref):
            raise InvalidInput("give at least 4 hex characters of the id", code="wallet.id")
        rows = self._conn.execute(
            "SELECT id, kind, blob FROM records WHERE kind = ? AND id >= ? AND id < ?",
            (kind, ref, ref + "g"),
        ).fetchall()
        if not rows:
            raise NotFound(f"no {kind} with id {ref}", code="wallet.not_found")
        if len(rows) > 1:
            raise InvalidInput(f"id prefix {ref} is ambiguous; give more characters", code="wallet.id")
        return self._decrypt(rows[0])

    def delete(self, rid: str) -> None:
        with self.transaction():
            cur = self._conn.execute("DELETE FROM records WHERE id = ?", (rid,))
            if cur.rowcount != 1:
                raise NotFound(f"no record with id {rid}", code="wallet.not_found")

    def delete_kind(self, kind: str) -> int:
        with self.transaction():
            return self._conn.execute("DELETE FROM records WHERE kind = ?", (kind,)).rowcount

    def _decrypt(self, row: tuple[str, str, bytes]) -> Record:
        rid, kind, blob = row
        data = json.loads(open_sealed(self._dek, blob, _aad(kind, rid), what=f"record {rid}"))
        return Record(rid, kind, data)

    # -- passphrase, backup, restore ----------------------------------------------------------
    def change_passphrase(self, new_passphrase: str, *, kdf: KdfParams) -> None:
        """Re-encrypt everything under a new data key sealed by the new passphrase, in one transaction."""
        kek = derive_key(new_passphrase, kdf)
        dek = os.urandom(KEY_BYTES)
        with self.transaction():
            rows = self._conn.execute("SELECT id, kind, blob FROM records").fetchall()
            for row in rows:
                rec = self._decrypt(row)
                self._conn.execute(
                    "UPDATE records SET blob = ? WHERE id = ?",
                    (seal(dek, _dumps(rec.data), _aad(rec.kind, rec.id)), rec.id),
                )
            self._conn.execute(
                "UPDATE meta SET value = ? WHERE key = 'kdf'", (json.dumps(kdf.to_json()).encode(),)
            )
            self._conn.execute("UPDATE meta SET value = ? WHERE key = 'dek'", (seal(kek, dek, _DEK_AAD),))
        self._dek = dek
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute("VACUUM")  # drop the old ciphertexts' pages too

    def backup_bytes(self, passphrase: str, *, kdf: KdfParams, now: datetime | None = None) -> bytes:
        """One self-contained encrypted file: magic, header line (KDF params), sealed JSON."""
        header = json.dumps({"format": FORMAT, "kdf": kdf.to_json()}, sort_keys=True).encode()
        body = {
            "created": (now or datetime.now(UTC)).isoformat(),
            "records": [{"id": r.id, "kind": r.kind, "data": r.data} for r in self.all_records()],
        }
        key = derive_key(passphrase, kdf)
        return BACKUP_MAGIC + header + b"\n" + seal(key, _dumps(body), BACKUP_MAGIC + header)

    @staticmethod
    def read_backup(data: bytes, passphrase: str) -> list[Record]:
        """Decrypt a backup; a wrong passphrase or any changed byte is refused."""
        if len(data) > MAX_BACKUP_BYTES:
            raise InvalidInput("backup file is too large", code="wallet.backup")
        if not data.startswith(BACKUP_MAGIC) or b"\n" not in data[len(BACKUP_MAGIC) :]:
            raise InvalidInput("not a didkit wallet backup", code="wallet.backup")
        header, _, sealed = data[len(BACKUP_MAGIC) :].partition(b"\n")
        try:
            head = json.loads(header)
        except ValueError:
            raise InvalidInput("backup header is damaged", code="wallet.backup") from None
        if not isinstance(head, dict) or head.get("format") != FORMAT:
            raise InvalidInput("unsupported backup format", code="wallet.backup")
        key = derive_key(passphrase, KdfParams.from_json(head.get("kdf")))
        try:
            plain = open_sealed(key, sealed, BACKUP_MAGIC + header, what="backup")
        except VerificationError:
            raise VerificationError(
                "wrong passphrase for this backup, or the file was altered", code="wallet.passphrase"
            ) from None
        body = json.loads(plain)
        out: list[Record] = []
        for i, item in enumerate(body.get("records", [])):
            if (
                not isinstance(item, dict)
                or not isinstance(item.get("id"), str)
                or item.get("kind") not in KIND_NAMES
                or not isinstance(item.get("data"), dict)
            ):
                raise InvalidInput("backup record is malformed", code="wallet.backup", at=f"/records/{i}")
            out.append(Record(item["id"], item["kind"], item["data"]))
        return out


def _dumps(data: Any) -> bytes:
    return json.dumps(data, separators=(",", ":"), ensure_ascii=False, sort_keys=True).encode("utf-8")


def write_atomic(path: Path, data: bytes) -> None:
    """Write ``path`` so that a reader sees the old file or the whole new one (mode 0600)."""
    tmp = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex[:8]}.tmp")
    try:
        fd = os.open(str(tmp), os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600)
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
        _fsync_dir(path.parent)
    except OSError as exc:
        raise StorageError(f"cannot write {path}: {exc.strerror}", code="io.write") from None
    finally:
        with contextlib.suppress(OSError):
            tmp.unlink()
