"""The verifier across formats: Data Integrity (eddsa, ecdsa, bbs-2023 derived), DI presentations,
SD-JWT VC with key binding, and status lists secured by a Data Integrity suite."""

from __future__ import annotations

import copy
from datetime import timedelta
from typing import Any

import pytest
from vworld import NOW, World, outcome

from didkit_py.credentials import derive, issue, present, signer_for_key
from didkit_py.keys import KeyType, generate_key

#: JSON-LD safe mode: every term must be defined, and the examples context defines these claims.
CONTEXT = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]


def _di(
    world: World, suite: str, doc: dict[str, Any] | None = None, **extra: Any
) -> tuple[dict[str, Any], Any]:
    key_type = {
        "eddsa-rdfc-2022": KeyType.ED25519,
        "ecdsa-rdfc-2019": KeyType.P256,
        "bbs-2023": KeyType.BLS12381G2,
    }[suite]
    signer = signer_for_key(generate_key(key_type))
    doc = doc or world.credential(**{"@context": CONTEXT})
    doc["issuer"] = signer.did
    return issue(doc, signer=signer, now=NOW - timedelta(days=1), format=suite, extra=extra), signer  # type: ignore[return-value]


@pytest.mark.parametrize("suite", ["eddsa-rdfc-2022", "ecdsa-rdfc-2019"])
async def test_data_integrity_credentials(world: World, suite: str) -> None:
    cred, signer = _di(world, suite)
    report = await world.make_verifier().verify_credential(cred)
    assert report.verdict == "accepted", report.failed_checks()
    assert report.format == suite and report.credentials[0].issuer == signer.did
    forged = copy.deepcopy(cred)
    forged["credentialSubject"]["name"] = "Mallory"
    bad = await world.make_verifier().verify_credential(forged)
    assert bad.verdict == "rejected" and outcome(bad, "signature")[0] == "failed"


async def test_bbs_derived_credential_in_a_di_presentation(world: World) -> None:
    base, _ = _di(world, "bbs-2023", mandatory_pointers=["/issuer"])
    verifier = world.make_verifier()
    rejected = await verifier.verify_credential(base)  # a base proof is for the holder, not a verifier
    assert rejected.verdict == "rejected"
    derived = derive(base, now=NOW, disclose=["/credentialSubject/id", "/credentialSubject/degree/type"])
    report = await verifier.verify_credential(derived)
    assert report.verdict == "accepted", report.failed_checks()
    pointers = {c.pointer for c in report.disclosed_claims}
    assert "/credentialSubject/degree/type" in pointers and "/credentialSubject/name" not in pointers
    vp = present(
        [derived],
        signer=world.holder,
        now=NOW,
        format="eddsa-rdfc-2022",
        challenge="n-7",
        domain="https://rp.example",
    )
    report = await verifier.verify_presentation(vp, challenge="n-7", domain="https://rp.example")
    assert report.verdict == "accepted", report.failed_checks()
    assert outcome(report, "holder_binding", "credential[0]") == ("passed", None)
    assert report.holder == world.holder.did
    replay = await verifier.verify_presentation(vp, challenge="n-7", domain="https://rp.example")
    assert outcome(replay, "challenge_domain") == ("failed", "challenge.replayed")
    wrong = await world.make_verifier().verify_presentation(
        vp, challenge="other", domain="https://rp.example"
    )
    assert outcome(wrong, "challenge_domain")[0] == "failed" and wrong.verdict == "rejected"


