"""The lockout against concurrent guesses, on every backend: threads and processes guessing
at once never get more passwords checked than the policy allows per lock, a right password
checked while a lock comes is refused, hammering a locked login writes nothing, and a
login's bookkeeping waits out a busy database instead of being lost.

Every assertion is about counts (passwords checked, audit rows), never about timings.
"""

from __future__ import annotations

import contextlib
import sqlite3
import threading
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path
from types import TracebackType
from typing import Any, Self
from uuid import uuid4

import psycopg
import pytest
from attrs import evolve

import custody_core
import login_workers as workers
from custody_core import Principal
from custody_core.domain.audit import AuditEntry
from custody_core.domain.errors import (
    AuthenticationFailed,
    InvalidCredentials,
    LoginLocked,
    StorageBusy,
)
from custody_core.domain.principal import Role
from custody_core.domain.settings import LockoutPolicy
from custody_core.domain.users import UserDraft
from custody_core.ports.storage import StorageBackend, UnitOfWork
from custody_core.services import authentication
from custody_core.services.application import Application
from custody_core.services.identity import Identity
from custody_core.testing.clock import ManualClock
from custody_core.testing.isolation_machine import everything
from login_workers import ACCOUNT, LOGIN, NOW, PASSWORD, WRONG, CountingHasher
from test_postgres import SERVER, in_schema
from test_postgres_load import SPAWN, run_workers

MAX_FAILURES = 5
THREADS = 6
PROCESSES = 4
#: Wrong passwords each thread or process tries.
GUESSES = 15


@pytest.fixture
def database(tmp_path: Path) -> Iterator[Callable[[str], str]]:
    """Makes the URL of an empty database of a backend; PostgreSQL schemas are dropped."""
    schemas: list[str] = []

    def make(backend: str) -> str:
        if backend == "memory":
            return "memory://"
        if backend == "sqlite":
            return f"sqlite:///{tmp_path / f'{uuid4().hex}.sqlite'}"
        name = f"custody_lockout_{uuid4().hex}"
        with psycopg.connect(SERVER, autocommit=True, connect_timeout=5) as connection:
            connection.execute(f'CREATE SCHEMA "{name}"')
        schemas.append(name)
        return in_schema(SERVER, name)

    yield make
    if schemas:
        with psycopg.connect(SERVER, autocommit=True) as connection:
            for name in schemas:
                connection.execute(f'DROP SCHEMA "{name}" CASCADE')


def prepare(app: Application) -> Any:
    """The account, the user whose password is guessed, the policy; the administrator's desk."""
    account = app.create_account(ACCOUNT, "ACME")
    admin = app.back_office(Principal.administrator(account.id, "admin"))
    admin.add_user(UserDraft(LOGIN, PASSWORD, PASSWORD, "Иванов", "Иван"))
    admin.grant_roles(LOGIN, [Role.MANAGER])
    lockout = LockoutPolicy(max_failures=MAX_FAILURES, lock_minutes=15)
    admin.update_settings(evolve(admin.settings(), lockout=lockout))
    return admin


def denied(admin: Any) -> list[AuditEntry]:
    return everything(lambda page: admin.audit_log(outcome="denied", actor=LOGIN, page=page))


def refusal(attempt: Callable[[], object]) -> AuthenticationFailed:
    with pytest.raises(AuthenticationFailed) as refused:
        attempt()
    return refused.value


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgresql"])
def test_threads_guessing_at_once_check_no_more_passwords_than_the_policy_allows(
    database: Callable[[str], str], backend: str
) -> None:
    hasher = CountingHasher()
    with custody_core.open(
        database(backend), clock=ManualClock(NOW), password_hasher=hasher
    ) as app:
        admin = prepare(app)
        start = threading.Barrier(THREADS)

        def guess() -> Counter[str]:
            refused: Counter[str] = Counter()
            start.wait(timeout=60)
            for _ in range(GUESSES):
                refused[refusal(lambda: app.log_in(ACCOUNT, LOGIN, WRONG)).code] += 1
            return refused

        with ThreadPoolExecutor(THREADS) as pool:
            runs = [pool.submit(guess) for _ in range(THREADS)]
            refused = sum((run.result() for run in runs), Counter[str]())

        assert hasher.checked == MAX_FAILURES
        assert refused["auth.invalid_credentials"] == hasher.checked
        assert refused["auth.locked"] == THREADS * GUESSES - hasher.checked
        assert type(refusal(lambda: app.log_in(ACCOUNT, LOGIN, PASSWORD))) is LoginLocked
        assert hasher.checked == MAX_FAILURES, "a right password during the lock is not checked"
        assert [e.detail for e in denied(admin)].count("auth.locked") == 1


