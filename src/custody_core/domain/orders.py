"""Delivery orders (заказы на доставку) and the one table of their legal state changes.

An order's stock position is what it holds in reserve and what it has had
written off. Every change moves the order to the state the table names, and
the movements it posts are exactly the difference between the position
before and after: so reserve follows edits, a partial delivery writes off
what was handed over and releases the rest, and a reversed delivery restores
the reserve it consumed.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable, Mapping
from datetime import date, datetime
from decimal import Decimal
from types import MappingProxyType
from uuid import UUID

from attrs import evolve, field, frozen

from custody_core.domain.errors import IllegalTransition
from custody_core.domain.ledger import ZERO, DocumentKind, Movement, MovementKind, StockKey
from custody_core.domain.lines import Line, LineDraft, line_drafts


class OrderState(enum.StrEnum):
    DRAFT = "draft"
    CONFIRMED = "confirmed"
    NOT_DELIVERED = "not_delivered"
    FAILED = "failed"
    DELIVERED = "delivered"
    PARTIALLY_DELIVERED = "partially_delivered"
    CANCELLED = "cancelled"


class OrderChange(enum.StrEnum):
    CONFIRM = "confirm"
    EDIT_LINES = "edit_lines"
    DELIVER = "deliver"
    DELIVER_PARTIALLY = "deliver_partially"
    FAIL_KEEPING_RESERVE = "fail_keeping_reserve"
    FAIL_RELEASING_RESERVE = "fail_releasing_reserve"
    CANCEL = "cancel"
    REVERSE_DELIVERY = "reverse_delivery"


_S, _C = OrderState, OrderChange
_OPEN = (_S.CONFIRMED, _S.NOT_DELIVERED)

#: (state, change) -> new state. Absent pairs are illegal. Stock movements are
#: not listed: they follow from the states (see `DeliveryOrder.change`).
TRANSITIONS: Mapping[tuple[OrderState, OrderChange], OrderState] = MappingProxyType(
    {
        (_S.DRAFT, _C.CONFIRM): _S.CONFIRMED,
        (_S.DRAFT, _C.EDIT_LINES): _S.DRAFT,
        (_S.DRAFT, _C.CANCEL): _S.CANCELLED,
        **{(state, _C.EDIT_LINES): state for state in _OPEN},
        **{(state, _C.DELIVER): _S.DELIVERED for state in _OPEN},
        **{(state, _C.DELIVER_PARTIALLY): _S.PARTIALLY_DELIVERED for state in _OPEN},
        **{(state, _C.FAIL_KEEPING_RESERVE): _S.NOT_DELIVERED for state in _OPEN},
        **{(state, _C.FAIL_RELEASING_RESERVE): _S.FAILED for state in _OPEN},
        **{(state, _C.CANCEL): _S.CANCELLED for state in _OPEN},
        (_S.FAILED, _C.CONFIRM): _S.CONFIRMED,
        (_S.FAILED, _C.EDIT_LINES): _S.FAILED,
        (_S.FAILED, _C.CANCEL): _S.CANCELLED,
        (_S.DELIVERED, _C.REVERSE_DELIVERY): _S.CONFIRMED,
        (_S.PARTIALLY_DELIVERED, _C.REVERSE_DELIVERY): _S.CONFIRMED,
    }
)

#: States in which an order holds reserve for every cargo line.
HOLDING_STATES = frozenset(_OPEN)
_FAILED = frozenset({_S.NOT_DELIVERED, _S.FAILED})
#: States in which an order has had its handed-over lines written off.
SHIPPED_STATES = frozenset({_S.DELIVERED, _S.PARTIALLY_DELIVERED})


def transition_table() -> list[list[str]]:
    """The state x change table as rows of text: a header, then one row per state."""
    header = ["state \\ change", *(change.value for change in OrderChange)]
    rows = [header]
    for state in OrderState:
        cells = [TRANSITIONS.get((state, change)) for change in OrderChange]
        rows.append([state.value, *(cell.value if cell else "—" for cell in cells)])
    return rows


@frozen
class FailureReason:
    """Why a delivery attempt failed, and whether the order keeps its reserve by default."""

    code: str
    keeps_reserve: bool


#: The reference list of failure reasons (names are in the message catalog).
FAILURE_REASONS: Mapping[str, FailureReason] = MappingProxyType(
    {
        reason.code: reason
        for reason in (
            FailureReason("recipient_absent", keeps_reserve=True),
            FailureReason("rescheduled", keeps_reserve=True),
            FailureReason("wrong_address", keeps_reserve=True),
            FailureReason("recipient_refused", keeps_reserve=False),
            FailureReason("goods_damaged", keeps_reserve=False),
        )
    }
)


@frozen
class Cargo:
    """A free cargo line: goods that are not on custody, as the client describes them.

    Free cargo reserves nothing; `weight` is in kilograms, `declared_value` in roubles.
    """

    description: str
    places: int = 1
    weight: Decimal | None = None
    declared_value: Decimal | None = None
    fragile: bool = False


@frozen
class CargoDraft:
    """A free cargo line as entered, not yet checked."""

    description: object
    places: object = 1
    weight: object = None
    declared_value: object = None
    fragile: object = False


def cargo_drafts(cargo: Iterable[CargoDraft]) -> tuple[CargoDraft, ...]:
    return tuple(cargo)


@frozen
class OrderDraft:
    """An order as entered; a client's draft may leave `counterparty` empty (it is its own).

    An order carries custody items (`lines`, by SKU), free cargo, or both.
    `external_number` is the client's own number of the order (a registry's
    key): unique per counterparty.
    """

    warehouse: str
    lines: tuple[LineDraft, ...] = field(converter=line_drafts, default=())
    counterparty: str | None = None
    recipient: str | None = None
    address: str | None = None
    comment: str | None = None
    external_number: str | None = None
    phone: str | None = None
    delivery_date: date | None = None
    cash_on_delivery: object = None
    cargo: tuple[CargoDraft, ...] = field(converter=cargo_drafts, default=())
    zone: str | None = None


@frozen
class DeliveryOrder:
    """An order of the counterparty (its customer) to deliver goods from one warehouse.

    An order in a holding state reserves every cargo line; a shipped one has
    had `handed_over` written off. `version` grows with every change so a
    stale edit can be detected.
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
    handed_over: tuple[Line, ...] = ()
    failure_reason: str | None = None
    external_number: str | None = None
    phone: str | None = None
    delivery_date: date | None = None
    cash_on_delivery: Decimal | None = None
    cargo: tuple[Cargo, ...] = ()
    #: The delivery zone the tariff prices the order by, if it prices by zone.
    zone: str | None = None

    @property
    def holds_reserve(self) -> bool:
        return self.state in HOLDING_STATES

    def reserve(self) -> dict[UUID, Decimal]:
        """Item -> quantity this order holds in reserve now."""
        return _totals(self.lines) if self.holds_reserve else {}

    def written_off(self) -> dict[UUID, Decimal]:
        """Item -> quantity this order has had written off (handed over to the recipient)."""
        return _totals(self.handed_over) if self.state in SHIPPED_STATES else {}

    def refused(self) -> tuple[Line, ...]:
        """Cargo the recipient did not take, for a shipped order."""
        handed = _totals(self.handed_over)
        rest = (
            Line(line.item_id, line.quantity - handed.get(line.item_id, ZERO))
            for line in self.lines
        )
        return tuple(line for line in rest if line.quantity > 0)

    def next_state(self, change: OrderChange) -> OrderState:
        """The state `change` leads to; IllegalTransition if the table does not allow it."""
        state = TRANSITIONS.get((self.state, change))
        if state is None:
            raise IllegalTransition(order=self.number, state=self.state.value, change=change.value)
        return state

    def change(
        self,
        change: OrderChange,
        at: datetime,
        on: date,
        *,
        document: tuple[DocumentKind, UUID] | None = None,
        lines: tuple[Line, ...] | None = None,
        handed_over: tuple[Line, ...] = (),
        failure_reason: str | None = None,
    ) -> tuple[DeliveryOrder, list[Movement]]:
        """Apply `change` at instant `at` (business date `on`): the new order and its movements.

        `lines` replace the cargo (an edit), `handed_over` is what a delivery
        handed to the recipient, `failure_reason` why an attempt failed;
        `document` is what the movements are booked against (the order
        itself unless a shipment or reversal is posted).
        """
        state = self.next_state(change)
        changed = evolve(
            self,
            state=state,
            version=self.version + 1,
            lines=self.lines if lines is None else lines,
            confirmed_at=at if change is OrderChange.CONFIRM else self.confirmed_at,
            closed_at=self.closed_at if state is self.state else _closed_at(state, at),
            handed_over=handed_over if state in SHIPPED_STATES else (),
            failure_reason=failure_reason or (self.failure_reason if state in _FAILED else None),
        )
        kind, document_id = document or (DocumentKind.DELIVERY_ORDER, self.id)
        movements = [
            Movement(
                key=StockKey(self.account_id, self.counterparty_id, self.warehouse_id, item_id),
                kind=movement_kind,
                quantity=quantity,
                document_kind=kind,
                document_id=document_id,
                occurred_on=on,
                posted_at=at,
                order_id=self.id,
            )
            for item_id, movement_kind, quantity in _difference(self, changed)
        ]
        return changed, movements


