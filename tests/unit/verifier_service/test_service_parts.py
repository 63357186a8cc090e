"""The parts around the round trip: PE requests, ledger risk signals beside the service's own,
the direct_post parser, the SQL nonce store and the ``verifier`` command."""

from __future__ import annotations

import json
import socket
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from svc_holder import NOW, degree_credential, holder, resolve
from typer.testing import CliRunner

from didkit_py.credentials import derive, present
from didkit_py.errors import InvalidInput
from didkit_py.oid4vc.verifier import parse_direct_post_response, unsigned_request_params
from verifier import RiskSignal
from verifier.service.cli import app as cli_app
from verifier.service.storage import Storage

PD = {
    "id": "degree",
    "input_descriptors": [
        {
            "id": "degree",
            "constraints": {
                "limit_disclosure": "required",
                "fields": [{"path": ["$.credentialSubject.degree.type"]}],
            },
        }
    ],
}


def _open(client: Any, body: dict[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    r = client.post("/oid4vp/requests", json=body)
    assert r.status_code == 201, r.text
    out = r.json()
    return out, resolve(out["authorization_request"], transport=httpx.ASGITransport(app=client.app))


def _vp(req: dict[str, Any], disclose: list[str]) -> Any:
    h = holder()
    base, _ = degree_credential(h)
    derived = derive(base, now=NOW, disclose=["/credentialSubject/id", *disclose])
    return present(
        [derived],
        signer=h,
        now=NOW,
        format="eddsa-rdfc-2022",
        challenge=req["nonce"],
        domain=req["client_id"],
    )


def test_presentation_definition_request(client: Any) -> None:
    out, req = _open(client, {"presentation_definition": PD})
    assert req["presentation_definition"]["id"] == "degree" and req["dcql_query"] is None
    submission = {
        "id": "s",
        "definition_id": "degree",
        "descriptor_map": [{"id": "degree", "format": "ldp_vp", "path": "$"}],
    }
    vp = _vp(req, ["/credentialSubject/degree/type"])
    form = {
        "vp_token": json.dumps(vp),
        "presentation_submission": json.dumps(submission),
        "state": req["state"],
    }
    r = client.post("/oid4vp/response", data=form)
    assert r.status_code == 200, r.text
    res = client.get(out["status_uri"]).json()
    assert res["verdict"] == "accepted" and res["presentations"][0]["query_id"] is None
    # Missing the asked field: refused.
    out, req = _open(client, {"presentation_definition": PD})
    form = {"vp_token": json.dumps(_vp(req, ["/credentialSubject/name"])), "state": req["state"]}
    assert client.post("/oid4vp/response", data=form).status_code == 400
    checks = client.get(out["status_uri"]).json()["checks"]
    assert any(c["policy"] == "disclosure" and c["outcome"] == "failed" for c in checks)


class FakeLedger:
    async def signals(
        self, did: str, *, issued_at: datetime | None, verification_method: str | None, now: datetime
    ) -> list[RiskSignal]:
        return [
            RiskSignal(
                code="key_rotated_after_issuance",
                severity="warning",
                subject=did,
                message="the issuer rotated its key after issuing",
            )
        ]


def test_ledger_signals_sit_beside_the_services_own(make_client: Any) -> None:
    client = make_client(risk=FakeLedger())
    out, req = _open(client, {"template": "degree"})
    vp = _vp(req, ["/credentialSubject/degree/type"])
    assert (
        client.post(
            "/oid4vp/response", data={"vp_token": json.dumps({"degree_ldp": [vp]}), "state": req["state"]}
        ).status_code
        == 200
    )
    res = client.get(out["status_uri"]).json()
    assert res["verdict"] == "accepted"  # signals inform; the policies decide
    ledger = [s for s in res["risk_signals"] if s["source"] == "ledger"]
    assert ledger and ledger[0]["code"] == "key_rotated_after_issuance"
    page = client.get(f"/ui/transactions/{out['transaction_id']}/report").text
    assert "key_rotated_after_issuance" in page and "issuer ledger" in page


@settings(max_examples=300, deadline=None)
@given(
    st.dictionaries(
        st.sampled_from(["vp_token", "state", "presentation_submission", "error", "error_description"]),
        st.one_of(
            st.text(max_size=40),
            st.just('{"q": ["a"]}'),
            st.just('{"q": [{}]}'),
            st.just('["a", {"b": 1}]'),
            st.just('{"@context": 1}'),
        ),
    ),
    st.booleans(),
)
def test_parse_direct_post_response_parses_or_refuses(form: dict[str, str], dcql: bool) -> None:
    try:
        resp = parse_direct_post_response(form, dcql=dcql)
    except InvalidInput:
        return
    if resp.error is None:
        assert resp.vp_token and all(v for v in resp.vp_token.values())
        assert resp.dcql is dcql
    assert resp.state == form.get("state")


def test_unsigned_request_params_are_a_redirect_uri_client() -> None:
    p = unsigned_request_params(
        response_uri="https://rp.example/cb", nonce="n", state="s", now=NOW, dcql_query={"credentials": []}
    )
    assert p["client_id"] == "redirect_uri:https://rp.example/cb" and p["response_mode"] == "direct_post"
    with pytest.raises(InvalidInput):
        unsigned_request_params(
            response_uri="https://rp.example/cb", nonce="", state="s", now=NOW, dcql_query={}
        )


def test_sql_nonce_store_single_use(tmp_path: Path) -> None:
    t = [1000.0]
    s = Storage(f"sqlite:///{tmp_path / 'n.db'}", clock=lambda: t[0])
    n = s.issue_nonce(60)
    assert s.consume_nonce(n, 600, True) and not s.consume_nonce(n, 600, True)
    assert not s.consume_nonce("never-issued", 600, True)
    assert s.consume_nonce("chosen-by-caller", 600, False) and not s.consume_nonce(
        "chosen-by-caller", 600, False
    )
    late = s.issue_nonce(60)
    t[0] += 61
    assert not s.consume_nonce(late, 600, True)  # expired
    s.sweep()
    t[0] += 600
    s.sweep()
    assert s.consume_nonce("chosen-by-caller", 600, False)  # forgotten after its replay window
    s.close()


def test_cli_help_and_bind_error(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    runner = CliRunner()
    r = runner.invoke(cli_app, ["--help"])
    assert r.exit_code == 0 and "serve" in r.output
    monkeypatch.setenv("DIDKIT_HOME", str(tmp_path))
    with socket.socket() as busy:
        busy.bind(("127.0.0.1", 0))
        busy.listen()
        r = runner.invoke(cli_app, ["serve", "--port", str(busy.getsockname()[1])])
    assert r.exit_code == 3 and "serve.bind" in r.output


def test_chain_setting_wires_did_ethr_and_ledger_risk(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    from verifier import EthrHistoryRisk
    from verifier.service import VerifierSettings, create_app

    monkeypatch.setenv("DIDKIT_CHAIN_URL", "http://127.0.0.1:9")
    app = create_app(
        VerifierSettings(chain=True, key_dir=tmp_path, database_url=f"sqlite:///{tmp_path}/v.db")
    )
    verifier = app.state.verifier
    assert isinstance(verifier.risk, EthrHistoryRisk)
    assert "ethr" in verifier.resolver.methods


def test_relying_party_key_survives_restarts(make_client: Any, tmp_path: Path) -> None:
    first = make_client().get("/relying-parties").json()[0]["client_id"]
    again = make_client().get("/relying-parties").json()[0]["client_id"]
    assert first == again and first.startswith("decentralized_identifier:did:key:z6Mk")
    key_file = tmp_path / "keys" / "rp-default.key.json"
    assert key_file.exists() and key_file.stat().st_mode & 0o077 == 0


def test_api_key_guards_the_relying_party_side_only(make_client: Any) -> None:
    client = make_client(api_key="s3cret-key")
    r = client.post("/oid4vp/requests", json={"template": "degree"})
    assert r.status_code == 401 and r.json()["code"] == "auth.required" and "WWW-Authenticate" in r.headers
    bad = {"Authorization": "Bearer wrong"}
    assert client.post("/oid4vp/requests", json={"template": "degree"}, headers=bad).status_code == 401
    auth = {"Authorization": "Bearer s3cret-key"}
    r = client.post("/oid4vp/requests", json={"template": "degree"}, headers=auth)
    assert r.status_code == 201
    out = r.json()
    # The wallet's side stays open: it fetches the request and answers without the key.
    req = resolve(out["authorization_request"], transport=httpx.ASGITransport(app=client.app))
    form = {
        "vp_token": json.dumps({"degree_ldp": [_vp(req, ["/credentialSubject/degree/type"])]}),
        "state": req["state"],
    }
    assert client.post("/oid4vp/response", data=form).status_code == 200
    assert client.get(out["status_uri"]).status_code == 401
    assert client.get(out["status_uri"], headers=auth).json()["verdict"] == "accepted"
    assert client.post("/credentials/verify", json={"verifiableCredential": {}}).status_code == 401
    assert client.get("/").status_code == 404 and client.get("/health").status_code == 200


def test_retention_sweep_forgets_old_transactions(tmp_path: Path) -> None:
    t = [1000.0]
    s = Storage(f"sqlite:///{tmp_path / 'r.db'}", clock=lambda: t[0])
    s.create_transaction(id="t1", rp_id="rp", state="s1", nonce="n1", ttl=60, request={}, request_object="")
    s.record_presentation("d1", "t1")
    t[0] += 10 * 86_400
    s.sweep(30 * 86_400)
    assert s.get_transaction("t1") is not None
    t[0] += 21 * 86_400
    s.sweep(30 * 86_400)
    assert s.get_transaction("t1") is None and s.record_presentation("d1", "t2") == []
    s.close()
