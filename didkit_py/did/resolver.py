"""DID resolution and DID URL dereferencing (W3C DID Resolution, DID Core §7).

A :class:`Resolver` holds a registry of :class:`DidMethod` objects by method name and a small
TTL cache (per instance; the clock is injectable). Every document a method returns is checked
with pydid and must carry the DID as its ``id`` before it is cached or handed out.

Errors follow DID Resolution's metadata error names: ``InvalidInput(code="invalidDid")``,
``NotFound(code="notFound")``, ``UnsupportedError(code="methodNotSupported")``,
``UnsupportedError(code="representationNotSupported")``.
"""

from __future__ import annotations

import asyncio
import concurrent.futures
import copy
import time
from collections import OrderedDict
from collections.abc import Callable, Coroutine, Iterable, Mapping
from typing import Any, TypeVar

import httpx

from ..errors import DidkitError, InvalidInput, NotFound, UnsupportedError, VerificationError
from .document import find_node, relationship_ids, validate_did_document
from .jwk import JwkMethod
from .key import KeyMethod
from .syntax import parse_did, parse_did_url
from .types import RELATIONSHIPS, DidMethod, ResolutionResult, VerificationMethod
from .vm import public_key_from_vm
from .web import DEFAULT_TIMEOUT, WebMethod

__all__ = ["SUPPORTED_REPRESENTATIONS", "Resolver", "default_resolver", "error_result"]

T = TypeVar("T")

#: Media types :meth:`Resolver.resolve` can produce (DID Core §6.2-§6.3).
SUPPORTED_REPRESENTATIONS = ("application/did+ld+json", "application/did+json", "application/json")


