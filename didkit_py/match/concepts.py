# ruff: noqa: E501  (curated data tables: one keyword list per line reads best)
"""The matcher's concept layer: what purposes mean and what credentials are.

Curated, general knowledge — not fitted to any evaluation case:

* :data:`KINDS` — credential kinds recognised from the credential's types (and, failing that,
  its title or claim names) in English, German, French and Spanish spellings.
* :data:`ROLES` — claim roles (``birth_date``, ``holder_address``, ``tax_id`` …) as patterns over
  normalised claim keys, so minimal disclosure works whatever the issuer named the claim.
* :data:`INTENTS` — purposes a holder meets in daily life (age check, driving, identity,
  residence, income, education, health …). Each has a multilingual keyword lexicon (EN/DE/FR/ES,
  accents folded, ``*`` = word prefix), example purposes that are embedded by MiniLM, and the
  *evidence* that satisfies it: credential kinds in order of preference (least disclosure / most
  specific first) with the claim roles to reveal.

Keyword weights: 1.0 names the need itself ("driving licence", "over 18"), 0.6 a strong
context ("hospital" → insurance), 0.3 a weak context ("driving school" — someone learning to
drive). Longer phrases win over the words inside them, so "driving school" does not also count
as "driving".
"""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = ["INTENTS", "KINDS", "ROLES", "Evidence", "Intent", "Kind", "Role"]


@dataclass(frozen=True, slots=True)
class Kind:
    """A kind of credential. ``pattern`` runs over humanised, accent-folded type names."""

    id: str
    label: str
    pattern: re.Pattern[str]
    claim_pattern: re.Pattern[str] | None = None
    #: kinds this one rules out (a pet's vaccination record is not the holder's vaccination)
    excludes: tuple[str, ...] = ()
    #: also recognised from descriptive claim values (a course titled "Erste-Hilfe-Kurs")
    value_pattern: re.Pattern[str] | None = None


@dataclass(frozen=True, slots=True)
class Role:
    """A claim role: alternatives over normalised keys (``parent.child`` for nested), first hit wins."""

    id: str
    label: str
    keys: tuple[str, ...]
    top_level_only: bool = False


@dataclass(frozen=True, slots=True)
class Evidence:
    """A kind of credential that satisfies an intent, its preference, and the claims to reveal.

    Roles ending in ``?`` are revealed when present; the others must resolve or the credential
    is not evidence (an identity card without a birth date cannot prove an age).
    ``kind="*"`` accepts any credential whose required roles resolve.
    """

    kind: str
    weight: float
    roles: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Intent:
    id: str
    label: str
    keywords: tuple[tuple[str, float], ...]
    examples: tuple[str, ...]
    evidence: tuple[Evidence, ...]
    #: intents this one rules out when it is at least as strong (a pet's shot is not the holder's)
    suppresses: tuple[str, ...] = ()


def _k(
    id: str,
    label: str,
    pattern: str,
    claims: str | None = None,
    excludes: tuple[str, ...] = (),
    values: str | None = None,
) -> Kind:
    return Kind(
        id, label, re.compile(pattern), re.compile(claims) if claims else None, excludes,
        re.compile(values) if values else None,
    )  # fmt: skip


