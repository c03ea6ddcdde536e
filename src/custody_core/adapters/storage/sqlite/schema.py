"""Versioned schema: migrations are SQL files applied in order, under the write lock."""

from __future__ import annotations

import sqlite3

from custody_core.adapters.storage.migration_scripts import migration_scripts

#: "CUST": marks a SQLite file as a custody-core database.
APPLICATION_ID = 0x43555354


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) for every migration shipped in the package, in order."""
    return migration_scripts(__package__)


def statements(script: str) -> list[str]:
    """Split a script into statements (executescript would commit the open transaction)."""
    result, pending = [], ""
    for line in script.splitlines(keepends=True):
        if not pending and (not line.strip() or line.lstrip().startswith("--")):
            continue
        pending += line
        if sqlite3.complete_statement(pending):
            result.append(pending.strip())
            pending = ""
    if pending.strip():
        raise ValueError(f"incomplete SQL statement: {pending[:80]!r}")
    return result