class Resolver:
    """Resolve DIDs through a registry of methods, with a per-instance TTL cache."""

    def __init__(
        self,
        methods: Mapping[str, DidMethod],
        *,
        cache_ttl: float = 300.0,
        cache_size: int = 1024,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        for name, method in methods.items():
            if not isinstance(name, str) or not name or name != getattr(method, "name", name):
                raise ValueError(
                    f"method registered as {name!r} calls itself {getattr(method, 'name', None)!r}"
                )
        self._methods: dict[str, DidMethod] = dict(methods)
        self._ttl = cache_ttl
        self._size = cache_size
        self._clock = clock
        self._cache: OrderedDict[tuple[str, str | None, str | None], tuple[float, ResolutionResult]] = (
            OrderedDict()
        )

    @property
    def methods(self) -> tuple[str, ...]:
        """The method names this resolver supports."""
        return tuple(sorted(self._methods))

    def clear_cache(self) -> None:
        self._cache.clear()

    async def resolve(
        self,
        did: str,
        *,
        version_id: str | None = None,
        version_time: str | None = None,
        accept: str | None = None,
    ) -> ResolutionResult:
        """DID Resolution ``resolve``: the document and its metadata, or one of our errors."""
        parsed = parse_did(did)
        if accept is not None and accept not in SUPPORTED_REPRESENTATIONS:
            raise UnsupportedError(f"cannot produce {accept}", code="representationNotSupported")
        method = self._methods.get(parsed.method)
        if method is None:
            raise UnsupportedError(
                f"DID method {parsed.method!r} is not supported", code="methodNotSupported"
            )
        key = (did, version_id, version_time)
        now = self._clock()
        hit = self._cache.get(key)
        if hit is not None and hit[0] > now:
            self._cache.move_to_end(key)
            return _copy(hit[1], accept)
        self._cache.pop(key, None)
        result = await method.resolve(did, version_id=version_id, version_time=version_time)
        if not isinstance(result, ResolutionResult):
            raise TypeError(f"did:{parsed.method} returned {type(result).__name__}, not ResolutionResult")
        validate_did_document(result.document, did)
        if self._ttl > 0:
            self._cache[key] = (now + self._ttl, _copy(result, None))
            while len(self._cache) > self._size:
                self._cache.popitem(last=False)
        return _copy(result, accept)

    def resolve_sync(self, did: str, **options: Any) -> ResolutionResult:
        """:meth:`resolve` for synchronous callers (also works inside a running event loop)."""
        return _run_sync(self.resolve(did, **options))

    async def dereference(self, did_url: str) -> dict[str, Any]:
        """DID URL dereferencing: the document, or the node a fragment / ``service`` names."""
        node, _doc = await self._dereference(did_url)
        return node

    async def _dereference(self, did_url: str) -> tuple[dict[str, Any], dict[str, Any]]:
        url = parse_did_url(did_url)
        params = url.params
        did = str(url.did)
        result = await self.resolve(
            did, version_id=params.get("versionId"), version_time=params.get("versionTime")
        )
        doc = result.document
        if url.path:
            raise NotFound("this DID method serves no resources at DID URL paths", code="notFound")
        if url.fragment is not None:
            node = find_node(doc, f"{did}#{url.fragment}")
            if node is None:
                raise NotFound(f"no node #{url.fragment} in the DID document", code="notFound")
            return node, doc
        if "service" in params:
            node = find_node(doc, f"{did}#{params['service']}")
            if node is None or "serviceEndpoint" not in node:
                raise NotFound("no such service in the DID document", code="notFound")
            return node, doc
        return doc, doc

    async def resolve_verification_method(
        self, did_url: str, *, purpose: str | None = None
    ) -> VerificationMethod:
        """Dereference a verification method and decode its public key.

        With ``purpose`` (``"assertionMethod"``, ``"authentication"``, …) the method must also be
        listed under that relationship; otherwise :class:`VerificationError` (``vm.purpose``).
        """
        url = parse_did_url(did_url)
        if url.fragment is None:
            raise InvalidInput("a verification method URL needs a #fragment", code="invalidDidUrl")
        if purpose is not None and purpose not in RELATIONSHIPS:
            raise ValueError(f"unknown verification relationship {purpose!r}")
        node, doc = await self._dereference(did_url)
        vm_id = node["id"]
        vm_type = node.get("type")
        controller = node.get("controller")
        if not isinstance(vm_type, str) or not isinstance(controller, str):
            raise InvalidInput(f"{vm_id} is not a verification method", code="invalidDidDocument")
        key_type, public_key = public_key_from_vm(node)
        if purpose is not None and vm_id not in relationship_ids(doc, purpose):
            raise VerificationError(f"{vm_id} is not authorized for {purpose}", code="vm.purpose")
        return VerificationMethod(vm_id, vm_type, controller, key_type, public_key, node)

    def resolve_verification_method_sync(
        self, did_url: str, *, purpose: str | None = None
    ) -> VerificationMethod:
        return _run_sync(self.resolve_verification_method(did_url, purpose=purpose))


def _copy(result: ResolutionResult, accept: str | None) -> ResolutionResult:
    doc = copy.deepcopy(result.document)
    meta = copy.deepcopy(result.resolution_metadata)
    if accept == "application/did+json":
        doc.pop("@context", None)
        meta["contentType"] = accept
    elif accept is not None:
        meta["contentType"] = accept
    return ResolutionResult(doc, copy.deepcopy(result.document_metadata), meta)


def _run_sync(coro: Coroutine[Any, Any, T]) -> T:
    try:
        asyncio.get_running_loop()
    except RuntimeError:
        return asyncio.run(coro)
    # Called from inside an event loop: run on a private loop in a worker thread.
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(asyncio.run, coro).result()


def error_result(error: DidkitError) -> dict[str, Any]:
    """A DID Resolution result for a failed resolution (``didResolutionMetadata.error``)."""
    return {
        "@context": "https://w3id.org/did-resolution/v1",
        "didDocument": None,
        "didDocumentMetadata": {},
        "didResolutionMetadata": {"error": error.code, "errorMessage": str(error)},
    }


def default_resolver(
    *,
    http: httpx.AsyncClient | None = None,
    allow_loopback_http: bool = False,
    extra_methods: Iterable[DidMethod] = (),
    cache_ttl: float = 300.0,
    timeout: float = DEFAULT_TIMEOUT,
) -> Resolver:
    """did:key, did:jwk and did:web, plus ``extra_methods`` (e.g. the did:ethr ``EthrMethod``).

    An extra method with the name of a built-in one replaces it.
    """
    methods: dict[str, DidMethod] = {
        "key": KeyMethod(),
        "jwk": JwkMethod(),
        "web": WebMethod(http, allow_loopback_http=allow_loopback_http, timeout=timeout),
    }
    for method in extra_methods:
        methods[method.name] = method
    return Resolver(methods, cache_ttl=cache_ttl)
