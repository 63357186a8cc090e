"""Fixtures for the verifier tests; the world itself lives in ``vworld.py`` beside this file."""

from __future__ import annotations

import sys
from pathlib import Path

import pytest

sys.path.insert(0, str(Path(__file__).resolve().parent))

from vworld import World, make_world


@pytest.fixture
def world() -> World:
    return make_world()
