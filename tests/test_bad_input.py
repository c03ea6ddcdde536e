"""Bad input is refused with a typed error naming the field, and storage stays exactly as it was."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from uuid import UUID, uuid4

import pytest

from custody_core import LineDraft, OrderDraft, Principal, ReceiptDraft
from custody_core.domain.errors import (
    CustodyError,
    DuplicateDocument,
    IllegalTransition,
    InsufficientStock,
    NotFound,
    Problem,
    ValidationError,
)
from custody_core.domain.messages import expect
from custody_core.domain.orders import CargoDraft, OrderState
from custody_core.domain.paging import MAX_LIMIT, PageRequest
from custody_core.domain.parties import Counterparty
from custody_core.domain.units import KILOGRAM
from custody_core.ports.storage import DocumentQuery, OrderQuery
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice


def snapshot(app: Application, account_id: UUID) -> dict[str, Any]:
    """Everything the account has in storage, read through the repositories."""
    everything = PageRequest(MAX_LIMIT)
    with app.storage.unit_of_work() as uow:
        counterparties = uow.counterparties.find_all(account_id)
        return {
            "counterparties": counterparties,
            "contracts": [uow.contracts.for_counterparty(account_id, c.id) for c in counterparties],
            "warehouses": uow.warehouses.find_all(account_id),
            "items": [uow.items.for_counterparty(account_id, c.id) for c in counterparties],
            "receipts": uow.receipts.find(account_id, DocumentQuery(), everything),
            "orders": uow.orders.find(account_id, OrderQuery(), everything),
            "shipments": uow.shipments.find(account_id, DocumentQuery(), everything),
            "reversals": uow.reversals.find(account_id, DocumentQuery(), everything),
            "closings": uow.periods.closings(account_id),
            "movements": list(uow.ledger.movements(account_id)),
            "balances": [
                sorted(uow.ledger.counterparty_balances(account_id, c.id), key=str)
                for c in counterparties
            ],
        }


@pytest.fixture
def office(app: Application) -> BackOffice:
    account = app.create_account("acme", "ACME")
    office = app.back_office(Principal.manager(account.id, "manager"))
    office.add_warehouse("W1", "Main")
    for code in ("ROMASHKA", "VASILEK"):
        office.add_counterparty(code, code.title())
        office.add_contract(code, f"{code}-1")
    office.add_item("ROMASHKA", "TEA", "Tea")
    office.add_item("ROMASHKA", "SUGAR", "Sugar", unit=KILOGRAM)
    office.add_item("VASILEK", "BOOK", "Book")
    office.post_receipt(
        ReceiptDraft("R-1", date(2026, 11, 2), "ROMASHKA", "W1", [LineDraft("TEA", 5)])
    )
    return office


def refused(
    app: Application, office: BackOffice, action: Callable[[], object], error: type[CustodyError]
) -> CustodyError:
    before = snapshot(app, office.principal.account_id)
    with pytest.raises(error) as raised:
        action()
    assert snapshot(app, office.principal.account_id) == before
    return raised.value


def receipt(*lines: LineDraft, number: str = "R-2", **fields: Any) -> ReceiptDraft:
    values = {"date": date(2026, 11, 3), "counterparty": "ROMASHKA", "warehouse": "W1"}
    values.update(fields)
    return ReceiptDraft(number, lines=lines, **values)


@pytest.mark.parametrize(
    ("quantity", "code"),
    [
        (-1, "quantity.not_positive"),
        (0, "quantity.not_positive"),
        ("NaN", "quantity.not_finite"),
        (Decimal("Infinity"), "quantity.not_finite"),
        ("-inf", "quantity.not_finite"),
        (1.5, "quantity.not_a_number"),
        (True, "quantity.not_a_number"),
        ("two", "quantity.not_a_number"),
        ("1.5", "quantity.too_fine"),  # TEA is counted in pieces
        ("1e12", "quantity.too_large"),
    ],
)
def test_bad_quantities_are_refused_naming_the_line(
    app: Application, office: BackOffice, quantity: object, code: str
) -> None:
    error = refused(
        app,
        office,
        lambda: office.post_receipt(receipt(LineDraft("TEA", quantity))),
        ValidationError,
    )
    assert isinstance(error, ValidationError)
    assert [(p.code, p.field) for p in error.problems] == [(code, "lines[1].quantity")]


def test_kilograms_accept_three_places_but_not_four(app: Application, office: BackOffice) -> None:
    office.post_receipt(receipt(LineDraft("SUGAR", "1,250")))
    error = refused(
        app,
        office,
        lambda: office.post_receipt(receipt(LineDraft("SUGAR", "0.0001"), number="R-3")),
        ValidationError,
    )
    assert isinstance(error, ValidationError)
    assert error.problems[0].expected == expect("decimal_places", count=3)
    assert "(at most 3 decimal places)" in error.message("en")
    assert "(допустимо не больше 3 знаков после запятой)" in error.message("ru")


def test_every_problem_of_a_receipt_is_reported_at_once(
    app: Application, office: BackOffice
) -> None:
    draft = receipt(
        LineDraft("TEA", 0),
        LineDraft("NOPE", 1),
        LineDraft("BOOK", 1),
        LineDraft("TEA", 2),
        number=" ",
        counterparty="ROMASHKA",
        warehouse="W9",
    )
    error = refused(app, office, lambda: office.post_receipt(draft), ValidationError)
    assert isinstance(error, ValidationError)
    assert [(p.code, p.field) for p in error.problems] == [
        ("text.blank", "number"),
        ("reference.unknown", "warehouse"),
        ("quantity.not_positive", "lines[1].quantity"),
        ("reference.unknown", "lines[2].sku"),
        ("reference.foreign", "lines[3].sku"),
        ("lines.repeated", "lines[4].sku"),
    ]


def test_every_independent_problem_of_an_order_is_reported_at_once(
    app: Application, office: BackOffice
) -> None:
    """An unknown SKU does not hide its line's quantity, nor a bad cell the next one."""
    draft = OrderDraft(
        "W9",
        [LineDraft("NOPE", -1), LineDraft("BOOK", "two"), LineDraft("TEA", 0)],
        counterparty="ROMASHKA",
        phone="12",
        cash_on_delivery="-5",
        cargo=[CargoDraft(" ", 0, "heavy", "-1", "yes")],
    )
    error = refused(app, office, lambda: office.create_order(draft), ValidationError)
    assert isinstance(error, ValidationError)
    assert sorted((p.code, p.field) for p in error.problems) == sorted(
        [
            ("reference.unknown", "warehouse"),
            ("phone.invalid", "phone"),
            ("quantity.negative", "cash_on_delivery"),
            ("reference.unknown", "lines[1].sku"),
            ("quantity.not_positive", "lines[1].quantity"),
            ("reference.foreign", "lines[2].sku"),
            ("quantity.not_a_number", "lines[2].quantity"),
            ("quantity.not_positive", "lines[3].quantity"),
            ("text.blank", "cargo[1].description"),
            ("value.invalid", "cargo[1].places"),
            ("quantity.not_a_number", "cargo[1].weight"),
            ("quantity.negative", "cargo[1].declared_value"),
            ("value.invalid", "cargo[1].fragile"),
        ]
    )


