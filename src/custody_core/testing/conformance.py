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

from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from uuid import uuid4

import pytest
from attrs import evolve
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from custody_core.domain.errors import Conflict, DuplicateDocument
from custody_core.domain.items import Item
from custody_core.domain.ledger import Balance, DocumentKind, Movement, MovementKind, StockKey
from custody_core.domain.lines import Line
from custody_core.domain.orders import DeliveryOrder, OrderState
from custody_core.domain.paging import PageRequest
from custody_core.domain.parties import Account, Contract, Counterparty, Warehouse
from custody_core.domain.periods import HeldReserve, Position
from custody_core.domain.receipts import Receipt
from custody_core.domain.reversals import Reversal
from custody_core.domain.shipments import Shipment
from custody_core.domain.units import KILOGRAM
from custody_core.ports.storage import (
    DocumentQuery,
    MovementQuery,
    OrderQuery,
    StorageBackend,
    UnitOfWork,
)
from custody_core.testing.ledger_machine import ledger_machine

StorageMaker = Callable[[], StorageBackend]
NOW = datetime(2026, 11, 20, 9, 30, 15, 123456, tzinfo=UTC)


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

    def reversal(self, uow: UnitOfWork, receipt: Receipt) -> Reversal:
        return Reversal(
            uuid4(),
            self.account.id,
            uow.reversals.next_number(self.account.id),
            date(2026, 11, 20),
            DocumentKind.RECEIPT,
            receipt.id,
            self.counterparty.id,
            self.warehouse.id,
            receipt.lines,
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


class StorageConformance:
    """Behaviour every storage backend must have. Override the `make_storage` fixture."""

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
            with pytest.raises(Conflict):
                uow.orders.save(confirmed, order)  # stored version is now 2, not 1
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
            assert uow.ledger.between(account, None, date(2026, 11, 1), date(2026, 11, 2)) == [
                movements[2]
            ]
            kinds = MovementQuery(kinds=frozenset({MovementKind.RELEASE}))
            assert list(uow.ledger.find(account, kinds, PageRequest())) == []

    def test_the_ledger_invariants_hold_under_random_use(self, make_storage: StorageMaker) -> None:
        run_state_machine_as_test(
            ledger_machine(make_storage), settings=settings(stateful_step_count=25)
        )
