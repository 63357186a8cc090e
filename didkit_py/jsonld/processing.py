"""JSON-LD expansion, compaction and toRdf (pyld), with a *safe mode* and offline contexts.

Safe mode
---------
Plain JSON-LD silently drops what it cannot map to an IRI. For signed data that is dangerous:
an undefined property is not in the canonical N-Quads, so it is not signed, yet a consumer that
reads the JSON sees it as part of the credential. pyld has no safe mode, so we implement the
checks Digital Bazaar's ``jsonld.js`` makes with ``safe: true`` (its ``_notSafeEventCodes``).
Every one of these raises :class:`InvalidInput` with ``code="jsonld.safe_mode"``:

1. **Dropped property** ("invalid property", "reserved term"): a key that does not expand to an
   absolute IRI or a keyword (pyld's ``on_property_dropped`` hook).
2. **Dropped value or object** ("free-floating scalar", "empty object", "object with only @id /
   @language / @list / @value", "null @value value"): any element pyld's ``_expand`` turns into
   nothing although the input had something there (checked by wrapping ``_expand``).
3. **Relative or invalid IRIs in the expanded output** ("relative @id/@type/@vocab reference",
   "relative subject/predicate/object/graph reference", "blank node predicate", "reserved @id
   value"): after expansion we walk the result and require every ``@id`` to be an absolute IRI
   or a blank node identifier, every node ``@type`` to be an absolute IRI, every property to be
   an absolute IRI that is not a blank node, and every ``@language`` to be well-formed BCP 47;
   anything else would be silently dropped by toRdf.

Not checked (as in ``jsonld.js``): a JSON ``null`` property value, which expresses "no value"
and produces no triple; compact IRIs whose prefix is undefined (``foo:bar`` is already an
absolute IRI with scheme ``foo``).

Numbers follow JSON-LD toRdf: a whole-number float (``7.0``, as Python reads it from JSON) is an
``xsd:integer`` ``"7"``, any other float an ``xsd:double`` in canonical form.
"""

from __future__ import annotations

import math
import re
import sys
import uuid
from collections.abc import Mapping, MutableMapping, Sequence
from typing import Any

from pyld import jsonld as _pyld
from pyld.identifier_issuer import IdentifierIssuer

from ..errors import DidkitError, InvalidInput, LimitExceeded, ResolutionError
from .loader import DocumentLoader
from .rdfc import Quad, escape_literal

__all__ = ["compact", "expand", "expanded_to_quads", "expanded_to_quads_pyld", "to_quads"]

_XSD_STRING = "http://www.w3.org/2001/XMLSchema#string"
_RDF_LANGSTRING = "http://www.w3.org/1999/02/22-rdf-syntax-ns#langString"
_ABSOLUTE_IRI = re.compile(r"^[A-Za-z][A-Za-z0-9+.\-]*:[^\s<>\"{}|\\^`]*$")
_BNODE = re.compile(r"^_:[^\s]+$")
_LANGUAGE = re.compile(r"^[a-zA-Z]{1,8}(-[a-zA-Z0-9]{1,8})*$")

#: Deepest JSON nesting we hand to pyld (its recursion would otherwise hit Python's limit).
MAX_DEPTH = 64


class _SafeModeViolation(InvalidInput):
    default_code = "jsonld.safe_mode"