def test_an_unknown_counterparty_hides_only_what_needs_it(
    app: Application, office: BackOffice
) -> None:
    """Its SKUs cannot be looked up, but quantities, phone and warehouse are still checked."""
    draft = OrderDraft("W9", [LineDraft("TEA", -1)], counterparty="NOBODY", phone="12")
    error = refused(app, office, lambda: office.create_order(draft), ValidationError)
    assert isinstance(error, ValidationError)
    assert sorted((p.code, p.field) for p in error.problems) == sorted(
        [
            ("reference.unknown", "counterparty"),
            ("reference.unknown", "warehouse"),
            ("phone.invalid", "phone"),
            ("quantity.not_positive", "lines[1].quantity"),
        ]
    )
    bad_receipt = receipt(LineDraft("NOPE", "1.5"), LineDraft("TEA", 0), counterparty="NOBODY")
    error = refused(app, office, lambda: office.post_receipt(bad_receipt), ValidationError)
    assert isinstance(error, ValidationError)
    assert [(p.code, p.field) for p in error.problems] == [
        ("reference.unknown", "counterparty"),
        ("quantity.not_positive", "lines[2].quantity"),
    ]


@pytest.mark.parametrize(
    ("fields", "problem"),
    [
        ({"counterparty": "NOBODY"}, ("reference.unknown", "counterparty")),
        ({"contract": "NO-SUCH"}, ("reference.unknown", "contract")),
        ({"date": "2026-11-03"}, ("value.wrong_type", "date")),
    ],
)
def test_unknown_references_in_a_receipt(
    app: Application, office: BackOffice, fields: dict[str, Any], problem: tuple[str, str]
) -> None:
    error = refused(
        app,
        office,
        lambda: office.post_receipt(receipt(LineDraft("TEA", 1), **fields)),
        ValidationError,
    )
    assert isinstance(error, ValidationError)
    assert problem in [(p.code, p.field) for p in error.problems]


