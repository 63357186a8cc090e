"""Data Integrity cryptosuites as securing formats of :mod:`didkit_py.credentials`.

Three formats, one per cryptosuite: ``eddsa-rdfc-2022``, ``ecdsa-rdfc-2019`` and ``bbs-2023``
(the last one also derives). A document is claimed by the format named by the ``cryptosuite``
of its first proof, so detection is exclusive; every proof of the document is verified, each with
its own cryptosuite.

Issuing: a credential gets an ``assertionMethod`` proof and must name the signer's DID as its
``issuer``; a presentation gets an ``authentication`` proof with ``challenge``/``domain`` and,
if it names a ``holder``, it must be the signer's DID. ``created`` is the issuing clock's
``options.now``. ``IssueOptions.extra``: ``mandatory_pointers`` (``bbs-2023``), ``document_loader``
(a :class:`~didkit_py.jsonld.DocumentLoader`; default: bundled contexts only).

Deriving (``bbs-2023``): ``DeriveOptions.disclose`` are the selective JSON pointers;
``extra["presentation_header"]`` (bytes) binds the derived proof to a verifier's request. The
baseline suite has no holder binding, so ``DeriveOptions.holder`` is refused: wrap the derived
credential in a presentation signed by the holder instead.

Verifying: the proofs (purpose against the DID document, challenge/domain for presentations),
then that the signer is the issuer/holder, then the validity period.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any, Final

from ...errors import InvalidInput, UnsupportedError, VerificationError
from ...jsonld import DocumentLoader
from .proof import add_proof, verify_proof

if TYPE_CHECKING:
    from ...credentials.formats import DeriveOptions, IssueOptions, Signer, Verified, VerifyOptions
    from ...credentials.results import Checks

__all__ = ["BBS_2023_FORMAT", "ECDSA_RDFC_2019_FORMAT", "EDDSA_RDFC_2022_FORMAT", "DataIntegrityFormat"]


def _types(document: Mapping[str, Any]) -> list[Any]:
    t = document.get("type")
    return t if isinstance(t, list) else [t]


def _checked_loader(value: Any) -> DocumentLoader:
    if not isinstance(value, DocumentLoader):
        raise InvalidInput("document_loader must be a didkit_py.jsonld.DocumentLoader", code="format.loader")
    return value


class DataIntegrityFormat:
    """One Data Integrity cryptosuite as a securing format.

    ``media_types``: VC DM 2.0's ``application/vc`` / ``application/vp`` name a JSON-LD document
    with embedded proofs (e.g. inside an ``EnvelopedVerifiableCredential``); every Data Integrity
    format verifies any cryptosuite, so whichever format a media type picks is correct.
    """

    media_types: tuple[str, ...] = ("application/vc", "application/vp")

    def __init__(self, name: str) -> None:
        self.name = name
        self._default_loader: DocumentLoader | None = None

    def _loader(self, value: Any) -> DocumentLoader:
        """``value``, or this format's own bundled-only loader.

        One loader for the format's lifetime: it memoizes context processing, which a fresh
        loader per call redid every time (about two thirds of a bbs-2023 issuance). It serves
        the bundled contexts only, so sharing it cannot change what a URL means to anyone.
        """
        if value is not None:
            return _checked_loader(value)
        if self._default_loader is None:
            self._default_loader = DocumentLoader()
        return self._default_loader

    def detect(self, document: str | dict[str, Any]) -> bool:
        if not isinstance(document, dict):
            return False
        proof = document.get("proof")
        first = proof[0] if isinstance(proof, list) and proof else proof
        return isinstance(first, dict) and first.get("cryptosuite") == self.name

    def issue(self, document: Mapping[str, Any], signer: Signer, options: IssueOptions) -> dict[str, Any]:
        from ...credentials.model import parse_credential, parse_presentation

        extra = options.extra
        if "VerifiablePresentation" in _types(document):
            if self.name == "bbs-2023":
                raise InvalidInput(
                    "bbs-2023 secures credentials; sign the presentation with eddsa or ecdsa",
                    code="issue.bbs_presentation",
                )
            vp = parse_presentation(dict(document))
            if vp.holder is not None and vp.holder != signer.did:
                raise InvalidInput("the presentation's holder is not the signer's DID", code="issue.holder")
            purpose = "authentication"
        else:
            if options.challenge is not None or options.domain is not None:
                raise InvalidInput("challenge and domain apply to presentations only", code="issue.challenge")
            cred = parse_credential(dict(document))
            if cred.issuer != signer.did:
                raise InvalidInput(
                    "the credential's issuer is not the signer's DID", code="issue.issuer", at="/issuer"
                )
            purpose = "assertionMethod"
        pointers = extra.get("mandatory_pointers", ())
        if pointers and self.name != "bbs-2023":
            raise InvalidInput("mandatory pointers are a bbs-2023 option", code="issue.mandatory")
        return add_proof(
            document,
            suite=self.name,
            key=signer.key,
            verification_method=signer.verification_method,
            proof_purpose=purpose,
            created=options.now,
            challenge=options.challenge,
            domain=options.domain,
            loader=self._loader(extra.get("document_loader")),
            mandatory_pointers=list(pointers),
        )

    def derive(self, document: str | dict[str, Any], options: DeriveOptions) -> dict[str, Any]:
        if self.name != "bbs-2023":
            raise UnsupportedError(f"{self.name} proofs cannot be derived", code="derive.unsupported")
        if not isinstance(document, dict):
            raise InvalidInput("a Data Integrity credential is a JSON object", code="derive.type")
        if options.holder is not None:
            raise UnsupportedError(
                "bbs-2023 (baseline) has no holder binding; present the derived credential in a signed "
                "presentation",
                code="derive.holder_binding",
            )
        from .bbs_2023 import derive

        ph = options.extra.get("presentation_header", b"")
        if not isinstance(ph, bytes):
            raise InvalidInput("presentation_header must be bytes", code="derive.presentation_header")
        return derive(
            document,
            selective_pointers=list(options.disclose),
            loader=self._loader(options.extra.get("document_loader")),
            presentation_header=ph,
        )

    async def verify(
        self, document: str | dict[str, Any], options: VerifyOptions, checks: Checks
    ) -> Verified:
        from ...credentials.formats import Embedded, Verified
        from ...credentials.model import (
            Credential,
            EnvelopedCredential,
            Presentation,
            check_validity_period,
            parse_credential,
            parse_presentation,
        )

        view: Credential | Presentation
        with checks.step("parse", "JSON-LD document with a Data Integrity proof") as note:
            if isinstance(document, str):  # JSON text, e.g. from an enveloped application/vc
                from ...credentials.model import loads_json

                document = loads_json(document, limits=options.limits)
            if not isinstance(document, dict):
                raise InvalidInput("a Data Integrity document is a JSON object", code="format.type")
            unsecured = {k: v for k, v in document.items() if k != "proof"}
            is_vp = "VerifiablePresentation" in _types(document)
            if options.expect is not None and options.expect != ("presentation" if is_vp else "credential"):
                raise VerificationError(f"expected a {options.expect}", code="format.expect")
            view = (
                parse_presentation(unsecured, limits=options.limits)
                if is_vp
                else parse_credential(unsecured, limits=options.limits)
            )
            note.message = "presentation" if is_vp else "credential"
        checks.document = unsecured
        with checks.step("proof", f"{self.name} proof verifies") as note:
            result = await verify_proof(
                document,
                resolver=options.resolver,
                loader=self._loader(options.document_loader),
                expected_purpose="authentication" if is_vp else "assertionMethod",
                challenge=options.challenge if is_vp else None,
                domain=options.domain if is_vp else None,
                now=options.now,
                presentation_header=options.extra.get("presentation_header"),
            )
            note.message = ", ".join(f"{p.cryptosuite} by {p.verification_method}" for p in result.proofs)
        signers = {vm.split("#", 1)[0] for vm in result.verification_methods}
        warnings: list[str] = list(view.warnings)
        embedded: list[Embedded] = []
        if isinstance(view, Presentation):
            with checks.step("holder", "the holder signed the presentation") as note:
                if view.holder is not None and view.holder not in signers:
                    raise VerificationError(
                        "the presentation is not signed by its holder", code="proof.holder"
                    )
                note.message = view.holder or ", ".join(sorted(signers))
            if options.challenge is None:
                warnings.append("the presentation's challenge was not checked (no challenge given)")
            for i, entry in enumerate(view.credentials):
                pointer = (
                    f"/verifiableCredential/{i}"
                    if isinstance(unsecured.get("verifiableCredential"), list)
                    else ("/verifiableCredential")
                )
                if isinstance(entry, EnvelopedCredential):
                    embedded.append(Embedded(pointer, entry.data, entry.media_type))
                else:
                    embedded.append(Embedded(pointer, entry.document))
            signer = view.holder or (sorted(signers)[0] if signers else "")
            kind = "presentation"
        else:
            with checks.step("issuer", "the issuer signed the credential") as note:
                if view.issuer not in signers:
                    raise VerificationError("the credential is not signed by its issuer", code="proof.issuer")
                note.message = view.issuer
            with checks.step("validity period", "validFrom/validUntil hold"):
                check_validity_period(view, now=options.now, skew=options.skew)
            signer = view.issuer
            kind = "credential"
        return Verified(
            document=unsecured,
            kind=kind,  # type: ignore[arg-type]
            signer=signer,
            verification_method=result.proofs[0].verification_method if result.proofs else None,
            embedded=tuple(embedded),
            details={"proofs": [p.to_dict() for p in result.proofs]},
            warnings=tuple(warnings),
        )


#: The registered instances (``FORMAT_TABLE`` in :mod:`didkit_py.credentials.formats`).
EDDSA_RDFC_2022_FORMAT: Final = DataIntegrityFormat("eddsa-rdfc-2022")
ECDSA_RDFC_2019_FORMAT: Final = DataIntegrityFormat("ecdsa-rdfc-2019")
BBS_2023_FORMAT: Final = DataIntegrityFormat("bbs-2023")
