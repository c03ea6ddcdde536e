"""The storage conformance suite: every backend, built in or third-party, must pass it.

Subclass `StorageConformance` in a test module (name the subclass `Test...`)
and override the `make_storage` fixture to return a callable that opens a
fresh, empty backend on each call:

    class TestMyBackend(StorageConformance):
        @pytest.fixture
        def make_storage(self, tmp_path):
            return lambda: MyStorage(f"mine:///{tmp_path / uuid4().hex}")
"""

from __future__ import annotations

import hashlib
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from custody_core.domain.attachments import Attachment
from custody_core.domain.audit import AuditEntry, AuditQuery, Outcome
from custody_core.domain.cards import ConnectionCard
from custody_core.domain.errors import (
    Conflict,
    DuplicateDocument,
    InsufficientStock,
    StorageReadOnly,
)
from custody_core.domain.forms import FormKind, IssuedForm
from custody_core.domain.imports import RegistryImport
from custody_core.domain.items import Item
from custody_core.domain.ledger import (
    Balance,
    DocumentKind,
    Movement,
    MovementKind,
    MovementTotal,
    StockKey,
    totals_of,
)
from custody_core.domain.lines import Line
from custody_core.domain.lockout import LoginAttempts
from custody_core.domain.orders import Cargo, DeliveryOrder, OrderState
from custody_core.domain.paging import PageRequest
from custody_core.domain.parties import Account, Contract, Counterparty, Warehouse
from custody_core.domain.passwords import PasswordPolicy
from custody_core.domain.periods import HeldReserve, Position, month_end_positions, month_ends
from custody_core.domain.principal import Role
from custody_core.domain.receipts import Receipt
from custody_core.domain.registry import ColumnMapping, RegistryTemplate, RowSettings
from custody_core.domain.requisites import BankAccount, Requisites, Signatory
from custody_core.domain.reversals import Reversal, ReversalNote
from custody_core.domain.settings import AccountSettings, LockoutPolicy, OrderLimits
from custody_core.domain.shipments import Shipment
from custody_core.domain.tariffs import Charge, Rate, Tariff
from custody_core.domain.units import KILOGRAM
from custody_core.domain.users import User
from custody_core.domain.vat import Vat, VatMode
from custody_core.ports.access import UserQuery
from custody_core.ports.storage import (
    DocumentQuery,
    MovementQuery,
    OrderQuery,
    StorageBackend,
    UnitOfWork,
)
from custody_core.testing.isolation_machine import isolation_machine
from custody_core.testing.ledger_machine import ledger_machine

StorageMaker = Callable[[], StorageBackend]
NOW = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=UTC)
#: Threads that change one login's attempts at once, and how many changes each makes.
LOGIN_RACERS = 6
LOGIN_RACE_CHANGES = 10
#: Stand-ins for what the password hasher port makes.
_OLD_HASH, _NEW_HASH = "$scrypt$old", "$scrypt$new"


class _World:
    """One account with a counterparty, contract, warehouse and item, stored."""

    def __init__(self, uow: UnitOfWork, code: str = "acct") -> None:
        self.account = Account(uuid4(), code, f"Account {code}", "Asia/Yekaterinburg")
        self.counterparty = Counterparty(
            uuid4(), self.account.id, "CP", "Counterparty", "+79123456789", "7701234567"
        )
        self.contract = Contract(
            uuid4(), self.account.id, self.counterparty.id, "C-1", date(2026, 1, 9), True
        )
        self.warehouse = Warehouse(uuid4(), self.account.id, "W", "Warehouse")
        self.item = Item(
            uuid4(),
            self.account.id,
            self.counterparty.id,
            "SKU-1",
            "Sugar",
            KILOGRAM,
            Decimal("95.50"),
        )
        uow.accounts.add(self.account)
        uow.counterparties.add(self.counterparty)
        uow.contracts.add(self.contract)
        uow.warehouses.add(self.warehouse)
        uow.items.add(self.item)

    @property
    def key(self) -> StockKey:
        return StockKey(self.account.id, self.counterparty.id, self.warehouse.id, self.item.id)

    def receipt(self, number: str = "R-1", quantity: str = "12.345") -> Receipt:
        return Receipt(
            uuid4(),
            self.account.id,
            number,
            date(2026, 11, 19),
            self.counterparty.id,
            self.contract.id,
            self.warehouse.id,
            (Line(self.item.id, Decimal(quantity)),),
            NOW,
            "manager",
        )

    def shipment(self, uow: UnitOfWork, order: DeliveryOrder) -> Shipment:
        shipment = Shipment(
            uuid4(),
            self.account.id,
            uow.shipments.next_number(self.account.id),
            date(2026, 11, 20),
            order.id,
            order.number,
            self.counterparty.id,
            self.warehouse.id,
            (Line(self.item.id, Decimal("1.000")),),
            (Line(self.item.id, Decimal("0.500")),),
            NOW,
            "manager",
            "Recipient",
            "Street 1",
        )
        uow.shipments.add(shipment)
        return shipment

    def reversal(self, uow: UnitOfWork, document: Receipt | Shipment) -> Reversal:
        return Reversal(
            uuid4(),
            self.account.id,
            uow.reversals.next_number(self.account.id),
            date(2026, 11, 20),
            document.kind,
            document.id,
            self.counterparty.id,
            self.warehouse.id,
            document.lines,
            "posted by mistake",
            NOW,
            "manager",
        )

    def order(self, number: int) -> DeliveryOrder:
        return DeliveryOrder(
            uuid4(),
            self.account.id,
            number,
            self.counterparty.id,
            self.warehouse.id,
            (Line(self.item.id, Decimal("1.500")),),
            NOW,
            recipient="Recipient",
            address="Street 1",
            comment="Fragile",
        )


_JANUARY = date(2026, 1, 1)


def _stored_order(uow: UnitOfWork, world: _World, number: int) -> UUID:
    """The id of a new order of `world`, stored (snapshots refer to their orders)."""
    order = world.order(number)
    uow.orders.add(order)
    return order.id


def _movement(
    key: StockKey, kind: MovementKind, thousandths: int, order_id: UUID | None, day: date
) -> Movement:
    quantity = Decimal(thousandths).scaleb(-3)
    return Movement(key, kind, quantity, DocumentKind.RECEIPT, uuid4(), day, NOW, order_id)


def _accepted(movements: Iterable[Movement]) -> list[Movement]:
    """`movements` by date, less those the ledger would refuse after the ones kept before them
    (stock or reserve below zero) and those that would take an order's reserve below zero."""
    position = Position(None, {}, {})
    kept = []
    for movement in sorted(movements, key=lambda m: m.occurred_on):
        try:
            after = position.advanced([movement], movement.occurred_on)
        except (Conflict, InsufficientStock):
            continue
        if all(held >= 0 for held in after.holds.values()):
            position = after
            kept.append(movement)
    return kept


def _neighbour(uow: UnitOfWork, world: _World) -> StockKey:
    """The stock key of a second counterparty's item in `world`'s account and warehouse."""
    account = world.account.id
    counterparty = Counterparty(uuid4(), account, "CP-2", "Neighbour", "+79123456780", None)
    item = evolve(world.item, id=uuid4(), counterparty_id=counterparty.id)
    uow.counterparties.add(counterparty)
    uow.items.add(item)
    return StockKey(account, counterparty.id, world.warehouse.id, item.id)


