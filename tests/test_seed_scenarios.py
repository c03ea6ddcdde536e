"""Scenarios of the seed's custody sections, step by step, on every built-in backend.

"Ответственное хранение", "Добавление товаров в заказ на доставку",
"Отчет о товарах на ответственном хранении", and a receipt reversed after its MX-1
was printed.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from custody_core import LineDraft, OrderDraft, OrderState, Principal, ReceiptDraft
from custody_core.domain.errors import (
    DocumentReversed,
    NotFound,
    PermissionDenied,
    ValidationError,
)
from custody_core.domain.forms import ANNULLED
from custody_core.domain.units import KILOGRAM
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice
from custody_core.testing.clock import ManualClock
from custody_core.testing.sample_forms import CLIENT, COMPANY
from printed_forms import FORMATS, PDF_WARNING, printed_pages, rendered, xlsx_page_header


@pytest.fixture
def office(app: Application) -> BackOffice:
    account = app.create_account("acme", "ACME")
    office = app.back_office(Principal.manager(account.id, "manager"))
    office.add_warehouse("W1", "Main")
    office.add_warehouse("W2", "Second")
    for code in ("ROMASHKA", "VASILEK"):
        office.add_counterparty(code, code.title())
        office.add_contract(code, f"{code}-1")
    office.add_item("ROMASHKA", "TEA", "Tea")
    office.add_item("ROMASHKA", "SUGAR", "Sugar", unit=KILOGRAM)
    office.add_item("ROMASHKA", "SALT", "Salt")
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


def client_of(app: Application, office: BackOffice, code: str) -> Principal:
    counterparty = next(c for c in office_counterparties(app, office) if c.code == code)
    return Principal.client(office.principal.account_id, f"{code.lower()}-user", counterparty.id)


def office_counterparties(app: Application, office: BackOffice) -> list:
    with app.storage.unit_of_work() as uow:
        return uow.counterparties.find_all(office.principal.account_id)


def test_pick_shows_every_item_of_the_counterparty_with_its_free_balance(
    app: Application, office: BackOffice
) -> None:
    rows = office.pick_list("ROMASHKA", "W1")
    assert [(row.item.sku, row.free) for row in rows] == [
        ("SALT", Decimal(0)),
        ("SUGAR", Decimal("5.5")),
        ("TEA", Decimal(10)),
    ]
    number = office.create_order(
        OrderDraft("W1", [LineDraft("TEA", 4)], counterparty="ROMASHKA")
    ).number
    office.confirm_order(number)
    assert {row.item.sku: row.free for row in office.pick_list("ROMASHKA", "W1")}["TEA"] == 6
    assert all(row.free == 0 for row in office.pick_list("ROMASHKA", "W2"))


def test_reserving_more_than_free_is_allowed_and_the_shortage_goes_to_the_later_order(
    app: Application, office: BackOffice, clock: ManualClock
) -> None:
    first = office.create_order(OrderDraft("W1", [LineDraft("TEA", 7)], counterparty="ROMASHKA"))
    second = office.create_order(OrderDraft("W1", [LineDraft("TEA", 6)], counterparty="ROMASHKA"))
    # Confirmation order, not creation order, decides who is served first.
    office.confirm_order(second.number)
    clock.advance()
    office.confirm_order(first.number)

    report = office.stock_report("ROMASHKA")
    tea = next(line for line in report.lines if line.item.sku == "TEA")
    assert (tea.on_hand, tea.reserved, tea.free, tea.shortage) == (10, 13, -3, 3)
    assert [(h.order_number, h.reserved, h.shortage) for h in tea.holds] == [
        (second.number, 6, 0),
        (first.number, 7, 3),
    ]
    assert report.shortages_by_order() == {first.number: [("TEA", Decimal(3))]}


def test_delivery_writes_off_and_cancel_releases(app: Application, office: BackOffice) -> None:
    delivered = office.create_order(
        OrderDraft("W1", [LineDraft("TEA", 4)], counterparty="ROMASHKA")
    )
    cancelled = office.create_order(
        OrderDraft("W1", [LineDraft("SUGAR", "1.25")], counterparty="ROMASHKA")
    )
    office.confirm_order(delivered.number)
    office.confirm_order(cancelled.number)
    order, shipment = office.deliver_order(delivered.number)
    assert order.state is OrderState.DELIVERED
    assert [(line.quantity, shipment.order_number) for line in shipment.lines] == [
        (4, delivered.number)
    ]
    assert shipment.refused == ()
    assert office.cancel_order(cancelled.number).state is OrderState.CANCELLED

    lines = {line.item.sku: line for line in office.stock_report("ROMASHKA").lines}
    assert (lines["TEA"].on_hand, lines["TEA"].reserved) == (6, 0)
    assert (lines["SUGAR"].on_hand, lines["SUGAR"].reserved) == (Decimal("5.5"), 0)
    assert lines["TEA"].holds == ()
    assert lines["SUGAR"].holds == ()


def test_a_report_as_of_an_instant_sees_the_movements_posted_before_it(
    app: Application, office: BackOffice, clock: ManualClock
) -> None:
    """ "Stock as of 20.11.2026 14:30 Moscow time", between a reservation at 12:00 and a
    delivery at 16:00 of the same day (the account keeps Moscow time, UTC+3)."""
    clock.current = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)  # 12:00 in Moscow
    order = office.create_order(OrderDraft("W1", [LineDraft("TEA", 4)], counterparty="ROMASHKA"))
    office.confirm_order(order.number)
    clock.current = datetime(2026, 11, 20, 13, 0, tzinfo=UTC)  # 16:00 in Moscow
    office.deliver_order(order.number)

    def tea(as_of: date | datetime) -> tuple[Decimal, ...]:
        report = office.stock_report("ROMASHKA", as_of=as_of)
        line = next(line for line in report.lines if line.item.sku == "TEA")
        holds = tuple(hold.reserved for hold in line.holds)
        return (line.on_hand, line.reserved, line.free, line.delivered, *holds)

    moscow = ZoneInfo("Europe/Moscow")
    assert tea(datetime(2026, 11, 20, 14, 30, tzinfo=moscow)) == (10, 4, 6, 0, 4)
    assert tea(datetime(2026, 11, 20, 11, 30, tzinfo=UTC)) == (10, 4, 6, 0, 4)
    assert tea(datetime(2026, 11, 20, 11, 59, tzinfo=moscow)) == (10, 0, 10, 0)  # before both
    assert tea(datetime(2026, 11, 20, 16, 0, tzinfo=moscow)) == (10, 4, 6, 0, 4)  # not before
    assert tea(datetime(2026, 11, 20, 16, 1, tzinfo=moscow)) == (6, 0, 6, 4)
    assert tea(date(2026, 11, 20)) == (6, 0, 6, 4)  # the end of the day
    report = office.stock_report("ROMASHKA", as_of=datetime(2026, 11, 20, 14, 30, tzinfo=moscow))
    assert report.as_of == datetime(2026, 11, 20, 11, 30, tzinfo=UTC)
    # 01:30 in Moscow on the 21st is still the 20th in UTC: the business day is Moscow's
    late = office.stock_report("ROMASHKA", as_of=datetime(2026, 11, 20, 22, 30, tzinfo=UTC))
    assert late.period_end == date(2026, 11, 21)
    with pytest.raises(ValidationError) as naive:
        office.stock_report("ROMASHKA", as_of=datetime(2026, 11, 20, 14, 30))  # noqa: DTZ001
    assert naive.value.problems[0].field == "as_of"
    assert (report.period_start, report.period_end) == (date(2026, 11, 20), date(2026, 11, 20))


def test_the_client_sees_only_its_own_stock_orders_and_receipts(
    app: Application, office: BackOffice
) -> None:
    vasilek_order = office.create_order(
        OrderDraft("W1", [LineDraft("BOOK", 1)], counterparty="VASILEK")
    )
    cabinet = app.cabinet(client_of(app, office, "ROMASHKA"))

    own = cabinet.create_order(OrderDraft("W1", [LineDraft("TEA", 2)]))
    cabinet.confirm_order(own.number)
    assert {line.item.sku for line in cabinet.stock_report().lines} == {"TEA", "SUGAR"}
    assert [order.number for order in cabinet.orders()] == [own.number]
    assert [receipt.number for receipt in cabinet.receipts()] == ["R-1"]

    with pytest.raises(NotFound):
        cabinet.order(vasilek_order.number)
    with pytest.raises(NotFound):
        cabinet.cancel_order(vasilek_order.number)
    # Clients read receipts; posting them, delivering and the catalogue are the office's.
    with pytest.raises(PermissionDenied):
        app.back_office(cabinet.principal).post_receipt(
            ReceiptDraft("R-9", date(2026, 11, 3), "ROMASHKA", "W1", [LineDraft("TEA", 1)])
        )
    with pytest.raises(PermissionDenied):
        app.back_office(cabinet.principal).deliver_order(own.number)
    with pytest.raises(NotFound):
        app.back_office(cabinet.principal).stock_report("VASILEK")


@PDF_WARNING
def test_a_reversed_receipt_is_listed_so_and_its_mx1_prints_only_annulled_for_staff(
    app: Application, office: BackOffice, tmp_path: Path
) -> None:
    admin = app.back_office(Principal.administrator(office.principal.account_id, "admin"))
    admin.set_requisites(COMPANY)
    admin.set_requisites(CLIENT, "VASILEK")
    admin.set_requisites(CLIENT, "ROMASHKA")
    cabinet = app.cabinet(client_of(app, office, "VASILEK"))
    assert cabinet.mx1("R-2", 2026).header.number == 1  # issued before the reversal

    office.reverse_receipt("VASILEK", "R-2", 2026, "wrong counterparty")

    listed = {(r.number, r.reversal.number if r.reversal else None) for r in office.receipts()}
    assert listed == {("R-1", None), ("R-2", 1)}
    assert [r.number for r in office.receipts(reversed=True)] == ["R-2"]
    assert [r.number for r in office.receipts(reversed=False)] == ["R-1"]
    own = cabinet.receipt("R-2", 2026).reversal
    assert own is not None
    assert (own.number, own.reason, own.posted_by) == (1, "wrong counterparty", "manager")
    assert [r.number for r in cabinet.receipts(reversed=True)] == ["R-2"]
    assert list(cabinet.receipts(reversed=False)) == []

    with pytest.raises(DocumentReversed) as refused:
        cabinet.mx1("R-2", 2026)
    assert refused.value.details["number"] == "R-2/2026"
    assert "Приходная накладная № R-2/2026 сторнирована" in refused.value.message("ru")

    # Staff reprint the MX-1 as it was issued, number 1, marked annulled on every page.
    form = office.mx1("R-2", 2026, "VASILEK")
    assert form.header.number == 1
    assert [line.quantity for line in form.lines] == [3]
    for format_name in FORMATS:
        printed = rendered(office, form, format_name)
        assert printed.file_name == f"mx1-2026-1-annulled.{format_name}"
        pages = printed_pages(printed, tmp_path)
        assert pages
        stamp = f"{ANNULLED} сторно № 1 от 20.11.2026: wrong counterparty"
        assert all(page.startswith(stamp) for page in pages), (format_name, pages)
    assert xlsx_page_header(rendered(office, form, "xlsx")) == ANNULLED
    # The receipt that stands prints as before, unmarked.
    valid = office.mx1("R-1", 2026, "ROMASHKA")
    assert valid.header.annulment is None
    assert all(
        ANNULLED not in page for page in printed_pages(rendered(office, valid, "html"), tmp_path)
    )
