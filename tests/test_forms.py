"""Printed forms from posted documents, on every built-in backend: MX-1 of a receipt,
MX-3, the service act and the invoice of shipments ("Печатные формы"), their
numbering, the requisites they need, and who may print them. Expected figures
are worked out by hand in comments.
"""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pytest

from custody_core import LineDraft, OrderDraft, Principal, ReceiptDraft
from custody_core.domain.errors import (
    NotFound,
    PermissionDenied,
    RenderError,
    RequisitesMissing,
    ValidationError,
)
from custody_core.domain.forms import FormKind
from custody_core.domain.orders import CargoDraft
from custody_core.domain.requisites import BankAccount, Requisites, Signatory
from custody_core.domain.tariffs import Charge, Rate
from custody_core.domain.units import KILOGRAM
from custody_core.domain.vat import Vat, VatMode
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice, Cabinet
from custody_core.testing.clock import ManualClock
from custody_core.testing.sample_forms import CLIENT, COMPANY

D = Decimal
DELIVERY_RATES = (
    Rate(Charge.DELIVERY_ORDER, "Доставка заказа", D("300.00"), "Д-1"),
    Rate(Charge.DELIVERY_KG, "Доставка, за кг", D("12.50"), "Д-2"),
    Rate(Charge.DELIVERY_ZONE, "Доставка в зону 1", D("150.00"), "З-1", zone="Z1"),
    Rate(Charge.DELIVERY_ZONE, "Доставка в зону 2", D("250.00"), "З-2", zone="Z2"),
    Rate(Charge.EXTRA_ORDER, "Упаковка", D("45.00"), "У-1"),
)
STORAGE_RATES = (
    Rate(Charge.STORAGE_UNIT_DAY, "Хранение, ед. в сутки", D("0.40"), "Х-1"),
    Rate(
        Charge.STORAGE_PLACE_DAY, "Хранение, место в сутки", D("2.00"), "Х-2", units_per_place=D(3)
    ),
)


@pytest.fixture
def office(app: Application) -> BackOffice:
    """ROMASHKA has 10 TEA (120.50 each) and 5.5 kg SUGAR (80.00 a kg) at W1, received
    on 2 November 2026 by receipt R-1; the clock stands at 20 November 2026."""
    account = app.create_account("acme", "ACME", time_zone="Europe/Moscow")
    office = app.back_office(Principal.administrator(account.id, "admin"))
    office.add_warehouse("W1", "Основной склад")
    for code, name in (("ROMASHKA", "Ромашка"), ("VASILEK", "Василек")):
        office.add_counterparty(code, name)
    office.add_contract("ROMASHKA", "ОХ-7", signed_on=date(2026, 1, 15), main=True)
    office.add_contract("VASILEK", "В-1", main=True)
    office.add_item("ROMASHKA", "TEA", "Чай", declared_value="120.50")
    office.add_item("ROMASHKA", "SUGAR", "Сахар", unit=KILOGRAM, declared_value=80)
    office.add_item("VASILEK", "BOOK", "Книга", declared_value=500)
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
        ReceiptDraft("B-1", date(2026, 11, 2), "VASILEK", "W1", [LineDraft("BOOK", 3)])
    )
    office.set_requisites(COMPANY)
    office.set_requisites(CLIENT, "ROMASHKA")
    return office


def cabinet_of(app: Application, office: BackOffice, code: str) -> Cabinet:
    with app.storage.unit_of_work() as uow:
        counterparty = uow.counterparties.by_code(office.principal.account_id, code)
    assert counterparty is not None
    return app.cabinet(
        Principal.client(office.principal.account_id, f"{code}-user", counterparty.id)
    )


def deliver(office: BackOffice, draft: OrderDraft) -> int:
    """Create, confirm and deliver an order; the number of its shipment."""
    order = office.create_order(draft)
    office.confirm_order(order.number)
    _, shipment = office.deliver_order(order.number)
    return shipment.number


