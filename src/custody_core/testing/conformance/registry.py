"""Conformance of registries: external order numbers, orders added many at once,
templates and import records."""

from __future__ import annotations

import threading
import time
from concurrent.futures import ThreadPoolExecutor
from datetime import date, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from custody_core.domain.errors import Conflict
from custody_core.domain.imports import RegistryImport
from custody_core.domain.orders import Cargo, DeliveryOrder
from custody_core.domain.registry import ColumnMapping, RegistryTemplate, RowSettings
from custody_core.ports.storage import StorageBackend
from custody_core.testing.conformance.world import LOGIN_RACERS, NOW, _World


class RegistryConformance:
    """Registries: external order numbers, orders added many at once, templates and
    import records."""

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
