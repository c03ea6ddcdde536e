"""Benchmark 4: PostgreSQL against SQLite, measured in the same run.

1. Reservation throughput: `confirm_order` of one-line drafts (as in
   `benchmarks.reservations`) by 1, 4 and 8 writer processes at once, on a
   fresh PostgreSQL schema and on a fresh SQLite file each time.
2. The stock report over a long ledger (1,000,000 movements at full size):
   one history generated once (`benchmarks.reports.History`, same seeds) and
   bulk-loaded into both databases, whose reference data is created through
   the API with the same ids; `close_periods()` through the API on both; then
   the current and last month's report, interleaved, median of each. Both
   databases must give equal reports. A breakdown times what the PostgreSQL
   report reads through the repositories, and month closing, against single
   SQL queries over the same rows.

The server is CUSTODY_POSTGRES_URL (default postgres on 127.0.0.1, database
`test`). Every PostgreSQL database is a schema of its own (the URL sets its
search_path), dropped afterwards.
"""

from __future__ import annotations

import os
import random
import statistics
import time
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from contextlib import ExitStack, contextmanager
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

import psycopg

from benchmarks import reports
from benchmarks.common import ONE, Outcome, cores, open_url, table
from benchmarks.reservations import ITEMS, Run, library_run, median_run
from custody_core import Principal
from custody_core.domain.stock import StockReport
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice
from custody_core.testing.clock import ManualClock

SERVER = os.environ.get("CUSTODY_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")
PG = "custody postgresql"
SQLITE = "custody sqlite"


@dataclass(frozen=True)
class Sizes:
    reservations: int
    writers: tuple[int, ...]
    repeats: int
    ledger: reports.Sizes


QUICK = Sizes(
    reservations=100,
    writers=(1, 2),
    repeats=1,
    ledger=reports.Sizes(items=50, small=0, large=5_000, recent=1_000, runs=1),
)
FULL = Sizes(
    reservations=2_000,
    writers=(1, 4, 8),
    repeats=3,
    ledger=reports.Sizes(items=1_000, small=0, large=1_000_000, recent=6_000, runs=7),
)


def server_version() -> str:
    with psycopg.connect(SERVER, connect_timeout=10) as connection:
        row = connection.execute("SHOW server_version").fetchone()
    return "unknown" if row is None else str(row[0])


