"""Where didkit-py keeps local state: ``DIDKIT_HOME`` or the platform's user data directory.

Callers pass the directory in (no module reads it behind your back); CLIs and apps call
:func:`data_dir` once at start-up.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from pathlib import Path

import platformdirs

__all__ = ["data_dir"]


def data_dir(env: Mapping[str, str] | None = None, *, create: bool = True) -> Path:
    """The data directory: ``$DIDKIT_HOME`` when set, else the user data dir for ``didkit``."""
    env = os.environ if env is None else env
    home = env.get("DIDKIT_HOME")
    path = Path(home).expanduser() if home else Path(platformdirs.user_data_dir("didkit", appauthor=False))
    if create:
        path.mkdir(parents=True, exist_ok=True, mode=0o700)
    return path
