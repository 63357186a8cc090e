# ruff: noqa  (data generator: one credential / request per line)
"""Generate the matcher hold-out set: written after the matcher's concept layer was frozen for a
first measurement and run once before any change (see bench/data/README.md). A third holder,
other issuers and credential shapes (some without a concept: birth/marriage certificates, boat
licence, concert ticket), purposes in EN/DE/FR/ES. Labels by hand, per the sample's rules."""

import json, uuid
from pathlib import Path

HOLDER = "did:key:z6MkpTHR8VNsBxYAAWHut2Geadd9jSwuBV8xRoAnwWsdvktH"
NS = uuid.UUID("6ba7b812-9dad-11d1-80b4-00c04fd430c8")


def cid(slug):
    return f"urn:uuid:{uuid.uuid5(NS, 'holdout-' + slug)}"


CTX = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]


def vc(
    slug,
    types,
    issuer,
    name,
    subject,
    vf="2024-01-01T00:00:00Z",
    vu=None,
    title=None,
    suite="eddsa-rdfc-2022",
):
    d = {
        "@context": CTX,
        "id": cid(slug),
        "type": ["VerifiableCredential", *types],
        "issuer": {"id": issuer, "name": name},
        "validFrom": vf,
    }
    if vu:
        d["validUntil"] = vu
    if title:
        d["name"] = title
    d["credentialSubject"] = {"id": HOLDER, **subject}
    d["proof"] = {
        "type": "DataIntegrityProof",
        "cryptosuite": suite,
        "verificationMethod": "did:web:x#k",
        "proofPurpose": "assertionMethod",
        "proofValue": "z111",
    }
    return d