@contextmanager
def fresh_schema() -> Iterator[str]:
    """A new, empty schema on the server; the URL whose sessions work in it. Dropped after."""
    name = f"custody_bench_{uuid4().hex[:16]}"
    with psycopg.connect(SERVER, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{name}"')
    try:
        separator = "&" if "?" in SERVER else "?"
        yield f"{SERVER}{separator}options={quote(f'-csearch_path={name}')}"
    finally:
        with psycopg.connect(SERVER, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{name}" CASCADE')


# 1. Reservation throughput --------------------------------------------------------------------


def postgres_run(count: int, writers: int) -> Run:
    with fresh_schema() as url:
        return library_run(url, PG, count, writers)


def throughput(folder: Path, sizes: Sizes, count: int) -> Outcome:
    every: dict[tuple[str, int], list[Run]] = defaultdict(list)
    for repeat in range(sizes.repeats):
        for writers in sizes.writers:
            path = folder / f"postgres-vs-sqlite-{writers}-{repeat}.sqlite"
            for one in (
                postgres_run(count, writers),
                library_run(f"sqlite:///{path}", SQLITE, count, writers),
            ):
                every[one.backend, one.writers].append(one)
            path.unlink(missing_ok=True)
    runs = {key: median_run(repeated) for key, repeated in every.items()}
    outcome = Outcome()
    outcome.problems = [p for repeated in every.values() for r in repeated for p in r.problems]
    outcome.lines.append(
        f"4a. Reservation throughput, PostgreSQL vs SQLite: {count:,} confirm_order per run"
        f" (one-line orders over {ITEMS} items), {cores()} CPUs; "
        + (f"median of {sizes.repeats} runs" if sizes.repeats > 1 else "one run")
        + " of each, on a fresh database"
    )
    outcome.lines.append("")
    rows = []
    for writers in sizes.writers:
        pg, lite = runs[PG, writers], runs[SQLITE, writers]
        for r in (pg, lite):
            if r.seconds <= 0:
                rows.append((r.backend, r.label, "failed", "", "", "", ""))
                continue
            first = runs[r.backend, sizes.writers[0]]
            rows.append(
                (
                    r.backend,
                    r.label,
                    f"{r.micros:,.1f}",
                    f"{r.per_second:,.0f}",
                    f"{r.per_second / first.per_second:.2f}" if first.seconds > 0 else "",
                    (
                        f"{pg.per_second / lite.per_second:.2f}"
                        if r is pg and lite.seconds > 0
                        else ""
                    ),
                    str(r.retries),
                )
            )
    header = (
        "backend",
        "writers",
        "µs/reservation",
        "reservations/s",
        "× own 1 writer",
        "PostgreSQL/SQLite",
        "retries",
    )
    outcome.lines += table(header, rows, align="llrrrrr")
    return outcome


# 2. The stock report over a long ledger -------------------------------------------------------


def ids_from(seed: int) -> Callable[[], UUID]:
    """Ids drawn from a seeded generator: two applications making the same calls get the same."""
    rng = random.Random(seed)
    return lambda: UUID(int=rng.getrandbits(128), version=4)


def pieces(rows: Sequence[tuple[object, ...]], column: int) -> Iterator[tuple[object, ...]]:
    """Rows with the quantity at `column` in pieces (NUMERIC) instead of counts of 10**-6."""
    for row in rows:
        quantity = row[column]
        assert isinstance(quantity, int)
        yield (*row[:column], Decimal(quantity) / ONE, *row[column + 1 :])


def load_postgres(history: reports.History, url: str) -> None:
    """Everything in one transaction with COPY, foreign keys checked; then VACUUM ANALYZE."""
    ids = history.ids
    order_rows, line_rows, handed_rows = history.order_rows()
    tables: list[tuple[str, Iterator[tuple[object, ...]] | Sequence[tuple[object, ...]]]] = [
        (
            "documents (id, account_id, kind, counterparty_id, contract_id, warehouse_id, number,"
            " document_date, document_year, posted_at, posted_by)",
            history.documents,
        ),
        (
            "document_lines (document_id, line_no, item_id, quantity)",
            pieces(history.document_lines, 3),
        ),
        (
            "orders (id, account_id, number, counterparty_id, warehouse_id, state, version,"
            " created_at, confirmed_at, closed_at)",
            order_rows,
        ),
        ("order_lines (order_id, line_no, item_id, quantity)", pieces(line_rows, 3)),
        ("order_handed_over (order_id, line_no, item_id, quantity)", pieces(handed_rows, 3)),
        (
            "shipments (id, account_id, number, shipment_date, order_id, counterparty_id,"
            " warehouse_id, posted_at, posted_by)",
            history.shipments,
        ),
        (
            "shipment_lines (shipment_id, refused, line_no, item_id, quantity)",
            (
                (s, bool(refused), n, item, q)
                for s, refused, n, item, q in pieces(history.shipment_lines, 4)
            ),
        ),
        (
            "movements (account_id, counterparty_id, warehouse_id, item_id, kind, quantity,"
            " document_kind, document_id, order_id, occurred_on, posted_at)",
            pieces(history.movements, 5),
        ),
        (
            "balances (account_id, counterparty_id, warehouse_id, item_id, on_hand, reserved)",
            pieces(list(pieces(history.balance_rows(), 4)), 5),
        ),
    ]
    with psycopg.connect(url) as connection:
        with connection.cursor() as cursor:
            for target, rows in tables:
                with cursor.copy(f"COPY {target} FROM STDIN") as copy:
                    for row in rows:
                        copy.write_row(row)
            cursor.execute(
                "INSERT INTO order_numbers (account_id, last) VALUES (%s, %s)",
                (ids.account, len(history.orders)),
            )
            cursor.execute(
                "INSERT INTO document_numbers (account_id, series, last)"
                " VALUES (%s, 'shipment', %s)",
                (ids.account, len(history.shipments)),
            )
        connection.commit()
    with psycopg.connect(url, autocommit=True) as connection:
        # Only this schema's tables (a bare VACUUM would visit the whole database).
        loaded = ", ".join(target.split(" ", 1)[0] for target, _ in tables)
        connection.execute(f"VACUUM ANALYZE {loaded}, order_numbers, document_numbers")


_ON_HAND = reports._ON_HAND
_RESERVED = reports._RESERVED


def postgres_fixture_problems(url: str) -> list[str]:
    """The checks of `reports.fixture_problems`, in PostgreSQL's SQL."""
    problems = []
    with psycopg.connect(url) as connection:
        row = connection.execute(
            f"SELECT count(*) FROM balances b LEFT JOIN (SELECT item_id, sum({_ON_HAND}) AS h,"
            f" sum({_RESERVED}) AS r FROM movements GROUP BY item_id) m USING (item_id)"
            " WHERE m.h IS DISTINCT FROM b.on_hand OR m.r IS DISTINCT FROM b.reserved"
        ).fetchone()
        if row is None or row[0]:
            problems.append(f"{row} balances differ from the sum of their movements")
        row = connection.execute(
            f"SELECT min(h), min(r) FROM (SELECT sum({_ON_HAND}) OVER w AS h,"
            f" sum({_RESERVED}) OVER w AS r FROM movements"
            " WINDOW w AS (PARTITION BY item_id ORDER BY seq)) s"
        ).fetchone()
        if row is None or row[0] < 0 or row[1] < 0:
            problems.append("on hand or reserved goes below zero somewhere in the ledger")
        opened = connection.execute(
            "SELECT count(*) FROM orders WHERE state = 'confirmed'"
        ).fetchone()
        holding = connection.execute(
            "SELECT count(*) FROM (SELECT order_id FROM movements WHERE order_id IS NOT NULL"
            f" GROUP BY order_id HAVING sum({_RESERVED}) > 0) s"
        ).fetchone()
        if opened != holding:
            problems.append(f"{opened} confirmed orders but {holding} orders hold reserve")
    return problems


def postgres_balances(url: str) -> dict[str, tuple[Decimal, Decimal]]:
    with psycopg.connect(url) as connection:
        rows = connection.execute(
            "SELECT item_id, on_hand, reserved FROM balances WHERE on_hand > 0 OR reserved > 0"
        ).fetchall()
    return {str(item): (on_hand, reserved) for item, on_hand, reserved in rows}


@dataclass
class Ledger:
    """One database of the report benchmark."""

    backend: str
    url: str
    office: BackOffice
    app: Application
    load_seconds: float = 0.0
    close_seconds: float = 0.0
    closed_months: int = 0
    times: dict[str, list[float]] = field(default_factory=lambda: defaultdict(list))

    def report(self, name: str) -> StockReport:
        first, last = reports.PERIODS[name]
        if name == "current":
            return self.office.stock_report(reports.COUNTERPARTY)
        return self.office.stock_report(reports.COUNTERPARTY, date_from=first, date_to=last)

    def median(self, name: str) -> float:
        return statistics.median(self.times[name])


def open_ledger(stack: ExitStack, backend: str, url: str, items: int) -> tuple[Ledger, reports.Ids]:
    app = stack.enter_context(open_url(url, clock=ManualClock(reports.NOW), new_id=ids_from(4)))
    account = app.create_account("bench-ledger", "Benchmark", time_zone="UTC")
    office = app.back_office(Principal.manager(account.id, "bench"))
    return Ledger(backend, url, office, app), reports.set_up(office, items)


def comparable(report: StockReport) -> tuple[object, ...]:
    return report.period_start, report.period_end, report.lines


@dataclass
class Breakdown:
    rows: list[tuple[str, str, str]] = field(default_factory=list)

    def time(self, label: str, repository: Callable[[], int], sql: Callable[[], int]) -> None:
        """Median of 5 of each; both give the number of rows they produced."""
        spent: dict[str, list[float]] = {"repository": [], "sql": []}
        counts = {}
        for _ in range(5):
            for name, call in (("repository", repository), ("sql", sql)):
                started = time.perf_counter()
                counts[name] = call()
                spent[name].append(time.perf_counter() - started)
        slow, fast = (statistics.median(spent[name]) * 1000 for name in ("repository", "sql"))
        self.rows.append(
            (
                label,
                f"{slow:,.1f} ms ({counts['repository']:,} rows)",
                f"{fast:,.1f} ms ({counts['sql']:,} rows)",
            )
        )


def breakdown(ledger: Ledger, ids: reports.Ids, months: int) -> list[str]:
    """What the PostgreSQL report reads, and month closing, against SQL queries of the same."""
    account, counterparty = UUID(ids.account), UUID(ids.counterparty)
    storage = ledger.app.storage
    last_closed = reports.THIS_MONTH - timedelta(days=1)
    month_start = reports.LAST_MONTH - timedelta(days=1)
    result = Breakdown()
    # One connection kept open for the SQL side, as the repositories' pool keeps theirs.
    connection = psycopg.connect(ledger.url, autocommit=True)

    def totals(after: date, through: date) -> Callable[[], int]:
        def read() -> int:
            with storage.unit_of_work() as uow:
                return len(uow.ledger.totals(account, counterparty, after, through))

        return read

    def sums(after: date, through: date) -> Callable[[], int]:
        def read() -> int:
            return len(
                connection.execute(
                    "SELECT warehouse_id, item_id, kind, order_id, sum(quantity) FROM movements"
                    " WHERE account_id = %s AND counterparty_id = %s AND occurred_on > %s"
                    " AND occurred_on <= %s GROUP BY warehouse_id, item_id, kind, order_id",
                    (account, counterparty, after, through),
                ).fetchall()
            )

        return read

    result.time(
        "current report: the period's movements summed (Ledger.totals vs its GROUP BY alone)",
        totals(last_closed, reports.TODAY),
        sums(last_closed, reports.TODAY),
    )
    result.time(
        "one month's movements summed (Ledger.totals vs its GROUP BY alone)",
        totals(month_start, last_closed),
        sums(month_start, last_closed),
    )

    def snapshot() -> int:
        with storage.unit_of_work() as uow:
            return len(uow.periods.snapshot(account, last_closed, counterparty).balances)

    def snapshot_sql() -> int:
        return len(
            connection.execute(
                "SELECT item_id, on_hand, reserved FROM snapshot_balances"
                " WHERE account_id = %s AND period_end = %s AND counterparty_id = %s",
                (account, last_closed, counterparty),
            ).fetchall()
        )

    result.time("the last snapshot (Periods.snapshot vs SELECT)", snapshot, snapshot_sql)

    def month_ends_sql() -> int:
        return len(
            connection.execute(
                "SELECT month, item_id, sum(h) OVER w, sum(r) OVER w FROM ("
                f" SELECT date_trunc('month', occurred_on) AS month, item_id,"
                f" sum({_ON_HAND}) AS h, sum({_RESERVED}) AS r FROM movements"
                " WHERE account_id = %s AND occurred_on < %s GROUP BY 1, 2) m"
                " WINDOW w AS (PARTITION BY item_id ORDER BY month)",
                (account, reports.THIS_MONTH),
            ).fetchall()
        )

    started = time.perf_counter()
    count = month_ends_sql()
    sql_ms = (time.perf_counter() - started) * 1000
    connection.close()
    result.rows.append(
        (
            f"closing {months} months: every month-end balance (close_periods vs one window query)",
            f"{ledger.close_seconds * 1000:,.0f} ms (through the API, holds included)",
            f"{sql_ms:,.0f} ms ({count:,} rows, balances only)",
        )
    )
    return table(
        ("PostgreSQL, read", "through the repository", "one SQL query"), result.rows, "lll"
    )


def long_ledger(folder: Path, sizes: reports.Sizes, quick: bool) -> Outcome:
    outcome = Outcome()
    path = folder / "postgres-vs-sqlite-ledger.sqlite"
    with ExitStack() as stack:
        url = stack.enter_context(fresh_schema())
        lite, lite_ids = open_ledger(stack, SQLITE, f"sqlite:///{path}", sizes.items)
        pg, pg_ids = open_ledger(stack, PG, url, sizes.items)
        if lite_ids != pg_ids:
            outcome.problems.append("the two databases' reference data have different ids")
            return outcome

        started = time.perf_counter()
        history = reports.History(lite_ids)
        history.window(
            reports.HISTORY_START,
            reports.RECENT_START - timedelta(days=1),
            sizes.large - sizes.recent,
            seed=1,
            opening=True,
            leave_open=False,
        )
        history.window(
            reports.RECENT_START,
            reports.TODAY,
            sizes.recent,
            seed=2,
            opening=False,
            leave_open=True,
        )
        assert len(history.movements) == sizes.large
        generated = time.perf_counter() - started
        started = time.perf_counter()
        history.load(path)
        lite.load_seconds = time.perf_counter() - started
        started = time.perf_counter()
        load_postgres(history, url)
        pg.load_seconds = time.perf_counter() - started
        del history
        outcome.problems += [f"SQLite fixture: {p}" for p in reports.fixture_problems(path)]
        outcome.problems += [f"PostgreSQL fixture: {p}" for p in postgres_fixture_problems(url)]

        for ledger in (lite, pg):
            started = time.perf_counter()
            ledger.closed_months = len(ledger.office.close_periods())
            ledger.close_seconds = time.perf_counter() - started

        for round_ in range(sizes.runs + 1):
            for ledger in (lite, pg):
                for name in reports.PERIODS:
                    started = time.perf_counter()
                    ledger.report(name)
                    if round_:
                        ledger.times[name].append(time.perf_counter() - started)

        current = {ledger.backend: ledger.report("current") for ledger in (lite, pg)}
        last = {ledger.backend: ledger.report("last month") for ledger in (lite, pg)}
        outcome.problems += [
            f"SQLite reports: {p}"
            for p in reports.report_problems(
                reports.stored_balances(path), current[SQLITE], last[SQLITE]
            )
        ]
        outcome.problems += [
            f"PostgreSQL reports: {p}"
            for p in reports.report_problems(postgres_balances(url), current[PG], last[PG])
        ]
        if comparable(current[PG]) != comparable(current[SQLITE]):
            outcome.problems.append("the current report differs between PostgreSQL and SQLite")
        if comparable(last[PG]) != comparable(last[SQLITE]):
            outcome.problems.append("last month's report differs between PostgreSQL and SQLite")
        details = [] if quick else breakdown(pg, pg_ids, pg.closed_months)

    outcome.lines.append(
        f"4b. Stock report, PostgreSQL vs SQLite: {sizes.large:,} movements of {sizes.items:,}"
        f" items (generated once in {generated:.1f} s, the same ledger loaded into both);"
        f" median of {sizes.runs} interleaved runs"
    )
    outcome.lines.append("")
    rows = [
        (
            ledger.backend,
            f"{ledger.load_seconds:.1f}",
            f"{ledger.close_seconds:.2f}",
            str(ledger.closed_months),
            name,
            f"{first}..{last_day}",
            f"{len(current[ledger.backend].lines):,}",
            f"{ledger.median(name) * 1000:.1f}",
            f"{ledger.median(name) / lite.median(name):.2f}",
        )
        for name, (first, last_day) in reports.PERIODS.items()
        for ledger in (lite, pg)
    ]
    header = (
        "backend",
        "load s",
        "close_periods s",
        "months",
        "report",
        "period",
        "lines",
        "median ms",
        "× SQLite",
    )
    outcome.lines += table(header, rows, align="lrrrllrrr")
    outcome.lines.append(
        "load = bulk insert of the generated ledger (SQLite: executemany; PostgreSQL: COPY, then"
        " VACUUM ANALYZE); the reference data is created through the API"
    )
    if details:
        outcome.lines += ["", *details]
    return outcome


def run(folder: Path, quick: bool, count: int | None = None) -> Outcome:
    sizes = QUICK if quick else FULL
    version = server_version()
    first = throughput(folder, sizes, count or sizes.reservations)
    second = long_ledger(folder, sizes.ledger, quick)
    outcome = Outcome(
        lines=[f"PostgreSQL {version} at {location(SERVER)}", "", *first.lines, "", *second.lines],
        problems=first.problems + second.problems,
    )
    return outcome


def location(url: str) -> str:
    info: dict[str, Any] = psycopg.conninfo.conninfo_to_dict(url)
    return f"{info.get('host', 'localhost')}:{info.get('port', 5432)}/{info.get('dbname', '')}"
