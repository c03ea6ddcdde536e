"""The PostgreSQL backend (extra `postgres`) against a real server: the conformance suite,
migrations, the typed errors of a database that cannot be used, life without the extra, and
the scenarios of test_custody_engine, test_access_scenarios, test_bounded_input,
test_hidden_objects and test_junk_input once more on PostgreSQL.

The server is CUSTODY_POSTGRES_URL (default: postgres on 127.0.0.1, database `test`).
Each backend gets a schema of its own, dropped afterwards. An unreachable server
fails these tests rather than skipping them.
"""

from __future__ import annotations

import os
import sys
import threading
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any
from urllib.parse import quote
from uuid import UUID, uuid4

import psycopg
import pytest
from psycopg.conninfo import conninfo_to_dict

import custody_core
import test_access_scenarios
import test_bounded_input
import test_custody_engine
import test_hidden_objects
import test_junk_input
import test_reprints
from custody_core import LineDraft, Principal, ReceiptDraft
from custody_core.adapters.storage.postgres import open_postgres
from custody_core.adapters.storage.postgres.backend import PostgresStorage
from custody_core.adapters.storage.postgres.schema import migrations
from custody_core.domain.errors import (
    CorruptStorage,
    CustodyError,
    SchemaTooNew,
    StorageBusy,
    StorageError,
    ValidationError,
)
from custody_core.domain.ledger import StockKey
from custody_core.domain.parties import Account, Warehouse
from custody_core.domain.units import KILOGRAM
from custody_core.plugins import Plugins
from custody_core.services.application import Application
from custody_core.testing.clock import ManualClock
from custody_core.testing.conformance import StorageConformance, StorageMaker
from custody_core.testing.hashing import fast_hasher

SERVER = os.environ.get("CUSTODY_POSTGRES_URL", "postgresql://postgres@127.0.0.1:5432/test")


@pytest.fixture(scope="session")
def server() -> str:
    try:
        psycopg.connect(SERVER, connect_timeout=5).close()
    except psycopg.Error as error:
        pytest.fail(
            f"these tests need PostgreSQL at {SERVER} (set CUSTODY_POSTGRES_URL): {error}",
            pytrace=False,
        )
    return SERVER


def in_schema(url: str, schema: str) -> str:
    """`url` with every session's search_path set to `schema`."""
    separator = "&" if "?" in url else "?"
    return f"{url}{separator}options={quote(f'-csearch_path={schema}')}"


def with_parts(url: str, **parts: object) -> str:
    """`url` with some of its connection parameters replaced."""
    given = {**conninfo_to_dict(url), **parts}
    query = f"?connect_timeout={given['connect_timeout']}" if "connect_timeout" in given else ""
    host, port = given.get("host", "localhost"), given.get("port", 5432)
    user, dbname = given.get("user", "postgres"), given.get("dbname", "postgres")
    return f"postgresql://{user}:{given['password']}@{host}:{port}/{dbname}{query}"


@pytest.fixture
def new_schema(server: str) -> Iterator[Callable[[], str]]:
    """Makes an empty schema and gives the URL that works in it; every one made is dropped."""
    made: list[str] = []

    def make() -> str:
        name = f"custody_test_{uuid4().hex}"
        with psycopg.connect(server, autocommit=True) as connection:
            connection.execute(f'CREATE SCHEMA "{name}"')
        made.append(name)
        return in_schema(server, name)

    yield make
    with psycopg.connect(server, autocommit=True) as connection:
        for name in made:
            connection.execute(f'DROP SCHEMA "{name}" CASCADE')


@pytest.fixture
def open_fresh(new_schema: Callable[[], str]) -> Iterator[StorageMaker]:
    """Opens a backend on a new, empty schema; closes whatever the test left open."""
    opened: list[PostgresStorage] = []

    def make() -> PostgresStorage:
        storage = open_postgres(new_schema(), {})
        assert isinstance(storage, PostgresStorage)
        opened.append(storage)
        return storage

    yield make
    for storage in opened:
        storage.close()


