"""In-memory storage: a real adapter (it passes the conformance suite), for tests and demos.

One lock serialises units of work, read-only ones included (there are no
snapshots to read while another unit writes); every change is journaled so
that a unit of work left without `commit()` is undone exactly, and a
read-only unit has no journal: its writes are refused before they change
anything.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Collection, Hashable, Iterable, Iterator, Mapping, Sequence
from datetime import UTC, date, datetime
from types import TracebackType
from typing import Any, Generic, Self, TypeVar
from uuid import UUID

from attrs import evolve

from custody_core.adapters.storage import memory_access as access
from custody_core.adapters.storage import memory_forms as forms
from custody_core.adapters.storage import memory_registry as registry
from custody_core.adapters.storage.cursors import (
    dated_cursor,
    dated_sequence_cursor,
    page_of,
)
from custody_core.adapters.storage.memory_access import MemoryRepository
from custody_core.domain import conflicts
from custody_core.domain.attachments import Attachment
from custody_core.domain.audit import AuditEntry
from custody_core.domain.cards import ConnectionCard
from custody_core.domain.errors import DuplicateDocument, StorageReadOnly
from custody_core.domain.forms import IssuedForm
from custody_core.domain.imports import RegistryImport
from custody_core.domain.items import Item
from custody_core.domain.ledger import Balance, Movement, MovementTotal, StockKey, totals_of
from custody_core.domain.lockout import LoginAttempts
from custody_core.domain.orders import DeliveryOrder
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.parties import Account, Contract, Counterparty, Warehouse
from custody_core.domain.periods import Position, month_end_positions
from custody_core.domain.receipts import Receipt
from custody_core.domain.registry import RegistryTemplate
from custody_core.domain.requisites import Requisites
from custody_core.domain.reversals import Reversal
from custody_core.domain.settings import AccountSettings
from custody_core.domain.shipments import Shipment
from custody_core.domain.tariffs import Tariff
from custody_core.domain.users import User
from custody_core.plugins import StorageRegistry, hookimpl, reject_unknown_options
from custody_core.ports.storage import DocumentQuery, MovementQuery, OrderQuery

Row = TypeVar("Row")
Journal = list[Callable[[], None]]


class _Table(Generic[Row]):
    """Rows by primary key, with unique secondary indexes; every change is journaled."""

    def __init__(
        self,
        journal: Callable[[], Journal],
        key: Callable[[Row], Hashable],
        **unique: Callable[[Row], Hashable],
    ) -> None:
        self._journal = journal
        self._key = key
        self._unique = unique
        self.rows: dict[Hashable, Row] = {}
        self._indexes: dict[str, dict[Hashable, Hashable]] = {name: {} for name in unique}

    def get(self, key: Hashable) -> Row | None:
        return self.rows.get(key)

    def find(self, index: str, value: Hashable) -> Row | None:
        key = self._indexes[index].get(value)
        return None if key is None else self.rows[key]

    def taken(self, row: Row) -> str | None:
        """The name of a unique index that another row already holds `row`'s value in."""
        key = self._key(row)
        for name, index_of in self._unique.items():
            holder = self._indexes[name].get(index_of(row))
            if holder is not None and holder != key:
                return name
        return None

    def put(self, row: Row) -> None:
        journal = self._journal()
        key = self._key(row)
        previous = self.rows.get(key)
        if previous is not None:
            self._unindex(previous)
        self.rows[key] = row
        self._index(row)
        journal.append(lambda: self._restore(key, row, previous))

    def _restore(self, key: Hashable, row: Row, previous: Row | None) -> None:
        self._unindex(row)
        if previous is None:
            del self.rows[key]
        else:
            self.rows[key] = previous
            self._index(previous)

    def _index(self, row: Row) -> None:
        for name, index_of in self._unique.items():
            self._indexes[name][index_of(row)] = self._key(row)

    def _unindex(self, row: Row) -> None:
        for name, index_of in self._unique.items():
            self._indexes[name].pop(index_of(row), None)

    def where(self, predicate: Callable[[Row], bool]) -> list[Row]:
        return [row for row in self.rows.values() if predicate(row)]


def _external_key(order: DeliveryOrder) -> Hashable:
    """Unique per counterparty when set; an order without one is keyed by itself."""
    if order.external_number is None:
        return order.id
    return (order.account_id, order.counterparty_id, order.external_number)


