"""Persistence: SQLAlchemy 2 models, engine set-up and Alembic migrations.

SQLite (the default) and PostgreSQL run the same code. On SQLite every transaction starts with
``BEGIN IMMEDIATE`` so concurrent writers queue on the busy timeout instead of failing with a
lock upgrade deadlock; on PostgreSQL the rows that serialise writers (the tenant row for the
audit chain) are taken ``FOR UPDATE``.
"""

from __future__ import annotations

import contextlib
import threading
from collections.abc import Iterator
from datetime import UTC, datetime
from typing import Any

from sqlalchemy import (
    JSON,
    BigInteger,
    Boolean,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Text,
    TypeDecorator,
    UniqueConstraint,
    create_engine,
    event,
    text,
)
from sqlalchemy.engine import Connection, Engine
from sqlalchemy.orm import DeclarativeBase, Mapped, Session, mapped_column, sessionmaker

__all__ = [
    "ApiKey",
    "AuditEvent",
    "Base",
    "DeferredRequest",
    "IssuedCredential",
    "IssuerDid",
    "IssuerKey",
    "Nonce",
    "Notification",
    "Offer",
    "Sessions",
    "StatusEntry",
    "StatusList",
    "Template",
    "Tenant",
    "make_engine",
    "make_sessionmaker",
    "migrate",
]


class UtcDateTime(TypeDecorator[datetime]):
    """Timezone-aware UTC datetimes on every backend (SQLite drops the zone)."""

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("naive datetime")
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Any) -> datetime | None:
        if value is None:
            return None
        return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


class Base(DeclarativeBase):
    pass


class Tenant(Base):
    __tablename__ = "tenants"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    slug: Mapped[str] = mapped_column(String(64), unique=True)
    name: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    audit_seq: Mapped[int] = mapped_column(BigInteger, default=0)
    audit_head: Mapped[str] = mapped_column(String(64))


class ApiKey(Base):
    __tablename__ = "api_keys"
    id: Mapped[str] = mapped_column(String(32), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(200))
    hash: Mapped[str] = mapped_column(String(200))
    scopes: Mapped[str] = mapped_column(String(200))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class IssuerDid(Base):
    __tablename__ = "issuer_dids"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    did: Mapped[str] = mapped_column(String(2000))
    method: Mapped[str] = mapped_column(String(16))
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IssuerKey(Base):
    __tablename__ = "issuer_keys"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    did_id: Mapped[str] = mapped_column(ForeignKey("issuer_dids.id"), index=True)
    verification_method: Mapped[str] = mapped_column(String(2100))
    key_type: Mapped[str] = mapped_column(String(32))
    public_key: Mapped[bytes] = mapped_column(LargeBinary)
    #: AES-256-GCM(KEK, secret key): 12-byte nonce || ciphertext || tag; AAD = key id.
    secret_enc: Mapped[bytes] = mapped_column(LargeBinary)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    revoked_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)


