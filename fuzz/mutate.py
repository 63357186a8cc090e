"""The mutation engine: byte-level and structure-aware mutations driven by one ``random.Random``.

Every mutation is a pure function of the input and the RNG state, so a case is reproduced by
its seed, and hypothesis can drive the same engine through ``st.randoms()`` and shrink it.

- :meth:`Mutator.bytes_` — bit flips, byte sets, interesting bytes, insert/delete/duplicate/swap
  ranges, truncation, splicing in interesting tokens (huge numbers, deep nesting, escapes),
  and (rarely) a range repeated up to 64 KiB–1 MiB, so superlinear parsing shows as a hang.
- :meth:`Mutator.text` — the same on UTF-8, plus awkward code points (NUL, BOM, RTL override,
  lone surrogates, non-characters, combining marks).
- :meth:`Mutator.json` — a JSON value edited at a random node: delete/add/rename keys, change
  types, interesting values, wrap/unwrap in arrays, duplicate/drop/shuffle array items, graft
  a subtree elsewhere, mutate a string or number in place.
- :meth:`Mutator.compact` — a JWS / SD-JWT: edit one segment decoded (JSON-aware) and re-encode
  it, or edit its base64url text, drop/duplicate/reorder ``~`` parts, strip or swap the
  signature, ``alg: none``, ECDSA ``(r, n - s)``.
- :meth:`Mutator.document` — a JSON document as an object (structure) or as text (bytes).
"""

from __future__ import annotations

import copy
import json
import random
from typing import Any

from didkit_py._encoding import b64url_decode, b64url_encode

__all__ = ["INTERESTING_STRINGS", "INTERESTING_VALUES", "P256_ORDER", "Mutator"]

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
SECP256K1_ORDER = 0xFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFFEBAAEDCE6AF48A03BBFD25E8CD0364141
MAX_SIZE = 1 << 20  # keep single cases under ~1 MiB

INTERESTING_BYTES = b'\x00\x01\x7f\x80\xff"\\{}[].~%#:;?/=+-_ \t\n\r,@u'
INTERESTING_TOKENS: tuple[bytes, ...] = (
    b"1e999999",
    b"-0",
    b"18446744073709551616",
    b"9" * 5000,
    b"NaN",
    b"Infinity",
    b"null",
    b"true",
    b'"\\ud800"',
    b'"\\u0000"',
    b"[" * 3000,
    b'{"a":' * 3000,
    b'"__proto__"',
    b'"@context"',
    b'"@id"',
    b'"@type"',
    b'"_sd"',
    b'"..."',
    b"\xef\xbb\xbf",
    b"\xc0\xaf",
    b"\xed\xa0\x80",
    b"%00",
    b"%ZZ",
    b"did:",
    b"#",
    b"~",
    b".",
    b"==",
)
INTERESTING_STRINGS: tuple[str, ...] = (
    "",
    " ",
    "\x00",
    "\ufeff",
    "\u202e",
    "\ud800",
    "\uffff",
    "e\u0301",
    "\U0001f600",
    "a" * 10000,
    "did:key:z",
    "did:jwk:e30",
    "did:web:127.0.0.1",
    "did:web:localhost%3A1",
    "https://127.0.0.1/",
    "http://[::1]/",
    "file:///etc/passwd",
    "data:,x",
    "urn:uuid:x",
    "_:b0",
    "@id",
    "@type",
    "@context",
    "@vocab",
    "https://www.w3.org/ns/credentials/v2",
    "https://www.w3.org/2018/credentials/v1",
    "VerifiableCredential",
    "DataIntegrityProof",
    "EnvelopedVerifiableCredential",
    "2024-02-30T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "0000-01-01T00:00:00Z",
    "2025-01-01T00:00:00+14:00",
    "none",
    "HS256",
    "ES256",
    "EdDSA",
    "u",
    "z",
    "uAA",
    "$..*",
    "$[?(@.a)]",
    "../../",
    "%00",
)
INTERESTING_VALUES: tuple[Any, ...] = (
    None,
    True,
    False,
    0,
    -1,
    1,
    2**31,
    2**63,
    2**64 + 1,
    -(2**64),
    10**400,
    0.5,
    -0.0,
    1e308,
    1.0,
    "",
    [],
    {},
    [None],
    [[]],
    {"": None},
    {"@id": "_:b0"},
    {"@value": 1, "@type": "xsd:integer"},
)
INTERESTING_KEYS: tuple[str, ...] = (
    "@context",
    "@id",
    "@type",
    "@value",
    "@graph",
    "@included",
    "@reverse",
    "@nest",
    "id",
    "type",
    "proof",
    "issuer",
    "credentialSubject",
    "validFrom",
    "validUntil",
    "credentialStatus",
    "holder",
    "verifiableCredential",
    "cryptosuite",
    "proofValue",
    "verificationMethod",
    "proofPurpose",
    "created",
    "expires",
    "challenge",
    "domain",
    "previousProof",
    "_sd",
    "_sd_alg",
    "...",
    "cnf",
    "iss",
    "sub",
    "nbf",
    "exp",
    "iat",
    "vct",
    "status",
    "alg",
    "kid",
    "typ",
    "crit",
    "jwk",
    "x5c",
    "b64",
    "__proto__",
    "constructor",
    "",
)


