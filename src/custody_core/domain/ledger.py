"""The append-only movement ledger and the balances it implies.

Each movement changes the balance of one stock key (account, counterparty,
warehouse, item):

    receipt             on_hand += q
    receipt_reversal    on_hand -= q (a receipt posted by mistake is reversed)
    reservation         reserved += q
    release             reserved -= q
    write_off           on_hand -= q and reserved -= q (delivered goods were reserved)
    write_off_reversal  on_hand += q and reserved += q (a shipment is reversed)

Reserving more than is free is allowed (the shortage is reported); taking on
hand or reserved below zero is refused.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from typing import Protocol
from uuid import UUID

from attrs import frozen

from custody_core.domain import conflicts
from custody_core.domain.errors import InsufficientStock
from custody_core.domain.lines import Line

ZERO = Decimal(0)


class MovementKind(enum.StrEnum):
    RECEIPT = "receipt"
    RECEIPT_REVERSAL = "receipt_reversal"
    RESERVATION = "reservation"
    RELEASE = "release"
    WRITE_OFF = "write_off"
    WRITE_OFF_REVERSAL = "write_off_reversal"


class DocumentKind(enum.StrEnum):
    RECEIPT = "receipt"
    DELIVERY_ORDER = "delivery_order"
    SHIPMENT = "shipment"
    REVERSAL = "reversal"


#: (on hand, reserved) sign of each movement kind.
EFFECTS: Mapping[MovementKind, tuple[int, int]] = {
    MovementKind.RECEIPT: (1, 0),
    MovementKind.RECEIPT_REVERSAL: (-1, 0),
    MovementKind.RESERVATION: (0, 1),
    MovementKind.RELEASE: (0, -1),
    MovementKind.WRITE_OFF: (-1, -1),
    MovementKind.WRITE_OFF_REVERSAL: (1, 1),
}


@frozen(cache_hash=True)
class StockKey:
    account_id: UUID
    counterparty_id: UUID
    warehouse_id: UUID
    item_id: UUID


@frozen
class Movement:
    """One change of stock, caused by a document; `occurred_on` is its business date."""

    key: StockKey
    kind: MovementKind
    quantity: Decimal
    document_kind: DocumentKind
    document_id: UUID
    occurred_on: date
    posted_at: datetime
    order_id: UUID | None = None


class Change(Protocol):
    """What balances and holds need of a movement: a `Movement` or a `MovementTotal`."""

    @property
    def key(self) -> StockKey: ...
    @property
    def kind(self) -> MovementKind: ...
    @property
    def quantity(self) -> Decimal: ...
    @property
    def order_id(self) -> UUID | None: ...


@frozen
class MovementTotal:
    """The sum of the movements of one kind of one stock key and one order (or of no order):
    all that reports and month closings need of them (`LedgerRepository.totals`)."""

    key: StockKey
    kind: MovementKind
    quantity: Decimal
    order_id: UUID | None = None


def totals_of(movements: Iterable[Movement]) -> list[MovementTotal]:
    """`movements` summed per stock key, kind and order, in order of first appearance."""
    sums: dict[tuple[StockKey, MovementKind, UUID | None], Decimal] = {}
    for m in movements:
        slot = (m.key, m.kind, m.order_id)
        sums[slot] = sums.get(slot, ZERO) + m.quantity
    return [MovementTotal(key, kind, total, order) for (key, kind, order), total in sums.items()]


#: Kinds that take on hand or reserved down (none of them takes either up).
_DECREASING = frozenset(kind for kind, signs in EFFECTS.items() if min(signs) < 0)


def increases_first(changes: Iterable[Change]) -> list[Change]:
    """`changes` with every increase before any decrease, otherwise in their order.

    Applied so, sums of movements never take a balance below zero on their way
    to a final balance that is not (the ledger refused any that would be).
    """
    return sorted(changes, key=lambda change: change.kind in _DECREASING)


class StockFigures:
    """Free balance and shortage, derived the same way wherever on hand and reserved meet."""

    __slots__ = ()
    on_hand: Decimal
    reserved: Decimal

    @property
    def free(self) -> Decimal:
        """On hand less reserved; negative when more is reserved than is on hand."""
        return self.on_hand - self.reserved

    @property
    def shortage(self) -> Decimal:
        """What is reserved beyond what is on hand (zero at the unit's scale when nothing)."""
        missing = self.reserved - self.on_hand
        return missing if missing > 0 else ZERO.quantize(self.on_hand)


@frozen
class Balance(StockFigures):
    key: StockKey
    on_hand: Decimal = ZERO
    reserved: Decimal = ZERO

    def apply(self, movement: Change) -> Balance:
        """The balance after `movement` (or a sum of movements); refuses to take stock or
        reserve below zero."""
        if movement.key != self.key:
            raise ValueError(f"movement for {movement.key} applied to {self.key}")
        on_hand_sign, reserved_sign = EFFECTS[movement.kind]
        on_hand = self.on_hand + on_hand_sign * movement.quantity
        reserved = self.reserved + reserved_sign * movement.quantity
        item = str(self.key.item_id)
        if on_hand < 0:
            raise InsufficientStock(
                item=item, item_id=item, quantity=str(movement.quantity), on_hand=str(self.on_hand)
            )
        if reserved < 0:
            raise conflicts.reserve_short(self.key.item_id, movement.quantity, self.reserved)
        return Balance(self.key, on_hand, reserved)


def document_movements(
    kind: MovementKind,
    document: tuple[DocumentKind, UUID],
    place: tuple[UUID, UUID, UUID],
    lines: Iterable[Line],
    occurred_on: date,
    posted_at: datetime,
) -> list[Movement]:
    """One movement of `kind` per line of a document at `place` (account, counterparty,
    warehouse)."""
    document_kind, document_id = document
    return [
        Movement(
            key=StockKey(*place, line.item_id),
            kind=kind,
            quantity=line.quantity,
            document_kind=document_kind,
            document_id=document_id,
            occurred_on=occurred_on,
            posted_at=posted_at,
        )
        for line in lines
    ]


def apply_all(
    balances: Mapping[StockKey, Balance], movements: Iterable[Change]
) -> dict[StockKey, Balance]:
    """Balances after `movements` in order; keys not in `balances` start at zero."""
    result = dict(balances)
    for movement in movements:
        current = result.get(movement.key) or Balance(movement.key)
        result[movement.key] = current.apply(movement)
    return result


def replay(movements: Iterable[Movement]) -> dict[StockKey, Balance]:
    """Balances rebuilt from nothing but the ledger (the reference for invariants)."""
    return apply_all({}, movements)
