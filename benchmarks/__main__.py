"""Reservation throughput: the library on SQLite and memory:// against a raw sqlite3 baseline.

    python -m benchmarks            # full sizes, timings worth reading
    python -m benchmarks --quick    # small sizes: a smoke run that checks the invariants

Every run ends by checking the invariants of each database it built (reserved in
the stock report equals the number of reservations, every order is confirmed,
stored balances equal a replay of the ledger); the exit status is 1 if any fails.
"""

from __future__ import annotations

import argparse
import importlib.metadata
import os
import platform
import sqlite3
import sys
import tempfile
import time
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from pathlib import Path

import custody_core
from custody_core import LineDraft, OrderDraft, OrderState, Principal, ReceiptDraft
from custody_core.domain.ledger import MovementKind, replay
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice

QUICK_RESERVATIONS = 200
FULL_RESERVATIONS = 5000
COUNTERPARTY = "BENCH"
WAREHOUSE = "W1"
SKU = "ITEM-1"
#: One piece at the storage scale (10**-6 units), as the library stores it.
ONE = 1_000_000


@dataclass(frozen=True)
class Measurement:
    """`operations` runs of one operation that took `seconds` in total."""

    backend: str
    operation: str
    operations: int
    seconds: float

    @property
    def micros(self) -> float:
        return self.seconds / self.operations * 1e6

    @property
    def per_second(self) -> float:
        return self.operations / self.seconds if self.seconds else float("inf")


@dataclass
class Outcome:
    measurements: list[Measurement]
    problems: list[str]


# (a) The raw sqlite3 baseline ---------------------------------------------------------------


def raw_baseline(path: Path, count: int) -> Outcome:
    """Per transaction: BEGIN IMMEDIATE, INSERT a movement, UPDATE a balance, COMMIT."""
    connection = sqlite3.connect(path, isolation_level=None)
    try:
        connection.execute("PRAGMA journal_mode = WAL")
        connection.execute("PRAGMA synchronous = NORMAL")
        connection.execute(
            "CREATE TABLE movements (seq INTEGER PRIMARY KEY, item_id TEXT NOT NULL,"
            " kind TEXT NOT NULL, quantity INTEGER NOT NULL, posted_at TEXT NOT NULL)"
        )
        connection.execute(
            "CREATE TABLE balances (item_id TEXT PRIMARY KEY, on_hand INTEGER NOT NULL,"
            " reserved INTEGER NOT NULL) WITHOUT ROWID"
        )
        connection.execute("INSERT INTO balances VALUES (?, ?, 0)", (SKU, count * ONE))
        posted_at = "2026-11-20T09:00:00.000000Z"
        started = time.perf_counter()
        for _ in range(count):
            connection.execute("BEGIN IMMEDIATE")
            connection.execute(
                "INSERT INTO movements (item_id, kind, quantity, posted_at)"
                " VALUES (?, 'reservation', ?, ?)",
                (SKU, ONE, posted_at),
            )
            connection.execute(
                "UPDATE balances SET reserved = reserved + ? WHERE item_id = ?", (ONE, SKU)
            )
            connection.execute("COMMIT")
        elapsed = time.perf_counter() - started

        problems = []
        (reserved,) = connection.execute(
            "SELECT reserved FROM balances WHERE item_id = ?", (SKU,)
        ).fetchone()
        (rows,) = connection.execute("SELECT count(*) FROM movements").fetchone()
        if reserved != count * ONE or rows != count:
            problems.append(f"raw sqlite3: reserved {reserved}, {rows} movements; expected {count}")
    finally:
        connection.close()
    operation = "BEGIN IMMEDIATE + INSERT + UPDATE + COMMIT"
    return Outcome([Measurement("raw sqlite3", operation, count, elapsed)], problems)


# (b), (c) The library's use cases -----------------------------------------------------------


def set_up(app: Application, on_hand: int) -> BackOffice:
    """An account with one counterparty that keeps `on_hand` pieces of one item."""
    account = app.create_account("bench", "Benchmark")
    office = app.back_office(Principal.manager(account.id, "bench-manager"))
    office.add_warehouse(WAREHOUSE, "Main")
    office.add_counterparty(COUNTERPARTY, "Benchmark client")
    office.add_contract(COUNTERPARTY, "B-1")
    office.add_item(COUNTERPARTY, SKU, "Benchmark item")
    office.post_receipt(
        ReceiptDraft("R-1", date(2026, 11, 2), COUNTERPARTY, WAREHOUSE, [LineDraft(SKU, on_hand)])
    )
    return office


def library_run(backend: str, url: str, count: int) -> Outcome:
    """`count` reservations, each `create_order` then `confirm_order` of one line."""
    draft = OrderDraft(WAREHOUSE, [LineDraft(SKU, 1)], counterparty=COUNTERPARTY)
    with custody_core.open(url, entry_points=False) as app:
        office = set_up(app, on_hand=count)
        creating = confirming = 0.0
        for _ in range(count):
            started = time.perf_counter()
            order = office.create_order(draft)
            created = time.perf_counter()
            office.confirm_order(order.number)
            confirmed = time.perf_counter()
            creating += created - started
            confirming += confirmed - created
        problems = [f"{backend}: {problem}" for problem in invariants(app, office, count)]
    measurements = [
        Measurement(backend, "confirm_order", count, confirming),
        Measurement(backend, "create_order + confirm_order", count, creating + confirming),
    ]
    return Outcome(measurements, problems)


