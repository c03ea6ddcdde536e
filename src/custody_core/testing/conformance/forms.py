"""Conformance of printed forms: requisites, tariffs and form numbers."""

from __future__ import annotations

from decimal import Decimal
from uuid import uuid4

import pytest
from attrs import evolve

from custody_core.domain.errors import Conflict
from custody_core.domain.forms import FormKind, IssuedForm
from custody_core.domain.requisites import BankAccount, Requisites, Signatory
from custody_core.domain.tariffs import Charge, Rate, Tariff
from custody_core.domain.vat import Vat, VatMode
from custody_core.ports.storage import StorageBackend
from custody_core.testing.conformance.world import NOW, _World


class FormsConformance:
    """Printed forms: requisites, tariffs, form numbers."""

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
