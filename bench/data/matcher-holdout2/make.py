# ruff: noqa  (data generator: one credential / request per line)
"""Second hold-out set, written after the first hold-out had been used for fixes and run once
before any further change. A fourth holder, look-alikes (car insurance vs health insurance,
home-insurance, a valid enrolment certificate), purposes in EN/DE/FR/ES."""

import json, uuid
from pathlib import Path

HOLDER = "did:key:z6MknGc3ocHs3zdPiJbnaaqDi58NGb4pk1Sp9WxWufuXSdxf"
NS = uuid.UUID("6ba7b814-9dad-11d1-80b4-00c04fd430c8")


def cid(slug):
    return f"urn:uuid:{uuid.uuid5(NS, 'holdout2-' + slug)}"


CTX = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]


def vc(slug, types, issuer, name, subject, vf="2024-01-01T00:00:00Z", vu=None, title=None):
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
        "cryptosuite": "eddsa-rdfc-2022",
        "verificationMethod": "did:web:x#k",
        "proofPurpose": "assertionMethod",
        "proofValue": "z111",
    }
    return d


creds = [
    vc(
        "rp",
        ["ResidencePermitCard"],
        "did:web:abh-hamburg.example",
        "Ausländerbehörde Hamburg",
        {
            "givenName": "Yusuf",
            "familyName": "Demir",
            "birthDate": "1996-09-09",
            "nationality": "TR",
            "permitType": "Niederlassungserlaubnis",
            "address": {
                "streetAddress": "Elbchaussee 5",
                "postalCode": "22763",
                "addressLocality": "Hamburg",
            },
        },
        vu="2030-01-01T00:00:00Z",
        title="Aufenthaltstitel",
    ),
    vc(
        "fs",
        ["DriverLicenseCredential"],
        "did:web:lbv-hamburg.example",
        "LBV Hamburg",
        {
            "givenName": "Yusuf",
            "familyName": "Demir",
            "birthDate": "1996-09-09",
            "licenseClasses": ["B", "BE"],
            "expiryDate": "2035-01-01",
        },
        vu="2035-01-01T00:00:00Z",
    ),
    vc(
        "enrol",
        ["EnrollmentCertificate"],
        "did:web:uni-hamburg.example",
        "Universität Hamburg",
        {"studentId": "UHH-20931", "program": "M.Sc. Physics", "semester": "WiSe 2026/27"},
        vf="2026-10-01T00:00:00Z",
        vu="2027-03-31T00:00:00Z",
        title="Immatrikulationsbescheinigung",
    ),
    vc(
        "bsc",
        ["UniversityDegreeCredential"],
        "did:web:metu.example",
        "Middle East Technical University",
        {"degree": {"name": "B.Sc. Physics", "field": "Physics"}},
    ),
    vc(
        "carins",
        ["CarInsurancePolicy"],
        "did:web:huk.example",
        "HUK-Coburg",
        {"policyNumber": "KFZ-7712", "vehiclePlate": "HH-YD 96", "coverage": "Vollkasko"},
        vu="2027-01-01T00:00:00Z",
    ),
    vc(
        "homeins",
        ["HomeInsurancePolicy"],
        "did:web:allianz.example",
        "Allianz",
        {"policyNumber": "HR-1192", "insuredObject": "Hausrat"},
        vu="2027-05-01T00:00:00Z",
    ),
    vc(
        "tk",
        ["HealthInsuranceCredential"],
        "did:web:aok.example",
        "AOK Rheinland/Hamburg",
        {"insurerName": "AOK", "insuranceNumber": "Y123456789"},
        vu="2029-01-01T00:00:00Z",
    ),
    vc(
        "mmr",
        ["VaccinationCertificate"],
        "did:web:gesundheitsamt-hh.example",
        "Gesundheitsamt Hamburg",
        {"vaccine": {"targetDisease": "Measles", "product": "Priorix"}, "vaccinationDate": "2020-03-03"},
    ),
    vc(
        "hiwi",
        ["EmploymentContractCredential"],
        "did:web:uni-hamburg.example",
        "Universität Hamburg",
        {
            "jobTitle": "Studentische Hilfskraft",
            "employer": {"name": "Universität Hamburg"},
            "employmentStatus": "active",
            "weeklyHours": 10,
        },
        vu="2027-03-31T00:00:00Z",
    ),
    vc(
        "income",
        ["AnnualIncomeStatement"],
        "did:web:uni-hamburg.example",
        "Universität Hamburg",
        {"year": 2025, "grossAnnualIncome": {"value": 6200, "currency": "EUR"}},
    ),
    vc(
        "bafoeg",
        ["StudentFinanceNotice"],
        "did:web:bafoeg-hh.example",
        "Amt für Ausbildungsförderung Hamburg",
        {"monthlyAmount": {"value": 812, "currency": "EUR"}, "period": "2026/27"},
        vu="2027-09-30T00:00:00Z",
    ),
    vc(
        "hvv",
        ["SemesterTicket"],
        "did:web:hvv.example",
        "HVV",
        {"product": "Deutschlandsemesterticket", "zone": "Deutschland"},
        vf="2026-10-01T00:00:00Z",
        vu="2027-03-31T00:00:00Z",
    ),
    vc(
        "b2",
        ["LanguageCertificate"],
        "did:web:telc.example",
        "telc gGmbH",
        {"language": "de", "cefrLevel": "C1", "exam": "telc Deutsch C1 Hochschule"},
    ),
    vc(
        "sport",
        ["SportsClubMembership"],
        "did:web:htv.example",
        "Hamburger Turnverein",
        {"membershipNumber": "HTV-55", "section": "Volleyball"},
        vu="2027-12-31T00:00:00Z",
    ),
    vc(
        "tax",
        ["TaxIdCredential"],
        "did:web:bzst.example",
        "Bundeszentralamt für Steuern",
        {"taxIdentificationNumber": "57 123 456 789"},
    ),
    vc(
        "police",
        ["CertificateOfGoodConduct"],
        "did:web:bfj.example",
        "Bundesamt für Justiz",
        {"recordType": "Führungszeugnis", "entries": "keine"},
        vf="2026-10-01T00:00:00Z",
        vu="2027-04-01T00:00:00Z",
    ),
    vc(
        "unverified",
        ["UniversityDegreeCredential"],
        "did:web:fast-degrees.example",
        "Fast Degrees Online",
        {"degree": {"name": "PhD Physics"}},
    ),
]
TRUSTED = sorted({c["issuer"]["id"] for c in creds} - {"did:web:fast-degrees.example"})
wallet = {"now": "2026-11-25T00:00:00Z", "holder": HOLDER, "trusted_issuers": TRUSTED, "credentials": creds}
C = cid


