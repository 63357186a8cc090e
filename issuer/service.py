"""The issuer's domain logic: tenants, API keys, DIDs, templates, issuance, status and audit.

HTTP and CLI front-ends call :class:`IssuerService`; it owns no global state (engine, KEK,
clock and randomness come in through the constructor). Every write that matters runs in one
database transaction together with its audit event, so a crash never leaves a credential
without its audit record or its status entry.
"""

from __future__ import annotations

import functools
import json
import logging
import re
import threading
import time
import uuid
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from types import SimpleNamespace
from typing import Any, Literal
from urllib.parse import quote

import jsonschema
from pydantic import BaseModel, ConfigDict, Field, ValidationError, field_validator
from sqlalchemy import bindparam, func, insert, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from didkit_py.credentials import FormatRegistry, Signer, default_registry, envelope
from didkit_py.credentials import issue as issue_credential
from didkit_py.errors import (
    DidkitError,
    InvalidInput,
    NotFound,
    ResolutionError,
    StorageError,
    UnsupportedError,
)
from didkit_py.keys import KeyPair, KeyType, generate_key, multikey_encode
from didkit_py.status import BitstringStatusListEntry
from didkit_py.status.bitstring import random_below

from .db import (
    ApiKey,
    AuditEvent,
    IssuedCredential,
    IssuerDid,
    IssuerKey,
    Sessions,
    StatusEntry,
    StatusList,
    Template,
    Tenant,
)
from .secrets_ import ApiKeyHasher, KeyWrapper, new_api_key, parse_api_key, sha256_hex

__all__ = [
    "FORMAT_KEY_TYPES",
    "SCOPES",
    "AuthError",
    "Conflict",
    "IssuerService",
    "Principal",
    "TemplateIn",
    "canonical_json",
]

log = logging.getLogger(__name__)

SCOPES = ("issue", "revoke", "admin")
ANCHOR_ATTRIBUTE = "did/svc/AuditAnchor"
#: The ``purpose`` of an IETF Token Status List (SD-JWT VC) in the status tables.
TSL_PURPOSE = "token-status-list"
#: Token Status List values (draft-ietf-oauth-status-list §7.1).
TSL_VALID, TSL_INVALID, TSL_SUSPENDED = 0, 1, 2
ANCHOR_PREFIX = "didkit-audit:v1:"
GENESIS = "0" * 64
SLUG_RE = re.compile(r"^[a-z0-9][a-z0-9-]{1,62}$")

#: Which key type signs each securing format (the first one a DID has wins).
FORMAT_KEY_TYPES: dict[str, tuple[KeyType, ...]] = {
    "vc+jwt": (KeyType.ED25519, KeyType.P256),
    "dc+sd-jwt": (KeyType.ED25519, KeyType.P256),
    "eddsa-rdfc-2022": (KeyType.ED25519,),
    "ecdsa-rdfc-2019": (KeyType.P256,),
    "bbs-2023": (KeyType.BLS12381G2,),
}
VC_V2 = "https://www.w3.org/ns/credentials/v2"
MULTIKEY_V1 = "https://w3id.org/security/multikey/v1"
DID_V1 = "https://www.w3.org/ns/did/v1"


class AuthError(DidkitError, PermissionError):
    """401 (``auth.unauthorized``) or 403 (``auth.forbidden``); messages never say why in detail."""


class Conflict(InvalidInput):
    """An idempotency key reused with a different request (409)."""


def canonical_json(value: Any) -> str:
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


@dataclass(frozen=True, slots=True)
class Principal:
    tenant_id: str
    tenant_slug: str
    key_id: str
    scopes: frozenset[str]


class TemplateIn(BaseModel):
    """A credential template: what the issuer fills in so callers send only the subject."""

    model_config = ConfigDict(extra="forbid")

    name: str = Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,99}$")
    format: Literal["vc+jwt", "dc+sd-jwt", "eddsa-rdfc-2022", "ecdsa-rdfc-2019", "bbs-2023"]
    did_id: str | None = None
    types: list[str] = Field(default_factory=list, max_length=16)
    contexts: list[str] = Field(default_factory=list, max_length=16)
    subject_schema: dict[str, Any] = Field(default_factory=lambda: {"type": "object"})
    validity_seconds: int | None = Field(default=None, ge=60, le=100 * 365 * 86400)
    status_purposes: list[Literal["revocation", "suspension"]] = Field(
        default_factory=lambda: list[Literal["revocation", "suspension"]](["revocation"]), max_length=2
    )
    mandatory_pointers: list[str] = Field(default_factory=list, max_length=64)
    disclosable: list[str] = Field(default_factory=list, max_length=64)
    vct: str | None = None
    #: ``manual``: OpenID4VCI requests wait for an operator (deferred issuance, ``/deferred``).
    approval: Literal["auto", "manual"] = "auto"

    @field_validator("subject_schema")
    @classmethod
    def _schema_ok(cls, value: dict[str, Any]) -> dict[str, Any]:
        try:
            jsonschema.Draft202012Validator.check_schema(value)
        except jsonschema.SchemaError as exc:
            raise ValueError(f"not a valid JSON Schema: {exc.message}") from None
        return value

    @field_validator("mandatory_pointers", "disclosable")
    @classmethod
    def _pointers_ok(cls, value: list[str]) -> list[str]:
        for p in value:
            if not p.startswith("/"):
                raise ValueError("JSON pointers start with '/'")
        return value


def _pydantic_to_invalid(exc: ValidationError, base: str = "") -> InvalidInput:
    err = exc.errors()[0]
    at = base + "".join(f"/{p}" for p in err["loc"])
    return InvalidInput(str(err["msg"]), code="request.invalid", at=at or "/")