# Order matters only for display; a credential may have several kinds.
KINDS: tuple[Kind, ...] = (
    _k(
        "pet_record",
        "pet record",
        r"\b(pet|pets|animal|veterinar\w*|tierarzt\w*|haustier\w*|mascota\w*|animaux)\b",
        r"^(species|breed|microchip\w*|petname|animalname)$",
        excludes=("vaccination", "health_insurance"),
    ),
    _k(
        "age_attestation",
        "age attestation",
        r"\bage ?(over|verification|attestation|proof|credential)|alters ?nachweis|altersnachweis|\bover ?1[68]\b",
        r"^(ageover\d+|ageequalorover\d*|isover\d+|over\d+)$",
    ),
    _k(
        "identity",
        "identity document",
        r"person ?identification|\bpid\b|identity ?(card|document|credential)|\bid ?card|national ?id|e ?id\b|personal ?ausweis|"
        r"personalausweis|residence ?permit|aufenthalts|carte (nationale )?d ?identite|documento (nacional )?de identidad|\bdni\b|\bnie\b|identidad",
    ),
    _k("passport", "passport", r"passport|reisepass|passeport|pasaporte"),
    _k(
        "driving_licence",
        "driving licence",
        r"driv(ing|er|ers) ?licen[cs]e|driving ?permit|\bm?dl\b|fuhrerschein|fuehrerschein|permis de conduire|"
        r"permiso de conducir|carnet de conducir|licencia de conducir",
        r"^(drivingprivileges|vehiclecategor\w*)$",
    ),
    _k(
        "vehicle_registration",
        "vehicle registration",
        r"vehicle|fahrzeug|zulassungsbescheinigung|carte grise|permiso de circulacion",
    ),
    _k(
        "degree",
        "degree",
        r"degree|diploma\b|bachelor|master|doctor|\bphd\b|hochschulabschluss|\bdiplom\b|bachelorzeugnis|masterzeugnis|diplome|titulo",
    ),
    _k(
        "transcript",
        "transcript of records",
        r"transcript|record ?of ?(achievement|records)|grade ?report|notenspiegel|releve de notes|expediente",
    ),
    _k(
        "student_id",
        "student ID",
        r"student ?(id|card|pass)|\bstudent\b(?! ?(finance|loan|grant))|enrol+ment|immatrikul|matricul|studierendenausweis|studentenausweis|carte etudiant|carnet de estudiante",
        r"^(studentnumber|matriculationnumber|studentid|matrikelnummer)$",
    ),
    _k(
        "employment",
        "employment attestation",
        r"employment|employee|employer|work ?certificate|arbeitgeber|beschaftigung|arbeitsbescheinigung|arbeitszeugnis|\bemploi\b|empleo",
        r"^(jobtitle|employmentstatus|employmenttype|contracttype)$",
    ),
    _k(
        "payslip",
        "payslip",
        r"pay ?slip|pay ?stub|pay ?statement|pay ?check|earnings|remuneration|salary|income|wage|gehalt|lohn|fiche de paie|bulletin de salaire|nomina",
        r"^((net|gross)\w*(pay|salary|income|wage)\w*|payperiod)$",
    ),
    _k(
        "professional_licence",
        "professional licence",
        r"professional ?(licen[cs]e|registration|certification)|licen[cs]e to practi|chamber|kammer|bar ?membership|approbation|colegiad|ordre|practising",
        r"^profession$",
    ),
    _k(
        "health_insurance",
        "health insurance card",
        r"health ?insurance|insurance ?card|\behic\b|krankenversicherung|gesundheitskarte|assurance ?maladie|carte vitale|tarjeta sanitaria|seguro",
        r"^(insurancenumber|insurername|insuranceid|insuredpersonnumber)$",
    ),
    _k(
        "vaccination",
        "vaccination certificate",
        r"vaccin\w*|immuni[sz]ation|impf\w*|vacun\w*",
        r"^(vaccinationdate|dateofvaccination|targetdisease)$",
    ),
    _k(
        "bank_account",
        "bank account",
        r"bank ?account|\biban\b|\bkyc\b|bankkonto|compte bancaire|cuenta bancaria|\bbank\b",
        r"^iban$",
    ),
    _k(
        "address_proof",
        "proof of address",
        r"proof ?of ?address|\baddress\b|utility ?bill|residence ?certificate|meldebescheinigung|wohnsitz|justificatif de domicile|empadronamiento|registration of residence",
    ),
    _k("library", "library card", r"librar\w*|bibliot\w*|bucherei"),
    _k(
        "membership",
        "membership card",
        r"membership|member ?card|mitglied\w*|fitness|\bgym\b|\bclub\b|socio|adherent",
        r"^(membershipnumber|membershipstatus|membershiptype)$",
    ),
    _k("badge", "badge / achievement", r"badge|achievement|micro ?credential"),
    _k(
        "training",
        "training certificate",
        r"training|\bcourse\b|first ?aid|schulung|lehrgang|\bkurs\b|formation|\bcurso\b|certificate of completion",
    ),
    _k(
        "first_aid",
        "first aid certificate",
        r"first ?aid|erste ?hilfe|premiers ?secours|secourisme|primeros ?auxilios|\bcpr\b",
        values=r"first ?aid|erste ?hilfe|premiers ?secours|secours civiques|secourisme|primeros ?auxilios|\bcpr\b|\bpsc ?1\b",
    ),
    _k(
        "language_cert",
        "language certificate",
        r"language|\bcefr\b|ielts|toefl|sprach\w*|langue|idioma",
        r"^(cefrlevel|languagelevel)$",
    ),
    _k(
        "tax",
        "tax document",
        r"\btax\b|steuer\w*|fiscal|impot|impuesto",
        r"^(taxid\w*|taxnumber|taxidentificationnumber|steuerid\w*|steuernummer)$",
    ),
    _k(
        "transit",
        "transit pass",
        r"transit|(bus|train|tram|metro|rail|transport) ?ticket|travel ?pass|transport ?pass|public ?transport|bahncard|fahrkarte|fahrschein|abonnement|\babono\b|season ?pass|semester ?ticket|deutschlandticket|monthly ?pass|monatskarte",
        r"^(zone|zones|travelzone|farezone)$",
    ),
    _k(
        "event_ticket",
        "event ticket",
        r"concert|event|festival|admission|entry ?ticket|theat(re|er)|cinema|stadium|match ?ticket|\bgig\b|konzert|spectacle|concierto|entrada",
        excludes=("transit",),
    ),
    _k(
        "vehicle_insurance",
        "vehicle insurance",
        r"(car|vehicle|motor|kfz|auto|automobile) ?insurance|kfz ?versicherung|autoversicherung|assurance auto|seguro (del |de )?coche",
        excludes=("health_insurance",),
    ),
    _k(
        "residence_permit",
        "residence permit",
        r"residence ?permit|aufenthalts\w*|niederlassungserlaubnis|titre de sejour|permis de sejour|permiso de residencia|"
        r"tarjeta de residencia|\bvisa\b|work ?permit|arbeitserlaubnis",
    ),
    _k(
        "civil_status",
        "civil status record",
        r"birth ?certificate|marriage ?certificate|civil ?status|geburtsurkunde|heiratsurkunde|acte de (naissance|mariage)|"
        r"partida de nacimiento|certificado de (nacimiento|matrimonio)|etat civil|family ?book|livret de famille",
    ),
    _k(
        "conduct",
        "certificate of conduct",
        r"conduct|criminal ?record|background ?check|police ?(certificate|clearance)|fuhrungszeugnis|casier|antecedentes",
    ),
)