def test_a_receipt_without_lines_is_refused(app: Application, office: BackOffice) -> None:
    error = refused(app, office, lambda: office.post_receipt(receipt()), ValidationError)
    assert isinstance(error, ValidationError)
    assert [(p.code, p.field) for p in error.problems] == [("lines.empty", "lines")]


def test_posting_the_same_receipt_twice_is_refused(app: Application, office: BackOffice) -> None:
    again = receipt(LineDraft("TEA", 5), number="R-1", date=date(2026, 2, 1))
    error = refused(app, office, lambda: office.post_receipt(again), DuplicateDocument)
    assert error.details["number"] == "R-1"
    assert error.details["year"] == 2026
    # The same number in another year, or for another counterparty, is a different document.
    office.post_receipt(receipt(LineDraft("TEA", 1), number="R-1", date=date(2025, 12, 30)))
    office.add_item("VASILEK", "TEA", "Their tea")
    office.post_receipt(receipt(LineDraft("TEA", 1), number="R-1", counterparty="VASILEK"))


def test_an_order_cannot_take_another_counterpartys_item(
    app: Application, office: BackOffice
) -> None:
    draft = OrderDraft("W1", [LineDraft("BOOK", 1)], counterparty="ROMASHKA")
    error = refused(app, office, lambda: office.create_order(draft), ValidationError)
    assert isinstance(error, ValidationError)
    assert [(p.code, p.field) for p in error.problems] == [("reference.foreign", "lines[1].sku")]


def test_a_client_is_told_nothing_about_other_clients_items(
    app: Application, office: BackOffice
) -> None:
    with app.storage.unit_of_work() as uow:
        romashka = uow.counterparties.by_code(office.principal.account_id, "ROMASHKA")
    assert romashka is not None
    cabinet = app.cabinet(Principal.client(office.principal.account_id, "client", romashka.id))
    error = refused(
        app,
        office,
        lambda: cabinet.create_order(OrderDraft("W1", [LineDraft("BOOK", 1)])),
        ValidationError,
    )
    assert isinstance(error, ValidationError)
    assert [(p.code, p.value) for p in error.problems] == [("reference.unknown", "BOOK")]
    other = OrderDraft("W1", [LineDraft("BOOK", 1)], counterparty="VASILEK")
    error = refused(app, office, lambda: cabinet.create_order(other), ValidationError)
    assert isinstance(error, ValidationError)
    assert ("reference.unknown", "counterparty") in [(p.code, p.field) for p in error.problems]


def test_unknown_counterparty_and_warehouse(app: Application, office: BackOffice) -> None:
    refused(app, office, lambda: office.stock_report("NOBODY"), NotFound)
    refused(app, office, lambda: office.pick_list("ROMASHKA", "W9"), NotFound)
    draft = OrderDraft("W9", [LineDraft("TEA", 1)], counterparty="NOBODY")
    error = refused(app, office, lambda: office.create_order(draft), ValidationError)
    assert isinstance(error, ValidationError)
    assert [(p.code, p.field) for p in error.problems] == [
        ("reference.unknown", "counterparty"),
        ("reference.unknown", "warehouse"),
    ]


def test_writing_off_more_than_on_hand_is_refused(app: Application, office: BackOffice) -> None:
    order = office.create_order(OrderDraft("W1", [LineDraft("TEA", 8)], counterparty="ROMASHKA"))
    office.confirm_order(order.number)
    error = refused(app, office, lambda: office.deliver_order(order.number), InsufficientStock)
    assert error.details["item"] == "TEA"
    assert "only 5 on hand" in error.message("en")


def test_illegal_order_moves_are_refused(app: Application, office: BackOffice) -> None:
    order = office.create_order(OrderDraft("W1", [LineDraft("TEA", 1)], counterparty="ROMASHKA"))
    refused(app, office, lambda: office.deliver_order(order.number), IllegalTransition)
    office.confirm_order(order.number)
    office.cancel_order(order.number)
    for move in (office.confirm_order, office.cancel_order, office.deliver_order):
        error = refused(app, office, lambda move=move: move(order.number), IllegalTransition)
        assert error.details["state"] == "cancelled"
    refused(app, office, lambda: office.confirm_order(999), NotFound)