class IssuerService:
    """All issuer operations over one database; safe to share between threads and workers."""

    def __init__(
        self,
        sessions: Sessions,
        *,
        wrapper: KeyWrapper,
        hasher: ApiKeyHasher,
        base_url: str,
        status_list_length: int = 131_072,
        formats: FormatRegistry | None = None,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
        chain: tuple[Any, KeyPair] | None = None,
        key_cache_seconds: float = 5.0,
        status_cache_seconds: int = 60,
        host_tenant: str | None = None,
    ) -> None:
        self.sessions = sessions
        self._wrapper = wrapper
        self._hasher = hasher
        self.base_url = base_url.rstrip("/")
        self.status_list_length = status_list_length
        self.formats = formats or default_registry()
        self.clock = clock
        #: ``(ChainConfig, relayer)`` for did:ethr; the relayer pays gas for meta-transactions.
        self.chain = chain
        self._chain_lock = threading.Lock()  # RegistryClient is not thread-safe (nonces)
        #: Decrypted signing keys and current status lists, per process, for ``key_cache_seconds``:
        #: a rotation made by another worker takes effect there within that time.
        self.key_cache_seconds = key_cache_seconds
        self.status_cache_seconds = status_cache_seconds
        #: The tenant whose did:web is the host's own (``did:web:<host>``, served at
        #: ``/.well-known/did.json``); other tenants' are ``did:web:<host>:<tenant>``.
        self.host_tenant = host_tenant
        self._keys: dict[tuple[str, str | None, str], tuple[float, _DidRef, Signer]] = {}
        self._lists: dict[tuple[str, str, str], tuple[str, int]] = {}

    # ---------------------------------------------------------------------------- tenants / keys

    def create_tenant(self, slug: str, name: str | None = None) -> Tenant:
        if not SLUG_RE.match(slug):
            raise InvalidInput(
                "tenant slug: 2-63 lowercase letters, digits and '-'", code="tenant.slug", at="/slug"
            )
        with self.sessions.begin() as s:
            if s.scalar(select(Tenant).where(Tenant.slug == slug)) is not None:
                raise Conflict(f"tenant {slug!r} exists", code="tenant.exists", at="/slug")
            t = Tenant(
                id=str(uuid.uuid4()),
                slug=slug,
                name=name or slug,
                created_at=self.clock(),
                audit_seq=0,
                audit_head=GENESIS,
            )
            s.add(t)
            s.flush()
            self._audit(s, t.id, "admin", "tenant.create", details={"slug": slug})
        return t

    def tenants(self) -> list[Tenant]:
        with self.sessions() as s:
            return list(s.scalars(select(Tenant).order_by(Tenant.slug)))

    def tenant_by_slug(self, s: Session, slug: str) -> Tenant:
        t = s.scalar(select(Tenant).where(Tenant.slug == slug))
        if t is None:
            raise NotFound("no such tenant", code="tenant.notFound")
        return t

    def create_api_key(
        self,
        tenant_slug: str,
        *,
        name: str,
        scopes: Iterable[str],
        expires_at: datetime | None = None,
        actor: str = "admin",
    ) -> tuple[ApiKey, str]:
        """A new key and its token; the token exists only in this return value."""
        scope_set = sorted(set(scopes))
        if not scope_set or any(sc not in SCOPES for sc in scope_set):
            raise InvalidInput(
                f"scopes must be among {', '.join(SCOPES)}", code="apikey.scopes", at="/scopes"
            )
        key_id, token = new_api_key()
        with self.sessions.begin() as s:
            t = self.tenant_by_slug(s, tenant_slug)
            row = ApiKey(
                id=key_id,
                tenant_id=t.id,
                name=name[:200],
                hash=self._hasher.hash(token),
                scopes=",".join(scope_set),
                created_at=self.clock(),
                expires_at=expires_at,
                revoked_at=None,
            )
            s.add(row)
            self._audit(s, t.id, actor, "apikey.create", details={"key_id": key_id, "scopes": scope_set})
        return row, token

    def api_keys(self, tenant_slug: str) -> list[ApiKey]:
        with self.sessions() as s:
            t = self.tenant_by_slug(s, tenant_slug)
            return list(s.scalars(select(ApiKey).where(ApiKey.tenant_id == t.id).order_by(ApiKey.created_at)))

    def revoke_api_key(self, key_id: str, *, tenant_id: str | None = None, actor: str = "admin") -> None:
        with self.sessions.begin() as s:
            row = s.get(ApiKey, key_id)
            if row is None or (tenant_id is not None and row.tenant_id != tenant_id):
                raise NotFound("no such API key", code="apikey.notFound")
            if row.revoked_at is None:
                row.revoked_at = self.clock()
                self._audit(s, row.tenant_id, actor, "apikey.revoke", details={"key_id": key_id})

    def authenticate(self, token: str | None, scope: str) -> Principal:
        """The caller behind a bearer token; 401 for anything wrong with it, 403 for scope."""
        unauthorized = AuthError("invalid or missing API key", code="auth.unauthorized")
        key_id = parse_api_key(token) if token else None
        if key_id is None or token is None:
            raise unauthorized
        # One round trip for the key and its tenant's slug, on a plain connection: every API
        # request runs this, and a Session costs more than the query.
        with self.sessions.connect() as conn:
            found = conn.execute(
                select(
                    ApiKey.hash, ApiKey.scopes, ApiKey.revoked_at, ApiKey.expires_at, Tenant.id, Tenant.slug
                )
                .join(Tenant, Tenant.id == ApiKey.tenant_id)
                .where(ApiKey.id == key_id)
            ).first()
        if found is None:
            self._hasher.verify_unknown(token, key_id)  # as slow as a wrong secret: no oracle
            raise unauthorized
        stored_hash, scope_text, revoked_at, expires_at, tenant_id, slug = found
        if not self._hasher.verify(stored_hash, token, key_id):
            raise unauthorized
        if revoked_at is not None or (expires_at is not None and expires_at <= self.clock()):
            raise unauthorized
        scopes = frozenset(scope_text.split(","))
        if scope != "read" and scope not in scopes and "admin" not in scopes:
            raise AuthError("this API key may not do that", code="auth.forbidden")
        return Principal(tenant_id, slug, key_id, scopes)

    # ---------------------------------------------------------------------------- DIDs and keys

    def did_web(self, tenant_slug: str) -> str:
        """``did:web`` provisioned for a tenant: the host tenant's is host-level, others' have a path."""
        if self.host_tenant is not None and tenant_slug == self.host_tenant:
            return self.did_web_host()
        return self.did_web_path(tenant_slug)

    def did_web_path(self, tenant_slug: str) -> str:
        """``did:web:<host>[:<base path>]:<tenant>`` (port %3A-encoded), at ``/{tenant}/did.json``."""
        return f"{self.did_web_host()}:{tenant_slug}"

    def did_web_host(self) -> str:
        """``did:web:<host>[:<base path>]``: at ``/.well-known/did.json`` (or ``<base path>/did.json``)."""
        rest = self.base_url.split("://", 1)[1]
        host, _, path = rest.partition("/")
        parts = [quote(host, safe="")] + [p for p in path.split("/") if p]
        return "did:web:" + ":".join(parts)

    def create_did(
        self, principal: Principal, method: str, key_types: Sequence[str], *, actor: str | None = None
    ) -> IssuerDid:
        try:
            kts = [KeyType(k) for k in key_types]
        except ValueError:
            raise InvalidInput("unknown key type", code="did.keyType", at="/key_types") from None
        if not kts or len(kts) > 4:
            raise InvalidInput("give one to four key types", code="did.keyType", at="/key_types")
        if any(k not in (KeyType.ED25519, KeyType.P256, KeyType.BLS12381G2) for k in kts):
            raise InvalidInput(
                "issuer keys are Ed25519, P-256 or Bls12381G2", code="did.keyType", at="/key_types"
            )
        if method == "ethr" and KeyType.ED25519 not in kts:
            # Status lists are eddsa-rdfc-2022 credentials whose issuer must be the credential's
            # issuer: anchor an Ed25519 key on the same did:ethr DID to sign them.
            kts = [*kts, KeyType.ED25519]
        now = self.clock()
        # Chain transactions happen before the database transaction, so a slow chain never holds
        # database locks; a failure after them leaves only unused attributes on chain.
        ethr = self._ethr_publish(kts) if method == "ethr" else None
        with self.sessions.begin() as s:
            if method == "key":
                if len(kts) != 1:
                    raise InvalidInput("did:key has exactly one key", code="did.keyType", at="/key_types")
                from didkit_py.did import did_key_from_public

                kp = _generate(kts[0])
                did = did_key_from_public(kp.key_type, kp.public_key)
                row = IssuerDid(id=str(uuid.uuid4()), tenant_id=principal.tenant_id, did=did, method="key")
                row.created_at = now
                s.add(row)
                s.flush()
                self._add_key(s, row, kp, f"{did}#{did.removeprefix('did:key:')}")
            elif method == "web":
                did = self.did_web(principal.tenant_slug)
                if s.scalar(select(IssuerDid).where(IssuerDid.did == did)) is not None:
                    raise Conflict("this tenant already has its did:web; rotate its keys", code="did.exists")
                row = IssuerDid(
                    id=str(uuid.uuid4()), tenant_id=principal.tenant_id, did=did, method="web", created_at=now
                )
                s.add(row)
                s.flush()
                for i, kt in enumerate(kts, start=1):
                    self._add_key(s, row, _generate(kt), f"{did}#key-{i}")
            elif ethr is not None:
                did, controller, published = ethr
                row = IssuerDid(
                    id=str(uuid.uuid4()),
                    tenant_id=principal.tenant_id,
                    did=did,
                    method="ethr",
                    created_at=now,
                )
                s.add(row)
                s.flush()
                self._add_key(s, row, controller, f"{did}#controller")
                for kp, vm in published:
                    self._add_key(s, row, kp, vm)
            else:
                raise UnsupportedError(f"DID method {method!r} is not provisioned here", code="did.method")
            self._audit(
                s,
                principal.tenant_id,
                actor or principal.key_id,
                "did.create",
                details={"did": row.did, "keys": [k.value for k in kts]},
            )
        return row

    def _registry(self) -> tuple[Any, KeyPair]:
        if self.chain is None:
            raise UnsupportedError(
                "did:ethr is not configured (set DIDKIT_ISSUER_CHAIN_URL and _CHAIN_RELAYER_KEY)",
                code="did.method",
            )
        from didkit_py.registry.client import RegistryClient

        config, relayer = self.chain
        return RegistryClient(config), relayer

    def _ethr_vm_ids(self, did: str) -> dict[bytes, str]:
        """Resolve ``did`` on the chain: public key bytes → verification method id."""
        from didkit_py.did import Resolver, public_key_from_vm
        from didkit_py.did.ethr import EthrMethod

        assert self.chain is not None
        resolver = Resolver({"ethr": EthrMethod([self.chain[0].network()])}, cache_ttl=0)
        doc = resolver.resolve_sync(did).document
        out: dict[bytes, str] = {}
        for vm in doc.get("verificationMethod", []):
            try:
                _kt, pk = public_key_from_vm(vm)
            except DidkitError:
                continue
            out.setdefault(pk, vm["id"])
        return out

    def _ethr_publish(self, kts: Sequence[KeyType]) -> tuple[str, KeyPair, list[tuple[KeyPair, str]]]:
        """A new did:ethr whose keys are attributes set by meta-transactions (the relayer pays gas)."""
        from didkit_py.registry.client import address_from_public_key, did_for, key_attribute

        client, relayer = self._registry()
        controller = generate_key(KeyType.SECP256K1)
        did = did_for(address_from_public_key(controller.public_key), client.config.chain_id)
        keys = [_generate(kt) for kt in kts]
        with self._chain_lock:
            for kp in keys:
                name, value = key_attribute(kp.key_type, kp.public_key)
                sig = client.sign_set_attribute(did, controller, name, value)
                client.set_attribute_signed(did, sig, name, value, relayer)
        vm_ids = self._ethr_vm_ids(did)
        missing = [kp for kp in keys if kp.public_key not in vm_ids]
        if missing:
            raise ResolutionError("the registry does not show the keys just published", code="did.ethr")
        return did, controller, [(kp, vm_ids[kp.public_key]) for kp in keys]

    def _ethr_rotate(
        self, did: str, owner: KeyPair, new: KeyPair, old: Sequence[tuple[KeyType, bytes]]
    ) -> dict[bytes, str]:
        from didkit_py.registry.client import key_attribute

        client, relayer = self._registry()
        with self._chain_lock:
            name, value = key_attribute(new.key_type, new.public_key)
            client.set_attribute_signed(
                did, client.sign_set_attribute(did, owner, name, value), name, value, relayer
            )
            for kt, pk in old:
                name, value = key_attribute(kt, pk)
                sig = client.sign_revoke_attribute(did, owner, name, value)
                client.revoke_attribute_signed(did, sig, name, value, relayer)
        vm_ids = self._ethr_vm_ids(did)
        if new.public_key not in vm_ids:
            raise ResolutionError("the registry does not show the rotated key", code="did.ethr")
        return vm_ids

    def _add_key(self, s: Session, did: IssuerDid, kp: KeyPair, vm: str) -> IssuerKey:
        kid = str(uuid.uuid4())
        assert kp.secret_key is not None
        key = IssuerKey(
            id=kid,
            tenant_id=did.tenant_id,
            did_id=did.id,
            verification_method=vm,
            key_type=kp.key_type.value,
            public_key=kp.public_key,
            secret_enc=self._wrapper.wrap(kp.secret_key, aad=kid),
            created_at=self.clock(),
            revoked_at=None,
        )
        s.add(key)
        return key

    def rotate_key(self, principal: Principal, did_id: str, key_type: str) -> IssuerKey:
        """did:web only: a new key of ``key_type`` replaces the current one in the document."""
        try:
            kt = KeyType(key_type)
        except ValueError:
            raise InvalidInput("unknown key type", code="did.keyType", at="/key_type") from None
        with self.sessions.begin() as s:
            did = self._own(s, IssuerDid, did_id, principal)
            if did.method not in ("web", "ethr"):
                raise UnsupportedError("did:key keys cannot rotate; create a new DID", code="did.rotate")
            keys = list(s.scalars(select(IssuerKey).where(IssuerKey.did_id == did.id)))
            n = len(keys) + 1
            now = self.clock()
            old_keys = [k for k in keys if k.key_type == kt.value and k.revoked_at is None]
            if did.method == "ethr":
                controller = next(k for k in keys if k.verification_method.endswith("#controller"))
                owner = KeyPair(
                    KeyType.SECP256K1,
                    controller.public_key,
                    self._wrapper.unwrap(controller.secret_enc, aad=controller.id),
                )
                kp = _generate(kt)
                vm_ids = self._ethr_rotate(
                    did.did, owner, kp, [(KeyType(k.key_type), k.public_key) for k in old_keys]
                )
                for k in old_keys:
                    k.revoked_at = now
                for k in keys:  # ids of the remaining delegates may renumber: follow the chain
                    if k.revoked_at is None and k.public_key in vm_ids:
                        k.verification_method = vm_ids[k.public_key]
                new = self._add_key(s, did, kp, vm_ids[kp.public_key])
            else:
                for k in old_keys:
                    k.revoked_at = now
                new = self._add_key(s, did, _generate(kt), f"{did.did}#key-{n}")
            self._keys.clear()
            self._audit(
                s,
                principal.tenant_id,
                principal.key_id,
                "did.rotate",
                details={"did": did.did, "verification_method": new.verification_method},
            )
        return new

    def dids(self, principal: Principal) -> list[dict[str, Any]]:
        with self.sessions() as s:
            rows = s.scalars(
                select(IssuerDid)
                .where(IssuerDid.tenant_id == principal.tenant_id)
                .order_by(IssuerDid.created_at)
            )
            return [self._did_json(s, d) for d in rows]

    def did(self, principal: Principal, did_id: str) -> dict[str, Any]:
        with self.sessions() as s:
            return self._did_json(s, self._own(s, IssuerDid, did_id, principal))

    def _did_json(self, s: Session, d: IssuerDid) -> dict[str, Any]:
        keys = s.scalars(select(IssuerKey).where(IssuerKey.did_id == d.id, IssuerKey.revoked_at.is_(None)))
        return {
            "id": d.id,
            "did": d.did,
            "method": d.method,
            "created": _iso(d.created_at),
            "keys": [{"id": k.verification_method, "type": k.key_type} for k in keys],
        }

    def did_web_document(self, tenant_slug: str | None) -> dict[str, Any]:
        """A did:web DID document (current keys as Multikey): the tenant's ``did:web:<host>:<tenant>``,
        or with ``None`` the host-level ``did:web:<host>`` of the host tenant."""
        if tenant_slug is None and self.host_tenant is None:
            raise NotFound("this service has no host-level did:web", code="did.notFound")
        with self.sessions() as s:
            t = self.tenant_by_slug(s, tenant_slug or self.host_tenant or "")
            did = self.did_web_path(t.slug) if tenant_slug is not None else self.did_web_host()
            row = s.scalar(select(IssuerDid).where(IssuerDid.tenant_id == t.id, IssuerDid.did == did))
            if row is None:
                raise NotFound("this tenant has no did:web", code="did.notFound")
            keys = list(
                s.scalars(
                    select(IssuerKey)
                    .where(IssuerKey.did_id == row.id, IssuerKey.revoked_at.is_(None))
                    .order_by(IssuerKey.created_at)
                )
            )
        vms = [
            {
                "id": k.verification_method,
                "type": "Multikey",
                "controller": did,
                "publicKeyMultibase": multikey_encode(KeyType(k.key_type), k.public_key),
            }
            for k in keys
        ]
        ids = [vm["id"] for vm in vms]
        return {
            "@context": [DID_V1, MULTIKEY_V1],
            "id": did,
            "verificationMethod": vms,
            "assertionMethod": ids,
            "authentication": ids,
        }

    def _signer(self, s: Session, did_id: str, fmt: str) -> Signer:
        wanted = FORMAT_KEY_TYPES.get(fmt)
        if wanted is None:
            raise UnsupportedError(f"unknown format {fmt!r}", code="format.unknown", at="/options/format")
        keys = list(
            s.scalars(
                select(IssuerKey)
                .where(IssuerKey.did_id == did_id, IssuerKey.revoked_at.is_(None))
                .order_by(IssuerKey.created_at.desc())
            )
        )
        for kt in wanted:
            for k in keys:
                if k.key_type == kt.value:
                    secret = self._wrapper.unwrap(k.secret_enc, aad=k.id)
                    return Signer(KeyPair(kt, k.public_key, secret), k.verification_method)
        raise InvalidInput(
            f"the issuer DID has no {' or '.join(w.value for w in wanted)} key for {fmt}", code="did.noKey"
        )

    def _issuing_key(
        self, s: Session, tenant_id: str, did_id: str | None, fmt: str
    ) -> tuple[_DidRef, Signer]:
        """The DID and signer for ``fmt`` (the template's DID, or the tenant's default), cached."""
        now = time.monotonic()
        ck = (tenant_id, did_id, fmt)
        hit = self._keys.get(ck)
        if hit is not None and hit[0] > now:
            return hit[1], hit[2]
        did = s.get(IssuerDid, did_id) if did_id is not None else self._default_did(s, tenant_id, fmt)
        assert did is not None
        ref = _DidRef(did.id, did.did)
        signer = self._signer(s, did.id, fmt)
        if self.key_cache_seconds > 0:
            if len(self._keys) > 10_000:
                self._keys.clear()
            self._keys[ck] = (now + self.key_cache_seconds, ref, signer)
        return ref, signer

    def _default_did(self, s: Session, tenant_id: str, fmt: str) -> IssuerDid:
        wanted = {k.value for k in FORMAT_KEY_TYPES.get(fmt, ())}
        rows = s.execute(
            select(IssuerDid, IssuerKey.key_type)
            .join(IssuerKey, IssuerKey.did_id == IssuerDid.id)
            .where(IssuerDid.tenant_id == tenant_id, IssuerKey.revoked_at.is_(None))
            .order_by(IssuerDid.created_at)
        ).all()
        for did, kt in rows:
            if kt in wanted:
                return did
        raise InvalidInput(f"no issuer DID of this tenant can sign {fmt}; create one first", code="did.noKey")

    def _own(self, s: Session, model: Any, ident: str, principal: Principal) -> Any:
        """A row of ``principal``'s tenant, or 404 (another tenant's row is indistinguishable)."""
        row = s.get(model, ident) if isinstance(ident, str) and len(ident) <= 64 else None
        if row is None or row.tenant_id != principal.tenant_id:
            raise NotFound("not found", code="notFound")
        return row

    # ---------------------------------------------------------------------------- templates

    def create_template(self, principal: Principal, body: Mapping[str, Any]) -> dict[str, Any]:
        try:
            tpl = TemplateIn.model_validate(body)
        except ValidationError as exc:
            raise _pydantic_to_invalid(exc) from None
        with self.sessions.begin() as s:
            if tpl.did_id is not None:
                did = self._own(s, IssuerDid, tpl.did_id, principal)
            else:
                did = self._default_did(s, principal.tenant_id, tpl.format)
            self._signer(s, did.id, tpl.format)  # the DID must hold a key for the format
            if s.scalar(
                select(Template).where(Template.tenant_id == principal.tenant_id, Template.name == tpl.name)
            ):
                raise Conflict(f"template {tpl.name!r} exists", code="template.exists", at="/name")
            row = Template(
                id=str(uuid.uuid4()),
                tenant_id=principal.tenant_id,
                name=tpl.name,
                did_id=did.id,
                format=tpl.format,
                body=tpl.model_dump(mode="json", exclude={"did_id"}),
                created_at=self.clock(),
            )
            s.add(row)
            self._audit(s, principal.tenant_id, principal.key_id, "template.create", template_id=row.id)
        return self._template_json(row)

    def _template_json(self, t: Template) -> dict[str, Any]:
        return {"id": t.id, "did_id": t.did_id, "created": _iso(t.created_at), **t.body}

    def templates(self, principal: Principal) -> list[dict[str, Any]]:
        with self.sessions() as s:
            rows = s.scalars(
                select(Template).where(Template.tenant_id == principal.tenant_id).order_by(Template.name)
            )
            return [self._template_json(t) for t in rows]

    def template(self, principal: Principal, ident: str) -> dict[str, Any]:
        with self.sessions() as s:
            return self._template_json(self._find_template(s, principal.tenant_id, ident))

    def _find_template(self, s: Session, tenant_id: str, ident: str) -> Template:
        row = s.scalar(
            select(Template).where(
                Template.tenant_id == tenant_id, (Template.id == ident) | (Template.name == ident)
            )
        )
        if row is None:
            raise NotFound("no such template", code="template.notFound", at="/options/template")
        return row

    # ---------------------------------------------------------------------------- issuance

    def issue(
        self,
        principal: Principal,
        credential: Any,
        options: Any = None,
        *,
        idempotency_key: str | None = None,
        actor: str | None = None,
        holder_key: Mapping[str, Any] | None = None,
        via: str = "vc-api",
    ) -> tuple[Any, bool, str]:
        """Issue one credential; returns ``(secured, replayed, format)``.

        ``replayed`` is true when ``idempotency_key`` matched an earlier request: the stored
        credential is returned and nothing new is issued.
        """
        if not isinstance(credential, dict):
            raise InvalidInput("credential must be a JSON object", code="request.invalid", at="/credential")
        options = {} if options is None else options
        if not isinstance(options, dict):
            raise InvalidInput("options must be a JSON object", code="request.invalid", at="/options")
        if idempotency_key is not None and not (0 < len(idempotency_key) <= 200):
            raise InvalidInput("Idempotency-Key: 1 to 200 characters", code="idempotency.key")
        request_digest = sha256_hex(canonical_json({"credential": credential, "options": options}))
        if idempotency_key is not None:
            prior = self._by_idempotency_key(principal.tenant_id, idempotency_key, request_digest)
            if prior is not None:
                return prior[0], True, prior[1]
        for attempt in range(3):
            try:
                out, fmt = self._issue_new(
                    principal, credential, options, idempotency_key, request_digest, actor, holder_key, via
                )
                return out, False, fmt
            except IntegrityError:
                self._lists.clear()
                if idempotency_key is not None:
                    # A concurrent request with the same key won the race: return its credential.
                    prior = self._by_idempotency_key(principal.tenant_id, idempotency_key, request_digest)
                    if prior is not None:
                        return prior[0], True, prior[1]
                if attempt == 2:
                    raise
                # Otherwise two transactions drew the same status index: draw again.
        raise AssertionError("unreachable")  # pragma: no cover

    def _by_idempotency_key(self, tenant_id: str, key: str, request_digest: str) -> tuple[Any, str] | None:
        with self.sessions() as s:
            row = s.scalar(
                select(IssuedCredential).where(
                    IssuedCredential.tenant_id == tenant_id, IssuedCredential.idempotency_key == key
                )
            )
            if row is None:
                return None
            if not (row.request_digest and _eq(row.request_digest, request_digest)):
                raise Conflict(
                    "this Idempotency-Key was used for a different request", code="idempotency.mismatch"
                )
            return json.loads(row.credential), row.format

    def _issue_new(
        self,
        principal: Principal,
        credential: dict[str, Any],
        options: dict[str, Any],
        idempotency_key: str | None,
        request_digest: str,
        actor: str | None,
        holder_key: Mapping[str, Any] | None,
        via: str,
    ) -> tuple[Any, str]:
        now = self.clock()
        cred_id = str(uuid.uuid4())
        doc = json.loads(json.dumps(credential))  # a private deep copy
        with self.sessions.begin() as s:
            template: Template | None = None
            if options.get("template") is not None:
                if not isinstance(options["template"], str):
                    raise InvalidInput(
                        "template must be a string", code="request.invalid", at="/options/template"
                    )
                template = self._find_template(s, principal.tenant_id, options["template"])
            body: dict[str, Any] = template.body if template else {}
            fmt = template.format if template else options.get("format", "eddsa-rdfc-2022")
            if not isinstance(fmt, str) or fmt not in FORMAT_KEY_TYPES:
                raise InvalidInput(
                    f"format must be one of {', '.join(FORMAT_KEY_TYPES)}",
                    code="format.unknown",
                    at="/options/format",
                )
            did, signer = self._issuing_key(
                s, principal.tenant_id, template.did_id if template else None, fmt
            )

            # Fill in what the template fixes.
            contexts = doc.get("@context") or [VC_V2]
            if not isinstance(contexts, list):
                contexts = [contexts]
            for c in body.get("contexts", []):
                if c not in contexts:
                    contexts.append(c)
            doc["@context"] = contexts
            types = doc.get("type") or ["VerifiableCredential"]
            if not isinstance(types, list):
                types = [types]
            for t in body.get("types", []):
                if t not in types:
                    types.append(t)
            doc["type"] = types
            issuer = doc.get("issuer")
            if isinstance(issuer, dict):
                doc["issuer"] = {**issuer, "id": did.did}
            elif issuer is None or issuer == did.did:
                doc["issuer"] = did.did
            else:
                raise InvalidInput(
                    "issuer must be this tenant's issuer DID (or left out)",
                    code="issuer.mismatch",
                    at="/credential/issuer",
                )
            if "id" not in doc:
                doc["id"] = f"urn:uuid:{cred_id}"
            if template is not None:
                doc.setdefault("validFrom", _iso(now))
                if body.get("validity_seconds"):
                    doc.setdefault("validUntil", _iso(now + timedelta(seconds=body["validity_seconds"])))
                subject = doc.get("credentialSubject")
                validator = jsonschema.Draft202012Validator(body.get("subject_schema") or {})
                errors = sorted(validator.iter_errors(subject), key=lambda e: list(e.absolute_path))
                if errors:
                    err = errors[0]
                    at = "/credential/credentialSubject" + "".join(f"/{p}" for p in err.absolute_path)
                    raise InvalidInput(err.message[:300], code="schema.invalid", at=at)

            # Status entries at random indexes: Bitstring Status List entries in
            # credentialStatus, or for SD-JWT VC a Token Status List reference in ``status``.
            purposes = (
                body.get("status_purposes", ["revocation"])
                if template
                else options.get("statusPurposes", ["revocation"])
            )
            if not isinstance(purposes, list):
                raise InvalidInput(
                    "statusPurposes must be a list", code="status.purpose", at="/options/statusPurposes"
                )
            token_status: dict[str, Any] | None = None
            if fmt == "dc+sd-jwt" and purposes:
                # SD-JWT VC: one IETF Token Status List entry (2 bits: VALID/INVALID/SUSPENDED)
                # serves both purposes.
                list_id, idx = self._allocate(s, principal.tenant_id, did.id, TSL_PURPOSE, cred_id)
                token_status = {
                    "status_list": {"idx": idx, "uri": self.status_list_url(principal.tenant_slug, list_id)}
                }
            if fmt != "dc+sd-jwt" and VC_V2 in contexts and purposes:
                entries = []
                for purpose in purposes:
                    if purpose not in ("revocation", "suspension"):
                        raise InvalidInput(
                            "unknown status purpose", code="status.purpose", at="/options/statusPurposes"
                        )
                    lst, idx = self._allocate(s, principal.tenant_id, did.id, purpose, cred_id)
                    url = self.status_list_url(principal.tenant_slug, lst)
                    entries.append(
                        BitstringStatusListEntry(
                            status_list_credential=url,
                            status_list_index=idx,
                            status_purpose=purpose,
                            id=f"{url}#{idx}",
                        ).to_json()
                    )
                doc["credentialStatus"] = entries[0] if len(entries) == 1 else entries

            extra: dict[str, Any] = {}
            if fmt == "bbs-2023":
                pointers = list(body.get("mandatory_pointers", []))
                opt_pointers = options.get("mandatoryPointers", [])
                if not isinstance(opt_pointers, list) or not all(isinstance(p, str) for p in opt_pointers):
                    raise InvalidInput(
                        "mandatoryPointers must be a list of JSON pointers",
                        code="request.invalid",
                        at="/options/mandatoryPointers",
                    )
                pointers += [p for p in opt_pointers if p not in pointers]
                extra["mandatory_pointers"] = pointers
            elif options.get("mandatoryPointers"):
                raise InvalidInput(
                    "mandatoryPointers apply to bbs-2023 only",
                    code="request.invalid",
                    at="/options/mandatoryPointers",
                )
            if fmt == "dc+sd-jwt":
                if token_status is not None:
                    extra["status"] = token_status
                extra["disclosable"] = list(body.get("disclosable", []))
                if body.get("vct"):
                    extra["vct"] = body["vct"]
                if holder_key is not None:
                    extra["holder_key"] = dict(holder_key)
            secured = issue_credential(
                doc, signer=signer, now=now, format=fmt, extra=extra, registry=self.formats
            )
            if isinstance(secured, str) and fmt == "vc+jwt" and via == "vc-api":
                fmt_obj = self.formats.get(fmt)
                out: Any = envelope(fmt_obj.media_types[0], secured)
            else:
                out = secured
            serialized = json.dumps(out, separators=(",", ":"))
            digest = sha256_hex(secured if isinstance(secured, str) else canonical_json(secured))
            # Core, not the ORM's unit of work: this is the hot path and nothing reads it back.
            s.connection().execute(
                _INSERT_CREDENTIAL,
                {
                    "id": cred_id,
                    "tenant_id": principal.tenant_id,
                    "template_id": template.id if template else None,
                    "format": fmt,
                    "uri": str(doc["id"])[:1000],
                    "digest": digest,
                    "idempotency_key": idempotency_key,
                    "request_digest": request_digest,
                    "credential": serialized,
                    "created_at": now,
                },
            )
            self._audit(
                s,
                principal.tenant_id,
                actor or principal.key_id,
                "credential.issue",
                template_id=template.id if template else None,
                credential_id=cred_id,
                digest=digest,
                details={"format": fmt, "via": via},
            )
        log.info(
            "credential issued",
            extra={"tenant": principal.tenant_slug, "credential_id": cred_id, "format": fmt},
        )
        return out, fmt

    # ---------------------------------------------------------------------------- status

    def status_list_url(self, tenant_slug: str, list_id: str) -> str:
        return f"{self.base_url}/{tenant_slug}/status/{list_id}"

    def _allocate(
        self, s: Session, tenant_id: str, did_id: str, purpose: str, cred_id: str
    ) -> tuple[str, int]:
        """A uniformly random free index (herd privacy, Bitstring Status List §6.1).

        Lock-free across workers: a random index is inserted under the (list, index) primary
        key; a collision retries with a fresh index, and a list that keeps colliding is marked
        full and a new one started.
        """
        ck = (tenant_id, did_id, purpose)
        cached = self._lists.get(ck)
        if cached is not None:
            list_id, length = cached
            for _attempt in range(8):
                idx = random_below(length)
                if self._insert_entry(s, list_id, idx, cred_id):
                    return list_id, idx
            del self._lists[ck]
        open_list = (
            select(StatusList)
            .where(
                StatusList.tenant_id == tenant_id,
                StatusList.did_id == did_id,
                StatusList.purpose == purpose,
                StatusList.full.is_(False),
            )
            .order_by(StatusList.created_at)
            .limit(1)
        )
        for _ in range(3):
            lst = s.scalar(open_list)
            if lst is None:
                # Concurrent first issuances must not each start a list: a list holding one
                # credential names it to whoever fetches the list. Creators queue on the DID's
                # row and look again, seeing the list the first one committed.
                s.execute(select(IssuerDid.id).where(IssuerDid.id == did_id).with_for_update(key_share=True))
                lst = s.scalar(open_list)
            committed = lst is not None
            if lst is None:
                now = self.clock()
                lst = StatusList(
                    id=str(uuid.uuid4()),
                    tenant_id=tenant_id,
                    did_id=did_id,
                    purpose=purpose,
                    length=self.status_list_length,
                    full=False,
                    version=0,
                    signed_version=-1,
                    signed=None,
                    updated_at=now,
                    created_at=now,
                )
                s.add(lst)
                s.flush()
                from .status_publish import sign_new_list

                sign_new_list(self, s, lst)  # signed once now, so no fetch has to sign it
            for _attempt in range(16):
                idx = random_below(lst.length)
                if not self._insert_entry(s, lst.id, idx, cred_id):
                    continue
                if committed:  # never cache a list other transactions cannot see yet
                    self._lists[ck] = (lst.id, lst.length)
                return lst.id, idx
            lst.full = True
            s.flush()
        raise InvalidInput("could not allocate a status index", code="status.list_full")

    @staticmethod
    def _insert_entry(s: Session, list_id: str, idx: int, cred_id: str) -> bool:
        """Claim ``idx`` in one round trip: ``INSERT … ON CONFLICT DO NOTHING``; False when taken."""
        values = {"list_id": list_id, "idx": idx, "credential_id": cred_id, "value": 0}
        stmt = _claim_entry_statement(s.get_bind().dialect.name)
        if stmt is None:  # pragma: no cover - other databases: check, then insert (the PK guards)
            if s.get(StatusEntry, (list_id, idx)) is not None:
                return False
            s.add(StatusEntry(**values))
            return True
        return s.connection().execute(stmt, values).first() is not None

    def update_status(self, principal: Principal, body: Any) -> dict[str, Any]:
        """VC-API ``POST /credentials/status``: revoke, suspend or reinstate one credential."""
        if not isinstance(body, dict):
            raise InvalidInput("body must be a JSON object", code="request.invalid", at="/")
        ref = body.get("credentialId")
        if not isinstance(ref, str) or not ref or len(ref) > 1000:
            raise InvalidInput("credentialId is required", code="request.invalid", at="/credentialId")
        items = body.get("credentialStatus")
        if not isinstance(items, list) or not items:
            raise InvalidInput(
                "credentialStatus: a list of {type, status}", code="request.invalid", at="/credentialStatus"
            )
        changes: list[tuple[str, int]] = []
        for i, item in enumerate(items):
            status = item.get("status") if isinstance(item, dict) else None
            mapping = {
                "revoked": ("revocation", 1),
                "suspended": ("suspension", 1),
                "active": ("suspension", 0),
                "reinstated": ("suspension", 0),
            }
            if not isinstance(status, str) or status not in mapping:
                raise InvalidInput(
                    "status must be revoked, suspended or active",
                    code="status.value",
                    at=f"/credentialStatus/{i}/status",
                )
            changes.append(mapping[status])
        with self.sessions.begin() as s:
            cred = s.scalar(
                select(IssuedCredential).where(
                    IssuedCredential.tenant_id == principal.tenant_id,
                    (IssuedCredential.uri == ref) | (IssuedCredential.id == ref.removeprefix("urn:uuid:")),
                )
            )
            if cred is None:
                raise NotFound("no such credential", code="credential.notFound", at="/credentialId")
            from .status_publish import lock_lists_of

            lock_lists_of(s, cred.id)  # in id order, before reading the entries (see there)
            entries = s.execute(
                select(StatusEntry, StatusList)
                .join(StatusList, StatusList.id == StatusEntry.list_id)
                .where(StatusEntry.credential_id == cred.id)
            ).all()
            result: dict[str, int] = {}
            changed: set[str] = set()
            tsl = [(e, lst) for e, lst in entries if lst.purpose == TSL_PURPOSE]
            if tsl:  # SD-JWT VC: map the VC-API statuses onto Token Status List values
                changes = [
                    (TSL_PURPOSE, TSL_INVALID if p == "revocation" else TSL_SUSPENDED if v else TSL_VALID)
                    for p, v in changes
                ]
            for purpose, value in changes:
                match = [(e, lst) for e, lst in entries if lst.purpose == purpose]
                if not match:
                    raise InvalidInput(
                        f"this credential has no {purpose} status",
                        code="status.purpose",
                        at="/credentialStatus",
                    )
                for entry, lst in match:
                    if (purpose == "revocation" and entry.value == 1 and value == 0) or (
                        purpose == TSL_PURPOSE and entry.value == TSL_INVALID and value != TSL_INVALID
                    ):
                        raise InvalidInput("a revocation cannot be undone", code="status.final")
                    if entry.value != value:
                        entry.value = value
                        # Serialise writers of one list on its row (re-signed below).
                        s.execute(
                            update(StatusList)
                            .where(StatusList.id == lst.id)
                            .values(version=StatusList.version + 1, updated_at=self.clock())
                        )
                        changed.add(lst.id)
                    result[purpose] = value
            if changed:  # the new signed lists commit with the flips: a fetch never signs
                from .status_publish import republish

                republish(self, s, changed, tenant_slug=principal.tenant_slug)
            self._audit(
                s,
                principal.tenant_id,
                principal.key_id,
                "credential.status",
                template_id=cred.template_id,
                credential_id=cred.id,
                digest=cred.digest,
                details={k: v for k, v in result.items()},
            )
        return {"credentialId": ref, "status": result}

    def status_list_credential(self, tenant_slug: str, list_id: str) -> tuple[Any, datetime]:
        """The signed status list (a credential, or a Token Status List JWT); re-signed on change."""
        with self.sessions() as s:
            t = self.tenant_by_slug(s, tenant_slug)
            lst = s.get(StatusList, list_id) if len(list_id) <= 64 else None
            if lst is None or lst.tenant_id != t.id:
                raise NotFound("no such status list", code="status.notFound")
            if lst.signed is not None and lst.signed_version == lst.version:
                return _stored_list(lst), lst.updated_at
        with self.sessions.begin() as s:
            lst = s.scalar(select(StatusList).where(StatusList.id == list_id).with_for_update(key_share=True))
            assert lst is not None
            if lst.signed is not None and lst.signed_version == lst.version:
                return _stored_list(lst), lst.updated_at
            # Only a list signed by nothing yet (see status_publish): sign it now, once.
            from .status_publish import sign_status_list

            return sign_status_list(self, s, lst, tenant_slug=t.slug), lst.updated_at

    def _status_signer(self, s: Session, did: IssuerDid) -> Signer:
        """Ed25519 key of the credential's DID, else of the tenant's first Ed25519 DID."""
        try:
            return self._signer(s, did.id, "eddsa-rdfc-2022")
        except InvalidInput:
            other = self._default_did(s, did.tenant_id, "eddsa-rdfc-2022")
            return self._signer(s, other.id, "eddsa-rdfc-2022")

    # ---------------------------------------------------------------------------- audit

    def _audit(
        self,
        s: Session,
        tenant_id: str,
        actor: str,
        action: str,
        *,
        template_id: str | None = None,
        credential_id: str | None = None,
        digest: str | None = None,
        details: Mapping[str, Any] | None = None,
    ) -> None:
        """Record one event in the caller's transaction, unsealed (see :meth:`seal_audit`).

        The event commits or rolls back with what it records, so none is lost or invented.
        Chaining it here instead made every write of a tenant queue on the tenant row's lock
        until commit: with two workers that lock, not signing, capped issuance.
        """
        s.flush()  # what the event refers to (e.g. a new tenant) is written first
        s.connection().execute(
            _INSERT_AUDIT,
            {
                "tenant_id": tenant_id,
                "at": self.clock(),
                "actor": actor,
                "action": action,
                "template_id": template_id,
                "credential_id": credential_id,
                "digest": digest,
                "details": dict(details or {}),
            },
        )

    def seal_audit(self, tenant_id: str | None = None, *, wait: bool = True, batch: int = 10_000) -> int:
        """Chain unsealed audit events onto their tenants' logs in the order they were written.

        Returns how many events were sealed. Sealing holds the tenant row's lock for one short
        batch instead of for every write. ``wait=False`` (the background sealer) skips a tenant
        another sealer holds; that one, or the next round, takes its events. Unsealed events are
        no weaker than sealed ones not yet anchored: whoever can rewrite the database can
        recompute a chain's tail, and anchoring (:meth:`anchor_audit`) seals first.
        """
        sealed = 0
        with self.sessions.begin() as s:
            conn = s.connection()
            if tenant_id is None:
                pending = select(_AUDIT.c.tenant_id).where(_AUDIT.c.seq.is_(None)).distinct()
                tenant_ids = sorted(conn.execute(pending).scalars())
            else:
                tenant_ids = [tenant_id]
            for tid in tenant_ids:  # one order for every sealer: waiting sealers cannot deadlock
                # FOR NO KEY UPDATE: does not conflict with the KEY SHARE locks that inserts
                # referencing the tenant take.
                head_row = conn.execute(
                    select(_TENANTS.c.audit_seq, _TENANTS.c.audit_head)
                    .where(_TENANTS.c.id == tid)
                    .with_for_update(key_share=True, skip_locked=not wait)
                ).first()
                if head_row is None:
                    continue
                seq, head = head_row
                events = conn.execute(
                    select(_AUDIT)
                    .where(_AUDIT.c.tenant_id == tid, _AUDIT.c.seq.is_(None))
                    .order_by(_AUDIT.c.id)
                    .limit(batch)
                ).all()
                if not events:
                    continue
                chained = []
                for ev in events:
                    seq += 1
                    digest = audit_hash(SimpleNamespace(**{**ev._mapping, "seq": seq, "prev_hash": head}))
                    chained.append({"b_id": ev.id, "b_seq": seq, "b_prev": head, "b_hash": digest})
                    head = digest
                done = conn.execute(
                    update(_AUDIT)
                    .where(_AUDIT.c.id == bindparam("b_id"), _AUDIT.c.seq.is_(None))
                    .values(seq=bindparam("b_seq"), prev_hash=bindparam("b_prev"), hash=bindparam("b_hash")),
                    chained,
                )
                if conn.dialect.supports_sane_multi_rowcount and done.rowcount != len(chained):
                    raise StorageError("audit events were sealed twice", code="audit.seal_race")
                conn.execute(
                    update(_TENANTS).where(_TENANTS.c.id == tid).values(audit_seq=seq, audit_head=head)
                )
                sealed += len(chained)
        return sealed

    def run_sealer(self, stop: threading.Event, interval: float) -> None:
        """Seal every ``interval`` seconds until ``stop`` is set, then once more (a thread body)."""
        while not stop.wait(interval):
            try:
                self.seal_audit(wait=False)
            except Exception as exc:  # keep sealing: the next round retries these events
                log.warning("audit sealing failed", extra={"error": type(exc).__name__})
        self.seal_audit(wait=True)

    def verify_audit(self, tenant_slug: str | None = None) -> list[dict[str, Any]]:
        """Recompute every tenant's chain; raises :class:`VerificationError` at the first break."""
        from didkit_py.errors import VerificationError

        self.seal_audit()
        out = []
        with self.sessions() as s:
            q = select(Tenant).order_by(Tenant.slug)
            if tenant_slug is not None:
                q = q.where(Tenant.slug == tenant_slug)
            for t in s.scalars(q):
                prev, seq = GENESIS, 0
                for ev in s.scalars(
                    select(AuditEvent)
                    .where(AuditEvent.tenant_id == t.id, AuditEvent.seq.is_not(None))
                    .order_by(AuditEvent.seq)
                ).yield_per(1000):
                    seq += 1
                    if ev.seq != seq or ev.prev_hash is None or ev.hash is None:
                        raise VerificationError(f"tenant {t.slug}: event {seq} is missing", code="audit.gap")
                    if not _eq(ev.prev_hash, prev) or not _eq(ev.hash, audit_hash(ev)):
                        raise VerificationError(
                            f"tenant {t.slug}: event {seq} was altered", code="audit.altered"
                        )
                    prev = ev.hash
                if seq != t.audit_seq or not _eq(prev, t.audit_head):
                    raise VerificationError(
                        f"tenant {t.slug}: the log does not end at the recorded head", code="audit.truncated"
                    )
                out.append({"tenant": t.slug, "events": seq, "head": prev})
        return out

    def anchor_audit(self) -> list[dict[str, Any]]:
        """Write every tenant's audit head on the registry chain (after verifying the log).

        The anchor is an ERC-1056 attribute event of the relayer's own identity, named
        ``did/svc/AuditAnchor`` with the value ``didkit-audit:v1:<tenant id>:<seq>:<head>``
        (opaque ids and a digest: nothing personal) and a validity of one second, so it never
        lingers in a DID document while the event stays in the chain's history. The anchor's
        transaction is recorded as the next event of the tenant's log.
        """
        from didkit_py.registry.client import address_from_public_key

        client, relayer = self._registry()
        identity = address_from_public_key(relayer.public_key)
        heads = self.verify_audit()
        with self.sessions() as s:
            ids = {t.slug: t.id for t in s.scalars(select(Tenant))}
        out = []
        for h in heads:
            if h["events"] == 0:
                continue
            tid = ids[h["tenant"]]
            value = f"{ANCHOR_PREFIX}{tid}:{h['events']}:{h['head']}".encode()
            with self._chain_lock:
                tx = client.set_attribute(identity, relayer, ANCHOR_ATTRIBUTE, value, 1)
            with self.sessions.begin() as s:
                self._audit(
                    s,
                    tid,
                    "anchor",
                    "audit.anchor",
                    details={
                        "seq": h["events"],
                        "head": h["head"],
                        "transaction": tx.transaction_hash,
                        "block": tx.block_number,
                    },
                )
            out.append({**h, "transaction": tx.transaction_hash, "block": tx.block_number})
        return out

    def verify_anchors(self) -> list[dict[str, Any]]:
        """Check every anchor on chain against the log: the anchored event must still hash the same."""
        from didkit_py.errors import VerificationError
        from didkit_py.registry.client import address_from_public_key

        client, relayer = self._registry()
        events = client.history(address_from_public_key(relayer.public_key))
        out = []
        with self.sessions() as s:
            for ev in events:
                if ev.name_text != ANCHOR_ATTRIBUTE or ev.value is None:
                    continue
                text = ev.value.decode("ascii", "replace")
                if not text.startswith(ANCHOR_PREFIX):
                    continue
                try:
                    tid, seq_s, head = text.removeprefix(ANCHOR_PREFIX).split(":")
                    seq = int(seq_s)
                except ValueError:
                    continue
                tenant = s.get(Tenant, tid)
                if tenant is None:
                    continue  # another deployment sharing the relayer account
                row = s.scalar(select(AuditEvent).where(AuditEvent.tenant_id == tid, AuditEvent.seq == seq))
                if (
                    row is None
                    or row.hash is None
                    or not _eq(row.hash, head)
                    or not _eq(audit_hash(row), head)
                ):
                    raise VerificationError(
                        f"tenant {tenant.slug}: event {seq} differs from its anchor "
                        f"in block {ev.block_number}",
                        code="audit.anchor_mismatch",
                    )
                out.append(
                    {"tenant": tenant.slug, "seq": seq, "block": ev.block_number, "time": ev.block_timestamp}
                )
        return out

    def audit_events(self, principal: Principal, *, limit: int = 100) -> list[dict[str, Any]]:
        """The tenant's latest events, newest first (``seq``/``hash`` null while being sealed)."""
        self.seal_audit(principal.tenant_id, wait=False)
        with self.sessions() as s:
            rows = s.scalars(
                select(AuditEvent)
                .where(AuditEvent.tenant_id == principal.tenant_id)
                .order_by(AuditEvent.id.desc())
                .limit(max(1, min(limit, 1000)))
            )
            return [audit_body(e) | {"hash": e.hash} for e in rows]

    # ---------------------------------------------------------------------------- overview

    def stats(self, tenant_id: str) -> dict[str, Any]:
        with self.sessions() as s:
            since = self.clock() - timedelta(hours=24)
            rows = s.execute(
                select(IssuedCredential.format, func.count())
                .where(IssuedCredential.tenant_id == tenant_id, IssuedCredential.created_at >= since)
                .group_by(IssuedCredential.format)
            ).all()
            return {fmt: n for fmt, n in rows}


