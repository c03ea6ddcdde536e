"""Worker processes of test_postgres_load.py. They live in a module of their own because the
"spawn" start method imports a worker's function by name in the new process.

Every worker opens its own application on the schema it is given (its own pool, its own
connections) and returns plain data: what it did, and the codes of the refusals it met.
"""

from __future__ import annotations

import contextlib
import os
import time
import traceback
from collections import Counter
from collections.abc import Callable, Iterator, Sequence
from datetime import UTC, date, datetime
from multiprocessing.queues import Queue
from multiprocessing.synchronize import Barrier, Event
from pathlib import Path
from random import Random

import custody_core
from custody_core import LineDraft, OrderDraft, Principal, ReceiptDraft
from custody_core.adapters.storage.postgres.backend import PostgresStorage, PostgresUnitOfWork
from custody_core.domain.errors import Conflict, StorageBusy
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice
from custody_core.testing.clock import ManualClock

ACCOUNT, COUNTERPARTY, WAREHOUSE = "acme", "ROMASHKA", "W1"
SKUS = ("TEA", "SUGAR", "SALT")
NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
RECEIVED_ON = date(2026, 11, 2)
#: Seconds a worker waits for the others at a barrier before it gives up (a hung peer).
BARRIER_TIMEOUT = 60
#: How the users of the hammering workers begin, to tell their audit entries apart.
WORKER = "worker-"
#: Refusals a worker expects when it contends with others: a lost race (IllegalTransition,
#: DuplicateDocument, Conflict), stock that ran out (InsufficientStock) or a lock wait that
#: ran out (StorageBusy). Any other error fails the worker.
REFUSALS = (Conflict, StorageBusy)

#: (operation, order number or receipt number) of a use case a worker completed.
Change = tuple[str, int | str]


def open_office(url: str, user: str) -> tuple[Application, BackOffice]:
    """This process's own application on `url` and a manager's desk in the test account."""
    app = custody_core.open(url, clock=ManualClock(NOW))
    account = app.account(ACCOUNT)
    return app, app.back_office(Principal.manager(account.id, user))


def reporting(
    results: Queue[tuple[int, object, str | None]],
    index: int,
    work: Callable[..., object],
    *args: object,
) -> None:
    """Run `work(*args)` and put `(index, result, None)` or `(index, None, traceback)` on
    `results`, so that the test sees a worker's failure with its traceback."""
    try:
        results.put((index, work(*args), None))
    except BaseException:
        results.put((index, None, traceback.format_exc()))


def hammer(
    url: str, worker: int, seconds: float, start: Barrier
) -> tuple[list[Change], dict[str, int]]:
    """For `seconds` after every worker is ready, create and confirm orders, deliver and
    cancel recent ones (often an order another worker is changing too) and now and then post
    a receipt. Returns what succeeded and how many refusals of each code were met."""
    app, office = open_office(url, f"{WORKER}{worker}")
    choose = Random(worker)
    done: list[Change] = []
    refused: Counter[str] = Counter()
    newest = 0
    receipts = 0
    try:
        start.wait(BARRIER_TIMEOUT)
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            roll = choose.random()
            recent = choose.randint(max(1, newest - 8), newest) if newest else 0
            try:
                if not recent or roll < 0.35:
                    skus = choose.sample(SKUS, choose.randint(1, 2))
                    lines = [LineDraft(sku, choose.randint(1, 3)) for sku in skus]
                    draft = OrderDraft(WAREHOUSE, lines, counterparty=COUNTERPARTY)
                    order = office.create_order(draft)
                    newest = order.number
                    done.append(("create", order.number))
                    office.confirm_order(order.number)
                    done.append(("confirm", order.number))
                elif roll < 0.7:
                    office.deliver_order(recent)
                    done.append(("deliver", recent))
                elif roll < 0.92:
                    office.cancel_order(recent)
                    done.append(("cancel", recent))
                else:
                    receipts += 1
                    number = f"W{worker}-{receipts}"
                    line = LineDraft(choose.choice(SKUS), 2)
                    office.post_receipt(
                        ReceiptDraft(number, RECEIVED_ON, COUNTERPARTY, WAREHOUSE, [line])
                    )
                    done.append(("receipt", number))
            except REFUSALS as error:
                refused[error.code] += 1
    finally:
        app.close()
    return done, dict(refused)


