"""Logging in: credentials in, a principal out, and nothing learnt by guessing.

A login that cannot be one (too long, invisible characters, two scripts) is refused
before anything is looked up. Every other attempt first takes one of the login's
attempts (`LoginAttempts.reserved`), in a transaction of its own that the database
serialises, and only then is the password checked: so concurrent guesses check no
more passwords than the lockout policy allows. The check runs outside any transaction
(a slow hash must not hold the write lock). A failure stays counted; a success gives
the attempts back unless a lock came meanwhile. An unknown login is checked against a
dummy hash and counted like a wrong password, so neither the answer nor its timing
tells whether a login exists. Each step is a short transaction of its own, tried again
while the database is busy, so no failure goes uncounted or unaudited.
"""

from __future__ import annotations

import contextlib
from collections.abc import Callable
from datetime import datetime
from typing import TypeVar
from uuid import UUID

from attrs import evolve, frozen

from custody_core.domain import codes
from custody_core.domain.audit import AuditEntry, Outcome
from custody_core.domain.cards import ConnectionCard
from custody_core.domain.checks import Checks, reference
from custody_core.domain.codes import Code
from custody_core.domain.errors import (
    InvalidCredentials,
    LoginLocked,
    NotConnected,
    NotFound,
    PluginError,
    StorageBusy,
    UserDisabled,
)
from custody_core.domain.passwords import MAX_PASSWORD_LENGTH
from custody_core.domain.principal import Principal
from custody_core.domain.settings import LockoutPolicy
from custody_core.domain.users import User
from custody_core.ports.clock import Clock
from custody_core.ports.storage import StorageBackend, UnitOfWork
from custody_core.services import contacts, providers
from custody_core.services.identity import Identity

#: How many times a step of a login's bookkeeping is tried while the database stays busy;
#: each try already waits the backend's own busy timeout (SQLite's `busy_timeout`,
#: PostgreSQL's `lock_timeout`, 5 s by default).
BOOKKEEPING_TRIES = 3

T = TypeVar("T")


@frozen
class Gate:
    """What a login needs: the storage, the clock, ids for provisioned users, identity."""

    storage: StorageBackend
    clock: Clock
    new_id: Callable[[], UUID]
    identity: Identity


@frozen
class _Found:
    account_id: UUID
    user: User | None
    card: ConnectionCard | None
    #: Whom the audit log names: the user's login when the login names a user, else the
    #: canonical form of what was typed.
    actor: str
    #: Whose attempts count (see `_counter_of`); a login naming nobody counts on its own.
    counter: str
    policy: LockoutPolicy
    #: The account's time zone: a lock's end is told on its clock.
    time_zone: str


def log_in(gate: Gate, account_code: str, login: str, password: str) -> Principal:
    """The principal `login` proves with `password`; an AuthenticationFailed otherwise,
    a ValidationError for a login that cannot be one, a PluginError when the identity
    provider fails (counted as a failed attempt all the same)."""
    checks = Checks()
    code = checks.attempt(reference, account_code, "account")
    key = contacts.login(checks, login)
    checks.done()
    assert code is not None
    if not isinstance(password, str):
        raise InvalidCredentials()
    found = _bookkept(lambda: _look_up(gate, code, key))
    account_id = found.account_id
    provider = gate.identity.provider
    failure: PluginError | None = None
    if provider is not None and found.user is None:
        try:
            found = evolve(found, counter=providers.subject_counter(provider, login) or key)
        except PluginError as error:
            failure = error
    _reserve(gate, account_id, found)
    user: User | None = None
    if provider is None:
        user = _verified(gate, found.user, password)
    elif failure is None:
        try:
            user = _provided(gate, account_id, login, password)
        except PluginError as error:
            failure = error
    if user is None:
        _fail(gate, account_id, found, failure)
        raise failure or InvalidCredentials()
    return _accept(gate, account_id, found, user, password)


def _look_up(gate: Gate, account_code: str, key: str) -> _Found:
    """The account, the user a login names (its own login, or a connection card's), its
    card, the account's lockout policy: read in a read-only unit, so a login waits for no
    writer before its attempt is taken."""
    with gate.storage.unit_of_work(read_only=True) as uow:
        account = uow.accounts.by_code(account_code)
        if account is None:
            raise NotFound(entity="account", key=account_code)
        account_id = account.id
        user = uow.users.by_login(account_id, key)
        if user is None:
            card = uow.cards.by_login(account_id, key)
            user = None if card is None else uow.users.get(account_id, card.user_id)
        else:
            card = uow.cards.by_user(account_id, user.id)
        policy = uow.settings.get(account_id).lockout
    if user is None:
        return _Found(account_id, None, card, key, key, policy, account.time_zone)
    return _Found(account_id, user, card, user.login, _counter_of(user), policy, account.time_zone)


def _counter_of(user: User) -> str:
    """A user's attempts count under its login, or under its external id when a provider
    vouches for it, so that every alias the provider resolves shares one counter."""
    return user.external_id or user.login


def _reserve(gate: Gate, account_id: UUID, found: _Found) -> None:
    """Take an attempt, or refuse with LoginLocked; only the attempt that locks the login
    is written to the audit log, so hammering a locked login writes nothing."""

    def reserve(uow: UnitOfWork, now: datetime) -> datetime | None:
        before, after = uow.logins.change(
            account_id, found.counter, lambda a: a.reserved(found.policy, now)
        )
        if not after.locked_at(now):
            return None
        if not before.locked_at(now):
            uow.audit.append(_denial(gate, account_id, found.actor, codes.Auth.LOCKED))
        return after.locked_until

    until = _bookkept(lambda: _committed(gate, reserve))
    if until is not None:
        raise LoginLocked(until=until, time_zone=found.time_zone)