_ENTRIES: Any = StatusEntry.__table__
_AUDIT: Any = AuditEvent.__table__
_TENANTS: Any = Tenant.__table__
_CREDENTIALS: Any = IssuedCredential.__table__
# The hot path's statements, built once and executed with parameters: building ``.values(...)``
# per call made SQLAlchemy recompute the statement's cache key every time.
_INSERT_CREDENTIAL: Any = insert(_CREDENTIALS)
_INSERT_AUDIT: Any = insert(_AUDIT)


@functools.cache
def _claim_entry_statement(dialect: str) -> Any:
    """``INSERT … ON CONFLICT DO NOTHING RETURNING idx`` for ``dialect`` (None: not supported).

    RETURNING, not rowcount: drivers report -1 for ``INSERT … ON CONFLICT``.
    """
    if dialect == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as pg_insert

        return pg_insert(_ENTRIES).on_conflict_do_nothing().returning(_ENTRIES.c.idx)
    if dialect == "sqlite":
        from sqlalchemy.dialects.sqlite import insert as sqlite_insert

        return sqlite_insert(_ENTRIES).on_conflict_do_nothing().returning(_ENTRIES.c.idx)
    return None  # pragma: no cover


def _stored_list(lst: StatusList) -> Any:
    assert lst.signed is not None
    return lst.signed if lst.purpose == TSL_PURPOSE else json.loads(lst.signed)


@dataclass(frozen=True, slots=True)
class _DidRef:
    id: str
    did: str


def audit_body(ev: Any) -> dict[str, Any]:
    """What an event's hash covers; ``ev`` is an :class:`AuditEvent` or a row with its columns."""
    return {
        "tenant": ev.tenant_id,
        "seq": ev.seq,
        "at": ev.at.astimezone(UTC).isoformat(timespec="microseconds"),
        "actor": ev.actor,
        "action": ev.action,
        "template": ev.template_id,
        "credential": ev.credential_id,
        "digest": ev.digest,
        "details": ev.details,
        "prev": ev.prev_hash,
    }


def audit_hash(ev: Any) -> str:
    """SHA-256 over the canonical JSON of the event including the previous hash."""
    return sha256_hex(canonical_json(audit_body(ev)))


def _eq(a: str, b: str) -> bool:
    import hmac

    return hmac.compare_digest(a.encode(), b.encode())


def _generate(kt: KeyType) -> KeyPair:
    return generate_key(kt)
