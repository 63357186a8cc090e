"""Selective-disclosure functions shared by ``bbs-2023`` (and ``ecdsa-sd-2023``).

Named after the algorithms of W3C vc-di-ecdsa §3.4 "Selective Disclosure Functions", which
vc-di-bbs §3.3/§3.4 use, plus bbs-2023's ``createShuffledIdLabelMapFunction`` (vc-di-bbs §3.3.*):

- :func:`skolemize_expanded_json_ld`, :func:`skolemize_compact_json_ld`,
  :func:`to_deskolemized_nquads`, :func:`deskolemize_nquads`
- :func:`label_replacement_canonicalize_nquads`, :func:`label_replacement_canonicalize_json_ld`
- :func:`create_label_map_function`, :func:`create_hmac_id_label_map_function`,
  :func:`create_shuffled_id_label_map_function`
- :func:`json_pointer_to_paths`, :func:`select_json_ld`, :func:`relabel_blank_nodes`,
  :func:`select_canonical_nquads`, :func:`canonicalize_and_group`, :func:`hash_mandatory_nquads`

N-Quads travel as quads of serialized terms (:data:`didkit_py.jsonld.Quad`); skolemization and
relabelling work term by term, so text inside a literal that merely looks like a blank node
label or a skolem IRI is never rewritten. Output lists are sorted by Unicode code point, as
RDFC-1.0 specifies.
"""

from __future__ import annotations

import copy
import hashlib
import hmac as _hmac
import os
import re
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from ..._encoding import b64url_encode
from ...errors import InvalidInput
from ...jsonld import DocumentLoader, Quad, canonicalize, compact, expand, expanded_to_quads, serialize_quad

__all__ = [
    "GroupResult",
    "Grouped",
    "LabelMapFactory",
    "Skolemized",
    "canonicalize_and_group",
    "create_hmac_id_label_map_function",
    "create_label_map_function",
    "create_shuffled_id_label_map_function",
    "deskolemize_nquads",
    "hash_mandatory_nquads",
    "json_pointer_to_paths",
    "label_replacement_canonicalize_json_ld",
    "label_replacement_canonicalize_nquads",
    "relabel_blank_nodes",
    "select_canonical_nquads",
    "select_json_ld",
    "skolemize_compact_json_ld",
    "skolemize_expanded_json_ld",
    "to_deskolemized_nquads",
]

#: Blank-node identifier map → replacement map (input label → new label, no ``_:``).
LabelMapFactory = Callable[[Mapping[str, str]], dict[str, str]]

SKOLEM_PREFIX = "urn:bnid:"
_BNODE_LABEL = re.compile(r"^[A-Za-z0-9_\-.]+$")


# ---------------------------------------------------------------------------------------------
# Label map factories