class TestPostgres(StorageConformance):
    # The same machines run fully on memory and SQLite; here each example costs round trips.
    state_machine_examples = 15

    @pytest.fixture
    def make_storage(self, open_fresh: StorageMaker) -> StorageMaker:
        return open_fresh


@pytest.fixture
def app(new_schema: Callable[[], str], clock: ManualClock) -> Iterator[Application]:
    """The application on PostgreSQL, for the scenario tests run here as well."""
    with custody_core.open(new_schema(), clock=clock, password_hasher=fast_hasher()) as application:
        yield application


def _scenarios(module: object, *fixtures: str) -> dict[str, object]:
    """The tests of a scenario module and the fixtures they need besides `app` and `clock`:
    collected in this module, they use its `app`, so they run again on PostgreSQL."""
    found = vars(module)
    return {name: found[name] for name in found if name.startswith("test_") or name in fixtures}


globals().update(_scenarios(test_custody_engine, "office"))
globals().update(_scenarios(test_access_scenarios, "world", "ivanov"))
globals().update(_scenarios(test_bounded_input, "admin", "registry_csv"))
globals().update(_scenarios(test_hidden_objects, "accounts", "registry_file"))
globals().update(_scenarios(test_junk_input, "account"))
globals().update(_scenarios(test_reprints, "stocked"))


def test_the_backend_is_registered_only_through_the_entry_point() -> None:
    assert "postgresql" in Plugins().storage
    assert "postgresql" not in Plugins(entry_points=False).storage