class StorageConformance:
    """Behaviour every storage backend must have. Override the `make_storage` fixture."""

    #: Examples each state machine runs; None takes the hypothesis profile's. A backend
    #: behind a network may run fewer: every example costs it round trips to the server.
    state_machine_examples: int | None = None

    @pytest.fixture
    def make_storage(self) -> StorageMaker:
        pytest.fail("override the make_storage fixture to open a fresh, empty backend")

    @pytest.fixture
    def storage(self, make_storage: StorageMaker) -> Iterator[StorageBackend]:
        backend = make_storage()
        yield backend
        backend.close()

    def test_a_unit_of_work_rolls_back_unless_committed(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
        with storage.unit_of_work() as uow:
            assert uow.accounts.get(world.account.id) is None
            assert uow.items.get(world.account.id, world.item.id) is None

    def test_an_exception_rolls_back_everything(self, storage: StorageBackend) -> None:
        worlds = []

        def fail_midway() -> None:
            with storage.unit_of_work() as uow:
                worlds.append(_World(uow))
                raise ZeroDivisionError

        with pytest.raises(ZeroDivisionError):
            fail_midway()
        (world,) = worlds
        with storage.unit_of_work() as uow:
            assert uow.accounts.by_code(world.account.code) is None

    def test_units_of_work_do_not_nest(self, storage: StorageBackend) -> None:
        with storage.unit_of_work(), pytest.raises(RuntimeError):
            storage.unit_of_work().__enter__()

    # Read-only units ------------------------------------------------------------------------

    def test_a_read_only_unit_reads_what_was_committed(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            order = world.order(1)
            uow.orders.add(order)
            balance = Balance(world.key, Decimal("12.345"), Decimal("1.500"))
            uow.ledger.append([_movement(world.key, MovementKind.RECEIPT, 12345, None, _JANUARY)],
                              [balance])  # fmt: skip
            uow.commit()
        account = world.account.id
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.accounts.get(account) == world.account
            assert uow.orders.by_number(account, 1) == order
            assert uow.orders.get(account, order.id) == order
            assert uow.ledger.balances(account, [world.key]) == {world.key: balance}
            uow.commit()  # nothing to commit: allowed, and nothing happens
        with storage.unit_of_work() as uow:  # a writing unit after it writes as before
            uow.orders.add(world.order(2))
            uow.commit()
        with storage.unit_of_work(read_only=True) as uow:
            assert uow.orders.by_number(account, 2) is not None

    def test_a_read_only_unit_refuses_every_write_and_changes_nothing(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            uow.commit()
        account, counterparty = world.account.id, world.counterparty.id
        order = world.order(1)
        writes: dict[str, Callable[[UnitOfWork], object]] = {
            "accounts.add": lambda u: u.accounts.add(Account(uuid4(), "new", "New")),
            "counterparties.add": lambda u: u.counterparties.add(
                evolve(world.counterparty, id=uuid4(), code="CP-2")
            ),
            "items.add": lambda u: u.items.add(evolve(world.item, id=uuid4(), sku="SKU-2")),
            "orders.next_number": lambda u: u.orders.next_number(account),
            "orders.next_numbers_apart": lambda u: u.orders.next_numbers_apart(account, 2),
            "orders.add": lambda u: u.orders.add(order),
            "orders.add_many": lambda u: u.orders.add_many([order]),
            "ledger.append": lambda u: u.ledger.append(
                [_movement(world.key, MovementKind.RECEIPT, 1000, None, _JANUARY)],
                [Balance(world.key, Decimal(1), Decimal(0))],
            ),
            "receipts.add": lambda u: u.receipts.add(world.receipt()),
            "shipments.next_number": lambda u: u.shipments.next_number(account),
            "users.add": lambda u: u.users.add(_user(account, "alice", Role.MANAGER)),
            "settings.put": lambda u: u.settings.put(account, AccountSettings(cabinet_url="x")),
            "audit.append": lambda u: u.audit.append(
                AuditEntry(account, NOW, "alice", "user.add", Outcome.DONE)
            ),
            "logins.change": lambda u: u.logins.change(
                account, "alice", lambda attempts: evolve(attempts, failures=3)
            ),
            "imports.add": lambda u: u.imports.add(
                RegistryImport(uuid4(), account, counterparty, "t", "r.xlsx", "ab", NOW, "m", 1)
            ),
            "form_numbers.add": lambda u: u.form_numbers.add(
                IssuedForm(account, FormKind.MX1, "receipt:1", 2026, 1, NOW, "manager")
            ),
        }

        def refused(write: Callable[[UnitOfWork], object]) -> bool:
            try:
                with storage.unit_of_work(read_only=True) as uow:
                    write(uow)
            except StorageReadOnly:
                return True
            return False

        assert [name for name, write in writes.items() if not refused(write)] == []
        with storage.unit_of_work() as uow:
            assert uow.accounts.by_code("new") is None
            assert uow.counterparties.find_all(account) == [world.counterparty]
            assert uow.items.for_counterparty(account, counterparty) == [world.item]
            assert uow.orders.next_number(account) == 1, "no order number was taken"
            assert uow.orders.get(account, order.id) is None
            assert uow.ledger.balances(account, [world.key]) == {}
            assert uow.receipts.find(account, DocumentQuery(), PageRequest()).items == ()
            assert uow.shipments.next_number(account) == 1
            assert uow.users.by_login(account, "alice") is None
            assert uow.settings.get(account) == AccountSettings()
            assert uow.audit.find(account, AuditQuery(), PageRequest()).items == ()
            assert uow.logins.get(account, "alice") == LoginAttempts(account, "alice")
            assert uow.imports.with_hash(account, counterparty, "ab") == []
            assert uow.form_numbers.get(account, FormKind.MX1, "receipt:1") is None

    def test_numbers_apart_are_never_given_twice(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            uow.commit()
        account = world.account.id
        with storage.unit_of_work() as uow:
            assert uow.orders.next_numbers_apart(account, 3) == range(1, 4)
            assert uow.orders.next_number(account) == 4
            uow.commit()
        with storage.unit_of_work() as uow:  # rolled back: given back, or kept as a gap
            taken = uow.orders.next_numbers_apart(account, 2)
        assert taken == range(5, 7)
        with storage.unit_of_work() as uow:
            assert uow.orders.next_number(account) in (5, 7)

    def test_reference_data_round_trips(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            uow.commit()
        with storage.unit_of_work() as uow:
            account_id = world.account.id
            assert uow.accounts.get(account_id) == world.account
            assert uow.accounts.by_code("acct") == world.account
            assert uow.counterparties.get(account_id, world.counterparty.id) == world.counterparty
            assert uow.counterparties.by_code(account_id, "CP") == world.counterparty
            assert uow.counterparties.find_all(account_id) == [world.counterparty]
            assert uow.contracts.for_counterparty(account_id, world.counterparty.id) == [
                world.contract
            ]
            assert uow.warehouses.by_code(account_id, "W") == world.warehouse
            assert uow.items.get(account_id, world.item.id) == world.item
            assert uow.items.by_skus(account_id, ["SKU-1", "nope"], world.counterparty.id) == [
                world.item
            ]
            assert uow.items.for_counterparty(account_id, world.counterparty.id) == [world.item]

    def test_contract_main_flag_can_move(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            demoted = Contract(
                world.contract.id,
                world.account.id,
                world.counterparty.id,
                "C-1",
                world.contract.signed_on,
                False,
            )
            uow.contracts.save(demoted)
            other = Contract(uuid4(), world.account.id, world.counterparty.id, "C-2", None, True)
            uow.contracts.add(other)
            uow.commit()
        with storage.unit_of_work() as uow:
            stored = uow.contracts.for_counterparty(world.account.id, world.counterparty.id)
            assert [(c.number, c.is_main) for c in stored] == [("C-1", False), ("C-2", True)]

    def test_nothing_is_found_through_another_account(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            first, second = _World(uow, "first"), _World(uow, "second")
            uow.receipts.add(first.receipt())
            uow.orders.add(first.order(1))
            uow.commit()
        with storage.unit_of_work() as uow:
            other = second.account.id
            assert uow.counterparties.get(other, first.counterparty.id) is None
            assert uow.warehouses.get(other, first.warehouse.id) is None
            assert uow.items.get(other, first.item.id) is None
            assert uow.items.by_skus(other, ["SKU-1"]) == [second.item]
            assert uow.receipts.find(other, DocumentQuery(), PageRequest()).items == ()
            assert uow.orders.find(other, OrderQuery(), PageRequest()).items == ()
            assert uow.orders.by_number(other, 1) is None
            assert uow.ledger.balances(other, [first.key]) == {}

    def test_receipts_round_trip_and_duplicates_are_refused(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            receipt = world.receipt()
            uow.receipts.add(receipt)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.receipts.get(world.account.id, receipt.id) == receipt
            assert (
                uow.receipts.by_number(world.account.id, world.counterparty.id, "R-1", 2026)
                == receipt
            )
            assert (
                uow.receipts.by_number(world.account.id, world.counterparty.id, "R-1", 2025) is None
            )
            query = DocumentQuery(counterparty_id=world.counterparty.id)
            assert list(uow.receipts.find(world.account.id, query, PageRequest())) == [receipt]
            with pytest.raises(DuplicateDocument):
                uow.receipts.add(world.receipt("R-1", "1"))

    def test_orders_round_trip_with_versions_and_numbers(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            numbers = [uow.orders.next_number(world.account.id) for _ in range(3)]
            order = world.order(numbers[0])
            uow.orders.add(order)
            uow.commit()
        assert numbers == [1, 2, 3]
        confirmed = DeliveryOrder(
            order.id,
            order.account_id,
            order.number,
            order.counterparty_id,
            order.warehouse_id,
            order.lines,
            order.created_at,
            OrderState.CONFIRMED,
            2,
            NOW,
            None,
            order.recipient,
            order.address,
            order.comment,
        )
        with storage.unit_of_work() as uow:
            assert uow.orders.get(world.account.id, order.id) == order
            uow.orders.save(confirmed, order)
            with pytest.raises(Conflict) as refused:
                uow.orders.save(confirmed, order)  # stored version is now 2, not 1
            assert (refused.value.code, refused.value.details) == (
                "conflict.order_changed",
                {"order": order.number},
            )
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.orders.by_number(world.account.id, order.number) == confirmed
            drafts = OrderQuery(states=frozenset({OrderState.DRAFT}))
            assert list(uow.orders.find(world.account.id, drafts, PageRequest())) == []
            confirmed_ones = OrderQuery(
                world.counterparty.id, states=frozenset({OrderState.CONFIRMED})
            )
            found = uow.orders.find(world.account.id, confirmed_ones, PageRequest())
            assert list(found) == [confirmed]
            assert uow.orders.next_number(world.account.id) == 4

    def test_an_order_confirmed_again_keeps_its_earlier_confirmation(
        self, storage: StorageBackend
    ) -> None:
        first, second = NOW, NOW.replace(day=25)
        with storage.unit_of_work() as uow:
            world = _World(uow)
            draft = world.order(1)
            uow.orders.add(draft)
            confirmed = evolve(draft, state=OrderState.CONFIRMED, version=2, confirmed_at=first)
            uow.orders.save(confirmed, draft)
            failed = evolve(confirmed, state=OrderState.FAILED, version=3)
            uow.orders.save(failed, confirmed)
            again = evolve(failed, state=OrderState.CONFIRMED, version=4, confirmed_at=second)
            uow.orders.save(again, failed)
            uow.commit()
        with storage.unit_of_work() as uow:
            account, ids = world.account.id, [draft.id, uuid4()]
            assert uow.orders.confirmed_before(account, ids, NOW.replace(day=22)) == {
                draft.id: first
            }
            after = NOW.replace(day=26)
            assert uow.orders.confirmed_before(account, ids, after) == {draft.id: second}
            assert uow.orders.confirmed_before(account, ids, first) == {}
            assert uow.orders.confirmed_before(uuid4(), ids, after) == {}

    def test_ledger_appends_movements_and_keeps_balances(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            receipt = world.receipt()
            uow.receipts.add(receipt)
            movements = receipt.movements()
            reserve = Movement(
                world.key,
                MovementKind.RESERVATION,
                Decimal("20.001"),
                DocumentKind.DELIVERY_ORDER,
                uuid4(),
                date(2026, 11, 20),
                NOW,
                uuid4(),
            )
            # Holding the counterparty's stock whole changes nothing the unit then does.
            uow.ledger.lock_counterparty(world.account.id, world.counterparty.id)
            uow.ledger.append(movements, [Balance(world.key, Decimal("12.345"))])
            uow.ledger.append([reserve], [Balance(world.key, Decimal("12.345"), Decimal("20.001"))])
            uow.commit()
        with storage.unit_of_work() as uow:
            balance = Balance(world.key, Decimal("12.345"), Decimal("20.001"))
            assert uow.ledger.balances(world.account.id, [world.key]) == {world.key: balance}
            assert uow.ledger.counterparty_balances(world.account.id, world.counterparty.id) == [
                balance
            ]
            assert list(uow.ledger.movements(world.account.id)) == [*movements, reserve]

    def test_shipments_round_trip_with_refused_lines_and_pages(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            order = world.order(uow.orders.next_number(world.account.id))
            uow.orders.add(order)
            shipments = [world.shipment(uow, order) for _ in range(3)]
            uow.commit()
        assert [s.number for s in shipments] == [1, 2, 3]
        with storage.unit_of_work() as uow:
            account = world.account.id
            assert uow.shipments.get(account, shipments[0].id) == shipments[0]
            assert uow.shipments.by_number(account, 2) == shipments[1]
            first = uow.shipments.find(account, DocumentQuery(), PageRequest(limit=2))
            rest = uow.shipments.find(account, DocumentQuery(), PageRequest(2, first.next_after))
            assert [*first, *rest] == shipments
            assert rest.next_after is None
            by_order = DocumentQuery(order_id=order.id, date_from=date(2026, 11, 20))
            assert list(uow.shipments.find(account, by_order, PageRequest())) == shipments
            later = DocumentQuery(date_from=date(2026, 11, 21))
            assert list(uow.shipments.find(account, later, PageRequest())) == []

    def test_the_counterparty_of_an_order_shipment_or_attachment_is_found_alone(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            neighbour = _neighbour(uow, world).counterparty_id
            account = world.account.id
            order = world.order(1)
            theirs = evolve(world.order(2), id=uuid4(), counterparty_id=neighbour)
            uow.orders.add(order)
            uow.orders.add(theirs)
            shipment = world.shipment(uow, order)
            attachment = _attachment(world, theirs, "a.txt", b"a", NOW)
            uow.attachments.add(attachment, b"a")
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.orders.counterparty_of(account, 1) == world.counterparty.id
            assert uow.orders.counterparty_of(account, 2) == neighbour
            assert uow.shipments.counterparty_of(account, shipment.number) == world.counterparty.id
            assert uow.attachments.counterparty_of(account, attachment.id) == neighbour
            assert uow.orders.counterparty_of(account, 3) is None
            assert uow.shipments.counterparty_of(account, shipment.number + 1) is None
            assert uow.attachments.counterparty_of(account, uuid4()) is None
            stranger = other.account.id
            assert uow.orders.counterparty_of(stranger, 1) is None
            assert uow.shipments.counterparty_of(stranger, shipment.number) is None
            assert uow.attachments.counterparty_of(stranger, attachment.id) is None

    def test_a_document_is_reversed_once(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            receipt = world.receipt()
            uow.receipts.add(receipt)
            reversal = world.reversal(uow, receipt)
            uow.reversals.add(reversal)
            uow.commit()
        with storage.unit_of_work() as uow:
            account = world.account.id
            assert uow.reversals.of_document(account, receipt.id) == reversal
            assert uow.reversals.of_document(account, uuid4()) is None
            assert list(uow.reversals.find(account, DocumentQuery(), PageRequest())) == [reversal]
            with pytest.raises(DuplicateDocument):
                uow.reversals.add(world.reversal(uow, receipt))

    def test_a_reversed_document_is_read_with_its_reversal_and_lists_filter_on_it(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow), _World(uow, "other")
            receipts = [
                evolve(world.receipt(f"R-{n}"), posted_at=NOW + timedelta(minutes=n))
                for n in (1, 2, 3)
            ]
            for receipt in receipts:
                uow.receipts.add(receipt)
            order = world.order(uow.orders.next_number(world.account.id))
            uow.orders.add(order)
            shipments = [world.shipment(uow, order) for _ in range(3)]
            # Reversals 1 and 2: the second receipt and the first shipment.
            uow.reversals.add(world.reversal(uow, receipts[1]))
            uow.reversals.add(evolve(world.reversal(uow, shipments[0]), reason="wrong person"))
            uow.commit()
        first = ReversalNote(1, date(2026, 11, 20), NOW, "posted by mistake", "manager")
        second = ReversalNote(2, date(2026, 11, 20), NOW, "wrong person", "manager")
        account = world.account.id
        with storage.unit_of_work(read_only=True) as uow:
            cp = world.counterparty.id
            got = uow.receipts.get(account, receipts[1].id)
            assert got == evolve(receipts[1], reversal=first)
            assert uow.receipts.by_number(account, cp, "R-2", 2026) == got
            assert uow.receipts.get(account, receipts[0].id) == receipts[0]
            assert uow.receipts.by_number(account, cp, "R-3", 2026) == receipts[2]
            assert uow.shipments.get(account, shipments[0].id) == evolve(
                shipments[0], reversal=second
            )
            assert uow.shipments.by_number(account, 1) == evolve(shipments[0], reversal=second)
            assert uow.shipments.by_number(account, 2) == shipments[1]

            def receipt_numbers(reversed: bool | None, limit: int = 10) -> list[str]:
                query = DocumentQuery(counterparty_id=cp, reversed=reversed)
                page = uow.receipts.find(account, query, PageRequest(limit))
                rest = uow.receipts.find(account, query, PageRequest(limit, page.next_after))
                found = [*page, *(rest if page.next_after else ())]
                return [r.number for r in found]

            assert receipt_numbers(None) == ["R-1", "R-2", "R-3"]
            assert receipt_numbers(True) == ["R-2"]
            assert receipt_numbers(False, limit=1) == ["R-1", "R-3"]
            listed = list(uow.receipts.find(account, DocumentQuery(), PageRequest()))
            assert [r.reversal for r in listed] == [None, first, None]

            def shipment_numbers(reversed: bool | None, limit: int = 10) -> list[int]:
                query = DocumentQuery(order_id=order.id, reversed=reversed)
                page = uow.shipments.find(account, query, PageRequest(limit))
                rest = uow.shipments.find(account, query, PageRequest(limit, page.next_after))
                return [s.number for s in [*page, *(rest if page.next_after else ())]]

            assert shipment_numbers(None) == [1, 2, 3]
            assert shipment_numbers(True) == [1]
            assert shipment_numbers(False, limit=1) == [2, 3]
            listed_shipments = list(uow.shipments.find(account, DocumentQuery(), PageRequest()))
            assert [s.reversal for s in listed_shipments] == [second, None, None]
            # A reversal is never reversed itself; another account sees none of it.
            everything = uow.reversals.find(account, DocumentQuery(reversed=False), PageRequest())
            assert [r.number for r in everything] == [1, 2]
            assert (
                list(uow.reversals.find(account, DocumentQuery(reversed=True), PageRequest())) == []
            )
            stranger = DocumentQuery(reversed=True)
            assert list(uow.receipts.find(other.account.id, stranger, PageRequest())) == []
            assert list(uow.shipments.find(other.account.id, stranger, PageRequest())) == []

    def test_snapshots_store_positions_and_take_late_movements(
        self, storage: StorageBackend
    ) -> None:
        october, november = date(2026, 10, 31), date(2026, 11, 30)
        with storage.unit_of_work() as uow:
            world = _World(uow)
            order_id = uuid4()
            uow.orders.add(evolve(world.order(1), id=order_id))
            balance = Balance(world.key, Decimal("12.345"), Decimal("1.500"))
            held = HeldReserve(order_id, world.key, Decimal("1.500"))
            uow.periods.add(world.account.id, Position.of(october, [balance], [held]))
            uow.periods.add(world.account.id, Position.of(november, [balance], [held]))
            late = Movement(
                world.key,
                MovementKind.RECEIPT,
                Decimal("2.000"),
                DocumentKind.RECEIPT,
                uuid4(),
                date(2026, 11, 5),
                NOW,
            )
            uow.periods.adjust(world.account.id, [late])
            uow.commit()
        with storage.unit_of_work() as uow:
            account = world.account.id
            assert uow.periods.closings(account) == [october, november]
            assert uow.periods.snapshot(account, october) == Position.of(october, [balance], [held])
            moved = Balance(world.key, Decimal("14.345"), Decimal("1.500"))
            assert uow.periods.snapshot(account, november, world.counterparty.id) == (
                Position.of(november, [moved], [held])
            )
            assert uow.periods.snapshot(account, november, uuid4()) == Position(november, {}, {})
            assert uow.periods.closings(uuid4()) == []

    def test_movements_are_found_by_date_then_posting_and_paged(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            days = [date(2026, 11, 3), date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 1)]
            movements = [
                Movement(
                    world.key,
                    MovementKind.RECEIPT,
                    Decimal(n + 1),
                    DocumentKind.RECEIPT,
                    uuid4(),
                    day,
                    NOW,
                )
                for n, day in enumerate(days)
            ]
            uow.ledger.append(movements, [Balance(world.key, Decimal(10))])
            uow.commit()
        expected = [movements[1], movements[3], movements[2], movements[0]]
        with storage.unit_of_work() as uow:
            account, query = world.account.id, MovementQuery(counterparty_id=world.counterparty.id)
            pages: list[Movement] = []
            after: str | None = None
            while True:
                page = uow.ledger.find(account, query, PageRequest(3, after))
                pages.extend(page)
                if page.next_after is None:
                    break
                after = page.next_after
            assert pages == expected
            assert uow.ledger.first_date(account) == date(2026, 11, 1)
            assert uow.ledger.totals(account, None, date(2026, 11, 1), date(2026, 11, 2)) == [
                MovementTotal(world.key, MovementKind.RECEIPT, Decimal(3))
            ]
            kinds = MovementQuery(kinds=frozenset({MovementKind.RELEASE}))
            assert list(uow.ledger.find(account, kinds, PageRequest())) == []

    def test_movements_are_found_in_posting_order_whatever_their_dates_and_instants(
        self, storage: StorageBackend
    ) -> None:
        """Printed forms take lots in posting order: two documents posted at one instant
        (a coarse clock) come in the order they were appended, whatever their dates."""
        with storage.unit_of_work() as uow:
            world = _World(uow)
            neighbour = _neighbour(uow, world)
            uow.commit()
        days = [date(2026, 11, 3), date(2026, 11, 1), date(2026, 11, 3), date(2026, 11, 2)]
        ours = [
            _movement(world.key, MovementKind.RECEIPT, n + 1, None, day)
            for n, day in enumerate(days)
        ]
        for n, batch in enumerate((ours[:2], ours[2:]), 1):  # two units, one posting instant
            with storage.unit_of_work() as uow:
                other = _movement(neighbour, MovementKind.RECEIPT, 9, None, date(2026, 11, 1))
                balances = [
                    Balance(world.key, sum((m.quantity for m in ours[: 2 * n]), Decimal(0))),
                    Balance(neighbour, Decimal("0.009") * n),
                ]
                uow.ledger.append([other, *batch], balances)
                uow.commit()
        query = MovementQuery(
            counterparty_id=world.counterparty.id, item_id=world.item.id, posting_order=True
        )
        with storage.unit_of_work(read_only=True) as uow:
            found: list[Movement] = []
            after: str | None = None
            while True:
                page = uow.ledger.find(world.account.id, query, PageRequest(3, after))
                found.extend(page)
                if page.next_after is None:
                    break
                after = page.next_after
            assert found == ours
            dated = evolve(query, posting_order=False, date_to=date(2026, 11, 2))
            by_date = uow.ledger.find(world.account.id, dated, PageRequest())
            assert list(by_date) == [ours[1], ours[3]]

    def test_totals_are_the_movements_summed_per_key_kind_and_order(
        self, storage: StorageBackend
    ) -> None:
        """... and, asked for up to an instant, only the movements posted before it (a
        report as of an instant), however the instant's zone writes it."""
        minutes = [NOW + timedelta(minutes=n) for n in range(4)]
        plus_five = timezone(timedelta(hours=5))
        days = [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
        movement = st.tuples(
            st.integers(0, 2),  # stock key: the counterparty's, its neighbour's, another account's
            st.sampled_from(MovementKind),
            st.integers(1, 9_999),  # quantity in thousandths
            st.integers(0, 2),  # order: none or one of two
            st.sampled_from(days),
            st.sampled_from(minutes),  # when it was posted
        )

        @given(
            st.lists(movement, max_size=12),
            st.sampled_from([None, *days]),
            st.sampled_from(days),
            st.booleans(),
            st.sampled_from([None, *minutes, minutes[2].astimezone(plus_five)]),
        )
        @settings(max_examples=30, deadline=None)
        def agree(
            rows: list[tuple[int, MovementKind, int, int, date, datetime]],
            after: date | None,
            through: date,
            one_counterparty: bool,
            posted_before: datetime | None,
        ) -> None:
            with storage.unit_of_work() as uow:  # never committed: each example starts empty
                world, other = _World(uow, "first"), _World(uow, "second")
                keys = [world.key, _neighbour(uow, world), other.key]
                orders = [None, uuid4(), uuid4()]
                uow.ledger.append(
                    [
                        Movement(
                            keys[key],
                            kind,
                            Decimal(thousandths).scaleb(-3),
                            DocumentKind.RECEIPT,
                            uuid4(),
                            day,
                            posted,
                            orders[order],
                        )
                        for key, kind, thousandths, order, day, posted in rows
                    ],
                    [],
                )
                account = world.account.id
                counterparty = world.counterparty.id if one_counterparty else None
                expected = totals_of(
                    m
                    for m in uow.ledger.movements(account)
                    if counterparty in (None, m.key.counterparty_id)
                    and (after is None or m.occurred_on > after)
                    and m.occurred_on <= through
                    and (posted_before is None or m.posted_at < posted_before)
                )
                found = uow.ledger.totals(account, counterparty, after, through, posted_before)
                assert Counter(found) == Counter(expected)

        agree()

    def test_closing_months_stores_what_the_python_fold_gives(
        self, storage: StorageBackend
    ) -> None:
        ends = month_ends(_JANUARY, date(2026, 6, 30))
        movement = st.tuples(
            st.integers(0, 2),  # stock key: the counterparty's, its neighbour's, another account's
            st.sampled_from(MovementKind),
            st.integers(1, 9_999),  # quantity in thousandths
            st.integers(0, 2),  # order: none or one of two
            st.integers(0, (ends[-1] - _JANUARY).days),  # the day, from January 1st
        )
        late_receipt = st.tuples(st.integers(0, 2), st.integers(1, 9_999), st.integers(0, 180))

        @given(
            st.lists(movement, max_size=16), st.lists(late_receipt, max_size=3), st.integers(1, 5)
        )
        @settings(max_examples=30, deadline=None)
        def agree(
            rows: list[tuple[int, MovementKind, int, int, int]],
            late_rows: list[tuple[int, int, int]],
            first_closed: int,
        ) -> None:
            with storage.unit_of_work() as uow:  # never committed: each example starts empty
                world, other = _World(uow, "first"), _World(uow, "second")
                keys = [world.key, _neighbour(uow, world), other.key]
                orders = [None, *(_stored_order(uow, world, n) for n in (1, 2))]
                account, previous = world.account.id, ends[first_closed - 1]
                movements = _accepted(
                    _movement(
                        keys[key], kind, thousandths, orders[order], _JANUARY + timedelta(day)
                    )
                    for key, kind, thousandths, order, day in rows
                )
                uow.ledger.append([m for m in movements if m.occurred_on <= previous], [])
                uow.periods.close(account, None, ends[:first_closed])
                late = [  # receipts dated into the months closed already
                    _movement(
                        keys[key],
                        MovementKind.RECEIPT,
                        thousandths,
                        None,
                        _JANUARY + timedelta(day % ((previous - _JANUARY).days + 1)),
                    )
                    for key, thousandths, day in late_rows
                ]
                uow.ledger.append([m for m in movements if m.occurred_on > previous] + late, [])
                uow.periods.adjust(account, late)
                uow.periods.close(account, previous, ends[first_closed:])

                def totals(after: date | None, through: date) -> list[MovementTotal]:
                    return totals_of(
                        m
                        for m in uow.ledger.movements(account)
                        if (after is None or m.occurred_on > after) and m.occurred_on <= through
                    )

                folded = month_end_positions(Position(None, {}, {}), ends, totals)
                assert uow.periods.closings(account) == ends
                for position in folded:
                    assert position.as_of is not None
                    stored = uow.periods.snapshot(account, position.as_of)
                    assert stored == position.without_zeros()

        agree()

    def test_the_ledger_invariants_hold_under_random_use(self, make_storage: StorageMaker) -> None:
        examples = self.state_machine_examples or settings().max_examples
        run_state_machine_as_test(
            ledger_machine(make_storage),
            settings=settings(max_examples=examples, stateful_step_count=25),
        )

    def test_clients_see_and_touch_only_their_own_counterparty(
        self, make_storage: StorageMaker
    ) -> None:
        # Seconds on memory, longer on a database server in the `ci` profile; `long` explores more.
        examples = self.state_machine_examples or max(50, settings().max_examples // 10)
        run_state_machine_as_test(
            isolation_machine(make_storage),
            settings=settings(max_examples=examples, stateful_step_count=40),
        )

    # Cabinet access: users, connection cards, settings, attachments, audit, logins.

    def test_users_round_trip_and_are_found_by_login_and_external_id(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account = world.account.id
            dave = _user(account, "dave", Role.MANAGER)
            alice = _user(account, "alice", Role.ADMINISTRATOR, Role.MANAGER)
            carol = _user(account, "carol", Role.CLIENT, external_id="oidc:42", password_hash=None)
            bob = _user(account, "bob", Role.MANAGER, disabled=True)
            nobody = _user(account, "eve")
            # the same login and external id in another account are another user
            stranger = _user(other.account.id, "alice", Role.CLIENT, external_id="oidc:42")
            for user in (dave, alice, carol, bob, nobody, stranger):
                uow.users.add(user)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.users.get(account, alice.id) == alice
            assert uow.users.get(account, stranger.id) is None
            assert uow.users.get(other.account.id, alice.id) is None
            assert uow.users.by_login(account, "alice") == alice
            assert uow.users.by_login(other.account.id, "alice") == stranger
            assert uow.users.by_login(account, "nobody") is None
            assert uow.users.by_external_id(account, "oidc:42") == carol
            assert uow.users.by_external_id(other.account.id, "oidc:42") == stranger
            assert uow.users.by_external_id(account, "oidc:43") is None
            stored = uow.users.get(account, carol.id)
            assert stored is not None
            assert stored.password_hash is None
            assert stored.roles == frozenset({Role.CLIENT})
            assert uow.users.get(account, nobody.id) == nobody

            pages: list[list[str]] = []
            after: str | None = None
            while True:
                page = uow.users.find(account, UserQuery(), PageRequest(2, after))
                pages.append([user.login for user in page])
                if page.next_after is None:
                    break
                assert page.next_after == pages[-1][-1]
                after = page.next_after
            assert pages == [["alice", "bob"], ["carol", "dave"], ["eve"]]
            exact = uow.users.find(account, UserQuery(), PageRequest(5))
            assert [user.login for user in exact] == ["alice", "bob", "carol", "dave", "eve"]
            assert exact.next_after is None

            def logins(query: UserQuery, owner: UUID = account) -> list[str]:
                return [user.login for user in uow.users.find(owner, query, PageRequest())]

            assert logins(UserQuery(role=Role.MANAGER)) == ["alice", "bob", "dave"]
            assert logins(UserQuery(role=Role.ADMINISTRATOR)) == ["alice"]
            assert logins(UserQuery(role=Role.CLIENT)) == ["carol"]
            assert logins(UserQuery(disabled=True)) == ["bob"]
            assert logins(UserQuery(Role.MANAGER, disabled=False)) == ["alice", "dave"]
            assert logins(UserQuery(), other.account.id) == ["alice"]
            assert logins(UserQuery(), uuid4()) == []

    def test_a_taken_login_or_external_id_is_refused(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account = world.account.id
            alice = _user(account, "alice", external_id="oidc:1")
            uow.users.add(alice)
            # users without an external id never clash with each other
            uow.users.add(_user(account, "bob"))
            uow.users.add(_user(account, "carol"))
            login_taken = ("conflict.login_taken", {"login": "alice"})
            with pytest.raises(Conflict) as refused:
                uow.users.add(_user(account, "alice"))
            assert (refused.value.code, refused.value.details) == login_taken
            with pytest.raises(Conflict) as refused:
                uow.users.add(_user(account, "dave", external_id="oidc:1"))
            assert (refused.value.code, refused.value.details) == (
                "conflict.external_id_taken",
                {"external_id": "oidc:1"},
            )
            with pytest.raises(Conflict) as refused:
                uow.users.add(_user(account, "alice", external_id="oidc:1"))
            assert (refused.value.code, refused.value.details) == login_taken
            uow.users.add(_user(other.account.id, "alice", external_id="oidc:1"))
            uow.commit()
        with storage.unit_of_work() as uow:
            found = uow.users.find(account, UserQuery(), PageRequest())
            assert [user.login for user in found] == ["alice", "bob", "carol"]
            assert uow.users.by_login(account, "alice") == alice
            assert uow.users.by_login(account, "dave") is None

    def test_saving_a_user_is_checked_against_its_version(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            account = world.account.id
            user = _user(account, "alice", Role.MANAGER)
            uow.users.add(user)
            uow.commit()
        promoted = user.with_roles([Role.ADMINISTRATOR, Role.MANAGER])
        with storage.unit_of_work() as uow:
            uow.users.save(promoted, user)
            with pytest.raises(Conflict) as refused:
                uow.users.save(user.with_disabled(True), user)  # stored version is now 2
            assert (refused.value.code, refused.value.details) == (
                "conflict.user_changed",
                {"login": "alice"},
            )
            ghost = _user(account, "ghost")
            with pytest.raises(Conflict):
                uow.users.save(ghost.with_disabled(True), ghost)  # never stored
            uow.commit()
        rehashed = promoted.with_password_hash(_NEW_HASH)
        with storage.unit_of_work() as uow:
            assert uow.users.get(account, user.id) == promoted
            uow.users.save(rehashed, promoted)
            uow.commit()
        with storage.unit_of_work() as uow:
            stored = uow.users.by_login(account, "alice")
            assert stored == rehashed
            assert stored is not None
            assert stored.version == 3
            assert stored.password_hash == _NEW_HASH
            assert uow.users.by_login(account, "ghost") is None

    def test_connection_cards_round_trip_one_per_user_and_login(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account = world.account.id
            users = [_user(account, f"client{n}", Role.CLIENT) for n in range(4)]
            for user in users:
                uow.users.add(user)
            stranger = _user(other.account.id, "client0", Role.CLIENT)
            uow.users.add(stranger)
            newest = _card(world, users[0], "+79123456789", NOW, "https://cabinet.example")
            oldest = _card(world, users[1], "zeta", NOW - timedelta(days=1))
            same_time = _card(world, users[2], "alpha", NOW)
            for card in (same_time, oldest, newest):
                uow.cards.add(card)
            with pytest.raises(Conflict) as refused:
                uow.cards.add(_card(world, users[0], "another", NOW))
            assert (refused.value.code, refused.value.details) == (
                "conflict.card_exists",
                {"user_id": str(users[0].id)},
            )
            with pytest.raises(Conflict) as refused:
                uow.cards.add(_card(world, users[3], "zeta", NOW))
            assert (refused.value.code, refused.value.details) == (
                "conflict.card_login_taken",
                {"login": "zeta"},
            )
            with pytest.raises(Conflict) as refused:
                uow.cards.add(_card(world, users[1], "alpha", NOW))
            assert (refused.value.code, refused.value.details) == (
                "conflict.card_exists",
                {"user_id": str(users[1].id)},
            )
            theirs = _card(other, stranger, "zeta", NOW)
            uow.cards.add(theirs)  # another account's login space
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.cards.by_user(account, users[0].id) == newest
            assert uow.cards.by_user(account, users[3].id) is None
            assert uow.cards.by_user(other.account.id, users[0].id) is None
            assert uow.cards.by_login(account, "zeta") == oldest
            assert uow.cards.by_login(other.account.id, "zeta") == theirs
            assert uow.cards.by_login(other.account.id, "alpha") is None
            assert uow.cards.by_login(account, "another") is None
            assert uow.cards.of_counterparty(account, world.counterparty.id) == [
                oldest,
                newest,
                same_time,
            ]
            assert uow.cards.of_counterparty(other.account.id, world.counterparty.id) == []
            assert uow.cards.of_counterparty(account, other.counterparty.id) == []
            assert uow.cards.of_counterparty(other.account.id, other.counterparty.id) == [theirs]

    def test_settings_default_until_put(self, storage: StorageBackend) -> None:
        chosen = AccountSettings(
            clients_see_attachments=True,
            cabinet_url="https://cabinet.example/",
            password_policy=PasswordPolicy(
                16, require_letter=False, forbid_login=False, forbid_common=False
            ),
            lockout=LockoutPolicy(max_failures=3, lock_minutes=60),
            order_limits=OrderLimits(max_lines=20, max_cargo=3),
        )
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account = world.account.id
            assert uow.settings.get(account) == AccountSettings()
            uow.settings.put(account, AccountSettings(cabinet_url="https://old.example/"))
            uow.settings.put(account, chosen)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.settings.get(account) == chosen
            assert uow.settings.get(other.account.id) == AccountSettings()
            uow.settings.put(other.account.id, AccountSettings(lockout=LockoutPolicy(7, 1)))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.settings.get(account) == chosen
            assert uow.settings.get(other.account.id) == AccountSettings(
                lockout=LockoutPolicy(7, 1)
            )

    def test_attachments_keep_their_exact_bytes(self, storage: StorageBackend) -> None:
        binary = bytes(range(256)) + b"\x00\xff\x00"
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account = world.account.id
            order, second_order = world.order(1), world.order(2)
            uow.orders.add(order)
            uow.orders.add(second_order)
            empty = _attachment(world, order, "b.txt", b"", NOW)
            photo = _attachment(world, order, "a.jpg", binary, NOW)
            earliest = _attachment(world, order, "z.pdf", b"%PDF", NOW - timedelta(hours=1))
            elsewhere = _attachment(world, second_order, "c.png", b"png", NOW)
            for attachment, content in (
                (empty, b""),
                (photo, binary),
                (earliest, b"%PDF"),
                (elsewhere, b"png"),
            ):
                uow.attachments.add(attachment, content)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.attachments.get(account, photo.id) == photo
            assert uow.attachments.content(account, photo.id) == binary
            assert uow.attachments.content(account, empty.id) == b""
            assert uow.attachments.content(account, earliest.id) == b"%PDF"
            assert uow.attachments.of_order(account, order.id) == [earliest, photo, empty]
            assert uow.attachments.of_order(account, second_order.id) == [elsewhere]
            assert uow.attachments.of_order(account, uuid4()) == []
            assert uow.attachments.get(account, uuid4()) is None
            assert uow.attachments.content(account, uuid4()) is None
            assert uow.attachments.get(other.account.id, photo.id) is None
            assert uow.attachments.content(other.account.id, photo.id) is None
            assert uow.attachments.of_order(other.account.id, order.id) == []

    def test_the_audit_log_appends_in_order_and_is_found_by_filters(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account, counterparty = world.account.id, world.counterparty.id
            written = [
                AuditEntry(account, NOW, "alice", "user.add", Outcome.DONE, target="user bob"),
                AuditEntry(other.account.id, NOW, "alice", "user.add", Outcome.DONE),
                AuditEntry(
                    account,
                    NOW + timedelta(minutes=1),
                    "bob",
                    "order.confirm",
                    Outcome.DENIED,
                    counterparty,
                    "order 12",
                    "permission_denied",
                ),
                AuditEntry(account, NOW + timedelta(minutes=2), "alice", "login", Outcome.DONE),
                AuditEntry(
                    account,
                    NOW + timedelta(minutes=3),
                    "alice",
                    "order.confirm",
                    Outcome.DONE,
                    counterparty,
                    "order 12",
                ),
            ]
            stored = [uow.audit.append(entry) for entry in written]
            uow.commit()
        seqs = [entry.seq for entry in stored]
        assert seqs[0] > 0
        assert seqs == sorted(set(seqs))
        assert stored == [evolve(e, seq=s) for e, s in zip(written, seqs, strict=True)]
        mine = [stored[0], *stored[2:]]
        with storage.unit_of_work() as uow:

            def found(query: AuditQuery, owner: UUID = account) -> list[AuditEntry]:
                return list(uow.audit.find(owner, query, PageRequest()))

            assert found(AuditQuery()) == mine
            assert found(AuditQuery(), other.account.id) == [stored[1]]
            assert found(AuditQuery(), uuid4()) == []
            assert found(AuditQuery(actor="alice")) == [stored[0], stored[3], stored[4]]
            assert found(AuditQuery(action="order.confirm")) == [stored[2], stored[4]]
            assert found(AuditQuery(outcome=Outcome.DENIED)) == [stored[2]]
            assert found(AuditQuery(counterparty_id=counterparty)) == [stored[2], stored[4]]
            assert found(AuditQuery("alice", "order.confirm", Outcome.DONE)) == [stored[4]]
            assert found(AuditQuery(actor="carol")) == []
            # since is inclusive, until exclusive, whatever the offset they are given in
            plus_five = timezone(timedelta(hours=5))
            since = (NOW + timedelta(minutes=1)).astimezone(plus_five)
            until = (NOW + timedelta(minutes=3)).astimezone(plus_five)
            assert found(AuditQuery(since=since)) == [stored[2], stored[3], stored[4]]
            assert found(AuditQuery(until=until)) == [stored[0], stored[2], stored[3]]
            assert found(AuditQuery(since=since, until=until)) == [stored[2], stored[3]]

            first = uow.audit.find(account, AuditQuery(), PageRequest(2))
            assert list(first) == mine[:2]
            assert first.next_after == str(mine[1].seq)
            rest = uow.audit.find(account, AuditQuery(), PageRequest(2, first.next_after))
            assert list(rest) == mine[2:]
            assert rest.next_after is None
            alice = AuditQuery(actor="alice")
            first = uow.audit.find(account, alice, PageRequest(1))
            assert list(first) == [stored[0]]
            rest = uow.audit.find(account, alice, PageRequest(5, first.next_after))
            assert list(rest) == [stored[3], stored[4]]

    def test_a_rolled_back_unit_leaves_no_user_or_audit_entry(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            account = world.account.id
            kept = uow.audit.append(AuditEntry(account, NOW, "root", "account.add", Outcome.DONE))
            uow.commit()
        user = _user(account, "alice")
        with storage.unit_of_work() as uow:
            uow.users.add(user)
            uow.audit.append(AuditEntry(account, NOW, "root", "user.add", Outcome.DONE))
            uow.settings.put(account, AccountSettings(clients_see_attachments=True))
            uow.logins.change(account, "alice", lambda a: evolve(a, failures=2))
            assert uow.users.by_login(account, "alice") == user
        with storage.unit_of_work() as uow:
            assert uow.users.get(account, user.id) is None
            assert uow.users.by_login(account, "alice") is None
            assert list(uow.audit.find(account, AuditQuery(), PageRequest())) == [kept]
            assert uow.settings.get(account) == AccountSettings()
            assert uow.logins.get(account, "alice") == LoginAttempts(account, "alice")
            again = uow.audit.append(AuditEntry(account, NOW, "root", "user.add", Outcome.DONE))
            assert again.seq > kept.seq
            uow.commit()

    def test_login_attempts_start_at_zero_and_are_changed_in_place(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world, other = _World(uow, "first"), _World(uow, "second")
            account = world.account.id
            fresh = LoginAttempts(account, "alice")
            assert uow.logins.get(account, "alice") == fresh
            assert fresh.failures == 0
            assert fresh.locked_until is None
            counted = LoginAttempts(account, "alice", 3)
            assert uow.logins.change(account, "alice", lambda a: evolve(a, failures=3)) == (
                fresh,
                counted,
            )
            uow.commit()
        locked = LoginAttempts(account, "alice", 0, NOW + timedelta(minutes=15))
        with storage.unit_of_work() as uow:
            assert uow.logins.get(account, "alice") == counted
            assert uow.logins.change(account, "alice", lambda a: locked) == (counted, locked)
            uow.logins.change(other.account.id, "alice", lambda a: evolve(a, failures=1))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.logins.get(account, "alice") == locked
            assert uow.logins.change(account, "alice", lambda a: a) == (locked, locked)
            assert uow.logins.get(account, "bob") == LoginAttempts(account, "bob")
            assert uow.logins.get(other.account.id, "alice") == LoginAttempts(
                other.account.id, "alice", 1
            )

    def test_concurrent_changes_of_login_attempts_lose_nothing(
        self, storage: StorageBackend
    ) -> None:
        """The lockout counts on it: threads (each with its own connection) change one
        login's attempts at once, with a `how` slow enough that a backend which reads and
        then writes without a lock overwrites the others' changes; every change is kept."""
        with storage.unit_of_work() as uow:
            account = _World(uow).account.id
            uow.commit()
        start = threading.Barrier(LOGIN_RACERS)

        def one_more(attempts: LoginAttempts) -> LoginAttempts:
            time.sleep(0.002)
            return evolve(attempts, failures=attempts.failures + 1)

        def race() -> list[int]:
            start.wait(timeout=60)
            seen = []
            for _ in range(LOGIN_RACE_CHANGES):
                with storage.unit_of_work() as uow:
                    _, after = uow.logins.change(account, "alice", one_more)
                    uow.commit()
                seen.append(after.failures)
            return seen

        with ThreadPoolExecutor(LOGIN_RACERS) as pool:
            runs = [pool.submit(race) for _ in range(LOGIN_RACERS)]
            seen = [count for run in runs for count in run.result()]
        total = LOGIN_RACERS * LOGIN_RACE_CHANGES
        assert sorted(seen) == list(range(1, total + 1)), "each change saw the one before"
        with storage.unit_of_work() as uow:
            assert uow.logins.get(account, "alice").failures == total

    # Registries: external numbers, templates, import records ------------------------------

    def test_orders_keep_registry_attributes_and_external_numbers_are_unique(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            order = evolve(
                world.order(uow.orders.next_number(world.account.id)),
                external_number="A-1",
                phone="+79123456789",
                delivery_date=date(2026, 12, 1),
                cash_on_delivery=Decimal("1234.50"),
                cargo=(
                    Cargo("Box", 2, Decimal("1.500"), Decimal("100.00"), fragile=True),
                    Cargo("Bag"),
                ),
                zone="Z1",
            )
            plain = world.order(uow.orders.next_number(world.account.id))
            uow.orders.add(order)
            uow.orders.add(plain)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.orders.get(world.account.id, order.id) == order
            assert uow.orders.get(world.account.id, plain.id) == plain
            found = uow.orders.by_external_numbers(
                world.account.id, world.counterparty.id, ["A-1", "A-2"]
            )
            assert found == {"A-1": order.number}
            other = uuid4()
            assert uow.orders.by_external_numbers(world.account.id, other, ["A-1"]) == {}
            whole = uow.orders.with_external_numbers(
                world.account.id, world.counterparty.id, ["A-1", "A-2"]
            )
            assert whole == {"A-1": order}
            assert uow.orders.with_external_numbers(world.account.id, other, ["A-1"]) == {}
            assert uow.orders.with_external_numbers(uuid4(), world.counterparty.id, ["A-1"]) == {}
            assert (
                uow.orders.with_external_numbers(world.account.id, world.counterparty.id, []) == {}
            )
            twin = evolve(world.order(99), id=uuid4(), external_number="A-1")
            with pytest.raises(Conflict) as refused:
                uow.orders.add(twin)
            assert (refused.value.code, refused.value.details) == (
                "conflict.external_number_taken",
                {"external_number": "A-1"},
            )

    def test_order_numbers_are_taken_one_or_a_block_at_a_time(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            other = _World(uow, "other")
            assert uow.orders.next_number(world.account.id) == 1
            assert uow.orders.next_numbers(world.account.id, 3) == range(2, 5)
            assert uow.orders.next_numbers(world.account.id, 0) == range(5, 5)
            assert uow.orders.next_numbers(other.account.id, 2) == range(1, 3)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.orders.next_numbers(world.account.id, 2) == range(5, 7)
        with storage.unit_of_work() as uow:  # the block above was rolled back
            assert uow.orders.next_number(world.account.id) == 5

    def test_adding_many_orders_is_adding_them_one_by_one(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            uow.orders.add(evolve(world.order(1), external_number="A-0"))
            uow.commit()
        externals = ["A-0", "A-1", "A-2"]

        def outcome(orders: list[DeliveryOrder], bulk: bool) -> tuple[object, ...]:
            """What adding `orders` raised and left in place, seen before the rollback."""
            error = None
            with storage.unit_of_work() as uow:
                try:
                    if bulk:
                        uow.orders.add_many(orders)
                    else:
                        for order in orders:
                            uow.orders.add(order)
                except Conflict as conflict:
                    error = conflict.details
                found = [uow.orders.get(world.account.id, order.id) for order in orders]
                taken = uow.orders.by_external_numbers(
                    world.account.id, world.counterparty.id, externals
                )
            return error, found, taken

        @given(st.lists(st.tuples(st.sampled_from([None, *externals]), st.booleans()), max_size=6))
        @settings(max_examples=40, deadline=None)
        def agree(shapes: list[tuple[str | None, bool]]) -> None:
            orders = [
                evolve(
                    world.order(number),
                    external_number=external,
                    cargo=(Cargo("Box", 2, Decimal("1.500")),) if cargo else (),
                    handed_over=world.order(number).lines if cargo else (),
                )
                for number, (external, cargo) in enumerate(shapes, 2)
            ]
            assert outcome(orders, bulk=True) == outcome(orders, bulk=False)

        agree()

    def test_registry_templates_round_trip_per_account(self, storage: StorageBackend) -> None:
        template = RegistryTemplate(
            "mine",
            "Мой реестр",
            (
                ColumnMapping("external_number", column="B", required=True),
                ColumnMapping("sku", header="Артикул"),
                ColumnMapping("delivery_date", column="C", formats=("%d/%m/%Y",)),
                ColumnMapping("quantity", column="D", default=1, decimal_separator=","),
            ),
            RowSettings("Лист1", 3, 4, 900),
            {"warehouse": "W", "fragile": True},
            confirm=False,
        )
        owned = evolve(template, name="theirs", counterparty="C1")
        with storage.unit_of_work() as uow:
            world = _World(uow)
            other = _World(uow, "other")
            uow.templates.put(world.account.id, template)
            uow.templates.put(world.account.id, evolve(template, name="a-first"))
            uow.templates.put(world.account.id, owned)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.templates.get(world.account.id, "mine") == template
            assert uow.templates.get(world.account.id, "theirs") == owned
            assert uow.templates.get(other.account.id, "mine") is None
            names = [t.name for t in uow.templates.find_all(world.account.id)]
            assert names == ["a-first", "mine", "theirs"]
            uow.templates.put(world.account.id, evolve(template, title="Новое"))
            uow.commit()
        with storage.unit_of_work() as uow:
            stored = uow.templates.get(world.account.id, "mine")
            assert stored is not None
            assert stored.title == "Новое"

    def test_imports_are_found_by_content_hash_oldest_first(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            records = [
                RegistryImport(
                    uuid4(),
                    world.account.id,
                    world.counterparty.id,
                    "courier-sku",
                    "r.xlsx",
                    digest,
                    NOW + timedelta(minutes=minutes),
                    "manager",
                    orders,
                )
                for digest, minutes, orders in (("aa", 5, 2), ("aa", 1, 7), ("bb", 0, 1))
            ]
            for record in records:
                uow.imports.add(record)
            uow.commit()
        with storage.unit_of_work() as uow:
            found = uow.imports.with_hash(world.account.id, world.counterparty.id, "aa")
            assert found == [records[1], records[0]]
            assert uow.imports.with_hash(world.account.id, uuid4(), "aa") == []

    def test_imports_of_one_counterparty_wait_for_each_other(self, storage: StorageBackend) -> None:
        """`imports.lock` is what keeps one file from being imported twice at once: each
        racer locks, looks for the file's hash and stores it only when it finds none;
        whatever the backend's isolation, one racer stores it and the others see it."""
        with storage.unit_of_work() as uow:
            world = _World(uow)
            uow.commit()
        account, counterparty = world.account.id, world.counterparty.id
        start = threading.Barrier(LOGIN_RACERS)

        def race(racer: int) -> bool:
            start.wait(timeout=60)
            with storage.unit_of_work() as uow:
                uow.imports.lock(account, counterparty)
                if uow.imports.with_hash(account, counterparty, "same"):
                    return False
                time.sleep(0.02)
                uow.imports.add(
                    RegistryImport(
                        uuid4(), account, counterparty, "t", f"{racer}.xlsx", "same", NOW, "m", 1
                    )
                )
                uow.commit()
            return True

        with ThreadPoolExecutor(LOGIN_RACERS) as pool:
            stored = list(pool.map(race, range(LOGIN_RACERS)))
        assert stored.count(True) == 1
        with storage.unit_of_work(read_only=True) as uow:
            assert len(uow.imports.with_hash(account, counterparty, "same")) == 1

    # Printed forms: requisites, tariffs, form numbers -------------------------------------

    def test_requisites_round_trip_per_party(self, storage: StorageBackend) -> None:
        company = Requisites(
            "ООО «Склад»",
            "7712345671",
            "771201001",
            "12345678",
            "Москва",
            bank=BankAccount("Банк", "044525225", "40702810500000001234", "30101810400000000225"),
            head=Signatory("Директор", "Иванов И. И."),
        )
        client = Requisites("ИП Петров", "500100732259")
        with storage.unit_of_work() as uow:
            world = _World(uow)
            uow.requisites.put(world.account.id, world.account.id, company)
            uow.requisites.put(world.account.id, world.counterparty.id, client)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.requisites.get(world.account.id, world.account.id) == company
            assert uow.requisites.get(world.account.id, world.counterparty.id) == client
            assert uow.requisites.get(uuid4(), world.account.id) is None
            uow.requisites.put(world.account.id, world.counterparty.id, evolve(client, fax="1"))
            uow.commit()
        with storage.unit_of_work() as uow:
            stored = uow.requisites.get(world.account.id, world.counterparty.id)
            assert stored == evolve(client, fax="1")

    def test_tariffs_are_kept_per_counterparty_and_as_the_default(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            default = Tariff(
                world.account.id,
                None,
                (
                    Rate(Charge.DELIVERY_ZONE, "Зона 1", Decimal("150.00"), "З1", zone="1"),
                    Rate(
                        Charge.STORAGE_PLACE_DAY,
                        "Место",
                        Decimal("2.50"),
                        units_per_place=Decimal("0.5"),
                    ),
                ),
                Vat(VatMode.INCLUDED, 20),
            )
            own = Tariff(
                world.account.id,
                world.counterparty.id,
                (Rate(Charge.DELIVERY_ORDER, "Доставка", Decimal("99.99")),),
            )
            uow.tariffs.put(default)
            uow.tariffs.put(own)
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.tariffs.get(world.account.id, None) == default
            assert uow.tariffs.get(world.account.id, world.counterparty.id) == own
            assert uow.tariffs.get(world.account.id, uuid4()) is None
            assert uow.tariffs.get(uuid4(), None) is None

    def test_form_numbers_run_per_kind_and_year_and_are_never_taken_twice(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            account = world.account.id
            assert uow.form_numbers.next_number(account, FormKind.MX1, 2026) == 1
            first = IssuedForm(account, FormKind.MX1, "receipt:1", 2026, 1, NOW, "manager")
            uow.form_numbers.add(first)
            uow.form_numbers.add(evolve(first, kind=FormKind.MX3))
            uow.form_numbers.add(evolve(first, source="receipt:2", year=2027))
            uow.commit()
        with storage.unit_of_work() as uow:
            assert uow.form_numbers.get(account, FormKind.MX1, "receipt:1") == first
            assert uow.form_numbers.get(account, FormKind.INVOICE, "receipt:1") is None
            assert uow.form_numbers.next_number(account, FormKind.MX1, 2026) == 2
            assert uow.form_numbers.next_number(account, FormKind.MX1, 2027) == 2
            assert uow.form_numbers.next_number(account, FormKind.ACT, 2026) == 1
            with pytest.raises(Conflict) as refused:
                uow.form_numbers.add(evolve(first, source="receipt:3"))
            issued = {"kind": "mx1", "number": 1, "year": 2026}
            assert (refused.value.code, refused.value.details) == ("conflict.form_issued", issued)
        with storage.unit_of_work() as uow, pytest.raises(Conflict) as refused:
            uow.form_numbers.add(evolve(first, number=5))
        assert (refused.value.code, refused.value.details) == (
            "conflict.form_issued",
            {"kind": "mx1", "number": 5, "year": 2026},
        )


def _user(
    account_id: UUID,
    login: str,
    *roles: Role,
    external_id: str | None = None,
    password_hash: str | None = _OLD_HASH,
    disabled: bool = False,
) -> User:
    return User(
        uuid4(),
        account_id,
        login,
        "Ivanov",
        "Ivan",
        NOW.astimezone(timezone(timedelta(hours=5))),
        middle_name="Petrovich",
        phone="+79123456789",
        email=f"{login}@example.com",
        password_hash=password_hash,
        roles=frozenset(roles),
        disabled=disabled,
        external_id=external_id,
    )


def _card(
    world: _World, user: User, login: str, created_at: datetime, url: str | None = None
) -> ConnectionCard:
    return ConnectionCard(
        uuid4(),
        world.account.id,
        world.counterparty.id,
        world.contract.id,
        user.id,
        login,
        created_at,
        url,
    )


def _attachment(
    world: _World, order: DeliveryOrder, name: str, content: bytes, created_at: datetime
) -> Attachment:
    return Attachment(
        uuid4(),
        world.account.id,
        order.id,
        name,
        "application/octet-stream",
        len(content),
        hashlib.sha256(content).hexdigest(),
        created_at,
        "manager",
    )
