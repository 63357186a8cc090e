from __future__ import annotations

import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pytest

from didkit_py.errors import InvalidInput
from didkit_py.exchange import PresentationExchange, evaluate_dcql_query
from didkit_py.match import LexicalFallbackWarning, Matcher, MiniLMEmbedder, detect_request_kind, recommend
from didkit_py.match import matcher as matcher_mod

from .conftest import Dataset, nl_metrics, renamed


@pytest.fixture(scope="module")
def lexical() -> Matcher:
    return Matcher(None)


@pytest.fixture(scope="module")
def embedding(minilm: MiniLMEmbedder, tmp_path_factory: pytest.TempPathFactory) -> Matcher:
    return Matcher(minilm, cache_dir=tmp_path_factory.mktemp("emb-cache"))


def _run_nl(m: Matcher, ds: Dataset, creds: Any = None) -> dict[str, list[str]]:
    out = {}
    for r in ds.of_kind("nl"):
        _, recs = m.recommend(r["request"], creds or ds.credentials, now=ds.now, trusted_issuers=ds.trusted)
        out[r["id"]] = [x.credential_id for x in recs]
    return out


# -- request kinds ------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("req", "kind"),
    [
        ({"purpose": "x"}, "nl"),
        ({"id": "p", "input_descriptors": []}, "pe"),
        ({"presentation_definition": {}}, "pe"),
        ({"credentials": []}, "dcql"),
        ({"dcql_query": {}}, "dcql"),
    ],
)
def test_detect_request_kind(req: Any, kind: str) -> None:
    assert detect_request_kind(req) == kind


@pytest.mark.parametrize("bad", [[], "purpose", {"foo": 1}])
def test_detect_request_kind_rejects(bad: Any) -> None:
    with pytest.raises(InvalidInput):
        detect_request_kind(bad)


@pytest.mark.parametrize(
    ("req", "kw"),
    [
        ({"purpose": ""}, {}),
        ({"purpose": 5}, {}),
        ({"purpose": "x" * 2001}, {}),
        ({"purpose": "age"}, {"top_k": 0}),
        ({"purpose": "age"}, {"now": datetime(2026, 1, 1)}),
    ],
)
def test_bad_inputs(sample: Dataset, lexical: Matcher, req: Any, kw: dict[str, Any]) -> None:
    with pytest.raises(InvalidInput):
        lexical.recommend(req, sample.credentials, **{"now": sample.now, **kw})


# -- PE / DCQL: eligibility only from the exchange ---------------------------------------------
def test_pe_dcql_recommendations_are_the_eligible_set(sample: Dataset, lexical: Matcher) -> None:
    for r in sample.of_kind("pe") + sample.of_kind("dcql"):
        kind, recs = lexical.recommend(r["request"], sample.credentials, now=sample.now)
        if kind == "pe":
            eligible = (
                PresentationExchange()
                .evaluate(r["request"], sample.credentials, now=sample.now)
                .credential_ids()
            )
        else:
            eligible = evaluate_dcql_query(r["request"], sample.credentials, now=sample.now).credential_ids()
        assert kind == r["kind"]
        assert sorted(x.credential_id for x in recs) == sorted(eligible) == sorted(r["relevant"])
        for x in recs:
            assert 0.0 <= x.score <= 1.0 and x.explanation and x.answers
            gold = set(r["claims"].get(x.credential_id, []))
            assert {c for c in x.claims if c.startswith("credentialSubject")} == gold


def test_pe_ranking_prefers_selective_disclosure_and_trust(sample: Dataset, lexical: Matcher) -> None:
    pe02 = next(r for r in sample.requests if r["id"] == "pe-02")
    _, recs = lexical.recommend(
        pe02["request"], sample.credentials, now=sample.now, trusted_issuers=sample.trusted
    )
    # both age attestations are eligible (no issuer constraint); the trusted one ranks first
    assert recs[0].credential_id.endswith("c3d9f2bd6d62") and recs[0].score > recs[1].score
    pe07 = next(r for r in sample.requests if r["id"] == "pe-07")
    _, [rec] = lexical.recommend(pe07["request"], sample.credentials, now=sample.now)
    assert rec.selective_disclosure and "reveal only" in rec.explanation


# -- plain language --------------------------------------------------------------------------------
def test_lexical_sample_targets(sample: Dataset, lexical: Matcher) -> None:
    m = nl_metrics(_run_nl(lexical, sample), sample.of_kind("nl"))
    assert (
        m["p_at_1"] >= 0.9
        and m["recall_at_3"] >= 0.95
        and m["no_answer_acc"] >= 0.9
        and m["must_not_top3"] == 0
    )


