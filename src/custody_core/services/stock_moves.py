"""Recording movements: balances are read locked, changed by the domain, written back."""

from __future__ import annotations

from collections.abc import Sequence
from uuid import UUID

from custody_core.domain.errors import Conflict
from custody_core.domain.ledger import Movement, apply_all
from custody_core.ports.storage import UnitOfWork


def record_movements(uow: UnitOfWork, account_id: UUID, movements: Sequence[Movement]) -> None:
    """Append `movements` with their balances; refuse, changing nothing, if stock or reserve
    goes negative, naming the item by its SKU."""
    if not movements:
        return
    keys = {movement.key for movement in movements}
    current = uow.ledger.balances(account_id, keys)
    try:
        after = apply_all(current, movements)
    except Conflict as error:
        if "item_id" not in error.details:
            raise
        item = uow.items.get(account_id, UUID(str(error.details["item_id"])))
        details = dict(error.details, item=item.sku if item else error.details["item"])
        raise type(error)(error.code, **details) from None
    uow.ledger.append(movements, [after[key] for key in keys])