def invariants(app: Application, office: BackOffice, count: int) -> list[str]:
    """What must hold after `count` one-piece reservations of `count` pieces on hand."""
    problems = []
    lines = office.stock_report(COUNTERPARTY).lines
    if len(lines) != 1:
        return [f"expected one stock line, found {len(lines)}"]
    line = lines[0]
    if line.on_hand != count or line.reserved != count:
        problems.append(f"on hand {line.on_hand}, reserved {line.reserved}; expected {count}")
    if len(line.holds) != count or any(hold.shortage for hold in line.holds):
        problems.append(f"{len(line.holds)} holds, expected {count} without shortage")

    orders = office.orders(COUNTERPARTY)
    if [order.number for order in orders] != list(range(1, count + 1)):
        problems.append("order numbers are not 1..count")
    if any(order.state is not OrderState.CONFIRMED for order in orders):
        problems.append("not every order is confirmed")

    account_id = office.principal.account_id
    with app.storage.unit_of_work() as uow:
        movements = list(uow.ledger.movements(account_id))
        counterparty = uow.counterparties.by_code(account_id, COUNTERPARTY)
        assert counterparty is not None
        stored = {b.key: b for b in uow.ledger.counterparty_balances(account_id, counterparty.id)}
    if stored != replay(movements):
        problems.append("stored balances differ from a replay of the ledger")
    reserved = sum(
        (m.quantity for m in movements if m.kind is MovementKind.RESERVATION), Decimal(0)
    )
    if reserved != count:
        problems.append(f"the ledger reserves {reserved}, expected {count}")
    return problems


# Running and reporting ----------------------------------------------------------------------


def environment() -> list[str]:
    try:
        version = importlib.metadata.version("custody-core")
    except importlib.metadata.PackageNotFoundError:
        version = "not installed"
    return [
        f"custody-core {version}",
        f"Python {platform.python_version()} ({platform.python_implementation()}),"
        f" SQLite {sqlite3.sqlite_version}",
        f"{platform.platform()}, {os.cpu_count()} CPUs",
    ]


def table(measurements: Sequence[Measurement], baseline: Measurement) -> list[str]:
    header = ("backend", "operation", "n", "µs/op", "ops/s", "× raw")
    rows = [
        (
            m.backend,
            m.operation,
            str(m.operations),
            f"{m.micros:,.1f}",
            f"{m.per_second:,.0f}",
            f"{m.micros / baseline.micros:,.1f}",
        )
        for m in measurements
    ]
    widths = [max(len(row[i]) for row in [header, *rows]) for i in range(len(header))]

    def render(row: Sequence[str]) -> str:
        left = [cell.ljust(width) for cell, width in zip(row[:2], widths[:2], strict=True)]
        right = [cell.rjust(width) for cell, width in zip(row[2:], widths[2:], strict=True)]
        return "  ".join(left + right)

    return [render(header), "  ".join("-" * width for width in widths), *map(render, rows)]


def parse(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m benchmarks", description=__doc__.splitlines()[0]
    )
    parser.add_argument(
        "--quick",
        action="store_true",
        help=f"{QUICK_RESERVATIONS} reservations: check the invariants, timings are indicative",
    )
    parser.add_argument("--count", type=int, help="number of reservations per run")
    return parser.parse_args(argv)


def main(argv: Sequence[str] | None = None) -> int:
    args = parse(argv)
    count = args.count
    if count is None:
        count = QUICK_RESERVATIONS if args.quick else FULL_RESERVATIONS
    if count < 1:
        print("benchmarks: --count must be positive", file=sys.stderr)
        return 2
    for line in environment():
        print(line)
    mode = "quick: invariants only, timings indicative" if args.quick else "full"
    print(f"{count} reservations per run ({mode})\n")

    with tempfile.TemporaryDirectory(prefix="custody-bench-") as folder:
        outcomes = [
            raw_baseline(Path(folder) / "raw.sqlite", count),
            library_run("custody sqlite", f"sqlite:///{Path(folder) / 'custody.sqlite'}", count),
            library_run("custody memory", "memory://", count),
        ]
    measurements = [m for outcome in outcomes for m in outcome.measurements]
    problems = [problem for outcome in outcomes for problem in outcome.problems]

    baseline = measurements[0]
    for line in table(measurements, baseline):
        print(line)
    confirm = next(m for m in measurements if m.backend == "custody sqlite")
    ratio = confirm.micros / baseline.micros
    print(f"\nconfirm_order on SQLite costs {ratio:.1f}× the raw baseline transaction")

    if problems:
        print("\nINVARIANTS FAILED:", file=sys.stderr)
        for problem in problems:
            print(f"  {problem}", file=sys.stderr)
        return 1
    print("invariants hold: reserved = reservations, all confirmed, balances = ledger replay")
    return 0


if __name__ == "__main__":
    sys.exit(main())