class MemoryStorage:
    """Keeps everything in process memory; gone when the process ends."""

    def __init__(self, url: str = "memory://") -> None:
        self.url = url
        self._lock = threading.Lock()
        self._owner: int | None = None
        self._journal: Journal | None = []
        journal = self.journal
        self.accounts = _Table[Account](journal, lambda a: a.id, code=lambda a: a.code)
        self.counterparties = _Table[Counterparty](
            journal, lambda c: c.id, code=lambda c: (c.account_id, c.code)
        )
        self.contracts = _Table[Contract](
            journal, lambda c: c.id, number=lambda c: (c.counterparty_id, c.number)
        )
        self.warehouses = _Table[Warehouse](
            journal, lambda w: w.id, code=lambda w: (w.account_id, w.code)
        )
        self.items = _Table[Item](
            journal, lambda i: i.id, sku=lambda i: (i.account_id, i.counterparty_id, i.sku)
        )
        self.receipts = _Table[Receipt](
            journal,
            lambda r: r.id,
            number=lambda r: (r.account_id, r.counterparty_id, r.kind, r.number, r.year),
        )
        self.orders = _Table[DeliveryOrder](
            journal,
            lambda o: o.id,
            number=lambda o: (o.account_id, o.number),
            external=_external_key,
        )
        self.order_numbers = _Table[tuple[UUID, int]](journal, lambda pair: pair[0])
        #: order -> the confirmation instants it had before being confirmed again.
        self.confirmations = _Table[tuple[UUID, tuple[datetime, ...]]](journal, lambda row: row[0])
        self.document_numbers = _Table[tuple[UUID, str, int]](journal, lambda row: (row[0], row[1]))
        self.shipments = _Table[Shipment](
            journal, lambda s: s.id, number=lambda s: (s.account_id, s.number)
        )
        self.reversals = _Table[Reversal](
            journal, lambda r: r.id, document=lambda r: (r.account_id, r.document_id)
        )
        self.balances = _Table[Balance](journal, lambda b: b.key)
        self.movements: list[Movement] = []
        #: (account, month end) -> the snapshot of that closed month.
        self.snapshots = _Table[tuple[UUID, Position]](journal, lambda row: (row[0], row[1].as_of))
        self.users = _Table[User](journal, lambda u: u.id, login=lambda u: (u.account_id, u.login))
        self.cards = _Table[ConnectionCard](
            journal,
            lambda c: c.id,
            user=lambda c: (c.account_id, c.user_id),
            login=lambda c: (c.account_id, c.login),
        )
        self.settings = _Table[tuple[UUID, AccountSettings]](journal, lambda row: row[0])
        self.attachments = _Table[tuple[Attachment, bytes]](journal, lambda row: row[0].id)
        #: The audit log in append order; an entry's seq is its position from 1.
        self.audit: list[AuditEntry] = []
        self.logins = _Table[LoginAttempts](journal, lambda a: (a.account_id, a.login))
        self.templates = _Table[tuple[UUID, RegistryTemplate]](
            journal, lambda row: (row[0], row[1].name)
        )
        self.imports = _Table[RegistryImport](journal, lambda record: record.id)
        self.requisites = _Table[tuple[UUID, UUID, Requisites]](
            journal, lambda row: (row[0], row[1])
        )
        self.tariffs = _Table[Tariff](journal, lambda t: (t.account_id, t.counterparty_id))
        self.form_numbers = _Table[IssuedForm](
            journal,
            lambda f: (f.account_id, f.kind, f.source),
            number=lambda f: (f.account_id, f.kind, f.year, f.number),
        )

    def journal(self) -> Journal:
        """The open unit's journal; every change asks for it before it is made, so that a
        read-only unit (which has none) refuses the change with nothing changed."""
        if self._journal is None:
            raise StorageReadOnly(location=self.url)
        return self._journal

    def unit_of_work(self, read_only: bool = False) -> MemoryUnitOfWork:
        return MemoryUnitOfWork(self, read_only)

    def close(self) -> None:
        """Nothing to release; the data lives as long as this object."""