def tea_and_sugar(zone: str | None = "Z1") -> OrderDraft:
    """4 TEA and 2.5 kg SUGAR, with a 1.5 kg parcel of free cargo."""
    return OrderDraft(
        "W1",
        [LineDraft("TEA", 4), LineDraft("SUGAR", "2.5")],
        counterparty="ROMASHKA",
        zone=zone,
        cargo=[CargoDraft("Документы", weight="1.5")],
    )


def test_mx1_lists_the_receipt_valued_at_declared_values(office: BackOffice) -> None:
    form = office.mx1("R-1", 2026, "ROMASHKA")

    head = form.header
    assert (head.kind, head.number, head.date) == (FormKind.MX1, 1, date(2026, 11, 2))
    assert head.executor.name == COMPANY.name
    assert head.executor.okpo == "12345678"
    assert head.customer.inn == CLIENT.inn
    assert head.basis == "Договор № ОХ-7 от 15.01.2026"
    assert head.source == "Приходная накладная № R-1 от 02.11.2026"
    assert form.warehouse == "Основной склад"
    rows = [(line.position, line.name, line.code, line.unit, line.okei) for line in form.lines]
    assert rows == [(1, "Чай", "TEA", "шт", "796"), (2, "Сахар", "SUGAR", "кг", "166")]
    # 10 x 120.50 = 1205.00; 5.5 x 80.00 = 440.00.
    assert [(line.quantity, line.price, line.amount) for line in form.lines] == [
        (D(10), D("120.50"), D("1205.00")),
        (D("5.5"), D("80.00"), D("440.00")),
    ]
    assert (form.quantity, form.amount) == (D("15.5"), D("1645.00"))
    assert form.amount_in_words == "Одна тысяча шестьсот сорок пять рублей 00 копеек"
    assert form.quantity_in_words == "пятнадцать целых пять десятых"
    assert [(s.role, s.name) for s in form.signatures] == [
        ("Сдал", "Сидоров С. С."),
        ("Принял", "Иванов И. И."),
    ]


def test_a_form_keeps_its_number_and_numbers_run_per_kind_and_year(
    office: BackOffice, clock: ManualClock
) -> None:
    assert office.mx1("R-1", 2026, "ROMASHKA").header.number == 1
    assert office.mx1("R-1", 2026, "ROMASHKA").header.number == 1
    office.post_receipt(
        ReceiptDraft("R-2", date(2026, 11, 3), "ROMASHKA", "W1", [LineDraft("TEA", 1)])
    )
    assert office.mx1("R-2", 2026, "ROMASHKA").header.number == 2
    shipment = deliver(office, tea_and_sugar())
    # MX-3, the act and the invoice each start their own series.
    assert office.mx3(shipment).header.number == 1
    office.set_tariff(DELIVERY_RATES)
    assert office.service_act(shipment).header.number == 1
    assert office.invoice(shipment).header.number == 1
    assert office.invoice([shipment]).header.number == 1
    clock.advance(timedelta(days=60))
    office.post_receipt(
        ReceiptDraft("R-1", date(2027, 1, 10), "ROMASHKA", "W1", [LineDraft("TEA", 1)])
    )
    assert office.mx1("R-1", 2027, "ROMASHKA").header.number == 1
    assert office.mx1("R-2", 2026, "ROMASHKA").header.number == 2


def test_missing_requisites_name_every_field_and_take_no_number(app: Application) -> None:
    account = app.create_account("bare", "Bare")
    office = app.back_office(Principal.administrator(account.id, "admin"))
    office.add_warehouse("W1", "Склад")
    office.add_counterparty("C", "Клиент")
    office.add_contract("C", "1", main=True)
    office.add_item("C", "X", "Икс")
    office.post_receipt(ReceiptDraft("1", date(2026, 11, 2), "C", "W1", [LineDraft("X", 1)]))

    with pytest.raises(RequisitesMissing) as caught:
        office.mx1("1", 2026, "C")

    assert caught.value.code == "requisites.incomplete"
    assert {(p.code, p.field) for p in caught.value.problems} == {
        ("requisites.missing", "company.inn"),
        ("requisites.missing", "company.address"),
        ("requisites.missing", "company.okpo"),
        ("requisites.missing", "company.head"),
        ("requisites.missing", "counterparty.address"),
    }
    office.set_requisites(COMPANY)
    office.set_requisites(Requisites("ООО «Клиент»", address="г. Тула"), "C")
    assert office.mx1("1", 2026, "C").header.number == 1


