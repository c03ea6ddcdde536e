"""Benchmark 1: the cost of a stock report does not grow with the history before its period.

Two SQLite databases of one account and one counterparty with the same items in
one warehouse: a small and a large ledger. Both have the same recent window
(1 September up to today, 20 November 2026, generated from the same seed); the
large one has its extra history before it, spread over the three years before.

Reference data (account, counterparty, contract, warehouse, items) is created
through the API; the history is bulk-loaded straight into SQLite in one
transaction (receipts with their documents, delivery orders with their lines,
reservations, releases of cancelled orders, write-offs of delivered ones with
their shipments; balances equal to the sum of the movements; on hand never
negative). Then `close_periods()` stores the month-end snapshots through the
API, timed on its own as a one-off cost, and the current report (this month to
today) and last month's report are timed on both databases.
"""

from __future__ import annotations

import random
import sqlite3
import statistics
import time
import uuid
from collections import defaultdict
from collections.abc import Sequence
from contextlib import ExitStack
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from pathlib import Path

import custody_core
from benchmarks.common import ONE, Outcome, table, verdict
from custody_core import Principal
from custody_core.domain.stock import StockReport
from custody_core.services.desks import BackOffice
from custody_core.testing.clock import ManualClock

NOW = datetime(2026, 11, 20, 15, 0, tzinfo=UTC)
TODAY = NOW.date()
THIS_MONTH = TODAY.replace(day=1)
LAST_MONTH = (THIS_MONTH - timedelta(days=1)).replace(day=1)
#: The window both databases share: from here to today.
RECENT_START = date(2026, 9, 1)
#: The extra history of the large database: three years before the recent window.
HISTORY_START = date(2023, 9, 1)
COUNTERPARTY = "CLIENT"
WAREHOUSE = "W1"
TARGET = 2.0

#: Share of events that are receipts (the rest are delivery orders).
RECEIPT_SHARE = 0.07
#: Share of closed orders that are delivered (the rest are cancelled).
DELIVERED_SHARE = 0.9


@dataclass(frozen=True)
class Sizes:
    items: int
    small: int
    large: int
    recent: int
    runs: int


QUICK = Sizes(items=100, small=2_000, large=20_000, recent=1_000, runs=3)
FULL = Sizes(items=1_000, small=10_000, large=1_000_000, recent=6_000, runs=7)


@dataclass(frozen=True)
class Ids:
    account: str
    counterparty: str
    warehouse: str
    contract: str
    items: list[str]


@dataclass
class _Order:
    id: str
    number: int
    lines: list[tuple[int, int]]
    confirmed_at: str
    state: str = "confirmed"
    closed_at: str | None = None


