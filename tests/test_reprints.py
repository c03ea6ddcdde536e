"""A reprint is the same document: the lots an MX-3 charges storage for, on every backend.

Shipments posted at one instant (a coarse clock) must still take their goods
in the order they were posted, so that each keeps the lots it took when it
was first printed and no lot is charged twice or to nobody. Expected figures
are worked out by hand in comments, or by a model of the warehouse that
hands out the oldest goods on hand.
"""

from __future__ import annotations

import bisect
import itertools
import math
from collections.abc import Callable
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from functools import partial
from io import BytesIO

import openpyxl
import pytest
from attrs import frozen
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from custody_core import LineDraft, OrderDraft, Principal, ReceiptDraft
from custody_core.domain.forms import Form, FormKind, GoodsForm
from custody_core.domain.tariffs import Charge, Rate
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice
from custody_core.testing.clock import ManualClock
from custody_core.testing.sample_forms import CLIENT, COMPANY

UNIT_DAY = Rate(Charge.STORAGE_UNIT_DAY, "Хранение, ед. в сутки", Decimal("1.00"), "Х-1")
PLACE_DAY = Rate(
    Charge.STORAGE_PLACE_DAY, "Хранение, место в сутки", Decimal("2.00"), "Х-2", units_per_place=2
)
DELIVERY = Rate(Charge.DELIVERY_ORDER, "Доставка заказа", Decimal("300.00"), "Д-1")
ITEMS = ("TEA", "SUGAR")


@pytest.fixture
def stocked(app: Application) -> BackOffice:
    """ROMASHKA has 10 TEA received on 2 November 2026 and 5 on 10 November, charged
    1.00 a unit and day; the clock stands still at 20 November 2026, 09:00 UTC."""
    account = app.create_account("acme", "ACME", time_zone="Europe/Moscow")
    office = app.back_office(Principal.administrator(account.id, "admin"))
    office.add_warehouse("W1", "Основной склад")
    office.add_counterparty("ROMASHKA", "Ромашка")
    office.add_contract("ROMASHKA", "ОХ-7", main=True)
    office.add_item("ROMASHKA", "TEA", "Чай", declared_value=100)
    for number, day, quantity in (("R-1", 2, 10), ("R-2", 10, 5)):
        office.post_receipt(
            ReceiptDraft(
                number, date(2026, 11, day), "ROMASHKA", "W1", [LineDraft("TEA", quantity)]
            )
        )
    office.set_requisites(COMPANY)
    office.set_requisites(CLIENT, "ROMASHKA")
    office.set_tariff([UNIT_DAY])
    return office


def ship_tea(office: BackOffice, quantity: int) -> int:
    """Deliver `quantity` TEA to ROMASHKA; the number of the shipment."""
    order = office.create_order(
        OrderDraft("W1", [LineDraft("TEA", quantity)], counterparty="ROMASHKA")
    )
    office.confirm_order(order.number)
    _, shipment = office.deliver_order(order.number)
    return shipment.number


def unit_days(office: BackOffice, shipment: int) -> Decimal:
    (line,) = office.mx3(shipment).services
    return line.quantity


def test_shipments_posted_at_one_instant_keep_the_lots_they_took(stocked: BackOffice) -> None:
    first = ship_tea(stocked, 8)
    printed = stocked.mx3(first)
    second = ship_tea(stocked, 4)

    # The first took 8 of the 10 units of 2 November, kept 19 days: 152 unit-days.
    assert unit_days(stocked, first) == Decimal(152)
    assert stocked.mx3(first) == printed
    # The second took the other 2 of 2 November (19 days) and 2 of 10 November (11 days):
    # 38 + 22 = 60 unit-days.
    assert unit_days(stocked, second) == Decimal(60)


def test_goods_received_later_with_an_earlier_date_leave_after_what_was_taken(
    stocked: BackOffice, clock: ManualClock
) -> None:
    first = ship_tea(stocked, 12)
    clock.advance(timedelta(hours=1))
    stocked.post_receipt(
        ReceiptDraft("R-0", date(2026, 11, 1), "ROMASHKA", "W1", [LineDraft("TEA", 4)])
    )
    second = ship_tea(stocked, 4)

    # The first took the 10 of 2 November (19 days) and 2 of 10 November (11 days):
    # 190 + 22 = 212 unit-days.
    assert unit_days(stocked, first) == Decimal(212)
    # On hand then: 3 of 10 November and the 4 of 1 November, the oldest (20 days) leave:
    # 80 unit-days.
    assert unit_days(stocked, second) == Decimal(80)


class Warehouse:
    """The model: goods on hand per item as (received, quantity), oldest first; a shipment
    takes the oldest, and what it took is never on hand again."""

    def __init__(self) -> None:
        self.on_hand: dict[str, list[tuple[date, int]]] = {item: [] for item in ITEMS}

    def receive(self, item: str, day: date, quantity: int) -> None:
        bisect.insort(self.on_hand[item], (day, quantity), key=lambda lot: lot[0])

    def available(self, item: str) -> int:
        return sum(quantity for _, quantity in self.on_hand[item])

    def ship(self, item: str, quantity: int, on: date) -> list[tuple[int, int]]:
        """Take `quantity` of `item` on `on`; the lots taken as (quantity, days kept)."""
        lots, taken = self.on_hand[item], []
        while quantity:
            received, available = lots.pop(0)
            part = min(quantity, available)
            taken.append((part, (on - received).days + 1))
            quantity -= part
            if part < available:
                lots.insert(0, (received, available - part))
        return taken


