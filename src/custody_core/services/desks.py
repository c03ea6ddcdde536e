"""Actor-scoped facades over the use cases: the back office and the client cabinet.

Both call the same use-case functions, which check authorization themselves;
the facades only fix who acts and, for the cabinet, whose data it is.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from custody_core.domain.items import Item
from custody_core.domain.orders import DeliveryOrder, OrderChange, OrderDraft, OrderState
from custody_core.domain.parties import Contract, Counterparty, Warehouse
from custody_core.domain.principal import Principal
from custody_core.domain.receipts import Receipt, ReceiptDraft
from custody_core.domain.stock import PickLine, StockReport
from custody_core.domain.units import PIECE, UnitOfMeasure
from custody_core.services import catalog, orders, receipts, reports
from custody_core.services.context import Context


class _Desk:
    def __init__(self, context: Context) -> None:
        self._ctx = context

    @property
    def principal(self) -> Principal:
        return self._ctx.principal

    def create_order(self, draft: OrderDraft) -> DeliveryOrder:
        return orders.create_order(self._ctx, draft)

    def confirm_order(self, number: int, *, expected_version: int | None = None) -> DeliveryOrder:
        """Confirm a draft: every cargo line is reserved, even beyond what is free."""
        return orders.change_order(self._ctx, number, OrderChange.CONFIRM, expected_version)

    def cancel_order(self, number: int, *, expected_version: int | None = None) -> DeliveryOrder:
        """Cancel an order; a confirmed one releases its reserve."""
        return orders.change_order(self._ctx, number, OrderChange.CANCEL, expected_version)

    def order(self, number: int) -> DeliveryOrder:
        return orders.get_order(self._ctx, number)


class BackOffice(_Desk):
    """Use cases of the company's staff (manager, administrator) within their account."""

    def add_counterparty(
        self, code: str, name: str, *, phone: str | None = None, inn: str | None = None
    ) -> Counterparty:
        return catalog.add_counterparty(self._ctx, code, name, phone=phone, inn=inn)

    def add_contract(
        self, counterparty: str, number: str, *, signed_on: date | None = None, main: bool = False
    ) -> Contract:
        return catalog.add_contract(self._ctx, counterparty, number, signed_on=signed_on, main=main)

    def add_warehouse(self, code: str, name: str) -> Warehouse:
        return catalog.add_warehouse(self._ctx, code, name)

    def add_item(
        self,
        counterparty: str,
        sku: str,
        name: str,
        *,
        unit: UnitOfMeasure = PIECE,
        declared_value: object = 0,
    ) -> Item:
        return catalog.add_item(
            self._ctx, counterparty, sku, name, unit=unit, declared_value=declared_value
        )

    def post_receipt(self, draft: ReceiptDraft) -> Receipt:
        return receipts.post_receipt(self._ctx, draft)

    def receipts(self, counterparty: str | None = None) -> list[Receipt]:
        return receipts.list_receipts(self._ctx, counterparty)

    def deliver_order(self, number: int, *, expected_version: int | None = None) -> DeliveryOrder:
        """Deliver a confirmed order: its reserve and its stock on hand are written off."""
        return orders.change_order(self._ctx, number, OrderChange.DELIVER, expected_version)

    def orders(
        self, counterparty: str | None = None, states: Collection[OrderState] | None = None
    ) -> list[DeliveryOrder]:
        return orders.list_orders(self._ctx, counterparty, states)

    def pick_list(self, counterparty: str, warehouse: str) -> list[PickLine]:
        return reports.pick_list(self._ctx, warehouse, counterparty)

    def stock_report(self, counterparty: str) -> StockReport:
        return reports.stock_report(self._ctx, counterparty)


class Cabinet(_Desk):
    """Use cases of a client in its cabinet: always and only its own counterparty's data."""

    def receipts(self) -> list[Receipt]:
        return receipts.list_receipts(self._ctx)

    def orders(self, states: Collection[OrderState] | None = None) -> list[DeliveryOrder]:
        return orders.list_orders(self._ctx, None, states)

    def pick_list(self, warehouse: str) -> list[PickLine]:
        return reports.pick_list(self._ctx, warehouse)

    def stock_report(self) -> StockReport:
        return reports.stock_report(self._ctx)
