"""RDF Dataset Canonicalization (RDFC-1.0, W3C Recommendation 2024) with a work limit.

https://www.w3.org/TR/rdf-canon/

Quads are tuples of four *serialized* N-Quads terms ``(subject, predicate, object, graph)``:
IRIs as ``<iri>``, blank nodes as ``_:label``, literals in canonical N-Quads form, and ``""``
for the default graph. Keeping terms serialized makes the hashing steps (which hash N-Quads
text) cheap.

A crafted "poison" dataset (many blank nodes that first-degree hashing cannot tell apart) makes
the n-degree step exponential. As Digital Bazaar's ``rdf-canonize`` does, we bound the number of
Hash N-Degree Quads calls by ``(non-unique blank nodes) ** max_work_factor`` and additionally bound
the permutations examined (``PERMUTATIONS_PER_NODE`` per non-unique node); past either bound
:class:`LimitExceeded` is raised promptly. Our default factor is 2 (quadratic): rdf-canonize's
default of 1 already refuses two blank nodes that point at each other.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from ..errors import InvalidInput, LimitExceeded

__all__ = [
    "CanonicalResult",
    "Quad",
    "canonicalize",
    "escape_literal",
    "parse_nquads",
    "serialize_quad",
]

Quad = tuple[str, str, str, str]

#: Default bound on the total number of quads a dataset may have.
MAX_QUADS = 100_000
#: Permutations examined in total, per non-unique blank node, before giving up.
PERMUTATIONS_PER_NODE = 2_000


@dataclass(frozen=True, slots=True)
class CanonicalResult:
    """Canonical N-Quads (sorted, one line each with ``\\n``) and the issued identifiers.

    ``issued`` maps each input blank node label (without ``_:``) to its canonical label
    (``c14nN``, without ``_:``), in issue order — the spec's "canonical issuer" map, which the
    selective-disclosure algorithms need.
    """

    nquads: list[str]
    issued: dict[str, str] = field(default_factory=dict)

    @property
    def text(self) -> str:
        return "".join(self.nquads)


def serialize_quad(quad: Quad) -> str:
    s, p, o, g = quad
    if g:
        return f"{s} {p} {o} {g} .\n"
    return f"{s} {p} {o} .\n"


_ESCAPES = {
    0x08: "\\b",
    0x09: "\\t",
    0x0A: "\\n",
    0x0C: "\\f",
    0x0D: "\\r",
    0x22: '\\"',
    0x5C: "\\\\",
}
_ESCAPE_TABLE = {c: _ESCAPES.get(c, f"\\u{c:04X}") for c in [*range(0x20), 0x22, 0x5C, 0x7F]}
_NEEDS_ESCAPE = re.compile(r'[\x00-\x1f\x7f"\\]')


def escape_literal(value: str) -> str:
    """Canonical N-Quads string escaping (RDFC-1.0 §4.3 / RDF 1.2 N-Quads canonical form)."""
    if _NEEDS_ESCAPE.search(value) is None:
        return value
    return value.translate(_ESCAPE_TABLE)


class _Issuer:
    """Identifier Issuer (RDFC-1.0 §4.5)."""

    __slots__ = ("counter", "issued", "prefix")

    def __init__(self, prefix: str) -> None:
        self.prefix = prefix
        self.counter = 0
        self.issued: dict[str, str] = {}

    def issue(self, existing: str) -> str:
        got = self.issued.get(existing)
        if got is None:
            got = f"{self.prefix}{self.counter}"
            self.counter += 1
            self.issued[existing] = got
        return got

    def copy(self) -> _Issuer:
        new = _Issuer(self.prefix)
        new.counter = self.counter
        new.issued = dict(self.issued)
        return new


def _sha256_hex(data: str) -> str:
    return hashlib.sha256(data.encode("utf-8")).hexdigest()


class _Canonicalizer:
    def __init__(self, quads: Sequence[Quad], max_work_factor: int) -> None:
        self.quads = quads
        self.bnode_quads: dict[str, list[Quad]] = {}
        self.first_degree: dict[str, str] = {}
        self.canonical = _Issuer("c14n")
        self.max_work_factor = max_work_factor
        self.remaining_deep = 0
        self.remaining_perms = 0

    # 4.6 Hash First Degree Quads
    def hash_first_degree(self, ref: str) -> str:
        cached = self.first_degree.get(ref)
        if cached is not None:
            return cached
        ref_label = "_:" + ref
        lines = []
        for s, p, o, g in self.bnode_quads[ref]:
            # 3.1.1 The reference blank node becomes _:a, every other blank node _:z.
            if s.startswith("_:"):
                s = "_:a" if s == ref_label else "_:z"
            if o.startswith("_:"):
                o = "_:a" if o == ref_label else "_:z"
            if g.startswith("_:"):
                g = "_:a" if g == ref_label else "_:z"
            lines.append(serialize_quad((s, p, o, g)))
        lines.sort()
        digest = _sha256_hex("".join(lines))
        self.first_degree[ref] = digest
        return digest

    # 4.7 Hash Related Blank Node
    def hash_related(self, related: str, quad: Quad, issuer: _Issuer, position: str) -> str:
        if related in self.canonical.issued:
            ident = "_:" + self.canonical.issued[related]
        elif related in issuer.issued:
            ident = "_:" + issuer.issued[related]
        else:
            ident = self.hash_first_degree(related)
        data = position
        if position != "g":
            data += quad[1]
        return _sha256_hex(data + ident)

    # 4.8 Hash N-Degree Quads
    def hash_n_degree(self, ident: str, issuer: _Issuer) -> tuple[str, _Issuer]:
        if self.remaining_deep <= 0:
            raise LimitExceeded(
                "RDF canonicalization work limit exceeded (poison graph?)", code="rdfc.work_limit"
            )
        self.remaining_deep -= 1
        # 1-3. Hash to related blank nodes map.
        h2r: dict[str, list[str]] = {}
        label = "_:" + ident
        for quad in self.bnode_quads[ident]:
            s, _p, o, g = quad
            for term, pos in ((s, "s"), (o, "o"), (g, "g")):
                if term.startswith("_:") and term != label:
                    related = term[2:]
                    h = self.hash_related(related, quad, issuer, pos)
                    h2r.setdefault(h, []).append(related)
        # 4. data to hash
        md = hashlib.sha256()
        # 5. For each related hash, sorted.
        for rel_hash in sorted(h2r):
            blank_nodes = h2r[rel_hash]
            md.update(rel_hash.encode("ascii"))
            chosen_path = ""
            chosen_issuer: _Issuer | None = None
            # 5.4 For each permutation of the blank node list.
            for permutation in itertools.permutations(blank_nodes):
                self.remaining_perms -= 1
                if self.remaining_perms < 0:
                    raise LimitExceeded(
                        "RDF canonicalization work limit exceeded (poison graph?)", code="rdfc.work_limit"
                    )
                issuer_copy = issuer.copy()
                path = ""
                recursion: list[str] = []
                skip = False
                for related in permutation:
                    if related in self.canonical.issued:
                        path += "_:" + self.canonical.issued[related]
                    else:
                        if related not in issuer_copy.issued:
                            recursion.append(related)
                        path += "_:" + issuer_copy.issue(related)
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                for related in recursion:
                    result_hash, result_issuer = self.hash_n_degree(related, issuer_copy)
                    path += "_:" + issuer_copy.issue(related)
                    path += "<" + result_hash + ">"
                    issuer_copy = result_issuer
                    if chosen_path and len(path) >= len(chosen_path) and path > chosen_path:
                        skip = True
                        break
                if skip:
                    continue
                if not chosen_path or path < chosen_path:
                    chosen_path = path
                    chosen_issuer = issuer_copy
            md.update(chosen_path.encode("utf-8"))
            assert chosen_issuer is not None  # at least one permutation always completes
            issuer = chosen_issuer
        return md.hexdigest(), issuer

    # 4.4 Canonicalization Algorithm
    def run(self) -> CanonicalResult:
        # 2. blank node to quads map
        for quad in self.quads:
            s, _p, o, g = quad
            for term in (s, o, g):
                if term.startswith("_:"):
                    lst = self.bnode_quads.setdefault(term[2:], [])
                    if not lst or lst[-1] is not quad:
                        lst.append(quad)
        # 3-5. Issue canonical identifiers for nodes with a unique first-degree hash.
        hash_to_bnodes: dict[str, list[str]] = {}
        for ident in self.bnode_quads:
            hash_to_bnodes.setdefault(self.hash_first_degree(ident), []).append(ident)
        non_unique: list[list[str]] = []
        for h in sorted(hash_to_bnodes):
            ids = hash_to_bnodes[h]
            if len(ids) == 1:
                self.canonical.issue(ids[0])
            else:
                non_unique.append(ids)
        # Work limit, as rdf-canonize: deep iterations <= (non-unique count) ** factor.
        count = sum(len(ids) for ids in non_unique)
        self.remaining_deep = count**self.max_work_factor if self.max_work_factor > 0 else 0
        self.remaining_perms = max(1, count) * PERMUTATIONS_PER_NODE
        # 6. n-degree hashing for the rest.
        for ids in non_unique:
            paths: list[tuple[str, _Issuer]] = []
            for ident in ids:
                if ident in self.canonical.issued:
                    continue
                temp = _Issuer("b")
                temp.issue(ident)
                paths.append(self.hash_n_degree(ident, temp))
            for _h, result_issuer in sorted(paths, key=lambda r: r[0]):
                for existing in result_issuer.issued:
                    self.canonical.issue(existing)
        # 7. Relabel and sort.
        issued = self.canonical.issued
        out = []
        for s, p, o, g in self.quads:
            if s.startswith("_:"):
                s = "_:" + issued[s[2:]]
            if o.startswith("_:"):
                o = "_:" + issued[o[2:]]
            if g.startswith("_:"):
                g = "_:" + issued[g[2:]]
            out.append(serialize_quad((s, p, o, g)))
        out = sorted(set(out))
        return CanonicalResult(nquads=out, issued=dict(issued))


def canonicalize(
    quads: Iterable[Quad], *, max_work_factor: int = 2, max_quads: int = MAX_QUADS
) -> CanonicalResult:
    """RDFC-1.0 over ``quads``; duplicate quads are removed (a dataset is a set).

    Raises :class:`LimitExceeded` for datasets over ``max_quads`` or whose blank nodes need more
    n-degree work than ``max_work_factor`` allows.
    """
    unique = list(dict.fromkeys(quads))
    if len(unique) > max_quads:
        raise LimitExceeded(f"dataset has more than {max_quads} quads", code="rdfc.too_many_quads")
    return _Canonicalizer(unique, max_work_factor).run()


# ---------------------------------------------------------------------------------------------
# N-Quads parsing (for canonical N-Quads handed to us, e.g. vectors and the selective-disclosure
# steps that re-canonicalize N-Quads). Accepts the canonical subset we emit plus ordinary
# escapes; anything else is InvalidInput.

_IRI = r"<([^\x00-\x20<>\"{}|^`\\]*)>"
_BNODE = r"_:([A-Za-z0-9_\-.]+)"
_LITERAL = r'"((?:[^"\\\n\r]|\\.)*)"(?:\^\^<([^\x00-\x20<>\"{}|^`\\]*)>|@([a-zA-Z]+(?:-[a-zA-Z0-9]+)*))?'
_TERM_SO = rf"(?:{_IRI}|{_BNODE})"
_QUAD_RE = re.compile(
    rf"^[ \t]*(?P<s>{_IRI}|{_BNODE})[ \t]+(?P<p>{_IRI})[ \t]+(?P<o>{_IRI}|{_BNODE}|{_LITERAL})"
    rf"(?:[ \t]+(?P<g>{_IRI}|{_BNODE}))?[ \t]*\.[ \t]*$"
)
_UNESCAPE = re.compile(r'\\(?:u([0-9A-Fa-f]{4})|U([0-9A-Fa-f]{8})|([btnrf"\'\\]))')
_ECHAR = {"b": "\b", "t": "\t", "n": "\n", "r": "\r", "f": "\f", '"': '"', "'": "'", "\\": "\\"}


def _unescape(s: str) -> str:
    def rep(m: re.Match[str]) -> str:
        if m.group(1) or m.group(2):
            return chr(int(m.group(1) or m.group(2), 16))
        return _ECHAR[m.group(3)]

    out = _UNESCAPE.sub(rep, s)
    if "\\" in _UNESCAPE.sub("", s):
        raise InvalidInput("invalid escape in N-Quads literal", code="nquads.syntax")
    return out


def _canon_literal(raw: str) -> str:
    """Re-serialize a parsed literal term in canonical form."""
    m = re.fullmatch(_LITERAL, raw)
    if m is None:  # pragma: no cover - guarded by _QUAD_RE
        raise InvalidInput("bad literal", code="nquads.syntax")
    value = escape_literal(_unescape(m.group(1)))
    if m.group(2) is not None and m.group(2) != "http://www.w3.org/2001/XMLSchema#string":
        return f'"{value}"^^<{m.group(2)}>'
    if m.group(3) is not None:
        return f'"{value}"@{m.group(3)}'
    return f'"{value}"'


def parse_nquads(text: str) -> list[Quad]:
    """Parse N-Quads into serialized-term quads (literals re-serialized canonically)."""
    try:  # Text only, and UTF-8 encodable (no lone surrogates): the hashes need the bytes.
        text.encode("utf-8")
    except (AttributeError, UnicodeEncodeError) as exc:
        raise InvalidInput("N-Quads must be UTF-8 text", code="nquads.syntax") from exc
    if re.search("[\ud800-\udfff]", text):
        raise InvalidInput("N-Quads hold a lone UTF-16 surrogate", code="nquads.syntax")
    quads: list[Quad] = []
    for lineno, line in enumerate(text.split("\n"), 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        m = _QUAD_RE.match(line)
        if m is None:
            raise InvalidInput(f"invalid N-Quads syntax on line {lineno}", code="nquads.syntax")
        obj = m.group("o")
        if obj.startswith('"'):
            obj = _canon_literal(obj)
        quads.append((m.group("s"), m.group("p"), obj, m.group("g") or ""))
    return quads
