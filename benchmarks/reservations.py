"""Benchmark 2: reservation throughput on SQLite and in memory against a raw sqlite3 baseline.

The library figure is the whole use case: `confirm_order` of a draft order of
one line (authorization, the unit of work, loading the order, domain checks,
the reservation movement, the balance and the order's new version), with the
drafts created beforehand and not timed. SQLite runs 1 writer process, then
2 and 4 processes at once on the same file (multiprocessing, spawn; each
opens its own `custody_core.open("sqlite:///...")`); memory:// runs 1, 2 and
4 threads on one application. The baseline (see `benchmarks.baseline`) runs
with the same numbers of processes, each on a fresh file of the same schema.

Wall time is from the moment every writer is ready (a barrier) to the end of
the last one. After every run the invariants are checked.
"""

from __future__ import annotations

import multiprocessing
import threading
import time
from collections import Counter, defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID

import custody_core
from benchmarks import baseline
from benchmarks.common import Outcome, cores, open_url, table, verdict
from custody_core import LineDraft, OrderDraft, OrderState, Principal, ReceiptDraft
from custody_core.domain.errors import StorageBusy
from custody_core.domain.ledger import MovementKind, replay
from custody_core.domain.paging import PageRequest
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice

COUNTERPARTY = "BENCH"
WAREHOUSE = "W1"
#: Reservations cycle over this many items of the counterparty.
ITEMS = 10
TARGET = 3.0
STATEMENTS = "raw confirm statements"
MAX_RETRIES = 100


@dataclass(frozen=True)
class Sizes:
    reservations: int
    writers: tuple[int, ...]
    repeats: int


QUICK = Sizes(reservations=200, writers=(1, 2), repeats=1)
FULL = Sizes(reservations=5_000, writers=(1, 2, 4), repeats=3)


@dataclass(frozen=True)
class Fixture:
    account_id: UUID
    #: (account, counterparty, warehouse) as stored.
    key: tuple[str, str, str]
    item_ids: tuple[str, ...]


@dataclass
class Run:
    backend: str
    writers: int
    unit: str
    reservations: int
    seconds: float
    retries: int = 0
    problems: list[str] = field(default_factory=list)

    @property
    def micros(self) -> float:
        return self.seconds / self.reservations * 1e6

    @property
    def per_second(self) -> float:
        return self.reservations / self.seconds

    @property
    def label(self) -> str:
        if self.unit == "thread":
            return "1 thread" if self.writers == 1 else f"{self.writers} threads"
        if self.writers == 1:
            return "1 writer process"
        return f"{self.writers} processes (contention on {cores()} cores)"


def prepare(app: Application, count: int, drafts: bool) -> Fixture:
    """An account whose counterparty keeps `count` pieces of each of `ITEMS` items, and
    (with `drafts`) `count` draft orders of one piece of one item each, numbered 1..count."""
    account = app.create_account("bench", "Benchmark", time_zone="UTC")
    office = app.back_office(Principal.manager(account.id, "bench-setup"))
    warehouse = office.add_warehouse(WAREHOUSE, "Main")
    counterparty = office.add_counterparty(COUNTERPARTY, "Benchmark client")
    office.add_contract(COUNTERPARTY, "B-1")
    skus = [f"ITEM-{n}" for n in range(1, ITEMS + 1)]
    items = [office.add_item(COUNTERPARTY, sku, f"Item {sku}") for sku in skus]
    yesterday = app.clock.now().astimezone(UTC).date() - timedelta(days=1)
    office.post_receipt(
        ReceiptDraft(
            "R-1", yesterday, COUNTERPARTY, WAREHOUSE, [LineDraft(sku, count) for sku in skus]
        )
    )
    if drafts:
        for n in range(count):
            office.create_order(
                OrderDraft(WAREHOUSE, [LineDraft(skus[n % ITEMS], 1)], counterparty=COUNTERPARTY)
            )
    return Fixture(
        account.id,
        (str(account.id), str(counterparty.id), str(warehouse.id)),
        tuple(str(item.id) for item in items),
    )


def confirm_all(office: BackOffice, numbers: Sequence[int]) -> int:
    """Confirm the orders numbered `numbers`; how often the write lock was still busy."""
    retries = 0
    for number in numbers:
        while True:
            try:
                office.confirm_order(number)
                break
            except StorageBusy:
                retries += 1
                if retries > MAX_RETRIES:
                    raise
    return retries


