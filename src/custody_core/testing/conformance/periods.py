"""Conformance of closed months: snapshots, late movements, and closing as the
Python fold of the ledger does."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date, timedelta
from decimal import Decimal
from uuid import UUID, uuid4

from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st

from custody_core.domain.errors import Conflict, InsufficientStock
from custody_core.domain.ledger import (
    Balance,
    DocumentKind,
    Movement,
    MovementKind,
    MovementTotal,
    totals_of,
)
from custody_core.domain.periods import HeldReserve, Position, month_end_positions, month_ends
from custody_core.ports.storage import StorageBackend, UnitOfWork
from custody_core.testing.conformance.world import _JANUARY, NOW, _movement, _neighbour, _World


def _stored_order(uow: UnitOfWork, world: _World, number: int) -> UUID:
    """The id of a new order of `world`, stored (snapshots refer to their orders)."""
    order = world.order(number)
    uow.orders.add(order)
    return order.id


def _accepted(movements: Iterable[Movement]) -> list[Movement]:
    """`movements` by date, less those the ledger would refuse after the ones kept before them
    (stock or reserve below zero) and those that would take an order's reserve below zero."""
    position = Position(None, {}, {})
    kept = []
    for movement in sorted(movements, key=lambda m: m.occurred_on):
        try:
            after = position.advanced([movement], movement.occurred_on)
        except (Conflict, InsufficientStock):
            continue
        if all(held >= 0 for held in after.holds.values()):
            position = after
            kept.append(movement)
    return kept


class PeriodsConformance:
    """Closed months: snapshots, late movements, and closing as the Python fold does."""

    def test_snapshots_store_positions_and_take_late_movements(
        self, storage: StorageBackend
    ) -> None:
        october, november = date(2026, 10, 31), date(2026, 11, 30)
        with storage.unit_of_work() as uow:
            world = _World(uow)
            order_id = uuid4()
            uow.orders.add(evolve(world.order(1), id=order_id))
            balance = Balance(world.key, Decimal("12.345"), Decimal("1.500"))
            held = HeldReserve(order_id, world.key, Decimal("1.500"))
            uow.periods.add(world.account.id, Position.of(october, [balance], [held]))
            uow.periods.add(world.account.id, Position.of(november, [balance], [held]))
            late = Movement(
                world.key,
                MovementKind.RECEIPT,
                Decimal("2.000"),
                DocumentKind.RECEIPT,
                uuid4(),
                date(2026, 11, 5),
                NOW,
            )
            uow.periods.adjust(world.account.id, [late])
            uow.commit()
        with storage.unit_of_work() as uow:
            account = world.account.id
            assert uow.periods.closings(account) == [october, november]
            assert uow.periods.snapshot(account, october) == Position.of(october, [balance], [held])
            moved = Balance(world.key, Decimal("14.345"), Decimal("1.500"))
            assert uow.periods.snapshot(account, november, world.counterparty.id) == (
                Position.of(november, [moved], [held])
            )
            assert uow.periods.snapshot(account, november, uuid4()) == Position(november, {}, {})
            assert uow.periods.closings(uuid4()) == []

    def test_closing_months_stores_what_the_python_fold_gives(
        self, storage: StorageBackend
    ) -> None:
        ends = month_ends(_JANUARY, date(2026, 6, 30))
        movement = st.tuples(
            st.integers(0, 2),  # stock key: the counterparty's, its neighbour's, another account's
            st.sampled_from(MovementKind),
            st.integers(1, 9_999),  # quantity in thousandths
            st.integers(0, 2),  # order: none or one of two
            st.integers(0, (ends[-1] - _JANUARY).days),  # the day, from January 1st
        )
        late_receipt = st.tuples(st.integers(0, 2), st.integers(1, 9_999), st.integers(0, 180))

        @given(
            st.lists(movement, max_size=16), st.lists(late_receipt, max_size=3), st.integers(1, 5)
        )
        @settings(max_examples=30, deadline=None)
        def agree(
            rows: list[tuple[int, MovementKind, int, int, int]],
            late_rows: list[tuple[int, int, int]],
            first_closed: int,
        ) -> None:
            with storage.unit_of_work() as uow:  # never committed: each example starts empty
                world, other = _World(uow, "first"), _World(uow, "second")
                keys = [world.key, _neighbour(uow, world), other.key]
                orders = [None, *(_stored_order(uow, world, n) for n in (1, 2))]
                account, previous = world.account.id, ends[first_closed - 1]
                movements = _accepted(
                    _movement(
                        keys[key], kind, thousandths, orders[order], _JANUARY + timedelta(day)
                    )
                    for key, kind, thousandths, order, day in rows
                )
                uow.ledger.append([m for m in movements if m.occurred_on <= previous], [])
                uow.periods.close(account, None, ends[:first_closed])
                late = [  # receipts dated into the months closed already
                    _movement(
                        keys[key],
                        MovementKind.RECEIPT,
                        thousandths,
                        None,
                        _JANUARY + timedelta(day % ((previous - _JANUARY).days + 1)),
                    )
                    for key, thousandths, day in late_rows
                ]
                uow.ledger.append([m for m in movements if m.occurred_on > previous] + late, [])
                uow.periods.adjust(account, late)
                uow.periods.close(account, previous, ends[first_closed:])

                def totals(after: date | None, through: date) -> list[MovementTotal]:
                    return totals_of(
                        m
                        for m in uow.ledger.movements(account)
                        if (after is None or m.occurred_on > after) and m.occurred_on <= through
                    )

                folded = month_end_positions(Position(None, {}, {}), ends, totals)
                assert uow.periods.closings(account) == ends
                for position in folded:
                    assert position.as_of is not None
                    stored = uow.periods.snapshot(account, position.as_of)
                    assert stored == position.without_zeros()

        agree()
