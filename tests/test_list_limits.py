"""List arguments are bounded: a use case taking shipment numbers, receipt lines, refused
items or tariff rates refuses more than `max_list_length` of them (a typed problem naming
the field and the limit, in Russian and English) before it touches storage; shipment
numbers given twice count once. On every built-in backend."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest

import custody_core
from custody_core import LineDraft, OrderDraft, Principal, ReceiptDraft
from custody_core.domain.checks import MAX_LIST_LENGTH, bounded
from custody_core.domain.errors import ValidationError
from custody_core.domain.messages import expect
from custody_core.domain.tariffs import Charge, Rate
from custody_core.ports.storage import StorageBackend, UnitOfWork
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice
from custody_core.testing.clock import ManualClock
from custody_core.testing.hashing import fast_hasher
from custody_core.testing.sample_forms import CLIENT, COMPANY

LIMIT = 3
AT_MOST_3 = expect("at_most", limit=LIMIT)
DELIVERY = Rate(Charge.DELIVERY_ORDER, "Доставка заказа", Decimal("300.00"), "Д-1")


class CountingStorage:
    """A backend that counts the units of work asked of it."""

    def __init__(self, storage: StorageBackend) -> None:
        self._storage = storage
        self.url = storage.url
        self.units = 0

    def unit_of_work(self, read_only: bool = False) -> UnitOfWork:
        self.units += 1
        return self._storage.unit_of_work(read_only)

    def close(self) -> None:
        self._storage.close()


@pytest.fixture(params=["memory", "sqlite"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    return "memory://" if request.param == "memory" else f"sqlite:///{tmp_path / 'c.sqlite'}"


def open_app(url: str, **options: Any) -> Application:
    return custody_core.open(
        url,
        clock=ManualClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC)),
        entry_points=False,
        password_hasher=fast_hasher(),
        **options,
    )


@pytest.fixture
def app(url: str) -> Iterator[Application]:
    with open_app(url, max_list_length=LIMIT) as application:
        yield application


def delivered(app: Application, count: int) -> tuple[BackOffice, list[int]]:
    """An administrator's desk and the numbers of `count` shipments of ROMASHKA, priced by
    a tariff of one delivery rate."""
    account = app.create_account("acme", "ACME")
    office = app.back_office(Principal.administrator(account.id, "admin"))
    office.add_warehouse("W1", "Main")
    office.add_counterparty("ROMASHKA", "Romashka")
    office.add_contract("ROMASHKA", "C-1", main=True)
    office.add_item("ROMASHKA", "TEA", "Tea")
    office.post_receipt(
        ReceiptDraft("R-1", date(2026, 11, 2), "ROMASHKA", "W1", [LineDraft("TEA", 10)])
    )
    office.set_requisites(COMPANY)
    office.set_requisites(CLIENT, "ROMASHKA")
    office.set_tariff([DELIVERY])
    numbers = []
    for _ in range(count):
        order = office.create_order(
            OrderDraft("W1", [LineDraft("TEA", 1)], counterparty="ROMASHKA")
        )
        office.confirm_order(order.number)
        numbers.append(office.deliver_order(order.number)[1].number)
    return office, numbers


def counted(app: Application) -> tuple[BackOffice, CountingStorage]:
    """A desk of the same administrator whose use cases go through a counting backend."""
    account = app.account("acme")
    storage = CountingStorage(app.storage)
    app.storage = storage  # type: ignore[assignment]
    return app.back_office(Principal.administrator(account.id, "admin")), storage


def refusal(error: ValidationError) -> tuple[str, str, object, str | None]:
    (problem,) = error.problems
    return problem.code, problem.field, problem.value, problem.expected


def test_an_act_or_invoice_of_more_shipments_than_the_limit_is_refused_before_storage(
    app: Application,
) -> None:
    _, numbers = delivered(app, 4)
    office, storage = counted(app)

    for build in (office.service_act, office.invoice):
        with pytest.raises(ValidationError) as refused:
            build(numbers)
        assert refusal(refused.value) == (
            "list.too_long",
            "shipments",
            4,
            expect("at_most", limit=3),
        )
    assert storage.units == 0
    problem = refused.value.problems[0]
    assert problem.message("en") == (
        "shipments: 4 entries, but one call takes at most 3"
        " (custody_core.open(max_list_length=...) raises it)"
    )
    assert problem.message("ru") == (
        "расходные накладные: передано значений: 4, а за один вызов допускается не больше 3"
    )
    assert office.service_act(numbers[:3]).header.number == 1


def test_a_shipment_named_twice_counts_once_and_the_limit_counts_what_was_given(
    app: Application,
) -> None:
    office, (first, second) = delivered(app, 2)

    twice = office.invoice([second, first, second])
    once = office.invoice([first, second])
    assert twice == once
    assert twice.header.source == f"Расходные накладные № {first}, {second}"
    with pytest.raises(ValidationError) as refused:
        office.invoice([first] * (LIMIT + 1))
    assert refusal(refused.value) == ("list.too_long", "shipments", 4, AT_MOST_3)


def test_an_endless_iterator_of_shipments_is_refused_unread(app: Application) -> None:
    """The desk takes a sequence: an iterator is the wrong type, refused before a single
    entry is drawn from it, so an endless one costs nothing."""
    office, (number,) = delivered(app, 1)
    taken: list[int] = []

    def endless() -> Iterator[int]:
        while True:
            taken.append(number)
            yield number

    with pytest.raises(ValidationError) as refused:
        office.service_act(endless())  # type: ignore[arg-type]
    [problem] = refused.value.problems
    assert (problem.code, problem.field) == ("value.wrong_type", "shipments")
    assert taken == []


class Unread(list[int]):
    """A list whose entries must not be looked at: a call costing one check per entry of
    a huge list would."""

    def __iter__(self) -> Iterator[int]:
        raise AssertionError("an entry of an over-long list was read")

    def __getitem__(self, index: object) -> Any:
        raise AssertionError("an entry of an over-long list was read")


def test_an_over_long_list_is_refused_before_any_entry_is_checked(app: Application) -> None:
    office, (number,) = delivered(app, 1)
    with pytest.raises(ValidationError) as refused:
        office.service_act(Unread([number] * (LIMIT + 1)))
    assert refusal(refused.value) == ("list.too_long", "shipments", LIMIT + 1, AT_MOST_3)


def test_bounded_reads_an_iterator_no_further_than_one_past_the_limit() -> None:
    taken: list[int] = []

    def endless() -> Iterator[int]:
        while True:
            taken.append(1)
            yield 1

    with pytest.raises(ValidationError) as refused:
        bounded(endless(), "shipments", LIMIT)
    assert refusal(refused.value) == (
        "list.too_long",
        "shipments",
        "4+",
        expect("at_most", limit=3),
    )
    assert len(taken) == LIMIT + 1


def test_receipt_lines_refused_items_and_tariff_rates_are_bounded_before_storage(
    app: Application,
) -> None:
    delivered(app, 0)
    office, storage = counted(app)
    lines = [LineDraft(f"SKU-{n}", 1) for n in range(LIMIT + 1)]
    refused = {f"SKU-{n}": 1 for n in range(LIMIT + 1)}
    rates = [DELIVERY] * (LIMIT + 1)

    attempts = {
        "lines": lambda: office.post_receipt(
            ReceiptDraft("R-2", date(2026, 11, 3), "ROMASHKA", "W1", lines)
        ),
        "refused": lambda: office.deliver_order(1, refused=refused),
        "rates": lambda: office.set_tariff(rates),
    }
    for field, attempt in attempts.items():
        with pytest.raises(ValidationError) as caught:
            attempt()
        assert refusal(caught.value) == (
            "list.too_long",
            field,
            LIMIT + 1,
            expect("at_most", limit=3),
        )
    assert storage.units == 0


def test_the_default_limit_refuses_an_act_of_more_shipment_numbers(url: str) -> None:
    with open_app(url) as app:
        office, (number,) = delivered(app, 1)
        with pytest.raises(ValidationError) as refused:
            office.service_act([number] * (MAX_LIST_LENGTH + 1))
        assert refusal(refused.value) == (
            "list.too_long",
            "shipments",
            MAX_LIST_LENGTH + 1,
            expect("at_most", limit=MAX_LIST_LENGTH),
        )
        assert office.service_act([number] * MAX_LIST_LENGTH).header.number == 1


@pytest.mark.parametrize("wrong", [0, -1, "10", 2.5, True])
def test_a_limit_that_is_not_a_whole_number_from_1_is_refused_and_opens_nothing(
    tmp_path: Path, wrong: object
) -> None:
    path = tmp_path / "never.sqlite"
    with pytest.raises(ValidationError) as refused:
        open_app(f"sqlite:///{path}", max_list_length=wrong)
    assert [(p.code, p.field) for p in refused.value.problems] == [
        ("value.invalid", "max_list_length")
    ]
    assert not path.exists()
