"""Shipment documents (расходные накладные): what was handed over when an order was delivered."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from attrs import frozen

from custody_core.domain.ledger import DocumentKind
from custody_core.domain.lines import Line
from custody_core.domain.reversals import ReversalNote


@frozen
class Shipment:
    """A posted shipment. It writes off `lines`; `refused` went back to free stock.

    Posted documents never change; a shipment posted by mistake is reversed, and is
    then read with its `reversal`.
    """

    id: UUID
    account_id: UUID
    number: int
    date: date
    order_id: UUID
    order_number: int
    counterparty_id: UUID
    warehouse_id: UUID
    lines: tuple[Line, ...]
    refused: tuple[Line, ...]
    posted_at: datetime
    posted_by: str
    recipient: str | None = None
    address: str | None = None
    reversal: ReversalNote | None = None

    kind = DocumentKind.SHIPMENT