@pytest.mark.parametrize("backend", ["sqlite", "postgresql"])
def test_processes_guessing_at_once_check_no_more_passwords_than_the_policy_allows(
    database: Callable[[str], str], backend: str
) -> None:
    url = database(backend)
    with custody_core.open(url, clock=ManualClock(NOW), password_hasher=CountingHasher()) as app:
        prepare(app)
    start = SPAWN.Barrier(PROCESSES)
    reports = run_workers([(workers.guess, (url, GUESSES, start))] * PROCESSES)

    checked = sum(count for count, _ in reports)
    refused = sum((Counter(codes) for _, codes in reports), Counter[str]())
    assert checked == MAX_FAILURES
    assert refused["auth.invalid_credentials"] == checked
    assert refused["auth.locked"] == PROCESSES * GUESSES - checked
    hasher = CountingHasher()
    with custody_core.open(url, clock=ManualClock(NOW), password_hasher=hasher) as app:
        assert type(refusal(lambda: app.log_in(ACCOUNT, LOGIN, PASSWORD))) is LoginLocked
        assert hasher.checked == 0


class HeldRightPassword(CountingHasher):
    """Holds the check of the right password until told to go on."""

    def __init__(self) -> None:
        super().__init__(check_seconds=0)
        self.checking = threading.Event()
        self.go_on = threading.Event()

    def verify(self, stored: str, password: str) -> bool:
        if password == PASSWORD:
            self.checking.set()
            assert self.go_on.wait(timeout=60)
        return super().verify(stored, password)


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgresql"])
def test_a_right_password_is_refused_when_a_lock_comes_while_it_is_checked(
    database: Callable[[str], str], backend: str
) -> None:
    hasher = HeldRightPassword()
    with custody_core.open(
        database(backend), clock=ManualClock(NOW), password_hasher=hasher
    ) as app:
        admin = prepare(app)
        with ThreadPoolExecutor(1) as pool:
            right = pool.submit(lambda: refusal(lambda: app.log_in(ACCOUNT, LOGIN, PASSWORD)))
            assert hasher.checking.wait(timeout=60)
            # the right password holds one attempt: the wrong ones get the rest and lock
            wrong = [refusal(lambda: app.log_in(ACCOUNT, LOGIN, WRONG)) for _ in range(5)]
            hasher.go_on.set()
            assert type(right.result()) is LoginLocked
        assert [type(error) for error in wrong] == [InvalidCredentials] * 4 + [LoginLocked]
        assert hasher.checked == MAX_FAILURES
        assert admin.audit_log(action="login", outcome="done").items == ()


@pytest.mark.parametrize("backend", ["memory", "sqlite", "postgresql"])
def test_hammering_a_locked_login_writes_no_audit_rows(
    database: Callable[[str], str], backend: str
) -> None:
    hasher = CountingHasher(check_seconds=0)
    with custody_core.open(
        database(backend), clock=ManualClock(NOW), password_hasher=hasher
    ) as app:
        admin = prepare(app)
        for _ in range(MAX_FAILURES):
            refusal(lambda: app.log_in(ACCOUNT, LOGIN, WRONG))
        written = denied(admin)
        assert [e.detail for e in written][-1] == "auth.locked"
        for attempt in range(500):
            password = PASSWORD if attempt % 2 else WRONG
            assert type(refusal(lambda p=password: app.log_in(ACCOUNT, LOGIN, p))) is LoginLocked
        assert denied(admin) == written
        assert hasher.checked == MAX_FAILURES


