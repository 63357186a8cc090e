"""Fixtures for the verifier tests; the world itself lives in ``vworld.py``."""

from __future__ import annotations

import pytest
from vworld import World, make_world


@pytest.fixture
def world() -> World:
    return make_world()