ROLES: dict[str, Role] = {
    r.id: r
    for r in (
        Role(
            "given_name",
            "given name",
            ("givenname", "givennames", "firstname", "forename", "vorname", "prenom", "nombre"),
        ),
        Role(
            "family_name",
            "family name",
            ("familyname", "familynames", "lastname", "surname", "nachname", "apellidos?"),
        ),
        Role(
            "birth_date",
            "birth date",
            (
                "birthdate",
                "dateofbirth",
                "dob",
                "geburtsdatum",
                "birthday",
                "datedenaissance",
                "fechadenacimiento",
            ),
        ),
        Role(
            "driving_privileges",
            "driving privileges",
            (
                "drivingprivileges",
                "vehiclecategor(y|ies)",
                "licen[cs]ecategor(y|ies)",
                "licen[cs]eclass(es)?",
                "fahrerlaubnisklassen",
                "categories",
            ),
        ),
        Role(
            "doc_expiry",
            "expiry date",
            ("expirydate", "dateofexpiry", "expirationdate", "expiry", "expires", "validuntil"),
        ),
        Role(
            "holder_address",
            "address",
            (
                "address",
                "residentaddress",
                "homeaddress",
                "postaladdress",
                "residenceaddress",
                "wohnanschrift",
                "anschrift",
                "adresse",
                "domicilio",
                "direccion",
            ),
            top_level_only=True,
        ),
        Role(
            "resident_street",
            "street",
            ("residentstreet", "residentaddress", "streetaddress", "street", "strasse"),
            top_level_only=True,
        ),
        Role(
            "resident_postal_code",
            "postal code",
            ("residentpostalcode", "postalcode", "postcode", "zipcode", "zip", "plz"),
            top_level_only=True,
        ),
        Role(
            "resident_city",
            "city",
            ("residentcity", "city", "locality", "addresslocality", "town", "ort", "ville", "ciudad"),
            top_level_only=True,
        ),
        Role(
            "degree_name",
            "degree",
            ("degree\\.name", "degree\\.title", "degreename", "degreetitle", "qualification", "degree"),
        ),
        Role(
            "degree_field",
            "field of study",
            (
                "degree\\.field",
                "degree\\.fieldofstudy",
                "degree\\.subject",
                "degree\\.major",
                "degree\\.discipline",
                "fieldofstudy",
                "major",
                "discipline",
            ),
        ),
        Role(
            "programme",
            "study programme",
            (
                "programme",
                "program",
                "studyprogramme",
                "studyprogram",
                "degreeprogramme",
                "studiengang",
                "enrolledprogramme",
            ),
        ),
        Role(
            "final_grade",
            "final grade",
            (
                "finalgrade",
                "overallgrade",
                "gpa",
                "gradepointaverage",
                "averagegrade",
                "finalmark",
                "gesamtnote",
            ),
        ),
        Role("net_income", "net income", ("net\\w*(salary|income|pay|wage)\\w*", "netto\\w*", "takehomepay")),
        Role(
            "income",
            "income",
            (
                "gross\\w*(salary|income|pay|wage)\\w*",
                "(annual|monthly)?(salary|income|wage)",
                "brutto\\w*",
                "\\w*income",
            ),
        ),
        Role(
            "employer_name",
            "employer",
            ("employer\\.name", "employername", "employer", "companyname", "company", "arbeitgeber"),
        ),
        Role("employment_status", "employment status", ("employmentstatus", "status")),
        Role("job_title", "job title", ("jobtitle", "position", "occupation", "role")),
        Role(
            "tax_id",
            "tax ID",
            (
                "taxidentificationnumber",
                "taxid",
                "taxidnumber",
                "tin",
                "taxnumber",
                "steuerid",
                "steuernummer",
                "steueridentifikationsnummer",
                "nif",
                "numerofiscal",
            ),
        ),
        Role(
            "insurer",
            "insurer",
            ("insurername", "insurer", "insurancecompany", "insuranceprovider", "carrier", "krankenkasse"),
        ),
        Role(
            "insurance_number",
            "insurance number",
            (
                "insurancenumber",
                "insuredpersonnumber",
                "insuranceid",
                "policynumber",
                "versichertennummer",
                "memberid",
                "membernumber",
            ),
        ),
        Role(
            "vaccine",
            "vaccine",
            ("vaccine", "vaccineproduct", "vaccinename", "targetdisease", "disease", "vaccinationtype"),
        ),
        Role(
            "vaccination_date",
            "vaccination date",
            ("vaccinationdate", "dateofvaccination", "dateadministered", "administeredon", "date"),
        ),
        Role(
            "card_number",
            "card number",
            (
                "cardnumber",
                "librarycardnumber",
                "membernumber",
                "membershipnumber",
                "patronid",
                "readernumber",
            ),
        ),
        Role("profession", "profession", ("profession", "occupation", "professionaltitle", "title")),
        Role(
            "licence_number",
            "registration number",
            ("membernumber", "licen[cs]enumber", "registrationnumber", "membershipnumber", "memberid"),
        ),
        Role("licence_status", "licence status", ("licen[cs]estatus", "registrationstatus", "status")),
        Role(
            "course", "course", ("course", "coursename", "coursetitle", "training", "trainingname", "title")
        ),
        Role(
            "completion_date",
            "completion date",
            ("completiondate", "datecompleted", "completedon", "dateofcompletion", "date"),
        ),
        Role("language", "language", ("language", "languagecode")),
        Role("language_level", "level", ("cefrlevel", "level", "proficiencylevel")),
        Role("membership_number", "membership number", ("membershipnumber", "membernumber", "memberid")),
        Role("membership_status", "membership status", ("membershipstatus", "status")),
        Role("record_type", "record type", ("recordtype", "certificatetype", "type")),
        Role("record_entries", "record entries", ("entries", "result", "convictions", "records")),
        Role("transit_product", "ticket", ("product", "tickettype", "passtype")),
        Role("transit_status", "subscription status", ("subscriptionstatus", "status")),
        Role("iban", "IBAN", ("iban", "accountnumber")),
        Role("bic", "BIC", ("bic", "swift")),
        Role(
            "student_number",
            "student number",
            ("studentnumber", "matriculationnumber", "studentid", "matrikelnummer"),
        ),
        Role(
            "enrolled_programme",
            "enrolled programme",
            ("enrolledprogramme", "programme", "program", "enrollmentstatus"),
        ),
        Role("achievement", "achievement", ("achievement\\.name", "badge\\.name", "achievementname")),
        Role("nationality", "nationality", ("nationality", "nationalities", "citizenship")),
        Role(
            "birth_place",
            "place of birth",
            ("placeofbirth", "birthplace", "geburtsort", "lieudenaissance", "lugardenacimiento"),
        ),
        Role(
            "permit_type",
            "permit type",
            ("permittype", "permitcategory", "residencetitle", "visatype", "titletype"),
        ),
        Role("policy_number", "policy number", ("policynumber", "insurancenumber", "contractnumber")),
        Role(
            "vehicle_plate",
            "licence plate",
            ("vehicleplate", "licenceplate", "licenseplate", "plate", "registrationnumber", "kennzeichen"),
        ),
        Role("event_name", "event", ("event", "eventname", "title", "performance")),
        Role("seat", "seat", ("seat", "seatnumber", "platz", "place", "asiento")),
        Role("event_date", "event date", ("eventdate", "date", "performancedate")),
    )
}


