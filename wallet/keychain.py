"""The wallet passphrase in the OS keyring (optional: the ``keyring`` extra).

``wallet init --keyring`` (or ``wallet keyring store``) saves the passphrase in the platform's
keyring (macOS Keychain, Windows Credential Locker, Secret Service / KWallet on Linux) under
the service :data:`SERVICE` and the store file's absolute path, so several wallets on one
machine do not collide. Later commands read it when ``DIDKIT_WALLET_PASSPHRASE`` is unset,
before prompting.

The keyring is a convenience, never a requirement: without the package or without a usable
backend (a headless server, a container) every lookup quietly finds nothing and the wallet
prompts as before; only asking to *store* there fails, with a message saying why. Nothing here
logs or repeats the passphrase.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

from didkit_py.errors import StorageError, UnsupportedError

__all__ = ["SERVICE", "available", "delete_passphrase", "get_passphrase", "require", "set_passphrase"]

log = logging.getLogger(__name__)

#: The keyring "service" name of every wallet entry (the "username" is the store path).
SERVICE = "didkit-wallet"


def _entry(path: Path) -> str:
    return str(path.expanduser().resolve())


def _backend() -> tuple[Any, Any] | None:
    """``(keyring module, backend)``, or None when the package or a usable backend is missing."""
    try:
        import keyring
        from keyring.backends import fail
    except ImportError:
        return None
    try:
        backend = keyring.get_keyring()
    except Exception:  # a broken keyring configuration must not break the wallet
        log.debug("keyring backend could not be loaded", exc_info=True)
        return None
    if isinstance(backend, fail.Keyring):
        return None
    # The chainer with nothing to chain, or a backend that reports itself unusable.
    if getattr(backend, "backends", None) == [] or getattr(backend, "priority", 1) <= 0:
        return None
    return keyring, backend


def available() -> bool:
    """Whether a usable OS keyring backend is present."""
    return _backend() is not None


def require() -> None:
    """Fail clearly when the passphrase cannot go to a keyring (before anything is created)."""
    try:
        import keyring  # noqa: F401
    except ImportError:
        raise UnsupportedError(
            "the OS keyring needs the keyring extra: pip install 'didkit-py[keyring]'",
            code="wallet.keyring_unavailable",
        ) from None
    if _backend() is None:
        raise UnsupportedError(
            "no OS keyring is available here (no Secret Service, Keychain or Credential Locker); "
            "use a prompt or DIDKIT_WALLET_PASSPHRASE instead",
            code="wallet.keyring_unavailable",
        )


def get_passphrase(path: Path) -> str | None:
    """The stored passphrase for the wallet at ``path``, or None (no keyring, no entry, or an error)."""
    found = _backend()
    if found is None:
        return None
    keyring, _backend_obj = found
    try:
        value = keyring.get_password(SERVICE, _entry(path))
    except Exception as exc:  # locked or unreachable keyring: fall back to the prompt
        log.warning("could not read the OS keyring: %s", type(exc).__name__)
        return None
    return value if isinstance(value, str) and value else None


def set_passphrase(path: Path, passphrase: str) -> None:
    """Store (or replace) the passphrase of the wallet at ``path``."""
    require()
    import keyring

    try:
        keyring.set_password(SERVICE, _entry(path), passphrase)
    except Exception as exc:
        raise StorageError(
            f"the OS keyring refused to store the passphrase ({type(exc).__name__})", code="wallet.keyring"
        ) from None


def delete_passphrase(path: Path) -> bool:
    """Remove the entry; False when there was none (or no keyring at all)."""
    found = _backend()
    if found is None:
        return False
    keyring, _backend_obj = found
    from keyring.errors import PasswordDeleteError

    try:
        keyring.delete_password(SERVICE, _entry(path))
    except PasswordDeleteError:
        return False
    except Exception as exc:
        raise StorageError(
            f"the OS keyring refused to delete the entry ({type(exc).__name__})", code="wallet.keyring"
        ) from None
    return True
