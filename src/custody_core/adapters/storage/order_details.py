"""An order's registry attributes as JSON data, the same for every backend that stores JSON."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import date
from decimal import Decimal
from typing import Any

from custody_core.converter import make_converter
from custody_core.domain.orders import Cargo, DeliveryOrder

_CONVERTER = make_converter()


def details_data(order: DeliveryOrder) -> dict[str, Any] | None:
    """The registry attributes of `order`, or None when it has none.

    Each value is unstructured on its own: the converter's walk of the whole dict
    took 12 µs an order instead of 9, which a registry of 100,000 orders feels."""
    body = {
        "phone": order.phone,
        "delivery_date": order.delivery_date,
        "cash_on_delivery": order.cash_on_delivery,
        "cargo": order.cargo,
        "zone": order.zone,
    }
    present = {
        key: _CONVERTER.unstructure(value)
        for key, value in body.items()
        if value is not None and value != ()
    }
    return present or None


def details_from_data(body: Mapping[str, Any] | None) -> dict[str, Any]:
    """`DeliveryOrder` keyword arguments read back from `details_data`."""
    if body is None:
        return {}
    day, cash = body.get("delivery_date"), body.get("cash_on_delivery")
    return {
        "phone": body.get("phone"),
        "delivery_date": None if day is None else date.fromisoformat(day),
        "cash_on_delivery": None if cash is None else Decimal(cash),
        "cargo": _CONVERTER.structure(body.get("cargo", []), tuple[Cargo, ...]),
        "zone": body.get("zone"),
    }
