"""PostgreSQL storage, `postgresql://user@host:port/database`, with the `postgres` extra.

custody-core registers it through its own entry point, as a third-party plugin
would be. psycopg is imported only when such a URL is opened, so without the
extra nothing else is affected and opening one names the extra to install.
"""

from __future__ import annotations

import importlib
from collections.abc import Mapping
from typing import Any

from custody_core.domain import codes
from custody_core.domain.errors import Problem, StorageError, ValidationError
from custody_core.domain.messages import expect
from custody_core.plugins import StorageRegistry, hookimpl, reject_unknown_options
from custody_core.ports.storage import StorageBackend

#: Option -> (default, smallest value allowed).
OPTIONS: dict[str, tuple[float, float]] = {
    "pool_size": (10, 1),
    "pool_timeout": (30.0, 0.001),
    "lock_timeout": (5.0, 0),
}
DRIVERS = ("psycopg", "psycopg_pool")


def open_postgres(url: str, options: Mapping[str, Any]) -> StorageBackend:
    """Open `postgresql://...` (a libpq URL; `?connect_timeout=5` and the like work).

    Options: `pool_size` (most connections at once, default 10), `pool_timeout`
    (seconds a unit of work waits for a free connection, default 30) and
    `lock_timeout` (seconds a writer waits for another one's lock before
    `storage.busy`, default 5; 0 waits as long as it takes).
    """
    reject_unknown_options(options, OPTIONS)
    for package in DRIVERS:
        try:
            importlib.import_module(package)
        except ImportError:
            raise StorageError(
                codes.Storage.NEEDS_EXTRA, scheme="postgresql", package=package, extra="postgres"
            ) from None
    from custody_core.adapters.storage.postgres.backend import PostgresStorage

    pool_size, pool_timeout, lock_timeout = (_option(options, name) for name in OPTIONS)
    return PostgresStorage(url, int(pool_size), pool_timeout, lock_timeout)


def _option(options: Mapping[str, Any], name: str) -> float:
    default, least = OPTIONS[name]
    value = options.get(name, default)
    integral = name == "pool_size"
    kinds = int if integral else int | float
    if isinstance(value, bool) or not isinstance(value, kinds) or value < least:
        expected = expect("whole_from" if integral else "number_from", low=least)
        raise ValidationError([Problem(codes.Value.INVALID, f"options.{name}", value, expected)])
    return float(value)


class PostgresPlugin:
    @hookimpl
    def custody_register_storage(self, register: StorageRegistry) -> None:
        register("postgresql", open_postgres)


plugin = PostgresPlugin()
