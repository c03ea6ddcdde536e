"""Exact quantities and money.

Quantities are `Decimal` values with at most the unit's scale of decimal
places; money is `Decimal` rounded once to kopecks with ROUND_HALF_UP. Floats
are refused at the boundary: they cannot carry an exact decimal value, and a
silent `0.1 + 0.2` is how ledgers drift.
"""

from __future__ import annotations

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from functools import cache

from custody_core.domain import codes
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect

#: Storage keeps every quantity as an integer count of 10**-QUANTITY_SCALE.
QUANTITY_SCALE = 6
#: Largest quantity accepted anywhere; fits a signed 64-bit integer at QUANTITY_SCALE.
QUANTITY_LIMIT = Decimal(10) ** 12
MONEY_SCALE = 2
MONEY_LIMIT = Decimal(10) ** 15
_KOPECK = Decimal(1).scaleb(-MONEY_SCALE)

Number = Decimal | int | str
_NUMBER_TYPES = (Decimal, int, str)


def to_decimal(value: object, field: str) -> Decimal:
    """Read an exact decimal from a Decimal, int or string; refuse floats, NaN and infinity."""
    if type(value) is Decimal and value.is_finite():  # the usual case, first: it runs per cell
        return value
    if isinstance(value, bool) or not isinstance(value, _NUMBER_TYPES):
        raise ValidationError(
            [Problem(codes.Quantity.NOT_A_NUMBER, field, value, expect("number"))]
        )
    try:
        number = (
            Decimal(value.strip().replace(",", ".")) if isinstance(value, str) else Decimal(value)
        )
    except InvalidOperation:
        raise ValidationError(
            [Problem(codes.Quantity.NOT_A_NUMBER, field, value, expect("number"))]
        ) from None
    if not number.is_finite():
        raise ValidationError([Problem(codes.Quantity.NOT_FINITE, field, str(value))])
    return number


def quantity(value: object, scale: int, field: str) -> Decimal:
    """A positive quantity with at most `scale` decimal places, normalised to that scale."""
    number = to_decimal(value, field)
    if number <= 0:
        raise ValidationError([Problem(codes.Quantity.NOT_POSITIVE, field, str(number))])
    return _fit(number, scale, field, QUANTITY_LIMIT)


def money(value: object, field: str) -> Decimal:
    """A non-negative amount rounded once to kopecks (ROUND_HALF_UP)."""
    number = to_decimal(value, field)
    if number < 0:
        raise ValidationError([Problem(codes.Quantity.NEGATIVE, field, str(number))])
    if number >= MONEY_LIMIT:
        raise ValidationError(
            [
                Problem(
                    codes.Quantity.TOO_LARGE,
                    field,
                    str(number),
                    expect("less_than", limit=MONEY_LIMIT),
                )
            ]
        )
    return number.quantize(_KOPECK, rounding=ROUND_HALF_UP)


def _fit(number: Decimal, scale: int, field: str, limit: Decimal) -> Decimal:
    if number >= limit:
        raise ValidationError(
            [
                Problem(
                    codes.Quantity.TOO_LARGE, field, str(number), expect("less_than", limit=limit)
                )
            ]
        )
    fitted = number.quantize(_step(scale))
    if fitted != number:
        raise ValidationError(
            [
                Problem(
                    codes.Quantity.TOO_FINE,
                    field,
                    str(number),
                    expect("decimal_places", count=scale),
                )
            ]
        )
    return fitted


@cache
def _step(scale: int) -> Decimal:
    return Decimal(1).scaleb(-scale)


def to_scaled_int(number: Decimal, scale: int) -> int:
    """The exact integer count of 10**-scale in `number` (for integer storage columns)."""
    scaled = number.scaleb(scale)
    if scaled != scaled.to_integral_value():
        raise ValueError(f"{number} has more than {scale} decimal places")
    return int(scaled)


def from_scaled_int(count: int, scale: int) -> Decimal:
    return Decimal(count).scaleb(-scale)
