"""The PostgreSQL backend under load and under faults, against the real server.

Several processes (each with its own application, pool and connections) change the same
orders and balances at once; afterwards the books must balance whatever the interleaving
was: the assertions are about invariants, never about timings. Faults: a worker killed in
the middle of a transaction, and a connection the server drops. The server is
CUSTODY_POSTGRES_URL, as in test_postgres.py; an unreachable server fails these tests.
"""

from __future__ import annotations

import multiprocessing
import os
import signal
import time
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from decimal import Decimal
from pathlib import Path
from queue import Empty
from typing import Any
from uuid import uuid4

import psycopg
import pytest
from attrs import frozen

import custody_core
import postgres_workers as workers
from custody_core import LineDraft, OrderDraft, OrderState, Principal, ReceiptDraft
from custody_core.adapters.storage.postgres.backend import PostgresStorage
from custody_core.adapters.storage.postgres.base import lock_key
from custody_core.domain.audit import Outcome
from custody_core.domain.errors import NotFound, StorageError
from custody_core.domain.ledger import (
    Balance,
    DocumentKind,
    Movement,
    MovementKind,
    StockKey,
    replay,
)
from custody_core.domain.orders import HOLDING_STATES, SHIPPED_STATES, DeliveryOrder
from custody_core.domain.paging import Page, PageRequest
from custody_core.domain.principal import Role
from custody_core.domain.shipments import Shipment
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice
from custody_core.testing.clock import ManualClock
from spreadsheet_files import workbook
from test_postgres import SERVER, in_schema

SPAWN = multiprocessing.get_context("spawn")
WORKERS = 8
#: Seconds the workers of the load test hammer the books once they are all ready.
HAMMER_SECONDS = 3.0
#: Seconds the test waits for its workers before it declares one hung.
WORKER_TIMEOUT = 90
#: What each SKU has on hand before the workers start: little, so that they run out.
STOCK = 10
#: A lost race: the loser is refused with one of these, never applied a second time.
LOST_RACE = {
    "order.illegal_transition",
    "conflict.order_changed",
    "conflict.stale_version",
    "storage.busy",
}


