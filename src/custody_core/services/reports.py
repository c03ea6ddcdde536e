"""Read use cases over stock: the stock report for a period or a day, and the pick list."""

from __future__ import annotations

from datetime import date, datetime, timedelta
from uuid import UUID

from attrs import evolve

from custody_core.domain import codes
from custody_core.domain.checks import optional_day, optional_instant
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import expect
from custody_core.domain.orders import DeliveryOrder
from custody_core.domain.periods import Position
from custody_core.domain.stock import (
    PickLine,
    ReportInput,
    StockReport,
    build_pick_list,
    build_stock_report,
)
from custody_core.ports.storage import UnitOfWork
from custody_core.services.authorization import Action, authorize
from custody_core.services.context import Context

DAY = timedelta(days=1)


def stock_report(
    ctx: Context,
    counterparty_code: str | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    as_of: date | datetime | None = None,
) -> StockReport:
    """Stock of one counterparty over a period of business dates (inclusive).

    The period defaults to the current month up to today; `as_of` asks for
    the position at the end of one day, or, an instant, at that instant: its
    business day's opening plus the movements of that day posted before it
    (an aware datetime: a naive one says no zone). The cost is that of the
    items and the sums of the movements since the last closed month before
    the period (summed by the storage per item, kind and order).
    """
    authorize(ctx.principal, Action.READ_STOCK)
    date_from = optional_day(date_from, "date_from")
    date_to = optional_day(date_to, "date_to")
    instant = optional_instant(as_of, "as_of") if isinstance(as_of, datetime) else None
    as_of = optional_day(None if instant is not None else as_of, "as_of")
    if (as_of or instant) is not None and (date_from is not None or date_to is not None):
        raise ValidationError(
            [
                Problem(
                    codes.Value.INVALID,
                    "as_of",
                    instant or as_of,
                    expect("day_or_period"),
                )
            ]
        )
    with ctx.storage.unit_of_work(read_only=True) as uow:
        counterparty = ctx.counterparty(uow, counterparty_code)
        now = ctx.now()
        account = ctx.account(uow)
        if instant is not None:
            as_of = account.business_date(instant)
        end = as_of or date_to or account.business_date(now)
        start = as_of or date_from or end.replace(day=1)
        if start > end:
            raise ValidationError(
                [Problem(codes.Value.INVALID, "date_from", start, expect("on_or_before", date=end))]
            )
        day_before = start - DAY
        base = _last_snapshot(uow, ctx.account_id, counterparty.id, day_before)
        before = uow.ledger.totals(ctx.account_id, counterparty.id, base.as_of, day_before)
        opening = base.advanced(before, day_before)
        in_period = uow.ledger.totals(ctx.account_id, counterparty.id, day_before, end, instant)
        order_ids = {order for order, _ in opening.holds} | {
            total.order_id for total in in_period if total.order_id is not None
        }
        orders = uow.orders.get_many(ctx.account_id, order_ids)
        source = ReportInput(
            counterparty=counterparty,
            items={
                item.id: item
                for item in uow.items.for_counterparty(ctx.account_id, counterparty.id)
            },
            warehouses={w.id: w for w in uow.warehouses.find_all(ctx.account_id)},
            opening=opening,
            movements=in_period,
            orders=_as_confirmed_then(
                uow, ctx.account_id, orders, instant or account.start_of(end + DAY)
            ),
        )
        return build_stock_report(source, start, end, generated_at=now, as_of=instant)


def _as_confirmed_then(
    uow: UnitOfWork, account_id: UUID, orders: dict[UUID, DeliveryOrder], until: datetime
) -> dict[UUID, DeliveryOrder]:
    """The orders with the confirmation instant they had at `until`.

    Shortage goes first come, first served by confirmation; an order confirmed
    again after the period must be placed by the confirmation it had then.
    """
    later = [
        o.id for o in orders.values() if o.confirmed_at is not None and o.confirmed_at >= until
    ]
    if not later:
        return orders
    then = uow.orders.confirmed_before(account_id, later, until)
    return {
        key: evolve(order, confirmed_at=then[key]) if key in then else order
        for key, order in orders.items()
    }


def _last_snapshot(uow: UnitOfWork, account_id: UUID, counterparty_id: UUID, day: date) -> Position:
    """The closing snapshot of the last closed month ending on or before `day` (or nothing)."""
    ends = [end for end in uow.periods.closings(account_id) if end <= day]
    if not ends:
        return Position(None, {}, {})
    return uow.periods.snapshot(account_id, ends[-1], counterparty_id)


def pick_list(
    ctx: Context, warehouse_code: str, counterparty_code: str | None = None
) -> list[PickLine]:
    """Every item of the counterparty with what is free of it at the warehouse (the pick form)."""
    authorize(ctx.principal, Action.READ_STOCK)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        counterparty = ctx.counterparty(uow, counterparty_code)
        warehouse = ctx.warehouse(uow, warehouse_code)
        balances = {
            balance.key.item_id: balance
            for balance in uow.ledger.counterparty_balances(ctx.account_id, counterparty.id)
            if balance.key.warehouse_id == warehouse.id
        }
        items = uow.items.for_counterparty(ctx.account_id, counterparty.id)
        return build_pick_list(items, warehouse, balances)
