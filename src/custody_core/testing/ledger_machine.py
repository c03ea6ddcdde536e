"""A hypothesis state machine that drives the custody use cases on any storage backend.

It keeps its own model of stock and orders, written from the rules rather
than from the library's code, and applies random receipts (some dated into
the past, some into closed months), reversals, orders, edits, deliveries
(full and partial), failed attempts, cancellations and month closings through
the application API. After every step it checks that balances match the
model and a replay of the ledger, that a report as of any past day equals a
replay of the movements up to that day, and that a client sees nothing of
another client.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from itertools import count
from uuid import UUID

from hypothesis import strategies as st
from hypothesis.stateful import Bundle, RuleBasedStateMachine, initialize, invariant, rule

from custody_core.domain.errors import AlreadyReversed, IllegalTransition, InsufficientStock
from custody_core.domain.ledger import replay
from custody_core.domain.lines import LineDraft
from custody_core.domain.orders import (
    FAILURE_REASONS,
    HOLDING_STATES,
    TRANSITIONS,
    OrderChange,
    OrderDraft,
    OrderState,
)
from custody_core.domain.paging import MAX_LIMIT, PageRequest
from custody_core.domain.principal import Principal
from custody_core.domain.receipts import ReceiptDraft
from custody_core.domain.units import KILOGRAM, PIECE
from custody_core.ports.storage import StorageBackend
from custody_core.services.application import Application
from custody_core.services.identity import Identity
from custody_core.testing.clock import ManualClock
from custody_core.testing.hashing import fast_hasher
from custody_core.testing.strategies import quantities

#: counterparty -> SKU -> unit scale. Both counterparties have a "TEA" to tempt mix-ups.
CATALOG = {"ALPHA": {"TEA": 0, "SUGAR": 3}, "BETA": {"TEA": 0, "BOOK": 0}}
WAREHOUSES = ("W1", "W2")
ZERO = Decimal(0)
Key = tuple[str, str, str]  # counterparty, warehouse, SKU
Cargo = dict[str, Decimal]  # SKU -> quantity


class _Order:
    """The model of one order: whose, where, its cargo, state and what was handed over."""

    def __init__(self, counterparty: str, warehouse: str, lines: Cargo) -> None:
        self.counterparty = counterparty
        self.warehouse = warehouse
        self.lines = lines
        self.state = OrderState.DRAFT
        self.handed: Cargo = {}
        self.shipment: int | None = None


class LedgerMachine(RuleBasedStateMachine):
    """Subclass with `make_storage` set, or use `ledger_machine(make_storage)`."""

    make_storage: Callable[[], StorageBackend]

    orders = Bundle("orders")
    receipts = Bundle("receipts")

    def __init__(self) -> None:
        super().__init__()
        self.clock = ManualClock(datetime(2026, 9, 20, 8, 0, tzinfo=UTC))
        self.app = Application(type(self).make_storage(), self.clock, Identity(fast_hasher()))
        self.numbers = count(1)
        self.on_hand: dict[Key, Decimal] = {}
        self.reserved: dict[Key, Decimal] = {}
        self.model: dict[int, _Order] = {}
        self.posted: dict[str, tuple[str, str, int, Cargo, bool]] = {}
        self.shipped: dict[str, set[int]] = {code: set() for code in CATALOG}

    @initialize()
    def set_up(self) -> None:
        account = self.app.create_account("acct", "Account", time_zone="UTC")
        self.account_id = account.id
        self.office = self.app.back_office(Principal.manager(account.id, "manager"))
        for code in WAREHOUSES:
            self.office.add_warehouse(code, f"Warehouse {code}")
        self.clients = {}
        for code, skus in CATALOG.items():
            counterparty = self.office.add_counterparty(code, code.title())
            self.office.add_contract(code, f"{code}-1", main=True)
            for sku, scale in skus.items():
                self.office.add_item(code, sku, sku.title(), unit=KILOGRAM if scale else PIECE)
            self.clients[code] = self.app.cabinet(
                Principal.client(account.id, f"{code.lower()}-user", counterparty.id)
            )

    @property
    def today(self) -> date:
        return self.clock.now().date()

    # -- receipts ---------------------------------------------------------------

    @rule(
        target=receipts,
        data=st.data(),
        counterparty=st.sampled_from(sorted(CATALOG)),
        warehouse=st.sampled_from(WAREHOUSES),
        days_back=st.sampled_from([0, 0, 1, 9, 45]),
    )
    def receive(
        self, data: st.DataObject, counterparty: str, warehouse: str, days_back: int
    ) -> str:
        lines = self._draw_lines(data, counterparty)
        number = f"R-{next(self.numbers)}"
        day = self.today - timedelta(days=days_back)
        drafts = [LineDraft(sku, quantity) for sku, quantity in lines.items()]
        self.office.post_receipt(ReceiptDraft(number, day, counterparty, warehouse, drafts))
        self._move(counterparty, warehouse, lines, on_hand=1)
        self.posted[number] = (counterparty, warehouse, day.year, lines, False)
        return number

    @rule(number=receipts)
    def reverse_receipt(self, number: str) -> None:
        counterparty, warehouse, year, lines, reversed_ = self.posted[number]
        enough = all(
            self.on_hand.get((counterparty, warehouse, sku), ZERO) >= quantity
            for sku, quantity in lines.items()
        )
        before = self._balances()
        try:
            self.office.reverse_receipt(counterparty, number, year, "posted by mistake")
        except (InsufficientStock, AlreadyReversed):
            refused = True
        else:
            refused = False
        if refused:
            assert reversed_ or not enough, f"the reversal of {number} was refused"
            assert self._balances() == before, "a refused reversal changed balances"
            return
        assert not reversed_, f"receipt {number} was reversed twice"
        assert enough, f"receipt {number} was reversed without its goods on hand"
        self._move(counterparty, warehouse, lines, on_hand=-1)
        self.posted[number] = (counterparty, warehouse, year, lines, True)

    # -- orders -----------------------------------------------------------------

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
        self.model[order.number] = _Order(counterparty, warehouse, lines)
        return order.number

    @rule(number=orders)
    def confirm(self, number: int) -> None:
        if self._attempt(number, OrderChange.CONFIRM, self.office.confirm_order):
            order = self.model[number]
            self._move(order.counterparty, order.warehouse, order.lines, reserved=1)

    @rule(number=orders, data=st.data())
    def edit(self, number: int, data: st.DataObject) -> None:
        order = self.model[number]
        lines = self._draw_lines(data, order.counterparty)
        drafts = [LineDraft(sku, quantity) for sku, quantity in lines.items()]
        if self._attempt(
            number, OrderChange.EDIT_LINES, lambda n: self.office.edit_order_lines(n, drafts)
        ):
            if order.state in HOLDING_STATES:
                self._move(order.counterparty, order.warehouse, order.lines, reserved=-1)
                self._move(order.counterparty, order.warehouse, lines, reserved=1)
            order.lines = lines

    @rule(number=orders)
    def cancel(self, number: int) -> None:
        order = self.model[number]
        holding = order.state in HOLDING_STATES
        if self._attempt(number, OrderChange.CANCEL, self.office.cancel_order) and holding:
            self._move(order.counterparty, order.warehouse, order.lines, reserved=-1)

    @rule(number=orders, reason=st.sampled_from(sorted(FAILURE_REASONS)), keep=st.booleans())
    def fail(self, number: int, reason: str, keep: bool) -> None:
        change = OrderChange.FAIL_KEEPING_RESERVE if keep else OrderChange.FAIL_RELEASING_RESERVE
        order = self.model[number]
        if (
            self._attempt(
                number, change, lambda n: self.office.fail_order(n, reason, keep_reserve=keep)
            )
            and not keep
        ):
            self._move(order.counterparty, order.warehouse, order.lines, reserved=-1)

    @rule(number=orders, data=st.data())
    def deliver(self, number: int, data: st.DataObject) -> None:
        order = self.model[number]
        refused = {
            sku: data.draw(quantities(CATALOG[order.counterparty][sku], max_value=quantity))
            for sku, quantity in order.lines.items()
            if data.draw(st.booleans(), label=f"refuse {sku}")
        }
        refused = {sku: quantity for sku, quantity in refused.items() if quantity > 0}
        handed = {
            sku: quantity - refused.get(sku, ZERO)
            for sku, quantity in order.lines.items()
            if quantity > refused.get(sku, ZERO)
        }
        if not handed:
            return
        change = OrderChange.DELIVER_PARTIALLY if refused else OrderChange.DELIVER
        enough = all(
            self.on_hand.get((order.counterparty, order.warehouse, sku), ZERO) >= quantity
            for sku, quantity in handed.items()
        )
        if (order.state, change) in TRANSITIONS and not enough:
            before = self._balances()
            try:
                self.office.deliver_order(number, refused=refused)
            except InsufficientStock:
                assert self._balances() == before, "a refused delivery changed balances"
                return
            raise AssertionError(f"order {number} was delivered without stock on hand")
        shipments: list[int] = []

        def deliver(n: int) -> None:
            shipments.append(self.office.deliver_order(n, refused=refused)[1].number)

        if self._attempt(number, change, deliver):
            self._move(order.counterparty, order.warehouse, handed, on_hand=-1)
            self._move(order.counterparty, order.warehouse, order.lines, reserved=-1)
            order.handed = handed
            order.shipment = shipments[0]
            self.shipped[order.counterparty].add(shipments[0])

    @rule(number=orders)
    def reverse_shipment(self, number: int) -> None:
        order = self.model[number]
        shipment = order.shipment
        if shipment is None:
            return
        if self._attempt(
            number,
            OrderChange.REVERSE_DELIVERY,
            lambda _: self.office.reverse_shipment(shipment, "delivered by mistake"),
        ):
            self._move(order.counterparty, order.warehouse, order.handed, on_hand=1)
            self._move(order.counterparty, order.warehouse, order.lines, reserved=1)
            order.handed, order.shipment = {}, None

    # -- time -------------------------------------------------------------------

    @rule(days=st.sampled_from([0, 1, 12, 31]))
    def tick(self, days: int) -> None:
        self.clock.advance(timedelta(days=days, minutes=7))

    @rule()
    def close_months(self) -> None:
        closed = self.office.close_periods()
        assert all(end < self.today.replace(day=1) for end in closed)
        assert self.office.closed_periods() == sorted(self.office.closed_periods())

    # -- helpers ----------------------------------------------------------------

    def _attempt(self, number: int, change: OrderChange, action: Callable[[int], object]) -> bool:
        """Try `change`; True if it was legal and applied, False if refused as illegal."""
        order = self.model[number]
        target = TRANSITIONS.get((order.state, change))
        if target is None:
            try:
                action(number)
            except IllegalTransition:
                return False
            raise AssertionError(f"order {number} ({order.state}) accepted {change}")
        action(number)
        self.clock.advance()
        order.state = target
        return True

    def _move(
        self, counterparty: str, warehouse: str, lines: Cargo, on_hand: int = 0, reserved: int = 0
    ) -> None:
        for sku, quantity in lines.items():
            key = (counterparty, warehouse, sku)
            self.on_hand[key] = self.on_hand.get(key, ZERO) + on_hand * quantity
            self.reserved[key] = self.reserved.get(key, ZERO) + reserved * quantity

    def _draw_lines(self, data: st.DataObject, counterparty: str) -> Cargo:
        skus = data.draw(st.sets(st.sampled_from(sorted(CATALOG[counterparty])), min_size=1))
        return {
            sku: data.draw(quantities(CATALOG[counterparty][sku], max_value=20))
            for sku in sorted(skus)
        }

    def _balances(self, as_of: date | None = None) -> dict[Key, tuple[Decimal, Decimal]]:
        found = {}
        for code in CATALOG:
            for line in self.office.stock_report(code, as_of=as_of).lines:
                if line.on_hand or line.reserved:
                    key = (code, line.warehouse.code, line.item.sku)
                    found[key] = (line.on_hand, line.reserved)
        return found

    # -- invariants -------------------------------------------------------------

    @invariant()
    def balances_match_the_model(self) -> None:
        if not hasattr(self, "office"):
            return
        expected = {
            key: (self.on_hand.get(key, ZERO), self.reserved.get(key, ZERO))
            for key in self.on_hand.keys() | self.reserved.keys()
        }
        assert self._balances() == {key: value for key, value in expected.items() if any(value)}

    @invariant()
    def balances_and_past_reports_equal_a_replay_of_the_ledger(self) -> None:
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
        codes = self._codes()
        days = sorted({m.occurred_on for m in movements})
        for day in {*days[-3:], *days[:1], *(d - timedelta(days=1) for d in days[:1])}:
            past = replay(m for m in movements if m.occurred_on <= day)
            expected = {
                codes[key.counterparty_id, key.warehouse_id, key.item_id]: (b.on_hand, b.reserved)
                for key, b in past.items()
                if b.on_hand or b.reserved
            }
            assert self._balances(as_of=day) == expected, f"report as of {day} is not a replay"

    def _codes(self) -> dict[tuple[UUID, UUID, UUID], Key]:
        """(counterparty, warehouse, item) ids -> their codes."""
        with self.app.storage.unit_of_work() as uow:
            warehouses = uow.warehouses.find_all(self.account_id)
            codes = {}
            for counterparty in uow.counterparties.find_all(self.account_id):
                for item in uow.items.for_counterparty(self.account_id, counterparty.id):
                    for warehouse in warehouses:
                        codes[counterparty.id, warehouse.id, item.id] = (
                            counterparty.code,
                            warehouse.code,
                            item.sku,
                        )
        return codes

    @invariant()
    def reports_are_coherent_and_only_holding_orders_hold(self) -> None:
        if not hasattr(self, "office"):
            return
        for code in CATALOG:
            start = self.today.replace(day=1) - timedelta(days=40)
            for line in self.office.stock_report(code, date_from=start).lines:
                assert line.on_hand == line.opening_on_hand + line.received - line.delivered
                assert line.reserved == (
                    line.opening_reserved + line.reservations - line.released - line.delivered
                )
                assert line.free == line.on_hand - line.reserved
                assert line.shortage == max(ZERO, line.reserved - line.on_hand)
                assert sum((hold.reserved for hold in line.holds), ZERO) == line.reserved
                assert sum((hold.shortage for hold in line.holds), ZERO) == line.shortage
                for hold in line.holds:
                    assert self.model[hold.order_number].state in HOLDING_STATES

    @invariant()
    def clients_see_only_their_own_data(self) -> None:
        if not hasattr(self, "office"):
            return
        everything = PageRequest(MAX_LIMIT)
        for code, cabinet in self.clients.items():
            report = cabinet.stock_report()
            assert report.counterparty.code == code
            own = {number for number, order in self.model.items() if order.counterparty == code}
            assert {order.number for order in cabinet.orders(page=everything)} == own
            listed = {s.number for s in cabinet.shipments(page=everything)}
            assert listed == self.shipped[code]
            receipts = {r.number for r in cabinet.receipts(page=everything)}
            assert receipts == {n for n, posted in self.posted.items() if posted[0] == code}

    def teardown(self) -> None:
        self.app.close()


def ledger_machine(make_storage: Callable[[], StorageBackend]) -> type[LedgerMachine]:
    """A LedgerMachine class whose every run starts on a fresh storage from `make_storage`."""
    return type("LedgerMachineOn", (LedgerMachine,), {"make_storage": staticmethod(make_storage)})
