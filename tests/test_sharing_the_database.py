"""One client's long call does not keep the others out of the database.

Each test holds one call in a known state with a hook (a clock that stops a report
inside its unit of work, a spreadsheet reader that stops an import in the middle
of its file, an `on_order` listener that stops an import while it stores), then
has other clients write meanwhile. Behind a unit of work that held the write lock
(SQLite) or the account's order numbering (PostgreSQL) they would wait for the
busy or lock timeout, kept short here, and fail with `storage.busy`; the
assertions are about what succeeded and what numbers were taken, never about
how long anything took.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from pathlib import Path
from types import TracebackType
from typing import Any, Self

import psycopg
import pytest

import custody_core
from custody_core import LineDraft, OrderDraft, Principal, ReceiptDraft, hookimpl
from custody_core.adapters.spreadsheets.openpyxl_reader import OpenpyxlReader
from custody_core.adapters.storage.postgres import plugin as postgres_plugin
from custody_core.adapters.storage.postgres.base import lock_key
from custody_core.domain.errors import InvalidCredentials
from custody_core.domain.imports import OrderOutcome, OutcomeKind
from custody_core.plugins import ReaderRegistry
from custody_core.ports.spreadsheets import ReadLimits, Row, SheetRequest, SheetRows
from custody_core.ports.storage import StorageBackend, UnitOfWork
from custody_core.services.application import Application
from custody_core.services.desks import BackOffice, Cabinet
from custody_core.testing.clock import ManualClock
from custody_core.testing.hashing import fast_hasher
from custody_core.testing.isolation_machine import everything
from custody_core.testing.sample_forms import CLIENT, COMPANY
from spreadsheet_files import workbook
from test_postgres import new_schema, server  # noqa: F401 (fixtures)

NOW = datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
#: Seconds a writer waits for a lock before `storage.busy`: the bound on "at once".
WAIT = 1.0
#: Seconds a test waits for a held call to reach its hook, or to finish once let go.
PATIENCE = 30
HEADER = ["Номер заказа", "Получатель", "Адрес", "Артикул", "Количество"]


class Gate:
    """Where a held call stops: it reports `reached`, then waits to be let through."""

    def __init__(self) -> None:
        self.reached = threading.Event()
        self.opened = threading.Event()

    def stop_here(self) -> None:
        self.reached.set()
        assert self.opened.wait(PATIENCE), "the test never let the held call go on"


class HoldingClock(ManualClock):
    """A fixed clock that, once armed, stops the first call made from any thread other
    than the one that armed it (armed before that thread starts, so it cannot slip by)."""

    def __init__(self) -> None:
        super().__init__(NOW)
        self.gate = Gate()
        self.armed_in: threading.Thread | None = None

    def arm(self) -> None:
        self.armed_in = threading.current_thread()

    def now(self) -> datetime:
        caller = threading.current_thread()
        if self.armed_in not in (None, caller) and not self.gate.reached.is_set():
            self.gate.stop_here()
        return super().now()


class PausingReader:
    """The openpyxl reader, calling `stop` (which returns when the test lets it) as it
    reaches row `at` of the file."""

    suffixes = frozenset({".xlsx"})
    streaming = True

    def __init__(self, stop: Callable[[], object], at: int) -> None:
        self._stop, self._at = stop, at

    def open(self, path: Path, request: SheetRequest, limits: ReadLimits) -> SheetRows:
        return _PausingRows(OpenpyxlReader().open(path, request, limits), self._stop, self._at)


class _PausingRows:
    def __init__(self, rows: SheetRows, stop: Callable[[], object], at: int) -> None:
        self._rows, self._stop, self._at = rows, stop, at
        self.total_hint = rows.total_hint

    def __iter__(self) -> Iterator[Row]:
        for number, cells in self._rows:
            if number == self._at:
                self._stop()
            yield number, cells

    def close(self) -> None:
        self._rows.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.close()


class PausingReaderPlugin:
    def __init__(self, stop: Callable[[], object], at: int) -> None:
        self._reader = PausingReader(stop, at)

    @hookimpl
    def custody_register_readers(self, register: ReaderRegistry) -> None:
        register("pausing", lambda options: self._reader)


@pytest.fixture(params=["memory", "sqlite", "postgresql"])
def url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    if request.param == "memory":
        return "memory://"
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'custody.sqlite'}"
    make: Callable[[], str] = request.getfixturevalue("new_schema")
    return make()


def open_app(url: str, clock: ManualClock, *plugins: object, wait: float = WAIT) -> Application:
    timeouts = {"busy_timeout": wait} if url.startswith("sqlite") else {}
    if url.startswith("postgresql"):
        timeouts = {"lock_timeout": wait}
    return custody_core.open(
        url,
        clock=clock,
        entry_points=False,
        plugins=[postgres_plugin, *plugins],
        password_hasher=fast_hasher(),
        **timeouts,
    )


def set_up(app: Application) -> tuple[BackOffice, Cabinet]:
    """A manager's desk, and the cabinet of a client (VASILEK) other than the one whose
    registry is imported (ROMASHKA)."""
    account = app.create_account("acme", "ACME")
    office = app.back_office(Principal.manager(account.id, "manager"))
    office.add_warehouse("W1", "Main")
    for code in ("ROMASHKA", "VASILEK"):
        office.add_counterparty(code, code.title())
        office.add_contract(code, f"{code}-1", main=True)
        office.add_item(code, "TEA", "Tea")
        office.post_receipt(
            ReceiptDraft(f"R-{code}", date(2026, 11, 2), code, "W1", [LineDraft("TEA", 10)])
        )
    vasilek = next(c for c in office.counterparties() if c.code == "VASILEK")
    return office, app.cabinet(Principal.client(account.id, "vasilek-user", vasilek.id))


def registry(path: Path, orders: int) -> Path:
    rows = [[f"EXT-{n}", f"Recipient {n}", "Moscow", "TEA", 1] for n in range(1, orders + 1)]
    return workbook(path, [HEADER, *rows])


def in_thread(work: Callable[[], Any]) -> tuple[threading.Thread, list[Any]]:
    """`work` started in a thread of its own; its result or error lands in the list."""
    outcome: list[Any] = []

    def run() -> None:
        try:
            outcome.append(work())
        except Exception as error:  # the test asserts on whatever it was
            outcome.append(error)

    thread = threading.Thread(target=run)
    thread.start()
    return thread, outcome


def finished(thread: threading.Thread, outcome: list[Any]) -> Any:
    thread.join(PATIENCE)
    assert not thread.is_alive(), "the held call did not finish once let go"
    (result,) = outcome
    if isinstance(result, Exception):
        raise result
    return result


# Not on memory: that backend runs one unit of work at a time, reading or not.
@pytest.mark.parametrize("url", ["sqlite", "postgresql"], indirect=True)
def test_writers_go_on_while_a_report_reads(url: str) -> None:
    """The stock report stops inside its unit of work (at its clock); meanwhile another
    client creates and confirms an order, and a failed login is counted."""
    clock = HoldingClock()
    with open_app(url, clock) as app:
        office, cabinet = set_up(app)
        clock.arm()
        report, reported = in_thread(lambda: office.stock_report("ROMASHKA"))
        assert clock.gate.reached.wait(PATIENCE)

        order = cabinet.create_order(OrderDraft("W1", [LineDraft("TEA", 2)]))
        confirmed = cabinet.confirm_order(order.number)
        with pytest.raises(InvalidCredentials):
            app.log_in("acme", "nobody", "wrong password")

        clock.gate.opened.set()
        stock = finished(report, reported)
    assert confirmed.state.value == "confirmed"
    assert [line.item.sku for line in stock.lines] == ["TEA"]


def test_writers_go_on_while_an_import_reads_its_file(url: str, tmp_path: Path) -> None:
    """A real import stops in the middle of its file (its check pass); meanwhile another
    client creates an order, a report is read and a failed login is counted. The import
    then stores its orders after the one created meanwhile."""
    gate = Gate()
    path = registry(tmp_path / "registry.xlsx", 3)
    with open_app(url, ManualClock(NOW), PausingReaderPlugin(gate.stop_here, at=3)) as app:
        office, cabinet = set_up(app)
        importing, imported = in_thread(
            lambda: office.import_registry(path, "courier-sku", "ROMASHKA", reader="pausing")
        )
        assert gate.reached.wait(PATIENCE)

        order = cabinet.create_order(OrderDraft("W1", [LineDraft("TEA", 2)]))
        report = office.stock_report("VASILEK")
        with pytest.raises(InvalidCredentials):
            app.log_in("acme", "nobody", "wrong password")

        gate.opened.set()
        result = finished(importing, imported)
        numbers = sorted(o.number for o in office.orders("ROMASHKA").items)
    assert order.number == 1
    assert [line.item.sku for line in report.lines] == ["TEA"]
    assert (result.orders, result.skipped) == (3, 0)
    assert numbers == [2, 3, 4]


def test_two_imports_of_the_same_rows_both_checked_before_either_stores_create_them_once(
    url: str, tmp_path: Path
) -> None:
    """Two uploads of one registry check the whole file side by side: each reports its
    progress at the end of its check pass and waits there (a barrier) until the other has
    checked too, so each found every order new. The one that stores second finds them
    made, skips them all and names the first import."""
    both_checked = threading.Barrier(2, timeout=PATIENCE)
    path = registry(tmp_path / "registry.xlsx", 5)
    with open_app(url, ManualClock(NOW)) as app:
        office, _ = set_up(app)

        def upload() -> str:
            result = office.import_registry(
                path, "courier-sku", "ROMASHKA", progress=lambda done, total: both_checked.wait()
            )
            return (
                f"created {result.orders}, skipped {result.skipped}, earlier {len(result.earlier)}"
            )

        uploads = [in_thread(upload) for _ in range(2)]
        outcomes = sorted(finished(*upload) for upload in uploads)
        orders = everything(lambda page: office.orders("ROMASHKA", page=page))
    assert outcomes == ["created 0, skipped 5, earlier 1", "created 5, skipped 0, earlier 0"]
    assert sorted(order.external_number or "" for order in orders) == [
        f"EXT-{n}" for n in range(1, 6)
    ]
    assert sorted(order.number for order in orders) == [1, 2, 3, 4, 5]


@pytest.mark.parametrize("url", ["postgresql"], indirect=True)
def test_an_order_created_while_an_import_stores_waits_for_one_batch_at_most(
    url: str, tmp_path: Path
) -> None:
    """PostgreSQL: a real import of three batches stops while it stores its second one
    (its numbers taken, its first batch written, nothing committed); another client's
    order is created at once and gets the number after the second batch's: the import
    held the account's numbering for no longer than one batch's numbers took."""
    gate = Gate()
    heard: list[OrderOutcome] = []

    def listen(outcome: OrderOutcome) -> None:
        heard.append(outcome)
        if len(heard) == 501:  # the first order of the second batch of 500
            gate.stop_here()

    path = registry(tmp_path / "registry.xlsx", 1200)
    with open_app(url, ManualClock(NOW)) as app:
        office, cabinet = set_up(app)
        importing, imported = in_thread(
            lambda: office.import_registry(path, "courier-sku", "ROMASHKA", on_order=listen)
        )
        assert gate.reached.wait(PATIENCE)

        order = cabinet.create_order(OrderDraft("W1", [LineDraft("TEA", 2)]))

        gate.opened.set()
        result = finished(importing, imported)
        numbers = {
            o.external_number: o.number
            for o in everything(lambda page: office.orders("ROMASHKA", page=page))
        }
    assert order.number == 1001
    assert result.orders == 1200
    assert all(outcome.kind is OutcomeKind.CREATED for outcome in heard)
    assert sorted(numbers.values()) == [*range(1, 1001), *range(1002, 1202)]
    assert numbers["EXT-1000"] == 1000
    assert numbers["EXT-1001"] == 1002


@pytest.mark.parametrize("url", ["postgresql"], indirect=True)
def test_an_import_storing_waits_for_another_storing_for_the_same_client(
    url: str, tmp_path: Path
) -> None:
    """PostgreSQL: the first import is held while it stores (its orders written, not
    committed); the second, checking meanwhile, finds every order new, then waits for the
    first at the counterparty's import lock (seen waiting in pg_locks), and once the first
    commits skips them all. Without that lock it would insert the same external numbers,
    wait on the unique index instead, and fail with a Conflict."""
    gate = Gate()
    heard: list[OrderOutcome] = []

    def hold(outcome: OrderOutcome) -> None:
        heard.append(outcome)
        if len(heard) == 1:
            gate.stop_here()

    path = registry(tmp_path / "registry.xlsx", 5)
    with open_app(url, ManualClock(NOW), wait=PATIENCE) as app:
        office, _ = set_up(app)
        romashka = next(c for c in office.counterparties() if c.code == "ROMASHKA")
        key = lock_key("registry", romashka.account_id, romashka.id)

        def upload(**options: Any) -> str:
            result = office.import_registry(path, "courier-sku", "ROMASHKA", **options)
            return (
                f"created {result.orders}, skipped {result.skipped}, earlier {len(result.earlier)}"
            )

        first = in_thread(lambda: upload(on_order=hold))
        assert gate.reached.wait(PATIENCE)
        second = in_thread(upload)
        with psycopg.connect(url, autocommit=True) as watcher:
            waiting = _wait_for(lambda: _waiting_on(watcher, key))
        gate.opened.set()
        outcomes = [finished(*first), finished(*second)]
        numbers = sorted(o.number for o in everything(lambda page: office.orders(page=page)))
    assert waiting, "the second import never waited at the import lock"
    assert outcomes == ["created 5, skipped 0, earlier 0", "created 0, skipped 5, earlier 1"]
    assert numbers == [1, 2, 3, 4, 5]


def _waiting_on(connection: psycopg.Connection[Any], key: int) -> bool:
    """Whether a session waits for the transaction-level advisory lock `key`."""
    unsigned = key & (2**64 - 1)
    row = connection.execute(
        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
        " AND classid::bigint = %s AND objid::bigint = %s AND objsubid = 1",
        (unsigned >> 32, unsigned & (2**32 - 1)),
    ).fetchone()
    return row is not None and row[0] > 0


def _wait_for(condition: Callable[[], bool]) -> bool:
    """Whether `condition` came true within PATIENCE seconds (polled)."""
    deadline = time.monotonic() + PATIENCE
    while time.monotonic() < deadline:
        if condition():
            return True
        time.sleep(0.01)
    return False


class WaitingToWrite:
    """A backend whose writing units are handed out only once `parties` callers ask for
    one at the same time: use cases that first read, then write, all reach their writing
    unit having read the same state."""

    def __init__(self, storage: StorageBackend, parties: int) -> None:
        self._storage = storage
        self.url = storage.url
        self._together = threading.Barrier(parties, timeout=PATIENCE)

    def unit_of_work(self, read_only: bool = False) -> UnitOfWork:
        if not read_only:
            self._together.wait()
        return self._storage.unit_of_work(read_only)

    def close(self) -> None:
        self._storage.close()


def test_a_form_printed_twice_at_the_same_moment_takes_one_number(url: str) -> None:
    """Two printings of the same receipt's MX-1 both build the form unnumbered (read-only
    units), then both ask to number it at once (on PostgreSQL both writing units run side
    by side): the first stores number 1, the second finds it and prints 1 as well, with
    one audit entry between them. Had the second looked for a stored number before taking
    the kind's numbering, it would have taken number 2 and broken the form's unique key
    (a Conflict)."""
    with open_app(url, ManualClock(NOW)) as app:
        set_up(app)
        account = app.account("acme")
        office = app.back_office(Principal.administrator(account.id, "admin"))
        office.set_requisites(COMPANY)
        office.set_requisites(CLIENT, "ROMASHKA")
        app.storage = WaitingToWrite(app.storage, parties=2)  # type: ignore[assignment]
        printer = app.back_office(Principal.administrator(account.id, "printer"))
        printings = [in_thread(lambda: printer.mx1("R-ROMASHKA", 2026, "ROMASHKA")) for _ in "ab"]
        numbers = [finished(*printing).header.number for printing in printings]
        app.storage = app.storage._storage  # type: ignore[attr-defined]
        issued = office.audit_log(action="issue_form").items
        again = office.mx1("R-ROMASHKA", 2026, "ROMASHKA").header.number
    assert numbers == [1, 1]
    assert [entry.target for entry in issued] == ["mx1 1/2026"]
    assert again == 1
