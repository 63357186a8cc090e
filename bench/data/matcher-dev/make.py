# ruff: noqa  (data generator: one credential / request per line)
"""Generate the matcher dev set: a second holder, other issuers, other type/claim names, purposes
in EN/DE/FR/ES. Written to check generalisation (not the sample's wording); labels by hand below."""

import json, uuid
from pathlib import Path

HOLDER = "did:key:z6MkhaXgBZDvotDkL5257faiztiGiC2QtKLGpbnnEGta2doK"
NS = uuid.UUID("6ba7b811-9dad-11d1-80b4-00c04fd430c8")


def cid(slug):
    return f"urn:uuid:{uuid.uuid5(NS, 'dev-' + slug)}"


CTX = ["https://www.w3.org/ns/credentials/v2", "https://www.w3.org/ns/credentials/examples/v2"]


def proof(suite="eddsa-rdfc-2022"):
    return {
        "type": "DataIntegrityProof",
        "cryptosuite": suite,
        "verificationMethod": "did:web:x#k",
        "proofPurpose": "assertionMethod",
        "proofValue": "z111",
    }


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
    d["proof"] = proof(suite)
    return d


ADDR = {
    "type": "PostalAddress",
    "streetAddress": "Calle de Alcalá 45",
    "postalCode": "28014",
    "addressLocality": "Madrid",
    "addressCountry": "ES",
}
creds = [
    vc(
        "nid",
        ["NationalIDCard"],
        "did:web:dgp.example",
        "Dirección General de la Policía",
        {
            "givenName": "Sofía",
            "familyName": "Martínez López",
            "birthDate": "1990-07-02",
            "nationality": "ES",
            "documentNumber": "12345678Z",
            "address": ADDR,
        },
        vu="2030-07-02T00:00:00Z",
        title="DNI",
    ),
    vc(
        "dl",
        ["DriversLicense"],
        "did:web:dgt.example",
        "Dirección General de Tráfico",
        {
            "givenName": "Sofía",
            "familyName": "Martínez López",
            "birthDate": "1990-07-02",
            "licenseNumber": "ES-DL-998",
            "expiryDate": "2033-01-01",
            "vehicleCategories": ["B", "A2"],
        },
        vu="2033-01-01T00:00:00Z",
    ),
    vc(
        "car",
        ["VehicleRegistrationCertificate"],
        "did:web:dgt.example",
        "Dirección General de Tráfico",
        {
            "owner": {"name": "Sofía Martínez", "address": ADDR},
            "plate": "1234-KLM",
            "brand": "Seat",
            "model": "Ibiza",
        },
    ),
    vc(
        "ageproof",
        ["AgeVerificationCredential"],
        "did:web:dgp.example",
        "Dirección General de la Policía",
        {"ageOver18": True, "ageOver21": True},
        vu="2027-06-01T00:00:00Z",
    ),
    vc(
        "master",
        ["MasterDiplomaCredential"],
        "did:web:ucm.example",
        "Universidad Complutense de Madrid",
        {
            "name": "Sofía Martínez López",
            "degree": {
                "type": "MasterDegree",
                "name": "Máster en Ciencia de Datos",
                "field": "Data Science",
                "awardedOn": "2015-07-01",
            },
        },
        title="Título de Máster",
    ),
    vc(
        "marks",
        ["RecordOfAchievement"],
        "did:web:ucm.example",
        "Universidad Complutense de Madrid",
        {
            "program": "Máster en Ciencia de Datos",
            "finalGrade": "8.9",
            "courses": [{"title": "Aprendizaje automático", "grade": "9.1"}],
        },
    ),
    vc(
        "job",
        ["EmploymentVerificationCredential"],
        "did:web:datalab.example",
        "DataLab Iberia S.L.",
        {
            "name": "Sofía Martínez López",
            "jobTitle": "Data Scientist",
            "employer": {"name": "DataLab Iberia S.L."},
            "employmentStatus": "active",
            "startDate": "2019-03-01",
        },
        vu="2027-12-31T00:00:00Z",
    ),
    vc(
        "salary",
        ["SalaryStatementCredential"],
        "did:web:datalab.example",
        "DataLab Iberia S.L.",
        {
            "period": "2026-10",
            "netSalary": {"value": 3100, "currency": "EUR"},
            "grossSalary": {"value": 4300, "currency": "EUR"},
        },
        vf="2026-10-31T00:00:00Z",
    ),
    vc(
        "ehic",
        ["EuropeanHealthInsuranceCard"],
        "did:web:inss.example",
        "Instituto Nacional de la Seguridad Social",
        {
            "givenName": "Sofía",
            "familyName": "Martínez López",
            "insurerName": "INSS",
            "insuranceNumber": "ES-28-000123",
            "cardExpiry": "2028-01-01",
        },
        vu="2028-01-01T00:00:00Z",
        suite="bbs-2023",
    ),
    vc(
        "covid",
        ["ImmunizationRecord"],
        "did:web:sermas.example",
        "Servicio Madrileño de Salud",
        {
            "name": "Sofía Martínez López",
            "vaccine": {"targetDisease": "COVID-19", "product": "Comirnaty", "doseNumber": 3},
            "vaccinationDate": "2022-01-10",
        },
    ),
    vc(
        "petvacc",
        ["PetVaccinationCertificate"],
        "did:web:vet-retiro.example",
        "Clínica Veterinaria Retiro",
        {
            "petName": "Luna",
            "species": "dog",
            "vaccine": {"targetDisease": "Rabies", "product": "Nobivac"},
            "vaccinationDate": "2026-03-03",
        },
    ),
    vc(
        "bank",
        ["BankAccountCredential"],
        "did:web:bancosol.example",
        "Banco Sol",
        {"iban": "ES9121000418450200051332", "bic": "CAIXESBBXXX", "accountHolder": "Sofía Martínez López"},
        vu="2029-01-01T00:00:00Z",
    ),
    vc(
        "padron",
        ["ResidenceCertificate"],
        "did:web:madrid.example",
        "Ayuntamiento de Madrid",
        {"address": ADDR, "registeredSince": "2016-05-01"},
        vf="2026-09-01T00:00:00Z",
        vu="2027-03-01T00:00:00Z",
        title="Certificado de empadronamiento",
    ),
    vc(
        "oldstudent",
        ["StudentCard"],
        "did:web:ucm.example",
        "Universidad Complutense de Madrid",
        {"studentNumber": "UCM-55", "program": "Máster en Ciencia de Datos"},
        vu="2015-09-30T00:00:00Z",
    ),
    vc(
        "gym",
        ["GymMembershipCredential"],
        "did:web:gofit.example",
        "GO fit Madrid",
        {"membershipNumber": "GF-77", "membershipStatus": "active"},
        vu="2027-01-31T00:00:00Z",
    ),
    vc(
        "cert",
        ["CloudCertificationBadge"],
        "did:web:cloudcert.example",
        "Cloud Certification Board",
        {"achievement": {"name": "Certified Cloud Architect – Associate"}},
    ),
    vc(
        "language",
        ["LanguageProficiencyCertificate"],
        "did:web:goethe.example",
        "Goethe-Institut",
        {"language": "de", "cefrLevel": "B2", "exam": "Goethe-Zertifikat B2"},
    ),
    vc(
        "record",
        ["CriminalRecordCertificate"],
        "did:web:justicia.example",
        "Ministerio de Justicia",
        {"recordType": "Certificado de antecedentes penales", "entries": "sin antecedentes"},
        vf="2026-08-01T00:00:00Z",
        vu="2027-02-01T00:00:00Z",
    ),
    vc(
        "tax",
        ["TaxIdentificationCredential"],
        "did:web:aeat.example",
        "Agencia Tributaria",
        {"taxId": "12345678Z", "taxResidence": "ES"},
        vu="2028-01-01T00:00:00Z",
    ),
    vc(
        "metro",
        ["PublicTransportPass"],
        "did:web:crtm.example",
        "Consorcio Regional de Transportes de Madrid",
        {"product": "Abono Joven", "zone": "A", "subscriptionStatus": "active"},
        vu="2026-12-31T23:59:59Z",
    ),
    vc(
        "architect",
        ["ProfessionalRegistrationCredential"],
        "did:web:coam.example",
        "Colegio Oficial de Arquitectos de Madrid",
        {"profession": "Arquitecta", "registrationNumber": "COAM-12345", "registrationStatus": "active"},
        vu="2028-01-01T00:00:00Z",
    ),
    vc(
        "fakeid",
        ["NationalIDCard"],
        "did:web:instant-id.example",
        "InstantID Online",
        {"givenName": "Sofía", "familyName": "Martínez", "birthDate": "1990-07-02"},
        vu="2031-01-01T00:00:00Z",
    ),
    vc(
        "firstaid",
        ["TrainingCertificate"],
        "did:web:cruzroja.example",
        "Cruz Roja Española",
        {"course": "Curso de primeros auxilios", "completionDate": "2021-04-10"},
    ),
    vc(
        "library",
        ["LibraryMembershipCard"],
        "did:web:bibliomadrid.example",
        "Bibliotecas Públicas de Madrid",
        {"cardNumber": "BPM-001", "services": ["loans", "e-lending"]},
        vu="2027-05-01T00:00:00Z",
    ),
    vc(
        "passport_old",
        ["PassportCredential"],
        "did:web:dgp.example",
        "Dirección General de la Policía",
        {
            "givenName": "Sofía",
            "familyName": "Martínez López",
            "birthDate": "1990-07-02",
            "passportNumber": "PAA000001",
        },
        vf="2014-01-01T00:00:00Z",
        vu="2024-01-01T00:00:00Z",
    ),
]
TRUSTED = sorted({c["issuer"]["id"] for c in creds} - {"did:web:instant-id.example"})
wallet = {"now": "2026-11-25T00:00:00Z", "holder": HOLDER, "trusted_issuers": TRUSTED, "credentials": creds}
S = {c["id"]: c for c in creds}


