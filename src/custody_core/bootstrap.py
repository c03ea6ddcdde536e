"""`open()`: the one place where ports are wired to adapters."""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping
from typing import Any
from uuid import UUID

from custody_core.adapters.clock import SystemClock
from custody_core.domain.checks import MAX_LIST_LENGTH, whole_number
from custody_core.plugins import Plugins
from custody_core.ports.auth import IdentityProvider, PasswordHasher
from custody_core.ports.clock import Clock
from custody_core.services.application import Application
from custody_core.services.identifiers import time_ordered_id
from custody_core.services.identity import Identity

DEFAULT_URL = "sqlite:///custody.sqlite"


def open(
    url: str = DEFAULT_URL,
    *,
    clock: Clock | None = None,
    plugins: Iterable[object] = (),
    entry_points: bool = True,
    new_id: Callable[[], UUID] = time_ordered_id,
    password_hasher: str | PasswordHasher = "argon2",  # noqa: S107 (a hasher's name)
    hasher_options: Mapping[str, Any] | None = None,
    identity_provider: str | IdentityProvider | None = None,
    provider_options: Mapping[str, Any] | None = None,
    max_list_length: int = MAX_LIST_LENGTH,
    **options: Any,
) -> Application:
    """Open the storage at `url` (its scheme picks the backend) and return the application.

    `plugins` are registered besides the built-in ones and (unless
    `entry_points` is false) those installed under entry-point group
    `custody_core`. `password_hasher` names a registered hasher ("argon2",
    the default, or "scrypt") or is one; `identity_provider`, when given,
    authenticates logins instead of local passwords. `max_list_length` is the most
    entries a use case takes in one list argument (shipments of an act or invoice,
    lines of a receipt, refused items of a delivery, rates of a tariff). Remaining
    keyword `options` go to the storage backend.
    """
    whole_number(max_list_length, "max_list_length")  # before anything is opened
    registry = Plugins(plugins, entry_points=entry_points)
    hasher = (
        registry.password_hasher(password_hasher, hasher_options or {})
        if isinstance(password_hasher, str)
        else password_hasher
    )
    provider = (
        registry.identity_provider(identity_provider, provider_options or {})
        if isinstance(identity_provider, str)
        else identity_provider
    )
    storage = registry.open_storage(url, options)
    return Application(
        storage,
        clock or SystemClock(),
        Identity(hasher, provider),
        new_id,
        readers=lambda name, suffix: registry.reader(name, suffix, {}),
        renderers=lambda name: registry.renderer(name, {}),
        max_list_length=max_list_length,
    )
