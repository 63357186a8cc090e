"""Shared fixtures: where the shared vectors live, and a fixed clock."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

# Timing varies on a loaded 2-core CI machine: no per-example deadline, and no health check
# that fails a test merely for being slow. Budgets are set per test where they matter.
settings.register_profile(
    "didkit", deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large]
)
settings.load_profile("didkit")

ROOT = Path(__file__).resolve().parent.parent
#: ../shared beside the checkout (CI lays it there); DIDKIT_SHARED overrides.
SHARED = Path(os.environ.get("DIDKIT_SHARED", ROOT.parent / "shared"))
VECTORS = SHARED / "vectors"


@pytest.fixture(scope="session")
def vectors_dir() -> Path:
    if not VECTORS.is_dir():
        pytest.fail(f"shared vectors not found at {VECTORS} (set DIDKIT_SHARED)")
    return VECTORS


@pytest.fixture
def fixed_now() -> datetime:
    return datetime(2026, 1, 1, 12, 0, 0, tzinfo=UTC)


@pytest.fixture(autouse=True)
def _isolated_home(tmp_path_factory: pytest.TempPathFactory, monkeypatch: pytest.MonkeyPatch) -> None:
    """No test writes to the real user's data directory."""
    monkeypatch.setenv("DIDKIT_HOME", str(tmp_path_factory.mktemp("didkit-home")))