def test_lexical_on_our_sets(ours: Dataset, lexical: Matcher) -> None:
    m = nl_metrics(_run_nl(lexical, ours), ours.of_kind("nl"))
    assert m["p_at_1"] >= 0.9 and m["recall_at_3"] >= 0.9 and m["must_not_top3"] == 0, m


@pytest.mark.slow
def test_embedding_sample_target(sample: Dataset, embedding: Matcher) -> None:
    m = nl_metrics(_run_nl(embedding, sample), sample.of_kind("nl"))
    assert (
        m["p_at_1"] >= 0.9
        and m["recall_at_3"] >= 0.95
        and m["no_answer_acc"] >= 0.9
        and m["must_not_top3"] == 0
    )


@pytest.mark.slow
def test_embedding_on_our_sets(ours: Dataset, embedding: Matcher) -> None:
    m = nl_metrics(_run_nl(embedding, ours), ours.of_kind("nl"))
    assert m["p_at_1"] >= 0.9 and m["recall_at_3"] >= 0.9 and m["no_answer_acc"] >= 0.6, m
    assert m["must_not_top3"] == 0


@pytest.mark.parametrize(
    "purpose",
    [
        "Book a table for two at an Italian restaurant",
        "What is the weather tomorrow?",
        "Prove that I hold a pilot licence for gliders",
        "Ich möchte meinen Angelschein zeigen",
        "Prouver que je suis marié",
        "Can I get the pensioner discount? I am over 65.",
    ],
)
def test_nothing_fits_returns_nothing(sample: Dataset, lexical: Matcher, purpose: str) -> None:
    _, recs = lexical.recommend(
        {"purpose": purpose}, sample.credentials, now=sample.now, trusted_issuers=sample.trusted
    )
    assert recs == []


def test_age_threshold_is_respected(sample: Dataset, lexical: Matcher) -> None:
    _, recs = lexical.recommend({"purpose": "prove I'm over 21"}, sample.credentials, now=sample.now)
    age = next(r for r in recs if r.credential_id.endswith("c3d9f2bd6d62"))
    assert age.claims == ("credentialSubject.age_over_21",)


def test_expired_and_untrusted_never_proposed(sample: Dataset, lexical: Matcher) -> None:
    expired = {c.id for c in sample.credentials if not c.is_valid_at(sample.now)}
    untrusted = {c.id for c in sample.credentials if c.issuer_id not in sample.trusted}
    for purpose in ("student card please", "prove I'm over 18", "show your passport", "MBA degree"):
        _, recs = lexical.recommend(
            {"purpose": purpose}, sample.credentials, now=sample.now, trusted_issuers=sample.trusted
        )
        assert not {r.credential_id for r in recs} & (expired | untrusted)


def test_holder_name_never_changes_ranking(sample: Dataset, lexical: Matcher) -> None:
    base = _run_nl(lexical, sample)
    for new in (("Amara", "Okonkwo"), ("Mohammed", "Al-Sayed"), ("Wei", "Zhang")):
        other = renamed(sample.wallet_json, ("Lena", "Fischer"), new)
        assert _run_nl(lexical, sample, other) == base


def test_text_views_do_not_depend_on_the_holder_name(sample: Dataset) -> None:
    from didkit_py.match import text_view

    other = renamed(sample.wallet_json, ("Lena", "Fischer"), ("Amara", "Okonkwo"))
    assert [text_view(c) for c in other] == [text_view(c) for c in sample.credentials]


@pytest.mark.slow
def test_holder_name_never_changes_embedding_ranking(sample: Dataset, embedding: Matcher) -> None:
    few = {"nl-02", "nl-03", "nl-05"}
    other = renamed(sample.wallet_json, ("Lena", "Fischer"), ("Amara", "Okonkwo"))
    for r in sample.of_kind("nl"):
        if r["id"] not in few:
            continue
        a = embedding.recommend(
            r["request"], sample.credentials, now=sample.now, trusted_issuers=sample.trusted
        )[1]
        b = embedding.recommend(r["request"], other, now=sample.now, trusted_issuers=sample.trusted)[1]
        assert [(x.credential_id, x.score, x.claims) for x in a] == [
            (x.credential_id, x.score, x.claims) for x in b
        ]