class _Processor(_pyld.JsonLdProcessor):  # type: ignore[misc]
    """pyld's processor with the safe-mode checks 1 and 2 of the module docstring."""

    def __init__(
        self,
        safe: bool,
        context_cache: MutableMapping[Any, Any] | None = None,
        iri_cache: MutableMapping[Any, Any] | None = None,
    ) -> None:
        super().__init__(on_property_dropped=self._dropped if safe else _pyld.noop)
        self._safe = safe
        self._context_cache = context_cache
        self._iri_cache = iri_cache

    def _expand_iri(  # type: ignore[no-untyped-def]
        self, active_ctx, value, base=None, vocab=False, local_ctx=None, defined=None
    ):
        """Memoized IRI expansion against a finished (uuid-tagged, immutable) active context."""
        cache = self._iri_cache
        if cache is None or local_ctx is not None or defined is not None or not isinstance(value, str):
            return super()._expand_iri(
                active_ctx, value, base=base, vocab=vocab, local_ctx=local_ctx, defined=defined
            )
        uid = active_ctx.get("_uuid")
        if uid is None:
            return super()._expand_iri(active_ctx, value, base=base, vocab=vocab)
        key = (uid, value, base, vocab)
        try:
            return cache[key]
        except KeyError:
            out = super()._expand_iri(active_ctx, value, base=base, vocab=vocab)
            cache[key] = out
            return out

    def _process_context(  # type: ignore[no-untyped-def]
        self,
        active_ctx,
        local_ctx,
        options,
        override_protected=False,
        propagate=True,
        validate_scoped=True,
        cycles=None,
    ):
        """Memoize context processing per (active context, local context) on the loader.

        pyld clones the active context before its own processed-context cache lookup whenever
        ``@propagate`` is false (type-scoped contexts), so it re-processes the credential
        type-scoped context on every document. Active contexts are immutable once built and
        carry a unique ``_uuid``; local contexts are URLs or objects held by the (immutable)
        cached contexts, so (uuid, local context identity, flags) determines the result. The
        cache lives on the :class:`DocumentLoader` (never shared between loaders).
        """
        cache = self._context_cache
        uid = active_ctx.get("_uuid") if cache is not None and cycles is None else None
        key = None
        if uid is not None:
            if isinstance(local_ctx, str):
                local_key: tuple[Any, ...] = ("s", local_ctx)
            elif isinstance(local_ctx, list) and all(isinstance(x, str) for x in local_ctx):
                local_key = ("l", tuple(local_ctx))
            else:
                local_key = ("o", id(local_ctx))
            key = (uid, local_key, override_protected, propagate, validate_scoped)
            hit = cache.get(key) if cache is not None else None
            if hit is not None and (local_key[0] != "o" or hit[0] is local_ctx):
                return hit[1]
        out = super()._process_context(
            active_ctx,
            local_ctx,
            options,
            override_protected=override_protected,
            propagate=propagate,
            validate_scoped=validate_scoped,
            cycles=cycles,
        )
        if key is not None and cache is not None and isinstance(out, dict):
            out.setdefault("_uuid", str(uuid.uuid4()))
            cache[key] = (local_ctx, out)
        return out

    @staticmethod
    def _dropped(expanded_property: Any) -> None:
        raise _SafeModeViolation(
            f"term {expanded_property!r} is not defined by any context (safe mode)",
            code="jsonld.undefined_term",
        )

    def _expand(  # type: ignore[no-untyped-def]
        self,
        active_ctx,
        active_property,
        element,
        options,
        inside_list=False,
        inside_index=False,
        type_scoped_ctx=None,
    ):
        out = super()._expand(
            active_ctx,
            active_property,
            element,
            options,
            inside_list=inside_list,
            inside_index=inside_index,
            type_scoped_ctx=type_scoped_ctx,
        )
        if self._safe and out is None and element is not None:
            raise _SafeModeViolation(
                f"JSON-LD would drop a value under {active_property!r} (safe mode)",
                code="jsonld.safe_mode",
            )
        return out


def _options(loader: DocumentLoader, **extra: Any) -> dict[str, Any]:
    from pyld.context_resolver import ContextResolver

    return {
        "documentLoader": loader,
        "contextResolver": ContextResolver(loader.resolved_context_cache, loader),
        "base": None,
        "processingMode": "json-ld-1.1",
        **extra,
    }


