"""Items (номенклатура) kept on custody, keyed by (counterparty, SKU)."""

from __future__ import annotations

from decimal import Decimal
from uuid import UUID

from attrs import frozen

from custody_core.domain.units import UnitOfMeasure


@frozen
class Item:
    """Goods of one counterparty; `declared_value` is the money value of one unit."""

    id: UUID
    account_id: UUID
    counterparty_id: UUID
    sku: str
    name: str
    unit: UnitOfMeasure
    declared_value: Decimal = Decimal("0.00")