@dataclass
class History:
    """A plausible ledger generated day by day, kept as rows ready for `executemany`."""

    ids: Ids
    on_hand: list[int] = field(init=False)
    reserved: list[int] = field(init=False)
    movements: list[tuple[object, ...]] = field(default_factory=list)
    documents: list[tuple[object, ...]] = field(default_factory=list)
    document_lines: list[tuple[object, ...]] = field(default_factory=list)
    orders: list[_Order] = field(default_factory=list)
    shipments: list[tuple[object, ...]] = field(default_factory=list)
    shipment_lines: list[tuple[object, ...]] = field(default_factory=list)
    due: dict[date, list[_Order]] = field(default_factory=lambda: defaultdict(list))
    #: Movements generated plus those the open orders will generate when they close.
    committed: int = 0
    rng: random.Random = field(default_factory=random.Random)
    _day: str = ""
    _tick: int = 0

    def __post_init__(self) -> None:
        self.on_hand = [0] * len(self.ids.items)
        self.reserved = [0] * len(self.ids.items)

    def window(
        self, first: date, last: date, total: int, seed: int, *, opening: bool, leave_open: bool
    ) -> None:
        """About `total / days` movements a day from `first` to `last`, exactly `total` in all.

        `opening` starts with a receipt of every item; orders that would close
        after `last` stay open (`leave_open`) or are closed on `last`.
        """
        self.rng = random.Random(seed)
        days = (last - first).days + 1
        start = self.committed
        for offset in range(days):
            day = first + timedelta(days=offset)
            self._start(day)
            if opening and offset == 0:
                count = len(self.ids.items)
                self._receipt(day, list(range(count)), 50, 100)
                self.committed += count
            for order in self.due.pop(day, []):
                self._close(order, day)
            target = start + round(total * (offset + 1) / days)
            while self.committed < target:
                self._event(day, last, target - self.committed, leave_open)
        for order in self.due.pop(last, []):
            self._close(order, last)
        assert self.committed == start + total, (self.committed, start, total)

    def _start(self, day: date) -> None:
        self._day = day.isoformat()
        self._tick = 0

    def _instant(self) -> str:
        self._tick += 1
        seconds = 8 * 3600 + self._tick
        hours, rest = divmod(seconds, 3600)
        return f"{self._day}T{hours:02d}:{rest // 60:02d}:{rest % 60:02d}.000000Z"

    def _event(self, day: date, last: date, remaining: int, leave_open: bool) -> None:
        rng = self.rng
        if remaining >= 2 and rng.random() >= RECEIPT_SHARE:
            close_on: date | None = day + timedelta(days=rng.randint(1, 6))
            cost = 2
            if close_on is not None and close_on > last:
                if leave_open:
                    close_on, cost = None, 1
                else:
                    close_on = last
            lines = self._pick(min(rng.randint(1, 3), remaining // cost))
            if lines:
                self._confirm(day, lines, close_on)
                self.committed += cost * len(lines)
                return
        count = min(rng.randint(3, 12), remaining, len(self.ids.items))
        self._receipt(day, rng.sample(range(len(self.ids.items)), count), 10, 40)
        self.committed += count

    def _pick(self, wanted: int) -> list[tuple[int, int]]:
        """Up to `wanted` (item, pieces) lines of distinct items with that much free stock."""
        chosen: dict[int, int] = {}
        for _ in range(wanted * 4):
            if len(chosen) == wanted:
                break
            item = self.rng.randrange(len(self.ids.items))
            pieces = self.rng.randint(1, 3)
            if item not in chosen and self.on_hand[item] - self.reserved[item] >= pieces:
                chosen[item] = pieces
        return list(chosen.items())

    def _movement(
        self, item: int, kind: str, pieces: int, document: tuple[str, str], order: str | None
    ) -> None:
        ids = self.ids
        self.movements.append(
            (
                ids.account,
                ids.counterparty,
                ids.warehouse,
                ids.items[item],
                kind,
                pieces * ONE,
                *document,
                order,
                self._day,
                self._instant(),
            )
        )

    def _receipt(self, day: date, items: Sequence[int], least: int, most: int) -> None:
        ids = self.ids
        receipt = str(uuid.uuid4())
        number = f"R-{len(self.documents) + 1:07d}"
        posted_at = self._instant()
        self.documents.append(
            (
                receipt,
                ids.account,
                "receipt",
                ids.counterparty,
                ids.contract,
                ids.warehouse,
                number,
                self._day,
                day.year,
                posted_at,
                "bench",
            )
        )
        for line_no, item in enumerate(items, 1):
            pieces = self.rng.randint(least, most)
            self.document_lines.append((receipt, line_no, ids.items[item], pieces * ONE))
            self.on_hand[item] += pieces
            self._movement(item, "receipt", pieces, ("receipt", receipt), None)

    def _confirm(self, day: date, lines: list[tuple[int, int]], close_on: date | None) -> None:
        order = _Order(str(uuid.uuid4()), len(self.orders) + 1, lines, self._instant())
        self.orders.append(order)
        for item, pieces in lines:
            self.reserved[item] += pieces
            self._movement(item, "reservation", pieces, ("delivery_order", order.id), order.id)
        if close_on is not None:
            self.due[close_on].append(order)

    def _close(self, order: _Order, day: date) -> None:
        order.closed_at = self._instant()
        if self.rng.random() < DELIVERED_SHARE:
            order.state = "delivered"
            shipment = str(uuid.uuid4())
            ids = self.ids
            self.shipments.append(
                (
                    shipment,
                    ids.account,
                    len(self.shipments) + 1,
                    self._day,
                    order.id,
                    ids.counterparty,
                    ids.warehouse,
                    order.closed_at,
                    "bench",
                )
            )
            for line_no, (item, pieces) in enumerate(order.lines, 1):
                self.shipment_lines.append((shipment, 0, line_no, ids.items[item], pieces * ONE))
                self.on_hand[item] -= pieces
                self.reserved[item] -= pieces
                assert self.on_hand[item] >= 0
                self._movement(item, "write_off", pieces, ("shipment", shipment), order.id)
        else:
            order.state = "cancelled"
            for item, pieces in order.lines:
                self.reserved[item] -= pieces
                self._movement(item, "release", pieces, ("delivery_order", order.id), order.id)

    def order_rows(
        self,
    ) -> tuple[list[tuple[object, ...]], list[tuple[object, ...]], list[tuple[object, ...]]]:
        """Rows of `orders`, `order_lines` and `order_handed_over` (quantities scaled by ONE)."""
        ids = self.ids
        order_rows: list[tuple[object, ...]] = []
        line_rows: list[tuple[object, ...]] = []
        handed_rows: list[tuple[object, ...]] = []
        for o in self.orders:
            order_rows.append(
                (
                    o.id,
                    ids.account,
                    o.number,
                    ids.counterparty,
                    ids.warehouse,
                    o.state,
                    2 if o.closed_at is None else 3,
                    o.confirmed_at,
                    o.confirmed_at,
                    o.closed_at,
                )
            )
            lines = [
                (o.id, n, ids.items[item], pieces * ONE)
                for n, (item, pieces) in enumerate(o.lines, 1)
            ]
            line_rows += lines
            if o.state == "delivered":
                handed_rows += lines
        return order_rows, line_rows, handed_rows

    def balance_rows(self) -> list[tuple[object, ...]]:
        """Rows of `balances` (quantities scaled by ONE): the sums of the movements."""
        ids = self.ids
        return [
            (ids.account, ids.counterparty, ids.warehouse, item, on_hand * ONE, held * ONE)
            for item, on_hand, held in zip(ids.items, self.on_hand, self.reserved, strict=True)
        ]

    def load(self, path: Path) -> None:
        """Insert everything in one transaction, foreign keys checked."""
        ids = self.ids
        order_rows, line_rows, handed_rows = self.order_rows()
        connection = sqlite3.connect(path, isolation_level=None)
        try:
            connection.execute("PRAGMA foreign_keys = ON")
            # A fixture, not data to keep: a large page cache and no fsync make loading fast.
            connection.execute("PRAGMA cache_size = -1000000")
            connection.execute("PRAGMA synchronous = OFF")
            connection.execute("BEGIN IMMEDIATE")
            db = connection.executemany
            db(
                "INSERT INTO documents (id, account_id, kind, counterparty_id, contract_id,"
                " warehouse_id, number, document_date, document_year, posted_at, posted_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self.documents,
            )
            db(
                "INSERT INTO document_lines (document_id, line_no, item_id, quantity)"
                " VALUES (?, ?, ?, ?)",
                self.document_lines,
            )
            db(
                "INSERT INTO orders (id, account_id, number, counterparty_id, warehouse_id, state,"
                " version, created_at, confirmed_at, closed_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                order_rows,
            )
            db("INSERT INTO order_lines VALUES (?, ?, ?, ?)", line_rows)
            db("INSERT INTO order_handed_over VALUES (?, ?, ?, ?)", handed_rows)
            db(
                "INSERT INTO shipments (id, account_id, number, shipment_date, order_id,"
                " counterparty_id, warehouse_id, posted_at, posted_by)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self.shipments,
            )
            db(
                "INSERT INTO shipment_lines (shipment_id, refused, line_no, item_id, quantity)"
                " VALUES (?, ?, ?, ?, ?)",
                self.shipment_lines,
            )
            db(
                "INSERT INTO movements (account_id, counterparty_id, warehouse_id, item_id, kind,"
                " quantity, document_kind, document_id, order_id, occurred_on, posted_at)"
                " VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                self.movements,
            )
            db(
                "INSERT INTO balances (account_id, counterparty_id, warehouse_id, item_id,"
                " on_hand, reserved) VALUES (?, ?, ?, ?, ?, ?)",
                self.balance_rows(),
            )
            connection.execute(
                "INSERT INTO order_numbers (account_id, last) VALUES (?, ?)",
                (ids.account, len(self.orders)),
            )
            connection.execute(
                "INSERT INTO document_numbers (account_id, series, last) VALUES (?, 'shipment', ?)",
                (ids.account, len(self.shipments)),
            )
            connection.execute("COMMIT")
        finally:
            connection.close()


def set_up(office: BackOffice, items: int) -> Ids:
    """Reference data through the API: one counterparty with `items` items in one warehouse."""
    warehouse = office.add_warehouse(WAREHOUSE, "Main warehouse")
    counterparty = office.add_counterparty(COUNTERPARTY, "Client")
    contract = office.add_contract(COUNTERPARTY, "C-1")
    item_ids = [
        str(office.add_item(COUNTERPARTY, f"SKU-{n:05d}", f"Item {n}").id)
        for n in range(1, items + 1)
    ]
    return Ids(
        str(office.principal.account_id),
        str(counterparty.id),
        str(warehouse.id),
        str(contract.id),
        item_ids,
    )


@dataclass
class Database:
    """One fixture: its size, its build and month-closing times, its report times."""

    label: str
    movements: int
    path: Path
    office: BackOffice
    build_seconds: float = 0.0
    close_seconds: float = 0.0
    closed_months: int = 0
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))
    shapes: dict[str, tuple[int, int]] = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def report(self, name: str) -> StockReport:
        first, last = PERIODS[name]
        if name == "current":
            return self.office.stock_report(COUNTERPARTY)
        return self.office.stock_report(COUNTERPARTY, date_from=first, date_to=last)

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])


