"""The wallet CLI end to end in-process: init, import, list, show, match, present, receive, history."""

from __future__ import annotations

import json
from typing import Any

from conftest import Cli, WriteFile
from wworld import DEGREE_QUERY, PID_QUERY, SECRET_NAME, IssuerApp, Issuers, VerifierApp


def _holder(cli: Cli) -> dict[str, Any]:
    ids = cli.json("did", "list")
    return next(i for i in ids if i["default"])


def _holder_jwk(cli: Cli) -> dict[str, Any]:
    from didkit_py.did import public_key_from_vm  # noqa: F401
    from didkit_py.keys import KeyPair, multikey_decode, public_jwk

    did = _holder(cli)["did"]
    kt, pk = multikey_decode(did.removeprefix("did:key:"))
    return public_jwk(KeyPair(kt, pk))


def test_import_list_show_export_delete(initialised: Cli, issuers: Issuers, write_file: WriteFile) -> None:
    cli = initialised
    did = _holder(cli)["did"]
    a = cli.json("import", str(write_file("b.json", issuers.bbs_credential(did))))
    b = cli.json("import", str(write_file("j.jwt", issuers.jwt_credential(did))))
    c = cli.json("import", str(write_file("s.txt", issuers.sd_jwt(_holder_jwk(cli)))))
    rows = cli.json("list")
    assert {r["format"] for r in rows} == {"bbs-2023", "vc+jwt", "dc+sd-jwt"}
    assert {r["id"] for r in rows} == {a["id"], b["id"], c["id"]}
    assert all(r["valid_until"] for r in rows if r["format"] != "dc+sd-jwt")
    table = cli("list").stdout
    assert "ExampleDegreeCredential" in table and "bbs-2023" in table
    shown = cli.json("show", c["id"][:6])
    how = {x["pointer"]: x["disclosable"] for x in shown["claims"]}
    assert how["/family_name"] == "selective" and how["/vct"] == "always"
    shown = cli.json("show", a["id"][:6])
    how = {x["pointer"]: x["disclosable"] for x in shown["claims"]}
    assert how["/issuer"] == "always" and how["/credentialSubject/name"] == "selective"
    exported = cli("export", b["id"]).stdout.strip()
    assert exported.count(".") == 2 and "~" not in exported
    cli("delete", b["id"], "--yes")
    assert len(cli.json("list")) == 2
    cli("show", b["id"], code=1)  # NotFound → 1


def test_import_refuses_a_forged_credential(
    initialised: Cli, issuers: Issuers, write_file: WriteFile
) -> None:
    cred = issuers.bbs_credential()
    cred["credentialSubject"]["name"] = "Mallory"
    r = initialised("import", str(write_file("forged.json", cred)), code=1)
    assert "did not verify" in r.stderr and "Traceback" not in r.stderr
    assert initialised.json("list") == []
    initialised("import", str(write_file("junk.json", {"hello": 1})), code=3)