def _unwrap(exc: BaseException) -> DidkitError:
    """Find our own error inside pyld's wrapping, or convert pyld's error to InvalidInput."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, DidkitError):
            return seen
        seen = seen.__cause__ or seen.__context__
    code = getattr(exc, "code", None)
    if code in ("loading remote context failed", "loading document failed"):
        return ResolutionError("a JSON-LD context could not be loaded", code="jsonld.context")
    return InvalidInput(f"invalid JSON-LD: {code or type(exc).__name__}", code="jsonld.syntax")


_SURROGATE = re.compile("[\ud800-\udfff]")


def _bad_string(text: str) -> None:
    # JSON allows "\ud800"; Python then holds a lone surrogate, which is not a Unicode scalar
    # value, has no UTF-8 form and so cannot be canonicalized or hashed (RFC 7493 I-JSON).
    if _SURROGATE.search(text):
        raise InvalidInput("string holds a lone UTF-16 surrogate", code="jsonld.unicode")


def _check_depth(value: Any, depth: int = 0) -> None:
    """Nesting depth and string validity of the input, before pyld sees it."""
    if depth > MAX_DEPTH:
        raise LimitExceeded("JSON-LD document nested too deeply", code="jsonld.depth")
    if isinstance(value, dict):
        for k, v in value.items():
            if isinstance(k, str):
                _bad_string(k)
            if isinstance(v, dict | list):
                _check_depth(v, depth + 1)
            elif isinstance(v, str):
                _bad_string(v)
    elif isinstance(value, list):
        for v in value:
            if isinstance(v, dict | list):
                _check_depth(v, depth + 1)
            elif isinstance(v, str):
                _bad_string(v)


def _check_expanded(value: Any) -> None:
    """Safe-mode check 3 (module docstring) over an expanded JSON-LD value."""
    if isinstance(value, list):
        for item in value:
            _check_expanded(item)
        return
    if not isinstance(value, dict):
        return
    if "@value" in value:
        lang = value.get("@language")
        if lang is not None and (not isinstance(lang, str) or not _LANGUAGE.match(lang)):
            raise _SafeModeViolation("invalid @language value (safe mode)")
        vtype = value.get("@type")
        if isinstance(vtype, str) and vtype != "@json" and not _ABSOLUTE_IRI.match(vtype):
            raise _SafeModeViolation("relative @type reference (safe mode)", code="jsonld.relative_iri")
        return
    for key, item in value.items():
        if key == "@id":
            if not isinstance(item, str) or not (_ABSOLUTE_IRI.match(item) or _BNODE.match(item)):
                raise _SafeModeViolation(
                    "relative or invalid @id reference (safe mode)", code="jsonld.relative_iri"
                )
        elif key == "@type":
            for t in item if isinstance(item, list) else [item]:
                if not isinstance(t, str) or not (_ABSOLUTE_IRI.match(t) or _BNODE.match(t)):
                    raise _SafeModeViolation(
                        f"relative @type reference {t!r} (safe mode)", code="jsonld.relative_iri"
                    )
        elif key == "@reverse":
            if isinstance(item, dict):
                for prop, vals in item.items():
                    if not _ABSOLUTE_IRI.match(prop):
                        raise _SafeModeViolation("relative @reverse property (safe mode)")
                    _check_expanded(vals)
        elif key.startswith("@"):
            if key in ("@graph", "@list", "@set", "@included"):
                _check_expanded(item)
        else:
            if not _ABSOLUTE_IRI.match(key):
                raise _SafeModeViolation(
                    f"property {key!r} is not an absolute IRI (safe mode)", code="jsonld.relative_iri"
                )
            _check_expanded(item)


def expand(document: Any, *, loader: DocumentLoader, safe: bool = True) -> list[Any]:
    """JSON-LD 1.1 expansion with offline contexts; safe mode on by default."""
    if not isinstance(document, dict | list):
        raise InvalidInput("JSON-LD document must be an object or array", code="jsonld.syntax")
    _check_depth(document)
    proc = _Processor(safe, loader.processed_context_cache, loader.iri_cache)
    try:
        out = proc.expand(document, _options(loader))
    except DidkitError:
        raise
    except RecursionError as exc:
        raise LimitExceeded("JSON-LD document nested too deeply", code="jsonld.depth") from exc
    except Exception as exc:
        raise _unwrap(exc) from exc
    if safe:
        _check_expanded(out)
    return list(out)


def compact(expanded: Any, context: Any, *, loader: DocumentLoader) -> dict[str, Any]:
    """Compact already-expanded JSON-LD with ``context`` (used by skolemization)."""
    proc = _Processor(True, loader.processed_context_cache, loader.iri_cache)
    try:
        out = proc.compact(expanded, {"@context": context}, _options(loader, skipExpansion=True))
    except DidkitError:
        raise
    except Exception as exc:
        raise _unwrap(exc) from exc
    return dict(out)


def _term(t: Mapping[str, Any]) -> str:
    if t["type"] == "IRI":
        return "<" + str(t["value"]) + ">"
    if t["type"] == "blank node":
        return str(t["value"])
    value = escape_literal(t["value"])
    datatype = t.get("datatype")
    if datatype == _RDF_LANGSTRING:
        return f'"{value}"@{t["language"]}' if t.get("language") else f'"{value}"'
    if datatype and datatype != _XSD_STRING:
        return f'"{value}"^^<{datatype}>'
    return f'"{value}"'


def expanded_to_quads_pyld(expanded: Sequence[Any]) -> list[Quad]:
    """pyld's toRdf of an expanded document (the reference :func:`expanded_to_quads` is tested against)."""
    proc = _Processor(True)
    options = {
        "produceGeneralizedRdf": False,
        "rdfDirection": "i18n-datatype",
        "processingMode": "json-ld-1.1",
    }
    issuer = IdentifierIssuer("_:b")
    node_map: dict[str, Any] = {"@default": {}}
    try:
        proc._create_node_map(list(expanded), node_map, "@default", issuer)
        quads: list[Quad] = []
        for graph_name, graph in sorted(node_map.items()):
            if graph_name == "@default":
                g = ""
            elif _BNODE.match(graph_name):
                g = graph_name
            elif _ABSOLUTE_IRI.match(graph_name):
                g = "<" + graph_name + ">"
            else:
                raise _SafeModeViolation("relative graph reference (safe mode)", code="jsonld.relative_iri")
            for triple in proc._graph_to_rdf(graph, issuer, options):
                subject, predicate = _term(triple["subject"]), _term(triple["predicate"])
                quads.append((subject, predicate, _term(triple["object"]), g))
    except DidkitError:
        raise
    except Exception as exc:
        raise _unwrap(exc) from exc
    return quads


