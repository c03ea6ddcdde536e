"""The storage port: backend -> unit of work -> repositories returning domain objects.

Every query is scoped by account. A unit of work is one transaction: it is a
context manager that rolls back unless `commit()` was called. A writing unit
has the right to write what it read without anyone changing it meanwhile
(SQLite: BEGIN IMMEDIATE; PostgreSQL: the locks its repositories take). A
read-only unit (`unit_of_work(read_only=True)`) reads one consistent snapshot,
waits for no writer and keeps none waiting, and refuses every write with
`StorageReadOnly` (SQLite: a deferred BEGIN under `PRAGMA query_only`;
PostgreSQL: a READ ONLY, REPEATABLE READ transaction).
Adapters raise only `custody_core.domain.errors` types.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from datetime import date, datetime
from types import TracebackType
from typing import Protocol, Self
from uuid import UUID

from attrs import frozen

from custody_core.domain.items import Item
from custody_core.domain.ledger import Balance, Movement, MovementKind, MovementTotal, StockKey
from custody_core.domain.orders import DeliveryOrder, OrderState
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.parties import Account, Contract, Counterparty, Warehouse
from custody_core.domain.periods import Position
from custody_core.domain.receipts import Receipt
from custody_core.domain.reversals import Reversal
from custody_core.domain.shipments import Shipment
from custody_core.ports.access import (
    AttachmentRepository,
    AuditLog,
    CardRepository,
    LoginAttemptRepository,
    SettingsRepository,
    UserRepository,
)
from custody_core.ports.forms import FormNumberRepository, RequisitesRepository, TariffRepository
from custody_core.ports.registry import ImportRepository, TemplateRepository


@frozen
class DocumentQuery:
    """Filters of receipt, shipment and reversal lists; None means any. Dates are inclusive.

    `reversed` keeps the receipts and shipments that were (True) or were not (False)
    reversed; a reversal is never reversed itself.
    """

    counterparty_id: UUID | None = None
    warehouse_id: UUID | None = None
    date_from: date | None = None
    date_to: date | None = None
    order_id: UUID | None = None
    reversed: bool | None = None


@frozen
class OrderQuery:
    counterparty_id: UUID | None = None
    warehouse_id: UUID | None = None
    states: frozenset[OrderState] | None = None


@frozen
class MovementQuery:
    counterparty_id: UUID | None = None
    warehouse_id: UUID | None = None
    item_id: UUID | None = None
    kinds: frozenset[MovementKind] | None = None
    date_from: date | None = None
    date_to: date | None = None
    document_id: UUID | None = None
    order_id: UUID | None = None
    #: True: in the order the movements were appended (posted), whatever their dates.
    posting_order: bool = False


class AccountRepository(Protocol):
    def add(self, account: Account) -> None: ...
    def get(self, account_id: UUID) -> Account | None: ...
    def by_code(self, code: str) -> Account | None: ...


class CounterpartyRepository(Protocol):
    def add(self, counterparty: Counterparty) -> None: ...
    def get(self, account_id: UUID, counterparty_id: UUID) -> Counterparty | None: ...
    def by_code(self, account_id: UUID, code: str) -> Counterparty | None: ...
    def find_all(self, account_id: UUID) -> list[Counterparty]: ...


class ContractRepository(Protocol):
    def add(self, contract: Contract) -> None: ...
    def save(self, contract: Contract) -> None:
        """Store a changed contract (only `is_main` may change)."""
        ...

    def for_counterparty(self, account_id: UUID, counterparty_id: UUID) -> list[Contract]: ...


class WarehouseRepository(Protocol):
    def add(self, warehouse: Warehouse) -> None: ...
    def get(self, account_id: UUID, warehouse_id: UUID) -> Warehouse | None: ...
    def by_code(self, account_id: UUID, code: str) -> Warehouse | None: ...
    def find_all(self, account_id: UUID) -> list[Warehouse]: ...


class ItemRepository(Protocol):
    def add(self, item: Item) -> None: ...
    def get(self, account_id: UUID, item_id: UUID) -> Item | None: ...
    def by_skus(
        self, account_id: UUID, skus: Collection[str], counterparty_id: UUID | None = None
    ) -> list[Item]:
        """Items with these SKUs, of one counterparty or (None) of every counterparty."""
        ...

    def for_counterparty(self, account_id: UUID, counterparty_id: UUID) -> list[Item]: ...


class LedgerRepository(Protocol):
    def balances(self, account_id: UUID, keys: Collection[StockKey]) -> dict[StockKey, Balance]:
        """Current balances of `keys` that have any; locked against other writers."""
        ...

    def append(self, movements: Sequence[Movement], balances: Iterable[Balance]) -> None:
        """Record movements and the balances they lead to, in the same transaction."""
        ...

    def counterparty_balances(self, account_id: UUID, counterparty_id: UUID) -> list[Balance]: ...
    def lock_counterparty(self, account_id: UUID, counterparty_id: UUID) -> None:
        """Hold all of the counterparty's stock until the unit of work ends, as one lock:
        other writers of it wait at their first `balances`, and the caller may then lock its
        balances in any order without a deadlock (a registry meets items in file order).
        A backend whose units of work never overlap has nothing to do."""
        ...

    def movements(self, account_id: UUID) -> Iterator[Movement]:
        """Every movement of the account in the order it was appended."""
        ...

    def totals(
        self,
        account_id: UUID,
        counterparty_id: UUID | None,
        after: date | None,
        through: date,
        posted_before: datetime | None = None,
    ) -> list[MovementTotal]:
        """The movements dated after `after` (None: from the start) up to `through`, of one
        counterparty or (None) all, summed per stock key, kind and order, in any order;
        with `posted_before`, only those posted before that instant (a report as of an
        instant: `services/reports.py`).

        Reports and month closings read these sums, not the movements: a database
        adds them up far more cheaply than it hands every movement over.
        """
        ...

    def first_date(self, account_id: UUID) -> date | None:
        """The earliest business date of any movement of the account."""
        ...

    def find(self, account_id: UUID, query: MovementQuery, page: PageRequest) -> Page[Movement]:
        """Movements by business date, then in append order; with `query.posting_order`,
        in append order alone.

        Append order is total and never changes: movements of one stock key appended
        by units of work that commit one after the other come in that order, even
        when they share a posting instant (a coarse clock). Printed forms take lots
        in it, so that a reprint takes the same ones.
        """
        ...


class PeriodRepository(Protocol):
    """Closing snapshots: the position at the end of each closed month."""

    def closings(self, account_id: UUID) -> list[date]:
        """Ends of the closed months, oldest first."""
        ...

    def snapshot(
        self, account_id: UUID, period_end: date, counterparty_id: UUID | None = None
    ) -> Position:
        """The position stored for `period_end` (of one counterparty, or of all)."""
        ...

    def add(self, account_id: UUID, position: Position) -> None:
        """Store `position` as the snapshot of the month ending `position.as_of`."""
        ...

    def close(self, account_id: UUID, previous: date | None, ends: Sequence[date]) -> None:
        """Close the months ending at `ends` (ascending, one or more, all after `previous`,
        the last closing or None): store for each the snapshot of `previous` (or nothing)
        advanced by the movements dated after it up to that end.

        The snapshots must equal what `Position.advanced` month by month gives
        (`custody_core.domain.periods.month_end_positions`), less zero balances.
        A database computes them itself: it folds far faster than Python
        reading its sums, and nothing crosses the wire.
        """
        ...

    def adjust(self, account_id: UUID, movements: Sequence[Movement]) -> None:
        """Add `movements` to every snapshot ending on or after each one's date."""
        ...