@pytest.mark.parametrize(
    ("list_format", "key_type"),
    [("eddsa-rdfc-2022", KeyType.ED25519), ("ecdsa-rdfc-2019", KeyType.P256), ("vc+jwt", KeyType.P256)],
)
async def test_status_list_secured_by_any_suite(world: World, list_format: str, key_type: KeyType) -> None:
    signer = signer_for_key(generate_key(key_type))
    idx = world.status.allocate()
    world.status.set_status(idx, 1)
    list_doc = world.status.credential(issuer=signer.did, valid_from=NOW - timedelta(days=3))
    secured_list = issue(list_doc, signer=signer, now=NOW - timedelta(days=1), format=list_format)
    world.web.put(world.status.id, secured_list)
    cred = world.credential(
        **{"@context": CONTEXT}, issuer=signer.did, credentialStatus=world.status.entry(idx).to_json()
    )
    secured = issue(
        cred,
        signer=signer,
        now=NOW - timedelta(days=1),
        format="eddsa-rdfc-2022" if key_type is KeyType.ED25519 else "ecdsa-rdfc-2019",
    )
    report = await world.make_verifier().verify_credential(secured)
    assert outcome(report, "status") == ("failed", "status.revoked"), report.failed_checks()
    if isinstance(secured_list, dict):  # "un-revoke" a Data Integrity list without re-signing
        doc = copy.deepcopy(secured_list)
        doc["credentialSubject"]["encodedList"] = world.suspension.list.encode()
        world.web.put(world.status.id, doc)
    else:  # flip one signature character of the vc+jwt
        head, payload, sig = secured_list.split(".")
        world.web.put(world.status.id, f"{head}.{payload}.{'A' if sig[0] != 'A' else 'B'}{sig[1:]}")
    report = await world.make_verifier().verify_credential(secured)
    assert outcome(report, "status") == ("failed", "status.list_verification")
    assert report.verdict == "rejected"


async def test_sd_jwt_vc_with_key_binding(world: World) -> None:
    holder_key = generate_key(KeyType.P256)
    holder = signer_for_key(holder_key)
    doc = world.credential(credentialSubject={"id": holder.did, "name": "Alice", "birthDate": "2000-01-01"})
    token = issue(
        doc,
        signer=world.issuer,
        now=NOW - timedelta(days=1),
        format="dc+sd-jwt",
        extra={"disclosable": ["/credentialSubject/name", "/credentialSubject/birthDate"]},
    )
    shown = derive(
        token,
        now=NOW,
        disclose=["/credentialSubject/birthDate"],
        holder=holder,
        challenge="n-9",
        domain="https://rp.example",
    )
    verifier = world.make_verifier()
    report = await verifier.verify_presentation(shown, challenge="n-9", domain="https://rp.example")
    assert report.verdict == "accepted", report.failed_checks()
    assert outcome(report, "holder_binding", "credential[0]") == ("passed", None)
    pointers = {c.pointer for c in report.disclosed_claims}
    assert "/credentialSubject/birthDate" in pointers and "/credentialSubject/name" not in pointers
    replay = await verifier.verify_presentation(shown, challenge="n-9", domain="https://rp.example")
    assert outcome(replay, "challenge_domain") == ("failed", "challenge.replayed")
    other = await world.make_verifier().verify_presentation(
        shown, challenge="n-10", domain="https://rp.example"
    )
    assert other.verdict == "rejected"


async def test_sd_jwt_token_status_list_is_reported_under_status(world: World) -> None:
    from didkit_py.status.token_status_list import TokenStatusList, create_status_list_token

    uri = "https://issuer.example/tsl/1"
    tsl = TokenStatusList.create(1024)
    tsl.set(5, 1)  # INVALID (revoked)

    def publish() -> None:
        token = create_status_list_token(
            tsl,
            key=world.issuer_key,
            uri=uri,
            iat=NOW - timedelta(minutes=5),
            issuer=world.issuer.did,
            kid=world.issuer.verification_method,
        )
        world.web.put(uri, token, headers={"Content-Type": "application/statuslist+jwt"})

    publish()
    holder = signer_for_key(generate_key(KeyType.P256))

    def shown(idx: int, nonce: str) -> Any:
        doc = world.credential(credentialSubject={"id": holder.did, "name": "Alice"})
        token = issue(
            doc,
            signer=world.issuer,
            now=NOW - timedelta(days=1),
            format="dc+sd-jwt",
            extra={
                "disclosable": ["/credentialSubject/name"],
                "status": {"status_list": {"idx": idx, "uri": uri}},
            },
        )
        return derive(
            token,
            now=NOW,
            disclose=["/credentialSubject/name"],
            holder=holder,
            challenge=nonce,
            domain="https://rp.example",
        )

    verifier = world.make_verifier()
    ok = await verifier.verify_presentation(shown(6, "t-1"), challenge="t-1", domain="https://rp.example")
    assert outcome(ok, "status", "credential[0]") == ("passed", None), ok.failed_checks()
    revoked = await verifier.verify_presentation(
        shown(5, "t-2"), challenge="t-2", domain="https://rp.example"
    )
    assert outcome(revoked, "status", "credential[0]")[0] == "failed"
    assert revoked.verdict == "rejected"
