"""The verifier service's state in SQL (SQLAlchemy 2; SQLite in the data directory by default).

Three things outlive a request: OpenID4VP *transactions* (the request we published and, once the
wallet answered, the result), *nonces* (issued challenges and those already used — the
:class:`~verifier.nonces.NonceStore` protocol, with atomic single use across workers), and the
*history* the service's own risk signals read (digests of presentations and of credential
identifiers with the time seen; never the presentations themselves).

Every state change is one SQL statement guarded by its precondition (``UPDATE … WHERE status =
'pending'``), so two workers answering the same transaction cannot both win.
"""

from __future__ import annotations

import asyncio
import json
import os
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from sqlalchemy import (
    Column,
    Float,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    create_engine,
    delete,
    event,
    func,
    insert,
    select,
    update,
)
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError, SQLAlchemyError

from didkit_py._encoding import b64url_encode
from didkit_py.errors import StorageError

__all__ = ["SqlNonceStore", "Storage", "TransactionRow"]

metadata = MetaData()

transactions = Table(
    "verifier_transactions",
    metadata,
    Column("id", String(64), primary_key=True),
    Column("rp_id", String(64), nullable=False),
    Column("state", String(64), nullable=False, unique=True),
    Column("nonce", String(64), nullable=False),
    Column("created_at", Float, nullable=False),
    Column("expires_at", Float, nullable=False),
    #: pending → processing → completed | failed; pending → expired (read-time)
    Column("status", String(16), nullable=False),
    Column("request", Text, nullable=False),
    Column("request_object", Text, nullable=False),
    Column("result", Text, nullable=True),
    Column("completed_at", Float, nullable=True),
)

nonces = Table(
    "verifier_nonces",
    metadata,
    Column("nonce", String(128), primary_key=True),
    Column("issued_until", Float, nullable=True),
    Column("used_until", Float, nullable=True),
)

seen_presentations = Table(
    "verifier_seen_presentations",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False),
    Column("transaction_id", String(64), nullable=True),
    Column("at", Float, nullable=False),
    Index("ix_seen_presentations_digest", "digest"),
)

seen_credentials = Table(
    "verifier_seen_credentials",
    metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("digest", String(64), nullable=False),
    Column("transaction_id", String(64), nullable=True),
    Column("at", Float, nullable=False),
    Index("ix_seen_credentials_digest_at", "digest", "at"),
)


@dataclass(frozen=True, slots=True)
class TransactionRow:
    id: str
    rp_id: str
    state: str
    nonce: str
    created_at: float
    expires_at: float
    status: str
    request: dict[str, Any]
    request_object: str
    result: dict[str, Any] | None
    completed_at: float | None


def _row(r: Any) -> TransactionRow:
    return TransactionRow(
        id=r.id,
        rp_id=r.rp_id,
        state=r.state,
        nonce=r.nonce,
        created_at=r.created_at,
        expires_at=r.expires_at,
        status=r.status,
        request=json.loads(r.request),
        request_object=r.request_object,
        result=json.loads(r.result) if r.result is not None else None,
        completed_at=r.completed_at,
    )


