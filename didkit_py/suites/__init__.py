"""Securing formats for credentials and presentations.

- :mod:`.jose` — W3C VC-JOSE-COSE ``vc+jwt`` / ``vp+jwt``.
- :mod:`.sd_jwt` — SD-JWT VC (``dc+sd-jwt``, RFC 9901 SD-JWT) with key binding.
- :mod:`.data_integrity` — W3C Data Integrity: ``eddsa-rdfc-2022``, ``ecdsa-rdfc-2019``, ``bbs-2023``.

Each exposes a ``FORMAT`` object implementing
:class:`didkit_py.credentials.formats.SecuringFormat`, listed in
:data:`didkit_py.credentials.formats.FORMAT_TABLE`; applications normally go through
:func:`didkit_py.credentials.issue` / :func:`~didkit_py.credentials.verify` rather than these
modules directly.
"""
