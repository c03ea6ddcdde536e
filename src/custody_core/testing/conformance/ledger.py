"""Conformance of the ledger: balances kept with the movements, movements found and
paged, totals, and the ledger state machine."""

from __future__ import annotations

from collections import Counter
from datetime import date, datetime, timedelta, timezone
from decimal import Decimal
from uuid import uuid4

from attrs import evolve
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import run_state_machine_as_test

from custody_core.domain.ledger import (
    Balance,
    DocumentKind,
    Movement,
    MovementKind,
    MovementTotal,
    totals_of,
)
from custody_core.domain.paging import PageRequest
from custody_core.ports.storage import MovementQuery, StorageBackend
from custody_core.testing.conformance.world import NOW, StorageMaker, _movement, _neighbour, _World
from custody_core.testing.ledger_machine import ledger_machine


class LedgerConformance:
    """The ledger: balances kept with the movements, movements found and paged, totals,
    and the ledger state machine."""

    #: Set by `ConformanceBase` (or the backend's suite).
    state_machine_examples: int | None

    def test_ledger_appends_movements_and_keeps_balances(self, storage: StorageBackend) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            receipt = world.receipt()
            uow.receipts.add(receipt)
            movements = receipt.movements()
            reserve = Movement(
                world.key,
                MovementKind.RESERVATION,
                Decimal("20.001"),
                DocumentKind.DELIVERY_ORDER,
                uuid4(),
                date(2026, 11, 20),
                NOW,
                uuid4(),
            )
            # Holding the counterparty's stock whole changes nothing the unit then does.
            uow.ledger.lock_counterparty(world.account.id, world.counterparty.id)
            uow.ledger.append(movements, [Balance(world.key, Decimal("12.345"))])
            uow.ledger.append([reserve], [Balance(world.key, Decimal("12.345"), Decimal("20.001"))])
            uow.commit()
        with storage.unit_of_work() as uow:
            balance = Balance(world.key, Decimal("12.345"), Decimal("20.001"))
            assert uow.ledger.balances(world.account.id, [world.key]) == {world.key: balance}
            assert uow.ledger.counterparty_balances(world.account.id, world.counterparty.id) == [
                balance
            ]
            assert list(uow.ledger.movements(world.account.id)) == [*movements, reserve]

    def test_movements_are_found_by_date_then_posting_and_paged(
        self, storage: StorageBackend
    ) -> None:
        with storage.unit_of_work() as uow:
            world = _World(uow)
            days = [date(2026, 11, 3), date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 1)]
            movements = [
                Movement(
                    world.key,
                    MovementKind.RECEIPT,
                    Decimal(n + 1),
                    DocumentKind.RECEIPT,
                    uuid4(),
                    day,
                    NOW,
                )
                for n, day in enumerate(days)
            ]
            uow.ledger.append(movements, [Balance(world.key, Decimal(10))])
            uow.commit()
        expected = [movements[1], movements[3], movements[2], movements[0]]
        with storage.unit_of_work() as uow:
            account, query = world.account.id, MovementQuery(counterparty_id=world.counterparty.id)
            pages: list[Movement] = []
            after: str | None = None
            while True:
                page = uow.ledger.find(account, query, PageRequest(3, after))
                pages.extend(page)
                if page.next_after is None:
                    break
                after = page.next_after
            assert pages == expected
            assert uow.ledger.first_date(account) == date(2026, 11, 1)
            assert uow.ledger.totals(account, None, date(2026, 11, 1), date(2026, 11, 2)) == [
                MovementTotal(world.key, MovementKind.RECEIPT, Decimal(3))
            ]
            kinds = MovementQuery(kinds=frozenset({MovementKind.RELEASE}))
            assert list(uow.ledger.find(account, kinds, PageRequest())) == []

    def test_movements_are_found_in_posting_order_whatever_their_dates_and_instants(
        self, storage: StorageBackend
    ) -> None:
        """Printed forms take lots in posting order: two documents posted at one instant
        (a coarse clock) come in the order they were appended, whatever their dates."""
        with storage.unit_of_work() as uow:
            world = _World(uow)
            neighbour = _neighbour(uow, world)
            uow.commit()
        days = [date(2026, 11, 3), date(2026, 11, 1), date(2026, 11, 3), date(2026, 11, 2)]
        ours = [
            _movement(world.key, MovementKind.RECEIPT, n + 1, None, day)
            for n, day in enumerate(days)
        ]
        for n, batch in enumerate((ours[:2], ours[2:]), 1):  # two units, one posting instant
            with storage.unit_of_work() as uow:
                other = _movement(neighbour, MovementKind.RECEIPT, 9, None, date(2026, 11, 1))
                balances = [
                    Balance(world.key, sum((m.quantity for m in ours[: 2 * n]), Decimal(0))),
                    Balance(neighbour, Decimal("0.009") * n),
                ]
                uow.ledger.append([other, *batch], balances)
                uow.commit()
        query = MovementQuery(
            counterparty_id=world.counterparty.id, item_id=world.item.id, posting_order=True
        )
        with storage.unit_of_work(read_only=True) as uow:
            found: list[Movement] = []
            after: str | None = None
            while True:
                page = uow.ledger.find(world.account.id, query, PageRequest(3, after))
                found.extend(page)
                if page.next_after is None:
                    break
                after = page.next_after
            assert found == ours
            dated = evolve(query, posting_order=False, date_to=date(2026, 11, 2))
            by_date = uow.ledger.find(world.account.id, dated, PageRequest())
            assert list(by_date) == [ours[1], ours[3]]

    def test_totals_are_the_movements_summed_per_key_kind_and_order(
        self, storage: StorageBackend
    ) -> None:
        """... and, asked for up to an instant, only the movements posted before it (a
        report as of an instant), however the instant's zone writes it."""
        minutes = [NOW + timedelta(minutes=n) for n in range(4)]
        plus_five = timezone(timedelta(hours=5))
        days = [date(2026, 10, 31), date(2026, 11, 1), date(2026, 11, 2), date(2026, 11, 3)]
        movement = st.tuples(
            st.integers(0, 2),  # stock key: the counterparty's, its neighbour's, another account's
            st.sampled_from(MovementKind),
            st.integers(1, 9_999),  # quantity in thousandths
            st.integers(0, 2),  # order: none or one of two
            st.sampled_from(days),
            st.sampled_from(minutes),  # when it was posted
        )

        @given(
            st.lists(movement, max_size=12),
            st.sampled_from([None, *days]),
            st.sampled_from(days),
            st.booleans(),
            st.sampled_from([None, *minutes, minutes[2].astimezone(plus_five)]),
        )
        @settings(max_examples=30, deadline=None)
        def agree(
            rows: list[tuple[int, MovementKind, int, int, date, datetime]],
            after: date | None,
            through: date,
            one_counterparty: bool,
            posted_before: datetime | None,
        ) -> None:
            with storage.unit_of_work() as uow:  # never committed: each example starts empty
                world, other = _World(uow, "first"), _World(uow, "second")
                keys = [world.key, _neighbour(uow, world), other.key]
                orders = [None, uuid4(), uuid4()]
                uow.ledger.append(
                    [
                        Movement(
                            keys[key],
                            kind,
                            Decimal(thousandths).scaleb(-3),
                            DocumentKind.RECEIPT,
                            uuid4(),
                            day,
                            posted,
                            orders[order],
                        )
                        for key, kind, thousandths, order, day, posted in rows
                    ],
                    [],
                )
                account = world.account.id
                counterparty = world.counterparty.id if one_counterparty else None
                expected = totals_of(
                    m
                    for m in uow.ledger.movements(account)
                    if counterparty in (None, m.key.counterparty_id)
                    and (after is None or m.occurred_on > after)
                    and m.occurred_on <= through
                    and (posted_before is None or m.posted_at < posted_before)
                )
                found = uow.ledger.totals(account, counterparty, after, through, posted_before)
                assert Counter(found) == Counter(expected)

        agree()

    def test_the_ledger_invariants_hold_under_random_use(self, make_storage: StorageMaker) -> None:
        examples = self.state_machine_examples or settings().max_examples
        run_state_machine_as_test(
            ledger_machine(make_storage),
            settings=settings(max_examples=examples, stateful_step_count=25),
        )
