"""The conflicts every storage backend and use case raises, one constructor each.

Each kind of clash has its own code and details, so that the catalogue words it in
every language and every backend raises exactly the same error (the conformance kit
compares them); no backend writes a sentence of its own.
"""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from custody_core.domain import codes
from custody_core.domain.errors import Conflict


def stale_version(order: int, version: int, expected: int) -> Conflict:
    """The caller changed an order it read at `expected`; it is now at `version`."""
    return Conflict(codes.Conflict.STALE_VERSION, order=order, version=version, expected=expected)


def order_changed(order: int) -> Conflict:
    """Another writer saved the order between this unit's read and its write."""
    return Conflict(codes.Conflict.ORDER_CHANGED, order=order)


def user_changed(login: str) -> Conflict:
    return Conflict(codes.Conflict.USER_CHANGED, login=login)


def order_number_taken(number: int) -> Conflict:
    return Conflict(codes.Conflict.ORDER_NUMBER_TAKEN, number=number)


def external_number_taken(external_number: str | None) -> Conflict:
    return Conflict(codes.Conflict.EXTERNAL_NUMBER_TAKEN, external_number=external_number)


def shipment_number_taken(number: int) -> Conflict:
    return Conflict(codes.Conflict.SHIPMENT_NUMBER_TAKEN, number=number)


def form_issued(kind: str, number: int, year: int) -> Conflict:
    """Another writer issued this number, or a form of this document, meanwhile."""
    return Conflict(codes.Conflict.FORM_ISSUED, kind=str(kind), number=number, year=year)


def login_taken(login: str) -> Conflict:
    return Conflict(codes.Conflict.LOGIN_TAKEN, login=login)


def external_id_taken(external_id: str | None) -> Conflict:
    return Conflict(codes.Conflict.EXTERNAL_ID_TAKEN, external_id=external_id)


def card_exists(user_id: UUID) -> Conflict:
    """The user already has a connection card (a user has one at most)."""
    return Conflict(codes.Conflict.CARD_EXISTS, user_id=str(user_id))


def card_login_taken(login: str) -> Conflict:
    return Conflict(codes.Conflict.CARD_LOGIN_TAKEN, login=login)


def id_taken(entity: str, key: UUID) -> Conflict:
    """An object with this id is already stored: a caller's mistake, never a user's."""
    return Conflict(codes.Conflict.ID_TAKEN, entity=entity, key=str(key))


def reserve_short(item_id: UUID, quantity: Decimal, reserved: Decimal) -> Conflict:
    """More released from reserve than is reserved; `item` is named by id until the
    use case, which knows the SKU, names it (services.stock_moves)."""
    item = str(item_id)
    return Conflict(
        codes.Stock.RESERVE_INSUFFICIENT,
        item=item,
        item_id=item,
        quantity=str(quantity),
        reserved=str(reserved),
    )