class ReceiptRepository(Protocol):
    """Receipts are read with their reversal, if any (`Receipt.reversal`), loaded with
    them in the same query."""

    def add(self, receipt: Receipt) -> None:
        """Store a posted receipt; a second one with the same key raises DuplicateDocument."""
        ...

    def get(self, account_id: UUID, receipt_id: UUID) -> Receipt | None: ...
    def by_number(
        self, account_id: UUID, counterparty_id: UUID, number: str, year: int
    ) -> Receipt | None: ...
    def find(self, account_id: UUID, query: DocumentQuery, page: PageRequest) -> Page[Receipt]:
        """Receipts by date, then posting instant."""
        ...


class ShipmentRepository(Protocol):
    """Shipments are read with their reversal, if any (`Shipment.reversal`), loaded with
    them in the same query."""

    def next_number(self, account_id: UUID) -> int: ...
    def add(self, shipment: Shipment) -> None: ...
    def get(self, account_id: UUID, shipment_id: UUID) -> Shipment | None: ...
    def by_number(self, account_id: UUID, number: int) -> Shipment | None: ...
    def counterparty_of(self, account_id: UUID, number: int) -> UUID | None:
        """The counterparty of shipment `number`, None when there is none; reads nothing
        else (see `OrderRepository.counterparty_of`)."""
        ...

    def find(self, account_id: UUID, query: DocumentQuery, page: PageRequest) -> Page[Shipment]:
        """Shipments by number (posting order)."""
        ...


class ReversalRepository(Protocol):
    def next_number(self, account_id: UUID) -> int: ...
    def add(self, reversal: Reversal) -> None:
        """Store a reversal; a second reversal of the same document raises DuplicateDocument."""
        ...

    def of_document(self, account_id: UUID, document_id: UUID) -> Reversal | None: ...
    def find(self, account_id: UUID, query: DocumentQuery, page: PageRequest) -> Page[Reversal]:
        """Reversals by number (posting order)."""
        ...


