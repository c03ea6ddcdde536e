"""Units of measure (единицы измерения) with their decimal scale and OKEI code."""

from __future__ import annotations

from types import MappingProxyType

from attrs import field, frozen, validators

from custody_core.domain.numbers import QUANTITY_SCALE


@frozen
class UnitOfMeasure:
    """A unit: `scale` is how many decimal places a quantity in it may have."""

    code: str = field(validator=validators.min_len(1))
    name: str = field(validator=validators.min_len(1))
    scale: int = field(validator=[validators.ge(0), validators.le(QUANTITY_SCALE)])
    okei: str = field(validator=validators.matches_re(r"^\d{3,4}$"))


PIECE = UnitOfMeasure("PCE", "шт", 0, "796")
KILOGRAM = UnitOfMeasure("KGM", "кг", 3, "166")
LITRE = UnitOfMeasure("LTR", "л", 3, "112")
METRE = UnitOfMeasure("MTR", "м", 3, "006")
PACKAGE = UnitOfMeasure("PK", "упак", 0, "778")

#: Units known out of the box, by code; an item may also carry any other unit.
STANDARD_UNITS = MappingProxyType(
    {unit.code: unit for unit in (PIECE, KILOGRAM, LITRE, METRE, PACKAGE)}
)
