"""Offline JSON-LD for Data Integrity: bundled contexts, safe-mode processing, RDFC-1.0.

``DocumentLoader`` serves the bundled contexts (``contexts/index.json``) and nothing from the
network unless allow-listed; ``expand``/``to_quads`` run JSON-LD in safe mode (undefined terms
are errors); ``canonicalize`` is RDFC-1.0 with a work limit; ``canonize_document`` chains them.
"""

from __future__ import annotations

from typing import Any

from .loader import BUNDLED_CONTEXTS, DocumentLoader, bundled_context_urls
from .processing import compact, expand, expanded_to_quads, to_quads
from .rdfc import CanonicalResult, Quad, canonicalize, escape_literal, parse_nquads, serialize_quad

__all__ = [
    "BUNDLED_CONTEXTS",
    "CanonicalResult",
    "DocumentLoader",
    "Quad",
    "bundled_context_urls",
    "canonicalize",
    "canonize_document",
    "compact",
    "escape_literal",
    "expand",
    "expanded_to_quads",
    "parse_nquads",
    "serialize_quad",
    "to_quads",
]


def canonize_document(document: Any, *, loader: DocumentLoader, max_work_factor: int = 2) -> str:
    """RDFC-1.0 canonical N-Quads of a JSON-LD document (safe mode), as one string."""
    return canonicalize(to_quads(document, loader=loader), max_work_factor=max_work_factor).text