def _kw(spec: str, weight: float = 1.0) -> tuple[tuple[str, float], ...]:
    """``"a | b c | d*"`` → keywords of one weight (phrases are accent-folded, lower-case)."""
    return tuple((p.strip(), weight) for p in spec.split("|") if p.strip())


_ID_ROLES = ("given_name", "family_name", "birth_date")

INTENTS: tuple[Intent, ...] = (
    Intent(
        "age_check",
        "an age check",
        _kw(
            "over 16|over 18|over 21|18 or older|18 plus|18+|of age|legal age|age verification|verify my age|confirm my age|prove my age|"
            "age check|how old|old enough|adult|adults only|alcohol*|wine*|beer|spirits|liquor|tobacco|cigarette*|vape*|casino|gambling|"
            "betting|nightclub|volljahrig*|altersnachweis|alterskontrolle|altersprufung|uber 18|ab 18|jugendschutz|mindestalter|"
            "majeur*|majorite|plus de 18|plus de 18 ans|verifier mon age|alcool|mayor de edad|mayoria de edad|mayor de 18|mas de 18|"
            "bebidas alcoholicas|vino|cerveza|tabaco"
        )
        + _kw("age|edad|alter|years old|ans|anos", 0.7),
        (
            "prove that I am over 18 to buy alcohol",
            "age verification for an adults-only service",
            "confirm I am old enough",
            "prouver que je suis majeur",
        ),
        (
            Evidence("age_attestation", 1.0, ("age_over",)),
            Evidence("identity", 0.85, ("birth_date",)),
            Evidence("driving_licence", 0.8, ("birth_date",)),
            Evidence("passport", 0.75, ("birth_date",)),
        ),
    ),
    Intent(
        "identity",
        "an identity check",
        _kw(
            "identity|identify|identification|verify who i am|prove who i am|who i am|id check|id card|identity card|identity document|"
            "government id|photo id|kyc|know your customer|identitat|ausweis*|personalausweis|legitimation|legitimieren|identifizier*|"
            "identite|piece d identite|carte d identite|qui je suis|identidad|documento de identidad|dni|identificar*|identificacion|quien soy"
        )
        + _kw(
            "open a bank account|bank account opening|girokonto|kontoeroffnung|ouverture de compte|apertura de cuenta|sim card|check in|hotel|notary|notar|notaire|notario|border control|"
            "passport control|grenzkontrolle|controle aux frontieres|control fronterizo|brokerage|depot|konto eroffnen|"
            "ouvrir un compte|abrir una cuenta",
            0.5,
        )
        + _kw("passport|reisepass|passeport|pasaporte", 0.9),
        (
            "verify my identity",
            "prove who I am with an official ID document",
            "KYC identity check for a new account",
        ),
        (
            Evidence("identity", 1.0, (*_ID_ROLES,)),
            Evidence("passport", 0.95, (*_ID_ROLES,)),
            Evidence("driving_licence", 0.5, (*_ID_ROLES,)),
        ),
    ),
    Intent(
        "driving",
        "a driving permission check",
        _kw(
            "allowed to drive|permitted to drive|licensed to drive|drive|driving|driver|driving licence|driving license|driver licence|"
            "driver license|drivers licence|drivers license|driving permit|rent a car|renting a car|car rental|rental car|hire a car|"
            "car hire|hire car|hired car|car sharing|carsharing|rent a van|fuhrerschein|fahrerlaubnis|auto mieten|mietwagen|autovermietung|fahren|"
            "permis de conduire|permis|conduire|louer une voiture|location de voiture|voiture de location|permiso de conducir|"
            "carnet de conducir|licencia de conducir|conducir|alquilar un coche|alquiler de coches|coche de alquiler|manejar"
        )
        + _kw("licence|license|licencia|lizenz|car|auto|coche|voiture", 0.4)
        + _kw("driving school|fahrschule|auto ecole|autoescuela", 0.3),
        (
            "show that I am allowed to drive a car",
            "car rental desk checks my driving licence",
        ),
        (
            Evidence(
                "driving_licence", 1.0, ("given_name?", "family_name?", "driving_privileges?", "doc_expiry?")
            ),
        ),
    ),
    Intent(
        "vehicle",
        "proof of vehicle ownership",
        _kw(
            "vehicle registration|car registration|my car|my vehicle|vehicle owner|registered keeper|licence plate|license plate|"
            "number plate|fahrzeugschein|zulassungsbescheinigung|kennzeichen|carte grise|immatriculation|permiso de circulacion|matricula del coche|"
            "registered to me|registered in my name|car is in my name|voiture est a mon nom|voiture a mon nom|coche esta a mi nombre|"
            "auto lauft auf mich|car is mine|car belongs to me|vehicle is mine|own the car|own a car|owner of the car|"
            "owner of the vehicle|car owner|auf mich zugelassen|zugelassen auf mich|immatricule a mon nom|a mi nombre"
        )
        + _kw("zugelassen|immatricule|matriculado", 0.5),
        ("prove that the car is registered to me", "vehicle registration document for parking permit"),
        (Evidence("vehicle_registration", 1.0, ()),),
    ),
    Intent(
        "education",
        "an education check",
        _kw(
            "degree|bachelor*|university degree|master degree|master s degree|masters degree|graduat*|academic|qualification*|phd|doctorate|studied|"
            "abschluss|studienabschluss|hochschulabschluss|bachelorzeugnis|studium|licence universitaire|"
            "titulo universitario|licenciatura|grado universitario|carrera universitaria"
        )
        # a diploma can be of anything (first aid, diving), "a master's" may be the goal: less sure
        + _kw("diploma|diplom|diplome|titulo|master s|masters", 0.8)
        + _kw("university|universitat|universite|universidad|college|hochschule", 0.6)
        + _kw(
            "job application|applying for a job|apply for a job|bewerbung|candidature|solicitud de empleo",
            0.3,
        ),
        (
            "show my university degree to an employer",
            "proof of my academic qualification",
        ),
        (
            Evidence("degree", 1.0, ("degree_name", "degree_field?")),
            Evidence("transcript", 0.85, ("programme?", "final_grade?")),
        ),
    ),
    Intent(
        "transcript",
        "a grades check",
        _kw(
            "transcript|transcript of records|grades|my grades|courses taken|courses i took|credits|ects|notenspiegel|noten|"
            "releve de notes|notes|expediente academico|certificado de notas|calificaciones"
        ),
        ("send my transcript of records with grades", "which courses I passed"),
        (
            Evidence("transcript", 1.0, ("programme?", "final_grade?")),
            Evidence("degree", 0.7, ("degree_name", "degree_field?")),
        ),
    ),
    Intent(
        "student",
        "a student status check",
        _kw(
            "student|students|student discount|student id|student card|student ticket|enrolled|enrollment|enrolment|matriculat*|"
            "studentenausweis|studierendenausweis|studierend*|studentenrabatt|immatrikul*|etudiant*|carte etudiant|reduction etudiant|"
            "estudiante*|carnet de estudiante|descuento de estudiante|matricula"
        ),
        (
            "get the student discount",
            "prove I am currently enrolled at a university",
        ),
        (Evidence("student_id", 1.0, ("student_number?", "enrolled_programme?")),),
    ),
    Intent(
        "employment",
        "an employment check",
        _kw(
            "employment|employed|currently work*|proof of employment|where i work|employee|work contract|employment contract|"
            "beschaftigung*|arbeitsvertrag|arbeitsbescheinigung|anstellung|angestellt|emploi|attestation d emploi|"
            "contrat de travail|salarie|empleo|contrato de trabajo"
        )
        + _kw("job|work|working|worked|arbeit|travail|trabajo", 0.5)
        + _kw(
            "where i worked|worked at|work history|employment history|job history|work reference|arbeitszeugnis|"
            "certificat de travail|certificado de empresa",
            1.0,
        )
        # the employer is usually who asks, not what is asked for
        + _kw("employer|arbeitgeber|employeur|empleador", 0.5),
        (
            "prove that I am employed",
            "confirmation of my current employer",
        ),
        (
            Evidence("employment", 1.0, ("employer_name", "job_title?", "employment_status?")),
            Evidence("payslip", 0.7, ("employer_name?",)),
        ),
    ),
    Intent(
        "income",
        "an income check",
        _kw(
            "income|salary|salaries|earn|earnings|how much i earn|pay slip|payslip|payslips|wage|wages|paycheck|pay stub|afford|"
            "einkommen|gehalt|gehaltsnachweis|lohn|verdienst|gehaltsabrechnung|lohnabrechnung|einkommensnachweis|revenu|revenus|"
            "salaire|fiche de paie|bulletin de salaire|ingresos|salario|sueldo|nomina"
        )
        + _kw(
            "landlord|rent an apartment|rent a flat|tenancy|lease|loan|mortgage|credit|vermieter|wohnung mieten|kredit|"
            "proprietaire|bailleur|louer un appartement|pret|casero|arrendador|alquilar un piso|prestamo|hipoteca",
            0.5,
        ),
        (
            "show proof of my income to a landlord",
            "evidence of my monthly salary for a loan",
        ),
        (
            Evidence("payslip", 1.0, ("net_income",)),
            Evidence("payslip", 0.95, ("income",)),
            Evidence("employment", 0.8, ("employer_name", "employment_status?")),
            Evidence("tax", 0.6, ("income",)),  # a tax assessment states the taxable income
        ),
    ),
    Intent(
        "residence",
        "a proof of address",
        _kw(
            "where i live|proof of address|address|residence|resident|reside|home address|domicile|utility bill|registration of address|"
            "register my address|wohnsitz|adresse|anschrift|meldebescheinigung|wohne|wohnort|wohnhaft|meldeadresse|"
            "justificatif de domicile|ou j habite|habite|lieu de residence|domicilio|direccion|donde vivo|residencia|empadronamiento|vivo en|"
            "adress*|adressnachweis|wohnsitznachweis|i live|i am living|living at|ich wohne|j habite|justificante de domicilio|certificado de empadronamiento"
        ),
        (
            "prove where I live",
            "the office needs a document showing my home address",
        ),
        (
            Evidence("address_proof", 1.0, ("holder_address",)),
            Evidence("identity", 0.9, ("resident_street", "resident_postal_code?", "resident_city?")),
            Evidence("identity", 0.9, ("holder_address",)),
            Evidence("bank_account", 0.8, ("holder_address",)),
            Evidence("*", 0.5, ("holder_address",)),
        ),
    ),
    Intent(
        "tax",
        "a tax ID check",
        _kw(
            "tax|tax id|tax number|tax identification|taxpayer|tin|tax residency|steuer*|steuer id|steuernummer|steuerliche|"
            "fiscal*|impot*|numero fiscal|impuesto*|nif|numero de identificacion fiscal|hacienda|identification fiscale|"
            "numero d identification fiscale|tax identification number|identificacion fiscal|steueridentifikationsnummer"
        ),
        ("provide my tax identification number",),
        (Evidence("tax", 1.0, ("tax_id",)),),
    ),
    Intent(
        "health_insurance",
        "a health insurance check",
        _kw(
            "health insurance|health insurance card|insurance card|medical insurance|health coverage|ehic|krankenversicherung|"
            "krankenkasse|gesundheitskarte|krankenversicherungskarte|assurance maladie|mutuelle|carte vitale|seguro medico|"
            "seguro de salud|tarjeta sanitaria"
        )
        # insurance of what? on its own a strong hint, not a certainty (cars and homes are insured too)
        + _kw("insurance|insured|coverage|versicherung*|versichert*|assurance|assure|seguro|asegurado", 0.7)
        + _kw(
            "hospital|clinic|doctor|physician|krankenhaus|klinik|arzt|arztin|hopital|clinique|medecin|clinica|medico",
            0.6,
        ),
        (
            "hospital needs my health insurance details",
            "show my health insurance card at the doctor",
        ),
        (Evidence("health_insurance", 1.0, ("insurer", "insurance_number")),),
    ),
    Intent(
        "vaccination",
        "a vaccination check",
        _kw(
            "vaccination certificate|certificat de vaccination|certificado de vacunacion|impfzertifikat|impfnachweis|vaccin*|immuni*|yellow fever|inoculat*|measles|jab|impf*|gelbfieber|masern|fievre jaune|rougeole|vacun*|"
            "fiebre amarilla|sarampion|inmuniz*"
        )
        + _kw("covid|shot|shots", 0.6),
        (
            "proof of my vaccination",
            "vaccination certificate for travel",
        ),
        (Evidence("vaccination", 1.0, ("vaccine", "vaccination_date?")),),
    ),
    Intent(
        "library",
        "a library membership check",
        _kw(
            "library|libraries|library card|bibliothek|bucherei|stadtbucherei|bibliotheque|mediatheque|biblioteca|"
            "borrow books|borrow e books|borrow ebooks|bucher ausleihen|emprunter des livres|sacar libros"
        )
        # one can borrow a drill from a neighbour: borrowing alone is a hint
        + _kw(
            "borrow|borrowing|lend|ausleihen|emprunter|tomar prestado|e books|ebooks|books|bucher|livres|libros",
            0.6,
        ),
        ("borrow books from the library",),
        (Evidence("library", 1.0, ("card_number",)),),
    ),
    Intent(
        "professional",
        "a professional licence check",
        _kw(
            "chamber|licensed|licence to practise|license to practice|licence to practice|professional licence|professional license|"
            "professional registration|practising certificate|bar association|board certified|chartered|certified engineer|"
            "kammer*|ingenieurkammer|architektenkammer|arztekammer|berufszulassung|approbation|ordre des*|inscription a l ordre|"
            "colegiado|colegiada|colegiacion|colegio profesional|habilitacion|registered nurse|registered engineer|"
            "registered architect|licensed nurse|nursing licen*|medical licen*|licence to practise medicine"
        )
        + _kw(
            "engineer|architect|structural|sign off|accredit*|ingenieur*|architekt*|ingeniero*|arquitect*|ordre|colegio|"
            "nurse|pharmacist|physiotherapist|midwife|lawyer|attorney|solicitor|infirmier*|krankenpfleger*|pflegefach*|"
            "enfermer*|abogad*|avocat|anwalt|anwaltin|registered",
            0.6,
        )
        + _kw("registration|zulassung", 0.3),
        (
            "show my registration with the professional chamber",
            "prove I am a licensed engineer",
        ),
        (Evidence("professional_licence", 1.0, ("profession", "licence_number?", "licence_status?")),),
    ),
    Intent(
        "training",
        "a training check",
        _kw(
            "certificate of completion|course certificate|training certificate|weiterbildung|attestation de formation"
        )
        + _kw(
            "course|training|trained|workshop|kurs|schulung|lehrgang|fortbildung|formation|cours|curso|formacion|capacitacion",
            0.6,
        ),
        (
            "did I complete the first aid course",
            "certificate that I finished a training course",
        ),
        (Evidence("training", 1.0, ("course", "completion_date?")),),
    ),
    Intent(
        "first_aid",
        "a first aid check",
        _kw(
            "first aid|first aid course|cpr|erste hilfe|erste hilfe kurs|premiers secours|primeros auxilios|secourisme|"
            "psc1|reanimation|wiederbelebung|resuscitation"
        ),
        (),
        (
            Evidence("first_aid", 1.0, ("course", "completion_date?")),
            Evidence("training", 0.7, ("course", "completion_date?")),
        ),
    ),
    Intent(
        "skills",
        "a skills check",
        _kw(
            "badge|badges|skill|skills|certification|expertise|competenc*|kenntnisse|habilidades|competencia*"
        )
        + _kw("certified|certificat*|certificado*|zertifikat*|qualifikation", 0.5),
        (
            "show my professional certification",
            "proof of my technical skills",
            "digital badge for a completed exam",
        ),
        (Evidence("badge", 1.0, ("achievement?",)), Evidence("training", 0.8, ("course?",))),
    ),
    Intent(
        "language",
        "a language skills check",
        _kw(
            "german level|english level|level of english|level of german|level of french|level of spanish|niveau d anglais|niveau d allemand|"
            "niveau de francais|niveau d espagnol|nivel de ingles|nivel de aleman|nivel de frances|deutschkenntnis*|englischkenntnis*|"
            "speak english|speak german|speak french|speak spanish|my english|my german|my french|my spanish|mein englisch|"
            "mein deutsch|mon anglais|mon allemand|mon francais|mi ingles|mi aleman|mi frances|language skills|language level|language|cefr|ielts|toefl|fluent|"
            "proficiency|language certificate|sprachkenntnis*|sprachzertifikat|sprachnachweis|langue|idioma"
        )
        + _kw(
            "english|german|french|spanish|italian|anglais|allemand|espagnol|francais|ingles|aleman|frances|englisch|deutsch|"
            "franzosisch|spanisch|cambridge",
            0.4,
        ),
        (
            "proof of my English level",
            "language certificate for university admission",
        ),
        (Evidence("language_cert", 1.0, ("language", "language_level?")),),
    ),
    Intent(
        "membership",
        "a membership check",
        _kw("gym|fitness|membership|fitnessstudio|mitglied*|salle de sport|adherent|gimnasio|membresia")
        + _kw("member|socio|verein", 0.6)
        + _kw("club", 0.4),
        ("show my gym membership",),
        (Evidence("membership", 1.0, ("membership_number",)),),  # a valid membership is an active one
    ),
    Intent(
        "transit",
        "a transit ticket check",
        _kw(
            "public transport|transit|travel pass|transit pass|bus pass|train pass|fare|ticket inspection|controle des billets|"
            "controleur|control de billetes|revisor|fahrkarte|deutschlandticket|"
            "nahverkehr|opnv|monatskarte|fahrkartenkontrolle|transport en commun|titre de transport|navigo|transporte publico|"
            "abono|billete|fahrschein|fahrausweis|strassenbahn|kontrolleur*|u bahn|s bahn|billet de transport"
        )
        + _kw(
            "ticket|abonnement|bus|train|tram|tramway|tranvia|metro|subway|commute|bahn|zug|tren|billet", 0.5
        ),
        ("show my public transport pass to the ticket inspector",),
        (Evidence("transit", 1.0, ("transit_product", "transit_status?")),),
    ),
    Intent(
        "conduct",
        "a background check",
        _kw(
            "criminal record|background check|police certificate|police clearance|certificate of good conduct|good conduct|clean record|"
            "fuhrungszeugnis|polizeiliches|vorstrafe*|casier judiciaire|extrait de casier|antecedentes penales|certificado de antecedentes|"
            "buena conducta|bonne conduite|certificado de buena conducta|certificat de bonne conduite|police check|dbs check|vetting|"
            "criminal background"
        )
        + _kw(
            "volunteer*|vulnerable|children|kindergarten|ehrenamt*|benevol*|voluntari*|guarderia|creche|kita",
            0.4,
        ),
        ("criminal record check for working with children",),
        (Evidence("conduct", 1.0, ("record_type", "record_entries?")),),
    ),
    Intent(
        "banking",
        "bank account details",
        _kw(
            "bank account|iban|bank details|direct debit|sepa|payment details|account number|bankverbindung|kontodaten|"
            "lastschrift|rib|coordonnees bancaires|compte bancaire|prelevement|cuenta bancaria|datos bancarios|domiciliacion"
        )
        # "ein Konto eröffnen" is an identity check, not a request for account details
        + _kw("konto", 0.5)
        + _kw(
            "refund|payout|salary payment*|salary transfer*|pay me|erstattung|remboursement|reembolso|fur das gehalt|"
            "fur mein gehalt|gehaltszahlung|for my salary|for the salary|pour mon salaire|pour le salaire|para la nomina|"
            "para el sueldo|para mi salario",
            0.5,
        ),
        (
            "give my IBAN for the direct debit",
            "bank details for salary payment",
        ),
        (Evidence("bank_account", 1.0, ("iban",)),),
    ),
)

