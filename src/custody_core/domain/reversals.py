"""Reversal documents (сторно): the only way to correct a posted document.

A reversal posts the opposite movements of the document it reverses, dated
on or after it; history is never edited, and a document is reversed once.
"""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from attrs import frozen

from custody_core.domain.ledger import (
    DocumentKind,
    Movement,
    MovementKind,
    document_movements,
)
from custody_core.domain.lines import Line


@frozen
class ReversalNote:
    """What a reversed receipt or shipment carries of its reversal: lists and lookups
    show it, and forms of the document refuse to print or print it annulled."""

    number: int
    date: date
    posted_at: datetime
    reason: str
    posted_by: str


@frozen
class Reversal:
    id: UUID
    account_id: UUID
    number: int
    date: date
    document_kind: DocumentKind
    document_id: UUID
    counterparty_id: UUID
    warehouse_id: UUID
    lines: tuple[Line, ...]
    reason: str
    posted_at: datetime
    posted_by: str

    kind = DocumentKind.REVERSAL

    def note(self) -> ReversalNote:
        """What the reversed document carries of this reversal."""
        return ReversalNote(self.number, self.date, self.posted_at, self.reason, self.posted_by)

    def receipt_movements(self) -> list[Movement]:
        """The movements reversing a receipt: its goods leave the stock on hand."""
        return document_movements(
            MovementKind.RECEIPT_REVERSAL,
            (DocumentKind.REVERSAL, self.id),
            (self.account_id, self.counterparty_id, self.warehouse_id),
            self.lines,
            self.date,
            self.posted_at,
        )
