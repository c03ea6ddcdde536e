"""The current stock report and the pick list, derived from balances and open orders.

Shortage is allocated first come, first served by confirmation time: the
stock on hand covers the earliest confirmed orders first, and whatever the
later ones reserved beyond it is their shortage.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from decimal import Decimal
from uuid import UUID

from attrs import frozen

from custody_core.domain.items import Item
from custody_core.domain.ledger import ZERO, Balance, StockFigures, StockKey
from custody_core.domain.orders import DeliveryOrder
from custody_core.domain.parties import Counterparty, Warehouse


@frozen
class OrderHold:
    """What one confirmed order holds of one item, and how much of it is not covered."""

    order_id: UUID
    order_number: int
    confirmed_at: datetime
    reserved: Decimal
    shortage: Decimal


@frozen
class StockLine(StockFigures):
    item: Item
    warehouse: Warehouse
    on_hand: Decimal
    reserved: Decimal
    holds: tuple[OrderHold, ...] = ()


@frozen
class StockReport:
    counterparty: Counterparty
    generated_at: datetime
    lines: tuple[StockLine, ...]

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


def build_stock_report(
    counterparty: Counterparty,
    items: Mapping[UUID, Item],
    warehouses: Mapping[UUID, Warehouse],
    balances: Iterable[Balance],
    holding_orders: Iterable[DeliveryOrder],
    generated_at: datetime,
) -> StockReport:
    """Report every (warehouse, item) of the counterparty that has stock or reserve."""
    holds: dict[StockKey, list[tuple[DeliveryOrder, Decimal]]] = {}
    for order in holding_orders:
        for line in order.lines:
            key = StockKey(
                order.account_id, order.counterparty_id, order.warehouse_id, line.item_id
            )
            holds.setdefault(key, []).append((order, line.quantity))
    lines = [
        StockLine(
            item=items[balance.key.item_id],
            warehouse=warehouses[balance.key.warehouse_id],
            on_hand=balance.on_hand,
            reserved=balance.reserved,
            holds=tuple(allocate(balance.on_hand, holds.get(balance.key, ()))),
        )
        for balance in balances
        if balance.on_hand or balance.reserved
    ]
    lines.sort(key=lambda line: (line.warehouse.code, line.item.sku))
    return StockReport(counterparty, generated_at, tuple(lines))


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