class MemoryUnitOfWork:
    def __init__(self, storage: MemoryStorage, read_only: bool = False) -> None:
        self._storage = storage
        self._read_only = read_only
        self.accounts = _Accounts(storage)
        self.counterparties = _Counterparties(storage)
        self.contracts = _Contracts(storage)
        self.warehouses = _Warehouses(storage)
        self.items = _Items(storage)
        self.ledger = _Ledger(storage)
        self.receipts = _Receipts(storage)
        self.orders = _Orders(storage)
        self.shipments = _Shipments(storage)
        self.reversals = _Reversals(storage)
        self.periods = _Periods(storage)
        self.users = access.Users(storage)
        self.cards = access.Cards(storage)
        self.settings = access.Settings(storage)
        self.attachments = access.Attachments(storage)
        self.audit = access.Audit(storage)
        self.logins = access.Logins(storage)
        self.templates = registry.Templates(storage)
        self.imports = registry.Imports(storage)
        self.requisites = forms.RequisitesStore(storage)
        self.tariffs = forms.Tariffs(storage)
        self.form_numbers = forms.FormNumbers(storage)

    def __enter__(self) -> Self:
        if self._storage._owner == threading.get_ident():
            raise RuntimeError("a unit of work is already open in this thread; units do not nest")
        self._storage._lock.acquire()
        self._storage._owner = threading.get_ident()
        self._storage._journal = None if self._read_only else []
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            self._storage._owner = None
            self._storage._lock.release()

    def commit(self) -> None:
        if not self._read_only:
            self._storage._journal = []

    def rollback(self) -> None:
        journal = self._storage._journal
        while journal:
            journal.pop()()


class _Accounts(MemoryRepository):
    def add(self, account: Account) -> None:
        self._s.accounts.put(account)

    def get(self, account_id: UUID) -> Account | None:
        return self._s.accounts.get(account_id)

    def by_code(self, code: str) -> Account | None:
        return self._s.accounts.find("code", code)


class _Counterparties(MemoryRepository):
    def add(self, counterparty: Counterparty) -> None:
        self._s.counterparties.put(counterparty)

    def get(self, account_id: UUID, counterparty_id: UUID) -> Counterparty | None:
        return _owned(self._s.counterparties.get(counterparty_id), account_id)

    def by_code(self, account_id: UUID, code: str) -> Counterparty | None:
        return self._s.counterparties.find("code", (account_id, code))

    def find_all(self, account_id: UUID) -> list[Counterparty]:
        rows = self._s.counterparties.where(lambda c: c.account_id == account_id)
        return sorted(rows, key=lambda c: c.code)


class _Contracts(MemoryRepository):
    def add(self, contract: Contract) -> None:
        self._s.contracts.put(contract)

    def save(self, contract: Contract) -> None:
        self._s.contracts.put(contract)

    def for_counterparty(self, account_id: UUID, counterparty_id: UUID) -> list[Contract]:
        rows = self._s.contracts.where(
            lambda c: c.account_id == account_id and c.counterparty_id == counterparty_id
        )
        return sorted(rows, key=lambda c: c.number)


class _Warehouses(MemoryRepository):
    def add(self, warehouse: Warehouse) -> None:
        self._s.warehouses.put(warehouse)

    def get(self, account_id: UUID, warehouse_id: UUID) -> Warehouse | None:
        return _owned(self._s.warehouses.get(warehouse_id), account_id)

    def by_code(self, account_id: UUID, code: str) -> Warehouse | None:
        return self._s.warehouses.find("code", (account_id, code))

    def find_all(self, account_id: UUID) -> list[Warehouse]:
        rows = self._s.warehouses.where(lambda w: w.account_id == account_id)
        return sorted(rows, key=lambda w: w.code)


class _Items(MemoryRepository):
    def add(self, item: Item) -> None:
        self._s.items.put(item)

    def get(self, account_id: UUID, item_id: UUID) -> Item | None:
        return _owned(self._s.items.get(item_id), account_id)

    def by_skus(
        self, account_id: UUID, skus: Collection[str], counterparty_id: UUID | None = None
    ) -> list[Item]:
        if counterparty_id is not None:
            found = (self._s.items.find("sku", (account_id, counterparty_id, sku)) for sku in skus)
            return [item for item in found if item is not None]
        wanted = set(skus)
        return self._s.items.where(lambda i: i.account_id == account_id and i.sku in wanted)

    def for_counterparty(self, account_id: UUID, counterparty_id: UUID) -> list[Item]:
        rows = self._s.items.where(
            lambda i: i.account_id == account_id and i.counterparty_id == counterparty_id
        )
        return sorted(rows, key=lambda i: i.sku)