@frozen
class Receive:
    item: str
    quantity: int
    days_back: int


@frozen
class Ship:
    tea: int
    sugar: int


@frozen
class Wait:
    time: timedelta


SECOND, DAY = timedelta(seconds=1), timedelta(days=1)
steps = st.one_of(
    st.builds(Receive, st.sampled_from(ITEMS), st.integers(1, 6), st.integers(0, 12)),
    st.builds(Ship, st.integers(0, 4), st.integers(0, 4)),
    st.builds(Wait, st.sampled_from([timedelta(0), timedelta(milliseconds=300), SECOND, DAY])),
)
_accounts = itertools.count(1)


def cell_values(content: bytes) -> list[tuple[object, ...]]:
    book = openpyxl.load_workbook(BytesIO(content), read_only=True)
    return [row for sheet in book.worksheets for row in sheet.iter_rows(values_only=True)]


def printed(office: BackOffice, form: Form) -> object:
    """What a person gets of `form`: for an MX-3, whose services depend on the lots,
    its HTML page and its workbook's cell values; for the others, the form itself
    (renderers draw a form from nothing else)."""
    if not isinstance(form, GoodsForm) or form.header.kind is not FormKind.MX3:
        return form
    html = office.render(form, "html").content
    return html, cell_values(office.render(form, "xlsx").content)


def charged(lots: list[tuple[int, int]]) -> tuple[Decimal, Decimal]:
    """Unit-days and place-days (two units a place) of `lots`, as MX-3 should count them."""
    return (
        Decimal(sum(quantity * days for quantity, days in lots)),
        Decimal(sum(math.ceil(quantity / 2) * days for quantity, days in lots)),
    )


@settings(
    # Half the profile's examples: each renders several MX-3s twice, in two formats.
    max_examples=settings.default.max_examples // 2,
    suppress_health_check=[HealthCheck.function_scoped_fixture],
)
@given(resolution=st.sampled_from([SECOND, DAY]), script=st.lists(steps, min_size=1, max_size=10))
def test_every_form_printed_twice_is_the_same_and_no_lot_is_charged_twice(
    app: Application,
    clock: ManualClock,
    resolution: timedelta,
    script: list[Receive | Ship | Wait],
) -> None:
    """Receipts (some dated back), shipments and waits shorter than the clock's tick:
    each form is printed right after its document is posted and again at the end, and
    each MX-3 charges the lots the model's shipment took, every unit once."""
    clock.current, clock.resolution = datetime(2026, 11, 20, 9, 0, 0, 250_000, UTC), resolution
    code = f"acct{next(_accounts)}"
    office = app.back_office(
        Principal.administrator(app.create_account(code, code, "UTC").id, "admin")
    )
    office.add_warehouse("W1", "Склад")
    office.add_counterparty("C", "Клиент")
    office.add_contract("C", "1", main=True)
    for item in ITEMS:
        office.add_item("C", item, item.title(), declared_value=10)
    office.set_requisites(COMPANY)
    office.set_requisites(CLIENT, "C")
    office.set_tariff([UNIT_DAY, PLACE_DAY, DELIVERY])
    model = Warehouse()
    forms: dict[str, Callable[[], Form]] = {}
    first_prints: dict[str, object] = {}
    expected: dict[int, tuple[Decimal, Decimal]] = {}

    def issue(name: str, form: Callable[[], Form]) -> None:
        forms[name], first_prints[name] = form, printed(office, form())

    for step in script:
        today = clock.now().date()
        if isinstance(step, Receive):
            number, day = f"R-{len(forms) + 1}", today - timedelta(days=step.days_back)
            draft = ReceiptDraft(number, day, "C", "W1", [LineDraft(step.item, step.quantity)])
            office.post_receipt(draft)
            model.receive(step.item, day, step.quantity)
            issue(number, partial(office.mx1, number, day.year, "C"))
        elif isinstance(step, Ship):
            wanted = dict(zip(ITEMS, (step.tea, step.sugar), strict=True))
            lines = {item: min(wanted[item], model.available(item)) for item in ITEMS}
            lines = {item: quantity for item, quantity in lines.items() if quantity}
            if not lines:
                continue
            order = office.create_order(
                OrderDraft("W1", [LineDraft(i, q) for i, q in lines.items()], counterparty="C")
            )
            office.confirm_order(order.number)
            _, shipment = office.deliver_order(order.number)
            assert shipment.date == today
            taken = [lot for item, q in lines.items() for lot in model.ship(item, q, today)]
            expected[shipment.number] = charged(taken)
            issue(f"MX-3 {shipment.number}", partial(office.mx3, shipment.number))
            issue(f"act {shipment.number}", partial(office.service_act, shipment.number))
        else:
            clock.advance(step.time)

    assert {name: printed(office, form()) for name, form in forms.items()} == first_prints
    for shipment, (unit_days_taken, place_days_taken) in expected.items():
        services = [line.quantity for line in office.mx3(shipment).services]
        assert services == [unit_days_taken, place_days_taken]
