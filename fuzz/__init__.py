"""Fuzzing harness for every parser of outside input (issue #13, item 1).

- :mod:`fuzz.corpus` issues VALID credentials and presentations in every format we make
  (``vc+jwt``, ``eddsa-rdfc-2022``, ``ecdsa-rdfc-2019``, derived ``bbs-2023``, SD-JWT VC with
  Key Binding) plus seed inputs for each parser.
- :mod:`fuzz.mutate` is the mutation engine: byte-level (bit flips, splices, truncation,
  interesting bytes) and structure-aware (JSON values, JWT segments, SD-JWT disclosures).
- :mod:`fuzz.targets` lists one target per parser and the tamper targets that assert a mutated
  credential is never reported verified unless the change is semantically neutral.
- :mod:`fuzz.strategies` exposes the same engine as hypothesis strategies (shrinkable).
- ``python fuzz/run.py --minutes N [--target T]`` runs long and prints the table.

Outcome of one case (see :func:`fuzz.targets.run_case`): ``ok`` (parsed, or rejected with a
:class:`~didkit_py.errors.DidkitError`), ``crash`` (any other exception, a hang, or a
``RecursionError``), ``accepted`` (a tamper target verified a non-neutral mutation).
"""
