"""Chapter 1 · A credential as vc+jwt: issue, present to a verifier, verify, reject forgeries.

An issuer (a university) and a holder (Alice) each make a key and a DID from it; the university
issues Alice a degree as a ``vc+jwt`` (VC-JOSE-COSE); a verifier sends Alice a challenge; Alice
answers with a ``vp+jwt`` that envelopes the credential and is bound to that challenge; the
verifier checks everything. Then Mallory edits the degree in the token, and replays Alice's
presentation to another verifier: both are rejected, and the report says exactly why.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

from .._encoding import b64url_decode, b64url_encode
from ..credentials import BASE_CONTEXT_V2, issue, present, signer_for_key, verify
from ..keys import KeyType, generate_key
from ._core import Chapter, DemoContext, Narrator

__all__ = ["CHAPTER"]

VERIFIER_DOMAIN = "https://verifier.example"


async def run(ctx: DemoContext, narrator: Narrator) -> None:
    # 1. Two parties, two keys, two DIDs derived from the keys themselves (no registry needed).
    university = signer_for_key(generate_key(KeyType.ED25519), method="key")
    alice = signer_for_key(generate_key(KeyType.P256), method="jwk")
    narrator.say("Example University makes an Ed25519 key; its DID is derived from the key (did:key).")
    narrator.show("university", university.did, full=True)
    narrator.say("Alice makes a P-256 key in her wallet; her DID embeds the public JWK (did:jwk).")
    narrator.show("alice", alice.did)

    # 2. The university issues a degree credential, secured as a vc+jwt.
    credential: dict[str, Any] = {
        "@context": [BASE_CONTEXT_V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "id": uuid.UUID(bytes=ctx.rng(16), version=4).urn,
        "type": ["VerifiableCredential", "ExampleDegreeCredential"],
        "issuer": {"id": university.did, "name": "Example University"},
        "validFrom": ctx.now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "id": alice.did,
            "degree": {"type": "ExampleBachelorDegree", "name": "Bachelor of Science and Arts"},
        },
    }
    narrator.say("The university writes Alice's degree as a W3C Verifiable Credential (Data Model 2.0):")
    narrator.show(
        "credential",
        {**credential, "credentialSubject": {**credential["credentialSubject"], "id": "(alice)"}},
    )
    vc_jwt = issue(credential, signer=university, now=ctx.now, format="vc+jwt")
    assert isinstance(vc_jwt, str)
    header = json.loads(b64url_decode(vc_jwt.split(".", 1)[0]))
    narrator.say("…and signs it as a vc+jwt: the JWT payload is the credential itself.")
    narrator.show("vc+jwt", vc_jwt)
    narrator.show("JOSE header", {**header, "kid": "(university key)"})
    ctx.state["university"] = university
    ctx.state["alice"] = alice
    ctx.state["degree_vc_jwt"] = vc_jwt

    # 3. A verifier asks for proof with a fresh challenge; Alice presents, bound to it.
    challenge = b64url_encode(ctx.rng(16))
    narrator.say(f"A verifier at {VERIFIER_DOMAIN} asks Alice for her degree, with a fresh challenge.")
    narrator.show("challenge", challenge, full=True)
    vp_jwt = present([vc_jwt], signer=alice, now=ctx.now, challenge=challenge, domain=VERIFIER_DOMAIN)
    assert isinstance(vp_jwt, str)
    narrator.say("Alice's wallet wraps the credential in a presentation she signs (vp+jwt, nonce + aud).")
    narrator.show("vp+jwt", vp_jwt)

    # 4. The verifier checks the presentation and the credential inside it.
    result = await verify(
        vp_jwt,
        resolver=ctx.resolver,
        now=ctx.now,
        challenge=challenge,
        domain=VERIFIER_DOMAIN,
        expect="presentation",
    )
    narrator.verification("verifier checks Alice's presentation", result, expect_verified=True)

    # 5. Mallory upgrades the degree inside the token; the signature no longer matches.
    h64, p64, s64 = vc_jwt.split(".")
    payload = json.loads(b64url_decode(p64))
    payload["credentialSubject"]["degree"]["name"] = "Doctor of Philosophy"
    forged = f"{h64}.{b64url_encode(json.dumps(payload).encode())}.{s64}"
    narrator.say("Mallory edits a copy of the token: 'Bachelor' becomes 'Doctor of Philosophy'.")
    forged_result = await verify(forged, resolver=ctx.resolver, now=ctx.now, expect="credential")
    narrator.verification("verifier checks Mallory's edited credential", forged_result, expect_verified=False)

    # 6. Mallory replays Alice's genuine presentation to another verifier with its own challenge.
    narrator.say("Mallory replays Alice's genuine presentation to another verifier with its own challenge.")
    other_challenge = b64url_encode(ctx.rng(16))
    replay = await verify(
        vp_jwt,
        resolver=ctx.resolver,
        now=ctx.now,
        challenge=other_challenge,
        domain="https://other-verifier.example",
        expect="presentation",
    )
    narrator.verification("second verifier checks the replayed presentation", replay, expect_verified=False)
    narrator.say("Both forgeries fail, and each report names the check and the reason.")


CHAPTER = Chapter(
    slug="vc-jwt", title="A degree as vc+jwt: issue, present, verify, reject forgeries", run=run
)
