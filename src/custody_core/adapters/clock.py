"""The system clock adapter."""

from __future__ import annotations

from datetime import UTC, datetime


class SystemClock:
    """Reads the wall clock, in UTC."""

    def now(self) -> datetime:
        return datetime.now(UTC)