class Template(Base):
    __tablename__ = "templates"
    __table_args__ = (UniqueConstraint("tenant_id", "name"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    name: Mapped[str] = mapped_column(String(100))
    did_id: Mapped[str] = mapped_column(ForeignKey("issuer_dids.id"))
    format: Mapped[str] = mapped_column(String(32))
    body: Mapped[dict[str, Any]] = mapped_column(JSON)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class IssuedCredential(Base):
    __tablename__ = "credentials"
    __table_args__ = (UniqueConstraint("tenant_id", "idempotency_key"),)
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    template_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    format: Mapped[str] = mapped_column(String(32))
    #: The credential's own ``id`` (``urn:uuid:<id>`` unless the request set one).
    uri: Mapped[str] = mapped_column(String(1000), index=True)
    digest: Mapped[str] = mapped_column(String(64))
    idempotency_key: Mapped[str | None] = mapped_column(String(200), nullable=True)
    request_digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    credential: Mapped[str] = mapped_column(Text)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class StatusList(Base):
    __tablename__ = "status_lists"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    did_id: Mapped[str] = mapped_column(ForeignKey("issuer_dids.id"))
    purpose: Mapped[str] = mapped_column(String(32))
    length: Mapped[int] = mapped_column(Integer)
    full: Mapped[bool] = mapped_column(Boolean, default=False)
    version: Mapped[int] = mapped_column(BigInteger, default=0)
    signed_version: Mapped[int] = mapped_column(BigInteger, default=-1)
    signed: Mapped[str | None] = mapped_column(Text, nullable=True)
    updated_at: Mapped[datetime] = mapped_column(UtcDateTime())
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class StatusEntry(Base):
    __tablename__ = "status_entries"
    list_id: Mapped[str] = mapped_column(ForeignKey("status_lists.id"), primary_key=True)
    idx: Mapped[int] = mapped_column(Integer, primary_key=True)
    credential_id: Mapped[str] = mapped_column(String(36), index=True)
    value: Mapped[int] = mapped_column(Integer, default=0)


class Offer(Base):
    __tablename__ = "offers"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id"))
    #: SHA-256 of the pre-authorized code and of the tx_code (never stored in clear).
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    #: The code itself under the KEK (AAD = offer id), for offers fetched by reference.
    code_enc: Mapped[bytes] = mapped_column(LargeBinary)
    tx_code_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    tx_code_length: Mapped[int | None] = mapped_column(Integer, nullable=True)
    failed_attempts: Mapped[int] = mapped_column(Integer, default=0)
    claims: Mapped[dict[str, Any]] = mapped_column(JSON)
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True, nullable=True)
    token_expires_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())
    redeemed_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    issued_count: Mapped[int] = mapped_column(Integer, default=0)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Nonce(Base):
    __tablename__ = "nonces"
    value_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class DeferredRequest(Base):
    """An OpenID4VCI Credential Request waiting for an operator's decision (deferred issuance).

    ``status``: ``pending`` → ``approving`` (issuance under way) → ``approved`` → ``delivered``
    (fetched once at the Deferred Credential Endpoint), or ``pending`` → ``rejected``.
    """

    __tablename__ = "deferred_requests"
    id: Mapped[str] = mapped_column(String(36), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.id"), index=True)
    template_id: Mapped[str] = mapped_column(ForeignKey("templates.id"))
    #: SHA-256 of the ``transaction_id`` (never stored in clear).
    transaction_hash: Mapped[str] = mapped_column(String(64), unique=True)
    status: Mapped[str] = mapped_column(String(16))
    #: The proof-bound holder keys, one per requested credential: key type, public key, kid, jwk.
    holders: Mapped[list[dict[str, Any]]] = mapped_column(JSON)
    #: After approval: ``[[credential id, digest], ...]`` of the issued credentials.
    credentials: Mapped[list[list[str]] | None] = mapped_column(JSON, nullable=True)
    decided_by: Mapped[str | None] = mapped_column(String(64), nullable=True)
    decided_at: Mapped[datetime | None] = mapped_column(UtcDateTime(), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime())


class Notification(Base):
    """One OpenID4VCI ``notification_id`` (stored hashed): the credentials of one response."""

    __tablename__ = "notifications"
    id_hash: Mapped[str] = mapped_column(String(64), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    offer_id: Mapped[str] = mapped_column(ForeignKey("offers.id"), index=True)
    #: ``[[credential id or null, digest], ...]``: what an event refers to in the audit log.
    credentials: Mapped[list[list[str | None]]] = mapped_column(JSON)
    #: The events already recorded, one letter each (``a``ccepted, ``f``ailure, ``d``eleted).
    last_event: Mapped[str | None] = mapped_column(String(32), nullable=True)
    created_at: Mapped[datetime] = mapped_column(UtcDateTime())
    expires_at: Mapped[datetime] = mapped_column(UtcDateTime(), index=True)


class AuditEvent(Base):
    """One audit event. Written unsealed (``seq``, ``prev_hash`` and ``hash`` NULL) in the
    transaction of what it records; sealing chains it onto its tenant's log (see
    ``IssuerService.seal_audit``)."""

    __tablename__ = "audit_events"
    __table_args__ = (
        UniqueConstraint("tenant_id", "seq"),
        # The sealer's work queue: only the few unsealed rows are in it.
        Index(
            "ix_audit_events_unsealed",
            "tenant_id",
            "id",
            postgresql_where=text("seq IS NULL"),
            sqlite_where=text("seq IS NULL"),
        ),
    )
    id: Mapped[int] = mapped_column(BigInteger().with_variant(Integer, "sqlite"), primary_key=True)
    tenant_id: Mapped[str] = mapped_column(ForeignKey("tenants.id"), index=True)
    seq: Mapped[int | None] = mapped_column(BigInteger, nullable=True)
    at: Mapped[datetime] = mapped_column(UtcDateTime())
    actor: Mapped[str] = mapped_column(String(64))
    action: Mapped[str] = mapped_column(String(32))
    template_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    credential_id: Mapped[str | None] = mapped_column(String(36), nullable=True)
    digest: Mapped[str | None] = mapped_column(String(64), nullable=True)
    details: Mapped[dict[str, Any]] = mapped_column(JSON)
    prev_hash: Mapped[str | None] = mapped_column(String(64), nullable=True)
    hash: Mapped[str | None] = mapped_column(String(64), nullable=True)


def make_engine(url: str, *, pool_size: int = 10) -> Engine:
    """An engine for ``url``; SQLite gets WAL, a busy timeout and ``BEGIN IMMEDIATE``."""
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": 30, "check_same_thread": False})

        @event.listens_for(engine, "connect")
        def _on_connect(dbapi_conn: Any, _record: Any) -> None:
            dbapi_conn.isolation_level = None  # we emit BEGIN ourselves
            cur = dbapi_conn.cursor()
            cur.execute("PRAGMA journal_mode=WAL")
            # WAL + NORMAL: a commit survives a crash of the process (kill -9); only a power loss
            # can drop the last transactions. Use PostgreSQL where that matters.
            cur.execute("PRAGMA synchronous=NORMAL")
            cur.execute("PRAGMA foreign_keys=ON")
            cur.execute("PRAGMA busy_timeout=30000")
            cur.close()

        @event.listens_for(engine, "begin")
        def _on_begin(conn: Any) -> None:
            conn.exec_driver_sql("BEGIN IMMEDIATE")

        return engine
    # No pre-ping (a round trip per checkout); a connection that died with the server is
    # invalidated by SQLAlchemy on its first error and the pool reconnects.
    return create_engine(url, pool_size=pool_size, max_overflow=pool_size, pool_recycle=1800)


class Sessions:
    """Read sessions and write transactions over one database.

    ``sessions()`` opens a session for reads; ``sessions.begin()`` a write transaction. On
    SQLite, reads use a second engine with plain (deferred) BEGIN, so in WAL mode they never
    wait for a writer, and writers of this process queue on a lock before ``BEGIN IMMEDIATE``
    instead of sleeping in SQLite's busy handler (which makes tail latency explode).
    """

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        #: As on a ``sessionmaker`` (callers written against one read ``kw["bind"]``).
        self.kw: dict[str, Any] = {"bind": engine}
        self._write = sessionmaker(engine, expire_on_commit=False)
        self._read_engine: Engine | None = None
        self._lock: threading.RLock | None = None
        if engine.dialect.name == "sqlite":
            self._read_engine = create_engine(
                engine.url, connect_args={"timeout": 30, "check_same_thread": False}
            )

            @event.listens_for(self._read_engine, "connect")
            def _on_connect(dbapi_conn: Any, _record: Any) -> None:
                cur = dbapi_conn.cursor()
                cur.execute("PRAGMA foreign_keys=ON")
                cur.execute("PRAGMA busy_timeout=30000")
                cur.close()

            self._lock = threading.RLock()
        self._read = sessionmaker(self._read_engine or engine, expire_on_commit=False)

    def __call__(self) -> Session:
        return self._read()

    def connect(self) -> Connection:
        """A plain connection for a read that needs no ORM objects (per-request hot paths)."""
        return (self._read_engine or self.engine).connect()

    @contextlib.contextmanager
    def begin(self) -> Iterator[Session]:
        if self._lock is None:
            with self._write.begin() as s:
                yield s
            return
        with self._lock, self._write.begin() as s:
            yield s

    def dispose(self) -> None:
        self.engine.dispose()
        if self._read_engine is not None:
            self._read_engine.dispose()


def make_sessionmaker(engine: Engine) -> Sessions:
    return Sessions(engine)


def migrate(engine: Engine, revision: str = "head") -> None:
    """Bring the schema to ``revision`` with Alembic (the migrations ship in the package)."""
    from alembic import command
    from alembic.config import Config

    cfg = Config()
    cfg.set_main_option("script_location", "issuer:migrations")
    with engine.begin() as conn:
        cfg.attributes["connection"] = conn
        command.upgrade(cfg, revision)