def test_a_stale_version_is_a_conflict(app: Application, office: BackOffice) -> None:
    from custody_core.domain.errors import Conflict

    order = office.create_order(OrderDraft("W1", [LineDraft("TEA", 1)], counterparty="ROMASHKA"))
    office.confirm_order(order.number, expected_version=order.version)
    refused(
        app,
        office,
        lambda: office.cancel_order(order.number, expected_version=order.version),
        Conflict,
    )


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda o: o.add_counterparty("ROMASHKA", "Again"), "code"),
        (lambda o: o.add_counterparty("NEW", "  "), "name"),
        (lambda o: o.add_counterparty("NEW", "New", inn="12345"), "inn"),
        (lambda o: o.add_counterparty("NEW", "New", phone="12"), "phone"),
        (lambda o: o.add_counterparty("NEW", "New", phone="+7 (912) 345-67-8"), "phone"),
        (lambda o: o.add_warehouse("W1", "Again"), "code"),
        (lambda o: o.add_item("ROMASHKA", "TEA", "Again"), "sku"),
        (lambda o: o.add_item("ROMASHKA", "NEW", "New", declared_value="-1"), "declared_value"),
        (
            lambda o: o.add_item("ROMASHKA", "NEW", "New", declared_value=float("nan")),
            "declared_value",
        ),
        (lambda o: o.add_contract("ROMASHKA", "ROMASHKA-1"), "number"),
    ],
)
def test_bad_reference_data(
    app: Application, office: BackOffice, call: Callable[[BackOffice], object], field: str
) -> None:
    error = refused(app, office, lambda: call(office), ValidationError)
    assert isinstance(error, ValidationError)
    assert [p.field for p in error.problems] == [field]


def test_a_counterpartys_phone_is_stored_in_e164_like_a_users(
    app: Application, office: BackOffice
) -> None:
    added = office.add_counterparty("NEW", "New", phone="8 (912) 345-67-89")
    assert added.phone == "+79123456789"
    with app.storage.unit_of_work() as uow:
        stored = uow.counterparties.by_code(office.principal.account_id, "NEW")
    assert stored is not None
    assert stored.phone == "+79123456789"


def test_a_counterparty_phone_stored_before_e164_is_read_as_it_was(
    app: Application, office: BackOffice
) -> None:
    """No migration rewrites the phones stored as typed: they are read back unchanged."""
    account_id = office.principal.account_id
    legacy = Counterparty(uuid4(), account_id, "OLD", "Old", "8 (912) 345-67-89 доб. 2")
    with app.storage.unit_of_work() as uow:
        uow.counterparties.add(legacy)
        uow.commit()
    with app.storage.unit_of_work() as uow:
        assert uow.counterparties.by_code(account_id, "OLD") == legacy
    assert "OLD" in {c.code for c in office.counterparties()}


def test_messages_exist_in_both_languages(app: Application, office: BackOffice) -> None:
    error = refused(
        app, office, lambda: office.post_receipt(receipt(LineDraft("TEA", -2))), ValidationError
    )
    assert error.message("en") == "document line 1, quantity: -2 must be greater than zero"
    assert error.message("ru") == "строка 1 документа, количество: -2 должно быть больше нуля"


def test_no_python_repr_reaches_a_message() -> None:
    """Dates, instants and exact numbers are shown as people write them, in both languages."""
    instant = datetime(2026, 11, 24, 9, 30, tzinfo=UTC)
    shown = {
        # a date in the language's format: the Russian day.month.year
        date(2026, 11, 24): {"en": "2026-11-24", "ru": "24.11.2026"},
        # an instant with no zone given is told in UTC, and says so
        instant: {"en": "2026-11-24 09:30 UTC", "ru": "24.11.2026 09:30 (UTC)"},
        Decimal("1.50"): {"en": "1.50", "ru": "1.50"},
        OrderState.CONFIRMED: {"en": "confirmed", "ru": "confirmed"},
    }
    quoted = {"en": "'{}'", "ru": "«{}»"}
    for value, texts in shown.items():
        for locale, text in texts.items():
            message = Problem("value.invalid", "field", value, expect("date")).message(locale)
            assert quoted[locale].format(text) in message, message
            assert "(" not in message.partition(" (")[0], message


# Arguments of the order, document and report use cases -----------------------------------

