"""Status refresh against a served Bitstring Status List, and the history of refused answers."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta

import pytest
from conftest import Cli, WriteFile
from fastapi import FastAPI
from fastapi.responses import PlainTextResponse
from wworld import PID_QUERY, Issuers, VerifierApp, now, serve

from didkit_py.credentials import issue
from didkit_py.status import StatusListManager


class StatusServer:
    def __init__(self, issuers: Issuers) -> None:
        self.issuers = issuers
        self.token = ""
        self.manager: StatusListManager | None = None

    def publish(self) -> None:
        assert self.manager is not None
        doc = self.manager.credential(issuer=self.issuers.ed.did, valid_from=now() - timedelta(days=1))
        token = issue(doc, signer=self.issuers.ed, now=now() - timedelta(minutes=1))
        assert isinstance(token, str)
        self.token = token

    def app(self) -> FastAPI:
        api = FastAPI()

        @api.get("/status/1")
        async def status() -> PlainTextResponse:
            return PlainTextResponse(self.token, media_type="application/vc+jwt")

        return api


@pytest.fixture
def status_server(issuers: Issuers) -> Iterator[StatusServer]:
    s = StatusServer(issuers)
    with serve(s.app()) as base:
        s.manager = StatusListManager.create(id=f"{base}/status/1", status_purpose="revocation")
        s.publish()
        yield s


def test_refresh_status_sees_a_revocation(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, status_server: StatusServer
) -> None:
    cli = initialised
    manager = status_server.manager
    assert manager is not None
    idx = manager.allocate()
    doc = issuers.degree_doc(None, issuers.ed.did)
    doc["credentialStatus"] = manager.entry(idx, purpose="revocation").to_json()
    token = issue(doc, signer=issuers.ed, now=now())
    assert isinstance(token, str)
    stored = cli.json("import", str(write_file("c.jwt", token)))
    assert stored["status"] == "valid"
    assert cli.json("refresh-status") == [{"id": stored["id"], "status": "valid", "was": "valid"}]
    manager.set_status(idx, 1)
    status_server.publish()
    assert cli.json("refresh-status")[0]["status"] == "revoked"
    assert cli.json("list")[0]["status"] == "revoked"
    assert "revoked" in cli("list").stdout
    # a revoked credential is not taken in again
    r = cli("import", str(write_file("c2.jwt", token)), code=1)
    assert "status" in r.stderr


def test_a_refused_answer_is_still_in_the_history(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    from test_cli import _holder_jwk

    c = initialised.json("import", str(write_file("s.txt", issuers.sd_jwt(_holder_jwk(initialised)))))
    rp.refuse = True
    r = initialised("present", rp.new_request(PID_QUERY), "--yes", "--select", f"pid={c['id']}", code=1)
    assert "refused" in r.stderr
    hist = initialised.json("history")
    assert len(hist) == 1 and hist[0]["outcome"] == "failed: wallet.verifier_refused"
    assert "/given_name" in hist[0]["credentials"][0]["claims"]