# Child processes (spawned: these run in a fresh interpreter) --------------------------------

Result = tuple[float, float, int, str | None]


def library_writer(
    url: str, account_id: UUID, numbers: list[int], barrier: Any, results: Any
) -> None:
    try:
        with open_url(url) as app:
            office = app.back_office(Principal.manager(account_id, "bench"))
            barrier.wait(timeout=120)
            started = time.monotonic()
            retries = confirm_all(office, numbers)
            ended = time.monotonic()
        results.put((started, ended, retries, None))
    except BaseException as error:
        barrier.abort()
        results.put((0.0, 0.0, 0, repr(error)))


def baseline_writer(
    path: Path,
    key: tuple[str, str, str],
    items: tuple[str, ...],
    count: int,
    offset: int,
    barrier: Any,
    results: Any,
) -> None:
    try:
        started, ended, retries = baseline.reserve(
            path, key, items, count, offset, ready=lambda: barrier.wait(timeout=120)
        )
        results.put((started, ended, retries, None))
    except BaseException as error:
        barrier.abort()
        results.put((0.0, 0.0, 0, repr(error)))


def statements_writer(path: Path, account: str, count: int, barrier: Any, results: Any) -> None:
    try:
        started, ended, retries = baseline.confirm_statements(
            path, account, count, ready=lambda: barrier.wait(timeout=120)
        )
        results.put((started, ended, retries, None))
    except BaseException as error:
        barrier.abort()
        results.put((0.0, 0.0, 0, repr(error)))


def in_processes(
    target: Callable[..., None], arguments: Sequence[tuple[object, ...]]
) -> tuple[float, int, list[str]]:
    """Run `target(*arguments[i], barrier, results)` in one spawned process each."""
    context = multiprocessing.get_context("spawn")
    barrier = context.Barrier(len(arguments))
    results = context.Queue()
    processes = [
        context.Process(target=target, args=(*args, barrier, results)) for args in arguments
    ]
    for process in processes:
        process.start()
    outcomes: list[Result] = [results.get(timeout=900) for _ in processes]
    for process in processes:
        process.join()
    return summed(outcomes)


def summed(outcomes: Sequence[Result]) -> tuple[float, int, list[str]]:
    """Wall time from the first writer's start to the last one's end, retries, errors."""
    errors = [error for *_, error in outcomes if error]
    if errors:
        return 0.0, 0, errors
    started = min(outcome[0] for outcome in outcomes)
    ended = max(outcome[1] for outcome in outcomes)
    return ended - started, sum(outcome[2] for outcome in outcomes), []


def in_threads(office: BackOffice, parts: Sequence[list[int]]) -> tuple[float, int, list[str]]:
    barrier = threading.Barrier(len(parts))
    outcomes: list[Result] = []

    def work(numbers: list[int]) -> None:
        try:
            barrier.wait(timeout=120)
            started = time.monotonic()
            retries = confirm_all(office, numbers)
            outcomes.append((started, time.monotonic(), retries, None))
        except BaseException as error:
            barrier.abort()
            outcomes.append((0.0, 0.0, 0, repr(error)))

    threads = [threading.Thread(target=work, args=(numbers,)) for numbers in parts]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return summed(outcomes)


