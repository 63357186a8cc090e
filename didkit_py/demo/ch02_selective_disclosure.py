"""Chapter 2 · Selective disclosure with bbs-2023: reveal only what a request needs, unlinkably.

A licensing authority issues Alice an ID credential secured with ``bbs-2023`` (BBS signatures
over the credential's canonical N-Quads), marking its issuer, validity and subject type as
mandatory. A bar asks, in plain language, for proof that she is over 21. Alice's wallet asks the
matcher (:mod:`didkit_py.match`) which credential and which claims answer that; the matcher
suggests, Alice confirms, and the wallet derives a credential revealing just those claims and
presents it bound to the bar's challenge. The bar verifies it; no undisclosed value appears
anywhere in what it received. Two derivations of the same credential share no 8-byte window of
BBS proof bytes, so verifiers comparing notes cannot link them. Then Mallory edits a revealed
claim and offers the issuer's base credential as if derived: both are refused.
"""

from __future__ import annotations

import json
import warnings
from typing import Any

from .._encoding import b64url_decode, b64url_encode
from ..credentials import BASE_CONTEXT_V2, derive, issue, present, signer_for_key, verify
from ..exchange.credential import HeldCredential
from ..keys import KeyType, generate_key
from ..match import LexicalFallbackWarning, Matcher, Recommendation, recommend
from ..suites.data_integrity.bbs_2023 import parse_derived_proof_value
from ._core import Chapter, DemoContext, Narrator, expect

__all__ = ["CHAPTER", "claim_pointer", "demo_matcher", "shared_windows"]

VERIFIER_DOMAIN = "https://bar.example"
PURPOSE = "Prove you are over 21 before we serve you a drink"
MANDATORY = ["/issuer", "/validFrom", "/credentialSubject/type"]
WINDOW = 8


def demo_matcher(ctx: DemoContext) -> Matcher:
    """The wallet's matcher, built once per story (MiniLM unless ``ctx.lexical`` or not installed)."""
    matcher = ctx.state.get("matcher")
    if isinstance(matcher, Matcher):
        return matcher
    if ctx.lexical:
        matcher = Matcher(None)
    else:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", LexicalFallbackWarning)
            cache = ctx.data_dir / "match-cache" if ctx.data_dir is not None else None
            matcher = Matcher.default(cache_dir=cache)
    ctx.state["matcher"] = matcher
    return matcher


def claim_pointer(path: str) -> str:
    """The matcher's dotted claim path (``credentialSubject.over21``) as a JSON pointer."""
    parts = path.split(".")
    expect(all(p and p != "*" for p in parts), f"claim path {path!r} has no single JSON pointer")
    return "/" + "/".join(p.replace("~", "~0").replace("/", "~1") for p in parts)


def shared_windows(a: bytes, b: bytes, width: int = WINDOW) -> set[bytes]:
    """Every ``width``-byte substring that occurs in both ``a`` and ``b``."""
    windows = {a[i : i + width] for i in range(len(a) - width + 1)}
    return {b[i : i + width] for i in range(len(b) - width + 1)} & windows


def _leaves(value: Any) -> list[str]:
    if isinstance(value, dict):
        return [leaf for v in value.values() for leaf in _leaves(v)]
    if isinstance(value, list):
        return [leaf for v in value for leaf in _leaves(v)]
    return [value] if isinstance(value, str) else []