def confirm_all(url: str, numbers: Sequence[int], start: Barrier) -> list[str]:
    """Confirm each order of `numbers` in turn once every peer is ready; per order "done" or
    the code of the refusal."""
    app, office = open_office(url, f"confirmer-{os.getpid()}")
    outcomes = []
    try:
        start.wait(BARRIER_TIMEOUT)
        for number in numbers:
            try:
                office.confirm_order(number)
                outcomes.append("done")
            except REFUSALS as error:
                outcomes.append(error.code)
    finally:
        app.close()
    return outcomes


def import_once(url: str, registry: str, start: Barrier) -> str:
    """Import `registry` (courier-sku) once every peer is ready: its counts, or the refusal."""
    app, office = open_office(url, f"importer-{os.getpid()}")
    try:
        start.wait(BARRIER_TIMEOUT)
        return _take(office, "import", registry)
    except REFUSALS as error:
        return error.code
    finally:
        app.close()


def race(url: str, steps: Sequence[Change], start: Barrier) -> list[str]:
    """Take each `(operation, target)` step in turn, each one the moment the racing peer is
    ready to take it too. Returns, per step, "done" (with an import's counts) or the code
    of the refusal."""
    app, office = open_office(url, f"racer-{os.getpid()}")
    outcomes = []
    try:
        for operation, target in steps:
            start.wait(BARRIER_TIMEOUT)
            try:
                outcomes.append(_take(office, operation, target))
            except REFUSALS as error:
                outcomes.append(error.code)
    finally:
        app.close()
    return outcomes


def _take(office: BackOffice, operation: str, target: int | str) -> str:
    if operation == "confirm":
        office.confirm_order(int(target))
    elif operation == "confirm version 1":
        office.confirm_order(int(target), expected_version=1)
    elif operation == "cancel":
        office.cancel_order(int(target))
    elif operation == "receipt":
        line = LineDraft("TEA", 5)
        office.post_receipt(ReceiptDraft(str(target), RECEIVED_ON, COUNTERPARTY, WAREHOUSE, [line]))
    elif operation == "import":
        result = office.import_registry(Path(str(target)), "courier-sku", COUNTERPARTY)
        earlier = len(result.earlier)
        return f"done: created {result.orders}, skipped {result.skipped}, earlier {earlier}"
    else:
        raise ValueError(f"unknown operation {operation!r}")
    return "done"


@contextlib.contextmanager
def pausing_before_commit(app: Application, pause: Callable[[int], None]) -> Iterator[None]:
    """Inside the block, every unit of work of `app` calls `pause(its backend pid)` just
    before it commits, when the use case has written everything: where a fault hurts most."""
    storage = app.storage
    assert isinstance(storage, PostgresStorage)

    class PausingUnitOfWork(PostgresUnitOfWork):
        def commit(self) -> None:
            assert self.connection is not None
            pause(self.connection.info.backend_pid)
            super().commit()

    storage.unit_of_work = lambda: PausingUnitOfWork(storage)  # type: ignore[method-assign]
    try:
        yield
    finally:
        del storage.unit_of_work


def deliver_and_hang(url: str, order_number: int, start: Barrier, written: Event) -> None:
    """Deliver `order_number` up to its commit, set `written` and hang there: the test kills
    this process while its transaction holds the order, the balances and the shipment counter."""
    app, office = open_office(url, "doomed")

    def hang(_backend_pid: int) -> None:
        written.set()
        time.sleep(BARRIER_TIMEOUT)

    start.wait(BARRIER_TIMEOUT)
    with pausing_before_commit(app, hang):
        office.deliver_order(order_number)
    raise AssertionError("the worker was to be killed before its delivery committed")
