"""Exact conversions between domain values and SQLite column values."""

from __future__ import annotations

import functools
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import UUID

from custody_core.domain.numbers import MONEY_SCALE, QUANTITY_SCALE, from_scaled_int, to_scaled_int

#: Ids whose text form is cached: the same few ids (accounts, counterparties, items)
#: recur in every transaction. Few, so that the one-off ids of a large import do not
#: keep the cache growing with the file (65,536 of them held about 25 MiB).
_CACHED_IDS = 1 << 12


@functools.lru_cache(maxsize=_CACHED_IDS)
def uid(value: UUID) -> str:
    """The canonical text of an id (cached: the same few ids recur in every transaction)."""
    return str(value)


@functools.lru_cache(maxsize=_CACHED_IDS)
def uid_out(value: str) -> UUID:
    """The id stored as `value` (cached for the same reason as `uid`)."""
    return UUID(value)


def quantity_in(value: Decimal) -> int:
    return to_scaled_int(value, QUANTITY_SCALE)


def quantity_out(value: int, scale: int) -> Decimal:
    """The stored count as a Decimal with `scale` places (the unit's scale)."""
    return from_scaled_int(value, QUANTITY_SCALE).quantize(Decimal(1).scaleb(-scale))


def money_in(value: Decimal) -> int:
    return to_scaled_int(value, MONEY_SCALE)


def money_out(value: int) -> Decimal:
    return from_scaled_int(value, MONEY_SCALE)


@functools.lru_cache(maxsize=64)
def instant_in(value: datetime) -> str:
    """UTC with fixed-width microseconds, so that text order is time order.

    Remembered for the last few instants: a batch of orders shares its "now"."""
    return value.astimezone(UTC).isoformat(timespec="microseconds")[:-6] + "Z"


def instant_out(value: str) -> datetime:
    """The stored UTC instant (fromisoformat reads the trailing Z, much faster than strptime)."""
    return datetime.fromisoformat(value)


def optional_instant_out(value: str | None) -> datetime | None:
    return None if value is None else instant_out(value)


def day_in(value: date) -> str:
    return value.isoformat()


def day_out(value: str) -> date:
    return date.fromisoformat(value)