def _closed_at(state: OrderState, at: datetime) -> datetime | None:
    return None if state in HOLDING_STATES or state is OrderState.DRAFT else at


def _totals(lines: Iterable[Line]) -> dict[UUID, Decimal]:
    result: dict[UUID, Decimal] = {}
    for line in lines:
        result[line.item_id] = result.get(line.item_id, ZERO) + line.quantity
    return result


def _difference(
    before: DeliveryOrder, after: DeliveryOrder
) -> list[tuple[UUID, MovementKind, Decimal]]:
    """The movements that take the stock position of `before` to that of `after`.

    A write-off also consumes reserve, so the reservation still needed is the
    change of reserve plus what was written off.
    """
    if not (before.lines or after.lines or before.handed_over):
        return []  # free cargo only: nothing in custody moves
    reserve_before, reserve_after = before.reserve(), after.reserve()
    written_before, written_after = before.written_off(), after.written_off()
    items = dict.fromkeys(
        line.item_id for line in (*before.lines, *after.lines, *before.handed_over)
    )
    result = []
    for item in items:
        written = written_after.get(item, ZERO) - written_before.get(item, ZERO)
        reserved = reserve_after.get(item, ZERO) - reserve_before.get(item, ZERO) + written
        if written:
            kind = MovementKind.WRITE_OFF if written > 0 else MovementKind.WRITE_OFF_REVERSAL
            result.append((item, kind, abs(written)))
        if reserved:
            kind = MovementKind.RESERVATION if reserved > 0 else MovementKind.RELEASE
            result.append((item, kind, abs(reserved)))
    return result
