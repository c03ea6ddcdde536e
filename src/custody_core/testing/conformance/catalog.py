"""Conformance of reference data: accounts, counterparties, contracts, warehouses, items."""

from __future__ import annotations

from uuid import uuid4

from custody_core.domain.parties import Contract
from custody_core.ports.storage import StorageBackend
from custody_core.testing.conformance.world import _World


class CatalogConformance:
    """Reference data: accounts, counterparties, contracts, warehouses and items."""

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
