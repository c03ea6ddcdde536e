"""Codes and SKUs for the ids in documents."""

from __future__ import annotations

from collections.abc import Iterable
from uuid import UUID

from custody_core.services.desks import BackOffice


class Names:
    """Codes and SKUs by id, for output; an id it cannot name prints as is."""

    def __init__(self, desk: BackOffice) -> None:
        self._desk = desk
        self._known: dict[UUID, str] = {}

    def __call__(self, key: UUID) -> str:
        return self._known.get(key, str(key))

    def get(self, key: UUID) -> str | None:
        return self._known.get(key)

    def learn(self, counterparty_ids: Iterable[UUID]) -> None:
        """Learn the codes of these counterparties, their items and the warehouses."""
        wanted = [key for key in dict.fromkeys(counterparty_ids) if key not in self._known]
        if not wanted:
            return
        for warehouse in self._desk.warehouses():
            self._known[warehouse.id] = warehouse.code
        for counterparty in self._desk.counterparties():
            if counterparty.id in wanted:
                self._known[counterparty.id] = counterparty.code
                for item in self._desk.items(counterparty.code):
                    self._known[item.id] = item.sku