def C(slug):
    return cid(slug)


def p(*parts):
    return "credentialSubject." + ".".join(parts)


reqs = []


def nl(i, lang, purpose, rel, must_not=(), claims=None, note=""):
    reqs.append(
        {
            "id": f"dev-{i:02d}",
            "kind": "nl",
            "lang": lang,
            "request": {"purpose": purpose},
            "relevant": [C(x) for x in rel],
            "must_not": [C(x) for x in must_not],
            "claims": {C(k): v for k, v in (claims or {}).items()},
            "note": note,
        }
    )


NAME = [p("givenName"), p("familyName")]
nl(
    1,
    "en",
    "Picking up a hire car at the airport tomorrow; they need to see I hold a valid licence.",
    ["dl"],
    ["car"],
    {"dl": NAME + [p("expiryDate"), p("vehicleCategories")]},
)
nl(
    2,
    "de",
    "Ich möchte ein Auto mieten – die Vermietung will meinen Führerschein sehen.",
    ["dl"],
    ["car"],
    {"dl": NAME + [p("expiryDate"), p("vehicleCategories")]},
)
nl(
    3,
    "fr",
    "Je dois prouver que j'ai plus de 18 ans pour acheter du vin en ligne.",
    ["ageproof", "nid", "dl"],
    ["passport_old", "fakeid"],
    {"ageproof": [p("ageOver18")]},
)
nl(
    4,
    "es",
    "Tengo que demostrar que soy mayor de edad para entrar en el casino.",
    ["ageproof", "nid", "dl"],
    ["passport_old", "fakeid"],
    {"ageproof": [p("ageOver18")]},
)
nl(
    5,
    "en",
    "A bar wants to check that I'm over 21.",
    ["ageproof", "nid", "dl"],
    ["fakeid"],
    {"ageproof": [p("ageOver21")]},
)
nl(
    6,
    "en",
    "The hiring manager asked for proof of my master's in data science.",
    ["master", "marks"],
    [],
    {"master": [p("degree", "name"), p("degree", "field")]},
)
nl(
    7,
    "de",
    "Für die Bewerbung brauche ich einen Nachweis meines Hochschulabschlusses.",
    ["master", "marks"],
    [],
    {"master": [p("degree", "name"), p("degree", "field")]},
)
nl(
    8,
    "es",
    "El casero quiere ver mis nóminas para alquilar el piso.",
    ["salary", "job"],
    [],
    {"salary": [p("netSalary", "value")]},
)
nl(
    9,
    "fr",
    "Le propriétaire demande un justificatif de revenus.",
    ["salary", "job"],
    [],
    {"salary": [p("netSalary", "value")]},
)
nl(
    10,
    "en",
    "The town hall needs something that shows my home address.",
    ["padron", "nid"],
    ["car"],
    {"padron": [p("address")]},
)
nl(
    11,
    "es",
    "Necesito un justificante de domicilio para el ayuntamiento.",
    ["padron", "nid"],
    [],
    {"padron": [p("address")]},
)
nl(
    12,
    "de",
    "Beim Arzt muss ich meine Krankenversicherung nachweisen.",
    ["ehic"],
    [],
    {"ehic": [p("insurerName"), p("insuranceNumber")]},
)
nl(
    13,
    "en",
    "The clinic asked whether I've had my COVID shots.",
    ["covid"],
    ["petvacc"],
    {"covid": [p("vaccine"), p("vaccinationDate")]},
)
nl(
    14,
    "fr",
    "Pour voyager je dois présenter mon certificat de vaccination.",
    ["covid"],
    ["petvacc"],
    {"covid": [p("vaccine"), p("vaccinationDate")]},
)
nl(15, "en", "I'd like the student rate for the museum ticket.", [], ["oldstudent"], {})
nl(16, "es", "Quiero el descuento de estudiante en el cine.", [], ["oldstudent"], {})
nl(
    17,
    "en",
    "Renting a flat: the agency must verify who I am.",
    ["nid"],
    ["passport_old", "fakeid"],
    {"nid": NAME + [p("birthDate")]},
)
nl(
    18,
    "de",
    "Für die Kontoeröffnung muss ich mich ausweisen.",
    ["nid"],
    ["passport_old", "fakeid"],
    {"nid": NAME + [p("birthDate")]},
)
nl(
    19,
    "en",
    "The volunteer program with kids requires a criminal background check.",
    ["record"],
    [],
    {"record": [p("recordType"), p("entries")]},
)
nl(
    20,
    "es",
    "Para trabajar con niños me piden el certificado de antecedentes penales.",
    ["record"],
    [],
    {"record": [p("recordType"), p("entries")]},
)
nl(21, "en", "My new employer needs my IBAN for the salary payments.", ["bank"], [], {"bank": [p("iban")]})
nl(
    22,
    "fr",
    "Je veux emprunter des livres numériques à la médiathèque.",
    ["library"],
    [],
    {"library": [p("cardNumber")]},
)
nl(
    23,
    "en",
    "Show that I'm a registered architect so I can sign the building plans.",
    ["architect"],
    ["master"],
    {"architect": [p("profession"), p("registrationNumber"), p("registrationStatus")]},
)
nl(
    24,
    "de",
    "Die Steuerberaterin braucht meine Steuer-Identifikationsnummer.",
    ["tax"],
    [],
    {"tax": [p("taxId")]},
)
nl(
    25,
    "en",
    "Ticket inspector on the metro wants to see my pass.",
    ["metro"],
    [],
    {"metro": [p("product"), p("subscriptionStatus")]},
)
nl(26, "en", "Prove that I own a boat for the marina berth.", [], ["car"], {})
nl(27, "es", "Necesito demostrar que tengo licencia de pesca.", [], [], {})
nl(
    28,
    "en",
    "The employer wants confirmation that I'm currently employed as a data scientist.",
    ["job", "salary"],
    [],
    {"job": [p("employer", "name"), p("jobTitle"), p("employmentStatus")]},
)
nl(
    29,
    "fr",
    "Mon employeur veut une preuve de mon niveau d'allemand.",
    ["language"],
    [],
    {"language": [p("language"), p("cefrLevel")]},
)
nl(
    30,
    "en",
    "The swimming pool lifeguard job asks if I have done a first aid course.",
    ["firstaid"],
    [],
    {"firstaid": [p("course"), p("completionDate")]},
)
nl(31, "de", "Ich will im Fitnessstudio einchecken.", ["gym"], [], {"gym": [p("membershipNumber")]})
nl(
    32,
    "en",
    "Client wants evidence of my cloud architecture certification.",
    ["cert"],
    [],
    {"cert": [p("achievement", "name")]},
)
out = Path(__file__).parent
(out / "wallet.json").write_text(json.dumps(wallet, indent=1, ensure_ascii=False))
(out / "requests.json").write_text(
    json.dumps({"now": wallet["now"], "requests": reqs}, indent=1, ensure_ascii=False)
)
print(len(creds), len(reqs))
