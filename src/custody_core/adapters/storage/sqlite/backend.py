"""The SQLite backend: one connection per thread, BEGIN IMMEDIATE per writing unit of work.

Python's sqlite3 module would open transactions implicitly at the first write,
so a read-check-write could interleave with another writer; connections run
with `isolation_level=None` and every writing unit of work starts with an
explicit `BEGIN IMMEDIATE`, taking the write lock before it reads. A
read-only unit starts with a deferred `BEGIN` under `PRAGMA query_only`: in
WAL mode it reads one snapshot of the database while writers go on, and the
database itself refuses its writes.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sqlite3
import tempfile
import threading
from collections.abc import Callable, Iterator
from pathlib import Path
from types import TracebackType
from typing import Self, TypeVar

from custody_core.adapters.storage.sqlite import access, forms, registry
from custody_core.adapters.storage.sqlite import repositories as repos
from custody_core.adapters.storage.sqlite.documents import Receipts, Reversals, Shipments
from custody_core.adapters.storage.sqlite.orders import Orders
from custody_core.adapters.storage.sqlite.periods import Periods
from custody_core.adapters.storage.sqlite.schema import APPLICATION_ID, migrations, statements
from custody_core.domain import codes
from custody_core.domain.errors import (
    Conflict,
    CorruptStorage,
    CustodyError,
    Problem,
    SchemaTooNew,
    StorageBusy,
    StorageError,
    StorageReadOnly,
    ValidationError,
    unstorable,
)

R = TypeVar("R")


@contextlib.contextmanager
def translated_errors(location: str) -> Iterator[None]:
    """Map sqlite3's exceptions onto the library's errors; the one place that does it.

    The driver's words name tables, columns and values, and `location` is a file
    path: they stay in `__cause__` and the storage error's diagnostic, never in a
    message (see `StorageError`).
    """
    try:
        yield
    except CustodyError:
        raise
    except sqlite3.IntegrityError as error:
        raise Conflict(codes.Conflict.CONCURRENT) from error
    except sqlite3.DataError as error:
        raise unstorable() from error
    except sqlite3.OperationalError as error:
        if "locked" in str(error) or "busy" in str(error):
            raise StorageBusy(location=location, reason=str(error)) from error
        raise StorageError(location=location, reason=str(error)) from error
    except (sqlite3.ProgrammingError, sqlite3.InterfaceError, sqlite3.NotSupportedError) as error:
        raise StorageError(location=location, reason=str(error)) from error
    except sqlite3.DatabaseError as error:
        raise CorruptStorage(location=location, reason=str(error)) from error


class SQLiteStorage:
    """A custody database in one SQLite file (WAL mode, foreign keys on).

    `migrated_from` is the schema version the file had when this object opened it.
    """

    def __init__(
        self, url: str, path: Path, busy_timeout: float = 5.0, synchronous: str = "NORMAL"
    ):
        self.url = url
        self.path = path
        self._busy_timeout = busy_timeout
        self._synchronous = synchronous
        self._local = threading.local()
        self.connections: list[sqlite3.Connection] = []
        self._guard = threading.Lock()
        self._closed = False
        try:
            with translated_errors(str(path)):
                self._migrate(self.connection())
        except BaseException:
            self.close()
            raise

    def connection(self) -> sqlite3.Connection:
        """This thread's connection (a forked child opens its own)."""
        if self._closed:
            raise StorageError(reason=f"{self.path} is closed")
        pid_and_connection = getattr(self._local, "connection", None)
        if pid_and_connection is not None and pid_and_connection[0] == os.getpid():
            connection: sqlite3.Connection = pid_and_connection[1]
            return connection
        connection = sqlite3.connect(
            self.path, isolation_level=None, timeout=self._busy_timeout, check_same_thread=True
        )
        connection.execute(f"PRAGMA busy_timeout = {int(self._busy_timeout * 1000)}")
        connection.execute("PRAGMA foreign_keys = ON")
        connection.execute(f"PRAGMA synchronous = {self._synchronous}")
        self._local.connection = (os.getpid(), connection)
        with self._guard:
            self.connections.append(connection)
        return connection

    def _migrate(self, connection: sqlite3.Connection) -> None:
        """Check the file is ours and not newer, migrate it, then switch it to WAL.

        WAL comes last: a file we refuse must be left exactly as it was.
        """
        location = str(self.path)
        known = migrations()
        connection.execute("BEGIN IMMEDIATE")
        try:
            version = connection.execute("PRAGMA user_version").fetchone()[0]
            application_id = connection.execute("PRAGMA application_id").fetchone()[0]
            if application_id not in (0, APPLICATION_ID):
                raise CorruptStorage(location=location, reason="it belongs to another application")
            if version == 0:
                tables = connection.execute(
                    "SELECT count(*) FROM sqlite_master WHERE name NOT LIKE 'sqlite_%'"
                ).fetchone()[0]
                if tables:
                    raise CorruptStorage(
                        location=location, reason="it holds tables but no custody schema"
                    )
            if version > len(known):
                raise SchemaTooNew(location=location, found=version, known=len(known))
            self.migrated_from: int = version
            for number, script in known[version:]:
                for statement in statements(script):
                    connection.execute(statement)
                connection.execute(f"PRAGMA user_version = {number}")
            if version < len(known):
                connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
            connection.execute("COMMIT")
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("PRAGMA journal_mode = WAL")

    def schema_version(self) -> int:
        with translated_errors(str(self.path)):
            version: int = self.connection().execute("PRAGMA user_version").fetchone()[0]
            return version

    def backup(self, target: Path) -> None:
        """Copy the database to `target` with SQLite's online backup, while others may write.

        The copy is written to a temporary file next to `target` and then put
        in place atomically, so `target` is either the whole copy or absent.
        An existing `target` is refused and never overwritten.
        """
        target = Path(target)
        if not target.parent.is_dir():
            raise ValidationError([Problem(codes.Reference.UNKNOWN, "file", str(target.parent))])
        refused = ValidationError([Problem(codes.Reference.DUPLICATE, "file", str(target))])
        if target.exists():
            raise refused
        handle, name = tempfile.mkstemp(
            prefix=f".{target.name}.", suffix=".partial", dir=target.parent
        )
        os.close(handle)
        partial = Path(name)
        try:
            with translated_errors(str(self.path)):
                copy = sqlite3.connect(partial)
                try:
                    self.connection().backup(copy)
                finally:
                    copy.close()
            try:
                os.link(partial, target)  # atomic and, unlike a rename, never replaces
            except FileExistsError:
                raise refused from None
            except OSError:  # a file system without hard links: check, then rename
                if target.exists():
                    raise refused from None
                os.replace(partial, target)
        finally:
            partial.unlink(missing_ok=True)

    def unit_of_work(self, read_only: bool = False) -> SQLiteUnitOfWork:
        return SQLiteUnitOfWork(self, read_only)

    def close(self) -> None:
        """Close every connection this backend opened (call from the owning process)."""
        with self._guard:
            self._closed = True
            connections, self.connections = self.connections, []
        for connection in connections:
            with contextlib.suppress(sqlite3.ProgrammingError):
                connection.close()


