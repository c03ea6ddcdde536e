"""`custody db migrate`: bring a database's schema up to this version of the library.

Opening a database applies the migrations it lacks; the command opens it, as
every command does, and reports the version the backend found and the one it
left.
"""

from __future__ import annotations

from typing import Protocol, runtime_checkable

from custody_core.cli.errors import InputError
from custody_core.cli.session import Session


@runtime_checkable
class Migrating(Protocol):
    """A storage backend that migrates its schema when opened (SQLite, PostgreSQL)."""

    migrated_from: int

    def schema_version(self) -> int: ...


def db_migrate(session: Session) -> None:
    storage = session.app.storage
    if not isinstance(storage, Migrating):
        raise InputError("not_migratable", url=session.args.db)
    before = storage.migrated_from
    after = storage.schema_version()

    def show() -> None:
        if after == before:
            session.say("schema_current", version=after)
        else:
            session.say("schema_migrated", before=before, after=after)

    session.emit({"before": before, "after": after}, show)
