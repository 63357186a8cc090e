from __future__ import annotations

from didkit_py.exchange import HeldCredential
from didkit_py.match.text import humanize, norm_key, normalize, text_view


def test_normalize_and_keys() -> None:
    assert normalize("Führerschein – Straße!") == "fuhrerschein strasse"
    assert norm_key("given_name") == norm_key("givenName") == "givenname"
    assert humanize("DrivingLicenceCredential") == "driving licence credential"
    assert humanize("https://www.w3.org/ns/credentials/examples#AgeOver") == "age over"


def test_text_view_has_no_personal_data() -> None:
    vc = {
        "id": "urn:x",
        "type": ["VerifiableCredential", "EmploymentCredential"],
        "issuer": {"id": "did:web:acme.example", "name": "ACME GmbH"},
        "name": "Arbeitsbescheinigung",
        "credentialSubject": {
            "id": "did:key:z6Mkabc",
            "name": "Zoë Quintero",
            "given_name": "Zoë",
            "accountHolder": "Zoë Quintero",
            "jobTitle": "Welder",
            "employer": {"name": "ACME GmbH", "address": "Hauptstr. 1, 12345 Berlin"},
            "personalNumber": "X-123456",
            "birth_date": "1990-01-01",
            "registeredKeeper": {"name": "Zoë Quintero"},
        },
    }
    t = text_view(HeldCredential.from_vc(vc))
    assert "employment credential" in t and "ACME GmbH" in t and "Welder" in t and "job title" in t
    for secret in ("Zoë", "Quintero", "z6Mkabc", "X-123456", "1990", "Hauptstr", "12345"):
        assert secret not in t


def test_concept_layer_is_consistent() -> None:
    from didkit_py.match.concepts import INTENTS, KINDS, ROLES

    kinds = {k.id for k in KINDS}
    assert len(kinds) == len(KINDS) and len({i.id for i in INTENTS}) == len(INTENTS)
    for intent in INTENTS:
        assert intent.examples, intent.id  # every intent is embedded
        weights: dict[str, float] = {}
        for phrase, w in intent.keywords:
            key = normalize(phrase.rstrip("*"))
            assert key and 0 < w <= 1.0
            assert weights.setdefault(key, w) == w, (intent.id, phrase)  # one weight per keyword
        for ev in intent.evidence:
            assert ev.kind == "*" or ev.kind in kinds, (intent.id, ev.kind)
            for r in ev.roles:
                assert r.rstrip("?") in ROLES or r.rstrip("?") == "age_over", (intent.id, r)
        for s in intent.suppresses:
            assert s in {i.id for i in INTENTS}
