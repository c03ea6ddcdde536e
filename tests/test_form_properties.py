"""Invariants of the form model: pages, VAT totals, FIFO storage lots, words, requisites."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from uuid import uuid4

import pytest
from hypothesis import given
from hypothesis import strategies as st

from custody_core.domain.errors import ValidationError
from custody_core.domain.form_building import printable
from custody_core.domain.forms import Layout, ServiceLine, paginate
from custody_core.domain.ledger import DocumentKind, Movement, MovementKind, StockKey
from custody_core.domain.requisites import Requisites, checked_requisites
from custody_core.domain.storage_days import returned_lots
from custody_core.domain.vat import VAT_RATES, Vat, VatMode, line_amount, totals
from custody_core.services.wording import RussianWording

money = st.decimals(min_value=0, max_value=10**9, places=2)
quantities = st.decimals(min_value=Decimal("0.001"), max_value=10**6, places=3)


def service_line(position: int, quantity: Decimal, price: Decimal) -> ServiceLine:
    return ServiceLine(
        position, "s", "", "шт", "796", quantity, price, line_amount(price, quantity)
    )


@given(
    st.lists(st.tuples(quantities, money), max_size=120),
    st.integers(1, 30),
    st.integers(1, 50),
    st.integers(0, 60),
    st.integers(0, 10),
)
def test_pages_hold_every_line_once_and_their_totals_add_up(
    priced: list[tuple[Decimal, Decimal]], first: int, others: int, tail: int, spare: int
) -> None:
    lines = [service_line(n, q, p) for n, (q, p) in enumerate(priced, start=1)]
    layout = Layout(first, others, landscape=False, page_totals=True, spare_lines=spare)

    pages = paginate(lines, layout, tail)

    assert [line for page in pages for line in page.lines] == lines
    assert all(len(page.lines) <= (first if page.number == 1 else others) for page in pages)
    assert all(page.lines for page in pages[1:])
    assert [page.number for page in pages] == list(range(1, len(pages) + 1))
    # Every page but the last is full unless it made room for the tail on the next one.
    assert all(len(page.lines) >= min(others, first) - 1 for page in pages[1:-1])
    extra = min(max(0, tail - spare), others - 1)
    capacity = first if len(pages) == 1 else others
    assert not lines or len(pages[-1].lines) + extra <= capacity or len(pages) == 1
    for page in pages:
        assert page.amount == sum((line.amount for line in page.lines), Decimal(0))
        assert page.quantity == sum((line.quantity for line in page.lines), Decimal(0))
    assert sum(page.amount for page in pages) == sum(line.amount for line in lines)


def test_a_long_second_table_pushes_lines_to_another_page() -> None:
    lines = [service_line(n, Decimal(1), Decimal(1)) for n in range(1, 9)]
    layout = Layout(8, 24, landscape=True, page_totals=True, spare_lines=6)

    assert [len(page.lines) for page in paginate(lines, layout, tail=6)] == [8]
    # Two lines over the spare six: the first page keeps 7 lines, the next takes 1 and the table.
    assert [len(page.lines) for page in paginate(lines, layout, tail=8)] == [7, 1]
    assert [len(page.lines) for page in paginate(lines[:1], layout, tail=40)] == [0, 1]


@given(st.lists(money, max_size=40), st.sampled_from(VatMode), st.sampled_from(VAT_RATES))
def test_vat_totals_add_up_line_by_line(amounts: list[Decimal], mode: VatMode, rate: int) -> None:
    vat = Vat.checked(mode.value, rate)

    result = totals(amounts, vat)

    assert result.amount == sum(amounts, Decimal(0))
    assert result.vat == sum((vat.of(amount) for amount in amounts), Decimal(0))
    assert all(vat.of(amount) == vat.of(amount).quantize(Decimal("0.01")) for amount in amounts)
    if mode is VatMode.ON_TOP:
        assert result.due == result.amount + result.vat
    else:
        assert result.due == result.amount
    if mode is VatMode.WITHOUT or rate == 0:
        assert result.vat == 0
    if mode is VatMode.INCLUDED:
        assert result.vat <= result.amount


def test_vat_is_rounded_half_up_to_kopecks() -> None:
    # 0.25 x 20 / 100 = 0.05; 0.125 rounds to 0.13 (not 0.12 as half-even would).
    assert Vat(VatMode.ON_TOP, 20).of(Decimal("0.25")) == Decimal("0.05")
    assert Vat(VatMode.ON_TOP, 10).of(Decimal("1.25")) == Decimal("0.13")
    assert Vat(VatMode.INCLUDED, 20).of(Decimal("1200.00")) == Decimal("200.00")
    assert line_amount(Decimal("0.35"), Decimal("0.5")) == Decimal("0.18")


def test_an_unknown_vat_mode_or_rate_is_named() -> None:
    with pytest.raises(ValidationError) as caught:
        Vat.checked("sometimes", 18)
    assert {p.field for p in caught.value.problems} == {"vat.mode", "vat.rate"}


START = date(2026, 1, 1)
KEY = StockKey(uuid4(), uuid4(), uuid4(), uuid4())


def movement(kind: MovementKind, quantity: int, day: int) -> Movement:
    return Movement(
        KEY,
        kind,
        Decimal(quantity),
        DocumentKind.RECEIPT,
        uuid4(),
        START + timedelta(days=day),
        datetime(2026, 1, 1, tzinfo=UTC),
    )


@st.composite
def histories(draw: st.DrawFn) -> tuple[list[Movement], int]:
    """Receipts and write-offs in date order that never go below zero, and a quantity
    on hand to return."""
    history, on_hand, day = [], 0, 0
    for _ in range(draw(st.integers(0, 12))):
        day += draw(st.integers(0, 5))
        if on_hand and draw(st.booleans()):
            taken = draw(st.integers(1, on_hand))
            history.append(movement(MovementKind.WRITE_OFF, taken, day))
            on_hand -= taken
        else:
            received = draw(st.integers(1, 20))
            kind = draw(st.sampled_from([MovementKind.RECEIPT, MovementKind.WRITE_OFF_REVERSAL]))
            history.append(movement(kind, received, day))
            on_hand += received
        history.append(movement(MovementKind.RESERVATION, 1, day))
    return history, draw(st.integers(1, on_hand)) if on_hand else 0


@given(histories(), st.integers(0, 30))
def test_returned_goods_are_the_oldest_on_hand(
    case: tuple[list[Movement], int], later: int
) -> None:
    history, quantity = case
    if not quantity:
        return
    on = max(m.occurred_on for m in history) + timedelta(days=later)
    # A model: one date per unit on hand, oldest first.
    units: list[date] = []
    for m in history:
        if m.kind in (MovementKind.RECEIPT, MovementKind.WRITE_OFF_REVERSAL):
            units.extend([m.occurred_on] * int(m.quantity))
        elif m.kind is MovementKind.WRITE_OFF:
            del units[: int(m.quantity)]

    lots = returned_lots(history, Decimal(quantity), on)

    expanded = [lot.received for lot in lots for _ in range(int(lot.quantity))]
    assert expanded == units[:quantity]
    assert all(lot.days == (on - lot.received).days + 1 >= 1 for lot in lots)


def test_goods_the_history_does_not_explain_count_from_the_return_day() -> None:
    lots = returned_lots([movement(MovementKind.RECEIPT, 2, 0)], Decimal(5), START)

    assert [(lot.received, lot.quantity, lot.days) for lot in lots] == [
        (START, Decimal(2), 1),
        (START, Decimal(3), 1),
    ]


@pytest.mark.parametrize(
    ("amount", "words"),
    [
        ("1200.50", "Одна тысяча двести рублей 50 копеек"),
        ("1.01", "Один рубль 01 копейка"),
        ("2.00", "Два рубля 00 копеек"),
        ("21.21", "Двадцать один рубль 21 копейка"),
        ("0.05", "Ноль рублей 05 копеек"),
        ("1000000.00", "Один миллион рублей 00 копеек"),
    ],
)
def test_amounts_in_words(amount: str, words: str) -> None:
    assert RussianWording().money(Decimal(amount)) == words


@pytest.mark.parametrize(
    ("quantity", "words"),
    [("3", "три"), ("3.000", "три"), ("2.5", "две целых пять десятых"), ("21", "двадцать один")],
)
def test_quantities_in_words(quantity: str, words: str) -> None:
    assert RussianWording().quantity(Decimal(quantity)) == words


@given(st.text())
def test_printable_text_has_no_control_characters(text: str) -> None:
    cleaned = printable(text)

    assert len(cleaned) == len(text)
    assert not any((ord(c) < 32 and c not in "\t\n") or 0x7F <= ord(c) <= 0x9F for c in cleaned)


@pytest.mark.parametrize("inn", ["7707083893", "7736050003", "7736207543", "500100732259"])
def test_real_inns_pass_their_check_digits(inn: str) -> None:
    assert checked_requisites(Requisites("X", inn=inn), "p").inn == inn


@pytest.mark.parametrize("inn", ["7707083890", "7736050004", "500100732250", "500100732269"])
def test_a_wrong_check_digit_is_refused(inn: str) -> None:
    with pytest.raises(ValidationError) as caught:
        checked_requisites(Requisites("X", inn=inn), "p")

    assert [(p.code, p.field) for p in caught.value.problems] == [("requisites.checksum", "p.inn")]