def test_the_invoice_needs_the_company_bank_and_accountant(office: BackOffice) -> None:
    office.set_requisites(
        Requisites(COMPANY.name, COMPANY.inn, address=COMPANY.address, head=COMPANY.head)
    )
    office.set_tariff(DELIVERY_RATES)
    shipment = deliver(office, tea_and_sugar())

    with pytest.raises(RequisitesMissing) as caught:
        office.invoice(shipment)

    assert {p.field for p in caught.value.problems} == {
        "company.kpp",
        "company.bank.bank",
        "company.bank.bik",
        "company.bank.settlement_account",
        "company.bank.correspondent_account",
        "company.accountant",
    }


def test_mx3_charges_storage_for_the_days_each_lot_was_kept(office: BackOffice) -> None:
    office.set_tariff(STORAGE_RATES, Vat(VatMode.ON_TOP, 20))
    shipment = deliver(office, tea_and_sugar())

    form = office.mx3(shipment)

    assert form.header.kind is FormKind.MX3
    assert form.header.date == date(2026, 11, 20)
    # Goods returned: 4 x 120.50 = 482.00; 2.5 x 80.00 = 200.00.
    assert [(line.code, line.quantity, line.amount) for line in form.lines] == [
        ("TEA", D(4), D("482.00")),
        ("SUGAR", D("2.5"), D("200.00")),
    ]
    assert form.amount == D("682.00")
    # Kept from 2 to 20 November: 19 days. Unit-days 4 x 19 + 2.5 x 19 = 123.5, at 0.40
    # = 49.40. Places of 3 units: TEA 2, SUGAR 1, so 3 x 19 = 57 place-days, at 2.00 = 114.00.
    assert [(s.service, s.quantity, s.price, s.amount) for s in form.services] == [
        ("Хранение, ед. в сутки", D("123.5"), D("0.40"), D("49.40")),
        ("Хранение, место в сутки", D(57), D("2.00"), D("114.00")),
    ]
    # VAT on top, per line: 9.88 + 22.80 = 32.68; due 163.40 + 32.68 = 196.08.
    assert form.services_totals is not None
    assert (form.services_totals.amount, form.services_totals.vat, form.services_totals.due) == (
        D("163.40"),
        D("32.68"),
        D("196.08"),
    )
    assert form.services_in_words == "Сто девяносто шесть рублей 08 копеек"
    assert [s.role for s in form.signatures] == ["Сдал", "Получил"]


def test_mx3_takes_the_oldest_goods_first(office: BackOffice) -> None:
    office.post_receipt(
        ReceiptDraft("R-2", date(2026, 11, 10), "ROMASHKA", "W1", [LineDraft("TEA", 5)])
    )
    office.set_tariff(STORAGE_RATES[:1])
    shipment = deliver(office, OrderDraft("W1", [LineDraft("TEA", 12)], counterparty="ROMASHKA"))

    form = office.mx3(shipment)

    # 10 units kept from 2 November (19 days), 2 from 10 November (11 days): 212 unit-days.
    assert [(s.quantity, s.amount) for s in form.services] == [(D(212), D("84.80"))]


def test_mx3_without_a_tariff_has_no_services_table(office: BackOffice) -> None:
    shipment = deliver(office, tea_and_sugar())

    form = office.mx3(shipment)

    assert form.services == ()
    assert form.services_totals is None
    assert form.amount == D("682.00")


