"""The SQLite adapter: schema versions, refusing foreign files, connection settings,
transactions, the append-only ledger and several processes writing one file."""

from __future__ import annotations

import multiprocessing
import sqlite3
import threading
import time
import traceback
from collections.abc import Iterator
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from uuid import UUID, uuid4

import pytest

import custody_core
from custody_core import LineDraft, OrderDraft, OrderState, Principal, ReceiptDraft
from custody_core.adapters.storage.sqlite.backend import SQLiteStorage
from custody_core.domain.errors import (
    Conflict,
    CorruptStorage,
    SchemaTooNew,
    StorageError,
    ValidationError,
)
from custody_core.domain.ledger import MovementKind, replay
from custody_core.domain.paging import MAX_LIMIT, PageRequest
from custody_core.domain.parties import Account, Warehouse
from custody_core.services.application import Application
from custody_core.testing.clock import ManualClock

MIGRATIONS = Path(custody_core.__file__).parent / "adapters" / "storage" / "sqlite" / "migrations"


def url_of(path: Path) -> str:
    return f"sqlite:///{path}"


def sqlite_storage(app: Application) -> SQLiteStorage:
    assert isinstance(app.storage, SQLiteStorage)
    return app.storage


@pytest.fixture
def db_path(tmp_path: Path) -> Path:
    return tmp_path / "custody.sqlite"


@pytest.fixture
def sqlite_app(db_path: Path, clock: ManualClock) -> Iterator[Application]:
    with custody_core.open(url_of(db_path), clock=clock, entry_points=False) as app:
        yield app


def stock_with_one_item(app: Application, on_hand: int = 10) -> Account:
    """An account whose counterparty C1 keeps `on_hand` pieces of SKU at warehouse W1."""
    account = app.create_account("acme", "ACME")
    office = app.back_office(Principal.manager(account.id, "manager"))
    office.add_warehouse("W1", "Main")
    office.add_counterparty("C1", "Client one")
    office.add_contract("C1", "C1-1")
    office.add_item("C1", "SKU", "Thing")
    office.post_receipt(
        ReceiptDraft("R-1", date(2026, 11, 2), "C1", "W1", [LineDraft("SKU", on_hand)])
    )
    return account


# Schema version and reopening -------------------------------------------------------------


def test_a_fresh_file_gets_the_latest_schema(sqlite_app: Application) -> None:
    shipped = sorted(MIGRATIONS.glob("*.sql"))
    assert shipped, "the package ships no migrations"
    storage = sqlite_storage(sqlite_app)
    assert storage.schema_version() == len(shipped)
    (version,) = storage.connection().execute("PRAGMA user_version").fetchone()
    assert version == len(shipped)


def test_reopening_keeps_the_data_and_migrates_nothing(db_path: Path, clock: ManualClock) -> None:
    with custody_core.open(url_of(db_path), clock=clock, entry_points=False) as app:
        account = stock_with_one_item(app, on_hand=7)
        version = sqlite_storage(app).schema_version()
    for _ in range(2):
        with custody_core.open(url_of(db_path), clock=clock, entry_points=False) as app:
            assert sqlite_storage(app).schema_version() == version
            assert app.account("acme") == account
            office = app.back_office(Principal.manager(account.id, "manager"))
            [line] = office.stock_report("C1").lines
            assert (line.item.sku, line.on_hand, line.reserved) == ("SKU", Decimal(7), Decimal(0))
            assert [receipt.number for receipt in office.receipts()] == ["R-1"]


# Refusing files that are not (yet) ours ----------------------------------------------------


def set_user_version(path: Path, version: int) -> None:
    connection = sqlite3.connect(path)
    try:
        connection.execute(f"PRAGMA user_version = {version}")
        connection.commit()
    finally:
        connection.close()


def test_a_newer_schema_is_refused_and_the_file_left_unchanged(
    db_path: Path, clock: ManualClock
) -> None:
    with custody_core.open(url_of(db_path), clock=clock, entry_points=False) as app:
        stock_with_one_item(app)
        known = sqlite_storage(app).schema_version()
    set_user_version(db_path, known + 1)
    before = db_path.read_bytes()

    with pytest.raises(SchemaTooNew) as refused:
        custody_core.open(url_of(db_path), clock=clock, entry_points=False)

    assert refused.value.details["found"] == known + 1
    assert refused.value.details["known"] == known
    assert_for_the_operator_only(refused.value, str(db_path))
    assert db_path.read_bytes() == before


