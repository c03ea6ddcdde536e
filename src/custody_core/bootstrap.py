"""`open()`: the one place where ports are wired to adapters."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any
from uuid import UUID, uuid4

from custody_core.adapters.clock import SystemClock
from custody_core.plugins import Plugins
from custody_core.ports.clock import Clock
from custody_core.services.application import Application

DEFAULT_URL = "sqlite:///custody.sqlite"


def open(
    url: str = DEFAULT_URL,
    *,
    clock: Clock | None = None,
    plugins: Iterable[object] = (),
    entry_points: bool = True,
    new_id: Callable[[], UUID] = uuid4,
    **options: Any,
) -> Application:
    """Open the storage at `url` (its scheme picks the backend) and return the application.

    `plugins` are registered besides the built-in ones and (unless
    `entry_points` is false) those installed under entry-point group
    `custody_core`. Remaining keyword `options` go to the storage backend.
    """
    registry = Plugins(plugins, entry_points=entry_points)
    storage = registry.open_storage(url, options)
    return Application(storage, clock or SystemClock(), new_id)
