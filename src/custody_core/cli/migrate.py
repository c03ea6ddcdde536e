"""`custody db migrate`: bring a database's schema up to this version of the library.

Opening a database applies the migrations it lacks, so the command reads the
version the database has before it is opened (changing nothing), lets the
ordinary opening migrate it, and reports both versions.
"""

from __future__ import annotations

import argparse
from pathlib import Path
from typing import Protocol, runtime_checkable

from custody_core.adapters.storage.sqlite import PREFIX as SQLITE_PREFIX
from custody_core.adapters.storage.sqlite.backend import stored_schema_version as sqlite_version
from custody_core.cli.errors import InputError
from custody_core.cli.session import Session
from custody_core.domain.errors import StorageError

POSTGRES_PREFIX = "postgresql://"


@runtime_checkable
class Versioned(Protocol):
    """A storage backend that keeps its schema version (SQLite and PostgreSQL)."""

    def schema_version(self) -> int: ...


def stored_schema_version(url: str) -> int:
    """The schema version of the database at `url` before it is opened (0: none yet)."""
    if url.startswith(SQLITE_PREFIX):
        return sqlite_version(Path(url.removeprefix(SQLITE_PREFIX)))
    if url.startswith(POSTGRES_PREFIX):
        try:  # psycopg comes with the postgres extra; import it only for such a URL
            from custody_core.adapters.storage.postgres.backend import (
                stored_schema_version as postgres_version,
            )
        except ImportError as error:
            raise StorageError(
                "storage.needs_extra",
                scheme="postgresql",
                package=error.name or "psycopg",
                extra="postgres",
            ) from None
        return postgres_version(url)
    raise InputError("not_migratable", url=url)


def read_version_before(args: argparse.Namespace) -> None:
    """Run before the database is opened: remember the version it has."""
    args.version_before = stored_schema_version(args.db)


def db_migrate(session: Session) -> None:
    storage = session.app.storage
    if not isinstance(storage, Versioned):
        raise InputError("not_migratable", url=session.args.db)
    before: int = session.args.version_before
    after = storage.schema_version()

    def show() -> None:
        if after == before:
            session.say("schema_current", version=after)
        else:
            session.say("schema_migrated", before=before, after=after)

    session.emit({"before": before, "after": after}, show)