INTENTS = (
    *INTENTS,
    Intent(
        "pet",
        "a pet's record",
        _kw(
            "my dog|my cat|my pet|my puppy|my kitten|dog s|cat s|pet s|pet passport|mein hund|meine katze|mon chien|mon chat|"
            "mi perro|mi gato|mascota|haustier|heimtierausweis|passeport europeen pour animaux|veterinar*|tierarzt|vet"
        )
        + _kw("dog|cat|puppy|kitten|hund|katze|chien|perro|gato", 0.8),
        (),
        (Evidence("pet_record", 1.0, ()),),
        suppresses=("vaccination", "health_insurance", "identity", "age_check"),
    ),
    Intent(
        "vehicle_insurance",
        "a vehicle insurance check",
        _kw(
            "car insurance|car is insured|car insured|vehicle insurance|vehicle is insured|motor insurance|insurance for my car|"
            "green card|kfz versicherung|autoversicherung|versicherungsnachweis fur das auto|assurance auto|voiture assuree|"
            "seguro del coche|seguro de coche|coche asegurado"
        ),
        (),
        (Evidence("vehicle_insurance", 1.0, ("policy_number", "vehicle_plate?")),),
    ),
    Intent(
        "right_to_reside",
        "a residence or work permit check",
        _kw(
            "residence permit|work permit|right to work|right to reside|allowed to work|allowed to live|permitted to work|"
            "immigration status|visa|aufenthaltstitel|aufenthaltserlaubnis|aufenthaltsgenehmigung|niederlassungserlaubnis|"
            "arbeitserlaubnis|titre de sejour|permis de sejour|permis de travail|carte de sejour|permiso de residencia|"
            "tarjeta de residencia|permiso de trabajo"
        ),
        (),
        (Evidence("residence_permit", 1.0, ("permit_type",)),),
    ),
    Intent(
        "civil_status",
        "a civil status check",
        _kw(
            "birth certificate|marriage certificate|civil status|certificate of birth|geburtsurkunde|heiratsurkunde|"
            "personenstand*|acte de naissance|acte de mariage|etat civil|livret de famille|partida de nacimiento|"
            "certificado de nacimiento|certificado de matrimonio|acta de nacimiento|registro civil"
        )
        + _kw("wedding|marriage|married|heirat*|mariage|marie|boda|matrimonio|casarme", 0.5),
        (),
        (Evidence("civil_status", 1.0, ("given_name?", "family_name?", "birth_date?", "birth_place?")),),
    ),
    Intent(
        "event",
        "an event admission check",
        _kw(
            "concert ticket|event ticket|festival ticket|my ticket for|ticket for the concert|ticket for the show|eintrittskarte|konzertkarte|"
            "billet de concert|entrada para el concierto"
        )
        + _kw("concert|gig|festival|konzert|spectacle|concierto", 0.8)
        + _kw("stadium|theatre|theater|cinema|museum|kino|cine|teatro", 0.4)
        + _kw("football|soccer|match ticket|stadium ticket|fussball|futbol|season ticket for the", 0.8),
        (),
        (Evidence("event_ticket", 1.0, ("event_name?", "seat?", "event_date?")),),
    ),
)