def median_run(runs: Sequence[Run]) -> Run:
    """The run of median wall time among those that did not fail (the first failed if all did)."""
    done = sorted((r for r in runs if r.seconds > 0), key=lambda r: r.seconds)
    return done[(len(done) - 1) // 2] if done else runs[0]


def split(count: int, writers: int) -> list[list[int]]:
    """Order numbers 1..count dealt out to `writers` in turn."""
    return [list(range(first, count + 1, writers)) for first in range(1, writers + 1)]


# The runs -----------------------------------------------------------------------------------


def baseline_run(folder: Path, count: int, writers: int, repeat: int = 0) -> Run:
    path = folder / f"baseline-{writers}-{repeat}.sqlite"
    with custody_core.open(f"sqlite:///{path}", entry_points=False) as app:
        fixture = prepare(app, count, drafts=False)
    shares = [len(part) for part in split(count, writers)]
    arguments = [
        (path, fixture.key, fixture.item_ids, share, offset) for offset, share in enumerate(shares)
    ]
    seconds, retries, errors = in_processes(baseline_writer, arguments)
    run = Run("raw sqlite3", writers, "process", count, seconds, retries, errors)
    if not errors:
        run.problems += baseline.problems(path, fixture.key, count)
    run.problems = [f"raw sqlite3, {run.label}: {problem}" for problem in run.problems]
    return run


def sqlite_run(folder: Path, count: int, writers: int, repeat: int = 0) -> Run:
    path = folder / f"library-{writers}-{repeat}.sqlite"
    return library_run(f"sqlite:///{path}", "custody sqlite", count, writers)


def library_run(url: str, backend: str, count: int, writers: int) -> Run:
    """`writers` processes confirming `count` drafts on the empty database at `url`."""
    with open_url(url) as app:
        fixture = prepare(app, count, drafts=True)
    arguments = [(url, fixture.account_id, part) for part in split(count, writers)]
    seconds, retries, errors = in_processes(library_writer, arguments)
    run = Run(backend, writers, "process", count, seconds, retries, errors)
    if not errors:
        with open_url(url) as app:
            run.problems += library_problems(app, fixture.account_id, count)
    run.problems = [f"{backend}, {run.label}: {problem}" for problem in run.problems]
    return run


def statements_run(folder: Path, count: int, repeat: int = 0) -> Run:
    """The confirm statements without the library (one writer), on a fixture of drafts."""
    path = folder / f"statements-{repeat}.sqlite"
    url = f"sqlite:///{path}"
    with custody_core.open(url, entry_points=False) as app:
        fixture = prepare(app, count, drafts=True)
    seconds, retries, errors = in_processes(statements_writer, [(path, fixture.key[0], count)])
    run = Run(STATEMENTS, 1, "process", count, seconds, retries, errors)
    if not errors:
        with custody_core.open(url, entry_points=False) as app:
            run.problems += library_problems(app, fixture.account_id, count)
    run.problems = [f"{STATEMENTS}: {problem}" for problem in run.problems]
    return run


def memory_run(count: int, writers: int) -> Run:
    with custody_core.open("memory://", entry_points=False) as app:
        fixture = prepare(app, count, drafts=True)
        office = app.back_office(Principal.manager(fixture.account_id, "bench"))
        seconds, retries, errors = in_threads(office, split(count, writers))
        run = Run("custody memory://", writers, "thread", count, seconds, retries, errors)
        if not errors:
            run.problems += library_problems(app, fixture.account_id, count)
    run.problems = [f"custody memory://, {run.label}: {problem}" for problem in run.problems]
    return run


def library_problems(app: Application, account_id: UUID, count: int) -> list[str]:
    """Orders 1..count all confirmed; each one's reserve in the ledger and the report's holds;
    reserved = sum of the confirmed lines; stored balances = a replay of the ledger."""
    problems = []
    office = app.back_office(Principal.manager(account_id, "bench-check"))
    orders = []
    page = office.orders(COUNTERPARTY, page=PageRequest(limit=1000))
    orders += page.items
    while page.next_after is not None:
        page = office.orders(COUNTERPARTY, page=PageRequest(1000, page.next_after))
        orders += page.items
    if [order.number for order in orders] != list(range(1, count + 1)):
        problems.append(f"order numbers are not consecutive 1..{count}")
    unconfirmed = [order.number for order in orders if order.state is not OrderState.CONFIRMED]
    if unconfirmed:
        problems.append(f"{len(unconfirmed)} orders are not confirmed, e.g. {unconfirmed[:3]}")

    wanted: dict[tuple[UUID, UUID], Decimal] = Counter()
    by_item: dict[UUID, Decimal] = Counter()
    for order in orders:
        if order.state is OrderState.CONFIRMED:
            for line in order.lines:
                wanted[order.id, line.item_id] += line.quantity
                by_item[line.item_id] += line.quantity

    with app.storage.unit_of_work() as uow:
        movements = list(uow.ledger.movements(account_id))
        counterparty = uow.counterparties.by_code(account_id, COUNTERPARTY)
        assert counterparty is not None
        stored = {b.key: b for b in uow.ledger.counterparty_balances(account_id, counterparty.id)}
    if stored != replay(movements):
        problems.append("stored balances differ from a replay of the ledger")
    reserved = {
        key.item_id: balance.reserved for key, balance in stored.items() if balance.reserved
    }
    if reserved != dict(by_item):
        problems.append("reserved in the balances differs from the sum of confirmed order lines")

    booked: dict[tuple[UUID, UUID], Decimal] = Counter()
    for movement in movements:
        if movement.kind is MovementKind.RESERVATION and movement.order_id is not None:
            booked[movement.order_id, movement.key.item_id] += movement.quantity
    if booked != wanted:
        problems.append("the ledger's reservations differ from the confirmed orders' lines")
    holds = {
        (hold.order_id, line.item.id): hold.reserved
        for line in office.stock_report(COUNTERPARTY).lines
        for hold in line.holds
    }
    if holds != dict(wanted):
        problems.append("the stock report's holds differ from the confirmed orders' lines")
    return problems


def run(folder: Path, quick: bool, count: int | None = None) -> Outcome:
    sizes = QUICK if quick else FULL
    count = count or sizes.reservations
    every: dict[tuple[str, int], list[Run]] = defaultdict(list)
    for repeat in range(sizes.repeats):
        for writers in sizes.writers:
            for one in (
                baseline_run(folder, count, writers, repeat),
                sqlite_run(folder, count, writers, repeat),
            ):
                every[one.backend, one.writers].append(one)
        one = statements_run(folder, count, repeat)
        every[one.backend, one.writers].append(one)
        for writers in sizes.writers:
            one = memory_run(count, writers)
            every[one.backend, one.writers].append(one)
    runs = [median_run(repeated) for repeated in every.values()]
    raw = {r.writers: r for r in runs if r.backend == "raw sqlite3"}
    statements = next(r for r in runs if r.backend == STATEMENTS)

    outcome = Outcome()
    outcome.problems = [
        problem for repeated in every.values() for r in repeated for problem in r.problems
    ]
    outcome.lines.append(
        f"2. Reservation throughput: {count:,} reservations per run (one-line orders),"
        f" {cores()} CPUs; "
        + (f"median of {sizes.repeats} runs" if sizes.repeats > 1 else "one run")
        + " of each, on a fresh database"
    )
    outcome.lines.append("")
    header = (
        "backend",
        "writers",
        "µs/reservation",
        "reservations/s",
        "× raw 1 writer",
        "× raw same writers",
        "lock retries",
    )
    rows = []
    single = raw[1]
    for r in runs:
        if r.seconds <= 0:
            rows.append((r.backend, r.label, "failed", "", "", "", ""))
            continue
        same = raw.get(r.writers) if r.unit == "process" and r is not statements else None
        rows.append(
            (
                r.backend,
                r.label,
                f"{r.micros:,.1f}",
                f"{r.per_second:,.0f}",
                f"{r.micros / single.micros:,.1f}" if single.seconds > 0 else "",
                f"{r.micros / same.micros:,.1f}" if same and same.seconds > 0 else "",
                str(r.retries),
            )
        )
    outcome.lines += table(header, rows, align="llrrrrr")
    library = next(r for r in runs if r.backend == "custody sqlite" and r.writers == 1)
    if library.seconds > 0 and single.seconds > 0:
        ratio = library.micros / single.micros
        line = (
            f"\nconfirm_order on SQLite, 1 writer: {library.micros:,.1f} µs vs raw"
            f" {single.micros:,.1f} µs = {ratio:.1f}x"
        )
        if quick:
            line += " (quick: not checked)"
        else:
            line += f" ({verdict(ratio, TARGET)})"
            if ratio > TARGET:
                outcome.missed.append(f"confirm_order on SQLite: {ratio:.1f}x, target {TARGET:g}x")
        outcome.lines.append(line)
        if statements.seconds > 0:
            outcome.lines.append(
                f"the same statements with no Python around them: {statements.micros:,.1f} µs"
                f" = {statements.micros / single.micros:.1f}x raw; the library's own code"
                f" adds {library.micros - statements.micros:,.1f} µs"
                f" ({library.micros / statements.micros:.1f}x the statements)"
            )
    return outcome
