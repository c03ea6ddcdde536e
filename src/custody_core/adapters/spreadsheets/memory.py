"""What reading a file may cost in memory, counted before a library allocates it.

A reader estimates what its library will hold for a file from what the file
declares (cells, repeats, strings, parts parsed whole) and spends the estimate
here; past `ReadLimits.max_memory_bytes` the file is refused, naming the limit.
"""

from __future__ import annotations

from pathlib import Path

from custody_core.domain import codes
from custody_core.domain.errors import SpreadsheetError
from custody_core.ports.spreadsheets import ReadLimits


class MemoryBudget:
    """The memory one read of `path` may still take."""

    def __init__(self, path: Path, limits: ReadLimits) -> None:
        self._path = path
        self._limit = limits.max_memory_bytes
        self.spent = 0

    def spend(self, amount: int) -> None:
        """Count `amount` more bytes; refuse the file when they pass the limit."""
        self.spent += amount
        if self.spent > self._limit:
            raise SpreadsheetError(
                codes.File.NEEDS_TOO_MUCH_MEMORY,
                file=self._path.name,
                size=self.spent,
                limit=self._limit,
                setting="max_memory_bytes",
            )
