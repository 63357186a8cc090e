"""The holder-side credential matcher: ranks credentials for PE, DCQL and plain-language requests.

See ``docs/matcher.md``. Eligibility for PE/DCQL comes from :mod:`didkit_py.exchange`.
"""

from __future__ import annotations

from .embed import Embedder, EmbeddingCache, MiniLMEmbedder, ai_available
from .matcher import (
    LexicalFallbackWarning,
    Matcher,
    Recommendation,
    RequestKind,
    detect_request_kind,
    recommend,
)
from .text import text_view

__all__ = [
    "Embedder",
    "EmbeddingCache",
    "LexicalFallbackWarning",
    "Matcher",
    "MiniLMEmbedder",
    "Recommendation",
    "RequestKind",
    "ai_available",
    "detect_request_kind",
    "recommend",
    "text_view",
]