class WatchedStorage:
    """A storage whose units of work tell when the database was busy."""

    def __init__(self, storage: StorageBackend) -> None:
        self.storage = storage
        self.busy = threading.Event()

    def unit_of_work(self, read_only: bool = False) -> WatchedUnit:
        return WatchedUnit(self.storage.unit_of_work(read_only=read_only), self.busy)

    def close(self) -> None:
        self.storage.close()


class WatchedUnit:
    def __init__(self, unit: UnitOfWork, busy: threading.Event) -> None:
        self._unit = unit
        self._busy = busy

    def __getattr__(self, name: str) -> Any:
        return getattr(self._unit, name)

    def __enter__(self) -> Self:
        try:
            self._unit.__enter__()
        except StorageBusy:
            self._busy.set()
            raise
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        try:  # a backend may translate its driver's error into StorageBusy only here
            self._unit.__exit__(exc_type, exc, traceback)
        except StorageBusy:
            self._busy.set()
            raise
        if isinstance(exc, StorageBusy):
            self._busy.set()


class HeldWrongPassword(CountingHasher):
    """Holds the check of a wrong password until the database is locked by someone else."""

    def __init__(self) -> None:
        super().__init__(check_seconds=0)
        self.checking = threading.Event()
        self.locked = threading.Event()

    def verify(self, stored: str, password: str) -> bool:
        if password == WRONG:
            self.checking.set()
            assert self.locked.wait(timeout=60)
        return super().verify(stored, password)


@contextlib.contextmanager
def sqlite_write_lock(url: str) -> Iterator[None]:
    """Another connection holding the SQLite database's write lock."""
    connection = sqlite3.connect(url.removeprefix("sqlite:///"), isolation_level=None)
    connection.execute("BEGIN IMMEDIATE")
    try:
        yield
    finally:
        connection.execute("ROLLBACK")
        connection.close()


@contextlib.contextmanager
def postgres_row_lock(url: str) -> Iterator[None]:
    """Another transaction holding the lock of the login's attempts row."""
    with psycopg.connect(url) as connection:
        row = connection.execute(
            "SELECT 1 FROM login_attempts WHERE login = %s FOR UPDATE", (LOGIN,)
        ).fetchone()
        assert row is not None
        yield
        connection.rollback()


@pytest.mark.parametrize(
    ("backend", "option", "hold"),
    [
        pytest.param("sqlite", "busy_timeout", sqlite_write_lock, id="sqlite"),
        pytest.param("postgresql", "lock_timeout", postgres_row_lock, id="postgresql"),
    ],
)
def test_a_failed_login_during_a_held_lock_is_counted_and_audited_once_it_is_released(
    database: Callable[[str], str],
    backend: str,
    option: str,
    hold: Callable[[str], contextlib.AbstractContextManager[None]],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """The wrong password is checked, then someone else holds the lock its bookkeeping
    needs for longer than the backend waits; the login waits it out and records it.
    (More tries than the default, so a loaded machine releasing the lock late cannot
    run them out: what is tested is that a busy try is tried again.)"""
    monkeypatch.setattr(authentication, "BOOKKEEPING_TRIES", 20)
    url = database(backend)
    hasher = HeldWrongPassword()
    clock = ManualClock(NOW)
    opened = custody_core.open(url, clock=clock, password_hasher=hasher, **{option: 0.5})
    storage = WatchedStorage(opened.storage)
    with Application(storage, clock, Identity(hasher)) as app:
        admin = prepare(app)
        with ThreadPoolExecutor(1) as pool:
            attempt = pool.submit(lambda: refusal(lambda: app.log_in(ACCOUNT, LOGIN, WRONG)))
            assert hasher.checking.wait(timeout=60)
            with hold(url):
                hasher.locked.set()
                assert storage.busy.wait(timeout=60), "the bookkeeping met the held lock"
            assert type(attempt.result()) is InvalidCredentials
        assert [e.detail for e in denied(admin)] == ["auth.invalid_credentials"]
        account_id = app.account(ACCOUNT).id
        with app.storage.unit_of_work() as uow:
            assert uow.logins.get(account_id, LOGIN).failures == 1