def test_the_act_prices_the_delivery_by_the_tariff(office: BackOffice) -> None:
    office.set_tariff(DELIVERY_RATES, Vat(VatMode.INCLUDED, 20))
    shipment = deliver(office, tea_and_sugar())

    form = office.service_act(shipment)

    # Weight: 1.5 kg of free cargo + 2.5 kg of sugar = 4 kg, at 12.50 = 50.00.
    assert [(line.service, line.quantity, line.amount) for line in form.lines] == [
        ("Доставка заказа", D(1), D("300.00")),
        ("Доставка, за кг", D("4.0"), D("50.00")),
        ("Доставка в зону 1", D(1), D("150.00")),
        ("Упаковка", D(1), D("45.00")),
    ]
    # VAT included, per line: 50.00 + 8.33 + 25.00 + 7.50 = 90.83.
    assert (form.totals.amount, form.totals.vat, form.totals.due) == (
        D("545.00"),
        D("90.83"),
        D("545.00"),
    )
    assert form.amount_in_words == "Пятьсот сорок пять рублей 00 копеек"
    assert form.vat.label() == "В том числе НДС 20%"
    assert form.header.source == "Расходная накладная № 1 от 20.11.2026"


def test_one_invoice_for_several_shipments(office: BackOffice) -> None:
    office.set_tariff(DELIVERY_RATES)
    first = deliver(office, tea_and_sugar())
    second = deliver(
        office, OrderDraft("W1", [LineDraft("TEA", 1)], counterparty="ROMASHKA", zone="Z2")
    )

    form = office.invoice([second, first])

    assert [(line.service, line.quantity, line.amount) for line in form.lines] == [
        ("Доставка заказа", D(2), D("600.00")),
        ("Доставка, за кг", D("4.0"), D("50.00")),
        ("Доставка в зону 1", D(1), D("150.00")),
        ("Доставка в зону 2", D(1), D("250.00")),
        ("Упаковка", D(2), D("90.00")),
    ]
    assert form.totals.due == D("1140.00")
    assert form.totals.vat == D("0.00")
    assert form.vat.label() == "Без налога (НДС)"
    assert form.header.source == "Расходные накладные № 1, 2"
    assert office.invoice([first, second]).header.number == form.header.number


def test_an_order_outside_the_tariff_zones_is_refused(office: BackOffice) -> None:
    office.set_tariff(DELIVERY_RATES)
    shipment = deliver(office, tea_and_sugar(zone="Z9"))

    with pytest.raises(ValidationError) as caught:
        office.invoice(shipment)

    [problem] = caught.value.problems
    assert (problem.code, problem.field, problem.value) == (
        "tariff.zone_unknown",
        "orders[1].zone",
        "Z9",
    )


def test_the_act_needs_a_tariff(office: BackOffice) -> None:
    shipment = deliver(office, tea_and_sugar())

    with pytest.raises(ValidationError) as caught:
        office.service_act(shipment)

    assert [p.code for p in caught.value.problems] == ["tariff.missing"]


def test_a_counterparty_tariff_overrides_the_default(office: BackOffice) -> None:
    office.set_tariff(DELIVERY_RATES)
    office.set_tariff(
        [Rate(Charge.DELIVERY_ORDER, "Доставка", D("99.00"))], counterparty="ROMASHKA"
    )
    shipment = deliver(office, tea_and_sugar())

    form = office.invoice(shipment)

    assert [(line.service, line.amount) for line in form.lines] == [("Доставка", D("99.00"))]


def test_an_invoice_is_for_one_counterparty(office: BackOffice) -> None:
    office.set_tariff(DELIVERY_RATES)
    mine = deliver(office, tea_and_sugar())
    theirs = deliver(
        office, OrderDraft("W1", [LineDraft("BOOK", 1)], counterparty="VASILEK", zone="Z1")
    )

    with pytest.raises(ValidationError) as caught:
        office.invoice([mine, theirs])

    assert caught.value.problems[0].field == "shipments"