class OrderRepository(Protocol):
    def next_number(self, account_id: UUID) -> int:
        """The next order number of the account; numbers are never reused."""
        ...

    def next_numbers(self, account_id: UUID, count: int) -> range:
        """The next `count` order numbers of the account, taken at once. Taking numbers,
        even none, holds the account's numbering until the unit of work ends: a
        concurrent writer waits."""
        ...

    def next_numbers_apart(self, account_id: UUID, count: int) -> range:
        """The next `count` order numbers, taken in a transaction of their own that ends
        before this call returns: a concurrent writer waits for this call, not for the
        unit of work. A registry numbers its batches so; the price is that numbers taken
        by a unit that then rolls back are never used (a gap). A backend whose writing
        units never overlap (SQLite, memory) takes them in the unit, like `next_numbers`,
        and gives them back with it."""
        ...

    def add(self, order: DeliveryOrder) -> None: ...
    def add_many(self, orders: Sequence[DeliveryOrder]) -> None:
        """Store new orders exactly as `add` would one after another, the Conflict of the
        first that cannot be stored included, in as few statements as the backend can."""
        ...

    def save(self, order: DeliveryOrder, previous: DeliveryOrder) -> None:
        """Store `order`, changed from `previous`; Conflict unless `previous` is what is stored.

        `previous` lets the backend write only what changed (most changes touch
        the header alone, not the cargo lines).
        """
        ...

    def get(self, account_id: UUID, order_id: UUID) -> DeliveryOrder | None: ...
    def by_number(self, account_id: UUID, number: int) -> DeliveryOrder | None: ...
    def counterparty_of(self, account_id: UUID, number: int) -> UUID | None:
        """The counterparty of order `number`, None when there is none; reads nothing else
        and locks nothing, so a client refused another counterparty's order costs what a
        missing order does."""
        ...

    def by_external_numbers(
        self, account_id: UUID, counterparty_id: UUID, external_numbers: Collection[str]
    ) -> dict[str, int]:
        """External number -> order number, for those of `external_numbers` the
        counterparty's orders carry (an external number is unique per counterparty)."""
        ...

    def with_external_numbers(
        self, account_id: UUID, counterparty_id: UUID, external_numbers: Collection[str]
    ) -> dict[str, DeliveryOrder]:
        """External number -> the counterparty's order that carries it, for those of
        `external_numbers` it has, with their lines: what a registry uploaded again compares
        its rows with."""
        ...

    def get_many(self, account_id: UUID, order_ids: Collection[UUID]) -> dict[UUID, DeliveryOrder]:
        """The orders of the account with these ids (missing ones are left out)."""
        ...

    def find(self, account_id: UUID, query: OrderQuery, page: PageRequest) -> Page[DeliveryOrder]:
        """Orders by number."""
        ...

    def confirmed_before(
        self, account_id: UUID, order_ids: Collection[UUID], before: datetime
    ) -> dict[UUID, datetime]:
        """Each order's latest confirmation instant earlier than `before`, the superseded ones
        included (an order confirmed again keeps its earlier confirmations for the past)."""
        ...


class UnitOfWork(Protocol):
    """One transaction and the repositories that work inside it."""

    @property
    def accounts(self) -> AccountRepository: ...
    @property
    def counterparties(self) -> CounterpartyRepository: ...
    @property
    def contracts(self) -> ContractRepository: ...
    @property
    def warehouses(self) -> WarehouseRepository: ...
    @property
    def items(self) -> ItemRepository: ...
    @property
    def ledger(self) -> LedgerRepository: ...
    @property
    def receipts(self) -> ReceiptRepository: ...
    @property
    def orders(self) -> OrderRepository: ...
    @property
    def shipments(self) -> ShipmentRepository: ...
    @property
    def reversals(self) -> ReversalRepository: ...
    @property
    def periods(self) -> PeriodRepository: ...
    @property
    def users(self) -> UserRepository: ...
    @property
    def cards(self) -> CardRepository: ...
    @property
    def settings(self) -> SettingsRepository: ...
    @property
    def attachments(self) -> AttachmentRepository: ...
    @property
    def audit(self) -> AuditLog: ...
    @property
    def logins(self) -> LoginAttemptRepository: ...
    @property
    def templates(self) -> TemplateRepository: ...
    @property
    def imports(self) -> ImportRepository: ...
    @property
    def requisites(self) -> RequisitesRepository: ...
    @property
    def tariffs(self) -> TariffRepository: ...
    @property
    def form_numbers(self) -> FormNumberRepository: ...

    def __enter__(self) -> Self: ...
    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None: ...
    def commit(self) -> None: ...
    def rollback(self) -> None: ...


class StorageBackend(Protocol):
    """A storage backend opened from a URL; it makes units of work."""

    url: str

    def unit_of_work(self, read_only: bool = False) -> UnitOfWork:
        """A writing unit of work, or with `read_only` one that reads a consistent snapshot
        without holding up writers and refuses every write (`StorageReadOnly`)."""
        ...

    def close(self) -> None: ...
