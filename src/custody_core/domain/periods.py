"""Monthly closing snapshots: the stock position at the end of each closed month.

A report for a period starts from the last snapshot before it and reads only
the movements after that snapshot, so its cost does not grow with history.
Snapshots are sums of movements, so a document dated into a closed month is
accepted and its movements are added to every snapshot ending on or after
its date, in the same transaction (see docs/decisions.md).
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Iterator, Mapping
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID

from attrs import frozen

from custody_core.domain.ledger import (
    EFFECTS,
    ZERO,
    Balance,
    Change,
    MovementKind,
    StockKey,
    apply_all,
    increases_first,
)

_HOLD_SIGN = {
    MovementKind.RESERVATION: 1,
    MovementKind.RELEASE: -1,
    MovementKind.WRITE_OFF: -1,
    MovementKind.WRITE_OFF_REVERSAL: 1,
}


def month_end(day: date) -> date:
    """The last day of `day`'s month."""
    first_of_next = (day.replace(day=1) + timedelta(days=32)).replace(day=1)
    return first_of_next - timedelta(days=1)


def month_ends(first: date, through: date) -> list[date]:
    """Ends of the months from `first`'s month on, up to those ending on or before `through`."""
    ends = []
    current = month_end(first)
    while current <= through:
        ends.append(current)
        current = month_end(current + timedelta(days=1))
    return ends


@frozen
class HeldReserve:
    """The reserve one order held of one stock key at the end of a closed month."""

    order_id: UUID
    key: StockKey
    quantity: Decimal


@frozen
class Position:
    """Balances and per-order reserve of some stock keys at the end of day `as_of`."""

    as_of: date | None
    balances: Mapping[StockKey, Balance]
    holds: Mapping[tuple[UUID, StockKey], Decimal]

    @classmethod
    def of(
        cls, as_of: date | None, balances: Iterable[Balance], holds: Iterable[HeldReserve]
    ) -> Position:
        return cls(
            as_of,
            {balance.key: balance for balance in balances},
            {(hold.order_id, hold.key): hold.quantity for hold in holds},
        )

    def advanced(self, changes: Iterable[Change], to: date) -> Position:
        """The position after `changes`: the movements dated after `as_of` up to `to`, or
        their totals (applied increases first, so that no sum dips below zero on the way)."""
        listed = increases_first(changes)
        holds = dict(self.holds)
        for change in listed:
            delta = hold_effect(change)
            if delta and change.order_id is not None:
                slot = (change.order_id, change.key)
                held = holds.get(slot, ZERO) + delta
                if held:
                    holds[slot] = held
                else:
                    holds.pop(slot, None)
        balances = apply_all(self.balances, listed)
        return Position(to, balances, holds)

    def held(self) -> list[HeldReserve]:
        return [HeldReserve(order, key, quantity) for (order, key), quantity in self.holds.items()]

    def without_zeros(self) -> Position:
        """This position less its zero balances: what a snapshot keeps of it."""
        kept = {key: b for key, b in self.balances.items() if b.on_hand or b.reserved}
        return Position(self.as_of, kept, self.holds)


def month_end_positions(
    start: Position,
    ends: Iterable[date],
    totals: Callable[[date | None, date], Iterable[Change]],
) -> Iterator[Position]:
    """`start` advanced to each of `ends` in turn by `totals(after, through)`, the movement
    sums of each month: how months are closed in Python, and what a database must match."""
    position = start
    for end in ends:
        position = position.advanced(totals(position.as_of, end), end)
        yield position


def fold_signs() -> list[tuple[str, int, int, int]]:
    """(kind, on hand sign, reserved sign, order reserve sign) of every movement kind: handed
    to a database as data, so that its SQL folds movements without naming a kind."""
    return [(kind.value, *EFFECTS[kind], _HOLD_SIGN.get(kind, 0)) for kind in MovementKind]


def effect(movement: Change) -> tuple[Decimal, Decimal]:
    """(change of on hand, change of reserved) that `movement` makes."""
    on_hand_sign, reserved_sign = EFFECTS[movement.kind]
    return on_hand_sign * movement.quantity, reserved_sign * movement.quantity


def hold_effect(movement: Change) -> Decimal:
    """The change `movement` makes to its order's reserve (zero for movements of no order)."""
    if movement.order_id is None:
        return ZERO
    return _HOLD_SIGN.get(movement.kind, 0) * movement.quantity