#: The two reports timed: this month up to today (the default period) and last month.
PERIODS = {
    "current": (THIS_MONTH, TODAY),
    "last month": (LAST_MONTH, THIS_MONTH - timedelta(days=1)),
}


def build(stack: ExitStack, folder: Path, label: str, total: int, sizes: Sizes) -> Database:
    """The fixture of `total` movements, checked, with its months closed through the API."""
    path = folder / f"reports-{label}.sqlite"
    started = time.perf_counter()
    app = stack.enter_context(
        custody_core.open(f"sqlite:///{path}", clock=ManualClock(NOW), entry_points=False)
    )
    account = app.create_account(f"bench-{label}", "Benchmark", time_zone="UTC")
    office = app.back_office(Principal.manager(account.id, "bench"))
    history = History(set_up(office, sizes.items))
    history.window(
        HISTORY_START,
        RECENT_START - timedelta(days=1),
        total - sizes.recent,
        seed=1,
        opening=True,
        leave_open=False,
    )
    history.window(RECENT_START, TODAY, sizes.recent, seed=2, opening=False, leave_open=True)
    assert len(history.movements) == total
    history.load(path)
    del history
    db = Database(label, total, path, office, build_seconds=time.perf_counter() - started)
    db.problems += fixture_problems(path)

    started = time.perf_counter()
    db.closed_months = len(office.close_periods())
    db.close_seconds = time.perf_counter() - started
    return db


