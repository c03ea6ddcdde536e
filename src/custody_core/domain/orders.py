"""Delivery orders (заказы на доставку) and the one table of their legal state changes."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from types import MappingProxyType
from uuid import UUID

from attrs import evolve, field, frozen

from custody_core.domain.errors import IllegalTransition
from custody_core.domain.ledger import DocumentKind, Movement, MovementKind, StockKey
from custody_core.domain.lines import Line, LineDraft, line_drafts


class OrderState(enum.StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    DELIVERED = "delivered"
    CANCELLED = "cancelled"


class OrderChange(enum.StrEnum):
    CONFIRM = "confirm"
    DELIVER = "deliver"
    CANCEL = "cancel"


#: (state, change) -> (new state, movement each cargo line gets). Absent pairs are illegal.
TRANSITIONS: Mapping[tuple[OrderState, OrderChange], tuple[OrderState, MovementKind | None]] = (
    MappingProxyType(
        {
            (OrderState.DRAFT, OrderChange.CONFIRM): (
                OrderState.CONFIRMED,
                MovementKind.RESERVATION,
            ),
            (OrderState.DRAFT, OrderChange.CANCEL): (OrderState.CANCELLED, None),
            (OrderState.CONFIRMED, OrderChange.DELIVER): (
                OrderState.DELIVERED,
                MovementKind.WRITE_OFF,
            ),
            (OrderState.CONFIRMED, OrderChange.CANCEL): (
                OrderState.CANCELLED,
                MovementKind.RELEASE,
            ),
        }
    )
)


@frozen
class OrderDraft:
    """An order as entered; a client's draft may leave `counterparty` empty (it is its own)."""

    warehouse: str
    lines: tuple[LineDraft, ...] = field(converter=line_drafts)
    counterparty: str | None = None
    recipient: str | None = None
    address: str | None = None
    comment: str | None = None


@frozen
class DeliveryOrder:
    """An order of the counterparty (its customer) to deliver goods from one warehouse.

    A confirmed order holds reserve for every cargo line; `version` grows with
    every change so a stale edit can be detected.
    """

    id: UUID
    account_id: UUID
    number: int
    counterparty_id: UUID
    warehouse_id: UUID
    lines: tuple[Line, ...]
    created_at: datetime
    state: OrderState = OrderState.DRAFT
    version: int = 1
    confirmed_at: datetime | None = None
    closed_at: datetime | None = None
    recipient: str | None = None
    address: str | None = None
    comment: str | None = None

    @property
    def holds_reserve(self) -> bool:
        return self.state is OrderState.CONFIRMED

    def change(
        self, change: OrderChange, at: datetime, on: date
    ) -> tuple[DeliveryOrder, list[Movement]]:
        """Apply `change` at instant `at` (business date `on`): the new order and its movements."""
        target = TRANSITIONS.get((self.state, change))
        if target is None:
            raise IllegalTransition(order=self.number, state=self.state.value, change=change.value)
        state, movement_kind = target
        changed = evolve(
            self,
            state=state,
            version=self.version + 1,
            confirmed_at=at if state is OrderState.CONFIRMED else self.confirmed_at,
            closed_at=at if state in (OrderState.DELIVERED, OrderState.CANCELLED) else None,
        )
        if movement_kind is None:
            return changed, []
        movements = [
            Movement(
                key=StockKey(
                    self.account_id, self.counterparty_id, self.warehouse_id, line.item_id
                ),
                kind=movement_kind,
                quantity=line.quantity,
                document_kind=DocumentKind.DELIVERY_ORDER,
                document_id=self.id,
                occurred_on=on,
                posted_at=at,
                order_id=self.id,
            )
            for line in self.lines
        ]
        return changed, movements
