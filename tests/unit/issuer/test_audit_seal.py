"""The audit log is written unsealed and chained by sealers: nothing lost, nothing chained twice."""

from __future__ import annotations

import threading
import time

from sqlalchemy import select, text

from issuer.db import AuditEvent
from issuer.service import GENESIS, audit_hash

from .conftest import Api
from .test_api import CRED, _issue


def _events(api: Api) -> list[AuditEvent]:
    with api.service.sessions() as s:
        return list(s.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def test_events_are_written_unsealed_and_sealed_in_write_order(api: Api) -> None:
    api.service.seal_audit()
    _issue(api, {"credential": CRED})
    _issue(api, {"credential": CRED})
    pending = [e for e in _events(api) if e.seq is None]
    # The background sealer (1 s) may already have taken them; either way sealing is complete.
    api.service.seal_audit()
    assert api.service.seal_audit() == 0  # nothing left, nothing sealed twice
    events = _events(api)
    assert all(e.seq is not None and e.hash is not None for e in events)
    for tenant in {e.tenant_id for e in events}:
        chain = sorted((e for e in events if e.tenant_id == tenant), key=lambda e: e.id)
        assert [e.seq for e in chain] == list(range(1, len(chain) + 1))  # insertion order
        prev = GENESIS
        for e in chain:
            assert e.prev_hash == prev and e.hash == audit_hash(e)
            prev = e.hash
    assert len(pending) <= 2
    with api.service.sessions() as s:
        acme = s.execute(text("SELECT id FROM tenants WHERE slug = 'acme'")).scalar_one()
    heads = {h["tenant"]: h for h in api.service.verify_audit()}
    assert heads["acme"]["events"] == sum(1 for e in events if e.tenant_id == acme)


def test_listing_and_verify_seal_pending_events(api: Api) -> None:
    _issue(api, {"credential": CRED})
    listed = api.client.get("/audit", headers=api.a.admin).json()
    assert listed[0]["action"] == "credential.issue"
    assert isinstance(listed[0]["seq"], int) and listed[0]["hash"]
    assert [e["seq"] for e in listed] == sorted((e["seq"] for e in listed), reverse=True)


def test_concurrent_writers_and_sealers_build_one_unbroken_chain(api: Api) -> None:
    """Four issuing threads and two non-waiting sealers race (both databases run this)."""
    api.service.seal_audit()
    before = {h["tenant"]: h["events"] for h in api.service.verify_audit()}
    stop = threading.Event()
    errors: list[BaseException] = []

    def sealer() -> None:
        while not stop.is_set():
            try:
                api.service.seal_audit(wait=False)
            except BaseException as exc:  # pragma: no cover - reported below
                errors.append(exc)
                return
            time.sleep(0.005)

    def writer() -> None:
        try:
            for _ in range(6):
                _issue(api, {"credential": CRED})
        except BaseException as exc:  # pragma: no cover - reported below
            errors.append(exc)

    sealers = [threading.Thread(target=sealer) for _ in range(2)]
    writers = [threading.Thread(target=writer) for _ in range(4)]
    for t in sealers + writers:
        t.start()
    for t in writers:
        t.join()
    stop.set()
    for t in sealers:
        t.join()
    assert not errors, errors
    heads = {h["tenant"]: h for h in api.service.verify_audit()}
    assert heads["acme"]["events"] == before["acme"] + 24
    assert heads["globex"]["events"] == before["globex"]


def test_run_sealer_seals_what_is_left_when_stopped(api: Api) -> None:
    stop = threading.Event()
    stop.set()  # no rounds: only the final seal
    _issue(api, {"credential": CRED})
    api.service.run_sealer(stop, 3600)
    assert all(e.seq is not None for e in _events(api))