def measure(databases: Sequence[Database], runs: int) -> None:
    """Time every report of every database `runs` times, interleaved, after one warm-up round."""
    for round_ in range(runs + 1):
        for db in databases:
            for name in PERIODS:
                started = time.perf_counter()
                db.report(name)
                elapsed = time.perf_counter() - started
                if round_:
                    db.times[name].append(elapsed)
    for db in databases:
        reports = {name: db.report(name) for name in PERIODS}
        for name, report in reports.items():
            db.shapes[name] = shape(report, db.path, *PERIODS[name])
        db.problems += report_problems(
            stored_balances(db.path), reports["current"], reports["last month"]
        )
        db.problems = [f"reports, {db.label}: {problem}" for problem in db.problems]


def shape(report: StockReport, path: Path, first: date, last: date) -> tuple[int, int]:
    """(lines, movements dated in the period) of a report."""
    connection = sqlite3.connect(path)
    try:
        (count,) = connection.execute(
            "SELECT count(*) FROM movements WHERE occurred_on BETWEEN ? AND ?",
            (first.isoformat(), last.isoformat()),
        ).fetchone()
    finally:
        connection.close()
    return len(report.lines), int(count)


_ON_HAND = (
    "CASE kind WHEN 'receipt' THEN quantity WHEN 'write_off' THEN -quantity"
    " WHEN 'receipt_reversal' THEN -quantity WHEN 'write_off_reversal' THEN quantity ELSE 0 END"
)
_RESERVED = (
    "CASE kind WHEN 'reservation' THEN quantity WHEN 'release' THEN -quantity"
    " WHEN 'write_off' THEN -quantity WHEN 'write_off_reversal' THEN quantity ELSE 0 END"
)


