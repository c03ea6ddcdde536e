"""Versioned schema: migrations are SQL files applied in order, under an advisory lock.

The schema lives in the first schema of the connection's search_path (normally
`public`), and `custody_schema_version` holds a row per migration applied.
"""

from __future__ import annotations

from custody_core.adapters.storage.migration_scripts import migration_scripts
from custody_core.adapters.storage.postgres.base import Connection
from custody_core.domain.errors import CorruptStorage, SchemaTooNew

#: "CUST": the advisory lock under which a database is migrated, one process at a time.
MIGRATION_LOCK = 0x43555354
_VERSION_TABLE = (
    "CREATE TABLE custody_schema_version ("
    " version integer PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())"
)


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) for every migration shipped in the package, in order."""
    return migration_scripts(__package__)


def migrate(connection: Connection, location: str) -> int:
    """Check the schema is ours and not newer, apply the missing migrations, and return
    the version it had.

    All of it is one transaction holding MIGRATION_LOCK, so two processes opening
    a new database at once migrate it once: the second waits, then finds it done.
    """
    known = migrations()
    with connection.transaction():
        connection.execute("SELECT pg_advisory_xact_lock(%s)", (MIGRATION_LOCK,))
        version = schema_version(connection, location)
        if version > len(known):
            raise SchemaTooNew(location=location, found=version, known=len(known))
        for number, script in known[version:]:
            connection.execute(script)
            connection.execute(
                "INSERT INTO custody_schema_version (version) VALUES (%s)", (number,)
            )
    return version


def schema_version(connection: Connection, location: str) -> int:
    """The version of the custody schema, creating an empty one (version 0) in a schema
    without tables; a schema with tables but no custody version is not ours."""
    found = connection.execute(
        "SELECT count(*), count(*) FILTER (WHERE tablename = 'custody_schema_version')"
        " FROM pg_tables WHERE schemaname = current_schema()"
    ).fetchone()
    assert found is not None
    tables, versioned = found
    if versioned:
        row = connection.execute(
            "SELECT coalesce(max(version), 0) FROM custody_schema_version"
        ).fetchone()
        assert row is not None
        return int(row[0])
    if tables:
        raise CorruptStorage(location=location, reason="it holds tables but no custody schema")
    connection.execute(_VERSION_TABLE)
    return 0
