"""Status list credentials are signed when they change, so serving one is a plain read.

A status list is signed (Bitstring Status List: an ``eddsa-rdfc-2022`` credential; Token Status
List for SD-JWT VC: a ``statuslist+jwt``) and stored in its row with ``signed_version`` equal to
the row's ``version``:

- when the list is created (at the first issuance that allocates from it), all bits clear;
- by ``POST /credentials/status``, in the same database transaction as the bit flip: the change
  locks the credential's lists in id order (:func:`lock_lists_of`), flips the entries and bumps
  ``version``, then each touched list is rebuilt from its entries as that transaction sees
  them, signed and stored (:func:`republish`). The transaction commits the new bit and the new
  signed list together or neither, so no reader — on any worker — ever sees a list older than a
  committed change, and a fetch never signs.

A row whose ``signed_version`` lags its ``version`` (written by an older version of the service,
or a list whose DID and tenant have no key able to sign it) is signed on its next fetch.
:func:`etag_matches` and :func:`not_modified` answer the fetch's conditional GETs.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Iterable
from datetime import datetime
from email.utils import parsedate_to_datetime
from typing import TYPE_CHECKING, Any

from sqlalchemy import select
from sqlalchemy.orm import Session

from didkit_py.credentials import issue as issue_credential
from didkit_py.errors import InvalidInput
from didkit_py.status import BitstringStatusList, build_status_list_credential

from .db import IssuerDid, StatusEntry, StatusList, Tenant

if TYPE_CHECKING:
    from .service import IssuerService

__all__ = [
    "TSL_PURPOSE",
    "etag_matches",
    "lock_lists",
    "lock_lists_of",
    "not_modified",
    "republish",
    "sign_new_list",
    "sign_status_list",
]

#: The ``purpose`` of an IETF Token Status List (SD-JWT VC) in the status tables.
TSL_PURPOSE = "token-status-list"

log = logging.getLogger(__name__)


def sign_status_list(
    service: IssuerService,
    s: Session,
    lst: StatusList,
    *,
    tenant_slug: str | None = None,
    empty: bool = False,
) -> Any:
    """Sign ``lst`` as its entries stand in ``s``'s transaction and store it in the row.

    Returns the signed list (a credential ``dict``, or a Token Status List JWT ``str``).
    ``empty=True`` skips reading the entries (a list just created has no bit set).
    """
    if tenant_slug is None:
        # The slug column only: loading the Tenant entity here would leave a copy in the
        # identity map that the audit append's locking SELECT would not refresh.
        tenant_slug = s.scalar(select(Tenant.slug).where(Tenant.id == lst.tenant_id))
        assert tenant_slug is not None
    did = s.get(IssuerDid, lst.did_id)
    assert did is not None
    now = service.clock()
    set_entries: list[tuple[int, int]] = []
    if not empty:
        set_entries = [
            (int(idx), int(value))
            for idx, value in s.execute(
                select(StatusEntry.idx, StatusEntry.value).where(
                    StatusEntry.list_id == lst.id, StatusEntry.value != 0
                )
            )
        ]
    uri = service.status_list_url(tenant_slug, lst.id)
    if lst.purpose == TSL_PURPOSE:
        from didkit_py.status.token_status_list import TokenStatusList, create_status_list_token

        tsl = TokenStatusList.create(lst.length, bits=2)
        for idx, value in set_entries:
            tsl.set(idx, value)
        key_signer = service._signer(s, did.id, "dc+sd-jwt")
        token = create_status_list_token(
            tsl,
            key=key_signer.key,
            uri=uri,
            iat=now,
            ttl=max(service.status_cache_seconds, 1),
            kid=key_signer.verification_method,
        )
        lst.signed = token
        lst.signed_version = lst.version
        return token
    bits = BitstringStatusList(lst.length)
    for idx, _value in set_entries:
        bits.set(idx, 1)
    signer = service._status_signer(s, did)
    unsigned = build_status_list_credential(
        id=uri, issuer=signer.did, status_list=bits, status_purpose=lst.purpose, valid_from=now
    )
    secured = issue_credential(
        unsigned, signer=signer, now=now, format="eddsa-rdfc-2022", registry=service.formats
    )
    assert isinstance(secured, dict)
    lst.signed = json.dumps(secured, separators=(",", ":"))
    lst.signed_version = lst.version
    return secured


def sign_new_list(service: IssuerService, s: Session, lst: StatusList) -> None:
    """Sign a list just created (no bit set) inside the allocating transaction.

    A DID with no key able to sign its status lists (and a tenant with no Ed25519 DID to fall
    back on) still issues; that list stays unsigned and its fetch answers the same error as
    before (no issuer key), rather than failing the issuance.
    """
    try:
        sign_status_list(service, s, lst, empty=True)
    except InvalidInput as exc:
        if exc.code != "did.noKey":
            raise
        log.warning("status list not signed: no key can sign it", extra={"list": lst.id})


def lock_lists(s: Session, list_ids: Iterable[str]) -> None:
    """Lock status list rows (``FOR NO KEY UPDATE``) in id order; a no-op on SQLite."""
    ids = sorted(set(list_ids))
    if ids:
        s.execute(
            select(StatusList.id)
            .where(StatusList.id.in_(ids))
            .order_by(StatusList.id)
            .with_for_update(key_share=True)
        )


def lock_lists_of(s: Session, credential_id: str) -> None:
    """Lock every status list of a credential, in id order, before its status changes.

    One order for all writers: two changes flipping the same two lists (revocation and
    suspension) in opposite orders would otherwise deadlock on PostgreSQL. Taking the locks
    before the entries are read also means the entries read are the latest committed ones, so
    a concurrent change cannot be overwritten from a stale read (e.g. a Token Status List
    revocation undone by a reinstatement read before it). ``FOR NO KEY UPDATE`` does not block
    issuance, whose entry inserts take only ``KEY SHARE`` locks on the list rows.
    """
    lock_lists(s, s.scalars(select(StatusEntry.list_id).where(StatusEntry.credential_id == credential_id)))


def republish(service: IssuerService, s: Session, list_ids: Iterable[str], *, tenant_slug: str) -> None:
    """Re-sign every list in ``list_ids`` inside the caller's transaction (after its bit flips).

    The caller has already bumped each list's ``version`` in this transaction, which holds the
    row lock; the rows are re-read so the stored ``signed_version`` is the bumped one.
    """
    s.flush()
    for list_id in sorted(set(list_ids)):
        lst = s.scalar(
            select(StatusList).where(StatusList.id == list_id).execution_options(populate_existing=True)
        )
        assert lst is not None
        try:
            sign_status_list(service, s, lst, tenant_slug=tenant_slug)
        except InvalidInput as exc:
            # No key can sign this list (a BBS-only tenant): the change itself must still be
            # recorded; the list is signed on its first fetch once the tenant has such a key.
            if exc.code != "did.noKey":
                raise
            log.warning("status list not re-signed: no key can sign it", extra={"list": lst.id})
    s.flush()


def etag_matches(if_none_match: str, etag: str) -> bool:
    """Whether an ``If-None-Match`` header matches ``etag`` (RFC 9110 §13.1.2).

    The header is ``*`` or a comma-separated list of entity tags; ``If-None-Match`` compares
    weakly, so ``W/"x"`` matches ``"x"``. Anything malformed simply does not match.
    """
    value = if_none_match.strip()
    if value == "*":
        return True
    if len(value) > 8192:
        return False
    opaque = etag.removeprefix("W/")
    return any(tag.strip().removeprefix("W/") == opaque for tag in value.split(","))


def not_modified(
    if_none_match: str | None, if_modified_since: str | None, etag: str, last_modified: datetime
) -> bool:
    """Whether a conditional GET gets ``304`` (RFC 9110 §13.1.2, §13.1.3, §13.2.2).

    ``If-None-Match`` decides when present (``If-Modified-Since`` is then ignored); otherwise an
    ``If-Modified-Since`` HTTP-date at or after the last change (to the second, as
    ``Last-Modified`` is sent) means not modified. A malformed date is ignored.
    """
    if if_none_match is not None:
        return etag_matches(if_none_match, etag)
    if if_modified_since is None or len(if_modified_since) > 100:
        return False
    try:
        since = parsedate_to_datetime(if_modified_since)
    except (TypeError, ValueError, IndexError, OverflowError):
        return False
    if since is None or since.tzinfo is None:
        return False
    return last_modified.replace(microsecond=0) <= since
