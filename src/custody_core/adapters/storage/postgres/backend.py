"""The PostgreSQL backend: a pool of connections, one transaction per unit of work.

Writers serialise on what they change rather than on the whole database:
`ledger.balances` locks the balances it reads (rows FOR UPDATE, and an advisory
lock per key for balances that have no row yet), reading an order for a change
locks its row, and number counters are rows taken with INSERT ... ON CONFLICT
DO UPDATE. Each lock is held until the unit of work commits or rolls back; a
writer that waits longer than `lock_timeout`, or that PostgreSQL picks to break
a deadlock, fails with `storage.busy`. A read-only unit is a READ ONLY,
REPEATABLE READ transaction: one snapshot, no locks, every write refused by
the server.
"""

from __future__ import annotations

import contextlib
import functools
import threading
from collections.abc import Callable, Iterator
from types import TracebackType
from typing import Self, TypeVar

import psycopg
from psycopg.conninfo import conninfo_to_dict
from psycopg_pool import ConnectionPool

from custody_core.adapters.storage.postgres import access, forms, registry
from custody_core.adapters.storage.postgres import repositories as repos
from custody_core.adapters.storage.postgres.base import Connection
from custody_core.adapters.storage.postgres.documents import Receipts, Reversals, Shipments
from custody_core.adapters.storage.postgres.orders import Orders
from custody_core.adapters.storage.postgres.periods import Periods
from custody_core.adapters.storage.postgres.schema import migrate, schema_version
from custody_core.domain import codes
from custody_core.domain.errors import (
    Conflict,
    CustodyError,
    StorageBusy,
    StorageError,
    StorageReadOnly,
    unstorable,
)

R = TypeVar("R")
#: SQLSTATE classes of a server that cannot be reached or used: connection
#: exceptions, refused authorisation, a missing database, too many
#: connections, a server shutting down. A client-side failure has none.
_UNAVAILABLE = ("08", "28", "3D", "53", "57P")
#: SQLSTATEs of a writer that lost to another and may try again: the class of rolled-back
#: transactions (a deadlock, 40P01, is not a TransactionRollback subclass in psycopg) and
#: a lock not available in time.
_BUSY = ("40", "55P03")
#: SQLSTATE class of a value beyond a server limit (an index entry over about 2.7 KB).
_TOO_LARGE = "54"


@contextlib.contextmanager
def translated_errors(location: str) -> Iterator[None]:
    """Map psycopg's exceptions onto the library's errors; the one place that does it.

    The server's words name tables, indexes, constraints and values, and
    `location` names the host and database: they stay in `__cause__` and the
    storage error's diagnostic, never in a message (see `StorageError`).
    """
    try:
        yield
    except CustodyError:
        raise
    except psycopg.IntegrityError as error:
        raise Conflict(codes.Conflict.CONCURRENT) from error
    except psycopg.DataError as error:  # class 22, and text with NUL refused before sending
        raise unstorable() from error
    except psycopg.OperationalError as error:
        reason = str(error).strip()
        if error.sqlstate is not None and error.sqlstate.startswith(_TOO_LARGE):
            raise unstorable() from error
        if error.sqlstate is not None and error.sqlstate.startswith(_BUSY):
            raise StorageBusy(location=location, reason=reason) from error
        if error.sqlstate is None or error.sqlstate.startswith(_UNAVAILABLE):
            raise StorageError(
                codes.Storage.UNAVAILABLE, location=location, reason=reason
            ) from error
        raise StorageError(location=location, reason=reason) from error
    except psycopg.Error as error:
        raise StorageError(location=location, reason=str(error).strip()) from error


def location_of(url: str) -> str:
    """`user@host:port/database` of a URL, without its password, for diagnostics."""
    try:
        parts = conninfo_to_dict(url)
    except psycopg.ProgrammingError:
        # The driver's words may quote the URL, password and all.
        raise StorageError(codes.Storage.BAD_URL, reason="not a PostgreSQL URL") from None
    user = f"{parts['user']}@" if "user" in parts else ""
    port = f":{parts['port']}" if "port" in parts else ""
    return f"{user}{parts.get('host', 'localhost')}{port}/{parts.get('dbname', '')}"


