"""Cryptosuite names → implementations (imported on first use)."""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any, Final

from ...errors import InvalidInput, UnsupportedError

if TYPE_CHECKING:
    from .proof import Cryptosuite

__all__ = ["CRYPTOSUITES", "get_cryptosuite"]

#: Supported cryptosuites: name → ``module:attribute``.
CRYPTOSUITES: Final[dict[str, str]] = {
    "eddsa-rdfc-2022": "didkit_py.suites.data_integrity.eddsa_rdfc_2022:EDDSA_RDFC_2022",
    "ecdsa-rdfc-2019": "didkit_py.suites.data_integrity.ecdsa_rdfc_2019:ECDSA_RDFC_2019",
    "bbs-2023": "didkit_py.suites.data_integrity.bbs_2023:BBS_2023",
}


def get_cryptosuite(name: Any) -> Cryptosuite:
    if not isinstance(name, str):
        raise InvalidInput("cryptosuite must be a string", code="proof.cryptosuite", at="cryptosuite")
    target = CRYPTOSUITES.get(name)
    if target is None:
        raise UnsupportedError(
            f"unsupported cryptosuite {name!r}", code="proof.cryptosuite", at="cryptosuite"
        )
    module, _, attr = target.partition(":")
    suite: Cryptosuite = getattr(importlib.import_module(module), attr)
    return suite