class _Ledger(MemoryRepository):
    def balances(self, account_id: UUID, keys: Collection[StockKey]) -> dict[StockKey, Balance]:
        found = {key: self._s.balances.get(key) for key in keys if key.account_id == account_id}
        return {key: balance for key, balance in found.items() if balance is not None}

    def append(self, movements: Sequence[Movement], balances: Iterable[Balance]) -> None:
        journal, log = self._s.journal(), self._s.movements
        for movement in movements:
            log.append(movement)
            journal.append(log.pop)  # type: ignore[arg-type]
        for balance in balances:
            self._s.balances.put(balance)

    def counterparty_balances(self, account_id: UUID, counterparty_id: UUID) -> list[Balance]:
        return self._s.balances.where(
            lambda b: b.key.account_id == account_id and b.key.counterparty_id == counterparty_id
        )

    def lock_counterparty(self, account_id: UUID, counterparty_id: UUID) -> None:
        """Nothing to do: a unit of work holds the whole storage."""

    def movements(self, account_id: UUID) -> Iterator[Movement]:
        return iter([m for m in self._s.movements if m.key.account_id == account_id])

    def totals(
        self,
        account_id: UUID,
        counterparty_id: UUID | None,
        after: date | None,
        through: date,
        posted_before: datetime | None = None,
    ) -> list[MovementTotal]:
        return totals_of(
            m
            for m in self._s.movements
            if m.key.account_id == account_id
            and (counterparty_id is None or m.key.counterparty_id == counterparty_id)
            and (after is None or m.occurred_on > after)
            and m.occurred_on <= through
            and (posted_before is None or m.posted_at < posted_before)
        )

    def first_date(self, account_id: UUID) -> date | None:
        dates = [m.occurred_on for m in self._s.movements if m.key.account_id == account_id]
        return min(dates, default=None)

    def find(self, account_id: UUID, query: MovementQuery, page: PageRequest) -> Page[Movement]:
        def wanted(m: Movement) -> bool:
            q = query
            return (
                m.key.account_id == account_id
                and q.counterparty_id in (None, m.key.counterparty_id)
                and q.warehouse_id in (None, m.key.warehouse_id)
                and q.item_id in (None, m.key.item_id)
                and q.document_id in (None, m.document_id)
                and (q.order_id is None or q.order_id == m.order_id)
                and (q.kinds is None or m.kind in q.kinds)
                and _within(m.occurred_on, q.date_from, q.date_to)
            )

        appended = [(seq, m) for seq, m in enumerate(self._s.movements, 1) if wanted(m)]
        if query.posting_order:
            return page_of(appended, page)
        dated = [((m.occurred_on.isoformat(), seq), m) for seq, m in appended]
        return page_of(dated, page, dated_sequence_cursor)


class _Receipts(MemoryRepository):
    def add(self, receipt: Receipt) -> None:
        if self._s.receipts.taken(receipt):
            raise DuplicateDocument(
                kind=receipt.kind.value,
                number=receipt.number,
                year=receipt.year,
                counterparty=str(receipt.counterparty_id),
            )
        self._s.receipts.put(receipt)

    def get(self, account_id: UUID, receipt_id: UUID) -> Receipt | None:
        return _reversed(self._s, _owned(self._s.receipts.get(receipt_id), account_id))

    def by_number(
        self, account_id: UUID, counterparty_id: UUID, number: str, year: int
    ) -> Receipt | None:
        found = self._s.receipts.find(
            "number", (account_id, counterparty_id, Receipt.kind, number, year)
        )
        return _reversed(self._s, found)

    def find(self, account_id: UUID, query: DocumentQuery, page: PageRequest) -> Page[Receipt]:
        if query.order_id is not None:
            return Page(())
        rows = _reversal_wanted(
            self._s,
            self._s.receipts.where(lambda r: _document_wanted(r, r.date, account_id, query)),
            query,
        )
        keyed = [((r.date.isoformat(), _instant(r.posted_at), str(r.id)), r) for r in rows]
        return page_of(keyed, page, dated_cursor)


