"""Migration scripts shipped inside a backend's package, numbered without gaps."""

from __future__ import annotations

from importlib.resources import files


def migration_scripts(package: str) -> list[tuple[int, str]]:
    """(version, SQL) of every `migrations/NNNN_name.sql` of `package`, in order."""
    folder = files(package).joinpath("migrations")
    found = sorted(
        (int(entry.name.split("_", 1)[0]), entry.read_text(encoding="utf-8"))
        for entry in folder.iterdir()
        if entry.name.endswith(".sql")
    )
    expected = list(range(1, len(found) + 1))
    if [version for version, _ in found] != expected:
        raise RuntimeError(f"migrations must be numbered {expected}")
    return found
