"""Stateful fuzzing of an SD-JWT VC presentation: a holder (or thief) edits it step by step.

Starting from a valid SD-JWT VC + KB-JWT presentation, each step drops, duplicates, swaps or
imports a Disclosure, or strips / swaps the KB-JWT for one made for another verifier. After
every step, ``credentials.verify`` must report verified exactly when the parts equal the
original presentation.
"""

from __future__ import annotations

import asyncio

from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from didkit_py.credentials import derive, issue, signer_for_key, verify
from didkit_py.keys import KeyType, generate_key
from fuzz.corpus import CHALLENGE, DOMAIN, NOW, offline_http, offline_resolver

ISSUER = signer_for_key(generate_key(KeyType.P256))
HOLDER = signer_for_key(generate_key(KeyType.ED25519))


def _issue(name: str) -> str:
    doc = {
        "@context": ["https://www.w3.org/ns/credentials/v2"],
        "type": ["VerifiableCredential", "IdentityCredential"],
        "issuer": ISSUER.did,
        "validFrom": "2025-01-01T00:00:00Z",
        "credentialSubject": {
            "id": HOLDER.did,
            "name": name,
            "birthDate": "1990-01-01",
            "city": "Springfield",
        },
    }
    token = issue(
        doc,
        signer=ISSUER,
        now=NOW,
        format="dc+sd-jwt",
        extra={
            "disclosable": [
                "/credentialSubject/name",
                "/credentialSubject/birthDate",
                "/credentialSubject/city",
            ]
        },
    )
    assert isinstance(token, str)
    return token


def _present(token: str, disclose: list[str], *, domain: str = DOMAIN) -> str:
    pres = derive(token, now=NOW, disclose=disclose, holder=HOLDER, challenge=CHALLENGE, domain=domain)
    assert isinstance(pres, str)
    return pres


TOKEN = _issue("Alice")
OTHER = _issue("Mallory")
ORIGINAL = _present(TOKEN, ["/credentialSubject/name", "/credentialSubject/birthDate"])
ELSEWHERE = _present(
    TOKEN, ["/credentialSubject/name", "/credentialSubject/birthDate"], domain="https://other.example"
)
FOREIGN_DISCLOSURES = [
    d for d in _present(OTHER, ["/credentialSubject/name", "/credentialSubject/city"]).split("~")[1:-1]
]


def _verified(presentation: str) -> bool:
    async def run() -> bool:
        async with offline_http() as http:
            result = await verify(
                presentation,
                resolver=offline_resolver(),
                now=NOW,
                challenge=CHALLENGE,
                domain=DOMAIN,
                extra={"http": http},
            )
            return result.verified

    return asyncio.run(run())


class SdJwtPresentation(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        parts = ORIGINAL.split("~")
        self.jwt, self.disclosures, self.kb = parts[0], parts[1:-1], parts[-1]

    def text(self) -> str:
        return "~".join([self.jwt, *self.disclosures, self.kb])

    @precondition(lambda self: self.disclosures)
    @rule(i=st.integers(min_value=0, max_value=10))
    def drop(self, i: int) -> None:
        del self.disclosures[i % len(self.disclosures)]

    @precondition(lambda self: self.disclosures)
    @rule(i=st.integers(min_value=0, max_value=10))
    def duplicate(self, i: int) -> None:
        self.disclosures.append(self.disclosures[i % len(self.disclosures)])

    @precondition(lambda self: len(self.disclosures) > 1)
    @rule()
    def swap(self) -> None:
        self.disclosures[0], self.disclosures[1] = self.disclosures[1], self.disclosures[0]

    @rule(i=st.integers(min_value=0, max_value=10))
    def import_foreign(self, i: int) -> None:
        self.disclosures.insert(0, FOREIGN_DISCLOSURES[i % len(FOREIGN_DISCLOSURES)])

    @rule()
    def strip_kb(self) -> None:
        self.kb = ""

    @rule()
    def kb_for_another_verifier(self) -> None:
        self.kb = ELSEWHERE.split("~")[-1]

    @rule()
    def restore(self) -> None:
        self.__init__()  # type: ignore[misc]

    @invariant()
    def verified_only_when_unchanged(self) -> None:
        text = self.text()
        assert _verified(text) == (text == ORIGINAL), text


SdJwtPresentation.TestCase.settings = settings(
    max_examples=12,
    stateful_step_count=6,
    deadline=None,
    suppress_health_check=list(HealthCheck),
    database=None,
)
TestSdJwtPresentation = SdJwtPresentation.TestCase


def test_oracle_is_not_vacuous() -> None:
    assert _verified(ORIGINAL)
    assert not _verified(ELSEWHERE)
