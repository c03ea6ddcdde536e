"""Conformance of isolation: nothing is found through another account, and a client
sees and touches only its own counterparty's data."""

from __future__ import annotations

from uuid import uuid4

from attrs import evolve
from hypothesis import settings
from hypothesis.stateful import run_state_machine_as_test

from custody_core.domain.paging import PageRequest
from custody_core.ports.storage import DocumentQuery, OrderQuery, StorageBackend
from custody_core.testing.conformance.world import (
    NOW,
    StorageMaker,
    _attachment,
    _neighbour,
    _World,
)
from custody_core.testing.isolation_machine import isolation_machine


class IsolationConformance:
    """Nothing crosses an account, and a client sees only its own counterparty's data
    (the client-isolation state machine)."""

    #: Set by `ConformanceBase` (or the backend's suite).
    state_machine_examples: int | None

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

    def test_clients_see_and_touch_only_their_own_counterparty(
        self, make_storage: StorageMaker
    ) -> None:
        # Seconds on memory, longer on a database server in the `ci` profile; `long` explores more.
        examples = self.state_machine_examples or max(50, settings().max_examples // 10)
        run_state_machine_as_test(
            isolation_machine(make_storage),
            settings=settings(max_examples=examples, stateful_step_count=40),
        )