class _Orders(MemoryRepository):
    def next_number(self, account_id: UUID) -> int:
        return self.next_numbers(account_id, 1).start

    def next_numbers(self, account_id: UUID, count: int) -> range:
        current = self._s.order_numbers.get(account_id)
        last = current[1] if current else 0
        self._s.order_numbers.put((account_id, last + count))
        return range(last + 1, last + count + 1)

    def next_numbers_apart(self, account_id: UUID, count: int) -> range:
        """In the unit itself: units of work never overlap here."""
        return self.next_numbers(account_id, count)

    def add(self, order: DeliveryOrder) -> None:
        taken = self._s.orders.taken(order)
        if taken == "external":
            raise conflicts.external_number_taken(order.external_number)
        if taken:
            raise conflicts.order_number_taken(order.number)
        self._s.orders.put(order)

    def add_many(self, orders: Sequence[DeliveryOrder]) -> None:
        for order in orders:
            self.add(order)

    def save(self, order: DeliveryOrder, previous: DeliveryOrder) -> None:
        stored = self._s.orders.get(order.id)
        if stored is None or stored.version != previous.version:
            raise conflicts.order_changed(order.number)
        if previous.confirmed_at is not None and previous.confirmed_at != order.confirmed_at:
            earlier = self._s.confirmations.get(order.id)
            kept = earlier[1] if earlier else ()
            self._s.confirmations.put((order.id, (*kept, previous.confirmed_at)))
        self._s.orders.put(order)

    def confirmed_before(
        self, account_id: UUID, order_ids: Collection[UUID], before: datetime
    ) -> dict[UUID, datetime]:
        found = {}
        for order in self.get_many(account_id, order_ids).values():
            earlier = self._s.confirmations.get(order.id)
            instants = [*(earlier[1] if earlier else ()), order.confirmed_at]
            past = [at for at in instants if at is not None and at < before]
            if past:
                found[order.id] = max(past)
        return found

    def get(self, account_id: UUID, order_id: UUID) -> DeliveryOrder | None:
        return _owned(self._s.orders.get(order_id), account_id)

    def by_number(self, account_id: UUID, number: int) -> DeliveryOrder | None:
        return self._s.orders.find("number", (account_id, number))

    def counterparty_of(self, account_id: UUID, number: int) -> UUID | None:
        order = self.by_number(account_id, number)
        return None if order is None else order.counterparty_id

    def by_external_numbers(
        self, account_id: UUID, counterparty_id: UUID, external_numbers: Collection[str]
    ) -> dict[str, int]:
        found = (
            self._s.orders.find("external", (account_id, counterparty_id, external))
            for external in external_numbers
        )
        return {o.external_number: o.number for o in found if o and o.external_number}

    def with_external_numbers(
        self, account_id: UUID, counterparty_id: UUID, external_numbers: Collection[str]
    ) -> dict[str, DeliveryOrder]:
        found = (
            self._s.orders.find("external", (account_id, counterparty_id, external))
            for external in external_numbers
        )
        return {o.external_number: o for o in found if o and o.external_number}

    def get_many(self, account_id: UUID, order_ids: Collection[UUID]) -> dict[UUID, DeliveryOrder]:
        found = (_owned(self._s.orders.get(order_id), account_id) for order_id in order_ids)
        return {order.id: order for order in found if order is not None}

    def find(self, account_id: UUID, query: OrderQuery, page: PageRequest) -> Page[DeliveryOrder]:
        rows = self._s.orders.where(
            lambda o: (
                o.account_id == account_id
                and query.counterparty_id in (None, o.counterparty_id)
                and query.warehouse_id in (None, o.warehouse_id)
                and (query.states is None or o.state in query.states)
            )
        )
        return page_of([(o.number, o) for o in rows], page)


class _Shipments(MemoryRepository):
    def next_number(self, account_id: UUID) -> int:
        return _next_number(self._s, account_id, "shipment")

    def add(self, shipment: Shipment) -> None:
        if self._s.shipments.taken(shipment):
            raise conflicts.shipment_number_taken(shipment.number)
        self._s.shipments.put(shipment)

    def get(self, account_id: UUID, shipment_id: UUID) -> Shipment | None:
        return _reversed(self._s, _owned(self._s.shipments.get(shipment_id), account_id))

    def by_number(self, account_id: UUID, number: int) -> Shipment | None:
        return _reversed(self._s, self._s.shipments.find("number", (account_id, number)))

    def counterparty_of(self, account_id: UUID, number: int) -> UUID | None:
        shipment = self._s.shipments.find("number", (account_id, number))
        return None if shipment is None else shipment.counterparty_id

    def find(self, account_id: UUID, query: DocumentQuery, page: PageRequest) -> Page[Shipment]:
        rows = self._s.shipments.where(
            lambda s: (
                _document_wanted(s, s.date, account_id, query)
                and query.order_id in (None, s.order_id)
            )
        )
        rows = _reversal_wanted(self._s, rows, query)
        return page_of([(s.number, s) for s in rows], page)