def test_a_file_of_random_bytes_is_refused_as_corrupt_and_left_unchanged(tmp_path: Path) -> None:
    path = tmp_path / "noise.sqlite"
    # Deterministic noise that cannot start with the SQLite header.
    noise = bytes((index * 197 + 89) % 256 for index in range(8192))
    assert not noise.startswith(b"SQLite format 3\x00")
    path.write_bytes(noise)

    with pytest.raises(CorruptStorage) as refused:
        custody_core.open(url_of(path), entry_points=False)

    assert_for_the_operator_only(refused.value, str(path))
    assert refused.value.diagnostic["location"] == str(path)
    assert path.read_bytes() == noise


def assert_for_the_operator_only(error: StorageError, path: str) -> None:
    """The file is named where the operator looks (the diagnostic, the traceback's note),
    never in the message a user may see."""
    assert path in " ".join(map(str, error.diagnostic.values()))
    assert any(path in note for note in error.__notes__)
    assert all(path not in text for text in (str(error), error.message("ru"), repr(error)))
    assert path not in str(dict(error.details))


def foreign_database(path: Path, journal_mode: str = "DELETE") -> None:
    """Someone else's SQLite file: its own tables, default (rollback) journal, no custody schema."""
    connection = sqlite3.connect(path)
    try:
        connection.execute(f"PRAGMA journal_mode = {journal_mode}")
        connection.execute("CREATE TABLE invoices (id INTEGER PRIMARY KEY, total TEXT)")
        connection.execute("INSERT INTO invoices (total) VALUES ('100.00')")
        connection.commit()
    finally:
        connection.close()


def test_a_sqlite_file_with_someone_elses_tables_is_refused(tmp_path: Path) -> None:
    path = tmp_path / "accounting.sqlite"
    foreign_database(path, journal_mode="WAL")
    before = path.read_bytes()

    with pytest.raises(CorruptStorage) as refused:
        custody_core.open(url_of(path), entry_points=False)

    assert_for_the_operator_only(refused.value, str(path))
    assert path.read_bytes() == before
    connection = sqlite3.connect(path)
    try:
        tables = connection.execute("SELECT name FROM sqlite_master WHERE type = 'table'")
        assert [name for (name,) in tables] == ["invoices"]
    finally:
        connection.close()


@pytest.mark.parametrize("kind", ["foreign tables", "newer custody schema"])
def test_refusing_a_rollback_journal_file_does_not_convert_it_to_wal(
    tmp_path: Path, kind: str
) -> None:
    """A file the library refuses must not be modified, whatever its journal mode.

    Most SQLite files made by other tools use the default rollback journal.
    """
    path = tmp_path / "other.sqlite"
    if kind == "foreign tables":
        foreign_database(path)
        expected: type[StorageError] = CorruptStorage
    else:
        with custody_core.open(url_of(path), entry_points=False):
            pass
        connection = sqlite3.connect(path)
        try:
            connection.execute("PRAGMA journal_mode = DELETE")
            connection.execute("PRAGMA user_version = 999")
            connection.commit()
        finally:
            connection.close()
        expected = SchemaTooNew
    before = path.read_bytes()

    with pytest.raises(expected):
        custody_core.open(url_of(path), entry_points=False)

    connection = sqlite3.connect(path)
    try:
        (journal_mode,) = connection.execute("PRAGMA journal_mode").fetchone()
    finally:
        connection.close()
    assert journal_mode == "delete", (
        f"BUG: refusing {kind} switched the file to journal_mode={journal_mode}: "
        "SQLiteStorage._migrate runs 'PRAGMA journal_mode = WAL' before checking "
        "application_id/user_version"
    )
    assert path.read_bytes() == before


# Refusing bad URLs and options --------------------------------------------------------------


def test_an_in_memory_sqlite_url_is_refused() -> None:
    with pytest.raises(StorageError) as refused:
        custody_core.open("sqlite:///:memory:", entry_points=False)
    assert refused.value.code == "storage.bad_url"
    assert "memory://" in refused.value.diagnostic["reason"]