# -- model and caches --------------------------------------------------------------------------------
class CountingEmbedder:
    model_id = "fake-3d"

    def __init__(self) -> None:
        self.calls: list[list[str]] = []

    def encode(self, texts: Any) -> Any:
        self.calls.append(list(texts))
        rng = [
            np.frombuffer(t.encode()[:3].ljust(3, b"_"), dtype=np.uint8).astype(np.float32) + 1 for t in texts
        ]
        return np.stack([v / np.linalg.norm(v) for v in rng]) if rng else np.zeros((0, 3), np.float32)


def test_credential_embeddings_cached_on_disk(sample: Dataset, tmp_path: Path) -> None:
    e1 = CountingEmbedder()
    Matcher(e1, cache_dir=tmp_path).warm_up(sample.credentials)
    files = list(tmp_path.glob("*.npy"))
    assert len(files) >= len(sample.credentials)
    e2 = CountingEmbedder()
    m2 = Matcher(e2, cache_dir=tmp_path)
    m2.warm_up(sample.credentials)
    assert e2.calls == []  # everything came from the cache
    m2.recommend({"purpose": "over 18"}, sample.credentials, now=sample.now)
    assert e2.calls == [["over 18"]]  # only the purpose, which is never written to disk
    assert len(list(tmp_path.glob("*.npy"))) == len(files)


def test_missing_ai_extra_falls_back_with_warning(monkeypatch: pytest.MonkeyPatch, sample: Dataset) -> None:
    monkeypatch.setattr(matcher_mod, "ai_available", lambda: False)
    with pytest.warns(LexicalFallbackWarning):
        m = Matcher.default()
    assert m.mode == "lexical"
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", LexicalFallbackWarning)
        recs = recommend({"purpose": "prove I am over 18"}, sample.credentials, now=sample.now, matcher=m)
    assert recs and recs[0].answers == "age_check"


@pytest.mark.slow
def test_model_loads_offline_once(minilm: MiniLMEmbedder) -> None:
    first = minilm._model
    minilm.load()
    assert minilm._model is first and minilm.load_seconds is not None
    v = minilm.encode(["hello"])
    assert v.shape == (1, 384) and abs(float(np.linalg.norm(v[0])) - 1.0) < 1e-4


def test_recommend_top_k(sample: Dataset, lexical: Matcher) -> None:
    _, recs = lexical.recommend(
        {"purpose": "prove I am over 18"}, sample.credentials, now=sample.now, top_k=1
    )
    assert len(recs) == 1
    pe09 = next(r for r in sample.requests if r["id"] == "pe-09")
    assert len(lexical.recommend(pe09["request"], sample.credentials, now=sample.now)[1]) == 3
    assert lexical.recommend({"purpose": "x"}, [], now=datetime.now(UTC))[1] == []


@pytest.mark.slow
def test_torch_backend_equals_sentence_transformers(minilm: MiniLMEmbedder) -> None:
    pytest.importorskip("sentence_transformers")
    ref = MiniLMEmbedder(backend="sentence-transformers")
    texts = [
        "I want to rent a car",
        "Führerschein vorzeigen",
        "word " * 400,
        "",
        "Prouver que je suis majeur",
    ]
    assert minilm.backend == "torch"
    assert float(np.abs(minilm.encode(texts) - ref.encode(texts)).max()) < 1e-5


def test_unknown_backend() -> None:
    from didkit_py.errors import UnsupportedError

    with pytest.raises(UnsupportedError):
        MiniLMEmbedder(backend="onnx")


@pytest.mark.parametrize(
    ("purpose", "claim"),
    [
        ("Ich bin mindestens 16 Jahre alt", "credentialSubject.age_over_16"),
        ("I'm older than 21", "credentialSubject.age_over_21"),
        ("Je dois prouver que j'ai plus de 18 ans", "credentialSubject.age_over_18"),
    ],
)
def test_explicit_age_is_an_age_check(sample: Dataset, lexical: Matcher, purpose: str, claim: str) -> None:
    _, recs = lexical.recommend(
        {"purpose": purpose}, sample.credentials, now=sample.now, trusted_issuers=sample.trusted
    )
    assert recs[0].claims == (claim,)


def test_birth_date_that_disproves_the_age_is_not_evidence(sample: Dataset, lexical: Matcher) -> None:
    # the holder is 28: neither the attestation (age_over_65 false) nor any birth date proves 65+
    _, recs = lexical.recommend({"purpose": "Prove I am over 65"}, sample.credentials, now=sample.now)
    assert recs == []
