"""Clients never see, learn about or touch another counterparty's data: a state machine
that runs on any storage backend, since isolation is only as good as the queries under it.

Three counterparties keep goods in two warehouses; a manager receives their
stock, an administrator creates one client-cabinet user per counterparty
through the real API (user card, role, connection card) and every client acts
through the principal `Application.log_in` gives it. Random steps create,
confirm, cancel, edit, deliver and fail orders, and clients keep trying
orders, shipments and reports of other counterparties (through their cabinet
and through a back office handed their principal) and staff-only actions.

Checked after every step and in the steps themselves:

* everything a client receives belongs to its own counterparty, and is exactly
  what the staff see of that counterparty;
* an attempt on another counterparty's object raises the same NotFound (type,
  code, details, messages) as asking for a missing one, and changes nothing;
* every such attempt is in the audit log as "denied" with the victim's
  counterparty, the one on a missing object as well, without a counterparty,
  and nothing else is logged as denied.

The model (who owns which order, its state and version, which receipts and
shipments exist) is kept by the machine from the order transition table and
the counterparties it chose, never read back from the library.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from typing import Any, TypeVar
from uuid import UUID

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import (
    Bundle,
    RuleBasedStateMachine,
    initialize,
    invariant,
    precondition,
    rule,
)

from custody_core.domain.audit import AuditEntry
from custody_core.domain.cards import CardDraft
from custody_core.domain.errors import IllegalTransition, NotFound, PermissionDenied
from custody_core.domain.lines import LineDraft
from custody_core.domain.messages import LOCALES
from custody_core.domain.orders import (
    FAILURE_REASONS,
    TRANSITIONS,
    DeliveryOrder,
    OrderChange,
    OrderDraft,
    OrderState,
)
from custody_core.domain.paging import MAX_LIMIT, Page, PageRequest
from custody_core.domain.principal import Principal, Role
from custody_core.domain.receipts import ReceiptDraft
from custody_core.domain.users import UserDraft
from custody_core.ports.storage import StorageBackend
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice, Cabinet
from custody_core.services.identity import Identity
from custody_core.testing.clock import ManualClock
from custody_core.testing.hashing import fast_hasher

T = TypeVar("T")

#: counterparty -> its SKUs. ALPHA and BETA both have a "TEA" to tempt mix-ups.
CATALOG = {"ALPHA": ("SUGAR", "TEA"), "BETA": ("BOOK", "TEA"), "GAMMA": ("PEN",)}
CODES = sorted(CATALOG)
PHONES = {"ALPHA": "8 (912) 000-00-01", "BETA": "+7 912 000-00-02", "GAMMA": "89120000003"}
WAREHOUSES = ("W1", "W2")
#: Every user's password in a run: test data, not a secret.
PASSWORD = "Cabinet-2026"  # noqa: S105
#: Far more than the orders of a run can take, so deliveries never run short.
STOCK = 1000
#: An order or shipment number no run reaches, and a counterparty code nobody has.
MISSING_NUMBER = 987_654
MISSING_CODE = "NOBODY"

#: What a client may try on an order number through a desk.
ORDER_ATTEMPTS = (
    "order",
    "confirm_order",
    "cancel_order",
    "edit_order_lines",
    "attachments",
    "shipments",
)
#: What a client may try on a counterparty code through a back office.
PEEKS: dict[str, Callable[[BackOffice, str], object]] = {
    "stock_report": lambda office, code: office.stock_report(code),
    "items": lambda office, code: office.items(code),
    "orders": lambda office, code: office.orders(code),
    "shipments": lambda office, code: office.shipments(code),
    "receipts": lambda office, code: office.receipts(code),
    "receipt": lambda office, code: office.receipt(code, f"{code}-W1-0", 2026),
    "movements": lambda office, code: office.movements(code),
    "pick_list": lambda office, code: office.pick_list(code, "W1"),
    "reversals": lambda office, code: office.reversals(code),
}
#: Staff-only actions a client tries through a back office handed its principal.
STAFF_ONLY = (
    "post_receipt",
    "reverse_receipt",
    "reverse_shipment",
    "deliver_order",
    "fail_order",
    "add_item",
    "add_user",
    "audit_log",
)


def everything(fetch: Callable[[PageRequest], Page[T]]) -> list[T]:
    """Every row of a paged list, page after page."""
    found: list[T] = []
    after: str | None = None
    while True:
        page = fetch(PageRequest(MAX_LIMIT, after))
        found.extend(page)
        if page.next_after is None:
            return found
        after = page.next_after


def assert_indistinguishable(
    error: NotFound, missing: NotFound, key: object, missing_key: object
) -> None:
    """`error` (for an object the client may not see) tells it no more than `missing` (for
    an object that does not exist) does: same type, code, details and messages."""
    assert type(error) is type(missing) is NotFound
    assert error.code == missing.code == "not_found"
    assert missing.details["key"] == missing_key
    assert dict(error.details) == {**missing.details, "key": key}
    for locale in LOCALES:
        assert error.message(locale) == missing.message(locale).replace(str(missing_key), str(key))
    assert str(error) == str(missing).replace(str(missing_key), str(key))


class _Order:
    """The model of one order: whose it is, its state and version."""

    def __init__(self, owner: str) -> None:
        self.owner = owner
        self.state = OrderState.DRAFT
        self.version = 1


class IsolationMachine(RuleBasedStateMachine):
    """Subclass with `make_storage` set, or use `isolation_machine(make_storage)`."""

    make_storage: Callable[[], StorageBackend]

    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
        self.app = Application(type(self).make_storage(), self.clock, Identity(fast_hasher()))
        self.model: dict[int, _Order] = {}
        self.shipment_owner: dict[int, str] = {}
        self.receipts: dict[str, set[tuple[str, int]]] = {code: set() for code in CATALOG}
        self.ids: dict[str, UUID] = {}
        self.logins: dict[str, str] = {}
        self.cabinets: dict[str, Cabinet] = {}
        self.client_offices: dict[str, BackOffice] = {}
        #: (actor, action, counterparty id, error code) of every refusal, in order.
        self.denials: list[tuple[str, str, UUID | None, str]] = []
        self.received = 0

    # -- set-up: the seed's steps, through the API ------------------------------

    @initialize()
    def set_up(self) -> None:
        account = self.app.create_account("acme", "ACME", time_zone="UTC")
        # The first administrator is the operator's: nobody exists yet to log in as.
        self.admin = self.app.back_office(Principal.administrator(account.id, "admin"))
        self.admin.add_user(UserDraft("manager", PASSWORD, PASSWORD, "Petrov", "Pyotr"))
        self.admin.grant_roles("manager", [Role.MANAGER])
        manager = self.app.log_in("acme", "manager", PASSWORD)
        assert manager.roles == {Role.MANAGER}
        assert manager.counterparty_id is None
        self.office = self.app.back_office(manager)
        for code in WAREHOUSES:
            self.office.add_warehouse(code, f"Warehouse {code}")
        for code, skus in CATALOG.items():
            counterparty = self.office.add_counterparty(code, code.title(), phone=PHONES[code])
            self.ids[code] = counterparty.id
            self.office.add_contract(code, f"{code}-1")
            for sku in skus:
                self.office.add_item(code, sku, sku.title())
            for warehouse in WAREHOUSES:
                self._receive(code, warehouse, f"{code}-{warehouse}-0", STOCK)
            login = f"{code.lower()}-client"
            self.admin.add_user(
                UserDraft(
                    login,
                    PASSWORD,
                    PASSWORD,
                    last_name=code.title(),
                    first_name="Client",
                    phone=PHONES[code],
                    email=f"{login}@example.com",
                )
            )
            self.admin.grant_roles(login, [Role.CLIENT])
            self.admin.create_card(CardDraft(code, login))
            principal = self.app.log_in("acme", login, PASSWORD)
            assert principal.user == login
            assert principal.roles == {Role.CLIENT}
            assert principal.counterparty_id == counterparty.id
            self.logins[code] = login
            self.cabinets[code] = self.app.cabinet(principal)
            self.client_offices[code] = self.app.back_office(principal)

    @property
    def ready(self) -> bool:
        return len(self.cabinets) == len(CATALOG)

    def _receive(self, code: str, warehouse: str, number: str, quantity: int) -> None:
        today = self.clock.now().date()
        lines = [LineDraft(sku, quantity) for sku in CATALOG[code]]
        receipt = self.office.post_receipt(ReceiptDraft(number, today, code, warehouse, lines))
        assert receipt.counterparty_id == self.ids[code]
        self.receipts[code].add((number, today.year))

    # -- the manager --------------------------------------------------------------

    @rule(counterparty=st.sampled_from(CODES), warehouse=st.sampled_from(WAREHOUSES))
    def manager_receives(self, counterparty: str, warehouse: str) -> None:
        self.received += 1
        self._receive(counterparty, warehouse, f"{counterparty}-{warehouse}-{self.received}", 5)

    @rule(
        target=orders,
        counterparty=st.sampled_from(CODES),
        warehouse=st.sampled_from(WAREHOUSES),
        data=st.data(),
        confirm=st.booleans(),
    )
    def manager_creates_order(
        self, counterparty: str, warehouse: str, data: st.DataObject, confirm: bool
    ) -> int:
        lines = self._draw_lines(data, counterparty)
        order = self.office.create_order(OrderDraft(warehouse, lines, counterparty=counterparty))
        number = self._created(order, counterparty)
        if confirm:
            self._change(number, OrderChange.CONFIRM, lambda: self.office.confirm_order(number))
        return number

    @rule(number=orders)
    def manager_delivers(self, number: int) -> None:
        shipments = []

        def deliver() -> DeliveryOrder:
            order, shipment = self.office.deliver_order(number)
            shipments.append(shipment)
            return order

        if self._change(number, OrderChange.DELIVER, deliver):
            (shipment,) = shipments
            owner = self.model[number].owner
            assert shipment.counterparty_id == self.ids[owner]
            assert shipment.order_number == number
            assert shipment.number not in self.shipment_owner
            self.shipment_owner[shipment.number] = owner

    @rule(number=orders, reason=st.sampled_from(sorted(FAILURE_REASONS)), keep=st.booleans())
    def manager_records_a_failed_attempt(self, number: int, reason: str, keep: bool) -> None:
        change = OrderChange.FAIL_KEEPING_RESERVE if keep else OrderChange.FAIL_RELEASING_RESERVE
        self._change(
            number, change, lambda: self.office.fail_order(number, reason, keep_reserve=keep)
        )

    @rule(minutes=st.sampled_from([1, 7, 60 * 24]))
    def tick(self, minutes: int) -> None:
        self.clock.advance(timedelta(minutes=minutes))

    # -- a client with its own orders ------------------------------------------------

    @rule(
        target=orders,
        client=st.sampled_from(CODES),
        warehouse=st.sampled_from(WAREHOUSES),
        data=st.data(),
    )
    def client_creates_order(self, client: str, warehouse: str, data: st.DataObject) -> int:
        lines = self._draw_lines(data, client)
        order = self.cabinets[client].create_order(OrderDraft(warehouse, lines))
        return self._created(order, client)

    @rule(number=orders, change=st.sampled_from([OrderChange.CONFIRM, OrderChange.CANCEL]))
    def client_confirms_or_cancels_its_order(self, number: int, change: OrderChange) -> None:
        cabinet = self.cabinets[self.model[number].owner]
        act = cabinet.confirm_order if change is OrderChange.CONFIRM else cabinet.cancel_order
        self._change(number, change, lambda: act(number))

    @rule(number=orders, data=st.data())
    def client_edits_its_order(self, number: int, data: st.DataObject) -> None:
        owner = self.model[number].owner
        lines = self._draw_lines(data, owner)
        self._change(
            number,
            OrderChange.EDIT_LINES,
            lambda: self.cabinets[owner].edit_order_lines(number, lines),
        )

    @rule(client=st.sampled_from(CODES))
    def client_looks_at_its_own_data(self, client: str) -> None:
        """Orders, shipments, receipts, movements, stock, pick lists, items: all its own,
        and exactly what the staff see of its counterparty."""
        cabinet, own = self.cabinets[client], self.ids[client]
        self._check_lists(client)
        for order in everything(lambda page: cabinet.orders(page=page)):
            assert cabinet.order(order.number) == order == self.office.order(order.number)
        for shipment in everything(lambda page: cabinet.shipments(page=page)):
            assert cabinet.shipment(shipment.number) == shipment
            by_order = cabinet.shipments(order=shipment.order_number)
            assert shipment in by_order.items
            assert all(found.counterparty_id == own for found in by_order)
        for number, year in self.receipts[client]:
            assert cabinet.receipt(number, year).counterparty_id == own
        movements = everything(lambda page: cabinet.movements(page=page))
        assert all(movement.key.counterparty_id == own for movement in movements)
        assert movements == everything(lambda page: self.office.movements(client, page=page))
        for warehouse in WAREHOUSES:
            picks = cabinet.pick_list(warehouse)
            assert all(pick.item.counterparty_id == own for pick in picks)
            assert sorted(pick.item.sku for pick in picks) == sorted(CATALOG[client])
            assert picks == self.office.pick_list(client, warehouse)
        items = cabinet.items()
        assert all(item.counterparty_id == own for item in items)
        assert [item.sku for item in items] == sorted(CATALOG[client])
        assert [counterparty.id for counterparty in cabinet.counterparties()] == [own]
        reversals = everything(lambda page: cabinet.reversals(page=page))
        assert all(reversal.counterparty_id == own for reversal in reversals)

    # -- a client trying what is not its own -------------------------------------------

    @rule(
        number=orders,
        data=st.data(),
        attempt=st.sampled_from(ORDER_ATTEMPTS),
        through_back_office=st.booleans(),
        knows_version=st.booleans(),
    )
    def client_tries_another_counterpartys_order(
        self,
        number: int,
        data: st.DataObject,
        attempt: str,
        through_back_office: bool,
        knows_version: bool,
    ) -> None:
        victim = self.model[number].owner
        intruder = data.draw(st.sampled_from([c for c in CODES if c != victim]), label="intruder")
        desk = self.client_offices[intruder] if through_back_office else self.cabinets[intruder]
        before = self.office.order(number)
        version = before.version if knows_version else None
        own_sku = CATALOG[intruder][0]
        calls: dict[str, Callable[[int], object]] = {
            "order": desk.order,
            "confirm_order": lambda n: desk.confirm_order(n, expected_version=version),
            "cancel_order": lambda n: desk.cancel_order(n, expected_version=version),
            "edit_order_lines": lambda n: desk.edit_order_lines(
                n, [LineDraft(own_sku, 1)], expected_version=version
            ),
            "attachments": desk.attachments,
            "shipments": lambda n: desk.shipments(order=n),
        }
        self._intrude(intruder, victim, attempt, calls[attempt], number, MISSING_NUMBER)
        assert self.office.order(number) == before, "a refused attempt changed the order"

    @precondition(lambda self: bool(self.shipment_owner))
    @rule(data=st.data(), through_back_office=st.booleans())
    def client_tries_another_counterpartys_shipment(
        self, data: st.DataObject, through_back_office: bool
    ) -> None:
        number = data.draw(st.sampled_from(sorted(self.shipment_owner)), label="shipment")
        victim = self.shipment_owner[number]
        intruder = data.draw(st.sampled_from([c for c in CODES if c != victim]), label="intruder")
        desk = self.client_offices[intruder] if through_back_office else self.cabinets[intruder]
        self._intrude(intruder, victim, "shipment", desk.shipment, number, MISSING_NUMBER)

    @rule(data=st.data(), peek=st.sampled_from(sorted(PEEKS)))
    def client_asks_the_back_office_for_another_counterparty(
        self, data: st.DataObject, peek: str
    ) -> None:
        client = data.draw(st.sampled_from(CODES), label="client")
        victim = data.draw(st.sampled_from([c for c in CODES if c != client]), label="victim")
        office = self.client_offices[client]
        self._intrude(
            client, victim, peek, lambda code: PEEKS[peek](office, code), victim, MISSING_CODE
        )

    @rule(client=st.sampled_from(CODES), action=st.sampled_from(STAFF_ONLY))
    def client_tries_a_staff_action(self, client: str, action: str) -> None:
        office = self.client_offices[client]
        own = [n for n, order in self.model.items() if order.owner == client]
        shipped = [n for n, owner in self.shipment_owner.items() if owner == client]
        number = own[0] if own else MISSING_NUMBER
        receipt = f"{client}-W1-0"
        calls: dict[str, Callable[[], object]] = {
            "post_receipt": lambda: office.post_receipt(
                ReceiptDraft("FAKE", date(2026, 11, 20), client, "W1", [LineDraft("PEN", 5)])
            ),
            "reverse_receipt": lambda: office.reverse_receipt(client, receipt, 2026, "oops"),
            "reverse_shipment": lambda: office.reverse_shipment(
                shipped[0] if shipped else MISSING_NUMBER, "oops"
            ),
            "deliver_order": lambda: office.deliver_order(number),
            "fail_order": lambda: office.fail_order(number, "recipient_absent"),
            "add_item": lambda: office.add_item(client, "GOLD", "Gold"),
            "add_user": lambda: office.add_user(UserDraft("eve", PASSWORD, PASSWORD, "E", "V")),
            "audit_log": office.audit_log,
        }
        before = self.office.stock_report(client).lines
        with pytest.raises(PermissionDenied) as caught:
            calls[action]()
        assert caught.value.code == "permission_denied"
        assert caught.value.details["actor"] == self.logins[client]
        assert self.office.stock_report(client).lines == before
        self.denials.append((self.logins[client], action, None, "permission_denied"))

    # -- helpers ------------------------------------------------------------------------

    def _draw_lines(self, data: st.DataObject, counterparty: str) -> list[LineDraft]:
        skus = data.draw(st.sets(st.sampled_from(CATALOG[counterparty]), min_size=1), label="skus")
        return [LineDraft(sku, data.draw(st.integers(1, 5), label=sku)) for sku in sorted(skus)]

    def _created(self, order: DeliveryOrder, owner: str) -> int:
        assert order.counterparty_id == self.ids[owner]
        assert (order.state, order.version) == (OrderState.DRAFT, 1)
        assert order.number not in self.model
        self.model[order.number] = _Order(owner)
        return order.number

    def _change(self, number: int, change: OrderChange, act: Callable[[], DeliveryOrder]) -> bool:
        """Apply `change` through `act`: True if the table allows it and it was applied,
        False if it was refused as illegal (and then nothing changed)."""
        model = self.model[number]
        target = TRANSITIONS.get((model.state, change))
        if target is None:
            before = self.office.order(number)
            with pytest.raises(IllegalTransition):
                act()
            assert self.office.order(number) == before
            return False
        changed = act()
        model.state = target
        model.version += 1
        assert (changed.number, changed.state, changed.version) == (number, target, model.version)
        assert changed.counterparty_id == self.ids[model.owner]
        self.clock.advance()
        return True

    def _intrude(
        self,
        intruder: str,
        victim: str,
        action: str,
        call: Callable[[Any], object],
        key: object,
        missing_key: object,
    ) -> None:
        """`call(key)` reaches the victim's data: it must be refused exactly as
        `call(missing_key)` is, change nothing and be logged as denied (so is the second,
        without a victim)."""
        actor = self.logins[intruder]
        stock = self.office.stock_report(victim).lines
        logged = self._denied(actor, victim)
        with pytest.raises(NotFound) as caught:
            call(key)
        with pytest.raises(NotFound) as missing:
            call(missing_key)
        assert_indistinguishable(caught.value, missing.value, key, missing_key)
        assert self.office.stock_report(victim).lines == stock
        self.denials.append((actor, action, self.ids[victim], "not_found"))
        self.denials.append((actor, action, None, "not_found"))
        now_logged = self._denied(actor, victim)
        assert now_logged[: len(logged)] == logged
        (entry,) = now_logged[len(logged) :]
        assert (entry.actor, entry.action, entry.counterparty_id, entry.detail) == (
            actor,
            action,
            self.ids[victim],
            "not_found",
        )
        assert entry.target is not None
        assert str(key) in entry.target

    def _denied(self, actor: str, victim: str) -> list[AuditEntry]:
        return everything(
            lambda page: self.admin.audit_log(
                outcome="denied", actor=actor, counterparty=victim, page=page
            )
        )

    def _check_lists(self, client: str) -> None:
        cabinet, own = self.cabinets[client], self.ids[client]
        orders = everything(lambda page: cabinet.orders(page=page))
        assert all(order.counterparty_id == own for order in orders)
        expected = {n: (m.state, m.version) for n, m in self.model.items() if m.owner == client}
        assert {order.number: (order.state, order.version) for order in orders} == expected
        shipments = everything(lambda page: cabinet.shipments(page=page))
        assert all(shipment.counterparty_id == own for shipment in shipments)
        assert {shipment.number for shipment in shipments} == {
            n for n, owner in self.shipment_owner.items() if owner == client
        }
        receipts = everything(lambda page: cabinet.receipts(page=page))
        assert all(receipt.counterparty_id == own for receipt in receipts)
        assert {(r.number, r.year) for r in receipts} == self.receipts[client]
        report = cabinet.stock_report()
        assert report.counterparty.id == own
        assert all(line.item.counterparty_id == own for line in report.lines)
        assert report.lines == self.office.stock_report(client).lines

    # -- invariants -----------------------------------------------------------------------

    @invariant()
    def clients_receive_only_their_own_data(self) -> None:
        if not self.ready:
            return
        for client in CODES:
            self._check_lists(client)

    @invariant()
    def the_staff_see_every_order_as_the_model_has_it(self) -> None:
        if not self.ready:
            return
        orders = everything(lambda page: self.office.orders(page=page))
        found = {o.number: (o.counterparty_id, o.state, o.version) for o in orders}
        assert found == {n: (self.ids[m.owner], m.state, m.version) for n, m in self.model.items()}

    @invariant()
    def every_refusal_and_nothing_else_is_logged_as_denied(self) -> None:
        if not self.ready:
            return
        denied = everything(lambda page: self.admin.audit_log(outcome="denied", page=page))
        assert [(e.actor, e.action, e.counterparty_id, e.detail) for e in denied] == self.denials

    def teardown(self) -> None:
        self.app.close()


def isolation_machine(make_storage: Callable[[], StorageBackend]) -> type[IsolationMachine]:
    """An IsolationMachine class whose every run starts on a fresh storage from `make_storage`."""
    return type(
        "IsolationMachineOn", (IsolationMachine,), {"make_storage": staticmethod(make_storage)}
    )
