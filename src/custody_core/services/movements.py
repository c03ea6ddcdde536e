"""The movement list: the ledger of one counterparty, filtered and paged."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date

from custody_core.domain.checks import members, optional_day, reference
from custody_core.domain.errors import NotFound
from custody_core.domain.ledger import Movement, MovementKind
from custody_core.domain.paging import Page, PageRequest
from custody_core.ports.storage import MovementQuery
from custody_core.services.authorization import Action, authorize
from custody_core.services.context import Context


def list_movements(
    ctx: Context,
    counterparty_code: str | None = None,
    sku: str | None = None,
    warehouse_code: str | None = None,
    kinds: Collection[MovementKind | str] | None = None,
    date_from: date | None = None,
    date_to: date | None = None,
    page: PageRequest | None = None,
) -> Page[Movement]:
    """Movements of a counterparty by business date, then in the order they were posted."""
    authorize(ctx.principal, Action.READ_STOCK)
    with ctx.storage.unit_of_work(read_only=True) as uow:
        counterparty = ctx.counterparty(uow, counterparty_code)
        item_id = None
        if sku is not None:
            found = uow.items.by_skus(ctx.account_id, [reference(sku, "sku")], counterparty.id)
            if not found:
                raise NotFound(entity="item", key=sku)
            item_id = found[0].id
        warehouse = None if warehouse_code is None else ctx.warehouse(uow, warehouse_code)
        query = MovementQuery(
            counterparty_id=counterparty.id,
            warehouse_id=warehouse.id if warehouse else None,
            item_id=item_id,
            kinds=members(kinds, "kinds", MovementKind),
            date_from=optional_day(date_from, "date_from"),
            date_to=optional_day(date_to, "date_to"),
        )
        return uow.ledger.find(ctx.account_id, query, page or PageRequest())
