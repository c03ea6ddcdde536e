"""Conformance of delivery orders: versions, numbers and confirmations."""

from __future__ import annotations

from uuid import uuid4

import pytest
from attrs import evolve

from custody_core.domain.errors import Conflict
from custody_core.domain.orders import DeliveryOrder, OrderState
from custody_core.domain.paging import PageRequest
from custody_core.ports.storage import OrderQuery, StorageBackend
from custody_core.testing.conformance.world import NOW, _World


class OrdersConformance:
    """Delivery orders: versions, numbers, confirmations."""

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