def _repository(factory: Callable[[sqlite3.Connection], R]) -> functools.cached_property[R]:
    """A repository made on first use: most units of work touch two or three of them."""

    def make(uow: SQLiteUnitOfWork) -> R:
        assert uow.connection is not None, "repositories live inside the unit of work"
        return factory(uow.connection)

    return functools.cached_property(make)


class SQLiteUnitOfWork:
    """One transaction: BEGIN IMMEDIATE (read-only: a deferred BEGIN under query_only) on
    enter, ROLLBACK on exit unless committed."""

    accounts = _repository(repos.Accounts)
    counterparties = _repository(repos.Counterparties)
    contracts = _repository(repos.Contracts)
    warehouses = _repository(repos.Warehouses)
    items = _repository(repos.Items)
    ledger = _repository(repos.Ledger)
    receipts = _repository(Receipts)
    orders = _repository(Orders)
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

    def __init__(self, storage: SQLiteStorage, read_only: bool = False) -> None:
        self._storage = storage
        self._location = str(storage.path)
        self._read_only = read_only
        self.connection: sqlite3.Connection | None = None

    def __enter__(self) -> Self:
        with translated_errors(self._location):
            connection = self._storage.connection()
            if connection.in_transaction:
                raise RuntimeError(
                    "a unit of work is already open in this thread; units do not nest"
                )
            if self._read_only:
                connection.execute("PRAGMA query_only = ON")
                connection.execute("BEGIN")
            else:
                connection.execute("BEGIN IMMEDIATE")
        self.connection = connection
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:
            self.rollback()
        finally:
            if self._read_only and self.connection is not None:
                with translated_errors(self._location):
                    self.connection.execute("PRAGMA query_only = OFF")
        if self._read_only and isinstance(exc, sqlite3.Error) and _refused(exc):
            raise StorageReadOnly(location=self._location) from exc
        if isinstance(exc, sqlite3.Error):
            with translated_errors(self._location):
                raise exc

    def commit(self) -> None:
        assert self.connection is not None, "commit() outside the unit of work"
        with translated_errors(self._location):
            self.connection.execute("COMMIT")

    def rollback(self) -> None:
        if self.connection is not None and self.connection.in_transaction:
            with translated_errors(self._location):
                self.connection.execute("ROLLBACK")


def _refused(error: sqlite3.Error) -> bool:
    """Whether `error` is SQLite refusing a write (in a read-only unit: `query_only`)."""
    return getattr(error, "sqlite_errorcode", None) == sqlite3.SQLITE_READONLY
