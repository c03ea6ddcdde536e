"""Read use cases over stock: the stock report and the pick list."""

from __future__ import annotations

from custody_core.domain.orders import OrderState
from custody_core.domain.stock import PickLine, StockReport, build_pick_list, build_stock_report
from custody_core.services.authorization import Action, authorize
from custody_core.services.context import Context


def stock_report(ctx: Context, counterparty_code: str | None = None) -> StockReport:
    """Current stock of one counterparty: on hand, reserved, free, shortage, holding orders."""
    authorize(ctx.principal, Action.READ_STOCK)
    with ctx.storage.unit_of_work() as uow:
        counterparty = ctx.counterparty(uow, counterparty_code)
        items = {
            item.id: item for item in uow.items.for_counterparty(ctx.account_id, counterparty.id)
        }
        warehouses = {
            warehouse.id: warehouse for warehouse in uow.warehouses.find_all(ctx.account_id)
        }
        balances = uow.ledger.counterparty_balances(ctx.account_id, counterparty.id)
        holding = uow.orders.find_all(ctx.account_id, counterparty.id, {OrderState.CONFIRMED})
        return build_stock_report(
            counterparty, items, warehouses, balances, holding, generated_at=ctx.now()
        )


def pick_list(
    ctx: Context, warehouse_code: str, counterparty_code: str | None = None
) -> list[PickLine]:
    """Every item of the counterparty with what is free of it at the warehouse (the pick form)."""
    authorize(ctx.principal, Action.READ_STOCK)
    with ctx.storage.unit_of_work() as uow:
        counterparty = ctx.counterparty(uow, counterparty_code)
        warehouse = ctx.warehouse(uow, warehouse_code)
        balances = {
            balance.key.item_id: balance
            for balance in uow.ledger.counterparty_balances(ctx.account_id, counterparty.id)
            if balance.key.warehouse_id == warehouse.id
        }
        items = uow.items.for_counterparty(ctx.account_id, counterparty.id)
        return build_pick_list(items, warehouse, balances)
