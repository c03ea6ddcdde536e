"""Conformance of the unit of work, the base every area stands on: transactions,
read-only units and numbering."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from uuid import uuid4

import pytest
from attrs import evolve

from custody_core.domain.audit import AuditEntry, AuditQuery, Outcome
from custody_core.domain.errors import StorageReadOnly
from custody_core.domain.forms import FormKind, IssuedForm
from custody_core.domain.imports import RegistryImport
from custody_core.domain.ledger import Balance, MovementKind
from custody_core.domain.lockout import LoginAttempts
from custody_core.domain.paging import PageRequest
from custody_core.domain.parties import Account
from custody_core.domain.principal import Role
from custody_core.domain.settings import AccountSettings
from custody_core.ports.storage import DocumentQuery, StorageBackend, UnitOfWork
from custody_core.testing.conformance.world import _JANUARY, NOW, _movement, _user, _World


class UnitOfWorkConformance:
    """Units of work: they roll back unless committed and do not nest; read-only units
    read what was committed and refuse every write; numbers are never given twice."""

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

    # Read-only units ---------------------------------------------------------------------------

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

    # Numbering ---------------------------------------------------------------------------------

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