def test_without_the_extra_opening_names_it_and_nothing_else_is_affected(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setitem(sys.modules, "psycopg", None)
    with pytest.raises(StorageError) as raised:
        custody_core.open(SERVER)
    assert raised.value.code == "storage.needs_extra"
    assert "pip install 'custody-core[postgres]'" in raised.value.message("en")
    assert "pip install 'custody-core[postgres]'" in raised.value.message("ru")
    with custody_core.open("memory://") as app:
        app.create_account("acme", "ACME")


def test_a_new_database_is_migrated_once_by_processes_opening_it_together(
    new_schema: Callable[[], str],
) -> None:
    url = new_schema()
    opened: list[PostgresStorage] = []
    threads = [
        threading.Thread(target=lambda: opened.append(PostgresStorage(url))) for _ in range(3)
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    try:
        assert len(opened) == 3
        assert {storage.schema_version() for storage in opened} == {len(migrations())}
    finally:
        for storage in opened:
            storage.close()
    with psycopg.connect(url) as connection:
        rows = connection.execute("SELECT version FROM custody_schema_version ORDER BY 1")
        assert [version for (version,) in rows] == [n for n, _ in migrations()]


def test_a_newer_schema_is_refused(new_schema: Callable[[], str]) -> None:
    url = new_schema()
    PostgresStorage(url).close()
    with psycopg.connect(url) as connection:
        connection.execute("INSERT INTO custody_schema_version (version) VALUES (999)")
    with pytest.raises(SchemaTooNew) as raised:
        custody_core.open(url)
    assert raised.value.details["found"] == 999
    assert raised.value.details["known"] == len(migrations())


def test_a_schema_of_another_application_is_refused(new_schema: Callable[[], str]) -> None:
    url = new_schema()
    with psycopg.connect(url) as connection:
        connection.execute("CREATE TABLE notes (body text)")
    with pytest.raises(CorruptStorage):
        custody_core.open(url)


@pytest.mark.parametrize(
    ("parts", "reason"),
    [
        ({"user": "custody_no_such_role"}, 'role "custody_no_such_role" does not exist'),
        ({"dbname": "custody_no_such_database"}, 'database "custody_no_such_database"'),
        ({"host": "127.0.0.1", "port": 1, "connect_timeout": 2}, "port 1 failed"),
    ],
    ids=["wrong credentials", "missing database", "no server"],
)
def test_a_database_that_cannot_be_used_is_a_typed_error(
    server: str, parts: dict[str, object], reason: str
) -> None:
    url = with_parts(server, password="secret", **parts)
    with pytest.raises(StorageError) as raised:
        custody_core.open(url)
    assert raised.value.code == "storage.unavailable"
    assert reason in raised.value.diagnostic["reason"]
    assert "secret" not in raised.value.diagnostic["location"]
    # Host, port and database are for the operator's log, not for the message.
    host = conninfo_to_dict(url)["host"]
    assert host in raised.value.diagnostic["location"]
    assert host not in str(raised.value)
    assert reason not in str(raised.value)
    assert raised.value.details == {}


def test_options_are_checked(server: str) -> None:
    with pytest.raises(ValidationError) as raised:
        custody_core.open(server, pool_sizes=3)
    assert [p.field for p in raised.value.problems] == ["options.pool_sizes"]
    for name, value in (("pool_size", 0), ("pool_size", 2.5), ("lock_timeout", "1")):
        with pytest.raises(ValidationError) as raised:
            custody_core.open(server, **{name: value})
        assert [p.field for p in raised.value.problems] == [f"options.{name}"]


def test_close_closes_the_pool(open_fresh: StorageMaker) -> None:
    storage = open_fresh()
    storage.close()
    with pytest.raises(StorageError) as raised, storage.unit_of_work():
        pass
    assert raised.value.code == "storage.unavailable"


def test_values_are_stored_in_exact_types_and_the_ledger_is_append_only(
    new_schema: Callable[[], str],
) -> None:
    url = new_schema()
    clock = ManualClock(datetime(2026, 11, 20, 9, 0, tzinfo=UTC))
    with custody_core.open(url, clock=clock, password_hasher="scrypt") as app:
        account = app.create_account("acme", "ACME Logistics")
        office = app.back_office(Principal.manager(account.id, "manager-1"))
        office.add_warehouse("MSK", "Moscow")
        office.add_counterparty("ROMASHKA", "Romashka LLC")
        office.add_contract("ROMASHKA", "C-1")
        office.add_item("ROMASHKA", "SUGAR", "Sugar", unit=KILOGRAM, declared_value="95.50")
        office.post_receipt(
            ReceiptDraft("R-1", date(2026, 11, 2), "ROMASHKA", "MSK", [LineDraft("SUGAR", "1.5")])
        )
    with psycopg.connect(url) as connection:
        assert connection.execute("SELECT declared_value FROM items").fetchone() == (
            Decimal("95.50"),
        )
        connection.execute("SET TIME ZONE 'Asia/Yekaterinburg'")
        quantity, posted_at, occurred_on = connection.execute(
            "SELECT quantity, posted_at, occurred_on FROM movements"
        ).fetchone() or (None, None, None)
        assert quantity == Decimal("1.5")
        assert posted_at == datetime(2026, 11, 20, 9, 0, tzinfo=UTC)
        assert occurred_on == date(2026, 11, 2)
        with pytest.raises(psycopg.IntegrityError, match="append-only"):
            connection.execute("DELETE FROM movements")


def test_the_writer_a_deadlock_is_broken_on_is_busy_and_the_other_goes_on(
    new_schema: Callable[[], str],
) -> None:
    """Two writers each hold one balance and then want the other's: PostgreSQL breaks the
    deadlock by failing one of them, which must be StorageBusy (try again), not a crash."""
    storage = open_postgres(new_schema(), {})
    account = uuid4()
    first, second = (StockKey(account, uuid4(), uuid4(), uuid4()) for _ in range(2))
    both_hold_one = threading.Barrier(2)
    outcomes: dict[str, str] = {}

    def writer(name: str, mine: StockKey, theirs: StockKey) -> None:
        try:
            with storage.unit_of_work() as uow:
                uow.ledger.balances(account, [mine])
                both_hold_one.wait(10)
                uow.ledger.balances(account, [theirs])
                uow.commit()
            outcomes[name] = "done"
        except CustodyError as error:
            outcomes[name] = error.code

    try:
        threads = [
            threading.Thread(target=writer, args=("first", first, second)),
            threading.Thread(target=writer, args=("second", second, first)),
        ]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(30)
        assert sorted(outcomes.values()) == ["done", "storage.busy"]
    finally:
        storage.close()


def test_a_counterparty_locked_whole_keeps_out_writers_of_its_balances_only(
    new_schema: Callable[[], str],
) -> None:
    storage = open_postgres(new_schema(), {"lock_timeout": 0.2})
    account, locked, other = uuid4(), uuid4(), uuid4()
    outcomes: list[str] = []

    def writer(counterparty: UUID) -> None:
        key = StockKey(account, counterparty, uuid4(), uuid4())
        try:
            with storage.unit_of_work() as uow:
                uow.ledger.balances(account, [key])
            outcomes.append("done")
        except StorageBusy as error:
            outcomes.append(error.code)

    try:
        with storage.unit_of_work() as uow:
            uow.ledger.lock_counterparty(account, locked)
            for counterparty in (locked, other):
                thread = threading.Thread(target=writer, args=(counterparty,))
                thread.start()
                thread.join(10)
        writer(locked)
        assert outcomes == ["storage.busy", "done", "done"]
    finally:
        storage.close()


def test_balances_of_a_counterparty_held_whole_take_no_lock_of_their_own(
    new_schema: Callable[[], str],
) -> None:
    """A registry of thousands of items must not fill PostgreSQL's lock table (64 locks
    per connection by default): under `lock_counterparty` its balances take none."""
    storage = open_postgres(new_schema(), {})
    account, held, loose = uuid4(), uuid4(), uuid4()

    def advisory_locks(uow: object) -> int:
        connection = uow.connection  # type: ignore[attr-defined]
        row = connection.execute(
            "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND pid = pg_backend_pid()"
        ).fetchone()
        return int(row[0])

    try:
        with storage.unit_of_work() as uow:
            uow.ledger.lock_counterparty(account, held)
            uow.ledger.balances(
                account, [StockKey(account, held, uuid4(), uuid4()) for _ in range(500)]
            )
            assert advisory_locks(uow) == 1
            uow.ledger.balances(
                account, [StockKey(account, loose, uuid4(), uuid4()) for _ in range(3)]
            )
            assert advisory_locks(uow) == 1 + 1 + 3  # the loose one's stock, shared, and its keys
    finally:
        storage.close()


def test_a_writer_waiting_too_long_for_a_lock_is_busy(new_schema: Callable[[], str]) -> None:
    url = new_schema()
    storage = open_postgres(url, {"lock_timeout": 0.1})
    try:
        with storage.unit_of_work() as uow:
            key = StockKey(uuid4(), uuid4(), uuid4(), uuid4())
            uow.ledger.balances(key.account_id, [key])
            failures: list[BaseException] = []

            def second_writer() -> None:
                try:
                    with storage.unit_of_work() as other:
                        other.ledger.balances(key.account_id, [key])
                except StorageBusy as error:
                    failures.append(error)

            thread = threading.Thread(target=second_writer)
            thread.start()
            thread.join()
        assert [error.code for error in failures] == ["storage.busy"]
        assert_names_no_server(failures[0], url)
    finally:
        storage.close()


def assert_names_no_server(error: BaseException, url: str) -> None:
    """Neither the message nor the details name the host, database or schema; the
    diagnostic, for the operator's log, does."""
    assert isinstance(error, CustodyError)
    parts = conninfo_to_dict(url)
    shown = " ".join([str(error), error.message("ru"), repr(error), str(dict(error.details))])
    for name in (parts["host"], parts["dbname"], parts["options"].rpartition("=")[2]):
        assert str(name) not in shown


def test_a_value_the_server_refuses_is_a_validation_error_naming_no_server_or_index(
    open_fresh: StorageMaker,
) -> None:
    """What the desks' checks catch before the database, had it reached the database: text
    with NUL (refused by the driver), a key longer than an index entry may be (about
    2.7 KB), a value of a unique key stored at the same time by another writer."""
    storage = open_fresh()
    account = Account(uuid4(), "acme", "ACME", "UTC")
    with storage.unit_of_work() as uow:
        uow.accounts.add(account)
        uow.warehouses.add(Warehouse(uuid4(), account.id, "W1", "Main"))
        uow.commit()
    incompressible = os.urandom(5000).hex()  # a compressed index entry would still fit
    attempts: list[tuple[str, Callable[[Any], object]]] = [
        ("value.not_storable", lambda uow: uow.warehouses.by_code(account.id, "W\x00")),
        (
            "value.not_storable",
            lambda uow: uow.warehouses.add(Warehouse(uuid4(), account.id, incompressible, "L")),
        ),
        (
            "conflict.concurrent",
            lambda uow: uow.warehouses.add(Warehouse(uuid4(), account.id, "W1", "Twin")),
        ),
    ]
    for code, attempt in attempts:
        with pytest.raises(CustodyError) as raised, storage.unit_of_work() as uow:
            attempt(uow)
        error = raised.value
        if isinstance(error, ValidationError):
            assert [(p.code, p.field) for p in error.problems] == [(code, "input")]
        else:
            assert error.code == code
        assert_names_no_server(error, storage.url)
        assert "warehouses" not in str(error)
        assert isinstance(error.__cause__, psycopg.Error)


def test_a_read_only_unit_locks_nothing_and_reads_one_snapshot(
    new_schema: Callable[[], str],
) -> None:
    """A read-only unit reads an order and balances without the locks a writing unit takes
    on them: a writer in another thread takes those locks and commits at once (it would
    wait `lock_timeout`, then fail, behind a writing unit), and the reader goes on seeing
    its snapshot."""
    storage = open_postgres(new_schema(), {"lock_timeout": 0.2})
    account = Account(uuid4(), "acme", "ACME")
    key = StockKey(account.id, uuid4(), uuid4(), uuid4())
    outcomes: list[str] = []

    def writer() -> None:
        try:
            with storage.unit_of_work() as uow:
                uow.ledger.lock_counterparty(account.id, key.counterparty_id)
                uow.ledger.balances(account.id, [key])
                uow.accounts.add(Account(uuid4(), "late", "Late"))
                uow.commit()
            outcomes.append("committed")
        except StorageBusy as error:
            outcomes.append(error.code)

    try:
        with storage.unit_of_work() as uow:
            uow.accounts.add(account)
            uow.commit()
        with storage.unit_of_work(read_only=True) as reader:
            assert reader.ledger.balances(account.id, [key]) == {}
            assert reader.orders.by_number(account.id, 1) is None
            assert reader.accounts.by_code("late") is None
            connection = reader.connection  # type: ignore[attr-defined]
            held = connection.execute(
                "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory'"
                " AND pid = pg_backend_pid()"
            ).fetchone()
            assert held == (0,)
            thread = threading.Thread(target=writer)
            thread.start()
            thread.join(10)
            assert reader.accounts.by_code("late") is None
        assert outcomes == ["committed"]
    finally:
        storage.close()


def test_the_numbering_connection_is_waited_for_no_longer_than_a_lock(
    new_schema: Callable[[], str],
) -> None:
    """While one import takes its batch's numbers on the connection apart, another waits
    for that connection at most `lock_timeout`, then is told the database is busy, as it
    would be by a lock; it never waits behind a stuck numbering for good."""
    storage = open_postgres(new_schema(), {"lock_timeout": 0.2})
    assert isinstance(storage, PostgresStorage)
    account = Account(uuid4(), "acme", "ACME")
    held, release = threading.Event(), threading.Event()

    def hold_the_connection() -> None:
        with storage.apart():
            held.set()
            release.wait(10)

    try:
        with storage.unit_of_work() as uow:
            uow.accounts.add(account)
            uow.commit()
        holder = threading.Thread(target=hold_the_connection)
        holder.start()
        assert held.wait(10)
        with pytest.raises(StorageBusy), storage.unit_of_work() as uow:
            uow.orders.next_numbers_apart(account.id, 3)
        release.set()
        holder.join(10)
        with storage.unit_of_work() as uow:
            assert list(uow.orders.next_numbers_apart(account.id, 3)) == [1, 2, 3]
    finally:
        release.set()
        storage.close()