def fixture_problems(path: Path) -> list[str]:
    """The bulk-loaded ledger is consistent: balances = sums, never negative, holds = orders."""
    problems = []
    connection = sqlite3.connect(path)
    try:
        (differing,) = connection.execute(
            f"SELECT count(*) FROM balances b LEFT JOIN (SELECT item_id, sum({_ON_HAND}) AS h,"
            f" sum({_RESERVED}) AS r FROM movements GROUP BY item_id) m USING (item_id)"
            " WHERE m.h IS NOT b.on_hand OR m.r IS NOT b.reserved"
        ).fetchone()
        if differing:
            problems.append(f"{differing} balances differ from the sum of their movements")
        low_on_hand, low_reserved = connection.execute(
            f"SELECT min(h), min(r) FROM (SELECT sum({_ON_HAND}) OVER w AS h,"
            f" sum({_RESERVED}) OVER w AS r FROM movements"
            " WINDOW w AS (PARTITION BY item_id ORDER BY seq))"
        ).fetchone()
        if low_on_hand < 0 or low_reserved < 0:
            problems.append("on hand or reserved goes below zero somewhere in the ledger")
        (open_orders,) = connection.execute(
            "SELECT count(*) FROM orders WHERE state = 'confirmed'"
        ).fetchone()
        (holding,) = connection.execute(
            "SELECT count(*) FROM (SELECT order_id FROM movements WHERE order_id IS NOT NULL"
            f" GROUP BY order_id HAVING sum({_RESERVED}) > 0)"
        ).fetchone()
        if open_orders != holding:
            problems.append(f"{open_orders} confirmed orders but {holding} orders hold reserve")
    finally:
        connection.close()
    return problems


def stored_balances(path: Path) -> dict[str, tuple[Decimal, Decimal]]:
    """Item id -> (on hand, reserved) of the `balances` table, nonzero rows only."""
    connection = sqlite3.connect(path)
    try:
        return {
            str(item): (Decimal(on_hand) / ONE, Decimal(reserved) / ONE)
            for item, on_hand, reserved in connection.execute(
                "SELECT item_id, on_hand, reserved FROM balances WHERE on_hand > 0 OR reserved > 0"
            )
        }
    finally:
        connection.close()