CONFIRMED = 1  # the order each case below starts from: confirmed, 1 TEA


@pytest.mark.parametrize(
    ("call", "field"),
    [
        (lambda o: o.confirm_order("1"), "number"),
        (lambda o: o.confirm_order(True), "number"),
        (lambda o: o.confirm_order(10**30), "number"),
        (lambda o: o.cancel_order(CONFIRMED, expected_version="2"), "expected_version"),
        (lambda o: o.deliver_order(CONFIRMED, refused=["TEA"]), "refused"),
        (lambda o: o.deliver_order(CONFIRMED, refused={"TEA": 0.5}), "refused[TEA]"),
        (lambda o: o.deliver_order(CONFIRMED, refused={"TEA": "abc"}), "refused[TEA]"),
        (lambda o: o.edit_order_lines(CONFIRMED, None), "lines"),
        (lambda o: o.edit_order_lines(CONFIRMED, "TEA"), "lines"),
        (lambda o: o.fail_order(CONFIRMED, None), "reason"),
        (lambda o: o.fail_order(CONFIRMED, "rescheduled", keep_reserve="no"), "keep_reserve"),
        (lambda o: o.shipment("1"), "number"),
        (lambda o: o.reverse_shipment(0, "mistake"), "number"),
        (lambda o: o.reverse_receipt("ROMASHKA", "R-1", "2026", "mistake"), "year"),
        (lambda o: o.receipt("ROMASHKA", "R-1", 2026.0), "year"),
        (lambda o: o.stock_report("ROMASHKA", as_of="2026-11-01"), "as_of"),
        (
            lambda o: o.stock_report("ROMASHKA", date_from=datetime(2026, 11, 1, tzinfo=UTC)),
            "date_from",
        ),
        (lambda o: o.stock_report("ROMASHKA", date_to=20261101), "date_to"),
        (lambda o: o.close_periods("2026-10-31"), "through"),
        (lambda o: o.orders(states="confirmed"), "states"),
        (lambda o: o.orders(states=["shipped"]), "states"),
        (lambda o: o.movements("ROMASHKA", kinds="receipt"), "kinds"),
        (lambda o: o.receipts(date_from="2026-11-01"), "date_from"),
        (lambda o: o.shipments(date_to=date(2026, 11, 1), order="1"), "order"),
        (lambda o: o.orders(page=PageRequest(after=123)), "after"),
        (lambda o: o.orders(page={"limit": 10}), "page"),
        (lambda o: o.import_registry("r.xlsx", "courier-sku", "ROMASHKA", dryrun=True), "dryrun"),
        (lambda o: o.import_registry("r.xlsx", "courier-sku", "ROMASHKA", rows=(1, 2)), "rows"),
        (lambda o: o.import_registry(b"r.xlsx", "courier-sku", "ROMASHKA"), "path"),
        (lambda o: o.import_registry("r\x00.xlsx", "courier-sku", "ROMASHKA"), "path"),
        (lambda o: o.service_act([1, "2"]), "shipments[2]"),
        (lambda o: o.edit_order_lines(CONFIRMED, [LineDraft("TEA", 1), None]), "lines[2]"),
        (lambda o: o.edit_order_lines(CONFIRMED, [LineDraft(b"TEA", 1)]), "lines[1].sku"),
        (lambda o: o.create_order(OrderDraft("W1", [], "ROMASHKA", comment=7)), "comment"),
        (lambda o: o.attachment_content("not a uuid"), "attachment_id"),
        (lambda o: o.grant_roles("manager", "manager"), "roles"),
        (lambda o: o.add_warehouse("W\x00", "Nul"), "code"),
        (lambda o: o.add_warehouse("W\ud800", "Surrogate"), "code"),
        (lambda o: o.orders(page=PageRequest(after="9" * 30)), "after"),
        (lambda o: o.movements("ROMASHKA", page=PageRequest(after="x" * 500)), "after"),
    ],
)
def test_wrong_arguments_are_named_and_change_nothing(
    app: Application, office: BackOffice, call: Callable[[BackOffice], object], field: str
) -> None:
    order = office.create_order(OrderDraft("W1", [LineDraft("TEA", 1)], counterparty="ROMASHKA"))
    office.confirm_order(order.number)
    assert order.number == CONFIRMED
    error = refused(app, office, lambda: call(office), ValidationError)
    assert isinstance(error, ValidationError)
    assert [problem.field for problem in error.problems] == [field]
