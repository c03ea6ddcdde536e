"""Properties of the pure domain: exact numbers, shortage allocation, the order state table,
control characters in text."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta, tzinfo
from decimal import Decimal
from pathlib import Path
from uuid import uuid4

import pytest
from attrs import evolve
from hypothesis import given
from hypothesis import strategies as st

from custody_core.adapters.storage.sqlite.codec import instant_in, instant_out
from custody_core.domain.errors import IllegalTransition, ValidationError
from custody_core.domain.ledger import MovementKind
from custody_core.domain.lines import Line
from custody_core.domain.numbers import (
    QUANTITY_SCALE,
    from_scaled_int,
    money,
    quantity,
    to_scaled_int,
)
from custody_core.domain.orders import (
    TRANSITIONS,
    DeliveryOrder,
    OrderChange,
    OrderState,
    transition_table,
)
from custody_core.domain.principal import Principal, Role
from custody_core.domain.stock import allocate
from custody_core.domain.text import control_characters, escaped
from custody_core.testing.strategies import quantities

T0 = datetime(2026, 11, 1, tzinfo=UTC)


@given(st.integers(0, QUANTITY_SCALE), st.data())
def test_quantities_survive_integer_storage_exactly(scale: int, data: st.DataObject) -> None:
    value = data.draw(quantities(scale, max_value=10**9))
    assert from_scaled_int(to_scaled_int(value, QUANTITY_SCALE), QUANTITY_SCALE) == value
    assert quantity(str(value), scale, "q") == value


@given(st.decimals(allow_nan=False, allow_infinity=False, min_value=0, max_value=10**12, places=4))
def test_money_rounds_half_up_once(value: Decimal) -> None:
    rounded = money(value, "amount")
    assert rounded.as_tuple().exponent == -2
    assert abs(rounded - value) <= Decimal("0.005")
    assert money(Decimal("0.125"), "amount") == Decimal("0.13")  # HALF_EVEN would give 0.12


@given(st.datetimes(min_value=datetime(2000, 1, 1)), st.timezones())  # noqa: DTZ001
def test_instants_round_trip_and_sort_as_text(naive_utc: datetime, zone: tzinfo) -> None:
    # Built from UTC, so the local time always exists (no wall time inside a DST gap).
    moment = naive_utc.replace(tzinfo=UTC).astimezone(zone)
    assert instant_out(instant_in(moment)) == moment
    later = moment + timedelta(microseconds=1)
    assert instant_in(moment) < instant_in(later)


def orders_with(reserves: list[int]) -> list[tuple[DeliveryOrder, Decimal]]:
    account, counterparty, warehouse, item = uuid4(), uuid4(), uuid4(), uuid4()
    return [
        (
            DeliveryOrder(
                uuid4(),
                account,
                number,
                counterparty,
                warehouse,
                (Line(item, Decimal(q)),),
                T0,
                OrderState.CONFIRMED,
                2,
                T0 + timedelta(seconds=number),
            ),
            Decimal(q),
        )
        for number, q in enumerate(reserves, 1)
    ]


@given(st.integers(-5, 100), st.lists(st.integers(1, 30), max_size=8), st.randoms())
def test_shortage_goes_to_the_latest_confirmations(on_hand: int, reserves: list[int], rnd) -> None:
    holds = orders_with(reserves)
    shuffled = holds[:]
    rnd.shuffle(shuffled)
    result = allocate(Decimal(on_hand), shuffled)
    assert [hold.order_number for hold in result] == sorted(o.number for o, _ in holds)
    assert sum(h.shortage for h in result) == max(0, sum(reserves) - max(on_hand, 0))
    short = [h.shortage > 0 for h in result]
    # Once an order is short, every later one is short of its whole reserve.
    if True in short:
        first = short.index(True)
        assert all(h.shortage == h.reserved for h in result[first + 1 :])
        assert all(h.shortage == 0 for h in result[:first])


S, C, K = OrderState, OrderChange, MovementKind
OPEN = (S.CONFIRMED, S.NOT_DELIVERED)

#: Written by hand from the rules in docs/orders.md, for an order of 3 units
#: (1 handed over when partially delivered); an edit changes the cargo to 5.
#: (state, change) -> (new state, [(movement kind, quantity)]).
EXPECTED: dict[
    tuple[OrderState, OrderChange], tuple[OrderState, list[tuple[MovementKind, int]]]
] = {
    (S.DRAFT, C.CONFIRM): (S.CONFIRMED, [(K.RESERVATION, 3)]),
    (S.DRAFT, C.EDIT_LINES): (S.DRAFT, []),
    (S.DRAFT, C.CANCEL): (S.CANCELLED, []),
    **{(s, C.EDIT_LINES): (s, [(K.RESERVATION, 2)]) for s in OPEN},
    **{(s, C.DELIVER): (S.DELIVERED, [(K.WRITE_OFF, 3)]) for s in OPEN},
    **{
        (s, C.DELIVER_PARTIALLY): (S.PARTIALLY_DELIVERED, [(K.WRITE_OFF, 1), (K.RELEASE, 2)])
        for s in OPEN
    },
    **{(s, C.FAIL_KEEPING_RESERVE): (S.NOT_DELIVERED, []) for s in OPEN},
    **{(s, C.FAIL_RELEASING_RESERVE): (S.FAILED, [(K.RELEASE, 3)]) for s in OPEN},
    **{(s, C.CANCEL): (S.CANCELLED, [(K.RELEASE, 3)]) for s in OPEN},
    (S.FAILED, C.CONFIRM): (S.CONFIRMED, [(K.RESERVATION, 3)]),
    (S.FAILED, C.EDIT_LINES): (S.FAILED, []),
    (S.FAILED, C.CANCEL): (S.CANCELLED, []),
    (S.DELIVERED, C.REVERSE_DELIVERY): (S.CONFIRMED, [(K.WRITE_OFF_REVERSAL, 3)]),
    (S.PARTIALLY_DELIVERED, C.REVERSE_DELIVERY): (
        S.CONFIRMED,
        [(K.WRITE_OFF_REVERSAL, 1), (K.RESERVATION, 2)],
    ),
}


@pytest.mark.parametrize("change", OrderChange)
@pytest.mark.parametrize("state", OrderState)
def test_the_table_allows_exactly_the_documented_changes(
    state: OrderState, change: OrderChange
) -> None:
    ((order, _),) = orders_with([3])
    item = order.lines[0].item_id
    handed = {S.DELIVERED: 3, S.PARTIALLY_DELIVERED: 1}.get(state)
    order = evolve(
        order,
        state=state,
        handed_over=(Line(item, Decimal(handed)),) if handed else (),
    )
    handed_now = {C.DELIVER: 3, C.DELIVER_PARTIALLY: 1}.get(change)
    arguments = {
        "lines": (Line(item, Decimal(5)),) if change is C.EDIT_LINES else None,
        "handed_over": (Line(item, Decimal(handed_now)),) if handed_now else (),
    }
    assert ((state, change) in TRANSITIONS) == ((state, change) in EXPECTED)
    if (state, change) not in EXPECTED:
        with pytest.raises(IllegalTransition):
            order.change(change, T0, date(2026, 11, 1), **arguments)  # type: ignore[arg-type]
        return
    changed, movements = order.change(change, T0, date(2026, 11, 1), **arguments)  # type: ignore[arg-type]
    target, expected = EXPECTED[(state, change)]
    assert changed.state is target
    assert changed.version == order.version + 1
    assert [(m.kind, m.quantity) for m in movements] == expected
    assert all(m.order_id == order.id and m.key.item_id == item for m in movements)


def test_the_docs_show_the_table_as_it_is() -> None:
    text = (Path(__file__).parent.parent / "docs" / "orders.md").read_text(encoding="utf-8")
    rendered = "\n".join(
        "| " + " | ".join(row) + " |"
        for row in [
            transition_table()[0],
            ["---"] * len(OrderChange) + ["---"],
            *transition_table()[1:],
        ]
    )
    assert rendered in text


def test_the_client_role_is_exclusive_and_names_a_counterparty() -> None:
    with pytest.raises(ValidationError):
        Principal("u", uuid4(), {Role.CLIENT, Role.MANAGER}, uuid4())
    with pytest.raises(ValidationError):
        Principal("u", uuid4(), {Role.CLIENT})
    with pytest.raises(ValidationError):
        Principal("u", uuid4(), {Role.MANAGER}, uuid4())


# Text: control characters, and how the audit log shows them -------------------------------

CONTROL = st.sampled_from(["\x00", "\t", "\n", "\r", "\x1b", "\x7f", "\x85", "\u2028", "\u202e"])


@given(st.lists(st.one_of(st.text(max_size=5), CONTROL), max_size=8).map("".join))
def test_escaping_leaves_no_control_character_and_changes_only_them(value: str) -> None:
    shown = escaped(value)
    assert not control_characters(shown)
    assert escaped(shown) == shown
    assert (shown == value) is not control_characters(value)
    assert control_characters(value, multiline=True) is control_characters(
        value.replace("\n", "").replace("\t", "")
    )


@given(st.text(max_size=20), CONTROL, st.text(max_size=20))
def test_a_control_character_anywhere_is_one(before: str, control: str, after: str) -> None:
    assert control_characters(before + control + after)
    assert control_characters(before + control + after, multiline=True) is (
        control not in "\n\t" or control_characters(before + after, multiline=True)
    )
