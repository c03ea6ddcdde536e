"""Shipments (расходные накладные): read-only lists and lookups; delivery posts them."""

from __future__ import annotations

from datetime import date

from custody_core.domain.checks import whole_number
from custody_core.domain.errors import NotFound
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.shipments import Shipment
from custody_core.ports.storage import UnitOfWork
from custody_core.services.authorization import Action, authorize, require_visible
from custody_core.services.context import Context, document_query
from custody_core.services.orders import visible_order


def list_shipments(
    ctx: Context,
    counterparty_code: str | None = None,
    warehouse_code: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    order_number: int | None = None,
    page: PageRequest | None = None,
    reversed: bool | None = None,
) -> Page[Shipment]:
    """Shipments by number, each with its reversal if it was reversed (`reversed` keeps
    only those that were, or were not); a client sees only its own."""
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        order = None if order_number is None else visible_order(ctx, uow, order_number)
        query = document_query(
            ctx,
            uow,
            counterparty_code,
            warehouse_code,
            date_from,
            date_to,
            order_id=order.id if order else None,
            reversed=reversed,
        )
        return uow.shipments.find(ctx.account_id, query, page or PageRequest())


def get_shipment(ctx: Context, number: int) -> Shipment:
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        return visible_shipment(ctx, uow, number)


def visible_shipment(ctx: Context, uow: UnitOfWork, number: int, field: str = "number") -> Shipment:
    """The shipment numbered `number`, NotFound if the principal may not see it (read
    like `visible_order`)."""
    number = whole_number(number, field)
    if ctx.principal.is_client:
        owner = uow.shipments.counterparty_of(ctx.account_id, number)
        require_visible(ctx.principal, owner, "shipment", number)
    shipment = uow.shipments.by_number(ctx.account_id, number)
    if shipment is None:
        raise NotFound(entity="shipment", key=number)
    return shipment
