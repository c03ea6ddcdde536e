"""The client-isolation state machine of the test kit catches what it is there to catch.

The machine itself (`custody_core.testing.isolation_machine`) runs on every backend
as part of the storage conformance suite (tests/test_conformance.py, test_postgres.py);
here its checks are shown not to be vacuous.
"""

from __future__ import annotations

from uuid import UUID

import pytest
from attrs import evolve
from hypothesis import Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from custody_core.adapters.storage.memory import MemoryStorage, MemoryUnitOfWork
from custody_core.domain.errors import NotFound
from custody_core.domain.orders import DeliveryOrder
from custody_core.domain.paging import Page, PageRequest
from custody_core.ports.storage import OrderQuery
from custody_core.testing.isolation_machine import assert_indistinguishable, isolation_machine


class LeakyStorage(MemoryStorage):
    """Memory storage whose order lists ignore the counterparty asked for."""

    def unit_of_work(self, read_only: bool = False) -> MemoryUnitOfWork:
        uow = super().unit_of_work(read_only)
        find = uow.orders.find

        def every_counterpartys(
            account_id: UUID, query: OrderQuery, page: PageRequest
        ) -> Page[DeliveryOrder]:
            return find(account_id, evolve(query, counterparty_id=None), page)

        uow.orders.find = every_counterpartys  # type: ignore[method-assign]
        return uow


def test_the_machine_catches_a_backend_that_leaks_orders_across_counterparties() -> None:
    with pytest.raises(AssertionError):
        run_state_machine_as_test(
            isolation_machine(LeakyStorage),
            settings=settings(max_examples=50, stateful_step_count=40, phases=[Phase.generate]),
        )


def test_the_indistinguishability_check_tells_different_refusals_apart() -> None:
    """The machine's check is not vacuous: only the key may differ."""
    first, second = NotFound(entity="order", key=1), NotFound(entity="order", key=2)
    assert_indistinguishable(first, second, 1, 2)
    with pytest.raises(AssertionError):
        assert_indistinguishable(
            NotFound(entity="order", key=1), NotFound(entity="shipment", key=2), 1, 2
        )
    with pytest.raises(AssertionError):
        assert_indistinguishable(
            NotFound(entity="order", key=1, owner="BETA"), NotFound(entity="order", key=2), 1, 2
        )