#: English example purposes per intent, embedded by MiniLM (English-centric, so other languages
#: are left to the keyword lexicons: foreign examples matched on function words, not meaning).
_EXAMPLES: dict[str, tuple[str, ...]] = {
    "age_check": (
        "prove that I am an adult",
        "verify my age before buying alcohol or tobacco",
        "age verification for an adults-only venue",
        "confirm I am old enough",
    ),
    "identity": (
        "verify my identity",
        "prove who I am with an official identity document",
        "identity check to open an account",
        "they need to identify me",
    ),
    "driving": (
        "show that I hold a valid driving licence",
        "prove I am allowed to drive a car",
        "pick up a rental car",
        "licence check before driving a vehicle",
    ),
    "vehicle": ("prove that the car is registered to me", "show who owns this vehicle"),
    "education": (
        "show my university degree",
        "proof of my academic qualification",
        "employer wants to see my diploma",
    ),
    "transcript": ("send my transcript of records with grades", "which courses I passed and my marks"),
    "student": ("get a student discount", "prove I am currently enrolled as a student"),
    "employment": ("prove that I am employed", "confirm my current job and employer"),
    "income": (
        "show proof of my income",
        "evidence of my monthly salary",
        "demonstrate I can afford the rent",
    ),
    "residence": ("prove where I live", "document showing my home address", "proof of residence"),
    "tax": ("provide my tax identification number", "tax ID for the accountant"),
    "health_insurance": ("show my health insurance card", "proof that I have medical insurance coverage"),
    "vaccination": ("proof that I was vaccinated", "immunization record for travel"),
    "library": ("borrow books from the library", "access the public library's online lending"),
    "professional": (
        "prove I am a licensed professional",
        "registration with a professional body or chamber",
        "licence to practise my profession",
    ),
    "training": (
        "certificate that I completed a training course",
        "proof I finished a professional workshop",
    ),
    "first_aid": ("proof I took a first aid class", "certificate of my first aid training"),
    "skills": (
        "show my professional certification",
        "proof of my technical skills",
        "digital badge for an exam I passed",
    ),
    "language": ("proof of my English level", "language proficiency certificate"),
    "membership": ("show my gym membership", "prove I am a member of the club"),
    "transit": ("show my public transport pass", "season ticket for buses and trains"),
    "conduct": ("criminal record check", "certificate of good conduct for a new job"),
    "banking": ("give my IBAN for a direct debit", "bank account details for payments"),
    "civil_status": ("show my birth certificate", "civil status documents for the wedding"),
    "vehicle_insurance": ("prove my car is insured", "vehicle insurance certificate"),
    "right_to_reside": ("show my residence permit", "prove I am allowed to work in this country"),
    "pet": ("my dog's vaccination record", "pet passport for travelling with my cat"),
    "event": ("show my ticket at the concert entrance", "admission ticket for the event"),
}

INTENTS = tuple(
    Intent(i.id, i.label, i.keywords, _EXAMPLES.get(i.id, i.examples), i.evidence, i.suppresses)
    for i in INTENTS
)