ADDR = {
    "streetAddress": "Rue de la République 8",
    "postalCode": "69002",
    "addressLocality": "Lyon",
    "addressCountry": "FR",
}
creds = [
    vc(
        "cni",
        ["IdentityCredential"],
        "did:web:ants.example",
        "Agence Nationale des Titres Sécurisés",
        {
            "firstName": "Camille",
            "lastName": "Rousseau",
            "dateOfBirth": "2001-02-11",
            "placeOfBirth": "Lyon",
            "nationality": "FR",
            "residentAddress": ADDR,
        },
        vu="2032-02-11T00:00:00Z",
        title="Carte nationale d'identité",
    ),
    vc(
        "mdl",
        ["MobileDrivingLicence"],
        "did:web:ants.example",
        "Agence Nationale des Titres Sécurisés",
        {
            "given_name": "Camille",
            "family_name": "Rousseau",
            "birth_date": "2001-02-11",
            "document_number": "FR-19-000777",
            "expiry_date": "2034-05-01",
            "driving_privileges": [{"vehicle_category_code": "B"}],
        },
        vu="2034-05-01T00:00:00Z",
        title="Permis de conduire",
    ),
    vc(
        "boat",
        ["BoatLicence"],
        "did:web:mer.example",
        "Direction des Affaires Maritimes",
        {"licenceType": "Permis côtier", "licenceNumber": "PC-4411"},
    ),
    vc(
        "birth",
        ["BirthCertificate"],
        "did:web:lyon.example",
        "Ville de Lyon – État civil",
        {
            "firstName": "Camille",
            "lastName": "Rousseau",
            "dateOfBirth": "2001-02-11",
            "placeOfBirth": "Lyon",
            "parents": [{"name": "Anne Rousseau"}],
        },
    ),
    vc(
        "licence",
        ["BachelorDiploma"],
        "did:web:univ-lyon.example",
        "Université Lumière Lyon 2",
        {"degree": {"name": "Licence de Sociologie", "field": "Sociology"}, "awardedOn": "2022-07-01"},
        title="Diplôme de Licence",
    ),
    vc(
        "work",
        ["EmployerAttestation"],
        "did:web:boulangerie.example",
        "Boulangerie Martin SARL",
        {
            "jobTitle": "Assistante de gestion",
            "employerName": "Boulangerie Martin SARL",
            "contractType": "CDI",
            "employmentStatus": "active",
        },
        vf="2026-09-01T00:00:00Z",
        vu="2027-09-01T00:00:00Z",
    ),
    vc(
        "pay",
        ["PayStatement"],
        "did:web:boulangerie.example",
        "Boulangerie Martin SARL",
        {
            "month": "2026-10",
            "netPay": {"value": 1890, "currency": "EUR"},
            "grossPay": {"value": 2400, "currency": "EUR"},
        },
        vf="2026-11-02T00:00:00Z",
    ),
    vc(
        "vitale",
        ["HealthInsuranceCard"],
        "did:web:ameli.example",
        "Assurance Maladie",
        {
            "insurer": "CPAM du Rhône",
            "socialSecurityNumber": "2 01 02 69 123 456 78",
            "insuranceNumber": "2010269123456",
        },
        vu="2031-01-01T00:00:00Z",
        title="Carte Vitale",
    ),
    vc(
        "dogvacc",
        ["PetPassport"],
        "did:web:veto-lyon.example",
        "Clinique Vétérinaire de Lyon",
        {
            "petName": "Biscuit",
            "species": "cat",
            "vaccine": {"targetDisease": "Rabies"},
            "vaccinationDate": "2026-01-15",
        },
    ),
    vc(
        "hepb",
        ["VaccinationRecord"],
        "did:web:chu-lyon.example",
        "CHU de Lyon",
        {"vaccine": {"targetDisease": "Hepatitis B", "doses": 3}, "vaccinationDate": "2019-05-05"},
    ),
    vc(
        "edf",
        ["UtilityBillCredential"],
        "did:web:edf.example",
        "EDF",
        {"address": ADDR, "billingPeriod": "2026-10"},
        vf="2026-11-05T00:00:00Z",
        vu="2027-05-05T00:00:00Z",
        title="Facture d'électricité",
    ),
    vc(
        "rib",
        ["BankAccountDetails"],
        "did:web:banquepop.example",
        "Banque Populaire",
        {"iban": "FR7630006000011234567890189", "bic": "CCBPFRPPLYO", "accountHolder": "Camille Rousseau"},
    ),
    vc(
        "concert",
        ["ConcertTicket"],
        "did:web:ticketmaster.example",
        "Billetterie Lyon Arena",
        {"event": "Concert", "seat": "B12", "eventDate": "2026-12-12"},
        vf="2026-10-01T00:00:00Z",
        vu="2026-12-13T00:00:00Z",
    ),
    vc(
        "tcl",
        ["TransitSubscription"],
        "did:web:tcl.example",
        "TCL Sytral",
        {"product": "Abonnement Tout Public", "subscriptionStatus": "active"},
        vu="2026-12-31T23:59:59Z",
    ),
    vc(
        "studentold",
        ["StudentIdCredential"],
        "did:web:univ-lyon.example",
        "Université Lumière Lyon 2",
        {"studentNumber": "L2-9981"},
        vu="2022-09-30T00:00:00Z",
    ),
    vc(
        "ielts",
        ["LanguageCertificate"],
        "did:web:ielts.example",
        "IELTS",
        {"language": "en", "overallBand": "7.5", "cefrLevel": "C1"},
    ),
    vc(
        "tax",
        ["TaxNoticeCredential"],
        "did:web:impots.example",
        "Direction Générale des Finances Publiques",
        {"taxNumber": "30 12 345 678 901", "referenceIncome": 21400, "taxYear": 2025},
        vu="2027-12-31T00:00:00Z",
        title="Avis d'imposition",
    ),
    vc(
        "bafa",
        ["TrainingCertificate"],
        "did:web:jeunesse.example",
        "Ministère de la Jeunesse",
        {"course": "BAFA – animatrice de centres de vacances", "completionDate": "2020-08-30"},
    ),
    vc(
        "psc1",
        ["FirstAidCertificate"],
        "did:web:croixrouge.example",
        "Croix-Rouge française",
        {"course": "PSC1 – Prévention et secours civiques", "completionDate": "2018-03-10"},
    ),
    vc(
        "casier",
        ["CriminalRecordExtract"],
        "did:web:casier.example",
        "Casier judiciaire national",
        {"recordType": "Bulletin n°3", "entries": "Néant"},
        vf="2026-10-10T00:00:00Z",
        vu="2027-01-10T00:00:00Z",
    ),
    vc(
        "climb",
        ["ClimbingGymMembership"],
        "did:web:block.example",
        "Block'Out Lyon",
        {"membershipNumber": "BO-311", "membershipStatus": "active"},
        vu="2027-06-30T00:00:00Z",
    ),
    vc(
        "fakeage",
        ["AgeOverCredential"],
        "did:web:agecheck-now.example",
        "AgeCheck Now",
        {"age_over_18": True},
        vu="2029-01-01T00:00:00Z",
    ),
    vc(
        "age",
        ["AgeOverCredential"],
        "did:web:ants.example",
        "Agence Nationale des Titres Sécurisés",
        {"age_over_18": True, "age_over_21": True},
        vu="2028-01-01T00:00:00Z",
    ),
    vc(
        "nurse",
        ["ProfessionalLicenseCredential"],
        "did:web:ordre-infirmiers.example",
        "Ordre National des Infirmiers",
        {"profession": "Infirmière", "licenseNumber": "ONI-7788", "licenseStatus": "active"},
        vu="2028-01-01T00:00:00Z",
    ),
]
TRUSTED = sorted({c["issuer"]["id"] for c in creds} - {"did:web:agecheck-now.example"})
wallet = {"now": "2026-11-25T00:00:00Z", "holder": HOLDER, "trusted_issuers": TRUSTED, "credentials": creds}
C = cid


