"""Delivery order use cases: create, confirm (reserve), deliver (write off), cancel (release)."""

from __future__ import annotations

from collections.abc import Collection

from custody_core.domain.checks import Checks
from custody_core.domain.errors import Conflict, NotFound, Problem
from custody_core.domain.orders import DeliveryOrder, OrderChange, OrderDraft, OrderState
from custody_core.domain.parties import Counterparty
from custody_core.ports.storage import UnitOfWork
from custody_core.services.authorization import Action, authorize, may_see
from custody_core.services.context import Context
from custody_core.services.drafting import draft_counterparty, draft_lines, draft_warehouse
from custody_core.services.stock_moves import record_movements


def create_order(ctx: Context, draft: OrderDraft) -> DeliveryOrder:
    """Create a draft order; it reserves nothing until confirmed."""
    authorize(ctx.principal, Action.MANAGE_ORDERS)
    checks = Checks()
    recipient = checks.optional_text(draft.recipient, "recipient")
    address = checks.optional_text(draft.address, "address", 1000)
    comment = checks.optional_text(draft.comment, "comment", 1000)
    with ctx.storage.unit_of_work() as uow:
        counterparty = draft_counterparty(ctx, uow, checks, draft.counterparty)
        warehouse = draft_warehouse(ctx, uow, checks, draft.warehouse)
        lines = draft_lines(ctx, uow, checks, counterparty, draft.lines) if counterparty else ()
        if not draft.lines:
            checks.add(Problem("lines.empty", "lines"))
        checks.done()
        assert counterparty is not None
        assert warehouse is not None
        order = DeliveryOrder(
            id=ctx.new_id(),
            account_id=ctx.account_id,
            number=uow.orders.next_number(ctx.account_id),
            counterparty_id=counterparty.id,
            warehouse_id=warehouse.id,
            lines=lines,
            created_at=ctx.now(),
            recipient=recipient,
            address=address,
            comment=comment,
        )
        uow.orders.add(order)
        uow.commit()
    return order


def change_order(
    ctx: Context, number: int, change: OrderChange, expected_version: int | None = None
) -> DeliveryOrder:
    """Apply a state change and its stock movements in one transaction.

    `expected_version`, when given, must match the stored order: an edit made
    on a stale copy is refused with a Conflict instead of silently winning.
    """
    authorize(
        ctx.principal,
        Action.DELIVER_ORDERS if change is OrderChange.DELIVER else Action.MANAGE_ORDERS,
    )
    with ctx.storage.unit_of_work() as uow:
        order = _visible_order(ctx, uow, number)
        if expected_version is not None and order.version != expected_version:
            raise Conflict(
                reason=f"order {number} is at version {order.version}, not {expected_version}"
            )
        now = ctx.now()
        changed, movements = order.change(change, now, ctx.account(uow).business_date(now))
        record_movements(uow, ctx.account_id, movements)
        uow.orders.save(changed)
        uow.commit()
    return changed


def get_order(ctx: Context, number: int) -> DeliveryOrder:
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work() as uow:
        return _visible_order(ctx, uow, number)


def list_orders(
    ctx: Context,
    counterparty_code: str | None = None,
    states: Collection[OrderState] | None = None,
) -> list[DeliveryOrder]:
    authorize(ctx.principal, Action.READ_DOCUMENTS)
    with ctx.storage.unit_of_work() as uow:
        counterparty: Counterparty | None = None
        if counterparty_code is not None or ctx.principal.is_client:
            counterparty = ctx.counterparty(uow, counterparty_code)
        return uow.orders.find_all(
            ctx.account_id, counterparty.id if counterparty else None, states
        )


def _visible_order(ctx: Context, uow: UnitOfWork, number: int) -> DeliveryOrder:
    order = uow.orders.by_number(ctx.account_id, number)
    if order is None or not may_see(ctx.principal, order.counterparty_id):
        raise NotFound(entity="order", key=number)
    return order
