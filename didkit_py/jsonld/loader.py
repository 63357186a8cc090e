"""An offline JSON-LD document loader.

Every context a supported credential needs ships inside the package (``contexts/``, listed in
``contexts/index.json`` with the URL each file stands for). The loader serves those and nothing
else, unless the caller passes an explicit allow-list of URL prefixes it may fetch over HTTPS.
A verifier that fetched arbitrary contexts would let the sender choose what its claims mean
(and make the verifier an HTTP client for whoever sends it a credential).

Contexts are parsed once per loader and handed to pyld as read-only copies; the resolved-context
cache lives on the loader (not in pyld's process-wide cache), so two loaders never share what
they think a URL means.
"""

from __future__ import annotations

import copy
import json
import logging
import threading
from collections.abc import Callable, Collection, Mapping
from importlib import resources
from typing import Any

from cachetools import LRUCache

from ..errors import InvalidInput, LimitExceeded, NetworkError, ResolutionError

__all__ = ["BUNDLED_CONTEXTS", "DocumentLoader", "bundled_context_urls"]

log = logging.getLogger(__name__)

#: Largest remote document an allow-listed fetch may return.
MAX_REMOTE_BYTES = 1024 * 1024


def _read_index() -> dict[str, str]:
    raw = resources.files(__package__).joinpath("contexts/index.json").read_text("utf-8")
    index = json.loads(raw)
    return {str(k): str(v) for k, v in index.items()}


#: URL → file name of every bundled context (the package data index).
BUNDLED_CONTEXTS: Mapping[str, str] = _read_index()


def bundled_context_urls() -> list[str]:
    """The URLs the default loader answers without any network."""
    return sorted(BUNDLED_CONTEXTS)


def _load_bundled(url: str) -> dict[str, Any]:
    name = BUNDLED_CONTEXTS[url]
    text = resources.files(__package__).joinpath("contexts", name).read_text("utf-8")
    doc = json.loads(text)
    if not isinstance(doc, dict):  # pragma: no cover - package data is checked by tests
        raise ResolutionError(f"bundled context {url} is not a JSON object", code="jsonld.context")
    return doc


class _LockedLRU(LRUCache):  # type: ignore[type-arg]
    """An LRU cache safe to share between threads (a loader may serve a threaded web app)."""

    def __init__(self, maxsize: int) -> None:
        super().__init__(maxsize=maxsize)
        self._lock = threading.RLock()

    def __getitem__(self, key: Any) -> Any:
        with self._lock:
            return super().__getitem__(key)

    def __setitem__(self, key: Any, value: Any) -> None:
        with self._lock:
            super().__setitem__(key, value)

    def __delitem__(self, key: Any) -> None:
        with self._lock:
            super().__delitem__(key)

    def get(self, key: Any, default: Any = None) -> Any:
        with self._lock:
            return super().get(key, default)

    def pop(self, key: Any, *args: Any) -> Any:
        with self._lock:
            return super().pop(key, *args)

    def popitem(self) -> Any:
        with self._lock:
            return super().popitem()


def _did_key_document(url: str) -> dict[str, Any]:
    from ..did import did_key_document

    did, _, fragment = url.partition("#")
    doc = did_key_document(did)
    if not fragment:
        return doc
    for vm in doc.get("verificationMethod", []):
        if vm.get("id") == url:
            return {"@context": doc["@context"], **vm}
    raise ResolutionError(
        "no such verification method in the did:key document", code="jsonld.did_key", at=url
    )