async def run(ctx: DemoContext, narrator: Narrator) -> None:
    # 1. The authority's BLS12-381 key (bbs-2023) and Alice's wallet key.
    authority = signer_for_key(generate_key(KeyType.BLS12381G2), method="key")
    alice = ctx.state.get("alice") or signer_for_key(generate_key(KeyType.P256), method="jwk")
    holder_format = "ecdsa-rdfc-2019" if alice.key.key_type is KeyType.P256 else "eddsa-rdfc-2022"
    narrator.say("The licensing authority makes a BLS12-381 key: BBS signatures allow selective disclosure.")
    narrator.show("authority", authority.did)

    # 2. The authority issues an ID credential with a bbs-2023 base proof. No credential id and
    # a day-precision validFrom: both are always revealed, so neither may single Alice out.
    credential: dict[str, Any] = {
        "@context": [BASE_CONTEXT_V2, "https://www.w3.org/ns/credentials/examples/v2"],
        "type": ["VerifiableCredential", "ExampleIdentityCredential"],
        "issuer": authority.did,
        "validFrom": ctx.now.strftime("%Y-%m-%dT00:00:00Z"),
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

    # 3. The bar asks in plain language; the wallet's matcher suggests a credential and claims.
    challenge = b64url_encode(ctx.rng(16))
    narrator.say(f"A bar at {VERIFIER_DOMAIN} asks, in plain words, with a fresh challenge:")
    narrator.show("purpose", PURPOSE, full=True)
    narrator.show("challenge", challenge, full=True)
    wallet = [HeldCredential.from_vc(base)]
    trusted = [authority.did]
    if isinstance(ctx.state.get("degree_vc_jwt"), str):
        degree = json.loads(b64url_decode(ctx.state["degree_vc_jwt"].split(".")[1]))
        wallet.append(HeldCredential.from_vc(degree, format="jwt_vc_json"))
        trusted.append(ctx.state["university"].did)
    matcher = demo_matcher(ctx)
    recs: list[Recommendation] = recommend(
        {"purpose": PURPOSE}, wallet, now=ctx.now, trusted_issuers=trusted, matcher=matcher
    )
    narrator.say(
        f"Alice's wallet holds {len(wallet)} credential(s); its matcher ({matcher.mode} ranking, on the "
        "device, nothing sent) suggests what to show:"
    )
    kinds = {c.id: ", ".join(t for t in c.types if t != "VerifiableCredential") for c in wallet}
    narrator.show(
        "suggestions",
        [
            {
                **r.to_json(),
                "credential": f"{kinds.get(r.credential_id, '?')} ({r.credential_id[:20]}…)",
            }
            for r in recs
        ],
    )
    expect(bool(recs), "the matcher found no credential for the bar's request")
    top = recs[0]
    expect(top.credential_id == wallet[0].id, "the matcher did not suggest the ID credential")
    reveal = [claim_pointer(c) for c in top.claims]
    narrator.say(
        "The matcher only suggests: Alice reviews the credential and the claims, and confirms. "
        "Mandatory claims are revealed as well."
    )
    narrator.show("Alice confirms", reveal, full=True)

    # 4. Derive, present bound to the challenge, verify.
    derived = derive(base, now=ctx.now, disclose=reveal)
    assert isinstance(derived, dict)
    narrator.say("Her wallet derives a credential revealing the mandatory claims and those, nothing else:")
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

    # 5. Nothing hidden leaks: no undisclosed value (or claim name) anywhere in what the bar got.
    hidden = sorted(set(credential["credentialSubject"]) - set(derived["credentialSubject"]))
    hidden_strings = hidden + _leaves({k: credential["credentialSubject"][k] for k in hidden})
    received = json.dumps(vp, ensure_ascii=False)
    proof_bytes = b64url_decode(derived["proof"]["proofValue"][1:])
    for text in hidden_strings:
        expect(text not in received, f"the undisclosed {text!r} appears in the presentation")
        expect(text.encode() not in proof_bytes, f"the undisclosed {text!r} appears in the proof bytes")
    narrator.say(
        f"Checked: none of the undisclosed claims ({', '.join(hidden)}) nor their values appear anywhere "
        "in the presentation the bar received, proof bytes included."
    )

    # 6. Unlinkability: a second presentation of the same credential shares no proof bytes.
    again = derive(base, now=ctx.now, disclose=reveal)
    assert isinstance(again, dict)
    first_proof = parse_derived_proof_value(derived["proof"]["proofValue"])
    second_proof = parse_derived_proof_value(again["proof"]["proofValue"])
    common = shared_windows(first_proof.bbs_proof, second_proof.bbs_proof)
    expect(not common, f"two BBS proofs of one credential share {len(common)} {WINDOW}-byte windows")
    narrator.say(
        f"A second derivation for another verifier reveals the same claims with a fresh BBS proof "
        f"({len(second_proof.bbs_proof)} bytes): no {WINDOW}-byte window of it occurs in the first, so "
        "verifiers comparing notes cannot link the two presentations by their proofs. What they share "
        "is what they reveal: the claims and which statements those are "
        f"(indexes {list(first_proof.selective_indexes)}, the same for anyone revealing these claims)."
    )
    narrator.show("proof #1", derived["proof"]["proofValue"])
    narrator.show("proof #2", again["proof"]["proofValue"])
    second = await verify(again, resolver=ctx.resolver, now=ctx.now, expect="credential")
    narrator.verification("another verifier checks the second derivation", second, expect_verified=True)

    # 7. Forgeries: a changed revealed claim; the base credential presented as if derived.
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
    title="bbs-2023: the matcher picks 'over 21', revealed unlinkably; forgeries rejected",
    run=run,
)
