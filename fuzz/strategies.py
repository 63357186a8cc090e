"""Hypothesis strategies over the same engine, so the test suite shrinks what it finds.

- :func:`json_values` — any JSON value (incl. huge ints, lone surrogates, awkward keys).
- :func:`raw_inputs` — text, bytes, JSON values and non-JSON Python values, from scratch.
- :func:`cases` — a seed of ``target`` mutated by :class:`~fuzz.mutate.Mutator` driven by a
  hypothesis-controlled ``random.Random`` (hypothesis shrinks the choices, not the bytes).
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from .mutate import INTERESTING_KEYS, INTERESTING_STRINGS, Mutator
from .targets import TARGETS

__all__ = ["cases", "json_values", "raw_inputs"]


def json_values(max_leaves: int = 30) -> st.SearchStrategy[Any]:
    keys = st.one_of(st.sampled_from(INTERESTING_KEYS), st.text(max_size=12))
    scalars = st.one_of(
        st.none(),
        st.booleans(),
        st.integers(),
        st.floats(allow_nan=False, allow_infinity=False),
        st.text(max_size=40),
        st.sampled_from(INTERESTING_STRINGS),
    )
    return st.recursive(
        scalars,
        lambda children: st.one_of(
            st.lists(children, max_size=5), st.dictionaries(keys, children, max_size=6)
        ),
        max_leaves=max_leaves,
    )


def raw_inputs() -> st.SearchStrategy[Any]:
    return st.one_of(
        st.text(max_size=200),
        st.binary(max_size=200),
        json_values(),
        st.sampled_from([None, 0, 1.5, b"", (), object()]),
    )


def cases(name: str) -> st.SearchStrategy[Any]:
    target = TARGETS[name]
    seeds = target.seeds()

    @st.composite
    def build(draw: st.DrawFn) -> Any:
        rnd = draw(st.randoms(use_true_random=False))
        seed = seeds[rnd.randrange(len(seeds))]
        return target.mutate(Mutator(rnd), seed)

    return build()