def p(*parts):
    return "credentialSubject." + ".".join(parts)


reqs = []


def nl(i, lang, purpose, rel, must_not=(), claims=None):
    reqs.append(
        {
            "id": f"h2-{i:02d}",
            "kind": "nl",
            "lang": lang,
            "request": {"purpose": purpose},
            "relevant": [C(x) for x in rel],
            "must_not": [C(x) for x in must_not],
            "claims": {C(k): v for k, v in (claims or {}).items()},
            "note": "",
        }
    )


nl(
    1,
    "de",
    "Das Kino fragt nach einem Nachweis, dass ich Student bin.",
    ["enrol"],
    [],
    {"enrol": [p("studentId"), p("program")]},
)
nl(
    2,
    "en",
    "I need proof of enrolment for my student visa extension.",
    ["enrol"],
    [],
    {"enrol": [p("studentId"), p("program")]},
)
nl(
    3,
    "en",
    "The doctor's office needs my health insurance.",
    ["tk"],
    ["carins", "homeins"],
    {"tk": [p("insurerName"), p("insuranceNumber")]},
)
nl(
    4,
    "fr",
    "Le médecin demande ma carte d'assurance maladie.",
    ["tk"],
    ["carins", "homeins"],
    {"tk": [p("insurerName"), p("insuranceNumber")]},
)
nl(
    5,
    "de",
    "Die Autovermietung will meinen Führerschein prüfen.",
    ["fs"],
    ["carins"],
    {"fs": [p("givenName"), p("familyName"), p("licenseClasses"), p("expiryDate")]},
)
nl(
    6,
    "es",
    "Tengo que demostrar mi identidad en el notario.",
    ["rp", "fs"],
    ["enrol"],
    {"rp": [p("givenName"), p("familyName"), p("birthDate")]},
)
nl(
    7,
    "en",
    "The landlord wants to know what I earn each year.",
    ["income", "hiwi", "bafoeg"],
    [],
    {"income": [p("grossAnnualIncome", "value")]},
)
nl(
    8,
    "de",
    "Der Vermieter möchte einen Einkommensnachweis sehen.",
    ["income", "hiwi", "bafoeg"],
    [],
    {"income": [p("grossAnnualIncome", "value")]},
)
nl(
    9,
    "en",
    "The school asks for proof that I'm vaccinated against measles.",
    ["mmr"],
    [],
    {"mmr": [p("vaccine"), p("vaccinationDate")]},
)
nl(
    10,
    "en",
    "Employer wants a copy of my physics degree.",
    ["bsc"],
    ["unverified"],
    {"bsc": [p("degree", "name"), p("degree", "field")]},
)
nl(
    11,
    "fr",
    "L'université veut un justificatif de mon niveau d'allemand.",
    ["b2"],
    [],
    {"b2": [p("language"), p("cefrLevel")]},
)
nl(12, "de", "Fahrkartenkontrolle im Regionalzug.", ["hvv"], [], {"hvv": [p("product")]})
nl(13, "en", "Volleyball club check-in at the gym hall.", ["sport"], [], {"sport": [p("membershipNumber")]})
nl(
    14,
    "es",
    "Para trabajar en una guardería necesito un certificado de buena conducta.",
    ["police"],
    [],
    {"police": [p("recordType"), p("entries")]},
)
nl(
    15,
    "en",
    "The new employer asks for my tax ID for payroll.",
    ["tax"],
    [],
    {"tax": [p("taxIdentificationNumber")]},
)
nl(
    16,
    "en",
    "Prove my car is insured before the road trip.",
    ["carins"],
    ["tk"],
    {"carins": [p("policyNumber"), p("vehiclePlate")]},
)
nl(
    17,
    "de",
    "Ich muss nachweisen, dass ich einen gültigen Aufenthaltstitel habe.",
    ["rp"],
    [],
    {"rp": [p("permitType")]},
)
nl(18, "en", "Show that I am allowed to live and work in Germany.", ["rp"], [], {"rp": [p("permitType")]})
nl(19, "fr", "Je veux prouver que j'ai plus de 21 ans.", ["rp", "fs"], [], {"rp": [p("birthDate")]})
nl(20, "en", "Prove that I own a horse for the riding stable.", [], [], {})
out = Path(__file__).parent
(out / "wallet.json").write_text(json.dumps(wallet, indent=1, ensure_ascii=False))
(out / "requests.json").write_text(
    json.dumps({"now": wallet["now"], "requests": reqs}, indent=1, ensure_ascii=False)
)
print(len(creds), len(reqs))
