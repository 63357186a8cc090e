"""``credentialSchema`` checks: W3C VC JSON Schema (``JsonSchema`` and ``JsonSchemaCredential``).

https://www.w3.org/TR/vc-json-schema/

Schemas are fetched through an injected loader (default: :class:`HttpSchemaLoader` on an
injected ``httpx.AsyncClient`` with a timeout, a size limit and a cache) and applied with the
``jsonschema`` package. Remote ``$ref`` is not followed: a schema must be self-contained, so
validating a credential never makes requests the relying party did not configure.
"""

from __future__ import annotations

import json
import time
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx
import jsonschema
from jsonschema.exceptions import SchemaError
from referencing import Registry
from referencing.exceptions import Unresolvable

from didkit_py.errors import (
    InvalidInput,
    LimitExceeded,
    NetworkError,
    NotFound,
    ResolutionError,
    VerificationError,
)

__all__ = ["HttpSchemaLoader", "SchemaLoader", "credential_schemas", "validate_against_schema"]

#: ``async (url) -> JSON`` returning the fetched document (a schema, or a secured credential).
SchemaLoader = Callable[[str], Awaitable[Any]]


@dataclass(frozen=True, slots=True)
class _Cached:
    expires: float
    value: Any


class HttpSchemaLoader:
    """Fetch schema documents over HTTPS with limits, caching them for ``ttl`` seconds."""

    def __init__(
        self,
        http: httpx.AsyncClient,
        *,
        timeout: float = 5.0,
        max_bytes: int = 512 * 1024,
        ttl: float = 3600.0,
        clock: Callable[[], float] = time.monotonic,
        allow_loopback_http: bool = False,
        max_entries: int = 256,
    ) -> None:
        self._http = http
        self._timeout = timeout
        self._max = max_bytes
        self._ttl = ttl
        self._clock = clock
        self._allow_loopback_http = allow_loopback_http
        self._max_entries = max_entries
        self._cache: OrderedDict[str, _Cached] = OrderedDict()

    async def __call__(self, url: str) -> Any:
        hit = self._cache.get(url)
        if hit is not None and hit.expires > self._clock():
            return hit.value
        if not (url.startswith("https://") or (self._allow_loopback_http and _loopback_http(url))):
            raise InvalidInput("credentialSchema id must be an https URL", code="schema.url")
        try:
            async with self._http.stream(
                "GET",
                url,
                headers={"Accept": "application/schema+json, application/json, application/vc+jwt"},
                timeout=self._timeout,
                follow_redirects=False,
            ) as resp:
                if resp.status_code in (404, 410):
                    raise NotFound(f"schema not found (HTTP {resp.status_code})", code="schema.not_found")
                if resp.status_code != 200:
                    raise ResolutionError(
                        f"schema not retrieved (HTTP {resp.status_code})", code="schema.retrieval"
                    )
                body = bytearray()
                async for chunk in resp.aiter_bytes():
                    body += chunk
                    if len(body) > self._max:
                        raise LimitExceeded(f"schema larger than {self._max} bytes", code="schema.limit")
        except httpx.TimeoutException:
            raise NetworkError("schema request timed out", code="schema.timeout") from None
        except httpx.HTTPError as exc:
            raise NetworkError(
                f"schema not retrieved: {type(exc).__name__}", code="schema.retrieval"
            ) from None
        text = body.decode("utf-8", errors="replace").strip()
        value: Any
        if text.startswith("{"):
            try:
                value = json.loads(text)
            except (json.JSONDecodeError, RecursionError):
                raise InvalidInput("schema is not valid JSON", code="schema.json") from None
        else:
            value = text  # a secured JsonSchemaCredential as a compact JWT
        self._cache[url] = _Cached(self._clock() + self._ttl, value)
        while len(self._cache) > self._max_entries:
            self._cache.popitem(last=False)
        return value


def _loopback_http(url: str) -> bool:
    from urllib.parse import urlsplit

    host = urlsplit(url).hostname
    return url.startswith("http://") and host in {"127.0.0.1", "localhost", "::1"}


def credential_schemas(document: Mapping[str, Any]) -> list[tuple[str, str, str]]:
    """``(pointer, id, type)`` for each ``credentialSchema`` entry; malformed entries raise."""
    raw = document.get("credentialSchema")
    if raw is None:
        return []
    items = [raw] if isinstance(raw, Mapping) else raw
    if not isinstance(items, list) or not items:
        raise InvalidInput(
            "credentialSchema must be an object or array", code="schema.malformed", at="/credentialSchema"
        )
    out = []
    for i, item in enumerate(items):
        at = "/credentialSchema" if isinstance(raw, Mapping) else f"/credentialSchema/{i}"
        if (
            not isinstance(item, Mapping)
            or not isinstance(item.get("id"), str)
            or not isinstance(item.get("type"), str)
        ):
            raise InvalidInput("credentialSchema needs an id and a type", code="schema.malformed", at=at)
        out.append((at, item["id"], item["type"]))
    return out


def validate_against_schema(instance: Any, schema: Any, *, at: str) -> None:
    """Validate with the schema's own ``$schema`` dialect (Draft 2020-12 when absent).

    Raises :class:`InvalidInput` for a broken schema, :class:`VerificationError` listing the
    first few violations (JSON pointer of each) when the credential does not conform.
    """
    if not isinstance(schema, Mapping | bool):
        raise InvalidInput("schema must be a JSON object", code="schema.invalid", at=at)
    cls = jsonschema.validators.validator_for(schema, default=jsonschema.Draft202012Validator)
    try:
        cls.check_schema(schema)
    except SchemaError as exc:
        raise InvalidInput(
            f"schema is not a valid JSON Schema: {exc.message[:200]}", code="schema.invalid", at=at
        ) from None
    validator = cls(schema, registry=Registry(), format_checker=cls.FORMAT_CHECKER)
    try:
        errors = sorted(validator.iter_errors(instance), key=lambda e: list(e.absolute_path))[:5]
    except Unresolvable as exc:
        raise InvalidInput(
            f"schema has an unresolvable $ref: {str(exc)[:120]}", code="schema.ref", at=at
        ) from None
    except RecursionError:
        raise LimitExceeded("schema recursion too deep", code="schema.limit", at=at) from None
    if errors:
        parts = [f"{'/' + '/'.join(str(p) for p in e.absolute_path)}: {e.message[:120]}" for e in errors]
        raise VerificationError(
            "credential does not match its schema: " + "; ".join(parts), code="schema.mismatch", at=at
        )
