"""The complete custody engine, scenario by scenario, on every built-in backend.

Shipments ("Расходные"), failed and partial delivery, order edits, reversals,
the period and as-of stock report ("Запасы на хранении": opening balance,
reserved, delivered, free, the orders behind them), monthly closings, paged
lists and version checks. Expected figures are worked out by hand in comments.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import pytest

from custody_core import LineDraft, OrderDraft, OrderState, Principal, ReceiptDraft
from custody_core.domain.errors import (
    AlreadyReversed,
    Conflict,
    DocumentReversed,
    IllegalTransition,
    InsufficientStock,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from custody_core.domain.forms import ANNULLED
from custody_core.domain.ledger import MovementKind
from custody_core.domain.messages import LANGUAGES
from custody_core.domain.orders import FAILURE_REASONS
from custody_core.domain.paging import PageRequest
from custody_core.domain.reversals import ReversalNote
from custody_core.domain.tariffs import Charge, Rate
from custody_core.domain.units import KILOGRAM
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice, Cabinet
from custody_core.testing.clock import ManualClock
from custody_core.testing.sample_forms import CLIENT, COMPANY
from printed_forms import FORMATS, PDF_WARNING, printed_pages, rendered, xlsx_page_header


@pytest.fixture
def office(app: Application, clock: ManualClock) -> BackOffice:
    """ROMASHKA has 10 TEA and 5.5 kg SUGAR at W1, received on 2 November 2026."""
    account = app.create_account("acme", "ACME", time_zone="Europe/Moscow")
    office = app.back_office(Principal.manager(account.id, "manager"))
    office.add_warehouse("W1", "Main")
    for code in ("ROMASHKA", "VASILEK"):
        office.add_counterparty(code, code.title())
        office.add_contract(code, f"{code}-1", main=True)
    office.add_item("ROMASHKA", "TEA", "Tea")
    office.add_item("ROMASHKA", "SUGAR", "Sugar", unit=KILOGRAM)
    office.add_item("VASILEK", "BOOK", "Book")
    office.post_receipt(
        ReceiptDraft(
            "R-1",
            date(2026, 11, 2),
            "ROMASHKA",
            "W1",
            [LineDraft("TEA", 10), LineDraft("SUGAR", "5.5")],
        )
    )
    office.post_receipt(
        ReceiptDraft("R-2", date(2026, 11, 2), "VASILEK", "W1", [LineDraft("BOOK", 3)])
    )
    return office


def cabinet_of(app: Application, office: BackOffice, code: str) -> Cabinet:
    with app.storage.unit_of_work() as uow:
        counterparty = uow.counterparties.by_code(office.principal.account_id, code)
    assert counterparty is not None
    return app.cabinet(
        Principal.client(office.principal.account_id, f"{code.lower()}-user", counterparty.id)
    )


def confirmed(office: BackOffice, *lines: LineDraft, **fields: str) -> int:
    order = office.create_order(OrderDraft("W1", lines, counterparty="ROMASHKA", **fields))
    office.confirm_order(order.number)
    return order.number


def line(office: BackOffice, sku: str, **period: date):
    report = office.stock_report("ROMASHKA", **period)
    return next(row for row in report.lines if row.item.sku == sku)


# -- shipments and delivery ----------------------------------------------------


def test_delivery_posts_a_shipment_that_the_client_sees_read_only(
    app: Application, office: BackOffice
) -> None:
    number = confirmed(office, LineDraft("TEA", 4), recipient="Ivanov", address="Lenina 1")
    order, shipment = office.deliver_order(number)

    assert order.state is OrderState.DELIVERED
    assert (shipment.number, shipment.order_number, shipment.date) == (
        1,
        number,
        date(2026, 11, 20),
    )
    assert [ln.quantity for ln in shipment.lines] == [4]
    assert (shipment.recipient, shipment.address, shipment.posted_by) == (
        "Ivanov",
        "Lenina 1",
        "manager",
    )
    tea = line(office, "TEA")
    assert (tea.on_hand, tea.reserved, tea.delivered) == (6, 0, 4)

    cabinet = cabinet_of(app, office, "ROMASHKA")
    assert [s.number for s in cabinet.shipments()] == [1]
    assert cabinet.shipment(1) == shipment
    assert not hasattr(cabinet, "deliver_order")
    assert not hasattr(cabinet, "reverse_shipment")
    other = cabinet_of(app, office, "VASILEK")
    assert list(other.shipments()) == []
    with pytest.raises(NotFound):
        other.shipment(1)


def test_partial_delivery_writes_off_what_was_handed_over_and_releases_the_rest(
    office: BackOffice,
) -> None:
    number = confirmed(office, LineDraft("TEA", 4), LineDraft("SUGAR", "2.5"))
    # The recipient refuses 1 TEA and all the sugar: 3 TEA handed over.
    order, shipment = office.deliver_order(number, refused={"TEA": 1, "SUGAR": "2.5"})

    assert order.state is OrderState.PARTIALLY_DELIVERED
    assert [(ln.quantity) for ln in shipment.lines] == [3]
    assert sorted(ln.quantity for ln in shipment.refused) == [1, Decimal("2.5")]
    tea, sugar = line(office, "TEA"), line(office, "SUGAR")
    assert (tea.on_hand, tea.reserved, tea.delivered, tea.released) == (7, 0, 3, 1)
    assert (sugar.on_hand, sugar.reserved, sugar.delivered, sugar.released) == (
        Decimal("5.5"),
        0,
        0,
        Decimal("2.5"),
    )


def test_refusing_badly_is_refused_with_the_field_named(
    app: Application, office: BackOffice
) -> None:
    number = confirmed(office, LineDraft("TEA", 4))
    with pytest.raises(ValidationError) as caught:
        office.deliver_order(number, refused={"TEA": 5, "BOOK": 1})
    assert {(p.code, p.field) for p in caught.value.problems} == {
        ("quantity.too_large", "refused[TEA]"),
        ("reference.unknown", "refused[BOOK]"),
    }
    with pytest.raises(ValidationError) as caught:
        office.deliver_order(number, refused={"TEA": 4})
    assert [p.code for p in caught.value.problems] == ["delivery.nothing_handed_over"]
    # The state is judged first: a draft cannot be delivered, whatever was refused.
    draft = office.create_order(OrderDraft("W1", [LineDraft("TEA", 1)], counterparty="ROMASHKA"))
    with pytest.raises(IllegalTransition):
        office.deliver_order(draft.number, refused={"TEA": 9})
    assert office.order(number).state is OrderState.CONFIRMED
    assert list(office.shipments()) == []


def test_a_delivery_without_stock_on_hand_changes_nothing(office: BackOffice) -> None:
    number = confirmed(office, LineDraft("TEA", 12))
    with pytest.raises(InsufficientStock) as caught:
        office.deliver_order(number)
    assert caught.value.details["item"] == "TEA"
    assert office.order(number).state is OrderState.CONFIRMED
    assert list(office.shipments()) == []
    assert (line(office, "TEA").on_hand, line(office, "TEA").reserved) == (10, 12)


# -- failed delivery -------------------------------------------------------------


def test_a_failed_attempt_keeps_the_reserve_for_the_next_attempt(office: BackOffice) -> None:
    number = confirmed(office, LineDraft("TEA", 4))
    order = office.fail_order(number, "recipient_absent")
    assert (order.state, order.failure_reason) == (OrderState.NOT_DELIVERED, "recipient_absent")
    assert line(office, "TEA").reserved == 4
    # A second attempt also fails, then the third one succeeds.
    office.fail_order(number, "rescheduled")
    order, _ = office.deliver_order(number)
    assert order.state is OrderState.DELIVERED
    assert (line(office, "TEA").on_hand, line(office, "TEA").reserved) == (6, 0)


def test_a_failed_attempt_may_release_the_reserve_and_be_confirmed_again(
    office: BackOffice,
) -> None:
    number = confirmed(office, LineDraft("TEA", 4))
    order = office.fail_order(number, "recipient_refused")  # releases by default
    assert order.state is OrderState.FAILED
    assert line(office, "TEA").reserved == 0
    with pytest.raises(IllegalTransition):
        office.deliver_order(number)
    office.confirm_order(number)
    assert line(office, "TEA").reserved == 4
    # The account may override a reason's default either way.
    assert (
        office.fail_order(number, "recipient_absent", keep_reserve=False).state is OrderState.FAILED
    )
    office.confirm_order(number)
    assert office.fail_order(number, "goods_damaged", keep_reserve=True).state is (
        OrderState.NOT_DELIVERED
    )


def test_an_unknown_failure_reason_is_refused(office: BackOffice) -> None:
    number = confirmed(office, LineDraft("TEA", 4))
    with pytest.raises(ValidationError) as caught:
        office.fail_order(number, "aliens")
    assert [(p.code, p.field) for p in caught.value.problems] == [("reference.unknown", "reason")]


def test_a_client_cannot_deliver_or_fail_its_orders(app: Application, office: BackOffice) -> None:
    cabinet = cabinet_of(app, office, "ROMASHKA")
    order = cabinet.create_order(OrderDraft("W1", [LineDraft("TEA", 1)]))
    cabinet.confirm_order(order.number)
    with pytest.raises(PermissionDenied):
        app.back_office(cabinet.principal).deliver_order(order.number)
    with pytest.raises(PermissionDenied):
        app.back_office(cabinet.principal).fail_order(order.number, "recipient_absent")


# -- editing an order --------------------------------------------------------------


def test_reserve_follows_an_edit_of_a_confirmed_order(office: BackOffice) -> None:
    number = confirmed(office, LineDraft("TEA", 4), LineDraft("SUGAR", "1.5"))
    # TEA 4 -> 7 reserves 3 more; SUGAR is dropped and its 1.5 released.
    order = office.edit_order_lines(number, [LineDraft("TEA", 7)])
    assert [ln.quantity for ln in order.lines] == [7]
    assert line(office, "TEA").reserved == 7
    assert line(office, "SUGAR").reserved == 0
    kinds = [m.kind for m in office.movements("ROMASHKA", sku="SUGAR")]
    assert kinds == [MovementKind.RECEIPT, MovementKind.RESERVATION, MovementKind.RELEASE]


def test_editing_a_draft_reserves_nothing_and_a_delivered_order_cannot_be_edited(
    office: BackOffice,
) -> None:
    draft = office.create_order(OrderDraft("W1", [LineDraft("TEA", 1)], counterparty="ROMASHKA"))
    office.edit_order_lines(draft.number, [LineDraft("TEA", 2)])
    assert line(office, "TEA").reserved == 0
    number = confirmed(office, LineDraft("TEA", 1))
    office.deliver_order(number)
    with pytest.raises(IllegalTransition):
        office.edit_order_lines(number, [LineDraft("TEA", 2)])
    with pytest.raises(ValidationError):
        office.edit_order_lines(draft.number, [])


def test_a_stale_edit_is_a_conflict_not_a_silent_overwrite(
    app: Application, office: BackOffice
) -> None:
    number = confirmed(office, LineDraft("TEA", 4))
    seen = office.order(number)
    cabinet = cabinet_of(app, office, "ROMASHKA")
    cabinet.edit_order_lines(number, [LineDraft("TEA", 5)], expected_version=seen.version)
    with pytest.raises(Conflict) as stale:
        office.edit_order_lines(number, [LineDraft("TEA", 9)], expected_version=seen.version)
    # the cabinet's edit made it version 3; the office still holds version 2
    assert (stale.value.code, stale.value.details) == (
        "conflict.stale_version",
        {"order": number, "version": 3, "expected": 2},
    )
    assert stale.value.message("ru") == (
        f"Заказ {number} уже изменён (версия 3, а не 2); обновите и повторите"
    )
    with pytest.raises(Conflict):
        office.deliver_order(number, expected_version=seen.version)
    with pytest.raises(Conflict):
        office.fail_order(number, "recipient_absent", expected_version=seen.version)
    assert line(office, "TEA").reserved == 5


# -- reversals --------------------------------------------------------------------


def test_a_receipt_is_corrected_by_a_reversal_never_by_editing(
    app: Application, office: BackOffice, clock: ManualClock
) -> None:
    clock.advance(timedelta(days=1))
    reversal = office.reverse_receipt("VASILEK", "R-2", 2026, "wrong counterparty")
    assert (reversal.date, reversal.reason, reversal.number) == (
        date(2026, 11, 21),
        "wrong counterparty",
        1,
    )
    report = office.stock_report("VASILEK")
    assert report.lines[0].received == 0  # 3 received, 3 reversed in the same month
    assert report.lines[0].on_hand == 0
    # The original stays as posted, and the history as of its day is unchanged.
    assert [ln.quantity for ln in office.receipt("VASILEK", "R-2", 2026).lines] == [3]
    as_of = office.stock_report("VASILEK", as_of=date(2026, 11, 20))
    assert as_of.lines[0].on_hand == 3
    with pytest.raises(AlreadyReversed):
        office.reverse_receipt("VASILEK", "R-2", 2026, "again")
    assert [r.number for r in office.reversals("VASILEK")] == [1]
    vasilek = cabinet_of(app, office, "VASILEK")
    assert [r.number for r in vasilek.receipts()] == ["R-2"]
    assert [r.document_id for r in vasilek.reversals()] == [reversal.document_id]
    assert list(cabinet_of(app, office, "ROMASHKA").reversals()) == []


def test_a_receipt_whose_goods_are_gone_cannot_be_reversed(office: BackOffice) -> None:
    number = confirmed(office, LineDraft("TEA", 4))
    office.deliver_order(number)
    with pytest.raises(InsufficientStock):
        office.reverse_receipt("ROMASHKA", "R-1", 2026, "mistake")
    assert list(office.reversals()) == []
    assert line(office, "TEA").on_hand == 6


def test_reversing_a_shipment_returns_the_goods_and_reopens_the_order(
    office: BackOffice,
) -> None:
    number = confirmed(office, LineDraft("TEA", 4))
    _, shipment = office.deliver_order(number, refused={"TEA": 1})
    reversal, order = office.reverse_shipment(shipment.number, "handed to the wrong person")
    # Back to confirmed, holding its whole reserve of 4 again.
    assert order.state is OrderState.CONFIRMED
    assert order.handed_over == ()
    tea = line(office, "TEA")
    assert (tea.on_hand, tea.reserved, tea.delivered) == (10, 4, 0)
    assert reversal.document_id == shipment.id
    with pytest.raises(AlreadyReversed):
        office.reverse_shipment(shipment.number, "again")
    _, second = office.deliver_order(number)
    assert second.number == shipment.number + 1
    assert [s.number for s in office.shipments(order=number)] == [1, 2]


@PDF_WARNING
def test_a_reversed_shipment_is_shown_in_lists_and_never_prints_or_bills_as_valid(
    app: Application, office: BackOffice, clock: ManualClock, tmp_path: Path
) -> None:
    admin = app.back_office(Principal.administrator(office.principal.account_id, "admin"))
    admin.set_requisites(COMPANY)
    admin.set_requisites(CLIENT, "ROMASHKA")
    admin.set_tariff([Rate(Charge.DELIVERY_ORDER, "Доставка заказа", Decimal("300.00"), "Д-1")])
    first, second = confirmed(office, LineDraft("TEA", 4)), confirmed(office, LineDraft("TEA", 1))
    _, wrong = office.deliver_order(first)
    _, right = office.deliver_order(second)
    issued = office.service_act([wrong.number, right.number])
    assert (issued.header.number, issued.totals.due) == (1, Decimal("600.00"))  # 2 x 300.00

    clock.advance(timedelta(days=1))
    office.reverse_shipment(wrong.number, "handed to the wrong person")
    note = ReversalNote(1, date(2026, 11, 21), clock.now(), "handed to the wrong person", "manager")
    cabinet = cabinet_of(app, office, "ROMASHKA")

    # Every list and lookup shows the reversal, and lists filter on it.
    for desk in (office, cabinet):
        assert [(s.number, s.reversal) for s in desk.shipments()] == [(1, note), (2, None)]
        assert [s.number for s in desk.shipments(reversed=True)] == [1]
        assert [s.number for s in desk.shipments(reversed=False)] == [2]
        assert desk.shipment(1).reversal == note
    with pytest.raises(ValidationError):
        office.shipments(reversed="yes")  # type: ignore[arg-type]

    # The client is refused every form of the reversed shipment, with a typed error.
    for attempt in (
        lambda: cabinet.mx3(1),
        lambda: cabinet.service_act(1),
        lambda: cabinet.invoice(1),
        lambda: cabinet.service_act([1, 2]),
    ):
        with pytest.raises(DocumentReversed) as refused:
            attempt()
        error = refused.value
        assert (error.code, error.details["number"], error.details["reversal"]) == (
            "document.reversed",
            1,
            1,
        )
        assert "сторно № 1 от 2026-11-21" in error.message("ru")
        assert "reversal 1 of 2026-11-21" in error.message("en")

    # Staff print the MX-3 only annulled: never issued before, it takes no number.
    mx3 = office.mx3(1)
    assert mx3.header.annulment is not None
    assert mx3.header.annulment.reversals == (note,)
    assert (mx3.header.number, mx3.header.printed_number) == (0, "б/н")
    assert office.mx3(2).header.number == 1  # the valid one takes the first number
    for format_name in FORMATS:
        printed = rendered(office, mx3, format_name)
        assert printed.file_name == f"mx3-2026-annulled.{format_name}"
        pages = printed_pages(printed, tmp_path)
        assert pages
        stamp = f"{ANNULLED} сторно № 1 от 21.11.2026: handed to the wrong person"
        assert all(page.startswith(stamp) for page in pages), (format_name, pages)
    assert xlsx_page_header(rendered(office, mx3, "xlsx")) == ANNULLED

    # The act issued before the reversal is reprinted as issued, annulled; the client is
    # refused it; an act or invoice printed now charges only the valid shipment.
    reprint = office.service_act([1, 2])
    assert (reprint.header.number, reprint.lines) == (issued.header.number, issued.lines)
    assert reprint.header.annulment is not None
    assert office.render(reprint, "html").content != office.render(issued, "html").content
    act, invoice = office.service_act(2), cabinet.invoice(2)
    assert (act.header.number, act.header.annulment, act.totals.due) == (
        2,
        None,
        Decimal("300.00"),
    )
    assert (invoice.header.annulment, invoice.totals.due) == (None, Decimal("300.00"))
    assert "АННУЛИРОВАН" not in office.render(act, "html").content.decode("utf-8")

    # The reopened order delivered again is a new shipment, valid and billed.
    _, again = office.deliver_order(first)
    assert (again.number, again.reversal) == (3, None)
    assert cabinet.service_act([2, 3]).totals.due == Decimal("600.00")


def test_clients_cannot_reverse(app: Application, office: BackOffice) -> None:
    client = cabinet_of(app, office, "ROMASHKA").principal
    with pytest.raises(PermissionDenied):
        app.back_office(client).reverse_receipt("ROMASHKA", "R-1", 2026, "x")
    with pytest.raises(ValidationError):
        office.reverse_receipt("ROMASHKA", "R-1", 2026, "  ")


# -- receipts' dates ---------------------------------------------------------------


def test_a_receipt_cannot_be_dated_in_the_future(office: BackOffice) -> None:
    # 20 Nov 2026 09:00 UTC is 12:00 in Moscow: 21 November has not begun there.
    with pytest.raises(ValidationError) as caught:
        office.post_receipt(
            ReceiptDraft("R-9", date(2026, 11, 21), "ROMASHKA", "W1", [LineDraft("TEA", 1)])
        )
    assert [(p.code, p.field) for p in caught.value.problems] == [("date.future", "date")]


def test_the_business_date_is_the_accounts_not_utc(app: Application, clock: ManualClock) -> None:
    clock.current = datetime(2026, 11, 20, 22, 30, tzinfo=UTC)  # 21 Nov 01:30 in Moscow
    account = app.create_account("late", "Late")
    office = app.back_office(Principal.manager(account.id, "m"))
    office.add_warehouse("W1", "Main")
    office.add_counterparty("C", "C")
    office.add_contract("C", "1", main=True)
    office.add_item("C", "X", "X")
    office.post_receipt(ReceiptDraft("R", date(2026, 11, 21), "C", "W1", [LineDraft("X", 2)]))
    assert office.stock_report("C", as_of=date(2026, 11, 20)).lines == ()
    assert office.stock_report("C", as_of=date(2026, 11, 21)).lines[0].on_hand == 2


# -- the period report -------------------------------------------------------------


def test_the_report_for_a_period_shows_opening_movements_and_closing(
    office: BackOffice, clock: ManualClock
) -> None:
    delivered = confirmed(office, LineDraft("TEA", 4))
    office.deliver_order(delivered)  # 20 Nov: 4 TEA written off
    clock.current = datetime(2026, 12, 3, 9, 0, tzinfo=UTC)
    office.post_receipt(
        ReceiptDraft("R-3", date(2026, 12, 1), "ROMASHKA", "W1", [LineDraft("TEA", 5)])
    )
    held = confirmed(office, LineDraft("TEA", 13))  # 3 Dec: 13 reserved, 11 on hand

    december = line(office, "TEA")  # default: 1 December to today
    assert (december.opening_on_hand, december.opening_reserved) == (6, 0)
    assert (december.received, december.reservations, december.delivered) == (5, 13, 0)
    assert (december.on_hand, december.reserved, december.free, december.shortage) == (
        11,
        13,
        -2,
        2,
    )
    assert [(h.order_number, h.reserved, h.shortage) for h in december.holds] == [(held, 13, 2)]

    november = line(office, "TEA", date_from=date(2026, 11, 1), date_to=date(2026, 11, 30))
    assert (november.opening_on_hand, november.received, november.delivered) == (0, 10, 4)
    assert (november.on_hand, november.reserved) == (6, 0)
    assert [(w.order_number, w.quantity) for w in november.written_off_by] == [(delivered, 4)]

    before = office.stock_report("ROMASHKA", as_of=date(2026, 11, 1))
    assert before.lines == ()
    with pytest.raises(ValidationError):
        office.stock_report("ROMASHKA", date_from=date(2026, 12, 2), date_to=date(2026, 12, 1))
    with pytest.raises(ValidationError):
        office.stock_report("ROMASHKA", as_of=date(2026, 12, 1), date_to=date(2026, 12, 2))


def test_closing_a_month_does_not_change_any_report(office: BackOffice, clock: ManualClock) -> None:
    number = confirmed(office, LineDraft("TEA", 4))
    office.fail_order(number, "recipient_absent")  # still holds 4 at the end of November
    clock.current = datetime(2027, 1, 10, 9, 0, tzinfo=UTC)
    periods = [
        {"as_of": date(2026, 11, 30)},
        {"date_from": date(2026, 12, 1), "date_to": date(2026, 12, 31)},
        {},
    ]
    before = [office.stock_report("ROMASHKA", **p).lines for p in periods]

    assert office.close_periods() == [date(2026, 11, 30), date(2026, 12, 31)]
    assert office.close_periods() == []  # closing twice changes nothing
    assert office.closed_periods() == [date(2026, 11, 30), date(2026, 12, 31)]
    assert [office.stock_report("ROMASHKA", **p).lines for p in periods] == before
    held = line(office, "TEA", as_of=date(2026, 12, 31))
    assert [(h.order_number, h.reserved) for h in held.holds] == [(number, 4)]


def test_a_month_that_has_not_ended_cannot_be_closed(office: BackOffice) -> None:
    with pytest.raises(ValidationError) as caught:
        office.close_periods(date(2026, 11, 30))
    assert [(p.code, p.field) for p in caught.value.problems] == [("period.not_ended", "through")]
    assert office.closed_periods() == []


def test_a_receipt_dated_into_a_closed_month_updates_the_later_snapshots(
    office: BackOffice, clock: ManualClock
) -> None:
    clock.current = datetime(2027, 2, 5, 9, 0, tzinfo=UTC)
    office.close_periods()  # November, December, January
    office.post_receipt(
        ReceiptDraft("R-7", date(2026, 12, 15), "ROMASHKA", "W1", [LineDraft("TEA", 2)])
    )
    # 10 received in November, 2 more on 15 December.
    assert line(office, "TEA", as_of=date(2026, 11, 30)).on_hand == 10
    assert line(office, "TEA", as_of=date(2026, 12, 14)).on_hand == 10
    assert line(office, "TEA", as_of=date(2026, 12, 31)).on_hand == 12
    january = line(office, "TEA", date_from=date(2027, 1, 1), date_to=date(2027, 1, 31))
    assert (january.opening_on_hand, january.received, january.on_hand) == (12, 0, 12)
    assert line(office, "TEA").on_hand == 12


def test_clients_cannot_close_periods(app: Application, office: BackOffice) -> None:
    client = cabinet_of(app, office, "ROMASHKA").principal
    with pytest.raises(PermissionDenied):
        app.back_office(client).close_periods()


# -- lists -------------------------------------------------------------------------


def test_lists_are_paged_with_cursors_and_filtered(app: Application, office: BackOffice) -> None:
    numbers = [confirmed(office, LineDraft("TEA", 1)) for _ in range(5)]
    office.cancel_order(numbers[1])
    first = office.orders("ROMASHKA", page=PageRequest(limit=2))
    assert [o.number for o in first] == numbers[:2]
    second = office.orders("ROMASHKA", page=PageRequest(limit=2, after=first.next_after))
    third = office.orders("ROMASHKA", page=PageRequest(limit=2, after=second.next_after))
    assert [o.number for o in second] + [o.number for o in third] == numbers[2:]
    assert third.next_after is None
    open_ones = office.orders(states={OrderState.CONFIRMED})
    assert [o.number for o in open_ones] == [n for n in numbers if n != numbers[1]]
    assert list(office.orders("VASILEK")) == []

    # Both receipts have the same date and posting instant: the pages still split them.
    receipts = office.receipts(page=PageRequest(limit=1))
    rest = office.receipts(page=PageRequest(limit=1, after=receipts.next_after))
    assert sorted([*(r.number for r in receipts), *(r.number for r in rest)]) == ["R-1", "R-2"]
    assert rest.next_after is None
    assert [r.number for r in office.receipts(date_from=date(2026, 11, 3))] == []

    kinds = {MovementKind.RESERVATION}
    reservations = office.movements("ROMASHKA", kinds=kinds, page=PageRequest(limit=3))
    assert len(reservations) == 3
    assert all(m.kind is MovementKind.RESERVATION for m in reservations)
    rest_of_them = office.movements(
        "ROMASHKA", kinds=kinds, page=PageRequest(after=reservations.next_after)
    )
    assert len(rest_of_them) == 2


@pytest.mark.parametrize("limit", [0, -1, 1001, True, "5"])
def test_a_bad_page_size_is_refused(limit: object) -> None:
    with pytest.raises(ValidationError) as caught:
        PageRequest(limit=limit)  # type: ignore[arg-type]
    assert [p.field for p in caught.value.problems] == ["limit"]


def test_a_cursor_not_handed_out_is_refused(office: BackOffice) -> None:
    for call in (
        lambda: office.orders(page=PageRequest(after="x")),
        lambda: office.shipments(page=PageRequest(after="-1")),
        lambda: office.receipts(page=PageRequest(after="nonsense")),
        lambda: office.receipts(page=PageRequest(after="a|b|c")),
        lambda: office.receipts(page=PageRequest(after="2026-11-02|noon|x")),
        lambda: office.movements("ROMASHKA", page=PageRequest(after="1.5")),
    ):
        with pytest.raises(ValidationError) as caught:
            call()
        assert [p.field for p in caught.value.problems] == ["after"]


def test_every_failure_reason_has_a_name_in_both_languages() -> None:
    assert set(LANGUAGES) == {"en", "ru"}
    assert all(set(texts.failure_reasons) == set(FAILURE_REASONS) for texts in LANGUAGES.values())


def test_a_past_report_places_an_order_by_the_confirmation_it_had_then(
    office: BackOffice, clock: ManualClock
) -> None:
    first = confirmed(office, LineDraft("TEA", 7))  # 20 Nov: first in the queue
    clock.advance(timedelta(days=1))
    second = confirmed(office, LineDraft("TEA", 6))  # 21 Nov: 13 reserved, 10 on hand
    clock.advance(timedelta(days=1))
    office.fail_order(first, "recipient_refused")  # 22 Nov: releases its 7
    clock.advance(timedelta(days=1))
    office.confirm_order(first)  # 23 Nov: now behind the second order

    then = line(office, "TEA", as_of=date(2026, 11, 21))
    assert [(h.order_number, h.shortage) for h in then.holds] == [(first, 0), (second, 3)]
    now = line(office, "TEA")
    assert [(h.order_number, h.shortage) for h in now.holds] == [(second, 0), (first, 3)]
