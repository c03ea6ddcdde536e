"""What a registry import did, or would do: records, per-order outcomes and the summary."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from datetime import date, datetime
from decimal import Decimal
from uuid import UUID

from attrs import field, frozen

from custody_core.domain import codes
from custody_core.domain.codes import Code
from custody_core.domain.errors import Problem, ValidationError
from custody_core.domain.messages import day, language, render


class OutcomeKind(enum.StrEnum):
    CREATED = "created"
    PLANNED = "planned"  # a dry run's order that a real run would create
    SKIPPED = "skipped"  # the counterparty already has an order with this external number
    REJECTED = "rejected"


@frozen
class OrderOutcome:
    """One order of the registry: its rows, its external number and what became of it.
    `number` is the created order's, or for a skipped one, the existing order's; `date`
    the created order's business date. A row without an order number is rejected as an
    order of its own, `external_number` ""."""

    kind: OutcomeKind
    external_number: str
    first_row: int
    last_row: int
    number: int | None = None
    date: date | None = None

    def message(self, locale: str = "en", *, refused: bool = False) -> str:
        """What became of the order, as the registry screen says it ("Создан заказ на
        доставку №12 от 04.12.2026 (№ клиента A-1, строки 2–3)"); a planned order of a
        `refused` all-or-nothing run is told apart from one a run would create."""
        texts = language(locale).outcomes
        first, last = self.first_row, self.last_row
        rows = (
            texts["row"].format(row=first)
            if first == last
            else texts["rows"].format(first=first, last=last)
        )
        phrase = {
            OutcomeKind.CREATED: "created",
            OutcomeKind.PLANNED: "held" if refused else "planned",
            OutcomeKind.SKIPPED: "skipped",
            OutcomeKind.REJECTED: "rejected" if self.external_number else "no_number",
        }[self.kind]
        return texts[phrase].format(
            number=self.number,
            date="?" if self.date is None else day(self.date, locale),
            external=self.external_number,
            rows=rows,
        )


@frozen
class RowSpan:
    """Consecutive rows whose orders were all created (or, in a dry run, would be)."""

    first_row: int
    last_row: int
    orders: int


@frozen
class Shortage:
    """Reserving more of an item than is free: the order is still created (the shortage
    is reported, as when an order is confirmed by hand)."""

    sku: str
    warehouse: str
    requested: Decimal
    free: Decimal

    @property
    def missing(self) -> Decimal:
        return self.requested - max(self.free, Decimal(0))


@frozen
class RegistryImport:
    """A stored import: which file (by content hash) made how many orders, when and by whom."""

    id: UUID
    account_id: UUID
    counterparty_id: UUID
    template: str
    file_name: str
    file_hash: str
    imported_at: datetime
    imported_by: str
    orders_created: int


@frozen
class ImportResult:
    """The summary of a dry run or a real one; `problems` holds at most the import's
    `max_problems`, `problems_omitted` counts the rest. `ok` says nothing of `notices`."""

    file_name: str
    file_hash: str
    template: str
    counterparty: str
    dry_run: bool
    partial: bool
    rows_read: int
    orders: int
    lines: int
    skipped: int
    rejected: int
    spans: tuple[RowSpan, ...]
    reserved: Mapping[str, Decimal]
    shortages: tuple[Shortage, ...]
    problems: tuple[Problem, ...]
    problems_omitted: int = 0
    earlier: tuple[RegistryImport, ...] = ()
    import_id: UUID | None = field(default=None)
    #: Orders the counterparty already has whose rows in this file differ from them
    #: (`registry.order_changed`): skipped all the same, not problems; at most
    #: `max_problems`, the rest counted in `notices_omitted`.
    notices: tuple[Problem, ...] = ()
    notices_omitted: int = 0

    @property
    def ok(self) -> bool:
        return not self.problems


class RegistryRejected(ValidationError):
    """An all-or-nothing import found problems: nothing was stored; `result` says what was
    read and every problem found (up to the limit)."""

    code: Code = codes.Registry.REJECTED

    def __init__(self, result: ImportResult) -> None:
        self.result = result
        super().__init__(result.problems)

    def message(self, locale: str = "en", zone: str | None = None) -> str:
        """Every listed problem, then how many more were found but not kept."""
        listed = super().message(locale, zone)
        omitted = omitted_message(self.result, locale)
        return f"{listed}; {omitted}" if omitted else listed


def omitted_message(result: ImportResult, locale: str) -> str | None:
    """The line saying how many problems the import found but did not keep, if any."""
    if not result.problems_omitted:
        return None
    return render(codes.Registry.PROBLEMS_OMITTED, locale, {"count": result.problems_omitted})
