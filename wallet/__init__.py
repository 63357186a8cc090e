"""The holder's wallet: an encrypted local store, holder DIDs, receive (OpenID4VCI), match and
present (OpenID4VP) — the ``wallet`` command. See ``docs/wallet.md``.
"""

from __future__ import annotations

from .settings import WalletSettings
from .store import Record, WalletStore

__all__ = ["Record", "WalletSettings", "WalletStore"]