def _json_dumps(value: Any) -> str:
    return json.dumps(value, ensure_ascii=False, separators=(",", ":"))


class Mutator:
    """Mutations drawn from ``rng``; each method returns a new value and never edits its input."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng

    # -- bytes / text -------------------------------------------------------------------------
    def bytes_(self, data: bytes, *, rounds: int | None = None) -> bytes:
        r = self.rng
        buf = bytearray(data)
        for _ in range(rounds or r.choice((1, 1, 1, 2, 3, 5))):
            op = r.randrange(11)
            n = len(buf)
            if n and r.random() < 0.004:  # inflate: repeat a range up to 64 KiB .. 1 MiB
                # Finds work superlinear in the input size (a quadratic decoder is a hang).
                i = r.randrange(n)
                chunk = bytes(buf[i : i + r.randint(1, 16)])
                size = r.choice((1 << 16, 1 << 18, MAX_SIZE))
                buf[i:i] = chunk * (size // len(chunk))
            elif op == 0 and n:  # flip one bit
                i = r.randrange(n)
                buf[i] ^= 1 << r.randrange(8)
            elif op == 1 and n:  # set a byte
                buf[r.randrange(n)] = r.randrange(256)
            elif op == 2 and n:  # an interesting byte
                buf[r.randrange(n)] = r.choice(INTERESTING_BYTES)
            elif op == 3:  # insert random bytes
                i = r.randrange(n + 1)
                buf[i:i] = bytes(r.randrange(256) for _ in range(r.randint(1, 8)))
            elif op == 4 and n:  # delete a range
                i = r.randrange(n)
                del buf[i : i + r.randint(1, max(1, min(64, n - i)))]
            elif op == 5 and n:  # duplicate a range
                i = r.randrange(n)
                j = min(n, i + r.randint(1, 64))
                buf[j:j] = buf[i:j] * r.choice((1, 1, 2, 16))
            elif op == 6 and n:  # truncate
                del buf[r.randrange(n) :]
            elif op == 7:  # splice an interesting token
                i = r.randrange(n + 1)
                buf[i:i] = r.choice(INTERESTING_TOKENS)
            elif op == 8 and n > 2:  # swap two ranges
                i, j = sorted(r.sample(range(n), 2))
                k = r.randint(1, max(1, min(16, j - i)))
                a, b = bytes(buf[i : i + k]), bytes(buf[j : j + k])
                buf[j : j + k] = a
                buf[i : i + k] = b
            elif op == 9 and n:  # overwrite with a token
                i = r.randrange(n)
                tok = r.choice(INTERESTING_TOKENS)
                buf[i : i + len(tok)] = tok
            elif n:  # increment / decrement a byte
                i = r.randrange(n)
                buf[i] = (buf[i] + r.choice((1, -1))) % 256
            if len(buf) > MAX_SIZE:
                del buf[MAX_SIZE:]
        return bytes(buf)

    def text(self, s: str) -> str:
        r = self.rng
        if r.random() < 0.3:
            i = r.randrange(len(s) + 1)
            ins = r.choice(INTERESTING_STRINGS) if r.random() < 0.7 else chr(r.randrange(0x110000))
            if r.random() < 0.5:
                return s[:i] + ins + s[i:]
            return s[:i] + ins + s[i + r.randint(1, 8) :]
        return self.bytes_(s.encode("utf-8", "surrogatepass")).decode("utf-8", "replace")

    # -- JSON values --------------------------------------------------------------------------
    def _paths(
        self, value: Any, path: tuple[Any, ...] = (), out: list[tuple[Any, ...]] | None = None
    ) -> list[tuple[Any, ...]]:
        out = [] if out is None else out
        out.append(path)
        if len(out) > 5000:
            return out
        if isinstance(value, dict):
            for k, v in value.items():
                self._paths(v, (*path, k), out)
        elif isinstance(value, list):
            for i, v in enumerate(value):
                self._paths(v, (*path, i), out)
        return out

    @staticmethod
    def _get(value: Any, path: tuple[Any, ...]) -> Any:
        for p in path:
            value = value[p]
        return value

    def _scalar(self, old: Any) -> Any:
        r = self.rng
        if isinstance(old, str) and r.random() < 0.6:
            return self.text(old)
        if isinstance(old, bool):
            return not old if r.random() < 0.5 else r.choice(INTERESTING_VALUES)
        if isinstance(old, int) and r.random() < 0.6:
            return (
                old + r.choice((1, -1, 2**32, -(2**53), 10**20))
                if r.random() < 0.7
                else float(old)
                if abs(old) < 2**1000
                else -old
            )
        if isinstance(old, float) and r.random() < 0.5:
            return old * r.choice((-1.0, 2.0, 1e300))
        if r.random() < 0.5:
            return copy.deepcopy(r.choice(INTERESTING_VALUES))
        return r.choice(INTERESTING_STRINGS)

    def json(self, value: Any, *, rounds: int | None = None) -> Any:
        r = self.rng
        root = copy.deepcopy(value)
        for _ in range(rounds or r.choice((1, 1, 1, 2, 3))):
            paths = self._paths(root)
            path = r.choice(paths)
            node = self._get(root, path)
            parent = self._get(root, path[:-1]) if path else None
            op = r.randrange(12)
            new: Any = node
            if op == 0 and isinstance(node, dict) and node:  # delete a key
                del node[r.choice(list(node))]
                continue
            if op == 1 and isinstance(node, dict):  # add a key
                key = r.choice(INTERESTING_KEYS) if r.random() < 0.8 else self.text("k")
                other = self._get(root, r.choice(paths))
                node[key] = (
                    copy.deepcopy(other) if r.random() < 0.5 else copy.deepcopy(r.choice(INTERESTING_VALUES))
                )
                continue
            if op == 2 and isinstance(node, dict) and node:  # rename a key
                k = r.choice(list(node))
                nk = r.choice(INTERESTING_KEYS) if r.random() < 0.5 else self.text(k)
                node[nk] = node.pop(k)
                continue
            if op == 3 and isinstance(node, list) and node:  # duplicate / drop / shuffle items
                choice = r.randrange(3)
                if choice == 0:
                    node.insert(r.randrange(len(node) + 1), copy.deepcopy(r.choice(node)))
                elif choice == 1:
                    del node[r.randrange(len(node))]
                else:
                    r.shuffle(node)
                continue
            if op == 4:  # wrap in an array
                new = [node]
            elif op == 5 and isinstance(node, list) and len(node) == 1:  # unwrap
                new = node[0]
            elif op == 6:  # graft another subtree here
                new = copy.deepcopy(self._get(root, r.choice(paths)))
            elif op == 7:  # nest deeply
                new = node
                for _ in range(r.choice((10, 100, 200))):
                    new = [new] if r.random() < 0.5 else {"a": new}
            elif op == 8 and isinstance(node, str):  # a string as a number / object
                new = r.choice((len(node), {"@value": node}, [node, node], node.upper(), node + node))
            elif op == 9 and isinstance(node, list | dict):  # empty the container
                new = type(node)()
            else:
                new = self._scalar(node)
            if not path:
                root = new
            else:
                parent[path[-1]] = new
        return root

    def document(self, doc: Any) -> Any:
        """A JSON document mutated as a structure (70%) or as serialized text (30%).

        Text that no longer parses is returned as ``str`` (parsers must refuse it cleanly).
        """
        if self.rng.random() < 0.7:
            return self.json(doc)
        text = (
            _json_dumps(doc)
            if self.rng.random() < 0.5
            else json.dumps(doc, indent=self.rng.choice((None, 1)))
        )
        mutated = self.text(text)
        try:
            return json.loads(mutated)
        except (ValueError, RecursionError):
            return mutated

    # -- compact JWS / SD-JWT -----------------------------------------------------------------
    def compact(self, token: str) -> str:
        r = self.rng
        op = r.randrange(10)
        if op == 0:
            return self.text(token)
        tildes = token.split("~")
        if op == 1 and len(tildes) > 2:  # drop / duplicate / reorder disclosures or the KB-JWT
            parts = tildes[:]
            i = r.randrange(1, len(parts))
            choice = r.randrange(4)
            if choice == 0:
                del parts[i]
            elif choice == 1:
                parts.insert(i, parts[r.randrange(1, len(parts))])
            elif choice == 2:
                j = r.randrange(1, len(parts))
                parts[i], parts[j] = parts[j], parts[i]
            else:
                parts[-1] = ""  # strip the KB-JWT
            return "~".join(parts)
        # Pick one dot-separated base64url segment of one JWS (issuer JWT, disclosure, or KB-JWT).
        ti = r.randrange(len(tildes))
        if not tildes[ti]:
            return self.text(token)
        segs = tildes[ti].split(".")
        si = r.randrange(len(segs))
        seg = segs[si]
        if op == 2:  # ECDSA malleability: (r, s) -> (r, n - s) in a 64-byte signature
            try:
                sig = b64url_decode(segs[-1])
            except Exception:
                return self.text(token)
            if len(sig) == 64:
                s = int.from_bytes(sig[32:], "big")
                n = r.choice((P256_ORDER, SECP256K1_ORDER))
                if 0 < s < n:
                    segs[-1] = b64url_encode(sig[:32] + (n - s).to_bytes(32, "big"))
        elif op == 3 and len(segs) == 3:  # alg none / strip / swap signature
            choice = r.randrange(3)
            if choice == 0:
                header = {"alg": "none", "typ": "vc+jwt"}
                segs = [b64url_encode(_json_dumps(header).encode()), segs[1], ""]
            elif choice == 1:
                segs[2] = ""
            else:
                segs[2] = b64url_encode(bytes(r.randrange(256) for _ in range(64)))
        elif op in (4, 5, 6):  # decode, mutate the JSON or bytes, re-encode (canonically)
            try:
                raw = b64url_decode(seg)
            except Exception:
                return self.text(token)
            try:
                value = json.loads(raw)
                if op == 6:
                    raise ValueError
                segs[si] = b64url_encode(_json_dumps(self.json(value)).encode("utf-8", "surrogatepass"))
            except ValueError:
                segs[si] = b64url_encode(self.bytes_(raw))
        else:  # edit the base64url text of the segment
            segs[si] = self.text(seg)
        tildes[ti] = ".".join(segs)
        return "~".join(tildes)
