"""The verifier service's OpenID4VP artefacts read by independent implementations:

- every reviewed request template is a DCQL query the npm ``dcql`` 3.0.0 parser accepts, and a
  matching ``ldp_vc`` credential satisfies it there as it does here;
- the signed Request Object verifies with ``jose`` 6.2.18 (``compactVerify``) under the relying
  party's did:key public key, with ``typ: oauth-authz-req+jwt``.
"""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

import httpx
import pytest

sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "verifier_service"))
sys.path.insert(0, str(Path(__file__).resolve().parents[1] / "unit" / "verifier"))

from svc_holder import NOW, degree_credential, holder

from didkit_py.credentials import derive
from didkit_py.did import default_resolver, public_key_from_vm
from didkit_py.exchange import HeldCredential
from didkit_py.keys import KeyPair, public_jwk
from verifier.service import VerifierSettings, create_app
from verifier.service.request_templates import load_templates

pytestmark = pytest.mark.interop


def test_templates_are_dcql_the_peer_accepts(node: Any) -> None:
    h = holder()
    base, _ = degree_credential(h, birthDate="2000-01-01")
    derived = derive(
        base,
        now=NOW,
        disclose=[
            "/credentialSubject/id",
            "/credentialSubject/name",
            "/credentialSubject/degree/type",
            "/credentialSubject/birthDate",
        ],
    )
    assert isinstance(derived, dict)
    doc = {k: v for k, v in derived.items() if k != "proof"}
    held = HeldCredential.from_vc(derived)
    cred = {"id": "c1", "format": "ldp_vc", "type": list(held.expanded_types), "claims": doc}
    for template in load_templates().values():
        out = node("exchange_dcql.mjs", {"query": dict(template.dcql_query), "credentials": [cred]})
        assert "error" not in out, (template.id, out)
        assert out["can_be_satisfied"], (template.id, out)
        ldp = [q["id"] for q in template.dcql_query["credentials"] if q["format"] == "ldp_vc"]
        assert all(out["queries"][q]["ids"] == ["c1"] for q in ldp), (template.id, out)


JOSE_VERIFY = """
import { compactVerify, importJWK } from 'jose';
let s = '';
for await (const d of process.stdin) s += d;
const input = JSON.parse(s);
const key = await importJWK(input.jwk, 'EdDSA');
const { payload, protectedHeader } = await compactVerify(input.jwt, key);
const claims = JSON.parse(new TextDecoder().decode(payload));
process.stdout.write(JSON.stringify({ header: protectedHeader, payload: claims }));
"""


def test_request_object_verifies_with_jose(node: Any, tmp_path: Path) -> None:
    from fastapi.testclient import TestClient

    settings = VerifierSettings(
        database_url=f"sqlite:///{tmp_path / 'v.db'}", key_dir=tmp_path, public_url="http://127.0.0.1:8800"
    )
    with TestClient(create_app(settings, http=httpx.AsyncClient())) as client:
        out = client.post("/oid4vp/requests", json={"template": "degree"}).json()
        jwt = client.get(out["request_uri"]).text
    did = out["client_id"].removeprefix("decentralized_identifier:")
    vm = default_resolver().resolve_sync(did).document["verificationMethod"][0]
    key_type, public = public_key_from_vm(vm)
    res = node(JOSE_VERIFY, {"jwt": jwt, "jwk": public_jwk(KeyPair(key_type, public))})
    assert res["header"]["typ"] == "oauth-authz-req+jwt" and res["header"]["alg"] == "EdDSA"
    assert res["header"]["kid"].split("#")[0] == did
    p = res["payload"]
    assert p["client_id"] == out["client_id"] and p["response_mode"] == "direct_post"
    assert p["response_uri"] == "http://127.0.0.1:8800/oid4vp/response" and p["dcql_query"]["credentials"]
    h64, p64, s64 = jwt.split(".")
    tampered = f"{h64}.{p64}.{s64[:-4]}{'AAAA' if not s64.endswith('AAAA') else 'BBBB'}"
    with pytest.raises(RuntimeError):
        node(JOSE_VERIFY, {"jwt": tampered, "jwk": public_jwk(KeyPair(key_type, public))})