class DocumentLoader:
    """Serve bundled JSON-LD contexts offline; refuse everything else unless allow-listed.

    ``extra`` adds documents by URL (tests, private contexts an application vouches for).
    ``allow_remote`` is a collection of URL prefixes (for example
    ``["https://contexts.example.com/"]``) the loader may fetch with ``http_get``; without it,
    any URL that is neither bundled nor in ``extra`` raises :class:`ResolutionError`
    (``jsonld.context_not_allowed``). ``did_resolver`` turns a ``did:`` URL into its DID document
    (for documents that reference DID URLs as contexts or embed them). ``did:key`` URLs are
    answered locally (pure computation, no I/O) unless ``did_key=False``; a fragment URL gives
    the verification method, a bare DID its DID document.

    The instance is callable with pyld's loader signature ``(url, options) -> RemoteDocument``.
    """

    def __init__(
        self,
        *,
        extra: Mapping[str, Mapping[str, Any]] | None = None,
        allow_remote: Collection[str] = (),
        http_get: Callable[[str], bytes] | None = None,
        did_resolver: Callable[[str], Mapping[str, Any]] | None = None,
        include_bundled: bool = True,
        did_key: bool = True,
    ) -> None:
        self._documents: dict[str, dict[str, Any]] = {}
        if include_bundled:
            for url in BUNDLED_CONTEXTS:
                self._documents[url] = _load_bundled(url)
        for url, doc in (extra or {}).items():
            if not isinstance(doc, Mapping):
                raise InvalidInput("extra documents must be JSON objects", code="jsonld.context", at=url)
            self._documents[url] = copy.deepcopy(dict(doc))
        for prefix in allow_remote:
            if not (prefix.startswith("https://") or prefix.startswith("http://127.0.0.1")):
                raise InvalidInput(
                    "remote contexts may only be allowed over https (or http on 127.0.0.1)",
                    code="jsonld.allow_list",
                    at=prefix,
                )
        self._allow_remote = tuple(allow_remote)
        self._http_get = http_get
        self._did_resolver = did_resolver
        self._did_key = did_key
        self._fetched: dict[str, dict[str, Any]] = {}
        # Per-loader cache of pyld's resolved contexts (see module docstring).
        self.resolved_context_cache: _LockedLRU = _LockedLRU(maxsize=256)
        #: Processed active contexts (see ``processing._Processor._process_context``).
        self.processed_context_cache: _LockedLRU = _LockedLRU(maxsize=512)
        #: Expanded IRIs per (active context, term) (see ``processing._Processor._expand_iri``).
        self.iri_cache: _LockedLRU = _LockedLRU(maxsize=8192)

    @property
    def urls(self) -> list[str]:
        """Every URL this loader serves without fetching."""
        return sorted(self._documents)

    def load(self, url: str) -> dict[str, Any]:
        """Return a private copy of the JSON document at ``url``, or raise."""
        if not isinstance(url, str) or not url:
            raise InvalidInput("document URL must be a non-empty string", code="jsonld.url")
        doc = self._documents.get(url)
        if doc is not None:
            return copy.deepcopy(doc)
        if url.startswith("did:key:") and self._did_key:
            return _did_key_document(url)
        if url.startswith("did:"):
            if self._did_resolver is None:
                raise ResolutionError(
                    "DID URLs are not resolvable by this loader", code="jsonld.context_not_allowed", at=url
                )
            resolved = self._did_resolver(url.split("#", 1)[0])
            return copy.deepcopy(dict(resolved))
        fetched = self._fetched.get(url)
        if fetched is not None:
            return copy.deepcopy(fetched)
        if not any(url.startswith(prefix) for prefix in self._allow_remote):
            raise ResolutionError(
                "JSON-LD document is not bundled and not on the allow-list",
                code="jsonld.context_not_allowed",
                at=url,
            )
        if self._http_get is None:
            raise ResolutionError(
                "remote document allowed but no HTTP client configured", code="jsonld.no_http", at=url
            )
        log.info("fetching allow-listed JSON-LD document", extra={"url": url})
        try:
            body = self._http_get(url)
        except NetworkError:
            raise
        except Exception as exc:
            raise NetworkError("could not fetch JSON-LD document", code="jsonld.fetch", at=url) from exc
        if len(body) > MAX_REMOTE_BYTES:
            raise LimitExceeded("remote JSON-LD document too large", code="jsonld.too_large", at=url)
        try:
            doc = json.loads(body)
        except (ValueError, UnicodeDecodeError) as exc:
            raise InvalidInput("remote JSON-LD document is not JSON", code="jsonld.context", at=url) from exc
        if not isinstance(doc, dict):
            raise InvalidInput("remote JSON-LD document is not an object", code="jsonld.context", at=url)
        self._fetched[url] = doc
        return copy.deepcopy(doc)

    def __call__(self, url: str, options: Mapping[str, Any] | None = None) -> dict[str, Any]:
        """pyld's document-loader protocol."""
        doc = self.load(url)
        # "static" lets pyld keep the resolved context in *this loader's* cache.
        return {"contextUrl": None, "documentUrl": url, "document": doc, "tag": "static"}
