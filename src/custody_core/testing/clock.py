"""A clock that tests move by hand."""

from __future__ import annotations

from datetime import datetime, timedelta


class ManualClock:
    """Returns `current`; `advance()` moves it. Never reads the wall clock."""

    def __init__(self, current: datetime) -> None:
        if current.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware datetime")
        self.current = current

    def now(self) -> datetime:
        return self.current

    def advance(self, delta: timedelta = timedelta(seconds=1)) -> datetime:
        self.current += delta
        return self.current