@pytest.fixture
def url() -> Iterator[str]:
    """A new schema holding the test account, its catalogue and STOCK of every SKU; it is
    dropped afterwards."""
    name = f"custody_load_{uuid4().hex}"
    try:
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE SCHEMA "{name}"')
    except psycopg.Error as error:
        pytest.fail(
            f"these tests need PostgreSQL at {SERVER} (set CUSTODY_POSTGRES_URL): {error}",
            pytrace=False,
        )
    schema_url = in_schema(SERVER, name)
    with custody_core.open(schema_url, clock=ManualClock(workers.NOW)) as app:
        account = app.create_account(workers.ACCOUNT, "ACME")
        office = app.back_office(Principal.manager(account.id, "setup"))
        office.add_warehouse(workers.WAREHOUSE, "Main")
        office.add_counterparty(workers.COUNTERPARTY, "Romashka")
        office.add_contract(workers.COUNTERPARTY, "C-1", main=True)
        for sku in workers.SKUS:
            office.add_item(workers.COUNTERPARTY, sku, sku.title())
        lines = [LineDraft(sku, STOCK) for sku in workers.SKUS]
        office.post_receipt(
            ReceiptDraft("R-1", workers.RECEIVED_ON, workers.COUNTERPARTY, workers.WAREHOUSE, lines)
        )
    yield schema_url
    with psycopg.connect(SERVER, autocommit=True) as connection:
        connection.execute(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture
def app(url: str) -> Iterator[Application]:
    """The test's own application on the schema, to set the scene and read the books."""
    with custody_core.open(url, clock=ManualClock(workers.NOW)) as application:
        yield application


@pytest.fixture
def office(app: Application) -> BackOffice:
    """A desk that may change orders and read the audit log."""
    account = app.account(workers.ACCOUNT)
    return app.back_office(Principal("checker", account.id, [Role.MANAGER, Role.ADMINISTRATOR]))


def run_workers(
    jobs: Sequence[tuple[Callable[..., Any], tuple[object, ...]]],
    meanwhile: Callable[[], None] | None = None,
) -> list[Any]:
    """Run each `(function, args)` in a spawned process of its own, and `meanwhile` in this
    one while they run; the workers' results in order. A worker that fails fails the test
    with its traceback."""
    results = SPAWN.Queue()
    processes = [
        SPAWN.Process(target=workers.reporting, args=(results, index, function, *args))
        for index, (function, args) in enumerate(jobs)
    ]
    for process in processes:
        process.start()
    collected: dict[int, Any] = {}
    failures = []
    try:
        if meanwhile is not None:
            meanwhile()
        deadline = time.monotonic() + WORKER_TIMEOUT
        while len(collected) < len(processes):
            silent = [p for i, p in enumerate(processes) if i not in collected]
            if time.monotonic() > deadline:
                failures.append(f"{len(silent)} workers did not report in {WORKER_TIMEOUT} s")
                break
            try:
                index, result, failure = results.get(timeout=1)
            except Empty:
                if all(process.exitcode is not None for process in silent):
                    codes = [process.exitcode for process in silent]
                    failures.append(f"workers ended without reporting, exit codes {codes}")
                    break
                continue
            collected[index] = result
            if failure is not None:
                failures.append(failure)
    finally:
        for process in processes:
            process.join(timeout=10)
            if process.is_alive():
                process.kill()
                process.join()
    assert not failures, "\n".join(failures)
    return [collected[index] for index in range(len(processes))]


def every(list_page: Callable[..., Page[Any]]) -> list[Any]:
    """Every row of a paged list, page after page."""
    rows: list[Any] = []
    after = None
    while True:
        page = list_page(page=PageRequest(limit=1000, after=after))
        rows.extend(page.items)
        if page.next_after is None:
            return rows
        after = page.next_after


@frozen
class Books:
    """Everything the storage holds about stock and orders, read after the workers stopped."""

    orders: dict[int, DeliveryOrder]
    shipments: list[Shipment]
    movements: list[Movement]
    balances: dict[StockKey, Balance]


def read_books(app: Application, office: BackOffice) -> Books:
    account_id = office.principal.account_id
    orders = {order.number: order for order in every(office.orders)}
    shipments = every(office.shipments)
    with app.storage.unit_of_work() as uow:
        movements = list(uow.ledger.movements(account_id))
        balances = {
            balance.key: balance
            for counterparty in uow.counterparties.find_all(account_id)
            for balance in uow.ledger.counterparty_balances(account_id, counterparty.id)
        }
    return Books(orders, shipments, movements, balances)


def cargo(order: DeliveryOrder) -> list[tuple[StockKey, Decimal]]:
    """The order's lines as (stock key, quantity)."""
    place = (order.account_id, order.counterparty_id, order.warehouse_id)
    return [(StockKey(*place, line.item_id), line.quantity) for line in order.lines]


def assert_books_balance(books: Books) -> None:
    """What holds after any interleaving of use cases, however many raced."""
    figures = {key: (b.on_hand, b.reserved) for key, b in books.balances.items()}
    replayed = {key: (b.on_hand, b.reserved) for key, b in replay(books.movements).items()}
    assert figures == replayed, "the stored balances are not a replay of the ledger"
    assert all(on_hand >= 0 and reserved >= 0 for on_hand, reserved in figures.values())

    held: Counter[StockKey] = Counter()
    for order in books.orders.values():
        if order.state in HOLDING_STATES:
            for key, quantity in cargo(order):
                held[key] += quantity
    reserved = {key: b.reserved for key, b in books.balances.items() if b.reserved}
    assert reserved == dict(held), "reserved differs from what the open orders hold"

    assert sorted(books.orders) == list(range(1, len(books.orders) + 1)), "order numbers"
    numbers = sorted(shipment.number for shipment in books.shipments)
    assert numbers == list(range(1, len(numbers) + 1)), "shipment numbers"
    shipped = sorted(n for n, order in books.orders.items() if order.state in SHIPPED_STATES)
    assert sorted(shipment.order_number for shipment in books.shipments) == shipped
    written_off = Counter(
        (movement.document_id, movement.key.item_id, movement.quantity)
        for movement in books.movements
        if movement.kind is MovementKind.WRITE_OFF
    )
    posted = Counter(
        (shipment.id, line.item_id, line.quantity)
        for shipment in books.shipments
        for line in shipment.lines
    )
    assert written_off == posted, "a shipment's write-off is missing or was posted twice"


def expected_movements(order: DeliveryOrder, done: set[str]) -> Counter[tuple[MovementKind, Any]]:
    """The order's movements implied by the changes that succeeded on it: confirming
    reserves, cancelling a confirmed order releases, delivering writes off."""
    kinds = []
    if "confirm" in done:
        kinds.append(MovementKind.RESERVATION)
        if "cancel" in done:
            kinds.append(MovementKind.RELEASE)
    if "deliver" in done:
        kinds.append(MovementKind.WRITE_OFF)
    return Counter((kind, entry) for kind in kinds for entry in cargo(order))


def test_workers_racing_on_few_items_leave_balanced_books_and_lose_no_update(
    url: str, app: Application, office: BackOffice
) -> None:
    start = SPAWN.Barrier(WORKERS)
    jobs = [(workers.hammer, (url, worker, HAMMER_SECONDS, start)) for worker in range(WORKERS)]
    reports = run_workers(jobs)

    done = [change for changes, _ in reports for change in changes]
    refused = sum((Counter(codes) for _, codes in reports), Counter[str]())
    assert set(refused) <= {"stock.insufficient", *LOST_RACE}, refused
    books = read_books(app, office)
    assert_books_balance(books)
    assert_every_change_is_stored_once(books, office, done)
    assert any(order.state is OrderState.DELIVERED for order in books.orders.values())
    assert "stock.insufficient" in refused, "the workers never contended for the last stock"


def assert_every_change_is_stored_once(
    books: Books,
    office: BackOffice,
    done: Sequence[workers.Change],
    earlier: Sequence[workers.Change] = (),
) -> None:
    """No lost update and no double effect: each order's state and movements, the receipts
    and the audit log are exactly what the changes the workers saw succeed (`done`, after
    the test's own `earlier` ones) imply."""
    assert max(Counter(done).values()) == 1, "a change succeeded twice"
    by_order: dict[int, set[str]] = {}
    for operation, target in [*earlier, *done]:
        if operation != "receipt":
            by_order.setdefault(int(target), set()).add(operation)
    assert by_order, "no order was created"
    assert set(by_order) == set(books.orders), "an order was created but not reported, or lost"
    orders_movements: dict[Any, Counter[tuple[MovementKind, Any]]] = {}
    for movement in books.movements:
        if movement.order_id is not None:
            entry = (movement.key, movement.quantity)
            orders_movements.setdefault(movement.order_id, Counter())[(movement.kind, entry)] += 1
    for number, order in books.orders.items():
        changes = by_order[number]
        assert not {"deliver", "cancel"} <= changes, f"order {number} delivered and cancelled"
        state = (
            OrderState.DELIVERED
            if "deliver" in changes
            else OrderState.CANCELLED
            if "cancel" in changes
            else OrderState.CONFIRMED
            if "confirm" in changes
            else OrderState.DRAFT
        )
        assert order.state is state, f"order {number}: {order.state} after {sorted(changes)}"
        moved = orders_movements.get(order.id, Counter())
        assert moved == expected_movements(order, changes), f"movements of order {number}"

    receipts = [str(target) for operation, target in done if operation == "receipt"]
    posted = [receipt.number for receipt in every(office.receipts)]
    assert sorted(posted) == sorted(["R-1", *receipts])
    audited = Counter(
        (entry.action, entry.target)
        for entry in every(lambda page: office.audit_log(outcome=Outcome.DONE, page=page))
        if entry.actor.startswith(workers.WORKER)
    )
    assert audited == Counter(audit_entry(operation, target) for operation, target in done)


def audit_entry(operation: str, target: int | str) -> tuple[str, str]:
    """The (action, target) the audit log records for a worker's successful operation."""
    if operation == "receipt":
        return "receipt.post", f"receipt {target}/{workers.RECEIVED_ON.year}"
    return f"order.{operation}", f"order {target}"


def drafts(office: BackOffice, count: int) -> list[int]:
    """`count` new draft orders of 2 TEA and 1 SUGAR."""
    lines = [LineDraft("TEA", 2), LineDraft("SUGAR", 1)]
    return [
        office.create_order(
            OrderDraft(workers.WAREHOUSE, lines, counterparty=workers.COUNTERPARTY)
        ).number
        for _ in range(count)
    ]


def race_two(url: str, steps: Sequence[workers.Change]) -> list[list[str]]:
    """Two processes take every `(operation, target)` step at the same moment; the two
    outcomes of each step, sorted."""
    start = SPAWN.Barrier(2)
    first, second = run_workers([(workers.race, (url, steps, start))] * 2)
    return [sorted(pair) for pair in zip(first, second, strict=True)]


def test_two_processes_confirming_then_cancelling_the_same_orders_apply_each_once(
    url: str, app: Application, office: BackOffice
) -> None:
    numbers = drafts(office, 6)
    confirming = [("confirm" if n % 2 else "confirm version 1", n) for n in numbers]
    cancelling = [("cancel", n) for n in numbers]

    steps = confirming + cancelling
    for step, pair in zip(steps, race_two(url, steps), strict=True):
        assert pair.count("done") == 1, (step, pair)
        assert set(pair) - {"done"} <= LOST_RACE, (step, pair)

    books = read_books(app, office)
    assert_books_balance(books)
    for number in numbers:
        order = books.orders[number]
        assert order.state is OrderState.CANCELLED
        moved = Counter(m.kind for m in books.movements if m.order_id == order.id)
        assert moved == {MovementKind.RESERVATION: 2, MovementKind.RELEASE: 2}, number


def test_two_processes_posting_the_same_receipt_post_it_once(
    url: str, app: Application, office: BackOffice
) -> None:
    numbers = [f"R-RACE-{n}" for n in range(1, 6)]

    for pair in race_two(url, [("receipt", number) for number in numbers]):
        assert pair == ["document.duplicate", "done"]

    books = read_books(app, office)
    assert_books_balance(books)
    received = Counter(
        m.document_id for m in books.movements if m.document_kind is DocumentKind.RECEIPT
    )
    assert len(received) == 1 + len(numbers)
    assert set(received.values()) == {1, len(workers.SKUS)}
    tea = next(b for b in books.balances.values() if b.on_hand != STOCK)
    assert tea.on_hand == STOCK + 5 * len(numbers)


def test_two_processes_importing_the_same_registry_create_its_orders_once(
    url: str, app: Application, office: BackOffice, tmp_path: Path
) -> None:
    header = ["Номер заказа", "Получатель", "Адрес", "Артикул", "Количество"]
    rows = [[f"EXT-{n}", f"Recipient {n}", "Moscow", "TEA", n] for n in range(1, 6)]
    registry = workbook(tmp_path / "registry.xlsx", [header, *rows])

    (pair,) = race_two(url, [("import", str(registry))])

    # The loser waited for the winner's numbering, then found its orders and its import.
    assert pair == [
        "done: created 0, skipped 5, earlier 1",
        "done: created 5, skipped 0, earlier 0",
    ]
    books = read_books(app, office)
    assert_books_balance(books)
    assert sorted(order.external_number or "" for order in books.orders.values()) == [
        f"EXT-{n}" for n in range(1, 6)
    ]
    assert all(order.state is OrderState.CONFIRMED for order in books.orders.values())


def test_an_import_reserving_item_after_item_beside_confirmations_of_them_all_finishes(
    url: str, app: Application, office: BackOffice, tmp_path: Path
) -> None:
    """The registry names one SKU per batch of 500 rows, in the order opposite to the one in
    which writers lock balances, while two processes confirm orders of every SKU: a deadlock
    waiting to happen unless the import locks the counterparty's balances first, in order."""
    account = app.account(workers.ACCOUNT)
    counterparty = next(c for c in office.counterparties() if c.code == workers.COUNTERPARTY)
    warehouse = next(w for w in office.warehouses() if w.code == workers.WAREHOUSE)
    items = {item.sku: item for item in office.items(workers.COUNTERPARTY)}

    def lock_order(sku: str) -> int:
        key = StockKey(account.id, counterparty.id, warehouse.id, items[sku].id)
        return lock_key("balance", key.account_id, key.counterparty_id, key.warehouse_id,
                        key.item_id)  # fmt: skip

    against_the_order = sorted(workers.SKUS, key=lock_order, reverse=True)
    header = ["Номер заказа", "Получатель", "Адрес", "Артикул", "Количество"]
    rows = [
        [f"EXT-{batch}-{n}", "Recipient", "Moscow", sku, 1]
        for batch, sku in enumerate(against_the_order)
        for n in range(500)
    ]
    registry = workbook(tmp_path / "registry.xlsx", [header, *rows])
    every_sku = [LineDraft(sku, 1) for sku in workers.SKUS]
    numbers = [
        office.create_order(
            OrderDraft(workers.WAREHOUSE, every_sku, counterparty=workers.COUNTERPARTY)
        ).number
        for _ in range(120)
    ]

    start = SPAWN.Barrier(3)
    imported, first, second = run_workers(
        [
            (workers.import_once, (url, str(registry), start)),
            (workers.confirm_all, (url, numbers[::2], start)),
            (workers.confirm_all, (url, numbers[1::2], start)),
        ]
    )

    assert imported == "done: created 1500, skipped 0, earlier 0"
    assert set(first) == set(second) == {"done"}
    books = read_books(app, office)
    assert_books_balance(books)


def test_a_worker_killed_inside_its_transaction_leaves_nothing_and_the_others_go_on(
    url: str, app: Application, office: BackOffice
) -> None:
    (victim,) = drafts(office, 1)
    office.confirm_order(victim)
    hammers = 3
    start = SPAWN.Barrier(hammers + 1)
    written = SPAWN.Event()
    doomed = SPAWN.Process(target=workers.deliver_and_hang, args=(url, victim, start, written))

    def kill_when_written() -> None:
        """The doomed delivery holds the victim's row, the TEA and SUGAR balances and the
        shipment counter, which the hammering workers want too."""
        assert written.wait(WORKER_TIMEOUT), "the doomed worker never reached its commit"
        os.kill(doomed.pid or 0, signal.SIGKILL)
        doomed.join()

    doomed.start()
    try:
        jobs = [(workers.hammer, (url, worker, HAMMER_SECONDS, start)) for worker in range(hammers)]
        reports = run_workers(jobs, meanwhile=kill_when_written)
    finally:
        doomed.kill()
        doomed.join()
    assert doomed.exitcode == -signal.SIGKILL

    done = [change for changes, _ in reports for change in changes]
    refused = sum((Counter(codes) for _, codes in reports), Counter[str]())
    assert set(refused) <= {"stock.insufficient", *LOST_RACE}, refused
    books = read_books(app, office)
    assert_books_balance(books)
    assert_every_change_is_stored_once(
        books, office, done, earlier=[("create", victim), ("confirm", victim)]
    )
    assert not [entry for entry in every(office.audit_log) if entry.actor == "doomed"]
    lines = [LineDraft(sku, 5) for sku in workers.SKUS]
    office.post_receipt(
        ReceiptDraft("R-2", workers.RECEIVED_ON, workers.COUNTERPARTY, workers.WAREHOUSE, lines)
    )
    (fresh,) = drafts(office, 1)
    office.confirm_order(fresh)
    delivered, _ = office.deliver_order(fresh)
    assert delivered.state is OrderState.DELIVERED, "the killed worker's locks are still held"


def test_a_dropped_connection_fails_its_unit_of_work_typed_and_the_next_one_works(
    url: str, app: Application, office: BackOffice
) -> None:
    (victim,) = drafts(office, 1)
    office.confirm_order(victim)
    before = read_books(app, office)

    def drop(backend_pid: int) -> None:
        with psycopg.connect(SERVER, autocommit=True) as admin:
            ended = admin.execute("SELECT pg_terminate_backend(%s, 5000)", (backend_pid,))
            assert ended.fetchone() == (True,)

    with workers.pausing_before_commit(app, drop), pytest.raises(StorageError) as raised:
        office.deliver_order(victim)
    assert raised.value.code == "storage.unavailable"

    assert read_books(app, office) == before, "the dropped delivery left something behind"
    delivered, shipment = office.deliver_order(victim)
    assert (delivered.state, shipment.number) == (OrderState.DELIVERED, 1)
    assert_books_balance(read_books(app, office))


def refusal_of(use_case: Callable[[], object]) -> str | None:
    """The code of the StorageError `use_case` fails with, None when it works."""
    try:
        use_case()
    except StorageError as error:
        return error.code
    return None


def test_a_connection_dropped_while_idle_in_the_pool_fails_at_most_one_unit_of_work(
    url: str,
) -> None:
    with custody_core.open(url, clock=ManualClock(workers.NOW), pool_size=1) as app:
        office = app.back_office(Principal.manager(app.account(workers.ACCOUNT).id, "pooled"))
        assert isinstance(app.storage, PostgresStorage)
        with app.storage.pool.connection() as idle:
            backend_pid = idle.info.backend_pid
        with psycopg.connect(SERVER, autocommit=True) as admin:
            admin.execute("SELECT pg_terminate_backend(%s, 5000)", (backend_pid,))

        line = [LineDraft("TEA", 1)]
        draft = ReceiptDraft(
            "R-AFTER-DROP", workers.RECEIVED_ON, workers.COUNTERPARTY, workers.WAREHOUSE, line
        )
        refusal = refusal_of(lambda: office.post_receipt(draft))
        assert refusal in {None, "storage.unavailable"}
        if refusal is not None:
            with pytest.raises(NotFound):
                office.receipt(workers.COUNTERPARTY, draft.number, workers.RECEIVED_ON.year)
            office.post_receipt(draft)
        assert office.receipt(workers.COUNTERPARTY, draft.number, workers.RECEIVED_ON.year)
