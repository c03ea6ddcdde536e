"""A hypothesis state machine that drives the custody use cases on any storage backend.

It keeps a reference model of balances and order states, applies random
receipts, orders, confirmations, deliveries and cancellations through the
application API, and after every step checks the ledger invariants and that a
client sees nothing of another client.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from decimal import Decimal
from itertools import count

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from custody_core.domain.errors import IllegalTransition, InsufficientStock
from custody_core.domain.ledger import EFFECTS, MovementKind, replay
from custody_core.domain.lines import LineDraft
from custody_core.domain.orders import OrderDraft, OrderState
from custody_core.domain.principal import Principal
from custody_core.domain.receipts import ReceiptDraft
from custody_core.domain.units import KILOGRAM, PIECE
from custody_core.ports.storage import StorageBackend
from custody_core.services.application import Application
from custody_core.testing.clock import ManualClock
from custody_core.testing.strategies import quantities

#: counterparty -> SKU -> unit scale. Both counterparties have a "TEA" to tempt mix-ups.
CATALOG = {"ALPHA": {"TEA": 0, "SUGAR": 3}, "BETA": {"TEA": 0, "BOOK": 0}}
WAREHOUSES = ("W1", "W2")
Key = tuple[str, str, str]  # counterparty, warehouse, SKU


class LedgerMachine(RuleBasedStateMachine):
    """Subclass with `make_storage` set, or use `ledger_machine(make_storage)`."""

    make_storage: Callable[[], StorageBackend]

    orders = Bundle("orders")

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(datetime(2026, 11, 1, 8, 0, tzinfo=UTC))
        self.app = Application(type(self).make_storage(), self.clock)
        self.numbers = count(1)
        self.on_hand: dict[Key, Decimal] = {}
        self.reserved: dict[Key, Decimal] = {}
        self.states: dict[int, OrderState] = {}
        self.lines: dict[int, tuple[str, str, dict[str, Decimal]]] = {}

    @initialize()
    def set_up(self) -> None:
        account = self.app.create_account("acct", "Account")
        self.account_id = account.id
        self.office = self.app.back_office(Principal.manager(account.id, "manager"))
        for code in WAREHOUSES:
            self.office.add_warehouse(code, f"Warehouse {code}")
        self.clients = {}
        for code, skus in CATALOG.items():
            counterparty = self.office.add_counterparty(code, code.title())
            self.office.add_contract(code, f"{code}-1")
            for sku, scale in skus.items():
                self.office.add_item(code, sku, sku.title(), unit=KILOGRAM if scale else PIECE)
            self.clients[code] = self.app.cabinet(
                Principal.client(account.id, f"{code.lower()}-user", counterparty.id)
            )

    @rule(
        data=st.data(),
        counterparty=st.sampled_from(sorted(CATALOG)),
        warehouse=st.sampled_from(WAREHOUSES),
    )
    def receive(self, data: st.DataObject, counterparty: str, warehouse: str) -> None:
        lines = self._draw_lines(data, counterparty)
        draft = ReceiptDraft(
            f"R-{next(self.numbers)}",
            self.clock.now().date(),
            counterparty,
            warehouse,
            [LineDraft(sku, quantity) for sku, quantity in lines.items()],
        )
        self.office.post_receipt(draft)
        for sku, quantity in lines.items():
            key = (counterparty, warehouse, sku)
            self.on_hand[key] = self.on_hand.get(key, Decimal(0)) + quantity

    @rule(
        target=orders,
        data=st.data(),
        counterparty=st.sampled_from(sorted(CATALOG)),
        warehouse=st.sampled_from(WAREHOUSES),
        by_client=st.booleans(),
    )
    def create_order(
        self, data: st.DataObject, counterparty: str, warehouse: str, by_client: bool
    ) -> int:
        lines = self._draw_lines(data, counterparty)
        drafts = [LineDraft(sku, quantity) for sku, quantity in lines.items()]
        if by_client:
            order = self.clients[counterparty].create_order(OrderDraft(warehouse, drafts))
        else:
            order = self.office.create_order(
                OrderDraft(warehouse, drafts, counterparty=counterparty)
            )
        self.states[order.number] = OrderState.DRAFT
        self.lines[order.number] = (counterparty, warehouse, lines)
        return order.number

    @rule(number=orders)
    def confirm(self, number: int) -> None:
        self._change(number, self.office.confirm_order, OrderState.DRAFT, OrderState.CONFIRMED)

    @rule(number=orders)
    def cancel(self, number: int) -> None:
        was = self.states[number]
        self._change(
            number,
            self.office.cancel_order,
            was if was in (OrderState.DRAFT, OrderState.CONFIRMED) else None,
            OrderState.CANCELLED,
        )

    @rule(number=orders)
    def deliver(self, number: int) -> None:
        counterparty, warehouse, lines = self.lines[number]
        enough = all(
            self.on_hand.get((counterparty, warehouse, sku), Decimal(0)) >= quantity
            for sku, quantity in lines.items()
        )
        if self.states[number] is OrderState.CONFIRMED and not enough:
            before = self._balances()
            try:
                self.office.deliver_order(number)
            except InsufficientStock:
                assert self._balances() == before, "a refused delivery changed balances"
                return
            raise AssertionError(f"order {number} was delivered without stock on hand")
        self._change(number, self.office.deliver_order, OrderState.CONFIRMED, OrderState.DELIVERED)

    @rule()
    def tick(self) -> None:
        self.clock.advance(timedelta(minutes=7))

    def _change(
        self,
        number: int,
        action: Callable[[int], object],
        legal_from: OrderState | None,
        target: OrderState,
    ) -> None:
        state = self.states[number]
        if state is not legal_from:
            try:
                action(number)
            except IllegalTransition:
                return
            raise AssertionError(f"order {number} in state {state} accepted a move to {target}")
        action(number)
        self.clock.advance()
        self.states[number] = target
        counterparty, warehouse, lines = self.lines[number]
        movement = {
            OrderState.CONFIRMED: MovementKind.RESERVATION,
            OrderState.DELIVERED: MovementKind.WRITE_OFF,
            OrderState.CANCELLED: MovementKind.RELEASE if state is OrderState.CONFIRMED else None,
        }[target]
        if movement is None:
            return
        on_hand_sign, reserved_sign = EFFECTS[movement]
        for sku, quantity in lines.items():
            key = (counterparty, warehouse, sku)
            self.on_hand[key] = self.on_hand.get(key, Decimal(0)) + on_hand_sign * quantity
            self.reserved[key] = self.reserved.get(key, Decimal(0)) + reserved_sign * quantity

    def _draw_lines(self, data: st.DataObject, counterparty: str) -> dict[str, Decimal]:
        skus = data.draw(st.sets(st.sampled_from(sorted(CATALOG[counterparty])), min_size=1))
        return {
            sku: data.draw(quantities(CATALOG[counterparty][sku], max_value=20))
            for sku in sorted(skus)
        }

    def _balances(self) -> dict[Key, tuple[Decimal, Decimal]]:
        found = {}
        for code in CATALOG:
            for line in self.office.stock_report(code).lines:
                found[(code, line.warehouse.code, line.item.sku)] = (line.on_hand, line.reserved)
        return found

    @invariant()
    def balances_match_the_model(self) -> None:
        if not hasattr(self, "office"):
            return
        expected = {
            key: (self.on_hand.get(key, Decimal(0)), self.reserved.get(key, Decimal(0)))
            for key in self.on_hand.keys() | self.reserved.keys()
        }
        expected = {key: value for key, value in expected.items() if any(value)}
        assert self._balances() == expected

    @invariant()
    def balances_equal_a_replay_of_the_ledger(self) -> None:
        if not hasattr(self, "office"):
            return
        with self.app.storage.unit_of_work() as uow:
            movements = list(uow.ledger.movements(self.account_id))
            stored = {}
            for code in CATALOG:
                counterparty = uow.counterparties.by_code(self.account_id, code)
                assert counterparty is not None
                for balance in uow.ledger.counterparty_balances(self.account_id, counterparty.id):
                    stored[balance.key] = (balance.on_hand, balance.reserved)
        replayed = {key: (b.on_hand, b.reserved) for key, b in replay(movements).items()}
        assert stored == replayed
        for key, (on_hand, reserved) in replayed.items():
            by_kind = {kind: Decimal(0) for kind in MovementKind}
            for movement in movements:
                if movement.key == key:
                    by_kind[movement.kind] += movement.quantity
            assert on_hand == by_kind[MovementKind.RECEIPT] - by_kind[MovementKind.WRITE_OFF]
            assert reserved == (
                by_kind[MovementKind.RESERVATION]
                - by_kind[MovementKind.RELEASE]
                - by_kind[MovementKind.WRITE_OFF]
            )

    @invariant()
    def reports_are_coherent_and_only_confirmed_orders_hold(self) -> None:
        if not hasattr(self, "office"):
            return
        for code in CATALOG:
            for line in self.office.stock_report(code).lines:
                assert line.free == line.on_hand - line.reserved
                assert line.shortage == max(Decimal(0), line.reserved - line.on_hand)
                assert sum((hold.reserved for hold in line.holds), Decimal(0)) == line.reserved
                assert sum((hold.shortage for hold in line.holds), Decimal(0)) == line.shortage
                for hold in line.holds:
                    assert self.states[hold.order_number] is OrderState.CONFIRMED

    @invariant()
    def clients_see_only_their_own_data(self) -> None:
        if not hasattr(self, "office"):
            return
        for code, cabinet in self.clients.items():
            report = cabinet.stock_report()
            assert report.counterparty.code == code
            own = {number for number, (owner, _, _) in self.lines.items() if owner == code}
            assert {order.number for order in cabinet.orders()} == own

    def teardown(self) -> None:
        self.app.close()


def ledger_machine(make_storage: Callable[[], StorageBackend]) -> type[LedgerMachine]:
    """A LedgerMachine class whose every run starts on a fresh storage from `make_storage`."""
    return type("LedgerMachineOn", (LedgerMachine,), {"make_storage": staticmethod(make_storage)})
