"""The embedded default storage: one SQLite file, `sqlite:///path/to/file.sqlite`."""

from __future__ import annotations

from collections.abc import Mapping
from pathlib import Path
from typing import Any

from custody_core.adapters.storage.sqlite.backend import SQLiteStorage
from custody_core.domain import codes
from custody_core.domain.errors import StorageError
from custody_core.plugins import StorageRegistry, hookimpl, reject_unknown_options

PREFIX = "sqlite:///"
OPTIONS = ("busy_timeout", "synchronous")


def open_sqlite(url: str, options: Mapping[str, Any]) -> SQLiteStorage:
    """Open `sqlite:///relative/path` or `sqlite:////absolute/path`.

    Options: `busy_timeout` (seconds to wait for the write lock, default 5) and
    `synchronous` (NORMAL by default, which in WAL mode loses no committed
    transaction on an application crash, only possibly the last ones on power loss).
    """
    reject_unknown_options(options, OPTIONS)
    if not url.startswith(PREFIX) or url == PREFIX:
        raise StorageError(
            codes.Storage.BAD_URL, url=url, reason="expected sqlite:///path/to/file.sqlite"
        )
    raw_path = url.removeprefix(PREFIX)
    if raw_path == ":memory:":
        raise StorageError(
            codes.Storage.BAD_URL,
            url=url,
            reason="an in-memory SQLite database is per connection; use memory://",
        )
    path = Path(raw_path)
    if path.is_dir():
        raise StorageError(codes.Storage.BAD_URL, url=url, reason=f"{path} is a directory")
    if not path.parent.exists():
        raise StorageError(
            codes.Storage.BAD_URL, url=url, reason=f"folder {path.parent} does not exist"
        )
    synchronous = str(options.get("synchronous", "NORMAL")).upper()
    if synchronous not in ("OFF", "NORMAL", "FULL", "EXTRA"):
        raise StorageError(
            codes.Storage.BAD_URL, url=url, reason=f"synchronous={synchronous!r} is unknown"
        )
    return SQLiteStorage(url, path, float(options.get("busy_timeout", 5.0)), synchronous)


class SQLitePlugin:
    @hookimpl
    def custody_register_storage(self, register: StorageRegistry) -> None:
        register("sqlite", open_sqlite)
