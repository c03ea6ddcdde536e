"""Receipt documents (приходные накладные): goods accepted onto custody."""

from __future__ import annotations

from datetime import date, datetime
from uuid import UUID

from attrs import field, frozen

from custody_core.domain.ledger import (
    DocumentKind,
    Movement,
    MovementKind,
    document_movements,
)
from custody_core.domain.lines import Line, LineDraft, line_drafts
from custody_core.domain.reversals import ReversalNote


@frozen
class ReceiptDraft:
    """A receipt as entered: parties by code, lines by SKU; `contract` defaults to the main one."""

    number: str
    date: date
    counterparty: str
    warehouse: str
    lines: tuple[LineDraft, ...] = field(converter=line_drafts)
    contract: str | None = None


@frozen
class Receipt:
    """A posted receipt. Posted documents never change; mistakes are reversed by new ones,
    and a reversed receipt is read with its `reversal`."""

    id: UUID
    account_id: UUID
    number: str
    date: date
    counterparty_id: UUID
    contract_id: UUID
    warehouse_id: UUID
    lines: tuple[Line, ...]
    posted_at: datetime
    posted_by: str
    reversal: ReversalNote | None = None

    kind = DocumentKind.RECEIPT

    @property
    def year(self) -> int:
        """The numbering year: a number may repeat in another year, never within one."""
        return self.date.year

    def movements(self) -> list[Movement]:
        return document_movements(
            MovementKind.RECEIPT,
            (DocumentKind.RECEIPT, self.id),
            (self.account_id, self.counterparty_id, self.warehouse_id),
            self.lines,
            self.date,
            self.posted_at,
        )
