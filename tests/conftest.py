"""Shared fixtures; hypothesis profiles: `ci` (deterministic, default) and `long`."""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings

import custody_core
from custody_core.services.application import Application
from custody_core.testing.clock import ManualClock
from custody_core.testing.hashing import fast_hasher

settings.register_profile(
    "ci",
    derandomize=True,
    deadline=None,
    database=None,
    max_examples=60,
    suppress_health_check=[HealthCheck.too_slow],
)
settings.register_profile(
    "long", deadline=None, max_examples=2000, suppress_health_check=[HealthCheck.too_slow]
)
settings.load_profile(os.environ.get("HYPOTHESIS_PROFILE", "ci"))


@pytest.fixture
def clock() -> ManualClock:
    return ManualClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))


@pytest.fixture(params=["memory", "sqlite"])
def app(
    request: pytest.FixtureRequest, tmp_path: Path, clock: ManualClock
) -> Iterator[Application]:
    """The application on each built-in backend."""
    url = "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'custody.sqlite'}"
    with custody_core.open(
        url, clock=clock, entry_points=False, password_hasher=fast_hasher()
    ) as application:
        yield application
