"""The stock report for a period and the pick list.

The report starts from the position at the end of the day before the
period, adds the period's movements and shows what came in, what was
reserved, released and delivered, and the closing figures. Shortage is
allocated first come, first served by confirmation time: the stock on hand
covers the earliest confirmed orders first, and whatever the later ones
reserved beyond it is their shortage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from attrs import frozen

from custody_core.domain.items import Item
from custody_core.domain.ledger import ZERO, Balance, Change, MovementKind, StockFigures, StockKey
from custody_core.domain.orders import DeliveryOrder
from custody_core.domain.parties import Counterparty, Warehouse
from custody_core.domain.periods import Position


@frozen
class OrderHold:
    """What one confirmed order holds of one item, and how much of it is not covered."""

    order_id: UUID
    order_number: int
    confirmed_at: datetime
    reserved: Decimal
    shortage: Decimal


@frozen
class OrderWriteOff:
    """What one order had written off (delivered) of one item within the period."""

    order_id: UUID
    order_number: int
    quantity: Decimal


@frozen
class StockLine(StockFigures):
    """One (warehouse, item) of the report: opening, movements of the period, closing.

    Closing on hand = opening on hand + received - delivered; closing
    reserved = opening reserved + reservations - released - delivered.
    Reversals are netted into the column of what they reverse.
    """

    item: Item
    warehouse: Warehouse
    on_hand: Decimal
    reserved: Decimal
    opening_on_hand: Decimal = ZERO
    opening_reserved: Decimal = ZERO
    received: Decimal = ZERO
    reservations: Decimal = ZERO
    released: Decimal = ZERO
    delivered: Decimal = ZERO
    holds: tuple[OrderHold, ...] = ()
    written_off_by: tuple[OrderWriteOff, ...] = ()


@frozen
class StockReport:
    """Stock of one counterparty over `period_start`..`period_end` (business dates, inclusive);
    a report as of an instant has `as_of`, and its period is that instant's business day."""

    counterparty: Counterparty
    generated_at: datetime
    period_start: date
    period_end: date
    lines: tuple[StockLine, ...]
    as_of: datetime | None = None

    def shortages_by_order(self) -> dict[int, list[tuple[str, Decimal]]]:
        """Order number -> (SKU, missing quantity) for every order short of stock."""
        result: dict[int, list[tuple[str, Decimal]]] = {}
        for line in self.lines:
            for hold in line.holds:
                if hold.shortage:
                    result.setdefault(hold.order_number, []).append((line.item.sku, hold.shortage))
        return dict(sorted(result.items()))


@frozen
class PickLine(StockFigures):
    """One row of the pick form: an item of the counterparty and what is free of it."""

    item: Item
    warehouse: Warehouse
    on_hand: Decimal
    reserved: Decimal


def allocate(on_hand: Decimal, holds: Iterable[tuple[DeliveryOrder, Decimal]]) -> list[OrderHold]:
    """Cover the holds from `on_hand`, earliest confirmation first; the rest is shortage."""
    ordered = sorted(holds, key=lambda hold: (hold[0].confirmed_at, hold[0].number))
    remaining = max(on_hand, ZERO)
    result = []
    for order, reserved in ordered:
        covered = min(remaining, reserved)
        remaining -= covered
        assert order.confirmed_at is not None, "only confirmed orders hold reserve"
        result.append(
            OrderHold(order.id, order.number, order.confirmed_at, reserved, reserved - covered)
        )
    return result


#: The report column each movement kind counts in, and its sign there.
_FLOW: Mapping[MovementKind, tuple[str, int]] = {
    MovementKind.RECEIPT: ("received", 1),
    MovementKind.RECEIPT_REVERSAL: ("received", -1),
    MovementKind.RESERVATION: ("reservations", 1),
    MovementKind.RELEASE: ("released", 1),
    MovementKind.WRITE_OFF: ("delivered", 1),
    MovementKind.WRITE_OFF_REVERSAL: ("delivered", -1),
}
_COLUMNS = ("received", "reservations", "released", "delivered")