class Storage:
    """Synchronous SQL access; the async app calls it through :meth:`run` (a worker thread)."""

    def __init__(self, url: str, *, clock: Callable[[], float] = time.time) -> None:
        self._clock = clock
        kwargs: dict[str, Any] = {}
        if url.startswith("sqlite"):
            kwargs["connect_args"] = {"check_same_thread": False, "timeout": 30}
            path = url.split("///", 1)[1] if "///" in url else ""
            if path and path != ":memory:":
                os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
        try:
            self.engine: Engine = create_engine(url, **kwargs)
            if url.startswith("sqlite"):
                event.listen(self.engine, "connect", _sqlite_pragmas)
            metadata.create_all(self.engine)
        except SQLAlchemyError as exc:
            raise StorageError(
                f"cannot open the verifier database: {exc.__class__.__name__}", code="storage.open"
            ) from exc

    def close(self) -> None:
        self.engine.dispose()

    async def run(self, fn: Callable[..., Any], *args: Any) -> Any:
        try:
            return await asyncio.to_thread(fn, *args)
        except SQLAlchemyError as exc:
            raise StorageError(
                f"verifier database error: {exc.__class__.__name__}", code="storage.sql"
            ) from exc

    # -- transactions -------------------------------------------------------------------------

    def create_transaction(
        self,
        *,
        id: str,
        rp_id: str,
        state: str,
        nonce: str,
        ttl: float,
        request: dict[str, Any],
        request_object: str,
    ) -> None:
        now = self._clock()
        with self.engine.begin() as conn:
            conn.execute(
                insert(transactions).values(
                    id=id,
                    rp_id=rp_id,
                    state=state,
                    nonce=nonce,
                    created_at=now,
                    expires_at=now + ttl,
                    status="pending",
                    request=json.dumps(request),
                    request_object=request_object,
                )
            )

    def get_transaction(self, id: str) -> TransactionRow | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(transactions).where(transactions.c.id == id)).first()
        return _row(r) if r is not None else None

    def transaction_by_state(self, state: str) -> TransactionRow | None:
        with self.engine.connect() as conn:
            r = conn.execute(select(transactions).where(transactions.c.state == state)).first()
        return _row(r) if r is not None else None

    def claim_transaction(self, id: str) -> bool:
        """pending → processing, once, while unexpired. False when answered, expired or unknown."""
        now = self._clock()
        with self.engine.begin() as conn:
            res = conn.execute(
                update(transactions)
                .where(
                    transactions.c.id == id,
                    transactions.c.status == "pending",
                    transactions.c.expires_at > now,
                )
                .values(status="processing")
            )
        return bool(res.rowcount == 1)

    def finish_transaction(self, id: str, status: str, result: dict[str, Any]) -> None:
        with self.engine.begin() as conn:
            conn.execute(
                update(transactions)
                .where(transactions.c.id == id, transactions.c.status == "processing")
                .values(status=status, result=json.dumps(result), completed_at=self._clock())
            )

    # -- nonces ---------------------------------------------------------------------------------

    def issue_nonce(self, ttl: float) -> str:
        nonce = b64url_encode(os.urandom(24))
        with self.engine.begin() as conn:
            conn.execute(insert(nonces).values(nonce=nonce, issued_until=self._clock() + ttl))
        return nonce

    def consume_nonce(self, nonce: str, ttl: float, require_issued: bool) -> bool:
        if not nonce or len(nonce) > 128:
            return False
        now = self._clock()
        with self.engine.begin() as conn:
            res = conn.execute(
                update(nonces)
                .where(nonces.c.nonce == nonce, nonces.c.used_until.is_(None), nonces.c.issued_until > now)
                .values(used_until=now + ttl)
            )
            if res.rowcount == 1:
                return True
            if require_issued:
                return False
            # A challenge we did not issue (VC-API callers choose their own): remember it as used.
            # An expired entry may be replaced; a used, unexpired one stays and the replay fails.
            conn.execute(
                delete(nonces).where(
                    nonces.c.nonce == nonce,
                    (nonces.c.used_until <= now) | (nonces.c.used_until.is_(None)),
                )
            )
        try:
            with self.engine.begin() as conn:
                conn.execute(insert(nonces).values(nonce=nonce, issued_until=None, used_until=now + ttl))
        except IntegrityError:
            return False
        return True

    def sweep(self, retention: float | None = None) -> None:
        """Forget expired nonces (used ones only after their replay window) and, with
        ``retention`` (seconds), transactions and history older than that."""
        now = self._clock()
        with self.engine.begin() as conn:
            if retention is not None:
                cutoff = now - retention
                conn.execute(delete(transactions).where(transactions.c.created_at < cutoff))
                conn.execute(delete(seen_presentations).where(seen_presentations.c.at < cutoff))
                conn.execute(delete(seen_credentials).where(seen_credentials.c.at < cutoff))
            conn.execute(
                delete(nonces).where(
                    ((nonces.c.used_until.is_(None)) & (nonces.c.issued_until <= now))
                    | (nonces.c.used_until <= now)
                )
            )

    # -- history (risk signals) ---------------------------------------------------------------

    def record_presentation(self, digest: str, transaction_id: str | None) -> list[str]:
        """Remember a presentation digest; return the transactions it was seen in before."""
        now = self._clock()
        with self.engine.begin() as conn:
            before = conn.execute(
                select(seen_presentations.c.transaction_id).where(seen_presentations.c.digest == digest)
            ).all()
            conn.execute(
                insert(seen_presentations).values(digest=digest, transaction_id=transaction_id, at=now)
            )
        return [r.transaction_id or "" for r in before]

    def record_credential(self, digest: str, transaction_id: str | None, window: float) -> int:
        """Remember a credential digest; return how often it was seen within ``window`` (incl. now)."""
        now = self._clock()
        with self.engine.begin() as conn:
            conn.execute(
                insert(seen_credentials).values(digest=digest, transaction_id=transaction_id, at=now)
            )
            count = conn.execute(
                select(func.count())
                .select_from(seen_credentials)
                .where(seen_credentials.c.digest == digest, seen_credentials.c.at > now - window)
            ).scalar_one()
        return int(count)


def _sqlite_pragmas(dbapi_conn: Any, _record: Any) -> None:
    cur = dbapi_conn.cursor()
    cur.execute("PRAGMA journal_mode=WAL")
    cur.execute("PRAGMA synchronous=NORMAL")
    cur.close()


class SqlNonceStore:
    """:class:`~verifier.nonces.NonceStore` over :class:`Storage`, shared by every worker.

    The OpenID4VP endpoint consumes a transaction's nonce itself (one response per request) and
    then verifies each presentation in that response; :meth:`allow` marks the nonce as already
    claimed for the duration of that verification, so the verifier's own single-use check
    accepts it for every presentation of *this* response and for no other.
    """

    def __init__(self, storage: Storage) -> None:
        self._storage = storage
        self._claimed: dict[int, set[str]] = {}

    async def issue(self, ttl: float) -> str:
        return str(await self._storage.run(self._storage.issue_nonce, ttl))

    async def consume(self, nonce: str, *, ttl: float, require_issued: bool) -> bool:
        task = asyncio.current_task()
        if task is not None and nonce in self._claimed.get(id(task), ()):
            return True
        return bool(await self._storage.run(self._storage.consume_nonce, nonce, ttl, require_issued))

    def allow(self, nonce: str) -> _Allowance:
        return _Allowance(self._claimed, nonce)


class _Allowance:
    def __init__(self, claimed: dict[int, set[str]], nonce: str) -> None:
        self._claimed = claimed
        self._nonce = nonce
        self._key = 0

    def __enter__(self) -> None:
        task = asyncio.current_task()
        if task is None:
            raise RuntimeError("allow() must be used inside a task")
        self._key = id(task)
        self._claimed.setdefault(self._key, set()).add(self._nonce)

    def __exit__(self, *exc: object) -> None:
        entry = self._claimed.get(self._key)
        if entry is not None:
            entry.discard(self._nonce)
            if not entry:
                del self._claimed[self._key]
