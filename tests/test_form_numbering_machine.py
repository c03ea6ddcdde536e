"""Form numbers under random use: issued once, kept on reprint, no gaps, per kind and year.

Receipts and deliveries are posted, forms printed and reprinted in any order, and some
prints fail for want of a tariff; after every step the numbers each form kind has given
out in each year are exactly 1..n, and every document keeps the number it got first.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, initialize, invariant, precondition, rule

import custody_core
from custody_core import LineDraft, OrderDraft, Principal, ReceiptDraft
from custody_core.domain.errors import ValidationError
from custody_core.domain.forms import FormKind
from custody_core.domain.tariffs import Charge, Rate
from custody_core.testing.clock import ManualClock
from custody_core.testing.hashing import fast_hasher
from custody_core.testing.sample_forms import CLIENT, COMPANY

YEARS = (2025, 2026)


class FormNumbering(RuleBasedStateMachine):
    @initialize()
    def open(self) -> None:
        self.app = custody_core.open(
            "memory://",
            clock=ManualClock(datetime(2026, 11, 20, 9, tzinfo=UTC)),
            entry_points=False,
            password_hasher=fast_hasher(),
        )
        account = self.app.create_account("acme", "ACME")
        self.office = self.app.back_office(Principal.administrator(account.id, "admin"))
        self.office.add_warehouse("W1", "Склад")
        self.office.add_counterparty("C", "Клиент")
        self.office.add_contract("C", "1", main=True)
        self.office.add_item("C", "X", "Икс", declared_value=10)
        self.office.set_requisites(COMPANY)
        self.office.set_requisites(CLIENT, "C")
        self.receipts: list[tuple[str, int]] = []
        self.shipments: list[int] = []
        self.has_tariff = False
        self.on_hand = 0
        #: (kind, document key) -> the number its form got first.
        self.numbers: dict[tuple[FormKind, object], tuple[int, int]] = {}

    def teardown(self) -> None:
        self.app.close()

    @rule(year=st.sampled_from(YEARS), quantity=st.integers(1, 5))
    def post_receipt(self, year: int, quantity: int) -> None:
        number = f"R-{len(self.receipts) + 1}"
        day = date(year, 3, 1)
        self.office.post_receipt(ReceiptDraft(number, day, "C", "W1", [LineDraft("X", quantity)]))
        self.receipts.append((number, year))
        self.on_hand += quantity

    @precondition(lambda self: self.on_hand)
    @rule()
    def deliver(self) -> None:
        self.on_hand -= 1
        order = self.office.create_order(OrderDraft("W1", [LineDraft("X", 1)], counterparty="C"))
        self.office.confirm_order(order.number)
        _, shipment = self.office.deliver_order(order.number)
        self.shipments.append(shipment.number)

    @rule()
    def set_tariff(self) -> None:
        self.office.set_tariff([Rate(Charge.DELIVERY_ORDER, "Доставка", Decimal(300))])
        self.has_tariff = True

    @precondition(lambda self: self.receipts)
    @rule(data=st.data())
    def print_mx1(self, data: st.DataObject) -> None:
        number, year = data.draw(st.sampled_from(self.receipts))
        form = self.office.mx1(number, year, "C")
        self.check((FormKind.MX1, (number, year)), form.header.number, year)

    @precondition(lambda self: self.shipments)
    @rule(data=st.data(), kind=st.sampled_from([FormKind.MX3, FormKind.ACT, FormKind.INVOICE]))
    def print_shipment_form(self, data: st.DataObject, kind: FormKind) -> None:
        chosen = data.draw(st.lists(st.sampled_from(self.shipments), min_size=1, max_size=3))
        if kind is FormKind.MX3:
            form = self.office.mx3(chosen[0])
            key: object = chosen[0]
        else:
            builder = self.office.service_act if kind is FormKind.ACT else self.office.invoice
            if not self.has_tariff:
                with pytest.raises(ValidationError, match="no default tariff"):
                    builder(chosen)
                return
            form = builder(chosen)
            key = frozenset(chosen)
        self.check((kind, key), form.header.number, form.header.date.year)

    def check(self, key: tuple[FormKind, object], number: int, year: int) -> None:
        first = self.numbers.setdefault(key, (number, year))
        assert first == (number, year), f"{key} was numbered {first}, now {number}"

    @invariant()
    def numbers_run_from_one_without_gaps(self) -> None:
        given: dict[tuple[FormKind, int], list[int]] = {}
        for (kind, _), (number, year) in self.numbers.items():
            given.setdefault((kind, year), []).append(number)
        for numbers in given.values():
            assert sorted(numbers) == list(range(1, len(numbers) + 1))


TestFormNumbering = FormNumbering.TestCase
