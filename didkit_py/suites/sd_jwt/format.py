"""``dc+sd-jwt`` as a securing format of :mod:`didkit_py.credentials` (issue / derive / verify).

Issuing takes a VC DM 2.0 credential (validated with :mod:`didkit_py.credentials.model`) and
makes it the payload of an SD-JWT VC, adding ``iss`` (the signer's DID), ``iat``, ``nbf`` /
``exp`` (from ``validFrom`` / ``validUntil``), ``vct`` and, for Key Binding, ``cnf``. Options in
``IssueOptions.extra``:

- ``disclosable``: JSON pointers / claim paths to make selectively disclosable
  (e.g. ``["/credentialSubject/birthdate"]``);
- ``vct``: the credential type (default: the last ``type`` other than ``VerifiableCredential``);
- ``holder_key``: the holder's public key (a key pair or a public JWK) for ``cnf.jwk``; by
  default it is taken from a single ``credentialSubject.id`` that is a ``did:key`` or ``did:jwk``;
- ``decoys``: decoy digests per object (default 1-3 at random);
- ``status``: the Token Status List reference, ``{"status_list": {"idx": i, "uri": u}}``.

Deriving keeps the Disclosures of ``DeriveOptions.disclose`` and, with a holder, appends a Key
Binding JWT with ``aud`` = domain and ``nonce`` = challenge. Verifying resolves the issuer key
from ``iss`` (DID via the resolver; https via JWT VC Issuer Metadata when ``extra["http"]`` is
an ``httpx.AsyncClient``) and requires Key Binding when a challenge is given. With
``extra["http"]`` a ``status`` claim is checked in its Token Status List.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import datetime
from typing import TYPE_CHECKING, Any, Final

from ... import keys
from ..._encoding import b64url_decode
from ...errors import InvalidInput, VerificationError
from ._jws import public_key_from_jwk, verify_jws
from .core import (
    Limits,
    _verify_kb,
    check_validity_claims,
    parse_sd_jwt,
    present_sd_jwt,
    unfold_sd_jwt,
)
from .vc import LEGACY_TYP, NON_DISCLOSABLE_CLAIMS, SD_JWT_VC_TYP, issue_sd_jwt_vc, resolve_issuer_key

if TYPE_CHECKING:
    from ...credentials.formats import DeriveOptions, IssueOptions, Signer, Verified, VerifyOptions
    from ...credentials.results import Checks

__all__ = ["FORMAT", "MEDIA_TYPES", "SdJwtVcFormat"]

MEDIA_TYPES: Final = ("application/dc+sd-jwt", "application/vc+sd-jwt")


def _holder_from_subject(cred_subject_ids: tuple[str, ...]) -> Any:
    if len(cred_subject_ids) != 1:
        return None
    sid = cred_subject_ids[0]
    try:
        if sid.startswith("did:key:"):
            kt, pk = keys.multikey_decode(sid.removeprefix("did:key:").split("#", 1)[0])
            return keys.KeyPair(kt, pk)
        if sid.startswith("did:jwk:"):
            jwk = json.loads(b64url_decode(sid.removeprefix("did:jwk:").split("#", 1)[0]))
            return keys.key_pair_from_jwk({k: v for k, v in jwk.items() if k != "d"})
    except (InvalidInput, ValueError, TypeError, AttributeError):
        return None
    return None


def _default_vct(types: Any) -> str:
    tl = [t for t in (types if isinstance(types, list) else [types]) if isinstance(t, str)]
    specific = [t for t in tl if t != "VerifiableCredential"]
    return specific[-1] if specific else "VerifiableCredential"


class SdJwtVcFormat:
    """SD-JWT VC (``dc+sd-jwt``) as a :class:`~didkit_py.credentials.formats.DerivingFormat`."""

    name = "dc+sd-jwt"
    media_types: tuple[str, ...] = MEDIA_TYPES

    def detect(self, document: str | dict[str, Any]) -> bool:
        """A string with ``~`` whose first part looks like a compact JWS."""
        return isinstance(document, str) and "~" in document and document.split("~", 1)[0].count(".") == 2

    def issue(self, document: Mapping[str, Any], signer: Signer, options: IssueOptions) -> str:
        from ...credentials.model import parse_credential

        types = document.get("type")
        if "VerifiablePresentation" in (types if isinstance(types, list) else [types]):
            raise InvalidInput("dc+sd-jwt secures credentials; present with derive", code="issue.sd_jwt_vp")
        if options.challenge is not None or options.domain is not None:
            raise InvalidInput("challenge and domain apply to presentations only", code="issue.challenge")
        cred = parse_credential(dict(document))
        if cred.issuer != signer.did:
            raise InvalidInput(
                "the credential's issuer is not the signer's DID", code="issue.issuer", at="/issuer"
            )
        extra = options.extra
        holder = extra.get("holder_key") or _holder_from_subject(tuple(cred.subject_ids))
        if isinstance(holder, Mapping):  # a public JWK
            holder = public_key_from_jwk(dict(holder), at="holder_key")
        claims = {k: v for k, v in cred.document.items() if k not in NON_DISCLOSABLE_CLAIMS and k != "iat"}
        kid = signer.verification_method
        return issue_sd_jwt_vc(
            claims,
            key=signer.key,
            vct=str(extra.get("vct") or _default_vct(types)),
            issuer=cred.issuer,
            kid=kid,
            holder_key=holder,
            disclosable=list(extra.get("disclosable", ())),
            iat=options.now,
            nbf=cred.valid_from,
            exp=cred.valid_until,
            decoys=extra.get("decoys", (1, 3)),
            status=extra.get("status"),
        )

    def derive(self, document: str | dict[str, Any], options: DeriveOptions) -> str:
        if not isinstance(document, str):
            raise InvalidInput("an SD-JWT is a compact string", code="derive.sd_jwt_type")
        if options.holder is None:
            return present_sd_jwt(document, reveal=list(options.disclose))
        if options.challenge is None or options.domain is None:
            raise InvalidInput(
                "Key Binding needs the verifier's challenge (nonce) and domain (aud)",
                code="derive.kb_request",
            )
        return present_sd_jwt(
            document,
            reveal=list(options.disclose),
            holder_key=options.holder.key,
            aud=options.domain,
            nonce=options.challenge,
            iat=options.now,
        )

    async def verify(
        self, document: str | dict[str, Any], options: VerifyOptions, checks: Checks
    ) -> Verified:
        from ...credentials.formats import Verified

        limits = Limits(max_token_bytes=options.limits.max_bytes * 2)
        now: datetime = options.now
        skew = options.skew.total_seconds()
        with checks.step("parse", "SD-JWT: Issuer-signed JWT, Disclosures, optional KB-JWT"):
            if not isinstance(document, str):
                raise InvalidInput("an SD-JWT is a compact string", code="sd_jwt.type")
            parsed = parse_sd_jwt(document, limits=limits)
        with checks.step("header", f"typ {SD_JWT_VC_TYP}") as note:
            typ = parsed.header.get("typ")
            if typ not in (SD_JWT_VC_TYP, LEGACY_TYP):
                raise VerificationError(f"typ must be {SD_JWT_VC_TYP}", code="sd_jwt_vc.typ", at="/typ")
            note.message = f"typ {typ}, alg {parsed.header.get('alg')}"
        with checks.step("issuer key") as note:
            key = await resolve_issuer_key(
                parsed.jwt,
                resolver=options.resolver,
                http=options.extra.get("http"),
                allow_loopback_http=bool(options.extra.get("allow_loopback_http", False)),
            )
            note.message = str(getattr(key, "id", None) or parsed.payload.get("iss"))
        with checks.step("signature", f"{parsed.header.get('alg')} signature verifies"):
            verify_jws(parsed.jwt, key, what="Issuer-signed JWT")
        with checks.step("disclosures") as note:
            claims, nodes = unfold_sd_jwt(
                parsed.payload, parsed.disclosures, hash_alg=parsed.hash_alg, limits=limits
            )
            for n in nodes:
                if len(n.path) == 1 and n.path[0] in NON_DISCLOSABLE_CLAIMS:
                    raise VerificationError(
                        f"{n.path[0]} must not be selectively disclosable", code="sd_jwt_vc.reserved_claim"
                    )
            note.message = f"{len(nodes)} disclosed, every digest checked"
        checks.document = claims
        with checks.step("vct") as note:
            vct = claims.get("vct")
            if not isinstance(vct, str) or not vct:
                raise VerificationError("vct is missing", code="sd_jwt_vc.vct", at="/vct")
            note.message = vct
        with checks.step("validity period", "iat/nbf/exp hold"):
            check_validity_claims(claims, now=now, skew=skew)
        warnings: list[str] = []
        kb_payload = None
        if parsed.kb_jwt is not None or options.challenge is not None:
            with checks.step("key binding", "KB-JWT signed by the cnf key, sd_hash matches"):
                if parsed.kb_jwt is None:
                    raise VerificationError("Key Binding JWT required but absent", code="kb.missing")
                _, kb_payload = _verify_kb(
                    parsed,
                    holder_key=None,
                    aud=options.domain,
                    nonce=options.challenge,
                    now=now,
                    kb_max_age=float(options.extra.get("kb_max_age", 300.0)),
                    skew=skew,
                    limits=limits,
                )
            if options.challenge is None:
                warnings.append("the KB-JWT nonce was not checked (no challenge given)")
            if options.domain is None:
                warnings.append("the KB-JWT aud was not checked (no domain given)")
        status = claims.get("status")
        if isinstance(status, dict) and "status_list" in status:
            http = options.extra.get("http")
            if http is None:
                warnings.append("the status list was not checked (no HTTP client in extra['http'])")
            else:
                with checks.step("status", "VALID in the Token Status List"):
                    await self._check_status(status, key, http, options, now)
        iss = claims.get("iss")
        kid = parsed.header.get("kid")
        vm = (
            iss + kid if isinstance(iss, str) and isinstance(kid, str) and kid.startswith("#") else kid
        ) or None
        return Verified(
            document=claims,
            kind="credential",
            signer=iss if isinstance(iss, str) else "",
            verification_method=vm if isinstance(vm, str) else None,
            details={"vct": claims.get("vct"), "disclosed": [list(n.path) for n in nodes], "kb": kb_payload},
            warnings=tuple(warnings),
        )

    @staticmethod
    async def _check_status(
        status: dict[str, Any], issuer_key: Any, http: Any, options: VerifyOptions, now: datetime
    ) -> None:
        """Token Status List: the list token is signed by its own ``iss`` if it names one, else the issuer."""
        from ...status.token_status_list import TokenStatusListClient

        allow = bool(options.extra.get("allow_loopback_http", False))

        async def list_key(jws: Any) -> Any:
            if isinstance(jws.payload.get("iss"), str):
                return await resolve_issuer_key(
                    jws, resolver=options.resolver, http=http, allow_loopback_http=allow
                )
            return issuer_key

        client = TokenStatusListClient(
            http=http, key_resolver=list_key, now=lambda: now, allow_loopback_http=allow
        )
        await client.check(status)


#: The registered instance (``FORMAT_TABLE`` in :mod:`didkit_py.credentials.formats`).
FORMAT: Final = SdJwtVcFormat()