def create_hmac_id_label_map_function(hmac_key: bytes) -> LabelMapFactory:
    """vc-di-ecdsa 'createHmacIdLabelMapFunction': label = ``u`` + base64url(HMAC-SHA256(c14nN))."""
    if not isinstance(hmac_key, bytes) or len(hmac_key) != 32:
        raise InvalidInput("HMAC key must be 32 bytes", code="sd.hmac_key")

    def factory(canonical_id_map: Mapping[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for input_label, c14n_label in canonical_id_map.items():
            digest = _hmac.new(hmac_key, c14n_label.encode("utf-8"), hashlib.sha256).digest()
            out[input_label] = "u" + b64url_encode(digest)
        return out

    return factory


def create_shuffled_id_label_map_function(hmac_key: bytes) -> LabelMapFactory:
    """vc-di-bbs 'createShuffledIdLabelMapFunction': HMAC labels, then ``b`` + rank of each.

    Ranking the HMAC values hides the canonical order (and so the shape of the undisclosed
    graph) while keeping labels short enough for the compressed label map.
    """
    hmac_factory = create_hmac_id_label_map_function(hmac_key)

    def factory(canonical_id_map: Mapping[str, str]) -> dict[str, str]:
        # 1-2. The HMAC label map.
        bnode_id_map = hmac_factory(canonical_id_map)
        # 3. Sort the HMAC ids; 4. replace each by "b" + its index in that order.
        rank = {hmac_id: i for i, hmac_id in enumerate(sorted(bnode_id_map.values()))}
        return {key: f"b{rank[value]}" for key, value in bnode_id_map.items()}

    return factory


def create_label_map_function(label_map: Mapping[str, str]) -> LabelMapFactory:
    """vc-di-ecdsa 'createLabelMapFunction': map canonical labels through a given label map."""

    def factory(canonical_id_map: Mapping[str, str]) -> dict[str, str]:
        out: dict[str, str] = {}
        for input_label, c14n_label in canonical_id_map.items():
            new = label_map.get(c14n_label)
            if new is None:
                raise InvalidInput(f"label map has no entry for blank node {c14n_label}", code="sd.label_map")
            out[input_label] = new
        return out

    return factory


# ---------------------------------------------------------------------------------------------
# Canonicalization with label replacement


def _relabel_quad(quad: Quad, label_map: Mapping[str, str]) -> Quad:
    s, p, o, g = quad
    try:
        if s.startswith("_:"):
            s = "_:" + label_map[s[2:]]
        if o.startswith("_:"):
            o = "_:" + label_map[o[2:]]
        if g.startswith("_:"):
            g = "_:" + label_map[g[2:]]
    except KeyError as exc:
        raise InvalidInput("blank node missing from label map", code="sd.label_map") from exc
    return (s, p, o, g)


def relabel_blank_nodes(quads: Sequence[Quad], label_map: Mapping[str, str]) -> list[str]:
    """vc-di-ecdsa 'relabelBlankNodes': replace every blank node label using ``label_map``."""
    return [serialize_quad(_relabel_quad(q, label_map)) for q in quads]


def label_replacement_canonicalize_nquads(
    quads: Sequence[Quad], label_map_factory: LabelMapFactory, *, max_work_factor: int = 2
) -> tuple[list[str], dict[str, str]]:
    """vc-di-ecdsa 'labelReplacementCanonicalizeNQuads'.

    Returns the sorted N-Quads with replaced labels, and the label map (input label → new).
    """
    # 1. RDFC-1.0, keeping the canonical issuer's map (input label → c14nN).
    result = canonicalize(quads, max_work_factor=max_work_factor)
    # 2. The factory turns it into the replacement map.
    label_map = label_map_factory(result.issued)
    if len(set(label_map.values())) != len(label_map):
        raise InvalidInput("label map is not one-to-one", code="sd.label_map")
    # 3. Canonical N-Quads with replaced labels, sorted (code point order).
    nquads = sorted(set(relabel_blank_nodes(list(dict.fromkeys(quads)), label_map)))
    return nquads, label_map


def label_replacement_canonicalize_json_ld(
    document: Mapping[str, Any], label_map_factory: LabelMapFactory, *, loader: DocumentLoader
) -> list[str]:
    """vc-di-ecdsa 'labelReplacementCanonicalizeJsonLd': toRdf (safe mode), then the above."""
    quads = expanded_to_quads(expand(dict(document), loader=loader))
    return label_replacement_canonicalize_nquads(quads, label_map_factory)[0]


# ---------------------------------------------------------------------------------------------
# Skolemization


@dataclass(frozen=True, slots=True)
class Skolemized:
    """A document with every blank node named ``urn:bnid:…``, in expanded and compact form."""

    expanded: list[Any]
    compact: dict[str, Any]


def skolemize_expanded_json_ld(
    expanded: Sequence[Any], *, random_string: str, counter: list[int] | None = None
) -> list[Any]:
    """vc-di-ecdsa 'skolemizeExpandedJsonLd': give every node object an ``@id``.

    Nodes without ``@id`` get ``urn:bnid:_<random>_<n>``; ``_:x`` becomes ``urn:bnid:x`` (a
    blank node label may be shared, so it is preserved).
    """
    count = counter if counter is not None else [0]
    out: list[Any] = []
    for element in expanded:
        # 1. Literals (and value objects) are copied as they are.
        if not isinstance(element, dict) or "@value" in element:
            out.append(copy.deepcopy(element))
            continue
        # 2. Recurse into every property of a node (or list/graph) object.
        node: dict[str, Any] = {}
        for prop, value in element.items():
            if isinstance(value, list):
                node[prop] = skolemize_expanded_json_ld(value, random_string=random_string, counter=count)
            else:
                node[prop] = skolemize_expanded_json_ld([value], random_string=random_string, counter=count)[
                    0
                ]
        # 3. Name the node.
        node_id = node.get("@id")
        if node_id is None:
            node["@id"] = f"{SKOLEM_PREFIX}_{random_string}_{count[0]}"
            count[0] += 1
        elif isinstance(node_id, str) and node_id.startswith("_:"):
            node["@id"] = SKOLEM_PREFIX + node_id[2:]
        out.append(node)
    return out


def skolemize_compact_json_ld(
    document: Mapping[str, Any], *, loader: DocumentLoader, random_string: str | None = None
) -> Skolemized:
    """vc-di-ecdsa 'skolemizeCompactJsonLd': expand (safe mode), skolemize, compact again."""
    if not isinstance(document, Mapping) or "@context" not in document:
        raise InvalidInput("document must be compact JSON-LD with an @context", code="sd.document")
    # 1. Expand.
    expanded = expand(dict(document), loader=loader)
    # 2. Skolemize the expanded form.
    rnd = random_string if random_string is not None else os.urandom(16).hex()
    skolemized = skolemize_expanded_json_ld(expanded, random_string=rnd)
    # 3. Compact it with the document's own context.
    compacted = compact(skolemized, document["@context"], loader=loader)
    return Skolemized(expanded=skolemized, compact=compacted)


def _deskolemize_term(term: str) -> str:
    if term.startswith("<" + SKOLEM_PREFIX):
        label = term[len(SKOLEM_PREFIX) + 1 : -1]
        if not _BNODE_LABEL.match(label):
            raise InvalidInput("invalid skolem identifier", code="sd.skolem")
        return "_:" + label
    return term


def deskolemize_nquads(quads: Sequence[Quad]) -> list[Quad]:
    """vc-di-ecdsa 'deskolemizeNQuads': ``<urn:bnid:x>`` terms become blank nodes ``_:x``."""
    return [(_deskolemize_term(s), p, _deskolemize_term(o), _deskolemize_term(g)) for s, p, o, g in quads]


def to_deskolemized_nquads(document: Any, *, loader: DocumentLoader, expanded: bool = False) -> list[Quad]:
    """vc-di-ecdsa 'toDeskolemizedNQuads': toRdf (safe mode), then deskolemize."""
    exp = document if expanded else expand(document, loader=loader)
    return deskolemize_nquads(expanded_to_quads(exp))


# ---------------------------------------------------------------------------------------------
# Selection


def json_pointer_to_paths(pointer: str) -> list[str | int]:
    """vc-di-ecdsa 'jsonPointerToPaths' (RFC 6901): segments, array indexes as integers."""
    if not isinstance(pointer, str) or (pointer and not pointer.startswith("/")):
        raise InvalidInput("not a JSON pointer", code="sd.pointer", at=str(pointer)[:100])
    paths: list[str | int] = []
    for raw in pointer.split("/")[1:]:
        if re.search(r"~(?![01])", raw):
            raise InvalidInput("invalid JSON pointer escape", code="sd.pointer", at=pointer[:100])
        segment = raw.replace("~1", "/").replace("~0", "~")
        paths.append(int(segment) if re.fullmatch(r"0|[1-9][0-9]*", segment) else segment)
    return paths


class _Sparse(dict[int, Any]):
    """An array under construction: selected indexes only, made dense at the end."""


def _initial_selection(source: Any, include_types: bool) -> dict[str, Any]:
    # vc-di-ecdsa 'createInitialSelection': keep non-blank-node ids and (optionally) types.
    selection: dict[str, Any] = {}
    if isinstance(source, dict):
        sid = source.get("id")
        if isinstance(sid, str) and not sid.startswith("_:"):
            selection["id"] = sid
        if include_types and "type" in source:
            selection["type"] = copy.deepcopy(source["type"])
    return selection


def _child(parent: Any, path: str | int, pointer: str) -> Any:
    if isinstance(parent, list):
        if isinstance(path, int) and 0 <= path < len(parent):
            return parent[path]
    elif isinstance(parent, dict):
        key = str(path)
        if key in parent:
            return parent[key]
    raise InvalidInput("JSON pointer does not match the document", code="sd.pointer", at=pointer[:100])


def _select_paths(
    document: Any, pointer: str, paths: Sequence[str | int], selection: dict[str, Any], include_types: bool
) -> None:
    # vc-di-ecdsa 'selectPaths'.
    value: Any = document
    selected_parent: Any = selection
    selected_value: Any = selection
    for path in paths:
        selected_parent = selected_value
        value = _child(value, path, pointer)
        key: str | int = path if isinstance(selected_parent, _Sparse) else str(path)
        selected_value = selected_parent.get(key)
        if isinstance(selected_value, list):
            # A whole array already copied (e.g. `type` by the initial selection): keep it
            # whole, but as a sparse array so that an index below it can be selected.
            selected_value = _Sparse(enumerate(selected_value))
            selected_parent[key] = selected_value
        if selected_value is None:
            selected_value = (
                _Sparse() if isinstance(value, list) else _initial_selection(value, include_types)
            )
            selected_parent[key] = selected_value
    if not isinstance(value, dict | list):
        selected_value = value
    elif isinstance(value, list):
        selected_value = copy.deepcopy(value)
    else:
        merged = dict(selected_value) if isinstance(selected_value, dict) else {}
        merged.update(copy.deepcopy(value))
        selected_value = merged
    last = paths[-1]
    selected_parent[last if isinstance(selected_parent, _Sparse) else str(last)] = selected_value


def _densify(value: Any) -> Any:
    if isinstance(value, _Sparse):
        return [_densify(value[i]) for i in sorted(value)]
    if isinstance(value, dict):
        return {k: _densify(v) for k, v in value.items()}
    if isinstance(value, list):
        return [_densify(v) for v in value]
    return value


def select_json_ld(
    document: Mapping[str, Any], pointers: Sequence[str], *, include_types: bool = True
) -> dict[str, Any] | None:
    """vc-di-ecdsa 'selectJsonLd': the part of ``document`` the JSON pointers select.

    Every object on a selected path keeps its ``id`` (unless a blank node) and ``type``, so the
    selection still means the same thing; arrays keep the selected items in their order.
    """
    if not isinstance(document, Mapping):
        raise InvalidInput("document must be a JSON object", code="sd.document")
    # 1. No pointers, no selection.
    if not pointers:
        return None
    # 2-3. Start with the context (and top-level id/type).
    selection: dict[str, Any] = {"@context": copy.deepcopy(document.get("@context"))}
    selection.update(_initial_selection(dict(document), include_types))
    # 4. Select each pointer's path.
    for pointer in pointers:
        paths = json_pointer_to_paths(pointer)
        if not paths:
            return copy.deepcopy(dict(document))
        _select_paths(document, pointer, paths, selection, include_types)
    # 5. Dense arrays.
    out: dict[str, Any] = _densify(selection)
    return out


def select_canonical_nquads(
    pointers: Sequence[str],
    label_map: Mapping[str, str],
    skolemized_compact: Mapping[str, Any],
    *,
    loader: DocumentLoader,
) -> tuple[list[str], list[Quad]]:
    """vc-di-ecdsa 'selectCanonicalNQuads': (selected canonical N-Quads, their deskolemized quads)."""
    # 1. Select from the skolemized compact document.
    selection = select_json_ld(skolemized_compact, pointers)
    if selection is None:
        return [], []
    # 2. Deskolemized N-Quads of the selection.
    deskolemized = to_deskolemized_nquads(selection, loader=loader)
    # 3. Relabel with the canonical label map.
    return relabel_blank_nodes(deskolemized, label_map), deskolemized


@dataclass(frozen=True, slots=True)
class GroupResult:
    """One group: indexes (into the full canonical list) of the N-Quads it matched or not."""

    matching: dict[int, str]
    non_matching: dict[int, str]
    deskolemized_nquads: list[Quad]


@dataclass(frozen=True, slots=True)
class Grouped:
    """Result of :func:`canonicalize_and_group`."""

    groups: dict[str, GroupResult]
    skolemized: Skolemized
    deskolemized_nquads: list[Quad]
    label_map: dict[str, str]
    nquads: list[str]


def canonicalize_and_group(
    document: Mapping[str, Any],
    label_map_factory: LabelMapFactory,
    groups: Mapping[str, Sequence[str]],
    *,
    loader: DocumentLoader,
    random_string: str | None = None,
) -> Grouped:
    """vc-di-ecdsa 'canonicalizeAndGroup': canonical N-Quads, split per group of JSON pointers."""
    # 1. Skolemize.
    skolemized = skolemize_compact_json_ld(document, loader=loader, random_string=random_string)
    # 2. Deskolemized N-Quads of the whole document.
    deskolemized = to_deskolemized_nquads(skolemized.expanded, loader=loader, expanded=True)
    # 3. Canonical N-Quads with replaced labels, and the label map.
    nquads, label_map = label_replacement_canonicalize_nquads(deskolemized, label_map_factory)
    # 4-5. Each group's selection, and which canonical N-Quads it matched.
    results: dict[str, GroupResult] = {}
    for name, pointers in groups.items():
        selected, group_quads = select_canonical_nquads(
            pointers, label_map, skolemized.compact, loader=loader
        )
        chosen = set(selected)
        matching: dict[int, str] = {}
        non_matching: dict[int, str] = {}
        for index, nq in enumerate(nquads):
            (matching if nq in chosen else non_matching)[index] = nq
        results[name] = GroupResult(matching, non_matching, group_quads)
    # 6. Everything the callers need.
    return Grouped(results, skolemized, deskolemized, label_map, nquads)


def hash_mandatory_nquads(mandatory: Sequence[str]) -> bytes:
    """vc-di-ecdsa 'hashMandatoryNQuads': SHA-256 over the joined mandatory N-Quads.

    Bound into the BBS header, so a holder cannot drop or alter mandatory claims when deriving.
    """
    return hashlib.sha256("".join(mandatory).encode("utf-8")).digest()
