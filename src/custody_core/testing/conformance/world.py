"""What every area of the storage conformance suite shares: the fixtures, one stored
account to work in, and builders of the things the tests store."""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import UUID, uuid4

import pytest
from attrs import evolve

from custody_core.domain.attachments import Attachment
from custody_core.domain.items import Item
from custody_core.domain.ledger import DocumentKind, Movement, MovementKind, StockKey
from custody_core.domain.lines import Line
from custody_core.domain.orders import DeliveryOrder
from custody_core.domain.parties import Account, Contract, Counterparty, Warehouse
from custody_core.domain.principal import Role
from custody_core.domain.receipts import Receipt
from custody_core.domain.reversals import Reversal
from custody_core.domain.shipments import Shipment
from custody_core.domain.units import KILOGRAM
from custody_core.domain.users import User
from custody_core.ports.storage import StorageBackend, UnitOfWork

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


def _movement(
    key: StockKey, kind: MovementKind, thousandths: int, order_id: UUID | None, day: date
) -> Movement:
    quantity = Decimal(thousandths).scaleb(-3)
    return Movement(key, kind, quantity, DocumentKind.RECEIPT, uuid4(), day, NOW, order_id)


def _neighbour(uow: UnitOfWork, world: _World) -> StockKey:
    """The stock key of a second counterparty's item in `world`'s account and warehouse."""
    account = world.account.id
    counterparty = Counterparty(uuid4(), account, "CP-2", "Neighbour", "+79123456780", None)
    item = evolve(world.item, id=uuid4(), counterparty_id=counterparty.id)
    uow.counterparties.add(counterparty)
    uow.items.add(item)
    return StockKey(account, counterparty.id, world.warehouse.id, item.id)


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


class ConformanceBase:
    """The fixtures every area's tests take. Override the `make_storage` fixture."""

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