def _verified(gate: Gate, user: User | None, password: str) -> User | None:
    hasher = gate.identity.hasher
    stored = user.password_hash if user is not None else None
    if len(password) > MAX_PASSWORD_LENGTH:
        hasher.verify(gate.identity.dummy_hash, "")  # same work, never a match
        return None
    matches = hasher.verify(stored or gate.identity.dummy_hash, password)
    return user if matches and stored is not None else None


def _provided(gate: Gate, account_id: UUID, login: str, password: str) -> User | None:
    """The user an external provider vouches for, provisioned (with no role) on first login."""
    provider = gate.identity.provider
    assert provider is not None
    identity = providers.vouched(provider, login, password)
    if identity is None:
        return None
    external_id = providers.external_id_of(provider, identity)

    def provision(uow: UnitOfWork, now: datetime) -> User:
        user = uow.users.by_external_id(account_id, external_id)
        if user is None:
            user = providers.provisioned(uow, provider, identity, account_id, gate.new_id(), now)
            uow.users.add(user)
            uow.audit.append(_entry(gate, account_id, user.login, "user.provision", Outcome.DONE))
        return user

    return _bookkept(lambda: _committed(gate, provision))


def _fail(gate: Gate, account_id: UUID, found: _Found, failure: PluginError | None) -> None:
    """Keep the attempt counted, lock the login when the policy says so, and audit the
    failure: as the lock when it locked the login, else as what went wrong."""

    def fail(uow: UnitOfWork, now: datetime) -> None:
        before, after = uow.logins.change(
            account_id, found.counter, lambda a: a.failed(found.policy, now)
        )
        detail: Code
        if after.locked_at(now) and not before.locked_at(now):
            detail = codes.Auth.LOCKED
        else:
            detail = InvalidCredentials.code if failure is None else failure.code
        uow.audit.append(_denial(gate, account_id, found.actor, detail))

    _bookkept(lambda: _committed(gate, fail))


def _accept(gate: Gate, account_id: UUID, found: _Found, user: User, password: str) -> Principal:
    """Give the attempts back (the typed login's and the user's own, when a provider's
    alias took another counter), unless a lock came while the password was checked; then
    refuse a disabled or unconnected user, or upgrade an outdated hash and let it in."""
    hasher = gate.identity.hasher
    rehash = user.password_hash is not None and hasher.needs_rehash(user.password_hash)
    fresh = hasher.hash(password) if rehash else None
    counters = sorted({found.counter, _counter_of(user)})  # one order: no deadlocks

    def accept(uow: UnitOfWork, now: datetime) -> ConnectionCard | None:
        changes = [
            uow.logins.change(account_id, counter, lambda a: a.succeeded(now))
            for counter in counters
        ]
        locks = [
            before.locked_until
            for before, _ in changes
            if before.locked_until is not None and before.locked_at(now)
        ]
        if locks:  # a lock came meanwhile: nothing is committed, no attempt given back
            raise LoginLocked(until=max(locks), time_zone=found.time_zone)
        if user.disabled:
            uow.audit.append(_denial(gate, account_id, user.login, UserDisabled.code))
            return None
        named = found.user is not None and found.user.id == user.id
        card = found.card if named else uow.cards.by_user(account_id, user.id)
        if user.is_client and card is None:
            uow.audit.append(_denial(gate, account_id, user.login, NotConnected.code))
            return None
        if fresh is not None:
            current = uow.users.get(account_id, user.id)
            if current is not None and current.password_hash == user.password_hash:
                uow.users.save(current.with_password_hash(fresh), current)
        uow.audit.append(
            _entry(gate, account_id, user.login, "login", Outcome.DONE, target=user.login)
        )
        return card

    card = _bookkept(lambda: _committed(gate, accept))
    if user.disabled:
        raise UserDisabled(login=user.login)
    if user.is_client and card is None:
        raise NotConnected(login=user.login)
    return Principal(
        user.login,
        account_id,
        user.roles,
        counterparty_id=card.counterparty_id if user.is_client and card else None,
    )


def _committed(gate: Gate, step: Callable[[UnitOfWork, datetime], T]) -> T:
    """`step` in a unit of work of its own, committed; its instant is read inside it."""
    with gate.storage.unit_of_work() as uow:
        result = step(uow, gate.clock.now())
        uow.commit()
        return result


def _bookkept(step: Callable[[], T]) -> T:
    """`step`, tried again (at most BOOKKEEPING_TRIES times in all) while the database is
    busy: a unit of work that failed changed nothing, so a try is never counted twice."""
    for _ in range(BOOKKEEPING_TRIES - 1):
        with contextlib.suppress(StorageBusy):
            return step()
    return step()


def _denial(gate: Gate, account_id: UUID, actor: str, detail: str) -> AuditEntry:
    return _entry(gate, account_id, actor, "login", Outcome.DENIED, detail)


def _entry(
    gate: Gate,
    account_id: UUID,
    actor: str,
    action: str,
    outcome: Outcome,
    detail: str | None = None,
    target: str | None = None,
) -> AuditEntry:
    return AuditEntry(account_id, gate.clock.now(), actor, action, outcome, None, target, detail)
