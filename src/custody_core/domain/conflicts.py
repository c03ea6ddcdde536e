"""The conflicts every storage backend and use case raises, one constructor each.

Each kind of clash has its own code and details, so that the catalogue words it in
every language and every backend raises exactly the same error (the conformance kit
compares them); no backend writes a sentence of its own.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from custody_core.domain.errors import Conflict


def stale_version(order: int, version: int, expected: int) -> Conflict:
    """The caller changed an order it read at `expected`; it is now at `version`."""
    return Conflict("conflict.stale_version", order=order, version=version, expected=expected)


def order_changed(order: int) -> Conflict:
    """Another writer saved the order between this unit's read and its write."""
    return Conflict("conflict.order_changed", order=order)


def user_changed(login: str) -> Conflict:
    return Conflict("conflict.user_changed", login=login)


def order_number_taken(number: int) -> Conflict:
    return Conflict("conflict.order_number_taken", number=number)


def external_number_taken(external_number: str | None) -> Conflict:
    return Conflict("conflict.external_number_taken", external_number=external_number)


def shipment_number_taken(number: int) -> Conflict:
    return Conflict("conflict.shipment_number_taken", number=number)


def form_issued(kind: str, number: int, year: int) -> Conflict:
    """Another writer issued this number, or a form of this document, meanwhile."""
    return Conflict("conflict.form_issued", kind=str(kind), number=number, year=year)


def login_taken(login: str) -> Conflict:
    return Conflict("conflict.login_taken", login=login)


def external_id_taken(external_id: str | None) -> Conflict:
    return Conflict("conflict.external_id_taken", external_id=external_id)


def card_exists(user_id: UUID) -> Conflict:
    """The user already has a connection card (a user has one at most)."""
    return Conflict("conflict.card_exists", user_id=str(user_id))


def card_login_taken(login: str) -> Conflict:
    return Conflict("conflict.card_login_taken", login=login)


def id_taken(entity: str, key: UUID) -> Conflict:
    """An object with this id is already stored: a caller's mistake, never a user's."""
    return Conflict("conflict.id_taken", entity=entity, key=str(key))


def reserve_short(item_id: UUID, quantity: Decimal, reserved: Decimal) -> Conflict:
    """More released from reserve than is reserved; `item` is named by id until the
    use case, which knows the SKU, names it (services.stock_moves)."""
    item = str(item_id)
    return Conflict(
        "stock.reserve_insufficient",
        item=item,
        item_id=item,
        quantity=str(quantity),
        reserved=str(reserved),
    )