@frozen
class ReportInput:
    """What a period report is computed from: `movements` are the period's movements or
    their totals; `orders` holds every order they and the opening's holds name."""

    counterparty: Counterparty
    items: Mapping[UUID, Item]
    warehouses: Mapping[UUID, Warehouse]
    opening: Position
    movements: Sequence[Change]
    orders: Mapping[UUID, DeliveryOrder]


def build_stock_report(
    source: ReportInput,
    period_start: date,
    period_end: date,
    generated_at: datetime,
    as_of: datetime | None = None,
) -> StockReport:
    """Report every (warehouse, item) that has stock, reserve or movements in the period."""
    closing = source.opening.advanced(source.movements, period_end)
    flows, written = _flows(source.movements)
    holds: dict[StockKey, list[tuple[DeliveryOrder, Decimal]]] = {}
    for (order_id, key), quantity in closing.holds.items():
        holds.setdefault(key, []).append((source.orders[order_id], quantity))
    lines = []
    for key in {*source.opening.balances, *closing.balances, *flows}:
        opening = source.opening.balances.get(key) or Balance(key)
        closed = closing.balances.get(key) or Balance(key)
        empty = not (opening.on_hand or opening.reserved or closed.on_hand or closed.reserved)
        if empty and key not in flows:
            continue
        item = source.items[key.item_id]
        columns = flows.get(key, {})
        lines.append(
            StockLine(
                item=item,
                warehouse=source.warehouses[key.warehouse_id],
                on_hand=closed.on_hand,
                reserved=closed.reserved,
                opening_on_hand=opening.on_hand,
                opening_reserved=opening.reserved,
                received=_at(columns.get("received", ZERO), item),
                reservations=_at(columns.get("reservations", ZERO), item),
                released=_at(columns.get("released", ZERO), item),
                delivered=_at(columns.get("delivered", ZERO), item),
                holds=tuple(allocate(closed.on_hand, holds.get(key, ()))),
                written_off_by=_written_off_by(written.get(key, {}), source.orders),
            )
        )
    lines.sort(key=lambda line: (line.warehouse.code, line.item.sku))
    return StockReport(
        source.counterparty, generated_at, period_start, period_end, tuple(lines), as_of
    )


def _flows(
    movements: Iterable[Change],
) -> tuple[dict[StockKey, dict[str, Decimal]], dict[StockKey, dict[UUID, Decimal]]]:
    """Per stock key: the sum of each report column, and what each order wrote off."""
    flows: dict[StockKey, dict[str, Decimal]] = {}
    written: dict[StockKey, dict[UUID, Decimal]] = {}
    for movement in movements:
        column, sign = _FLOW[movement.kind]
        quantity = sign * movement.quantity
        row = flows.setdefault(movement.key, dict.fromkeys(_COLUMNS, ZERO))
        row[column] += quantity
        if column == "delivered" and movement.order_id is not None:
            by_order = written.setdefault(movement.key, {})
            by_order[movement.order_id] = by_order.get(movement.order_id, ZERO) + quantity
    return flows, written


def _written_off_by(
    by_order: Mapping[UUID, Decimal], orders: Mapping[UUID, DeliveryOrder]
) -> tuple[OrderWriteOff, ...]:
    """Orders that wrote a net quantity off in the period, by number."""
    rows = [
        OrderWriteOff(order_id, orders[order_id].number, quantity)
        for order_id, quantity in by_order.items()
        if quantity
    ]
    return tuple(sorted(rows, key=lambda row: row.order_number))


def _at(value: Decimal, item: Item) -> Decimal:
    """`value` at the item unit's scale (sums of movements may have lost it)."""
    return value.quantize(Decimal(1).scaleb(-item.unit.scale))


def build_pick_list(
    items: Iterable[Item], warehouse: Warehouse, balances: Mapping[UUID, Balance]
) -> list[PickLine]:
    """Every item of the counterparty with its balance at `warehouse` (zero when none)."""
    rows = []
    for item in sorted(items, key=lambda item: item.sku):
        balance = balances.get(item.id)
        on_hand, reserved = (balance.on_hand, balance.reserved) if balance else (ZERO, ZERO)
        rows.append(PickLine(item, warehouse, on_hand, reserved))
    return rows