_RDF = "http://www.w3.org/1999/02/22-rdf-syntax-ns#"
_XSD = "http://www.w3.org/2001/XMLSchema#"
_RDF_TYPE = f"<{_RDF}type>"
_RDF_FIRST, _RDF_REST, _RDF_NIL = f"<{_RDF}first>", f"<{_RDF}rest>", f"<{_RDF}nil>"
_DOUBLE_EXP = re.compile(r"(\d)0*E\+?(-)?0*(\d)")


_MAX_DOUBLE = sys.float_info.max


def _canonical_double(value: float) -> str:
    """xsd:double canonical form as JSON-LD toRdf writes it (``1.5E0``), same as pyld/jsonld.js."""
    return _DOUBLE_EXP.sub(r"\1E\2\3", f"{value:1.15E}")


class _ToRdf:
    """JSON-LD 1.1 "Deserialize JSON-LD to RDF" (§8.2 with §8.6 Object to RDF and §8.7 List to
    RDF) over an expanded document, straight to serialized-term quads.

    Equivalent to building pyld's node map and walking it (differentially tested against it),
    without the intermediate dictionaries. Blank nodes, including those the input names, get
    fresh ``_:bN`` labels; ``rdfDirection`` is ``i18n-datatype`` (language lower-cased, as the
    spec and jsonld.js do).
    """

    __slots__ = ("bnodes", "counter", "quads")

    def __init__(self) -> None:
        self.quads: list[Quad] = []
        self.bnodes: dict[str, str] = {}
        self.counter = 0

    def fresh(self) -> str:
        label = f"_:b{self.counter}"
        self.counter += 1
        return label

    def node_term(self, ident: Any) -> str:
        if not isinstance(ident, str):
            raise _SafeModeViolation("invalid @id (safe mode)", code="jsonld.relative_iri")
        if ident.startswith("_:"):
            label = self.bnodes.get(ident)
            if label is None:
                label = self.bnodes[ident] = self.fresh()
            return label
        if not _ABSOLUTE_IRI.match(ident):
            raise _SafeModeViolation("relative IRI reference (safe mode)", code="jsonld.relative_iri")
        return "<" + ident + ">"

    def node(self, node: Mapping[str, Any], graph: str) -> str:
        subject = self.node_term(node["@id"]) if "@id" in node else self.fresh()
        if "@graph" in node:
            for item in node["@graph"]:
                self.element(item, subject)
        for t in node.get("@type", ()):
            self.quads.append((subject, _RDF_TYPE, self.node_term(t), graph))
        for prop, values in node.items():
            if prop.startswith("@"):
                if prop == "@reverse":
                    for rprop, rvalues in values.items():
                        predicate = self.node_term(rprop)
                        for rv in rvalues:
                            self.quads.append((self.node(rv, graph), predicate, subject, graph))
                elif prop == "@included":
                    for inc in values:
                        self.element(inc, graph)
                continue
            if prop.startswith("_:"):
                raise _SafeModeViolation("blank node predicate (safe mode)", code="jsonld.relative_iri")
            predicate = self.node_term(prop)
            for value in values:
                obj = self.object(value, graph)
                self.quads.append((subject, predicate, obj, graph))
        return subject

    def element(self, item: Any, graph: str) -> None:
        if isinstance(item, dict) and "@value" not in item and "@list" not in item:
            self.node(item, graph)
        # Free-floating values and lists produce no triples (safe mode refuses them earlier).

    def object(self, item: Any, graph: str) -> str:
        if "@value" in item:
            return self.literal(item)
        if "@list" in item:
            return self.rdf_list(item["@list"], graph)
        return self.node(item, graph)

    def rdf_list(self, items: Sequence[Any], graph: str) -> str:
        if not items:
            return _RDF_NIL
        head = current = self.fresh()
        for i, item in enumerate(items):
            self.quads.append((current, _RDF_FIRST, self.object(item, graph), graph))
            nxt = _RDF_NIL if i == len(items) - 1 else self.fresh()
            self.quads.append((current, _RDF_REST, nxt, graph))
            current = nxt
        return head

    @staticmethod
    def literal(item: Mapping[str, Any]) -> str:
        value = item["@value"]
        datatype = item.get("@type")
        if datatype == "@json":
            from c14n.Canonicalize import canonicalize as jcs

            try:
                text, datatype = jcs(value).decode("utf-8"), _RDF + "JSON"
            except (OverflowError, ValueError, TypeError, RecursionError):
                # e.g. an integer beyond a double: JCS (RFC 8785) numbers are IEEE 754 doubles.
                raise InvalidInput(
                    "@json literal has no JCS canonical form (number beyond a double?)",
                    code="jsonld.number",
                ) from None
        elif isinstance(value, bool):
            text, datatype = ("true" if value else "false"), datatype or _XSD + "boolean"
        elif isinstance(value, int | float):
            if isinstance(value, float) and not math.isfinite(value):
                raise InvalidInput("NaN and Infinity are not JSON numbers", code="jsonld.number")
            if isinstance(value, int) and abs(value) > _MAX_DOUBLE:
                raise InvalidInput("number too large for xsd:double", code="jsonld.number")
            if isinstance(value, float) and not value.is_integer():
                text, datatype = _canonical_double(value), datatype or _XSD + "double"
            elif datatype == _XSD + "double" or abs(value) >= 1e21:
                text, datatype = _canonical_double(float(value)), datatype or _XSD + "double"
            else:
                text, datatype = str(int(value)), datatype or _XSD + "integer"
        elif datatype == _XSD + "double":
            try:
                number = float(value)
                text = _canonical_double(number) if math.isfinite(number) else str(value)
            except (TypeError, ValueError, OverflowError):
                text = str(value)
        elif "@direction" in item:
            lang = str(item.get("@language", "")).lower()
            text, datatype = str(value), f"https://www.w3.org/ns/i18n#{lang}_{item['@direction']}"
        elif "@language" in item:
            return f'"{escape_literal(str(value))}"@{item["@language"]}'
        else:
            text = str(value)
        if not isinstance(text, str):  # pragma: no cover - guarded above
            raise InvalidInput("invalid literal", code="jsonld.syntax")
        if datatype and datatype != _XSD_STRING:
            if not _ABSOLUTE_IRI.match(datatype):
                raise _SafeModeViolation("relative datatype IRI (safe mode)", code="jsonld.relative_iri")
            return f'"{escape_literal(text)}"^^<{datatype}>'
        return f'"{escape_literal(text)}"'


def expanded_to_quads(expanded: Sequence[Any]) -> list[Quad]:
    """JSON-LD toRdf (Deserialize JSON-LD to RDF) of an already expanded, checked document."""
    conv = _ToRdf()
    try:
        for item in expanded:
            conv.element(item, "")
    except DidkitError:
        raise
    except (KeyError, TypeError, AttributeError, ValueError, RecursionError) as exc:
        raise InvalidInput("not an expanded JSON-LD document", code="jsonld.syntax") from exc
    return conv.quads


def to_quads(document: Any, *, loader: DocumentLoader, safe: bool = True) -> list[Quad]:
    """Expand (safe mode) and convert to RDF quads with serialized terms."""
    return expanded_to_quads(expand(document, loader=loader, safe=safe))
