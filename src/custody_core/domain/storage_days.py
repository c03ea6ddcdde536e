"""How long returned goods were kept: lots matched first in, first out.

Storage is charged per unit and day, so returning goods needs the dates the
returned units arrived. Goods of one item are indistinguishable, so the
oldest units on hand are taken to leave first (FIFO), the rule warehouses
bill by. A day begun is a day charged: goods received and returned on the
same day were kept one day.
"""

from __future__ import annotations

from bisect import insort
from collections import deque
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from attrs import frozen

from custody_core.domain.ledger import EFFECTS, Movement


@frozen
class Lot:
    """`quantity` units of one item, received on `received` and kept for `days`."""

    received: date
    quantity: Decimal
    days: int


def returned_lots(history: Iterable[Movement], quantity: Decimal, on: date) -> list[Lot]:
    """The lots `quantity` units returned on `on` came from, oldest first.

    `history` is the item's movements at one warehouse for one counterparty,
    in posting order, before the return: replayed so, every return takes what
    was on hand when it was posted, and no lot is taken twice. Goods on hand
    are kept oldest first, so goods received with an earlier date after a
    later receipt leave before it. Goods coming back (a reversed shipment)
    count as arriving on the day they came back. Units the history does not
    account for are dated `on` itself.
    """
    on_hand: deque[tuple[date, Decimal]] = deque()
    for movement in history:
        sign = EFFECTS[movement.kind][0]
        if sign > 0:
            insort(on_hand, (movement.occurred_on, movement.quantity), key=_received)
        elif sign < 0:
            _take(on_hand, movement.quantity)
    taken = _take(on_hand, quantity)
    unaccounted = quantity - sum((part for _, part in taken), Decimal(0))
    if unaccounted > 0:
        taken.append((on, unaccounted))
    return [Lot(received, part, (on - received).days + 1) for received, part in taken]


def _take(on_hand: deque[tuple[date, Decimal]], quantity: Decimal) -> list[tuple[date, Decimal]]:
    """Take `quantity` from the oldest lots of `on_hand`; what they gave, oldest first."""
    taken: list[tuple[date, Decimal]] = []
    while quantity > 0 and on_hand:
        received, available = on_hand.popleft()
        part = min(available, quantity)
        taken.append((received, part))
        quantity -= part
        if part < available:
            on_hand.appendleft((received, available - part))
    return taken


def _received(lot: tuple[date, Decimal]) -> date:
    return lot[0]