def test_a_url_whose_folder_does_not_exist_is_refused_and_creates_nothing(tmp_path: Path) -> None:
    missing = tmp_path / "no-such-folder"
    with pytest.raises(StorageError) as refused:
        custody_core.open(url_of(missing / "custody.sqlite"), entry_points=False)
    assert refused.value.code == "storage.bad_url"
    assert_for_the_operator_only(refused.value, str(missing))
    assert not missing.exists()


def test_a_directory_is_refused(tmp_path: Path) -> None:
    with pytest.raises(StorageError) as refused:
        custody_core.open(url_of(tmp_path), entry_points=False)
    assert refused.value.code == "storage.bad_url"


def test_an_unknown_option_is_refused_by_name(db_path: Path) -> None:
    with pytest.raises(ValidationError) as refused:
        custody_core.open(url_of(db_path), entry_points=False, journal="off")
    assert [problem.field for problem in refused.value.problems] == ["options.journal"]
    assert not db_path.exists()


def test_an_unknown_synchronous_level_is_refused(db_path: Path) -> None:
    with pytest.raises(StorageError) as refused:
        custody_core.open(url_of(db_path), entry_points=False, synchronous="sometimes")
    assert refused.value.code == "storage.bad_url"
    assert not db_path.exists()


# Connection settings -----------------------------------------------------------------------


def pragma(storage: SQLiteStorage, name: str) -> Any:
    return storage.connection().execute(f"PRAGMA {name}").fetchone()[0]


def test_connections_use_wal_foreign_keys_and_normal_sync(sqlite_app: Application) -> None:
    storage = sqlite_storage(sqlite_app)
    assert pragma(storage, "journal_mode") == "wal"
    assert pragma(storage, "foreign_keys") == 1
    assert pragma(storage, "synchronous") == 1  # NORMAL
    assert pragma(storage, "busy_timeout") == 5000


def test_foreign_keys_are_enforced(sqlite_app: Application) -> None:
    with pytest.raises(sqlite3.IntegrityError, match="FOREIGN KEY"):
        sqlite_storage(sqlite_app).connection().execute(
            "INSERT INTO warehouses (id, account_id, code, name) VALUES (?, ?, 'W', 'W')",
            (str(uuid4()), str(uuid4())),
        )


def test_options_reach_the_connection(db_path: Path) -> None:
    url = url_of(db_path)
    with custody_core.open(url, entry_points=False, synchronous="full", busy_timeout=0.25) as app:
        storage = sqlite_storage(app)
        assert pragma(storage, "synchronous") == 2  # FULL
        assert pragma(storage, "busy_timeout") == 250


# Units of work -----------------------------------------------------------------------------


def test_a_unit_of_work_rolls_back_unless_committed(sqlite_app: Application) -> None:
    account = Account(uuid4(), "ghost", "Never committed")
    with sqlite_app.storage.unit_of_work() as uow:
        uow.accounts.add(account)
        assert uow.accounts.by_code("ghost") == account
    with sqlite_app.storage.unit_of_work() as uow:
        assert uow.accounts.by_code("ghost") is None

    with sqlite_app.storage.unit_of_work() as uow:
        uow.accounts.add(account)
        uow.commit()
    with sqlite_app.storage.unit_of_work() as uow:
        assert uow.accounts.by_code("ghost") == account


def test_an_exception_rolls_the_unit_of_work_back(sqlite_app: Application) -> None:
    class Boom(Exception):
        pass

    def add_then_fail() -> None:
        with sqlite_app.storage.unit_of_work() as uow:
            uow.accounts.add(Account(uuid4(), "ghost", "Never committed"))
            raise Boom

    with pytest.raises(Boom):
        add_then_fail()
    with sqlite_app.storage.unit_of_work() as uow:
        assert uow.accounts.by_code("ghost") is None