def test_present_sd_jwt_to_a_signed_request(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    cli = initialised
    c = cli.json("import", str(write_file("s.txt", issuers.sd_jwt(_holder_jwk(cli)))))
    uri = rp.new_request(PID_QUERY)
    out = cli.json("present", uri, "--yes", "--select", f"pid={c['id'][:8]}")
    assert rp.results and rp.results[-1]["verdicts"][0]["verdict"] == "accepted", rp.results
    sent = out["sent"][0]["claims"]
    assert "/given_name" in sent and "/nationality" in sent and "/family_name" not in sent
    token = rp.results[-1]["vp_token"]["pid"][0]
    assert SECRET_NAME not in json.dumps(token)  # an undisclosed claim never left the wallet
    hist = cli.json("history")
    assert hist[-1]["client_id"].startswith("decentralized_identifier:did:key:")
    assert "/given_name" in hist[-1]["credentials"][0]["claims"]
    assert cli.json("forget", "--yes")["erased"] == 1
    assert cli.json("history") == []


def test_present_bbs_derived_to_a_redirect_uri_request(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    cli = initialised
    did = _holder(cli)["did"]
    c = cli.json("import", str(write_file("b.json", issuers.bbs_credential(did))))
    uri = rp.new_request(DEGREE_QUERY, signed=False)
    out = cli.json("present", uri, "--yes", "--select", f"degree={c['id']}")
    v = rp.results[-1]["verdicts"][0]
    assert v["verdict"] == "accepted", v
    assert "/credentialSubject/degree/type" in out["sent"][0]["claims"]
    assert SECRET_NAME not in json.dumps(rp.results[-1]["vp_token"])


def test_yes_without_selection_is_a_usage_error_when_two_credentials_match(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    a = initialised.json("import", str(write_file("s.txt", issuers.sd_jwt(_holder_jwk(initialised)))))
    b = initialised.json("import", str(write_file("t.txt", issuers.sd_jwt(_holder_jwk(initialised)))))
    r = initialised("present", rp.new_request(PID_QUERY), "--yes", code=2)
    assert "wallet.selection_needed" in r.stderr and not rp.results
    assert f"--select pid={a['id'][:8]}" in r.stderr and f"--select pid={b['id'][:8]}" in r.stderr
    assert "Alice" not in r.stdout + r.stderr  # nothing of the claims was shown either


def test_tampered_request_is_refused_before_anything_is_shown(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    c = initialised.json("import", str(write_file("s.txt", issuers.sd_jwt(_holder_jwk(initialised)))))
    rp.tamper = True
    r = initialised("present", rp.new_request(PID_QUERY), "--yes", "--select", f"pid={c['id']}", code=1)
    assert "oid4vp.request_signature" in r.stderr
    assert "Alice" not in r.stdout + r.stderr and "disclosed" not in r.stderr
    assert not rp.results and initialised.json("history") == []


def test_redirect_uri_client_id_must_match_response_uri(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    c = initialised.json("import", str(write_file("s.txt", issuers.sd_jwt(_holder_jwk(initialised)))))
    uri = rp.new_request(PID_QUERY, signed=False).replace(
        "client_id=redirect_uri%3Ahttp", "client_id=redirect_uri%3Ahttps"
    )
    r = initialised("present", uri, "--yes", "--select", f"pid={c['id']}", code=1)
    assert "oid4vp.client_id_mismatch" in r.stderr and not rp.results


def test_match_dcql_and_purpose(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    cli = initialised
    did = _holder(cli)["did"]
    b = cli.json("import", str(write_file("b.json", issuers.bbs_credential(did))))
    s = cli.json("import", str(write_file("s.txt", issuers.sd_jwt(_holder_jwk(cli)))))
    out = cli.json("match", str(write_file("q.json", PID_QUERY)))
    assert out["kind"] == "dcql" and [r["credential"] for r in out["recommendations"]] == [s["id"]]
    out = cli.json("match", json.dumps({"purpose": "check my university degree"}), "--lexical")
    assert out["recommendations"][0]["credential"] == b["id"]
    out = cli.json("match", rp.new_request(DEGREE_QUERY))
    assert [r["credential"] for r in out["recommendations"]] == [b["id"]]
    assert not rp.results  # matching never sends anything


def test_receive_pre_authorized_with_tx_code(initialised: Cli, issuer_app: IssuerApp) -> None:
    cli = initialised
    offer = issuer_app.new_offer("pid_sd_jwt", tx_code="493536")
    r = cli("receive", offer, "--yes", code=3)  # needs the code, not a TTY
    assert "tx_code" in r.stderr
    offer = issuer_app.new_offer("pid_sd_jwt", tx_code="493536")
    r = cli("receive", offer, "--yes", "--tx-code", "000000", code=3)
    assert "invalid_grant" in r.stderr
    offer = issuer_app.new_offer("pid_sd_jwt", tx_code="493536")
    rows = cli.json("receive", offer, "--yes", "--tx-code", "493536")
    assert rows[0]["format"] == "dc+sd-jwt" and rows[0]["type"] == "Personal ID"
    assert rows[0]["issuer_name"] == "Example University"
    offer = issuer_app.new_offer("degree_bbs", by_reference=False)
    rows = cli.json("receive", offer, "--yes")
    assert rows[0]["format"] == "bbs-2023"
    shown = cli.json("show", rows[0]["id"])
    subject = {c["pointer"]: c["value"] for c in shown["claims"]}
    assert subject["/credentialSubject/id"] == _holder(cli)["did"]  # bound by the proof of possession
    assert len(cli.json("list")) == 2 and issuer_app.issued == 2


def test_received_sd_jwt_is_presentable(initialised: Cli, issuer_app: IssuerApp, rp: VerifierApp) -> None:
    rows = initialised.json("receive", issuer_app.new_offer("pid_sd_jwt"), "--yes")
    initialised.json("present", rp.new_request(PID_QUERY), "--yes", "--select", f"pid={rows[0]['id']}")
    assert rp.results[-1]["verdicts"][0]["verdict"] == "accepted"


def test_no_wallet_and_wrong_passphrase_exit_codes(cli: Cli) -> None:
    r = cli("list", code=1)
    assert "wallet init" in r.stderr
    cli("init")
    cli("init", code=3)  # exists
    r = cli("list", env={"DIDKIT_WALLET_PASSPHRASE": "wrong"}, code=1)
    assert "wrong passphrase" in r.stderr and "Traceback" not in r.stderr


def test_present_to_a_presentation_definition(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    from wworld import PE_DEFINITION

    cli = initialised
    did = _holder(cli)["did"]
    c = cli.json("import", str(write_file("b.json", issuers.bbs_credential(did))))
    cli.json("import", str(write_file("j.jwt", issuers.jwt_credential(did))))
    out = cli.json("present", rp.new_request(PE_DEFINITION), "--yes", "--select", f"degree={c['id']}")
    result = rp.results[-1]
    assert result["verdicts"][0]["verdict"] == "accepted", result
    submission = json.loads(result["submission"])
    assert submission["descriptor_map"][0]["format"] == "ldp_vp"
    assert submission["descriptor_map"][0]["path_nested"]["path"] == "$.verifiableCredential[0]"
    assert "/credentialSubject/degree/type" in out["sent"][0]["claims"]
    assert SECRET_NAME not in json.dumps(result["vp_token"])


def test_presentations_use_the_identity_the_credential_is_bound_to(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    cli = initialised
    did = _holder(cli)["did"]
    jwk = _holder_jwk(cli)
    b = cli.json("import", str(write_file("b.json", issuers.bbs_credential(did))))
    s = cli.json("import", str(write_file("s.txt", issuers.sd_jwt(jwk))))
    new = cli.json("did", "new", "--method", "jwk", "--key-type", "P-256", "--default")
    assert _holder(cli)["did"] == new["did"] != did
    cli.json("present", rp.new_request(DEGREE_QUERY), "--yes", "--select", f"degree={b['id']}")
    cli.json("present", rp.new_request(PID_QUERY), "--yes", "--select", f"pid={s['id']}")
    assert [r["verdicts"][0]["verdict"] for r in rp.results] == ["accepted", "accepted"], rp.results


def test_receive_and_present_from_qr_images(
    initialised: Cli, issuer_app: IssuerApp, rp: VerifierApp, tmp_path: Any
) -> None:
    import segno

    offer_png = tmp_path / "offer.png"
    segno.make(issuer_app.new_offer("pid_sd_jwt"), error="m").save(offer_png, scale=4)
    [got] = initialised.json("receive", str(offer_png), "--yes")
    request_png = tmp_path / "request.png"
    segno.make(rp.new_request(PID_QUERY), error="l").save(request_png, scale=3)
    initialised.json("present", str(request_png), "--yes", "--select", f"pid={got['id']}")
    assert rp.results[-1]["verdicts"][0]["verdict"] == "accepted"
    blank = tmp_path / "blank.png"
    segno.make("just text").save(blank, scale=2)
    r = initialised("receive", str(blank), "--yes", code=3)
    assert "offer" in r.stderr and "Traceback" not in r.stderr
    junk = tmp_path / "junk.png"
    junk.write_bytes(b"\x89PNG\r\n\x1a\n" + b"\x00" * 50)
    r = initialised("receive", str(junk), "--yes", code=3)
    assert "qr.image" in r.stderr


def test_present_whole_credentials_eddsa_and_vc_jwt(
    initialised: Cli, issuers: Issuers, write_file: WriteFile, rp: VerifierApp
) -> None:
    """Formats without selective disclosure are shown, and sent, whole."""
    from wworld import now

    from didkit_py.credentials import issue

    cli = initialised
    did = _holder(cli)["did"]
    eddsa = issue(
        issuers.degree_doc(did, issuers.ed.did), signer=issuers.ed, now=now(), format="eddsa-rdfc-2022"
    )
    e = cli.json("import", str(write_file("e.json", eddsa)))
    j = cli.json("import", str(write_file("j.jwt", issuers.jwt_credential(did))))
    assert e["format"] == "eddsa-rdfc-2022"
    out = cli.json("present", rp.new_request(DEGREE_QUERY), "--yes", "--select", f"degree={e['id']}")
    assert rp.results[-1]["verdicts"][0]["verdict"] == "accepted", rp.results[-1]
    assert "/credentialSubject/name" in out["sent"][0]["claims"]  # whole: nothing can be withheld
    jwt_query = {
        "credentials": [
            {
                "id": "degree",
                "format": "jwt_vc_json",
                "meta": {"type_values": DEGREE_QUERY["credentials"][0]["meta"]["type_values"]},
                "claims": [{"path": ["credentialSubject", "degree", "type"]}],
            }
        ]
    }
    out = cli.json("present", rp.new_request(jwt_query), "--yes", "--select", f"degree={j['id']}")
    assert rp.results[-1]["verdicts"][0]["verdict"] == "accepted", rp.results[-1]
    assert isinstance(rp.results[-1]["vp_token"]["degree"][0], str)  # a vp+jwt
