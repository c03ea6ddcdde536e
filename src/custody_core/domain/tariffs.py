"""Tariffs: the prices the custodian charges, and the service lines they give.

A tariff belongs to one counterparty, or to the whole account as the default
for counterparties without their own. Its rates are of six kinds (`Charge`);
the storage rates price MX-3's services table, the delivery and extra rates
price the service act and the invoice.
"""

from __future__ import annotations

import enum
import math
from collections import Counter
from collections.abc import Iterable, Sequence
from decimal import Decimal
from uuid import UUID

from attrs import frozen

from custody_core.domain import codes
from custody_core.domain.checks import Checks
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect
from custody_core.domain.storage_days import Lot
from custody_core.domain.vat import NO_VAT, Vat, line_amount


class Charge(enum.StrEnum):
    #: Per unit of goods returned from custody and per day it was kept.
    STORAGE_UNIT_DAY = "storage_unit_day"
    #: Per storage place and day; a place holds `units_per_place` units of goods.
    STORAGE_PLACE_DAY = "storage_place_day"
    DELIVERY_ORDER = "delivery_order"
    #: Per kilogram of the delivered cargo (free cargo weight and goods kept in kilograms).
    DELIVERY_KG = "delivery_kg"
    #: A price per order for the order's delivery zone.
    DELIVERY_ZONE = "delivery_zone"
    #: An extra service charged once per delivered order (packing, a call, ...).
    EXTRA_ORDER = "extra_order"


STORAGE_CHARGES = frozenset({Charge.STORAGE_UNIT_DAY, Charge.STORAGE_PLACE_DAY})
DELIVERY_CHARGES = frozenset(Charge) - STORAGE_CHARGES

#: The unit each charge is counted in: (name, OKEI code).
_UNITS = {
    Charge.STORAGE_UNIT_DAY: ("ед.-сут", "9642"),
    Charge.STORAGE_PLACE_DAY: ("место-сут", "9642"),
    Charge.DELIVERY_ORDER: ("усл. ед", "876"),
    Charge.DELIVERY_KG: ("кг", "166"),
    Charge.DELIVERY_ZONE: ("усл. ед", "876"),
    Charge.EXTRA_ORDER: ("усл. ед", "876"),
}


@frozen
class Rate:
    """One price of a tariff; `service` is the name printed on forms."""

    charge: Charge
    service: str
    price: Decimal
    code: str = ""
    zone: str | None = None
    units_per_place: Decimal | None = None


@frozen
class Tariff:
    account_id: UUID
    counterparty_id: UUID | None
    rates: tuple[Rate, ...]
    vat: Vat = NO_VAT


@frozen
class Charged:
    """A priced service line before it is numbered on a form."""

    service: str
    code: str
    unit: str
    okei: str
    quantity: Decimal
    price: Decimal

    @property
    def amount(self) -> Decimal:
        return line_amount(self.price, self.quantity)


@frozen
class Delivery:
    """What the delivery rates are counted on: one delivered order."""

    weight: Decimal
    zone: str | None


def checked_tariff(tariff: Tariff) -> Tariff:
    """`tariff` with checked rates, or a ValidationError naming each wrong rate field."""
    checks = Checks()
    rates = []
    zones: set[str] = set()
    for index, rate in enumerate(tariff.rates, start=1):
        field = f"rates[{index}]"
        try:
            charge = Charge(rate.charge)
        except ValueError:
            allowed = expect("one_of", choices=tuple(Charge))
            checks.add(Problem(codes.Value.INVALID, f"{field}.charge", rate.charge, allowed))
            continue
        zone = checks.optional_text(rate.zone, f"{field}.zone", 64)
        if (charge is Charge.DELIVERY_ZONE) != (zone is not None):
            checks.add(Problem(codes.Tariff.ZONE, f"{field}.zone", rate.zone))
        elif zone is not None:
            if zone in zones:
                checks.add(Problem(codes.Tariff.REPEATED, f"{field}.zone", zone))
            zones.add(zone)
        per_place = None
        if charge is Charge.STORAGE_PLACE_DAY:
            per_place = checks.quantity(rate.units_per_place, 6, f"{field}.units_per_place")
        rates.append(
            Rate(
                charge,
                checks.text(rate.service, f"{field}.service"),
                checks.money(rate.price, f"{field}.price"),
                checks.optional_text(rate.code, f"{field}.code", 64) or "",
                zone,
                per_place,
            )
        )
    priced = Counter(rate.charge for rate in rates if rate.charge not in _REPEATABLE)
    for charge, times in priced.items():
        if times > 1:
            checks.add(Problem(codes.Tariff.REPEATED, "rates", charge.value))
    checks.done()
    return Tariff(tariff.account_id, tariff.counterparty_id, tuple(rates), tariff.vat)


def storage_charges(tariff: Tariff, lots: Sequence[Lot]) -> list[Charged]:
    """MX-3's services: each storage rate over the lots of goods returned."""
    charged = []
    for rate in tariff.rates:
        if rate.charge is Charge.STORAGE_UNIT_DAY:
            quantity = sum((lot.quantity * lot.days for lot in lots), Decimal(0))
        elif rate.charge is Charge.STORAGE_PLACE_DAY:
            assert rate.units_per_place is not None
            quantity = Decimal(
                sum(math.ceil(lot.quantity / rate.units_per_place) * lot.days for lot in lots)
            )
        else:
            continue
        if quantity:
            charged.append(_charged(rate, quantity))
    return charged


def delivery_charges(tariff: Tariff, deliveries: Iterable[Delivery]) -> list[Charged]:
    """The act's and invoice's services over delivered orders, one line per rate.

    An order whose zone has no rate (or that has no zone when the tariff
    prices by zone) is a ValidationError: a delivery is never left unpriced.
    """
    counted: dict[int, Decimal] = {}
    zones = {
        rate.zone: index
        for index, rate in enumerate(tariff.rates)
        if rate.charge is Charge.DELIVERY_ZONE
    }
    problems = []
    for number, delivery in enumerate(deliveries, start=1):
        for index, rate in enumerate(tariff.rates):
            if rate.charge in _PER_ORDER:
                counted[index] = counted.get(index, Decimal(0)) + 1
            elif rate.charge is Charge.DELIVERY_KG and delivery.weight:
                counted[index] = counted.get(index, Decimal(0)) + delivery.weight
        if not zones:
            continue
        zone_rate = zones.get(delivery.zone) if delivery.zone else None
        if zone_rate is None:
            known = expect("one_of", choices=sorted(str(zone) for zone in zones))
            problems.append(
                Problem(codes.Tariff.ZONE_UNKNOWN, f"orders[{number}].zone", delivery.zone, known)
            )
        else:
            counted[zone_rate] = counted.get(zone_rate, Decimal(0)) + 1
    if problems:
        raise ValidationError(problems)
    return [
        _charged(rate, counted[index])
        for index, rate in enumerate(tariff.rates)
        if index in counted
    ]


#: Charges a tariff may list more than once: one price per zone, any number of extras.
_REPEATABLE = frozenset({Charge.DELIVERY_ZONE, Charge.EXTRA_ORDER})
_PER_ORDER = frozenset({Charge.DELIVERY_ORDER, Charge.EXTRA_ORDER})


def _charged(rate: Rate, quantity: Decimal) -> Charged:
    unit, okei = _UNITS[rate.charge]
    return Charged(rate.service, rate.code, unit, okei, quantity, rate.price)