def test_a_client_prints_only_its_own_documents(app: Application, office: BackOffice) -> None:
    office.set_tariff(DELIVERY_RATES)
    shipment = deliver(office, tea_and_sugar())
    mine = cabinet_of(app, office, "ROMASHKA")
    other = cabinet_of(app, office, "VASILEK")

    assert mine.mx1("R-1", 2026).header.customer.name == CLIENT.name
    assert mine.mx3(shipment).header.number == 1
    assert mine.invoice(shipment).totals.due > 0
    for attempt in (
        lambda: other.mx3(shipment),
        lambda: other.service_act(shipment),
        lambda: other.invoice(shipment),
        lambda: other.mx1("R-1", 2026, "ROMASHKA"),
    ):
        with pytest.raises(NotFound):
            attempt()
    denials = [e for e in office.audit_log() if e.outcome.value != "done"]
    assert len(denials) == 4


def test_requisites_and_tariffs_are_for_administrators(
    app: Application, office: BackOffice
) -> None:
    manager = app.back_office(Principal.manager(office.principal.account_id, "manager"))

    with pytest.raises(PermissionDenied):
        manager.set_requisites(COMPANY)
    with pytest.raises(PermissionDenied):
        manager.set_tariff(DELIVERY_RATES)
    assert office.requisites() == COMPANY
    assert office.requisites("ROMASHKA") == CLIENT
    assert office.tariff() is None


def test_malformed_requisites_are_named_and_not_stored(office: BackOffice) -> None:
    bad = Requisites(
        "ООО «Ошибка»",
        inn="7712345672",  # the check digit of 7712345671 changed
        kpp="77A601001",  # a letter among the first four digits
        okpo="123",
        bank=BankAccount("Банк", "044525225", "40702810938000000002", "30101810400000000225"),
        head=Signatory("Директор", " "),
    )

    with pytest.raises(ValidationError) as caught:
        office.set_requisites(bad)

    assert {(p.code, p.field) for p in caught.value.problems} == {
        ("requisites.checksum", "company.inn"),
        ("requisites.malformed", "company.kpp"),
        ("requisites.malformed", "company.okpo"),
        ("requisites.checksum", "company.bank.settlement_account"),
        ("text.blank", "company.head.name"),
    }
    assert office.requisites() == COMPANY


def test_a_twelve_digit_inn_of_a_person_is_accepted(office: BackOffice) -> None:
    person = Requisites("ИП Петров Петр Петрович", inn="500100732259", address="г. Москва")

    assert office.set_requisites(person, "VASILEK").inn == "500100732259"


def test_a_bad_tariff_names_each_wrong_rate(office: BackOffice) -> None:
    rates = [
        Rate(Charge.DELIVERY_ZONE, "Зона без имени", D(1)),
        Rate(Charge.DELIVERY_ORDER, " ", D(-1)),
        Rate(Charge.STORAGE_PLACE_DAY, "Место", D(1)),
        Rate("teleport", "Телепорт", D(1)),  # type: ignore[arg-type]
    ]

    with pytest.raises(ValidationError) as caught:
        office.set_tariff(rates, Vat(VatMode.ON_TOP, 18))

    assert {(p.code, p.field) for p in caught.value.problems} == {("value.invalid", "vat.rate")}
    with pytest.raises(ValidationError) as caught:
        office.set_tariff(rates)
    assert {(p.code, p.field) for p in caught.value.problems} == {
        ("tariff.zone", "rates[1].zone"),
        ("text.blank", "rates[2].service"),
        ("quantity.negative", "rates[2].price"),
        ("quantity.not_a_number", "rates[3].units_per_place"),
        ("value.invalid", "rates[4].charge"),
    }
    assert office.tariff() is None


def test_an_unknown_format_is_a_typed_error(office: BackOffice) -> None:
    form = office.mx1("R-1", 2026, "ROMASHKA")

    with pytest.raises(RenderError) as caught:
        office.render(form, "docx")

    assert caught.value.code == "form.format_unknown"
    assert "xlsx" in caught.value.details["installed"]