class PostgresStorage:
    """A custody database in PostgreSQL, reached through a pool of connections."""

    def __init__(
        self, url: str, pool_size: int = 10, pool_timeout: float = 30.0, lock_timeout: float = 5.0
    ) -> None:
        self.url = url
        self.location = location_of(url)
        self._lock_timeout = f"{round(lock_timeout * 1000)}ms"
        self._lock_wait = lock_timeout
        self._units = threading.local()
        self._apart: Connection | None = None
        self._apart_guard = threading.Lock()
        with translated_errors(self.location):
            with psycopg.connect(url, autocommit=True) as connection:
                #: The schema version the database had when this object opened it.
                self.migrated_from = migrate(connection, self.location)
            self.pool: ConnectionPool[Connection] = ConnectionPool(
                url,
                min_size=1,
                max_size=pool_size,
                timeout=pool_timeout,
                configure=self._configure,
                # A connection the server dropped while it idled in the pool (a restart, an
                # idle timeout) is replaced before use, not handed to a unit of work to fail.
                check=ConnectionPool.check_connection,
                open=True,
                name="custody",
            )

    def _configure(self, connection: Connection) -> None:
        """Every pooled session reads instants in UTC and waits `lock_timeout` for a lock."""
        connection.execute(
            "SELECT set_config('TimeZone', 'UTC', false), set_config('lock_timeout', %s, false)",
            (self._lock_timeout,),
        )
        connection.commit()

    def schema_version(self) -> int:
        with translated_errors(self.location), self.pool.connection() as connection:
            return schema_version(connection, self.location)

    def unit_of_work(self, read_only: bool = False) -> PostgresUnitOfWork:
        return PostgresUnitOfWork(self, read_only)

    @contextlib.contextmanager
    def apart(self) -> Iterator[Connection]:
        """The connection apart: outside every unit of work, each statement committed at
        once (autocommit), for what must not wait for the caller's unit to end (order
        numbers of a registry's batch). One per backend, opened on first use and lent to
        one thread at a time, which waits for it no longer than for a lock (`lock_timeout`,
        then StorageBusy); it is not a pooled connection, so a unit holding the pool's
        last one still gets it."""
        if not self._apart_guard.acquire(timeout=self._lock_wait):
            raise StorageBusy(location=self.location, reason="the numbering connection is busy")
        try:
            if self._apart is None or self._apart.closed or self._apart.broken:
                self._apart = psycopg.connect(self.url, autocommit=True)
                self._configure(self._apart)
            yield self._apart
        finally:
            self._apart_guard.release()

    def close(self) -> None:
        """Close the pool, every connection in it, and the connection apart."""
        self.pool.close()
        with self._apart_guard:
            if self._apart is not None:
                self._apart.close()


def _repository(factory: Callable[[Connection], R]) -> functools.cached_property[R]:
    """A repository made on first use: most units of work touch two or three of them."""

    def make(uow: PostgresUnitOfWork) -> R:
        assert uow.connection is not None, "repositories live inside the unit of work"
        return factory(uow.connection)

    return functools.cached_property(make)


class PostgresUnitOfWork:
    """One transaction on a pooled connection: ROLLBACK on exit unless committed."""

    accounts = _repository(repos.Accounts)
    counterparties = _repository(repos.Counterparties)
    contracts = _repository(repos.Contracts)
    warehouses = _repository(repos.Warehouses)
    items = _repository(repos.Items)
    ledger = _repository(repos.Ledger)
    receipts = _repository(Receipts)
    shipments = _repository(Shipments)
    reversals = _repository(Reversals)
    periods = _repository(Periods)
    users = _repository(access.Users)
    cards = _repository(access.Cards)
    settings = _repository(access.Settings)
    attachments = _repository(access.Attachments)
    audit = _repository(access.Audit)
    logins = _repository(access.Logins)
    templates = _repository(registry.Templates)
    imports = _repository(registry.Imports)
    requisites = _repository(forms.RequisitesStore)
    tariffs = _repository(forms.Tariffs)
    form_numbers = _repository(forms.FormNumbers)

    def __init__(self, storage: PostgresStorage, read_only: bool = False) -> None:
        self._storage = storage
        self._location = storage.location
        self._read_only = read_only
        self.connection: Connection | None = None

    @functools.cached_property
    def orders(self) -> Orders:
        assert self.connection is not None, "repositories live inside the unit of work"
        return Orders(self.connection, None if self._read_only else self._storage.apart)

    def __enter__(self) -> Self:
        units = self._storage._units
        if getattr(units, "open", False):
            raise RuntimeError("a unit of work is already open in this thread; units do not nest")
        with translated_errors(self._location):
            connection = self._storage.pool.getconn()
            try:
                # Every unit sets both: none inherits what the connection's last unit was.
                connection.read_only = True if self._read_only else None
                connection.isolation_level = (
                    psycopg.IsolationLevel.REPEATABLE_READ if self._read_only else None
                )
            except BaseException:
                self._storage.pool.putconn(connection)
                raise
            self.connection = connection
        units.open = True
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        connection, self.connection = self.connection, None
        self._storage._units.open = False
        with translated_errors(self._location):
            try:
                if connection is not None:
                    connection.rollback()
            finally:
                if connection is not None:
                    self._storage.pool.putconn(connection)
            if self._read_only and isinstance(exc, psycopg.errors.ReadOnlySqlTransaction):
                raise StorageReadOnly(location=self._location) from exc
            if isinstance(exc, psycopg.Error):
                raise exc

    def commit(self) -> None:
        assert self.connection is not None, "commit() outside the unit of work"
        with translated_errors(self._location):
            self.connection.commit()

    def rollback(self) -> None:
        if self.connection is not None:
            with translated_errors(self._location):
                self.connection.rollback()