def test_units_of_work_do_not_nest_in_one_thread(sqlite_app: Application) -> None:
    storage = sqlite_app.storage

    def nest() -> None:
        with storage.unit_of_work() as outer:
            outer.accounts.add(Account(uuid4(), "outer", "Outer"))
            with storage.unit_of_work():
                pytest.fail("a nested unit of work was opened")

    with pytest.raises(RuntimeError, match="nest"):
        nest()
    # The outer one was rolled back and the connection is usable again.
    assert not sqlite_storage(sqlite_app).connection().in_transaction
    with storage.unit_of_work() as uow:
        assert uow.accounts.by_code("outer") is None


def test_a_read_only_unit_reads_its_snapshot_while_another_connection_writes(
    db_path: Path,
) -> None:
    """A read-only unit neither waits for the write lock nor holds it: a writer in another
    thread commits at once (a writing unit would keep it out until the busy timeout), and
    the reader goes on seeing the database as it was when it first read."""
    storage = SQLiteStorage(url_of(db_path), db_path, busy_timeout=0.2)
    outcomes: list[str] = []

    def writer() -> None:
        try:
            with storage.unit_of_work() as uow:
                uow.accounts.add(Account(uuid4(), "late", "Late"))
                uow.commit()
            outcomes.append("committed")
        except StorageError as error:
            outcomes.append(error.code)

    try:
        with storage.unit_of_work(read_only=True) as reader:
            assert reader.accounts.by_code("late") is None
            thread = threading.Thread(target=writer)
            thread.start()
            thread.join()
            assert reader.accounts.by_code("late") is None
        assert outcomes == ["committed"]
        with storage.unit_of_work(read_only=True) as reader:
            assert reader.accounts.by_code("late") is not None
    finally:
        storage.close()


# The append-only ledger --------------------------------------------------------------------


def test_movements_cannot_be_updated_or_deleted(sqlite_app: Application) -> None:
    stock_with_one_item(sqlite_app)
    connection = sqlite_storage(sqlite_app).connection()
    rows_before = connection.execute("SELECT * FROM movements ORDER BY seq").fetchall()
    assert len(rows_before) == 1

    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("UPDATE movements SET quantity = quantity * 2")
    with pytest.raises(sqlite3.IntegrityError, match="append-only"):
        connection.execute("DELETE FROM movements")

    assert connection.execute("SELECT * FROM movements ORDER BY seq").fetchall() == rows_before


def test_posted_documents_cannot_be_updated_or_deleted(sqlite_app: Application) -> None:
    account = stock_with_one_item(sqlite_app)
    office = sqlite_app.back_office(Principal.manager(account.id, "manager"))
    order = office.create_order(OrderDraft("W1", [LineDraft("SKU", 2)], counterparty="C1"))
    office.confirm_order(order.number)
    office.deliver_order(order.number, refused={"SKU": 1})
    office.post_receipt(ReceiptDraft("R-2", date(2026, 11, 3), "C1", "W1", [LineDraft("SKU", 1)]))
    office.reverse_receipt("C1", "R-2", 2026, "mistake")
    connection = sqlite_storage(sqlite_app).connection()
    # table -> a column to rewrite with its own value
    tables = {
        "documents": "posted_by",
        "document_lines": "quantity",
        "shipments": "posted_by",
        "shipment_lines": "quantity",
        "reversals": "reason",
        "reversal_lines": "quantity",
    }
    before = {t: connection.execute(f"SELECT * FROM {t}").fetchall() for t in tables}
    assert all(before.values()), "every table holds a posted row"
    for table, column in tables.items():
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            connection.execute(f"UPDATE {table} SET {column} = {column}")
        with pytest.raises(sqlite3.IntegrityError, match="immutable"):
            connection.execute(f"DELETE FROM {table}")
    assert {t: connection.execute(f"SELECT * FROM {t}").fetchall() for t in tables} == before


# Several processes writing one file --------------------------------------------------------

PROCESSES = 4
ORDERS_PER_PROCESS = 25
ON_HAND = 60
PAUSE = 0.002


def reserve_many(
    url: str, account_id: str, count: int, start: Any, results: Any
) -> None:  # pragma: no cover - runs in child processes
    """A child process: create and confirm `count` one-piece orders as a manager."""
    try:
        with custody_core.open(url, entry_points=False) as app:
            office = app.back_office(Principal.manager(UUID(account_id), "worker"))
            start.wait(timeout=60)
            numbers = []
            for _ in range(count):
                order = office.create_order(
                    OrderDraft("W1", [LineDraft("SKU", 1)], counterparty="C1")
                )
                time.sleep(PAUSE)  # let the other processes in between create and confirm
                office.confirm_order(order.number)
                numbers.append(order.number)
                time.sleep(PAUSE)
        results.put(("ok", numbers))
    except BaseException:
        results.put(("error", traceback.format_exc()))