def report_problems(
    balances: dict[str, tuple[Decimal, Decimal]], current: StockReport, last_month: StockReport
) -> list[str]:
    """Closing = balances table; opening + received - delivered = closing; months chain."""
    problems = []
    closing = {
        str(line.item.id): (line.on_hand, line.reserved)
        for line in current.lines
        if line.on_hand or line.reserved
    }
    if closing != balances:
        problems.append(
            f"current report's closing figures differ from the balances table"
            f" ({len(closing)} lines, {len(balances)} balances)"
        )
    for report, name in ((current, "current"), (last_month, "last month's")):
        for line in report.lines:
            on_hand = line.opening_on_hand + line.received - line.delivered
            reserved = line.opening_reserved + line.reservations - line.released - line.delivered
            if on_hand != line.on_hand or reserved != line.reserved:
                problems.append(f"{name} report, {line.item.sku}: opening + flows != closing")
                break
            if sum((hold.reserved for hold in line.holds), Decimal(0)) != line.reserved:
                problems.append(f"{name} report, {line.item.sku}: holds != reserved")
                break
    ended = {
        str(line.item.id): (line.on_hand, line.reserved)
        for line in last_month.lines
        if line.on_hand or line.reserved
    }
    opened = {
        str(line.item.id): (line.opening_on_hand, line.opening_reserved)
        for line in current.lines
        if line.opening_on_hand or line.opening_reserved
    }
    if ended != opened:
        problems.append("last month's closing differs from this month's opening")
    return problems


def run(folder: Path, quick: bool) -> Outcome:
    sizes = QUICK if quick else FULL
    with ExitStack() as stack:
        small = build(stack, folder, "small", sizes.small, sizes)
        large = build(stack, folder, "large", sizes.large, sizes)
        measure([small, large], sizes.runs)
    outcome = Outcome()
    outcome.problems = small.problems + large.problems
    outcome.lines.append(
        f"1. Stock report vs history (SQLite): {sizes.items:,} items in one warehouse;"
        f" {sizes.small:,} vs {sizes.large:,} movements, the extra history dated"
        f" {HISTORY_START}..{RECENT_START - timedelta(days=1)}; today {TODAY};"
        f" median of {sizes.runs} interleaved runs"
    )
    outcome.lines.append("")
    header = (
        "database",
        "movements",
        "build s",
        "close_periods s",
        "months",
        "report",
        "period",
        "lines",
        "movements in period",
        "median ms",
    )
    rows = [
        (
            db.label,
            f"{db.movements:,}",
            f"{db.build_seconds:.1f}",
            f"{db.close_seconds:.2f}",
            str(db.closed_months),
            name,
            f"{first}..{last}",
            f"{db.shapes[name][0]:,}",
            f"{db.shapes[name][1]:,}",
            f"{db.median(name) * 1000:.1f}",
        )
        for db in (small, large)
        for name, (first, last) in PERIODS.items()
    ]
    outcome.lines += table(header, rows, align="lrrrrllrrr")
    outcome.lines.append("")
    for name in PERIODS:
        ratio = large.median(name) / small.median(name)
        line = f"{name} report: {sizes.large:,} / {sizes.small:,} movements = {ratio:.2f}x"
        if quick:
            line += " (quick: not checked)"
        else:
            line += f" ({verdict(ratio, TARGET)})"
            if ratio > TARGET:
                outcome.missed.append(f"{name} report: {ratio:.2f}x, target {TARGET:g}x")
        outcome.lines.append(line)
    outcome.lines.append(
        "build = API set-up + generating + bulk-loading the ledger; close_periods = the one-off"
        " month-end snapshots, not part of a report's cost"
    )
    return outcome
