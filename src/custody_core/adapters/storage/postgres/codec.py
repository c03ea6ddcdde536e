"""Conversions the driver does not make itself: quantities at their unit's scale, UTC instants.

psycopg reads numeric as Decimal, uuid as UUID, date as date and timestamptz
as an aware datetime, so most values need no conversion at all.
"""

from __future__ import annotations

import functools
from datetime import UTC, datetime
from decimal import Decimal


@functools.cache
def _step(scale: int) -> Decimal:
    return Decimal(1).scaleb(-scale)


def quantity_out(value: Decimal, scale: int) -> Decimal:
    """The stored quantity with `scale` places (the unit's), as the domain makes it."""
    return value.quantize(_step(scale))


def instant_out(value: datetime) -> datetime:
    """The stored instant in UTC, whatever the session's time zone."""
    return value.astimezone(UTC)


def optional_instant_out(value: datetime | None) -> datetime | None:
    return None if value is None else instant_out(value)
