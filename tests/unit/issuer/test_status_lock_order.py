"""Status changes that touch two lists lock them in one order (no deadlock on PostgreSQL)."""

from __future__ import annotations

import threading
from typing import Any

from .conftest import Api
from .test_status_publish import _issue, _template


def test_opposite_order_two_list_changes_do_not_deadlock(api: Api) -> None:
    _template(api, "b", "eddsa-rdfc-2022")
    pairs = 12
    creds = [_issue(api, "b") for _ in range(2 * pairs)]
    principal = api.service.authenticate(api.a.revoke["Authorization"].removeprefix("Bearer "), "revoke")
    errors: list[BaseException] = []
    barrier = threading.Barrier(2)

    def change(vc: Any, order: list[str]) -> None:
        body = {"credentialId": vc["id"], "credentialStatus": [{"type": "x", "status": s} for s in order]}
        try:
            barrier.wait(timeout=30)
            api.service.update_status(principal, body)
        except BaseException as exc:  # collected for the assertion below
            errors.append(exc)

    for i in range(pairs):
        a = threading.Thread(target=change, args=(creds[2 * i], ["suspended", "revoked"]))
        b = threading.Thread(target=change, args=(creds[2 * i + 1], ["revoked", "suspended"]))
        a.start()
        b.start()
        a.join()
        b.join()
    assert not errors, errors