class _Reversals(MemoryRepository):
    def next_number(self, account_id: UUID) -> int:
        return _next_number(self._s, account_id, "reversal")

    def add(self, reversal: Reversal) -> None:
        if self._s.reversals.taken(reversal):
            raise DuplicateDocument(
                kind=reversal.kind.value,
                number=reversal.number,
                year=reversal.date.year,
                counterparty=str(reversal.counterparty_id),
            )
        self._s.reversals.put(reversal)

    def of_document(self, account_id: UUID, document_id: UUID) -> Reversal | None:
        return self._s.reversals.find("document", (account_id, document_id))

    def find(self, account_id: UUID, query: DocumentQuery, page: PageRequest) -> Page[Reversal]:
        if query.order_id is not None or query.reversed:
            return Page(())
        rows = self._s.reversals.where(lambda r: _document_wanted(r, r.date, account_id, query))
        return page_of([(r.number, r) for r in rows], page)


class _Periods(MemoryRepository):
    def closings(self, account_id: UUID) -> list[date]:
        return sorted(
            position.as_of
            for account, position in self._s.snapshots.rows.values()
            if account == account_id and position.as_of is not None
        )

    def snapshot(
        self, account_id: UUID, period_end: date, counterparty_id: UUID | None = None
    ) -> Position:
        row = self._s.snapshots.get((account_id, period_end))
        if row is None:
            return Position(period_end, {}, {})
        position = row[1]
        if counterparty_id is None:
            return position
        return Position(
            period_end,
            {k: b for k, b in position.balances.items() if k.counterparty_id == counterparty_id},
            {
                slot: quantity
                for slot, quantity in position.holds.items()
                if slot[1].counterparty_id == counterparty_id
            },
        )

    def add(self, account_id: UUID, position: Position) -> None:
        self._s.snapshots.put((account_id, position.without_zeros()))

    def close(self, account_id: UUID, previous: date | None, ends: Sequence[date]) -> None:
        start = self.snapshot(account_id, previous) if previous else Position(None, {}, {})
        ledger = _Ledger(self._s)
        for position in month_end_positions(
            start, ends, lambda after, through: ledger.totals(account_id, None, after, through)
        ):
            self.add(account_id, position)

    def adjust(self, account_id: UUID, movements: Sequence[Movement]) -> None:
        for end in self.closings(account_id):
            later = [
                m for m in movements if m.key.account_id == account_id and m.occurred_on <= end
            ]
            if later:
                position = self.snapshot(account_id, end)
                self._s.snapshots.put((account_id, position.advanced(later, end)))


def _next_number(storage: MemoryStorage, account_id: UUID, series: str) -> int:
    current = storage.document_numbers.get((account_id, series))
    number = (current[2] if current else 0) + 1
    storage.document_numbers.put((account_id, series, number))
    return number


def _within(day: date, first: date | None, last: date | None) -> bool:
    return (first is None or day >= first) and (last is None or day <= last)


def _document_wanted(
    document: Receipt | Shipment | Reversal, day: date, account_id: UUID, query: DocumentQuery
) -> bool:
    return (
        document.account_id == account_id
        and query.counterparty_id in (None, document.counterparty_id)
        and query.warehouse_id in (None, document.warehouse_id)
        and _within(day, query.date_from, query.date_to)
    )


Document = TypeVar("Document", Receipt, Shipment)


def _reversed(storage: MemoryStorage, document: Document | None) -> Document | None:
    """`document` with its reversal, if it was reversed: rows are stored as posted."""
    if document is None:
        return None
    reversal = storage.reversals.find("document", (document.account_id, document.id))
    return document if reversal is None else evolve(document, reversal=reversal.note())


def _reversal_wanted(
    storage: MemoryStorage, documents: Iterable[Document], query: DocumentQuery
) -> list[Document]:
    """`documents` with their reversals, those the query's `reversed` filter keeps."""
    found = [_reversed(storage, document) for document in documents]
    return [
        document
        for document in found
        if document is not None and query.reversed in (None, document.reversal is not None)
    ]


def _instant(value: datetime) -> str:
    """The same text form SQLite stores, so that cursors order the same in both backends."""
    return value.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


OwnedRow = TypeVar("OwnedRow", Counterparty, Warehouse, Item, Receipt, DeliveryOrder, Shipment)


def _owned(row: OwnedRow | None, account_id: UUID) -> OwnedRow | None:
    """`row` only if it belongs to `account_id`: ids never leak across accounts."""
    return row if row is not None and row.account_id == account_id else None


def _open(url: str, options: Mapping[str, Any]) -> MemoryStorage:
    reject_unknown_options(options, allowed=())
    return MemoryStorage(url)


class MemoryPlugin:
    @hookimpl
    def custody_register_storage(self, register: StorageRegistry) -> None:
        register("memory", _open)
