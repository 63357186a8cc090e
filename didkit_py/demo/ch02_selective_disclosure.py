"""Chapter 2 · Selective disclosure with bbs-2023: reveal only what a request needs, unlinkably.

A licensing authority issues Alice an ID credential secured with ``bbs-2023`` (BBS signatures
over the credential's canonical N-Quads), marking the issuer and validity as mandatory. A bar
asks only "is she over 21?"; Alice's wallet derives a credential revealing just that claim and
presents it in a presentation bound to the bar's challenge. The bar verifies it without ever
seeing her name, birth date or address. Two presentations of the same credential share no
proof bytes, so two verifiers comparing notes cannot tell they saw the same credential. Then
Mallory edits a revealed claim and tries to pass the issuer's base credential as a derived one:
both are refused.
"""

from __future__ import annotations

import uuid
from typing import Any

from .._encoding import b64url_decode, b64url_encode
from ..credentials import BASE_CONTEXT_V2, derive, issue, present, signer_for_key, verify
from ..keys import KeyType, generate_key
from ._core import Chapter, DemoContext, Narrator

__all__ = ["CHAPTER"]

VERIFIER_DOMAIN = "https://bar.example"
MANDATORY = ["/issuer", "/validFrom", "/credentialSubject/type"]
REVEAL = ["/credentialSubject/over21"]


def _bbs_proof_chunks(derived: dict[str, Any]) -> set[bytes]:
    raw = b64url_decode(derived["proof"]["proofValue"][1:])
    return {raw[i : i + 32] for i in range(0, len(raw) - 31, 32)}


async def run(ctx: DemoContext, narrator: Narrator) -> None:
    # 1. The authority's BLS12-381 key (bbs-2023) and Alice's wallet key.
    authority = signer_for_key(generate_key(KeyType.BLS12381G2), method="key")
    alice = ctx.state.get("alice") or signer_for_key(generate_key(KeyType.P256), method="jwk")
    holder_format = "ecdsa-rdfc-2019" if alice.key.key_type is KeyType.P256 else "eddsa-rdfc-2022"
    narrator.say("The licensing authority makes a BLS12-381 key: BBS signatures allow selective disclosure.")
    narrator.show("authority", authority.did)

    # 2. The authority issues an ID credential with a bbs-2023 base proof.
    credential: dict[str, Any] = {
        "@context": [BASE_CONTEXT_V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "id": uuid.UUID(bytes=ctx.rng(16), version=4).urn,
        "type": ["VerifiableCredential", "ExampleIdentityCredential"],
        "issuer": authority.did,
        "validFrom": ctx.now.replace(microsecond=0).isoformat().replace("+00:00", "Z"),
        "credentialSubject": {
            "type": "ExamplePerson",
            "name": "Alice Example",
            "birthDate": "1990-04-01",
            "address": "1 Example Street, Springfield",
            "licenseNumber": "D-1234-5678",
            "over18": True,
            "over21": True,
        },
    }
    base = issue(
        credential, signer=authority, now=ctx.now, format="bbs-2023", extra={"mandatory_pointers": MANDATORY}
    )
    assert isinstance(base, dict)
    narrator.say("It signs every claim as a separate BBS message; issuer, validity and type are mandatory.")
    narrator.show("mandatory", MANDATORY, full=True)
    narrator.show("base proofValue", base["proof"]["proofValue"])

    # 3. The bar asks for 'over 21' only, with a fresh challenge; Alice derives and presents.
    challenge = b64url_encode(ctx.rng(16))
    narrator.say(f"A bar at {VERIFIER_DOMAIN} asks only: is the holder over 21? (challenge below)")
    narrator.show("challenge", challenge, full=True)
    derived = derive(base, now=ctx.now, disclose=REVEAL)
    assert isinstance(derived, dict)
    narrator.say(
        "Alice's wallet derives a credential revealing the mandatory claims and over21, nothing else:"
    )
    narrator.show("revealed", derived["credentialSubject"], full=True)
    vp = present(
        [derived],
        signer=alice,
        now=ctx.now,
        format=holder_format,
        challenge=challenge,
        domain=VERIFIER_DOMAIN,
    )
    narrator.say(f"She presents it in a presentation she signs ({holder_format}), bound to the challenge.")
    result = await verify(
        vp,
        resolver=ctx.resolver,
        now=ctx.now,
        challenge=challenge,
        domain=VERIFIER_DOMAIN,
        expect="presentation",
    )
    narrator.verification("bar checks Alice's presentation", result, expect_verified=True)
    hidden = sorted(set(credential["credentialSubject"]) - set(derived["credentialSubject"]))
    narrator.say(f"The bar never saw: {', '.join(hidden)}.")

    # 4. Unlinkability: a second presentation of the same credential shares no proof bytes.
    again = derive(base, now=ctx.now, disclose=REVEAL)
    assert isinstance(again, dict)
    shared = _bbs_proof_chunks(derived) & _bbs_proof_chunks(again)
    if shared or derived["proof"]["proofValue"] == again["proof"]["proofValue"]:
        raise AssertionError("two derived proofs share bytes")
    narrator.say(
        "A second derivation for another verifier reveals the same claim with a fresh BBS proof: the "
        "two proofs share no 32-byte block, so verifiers comparing notes cannot link them."
    )
    narrator.show("proof #1", derived["proof"]["proofValue"])
    narrator.show("proof #2", again["proof"]["proofValue"])
    second = await verify(again, resolver=ctx.resolver, now=ctx.now, expect="credential")
    narrator.verification("another verifier checks the second derivation", second, expect_verified=True)

    # 5. Forgeries: a changed revealed claim; the base credential presented as if derived.
    forged = {
        **derived,
        "credentialSubject": {**derived["credentialSubject"], "over21": False},
    }
    narrator.say("Mallory edits a derived copy: over21 becomes false.")
    bad = await verify(forged, resolver=ctx.resolver, now=ctx.now, expect="credential")
    narrator.verification("verifier checks Mallory's edited credential", bad, expect_verified=False)
    narrator.say("Mallory presents the issuer's base credential itself (every claim, signature included).")
    base_result = await verify(base, resolver=ctx.resolver, now=ctx.now, expect="credential")
    narrator.verification("verifier checks a base proof", base_result, expect_verified=False)
    ctx.state["bbs_base"] = base


CHAPTER = Chapter(
    slug="selective-disclosure",
    title="bbs-2023: reveal only 'over 21', unlinkably; forgeries rejected",
    run=run,
)
