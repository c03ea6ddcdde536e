"""Versioned schema: migrations are SQL files applied in order, under the write lock."""

from __future__ import annotations

import sqlite3
from importlib.resources import files

#: "CUST": marks a SQLite file as a custody-core database.
APPLICATION_ID = 0x43555354


def migrations() -> list[tuple[int, str]]:
    """(version, SQL) for every migration shipped in the package, in order."""
    folder = files(__package__).joinpath("migrations")
    found = sorted(
        (int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    )
    expected = list(range(1, len(found) + 1))
    if [version for version, _ in found] != expected:
        raise RuntimeError(f"migrations must be numbered {expected}")
    return found


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