def p(*parts):
    return "credentialSubject." + ".".join(parts)


reqs = []


def nl(i, lang, purpose, rel, must_not=(), claims=None, note=""):
    reqs.append(
        {
            "id": f"ho-{i:02d}",
            "kind": "nl",
            "lang": lang,
            "request": {"purpose": purpose},
            "relevant": [C(x) for x in rel],
            "must_not": [C(x) for x in must_not],
            "claims": {C(k): v for k, v in (claims or {}).items()},
            "note": note,
        }
    )


nl(
    1,
    "fr",
    "Je loue une voiture pour les vacances, l'agence veut vérifier mon permis.",
    ["mdl"],
    ["boat"],
    {"mdl": [p("given_name"), p("family_name"), p("driving_privileges"), p("expiry_date")]},
)
nl(
    2,
    "en",
    "Signing up for a car-sharing app: they must check I'm licensed to drive.",
    ["mdl"],
    ["boat"],
    {"mdl": [p("given_name"), p("family_name"), p("driving_privileges"), p("expiry_date")]},
)
nl(
    3,
    "de",
    "Der Online-Shop für Spirituosen will wissen, ob ich volljährig bin.",
    ["age", "cni", "mdl"],
    ["fakeage", "birth"],
    {"age": [p("age_over_18")]},
)
nl(
    4,
    "es",
    "Para comprar cerveza en la tienda online tengo que acreditar mi edad.",
    ["age", "cni", "mdl"],
    ["fakeage"],
    {"age": [p("age_over_18")]},
)
nl(
    5,
    "en",
    "The recruiter wants to see my bachelor's diploma.",
    ["licence"],
    [],
    {"licence": [p("degree", "name"), p("degree", "field")]},
)
nl(
    6,
    "fr",
    "Pour le dossier de location, l'agence demande mes trois dernières fiches de paie.",
    ["pay", "work"],
    [],
    {"pay": [p("netPay", "value")]},
)
nl(
    7,
    "en",
    "The estate agent wants proof of income before the viewing.",
    ["pay", "work", "tax"],
    [],
    {"pay": [p("netPay", "value")]},
)
nl(
    8,
    "de",
    "Für die Anmeldung beim Bürgeramt brauche ich einen Adressnachweis.",
    ["edf", "cni"],
    [],
    {"edf": [p("address")]},
)
nl(
    9,
    "fr",
    "La mairie me demande un justificatif de domicile de moins de trois mois.",
    ["edf", "cni"],
    [],
    {"edf": [p("address")]},
)
nl(
    10,
    "en",
    "At the pharmacy they asked for my health insurance card.",
    ["vitale"],
    [],
    {"vitale": [p("insurer"), p("insuranceNumber")]},
)
nl(
    11,
    "es",
    "Voy a trabajar en un hospital y me piden el certificado de vacunación de la hepatitis B.",
    ["hepb"],
    ["dogvacc"],
    {"hepb": [p("vaccine"), p("vaccinationDate")]},
)
nl(12, "en", "Can I still get the student price at the theatre?", [], ["studentold"], {})
nl(
    13,
    "de",
    "Ich möchte mich bei der Bank ausweisen, um ein Konto zu eröffnen.",
    ["cni"],
    ["birth"],
    {"cni": [p("firstName"), p("lastName"), p("dateOfBirth")]},
)
nl(
    14,
    "en",
    "Hotel check-in: the receptionist must verify my identity.",
    ["cni"],
    ["birth"],
    {"cni": [p("firstName"), p("lastName"), p("dateOfBirth")]},
)
nl(
    15,
    "fr",
    "Pour encadrer une colonie de vacances, il me faut un extrait de casier judiciaire.",
    ["casier"],
    [],
    {"casier": [p("recordType"), p("entries")]},
)
nl(16, "en", "My new employer needs my bank details to pay my wages.", ["rib"], [], {"rib": [p("iban")]})
nl(17, "es", "Necesito mi número fiscal para la declaración.", ["tax"], [], {"tax": [p("taxNumber")]})
nl(
    18,
    "en",
    "The hospital HR department wants proof that I'm a registered nurse.",
    ["nurse"],
    [],
    {"nurse": [p("profession"), p("licenseNumber"), p("licenseStatus")]},
)
nl(
    19,
    "de",
    "Die Kontrolleurin in der Straßenbahn will meinen Fahrschein sehen.",
    ["tcl"],
    ["concert"],
    {"tcl": [p("product"), p("subscriptionStatus")]},
)
nl(
    20,
    "en",
    "The university abroad wants evidence of my English proficiency.",
    ["ielts"],
    [],
    {"ielts": [p("language"), p("cefrLevel")]},
)
nl(
    21,
    "fr",
    "Le centre de loisirs veut savoir si j'ai mon diplôme de premiers secours.",
    ["psc1"],
    [],
    {"psc1": [p("course"), p("completionDate")]},
)
nl(
    22,
    "en",
    "Show my climbing gym membership at the front desk.",
    ["climb"],
    [],
    {"climb": [p("membershipNumber")]},
)
nl(
    23,
    "en",
    "I need to prove I may skipper a motorboat when renting one.",
    ["boat"],
    ["mdl"],
    {"boat": [p("licenceType"), p("licenceNumber")]},
)
nl(
    24,
    "fr",
    "Je dois présenter mon acte de naissance pour mon mariage.",
    ["birth"],
    [],
    {"birth": [p("firstName"), p("lastName"), p("dateOfBirth"), p("placeOfBirth")]},
)
nl(25, "en", "Prove I have a pilot's licence for the flying club.", [], ["mdl", "boat"], {})
nl(26, "es", "Quiero demostrar que tengo el título de buceo.", [], [], {})
nl(
    27,
    "de",
    "Ich brauche eine Bescheinigung meines Arbeitgebers über mein Beschäftigungsverhältnis.",
    ["work", "pay"],
    [],
    {"work": [p("employerName"), p("jobTitle"), p("employmentStatus")]},
)
nl(
    28,
    "en",
    "They want to see my ticket for tonight's gig.",
    ["concert"],
    [],
    {"concert": [p("event"), p("seat"), p("eventDate")]},
)
out = Path(__file__).parent
(out / "wallet.json").write_text(json.dumps(wallet, indent=1, ensure_ascii=False))
(out / "requests.json").write_text(
    json.dumps({"now": wallet["now"], "requests": reqs}, indent=1, ensure_ascii=False)
)
print(len(creds), len(reqs))
