"""Group-arithmetic backends for BBS: a pure-Python reference and a native (arkworks) one.

The BBS algorithms in :mod:`didkit_py.bbs.core` are written once against the small
:class:`Backend` protocol below; a backend only supplies BLS12-381 group operations
(deserialization with subgroup checks, multi-scalar multiplication, map-to-curve, one
multi-pairing check). Scalars cross the boundary as Python ``int`` in ``[0, r)``.

Selection (:func:`get_backend`): an explicit name or object wins; otherwise the environment
variable ``DIDKIT_BBS_BACKEND`` (``reference`` or ``native``) forces one; otherwise the native
backend is used when ``py-arkworks-bls12381`` imports, else the reference backend.

Each backend object owns a bounded generator cache (:class:`GeneratorCache`): BBS generators
depend only on the suite and their index, so they are computed once per suite and reused for
every count up to :data:`MAX_CACHED_GENERATORS`. :func:`get_backend` returns one backend object
per name for the process (``functools.lru_cache`` on a pure constructor), which is what makes the
cache effective; pass your own instance (``NativeBackend()``) to get a private cache.
"""

from __future__ import annotations

import functools
import os
import threading
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from typing import Any, Protocol, runtime_checkable

from ...errors import InvalidInput, UnsupportedError
from ..ciphersuites import FIELD_MODULUS

__all__ = [
    "BACKEND_ENV",
    "MAX_CACHED_GENERATORS",
    "Backend",
    "GeneratorCache",
    "available_backends",
    "check_point_encoding",
    "get_backend",
]

#: The environment variable that forces a backend.
BACKEND_ENV = "DIDKIT_BBS_BACKEND"
#: Generators kept per suite (api.MAX_MESSAGES + 1); a request for more is computed uncached.
MAX_CACHED_GENERATORS = 4097
#: Distinct generator sequences (suite api_id, seed) kept per backend.
_MAX_CACHED_SEQUENCES = 8

#: Opaque backend group elements (each backend has its own representation).
G1 = Any
G2 = Any


@runtime_checkable
class Backend(Protocol):
    """BLS12-381 operations the BBS algorithms need. Points are opaque to callers."""

    name: str
    generator_cache: GeneratorCache

    def g1_from_bytes(self, data: bytes) -> G1:
        """octets_to_point_g1 plus subgroup_check; identity is returned, not rejected.

        Raises :class:`InvalidInput` for a non-canonical encoding, a point off the curve or
        outside the prime-order subgroup.
        """
        ...

    def g1_to_bytes(self, point: G1) -> bytes:
        """point_to_octets_g1: 48-byte compressed (ZCash) encoding."""
        ...

    def g1_is_identity(self, point: G1) -> bool: ...

    def g1_map_to_curve(self, u0: int, u1: int) -> G1:
        """RFC 9380 hash_to_curve after hash_to_field: clear_cofactor(map(u0) + map(u1))."""
        ...

    def g1_msm(self, points: Sequence[G1], scalars: Sequence[int]) -> G1:
        """sum(scalars[i] * points[i]); scalars are ints in [0, r)."""
        ...

    def g2_from_bytes(self, data: bytes) -> G2:
        """octets_to_point_g2 plus subgroup_check (identity returned, not rejected)."""
        ...

    def g2_to_bytes(self, point: G2) -> bytes: ...

    def g2_is_identity(self, point: G2) -> bool: ...

    def g2_generator_mul(self, scalar: int) -> G2:
        """scalar * BP2, the G2 base point of BLS12-381."""
        ...

    def pairing_check(self, g1s: Sequence[G1], g2s: Sequence[G2]) -> bool:
        """True iff prod e(g1s[i], g2s[i]) == Identity_GT (one final exponentiation)."""
        ...

    def g2_generator(self) -> G2:
        """BP2, the G2 base point."""
        ...

    def g2_neg_generator(self) -> G2:
        """-BP2."""
        ...


def check_point_encoding(data: bytes, length: int) -> None:
    """Reject non-canonical compressed encodings before any library sees them.

    ZCash serialization (the ciphersuites' point_to_octets_*): the top three bits of the first octet
    are (compressed, infinity, sign). Canonical means: compressed bit set; for infinity the sign
    bit and every other bit clear; otherwise each field element of x below p. Some libraries
    accept the non-canonical variants, which would make two byte strings name one point.
    """
    if len(data) != length:
        raise InvalidInput(f"point must be {length} octets", code="bbs.point_length")
    flags = data[0] & 0xE0
    if not flags & 0x80:
        raise InvalidInput("point is not in compressed form", code="bbs.point_encoding")
    if flags & 0x40:
        if flags & 0x20 or data[0] & 0x1F or any(data[1:]):
            raise InvalidInput("non-canonical encoding of the identity", code="bbs.point_encoding")
        return
    words = [int.from_bytes(data[i : i + 48], "big") for i in range(0, length, 48)]
    words[0] &= (1 << (48 * 8 - 3)) - 1
    if any(w >= FIELD_MODULUS for w in words):
        raise InvalidInput("point coordinate not reduced modulo p", code="bbs.point_encoding")


class GeneratorCache:
    """A bounded, thread-safe cache of generator sequences, one per (api_id, seed).

    ``get(key, count, stream)`` returns the first ``count`` points of the sequence ``key``; the
    sequence is produced lazily by ``stream()`` (an iterator of generators in index order), so
    asking for 11 and later for 101 generators hashes each generator once.
    """

    def __init__(self, max_points: int = MAX_CACHED_GENERATORS, max_sequences: int = _MAX_CACHED_SEQUENCES):
        self._max_points = max_points
        self._max_sequences = max_sequences
        self._lock = threading.Lock()
        self._entries: OrderedDict[bytes, tuple[list[G1], Iterator[G1]]] = OrderedDict()

    def get(self, key: bytes, count: int, stream: Callable[[], Iterator[G1]]) -> list[G1]:
        if count > self._max_points:
            it = stream()
            return [next(it) for _ in range(count)]
        with self._lock:
            entry = self._entries.get(key)
            if entry is None:
                entry = ([], stream())
                self._entries[key] = entry
                while len(self._entries) > self._max_sequences:
                    self._entries.popitem(last=False)
            else:
                self._entries.move_to_end(key)
            points, it = entry
            while len(points) < count:
                points.append(next(it))
            return points[:count]

    def clear(self) -> None:
        with self._lock:
            self._entries.clear()


def available_backends() -> list[str]:
    """Names of the backends that import here, preferred first."""
    names = []
    try:
        import py_arkworks_bls12381  # noqa: F401
    except ImportError:
        pass
    else:
        names.append("native")
    names.append("reference")
    return names


@functools.lru_cache(maxsize=4)
def _backend_named(name: str) -> Backend:
    # One object per name for the process: pure construction, cached so generator caches live on.
    if name == "native":
        try:
            from .native import NativeBackend
        except ImportError as exc:
            raise UnsupportedError(
                "the native BBS backend needs py-arkworks-bls12381 (pip install didkit-py[fast])",
                code="bbs.backend",
            ) from exc
        return NativeBackend()
    if name == "reference":
        from .reference import ReferenceBackend

        return ReferenceBackend()
    raise InvalidInput("unknown BBS backend (use 'native' or 'reference')", code="bbs.backend")


def get_backend(backend: Backend | str | None = None) -> Backend:
    """Resolve a backend: an object as is, a name, ``$DIDKIT_BBS_BACKEND``, else the best available."""
    if backend is not None and not isinstance(backend, str):
        return backend
    name = backend or os.environ.get(BACKEND_ENV, "").strip().lower() or available_backends()[0]
    return _backend_named(name)