def test_processes_reserving_the_same_item_lose_nothing(db_path: Path) -> None:
    url = url_of(db_path)
    with custody_core.open(url, entry_points=False) as app:
        account = stock_with_one_item(app, on_hand=ON_HAND)

    context = multiprocessing.get_context("spawn")
    start = context.Barrier(PROCESSES)
    results = context.Queue()
    workers = [
        context.Process(
            target=reserve_many, args=(url, str(account.id), ORDERS_PER_PROCESS, start, results)
        )
        for _ in range(PROCESSES)
    ]
    for worker in workers:
        worker.start()
    try:
        outcomes = [results.get(timeout=60) for _ in workers]
    finally:
        for worker in workers:
            worker.join(timeout=30)
            if worker.is_alive():
                worker.kill()
    errors = [detail for status, detail in outcomes if status != "ok"]
    assert not errors, "\n".join(errors)
    assert all(worker.exitcode == 0 for worker in workers)

    total = PROCESSES * ORDERS_PER_PROCESS
    returned = [number for _, numbers in outcomes for number in numbers]
    assert sorted(returned) == list(range(1, total + 1))
    for _, numbers in outcomes:
        assert numbers == sorted(numbers)  # each process sees its numbers grow

    with custody_core.open(url, entry_points=False) as app:
        office = app.back_office(Principal.manager(account.id, "auditor"))
        orders = office.orders("C1", page=PageRequest(MAX_LIMIT))
        assert [order.number for order in orders] == list(range(1, total + 1))
        assert {order.state for order in orders} == {OrderState.CONFIRMED}
        assert all(order.version == 2 for order in orders)

        [line] = office.stock_report("C1").lines
        assert (line.on_hand, line.reserved) == (Decimal(ON_HAND), Decimal(total))
        assert line.shortage == total - ON_HAND
        assert len(line.holds) == total
        assert sum(hold.shortage for hold in line.holds) == total - ON_HAND

        with app.storage.unit_of_work() as uow:
            movements = list(uow.ledger.movements(account.id))
            counterparty = uow.counterparties.by_code(account.id, "C1")
            assert counterparty is not None
            stored = uow.ledger.counterparty_balances(account.id, counterparty.id)
        reservations = [m for m in movements if m.kind is MovementKind.RESERVATION]
        assert len(reservations) == total
        assert sum(m.quantity for m in reservations) == Decimal(total)
        assert {balance.key: balance for balance in stored} == replay(movements)


def test_what_sqlite_refuses_is_typed_and_names_no_file_table_or_column(
    sqlite_app: Application, db_path: Path
) -> None:
    """Past the desks' checks, had it got there: a unique key another writer stored at the
    same time, a value of a type SQLite cannot bind."""
    account = sqlite_app.create_account("acme", "ACME")
    storage = sqlite_storage(sqlite_app)
    with storage.unit_of_work() as uow:
        uow.warehouses.add(Warehouse(uuid4(), account.id, "W1", "Main"))
        uow.commit()
    with pytest.raises(Conflict) as twin, storage.unit_of_work() as uow:
        uow.warehouses.add(Warehouse(uuid4(), account.id, "W1", "Twin"))
    with pytest.raises(StorageError) as unbound, storage.unit_of_work() as uow:
        uow.warehouses.by_code(account.id, ["W1"])  # type: ignore[arg-type]
    assert twin.value.code == "conflict.concurrent"
    assert unbound.value.code == "storage"  # a programming error, not a corrupt file
    for error in (twin.value, unbound.value):
        shown = " ".join([str(error), error.message("ru"), str(dict(error.details))])
        for name in (str(db_path), "warehouses", "code", "UNIQUE", "binding"):
            assert name not in shown
        assert isinstance(error.__cause__, sqlite3.Error)
    assert unbound.value.diagnostic["location"] == str(db_path)
