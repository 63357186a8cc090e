"""Risk signals from the issuer's ledger history (did:ethr): information for the relying party.

A signal never changes the verdict; policies decide. For a did:ethr issuer the registry chain
keeps every change with its block time, and DID resolution can read the document *as of* a
time (``versionTime``). That is enough to tell:

- ``did_deactivated`` — the issuer DID is deactivated now (its owner was set to the null address);
- ``key_rotated_after_issuance`` — the key that signed was not in the issuer's document at the
  issuance time, or is no longer in it now (added later, or rotated/revoked since);
- ``owner_changed_recently`` — the DID's owner (``#controller``) differs from the owner it had
  ``owner_window`` ago.

Any failure to read the history becomes a ``history_unavailable`` info signal, never an error.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol, runtime_checkable

from didkit_py.did import Resolver
from didkit_py.errors import DidkitError

from .report import RiskSignal

__all__ = ["EthrHistoryRisk", "RiskSource"]

log = logging.getLogger(__name__)


@runtime_checkable
class RiskSource(Protocol):
    async def signals(
        self, did: str, *, issued_at: datetime | None, verification_method: str | None, now: datetime
    ) -> list[RiskSignal]: ...


def _iso(dt: datetime) -> str:
    return dt.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _vm_ids(document: Mapping[str, Any]) -> set[str]:
    did = document.get("id", "")
    out: set[str] = set()
    for vm in document.get("verificationMethod", []) or []:
        if isinstance(vm, Mapping) and isinstance(vm.get("id"), str):
            vid = vm["id"]
            out.add(did + vid if vid.startswith("#") else vid)
    return out


def _owner(document: Mapping[str, Any]) -> str | None:
    """The owner address from the ``#controller`` method's ``blockchainAccountId`` (CAIP-10)."""
    did = document.get("id", "")
    for vm in document.get("verificationMethod", []) or []:
        if not isinstance(vm, Mapping):
            continue
        vid = vm.get("id", "")
        if vid in (f"{did}#controller", "#controller"):
            account = vm.get("blockchainAccountId")
            if isinstance(account, str):
                # CAIP-10 ``eip155:<chain>:<address>``, or the legacy ``<address>@eip155:<chain>``.
                address = account.split("@", 1)[0] if "@" in account else account.rsplit(":", 1)[-1]
                return address.lower()
    return None


class EthrHistoryRisk:
    """Risk signals for did:ethr issuers from historical DID resolution on the registry chain."""

    def __init__(self, resolver: Resolver, *, owner_window: timedelta = timedelta(days=30)) -> None:
        self._resolver = resolver
        self._window = owner_window

    async def signals(
        self, did: str, *, issued_at: datetime | None, verification_method: str | None, now: datetime
    ) -> list[RiskSignal]:
        if not did.startswith("did:ethr:"):
            return []
        out: list[RiskSignal] = []
        try:
            current = await self._resolver.resolve(did)
            meta = current.document_metadata
            if meta.get("deactivated") is True:
                out.append(
                    RiskSignal(
                        code="did_deactivated",
                        severity="high",
                        subject=did,
                        message="the issuer's DID is deactivated on the registry chain",
                        observed_at=_parse(meta.get("updated")),
                        evidence={"versionId": meta.get("versionId")},
                    )
                )
            if verification_method is not None:
                out.extend(
                    await self._key_signals(did, current.document, verification_method, issued_at, now)
                )
            past_time = now - self._window
            past = await self._resolver.resolve(did, version_time=_iso(past_time))
            before, after = _owner(past.document), _owner(current.document)
            if before is not None and after is not None and before != after:
                out.append(
                    RiskSignal(
                        code="owner_changed_recently",
                        severity="warning",
                        subject=did,
                        message=f"the DID's owner changed within the last {self._window.days} days",
                        observed_at=_parse(meta.get("updated")),
                        evidence={"previousOwner": before, "currentOwner": after, "since": _iso(past_time)},
                    )
                )
        except DidkitError as exc:
            log.info("issuer history unavailable", extra={"did": did, "code": exc.code})
            out.append(
                RiskSignal(
                    code="history_unavailable",
                    severity="info",
                    subject=did,
                    message=f"the issuer's ledger history could not be read ({exc.code})",
                )
            )
        return out

    async def _key_signals(
        self,
        did: str,
        current: Mapping[str, Any],
        vm: str,
        issued_at: datetime | None,
        now: datetime,
    ) -> Sequence[RiskSignal]:
        out: list[RiskSignal] = []
        current_ids = _vm_ids(current)
        if vm not in current_ids:
            out.append(
                RiskSignal(
                    code="key_rotated_after_issuance",
                    severity="warning",
                    subject=did,
                    message="the key that signed is no longer in the issuer's DID document",
                    evidence={"verificationMethod": vm},
                )
            )
        if issued_at is None or issued_at >= now:
            return out
        at_issuance = await self._resolver.resolve(did, version_time=_iso(issued_at))
        issued_ids = _vm_ids(at_issuance.document)
        evidence: dict[str, Any] = {
            "verificationMethod": vm,
            "issuedAt": _iso(issued_at),
            "versionIdAtIssuance": at_issuance.document_metadata.get("versionId"),
            "added": sorted(current_ids - issued_ids),
            "removed": sorted(issued_ids - current_ids),
        }
        if vm not in issued_ids:
            out.append(
                RiskSignal(
                    code="key_rotated_after_issuance",
                    severity="high",
                    subject=did,
                    message="the key that signed was not the issuer's at the stated issuance time",
                    observed_at=issued_at,
                    evidence=evidence,
                )
            )
        elif issued_ids != current_ids and vm in current_ids:
            out.append(
                RiskSignal(
                    code="key_rotated_after_issuance",
                    severity="info",
                    subject=did,
                    message="the issuer's keys changed after this credential was issued",
                    observed_at=issued_at,
                    evidence=evidence,
                )
            )
        return out


def _parse(value: Any) -> datetime | None:
    if not isinstance(value, str):
        return None
    try:
        dt = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None
    return dt if dt.tzinfo else dt.replace(tzinfo=UTC)
