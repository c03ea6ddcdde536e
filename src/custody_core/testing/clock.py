"""A clock that tests move by hand."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


class ManualClock:
    """Returns `current`; `advance()` moves it. Never reads the wall clock.

    With a `resolution` (one second, one day), `now()` is `current` rounded down
    to it, as a coarse system clock gives: things done in one tick share an instant.
    """

    def __init__(self, current: datetime, resolution: timedelta | None = None) -> None:
        if current.tzinfo is None:
            raise ValueError("ManualClock needs a timezone-aware datetime")
        self.current = current
        self.resolution = resolution

    def now(self) -> datetime:
        if self.resolution is None:
            return self.current
        return self.current - (self.current - _EPOCH) % self.resolution

    def advance(self, delta: timedelta = timedelta(seconds=1)) -> datetime:
        self.current += delta
        return self.current
