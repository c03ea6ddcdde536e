"""Logging in: credentials in, a principal out, and nothing learnt by guessing.

Password checks run outside any transaction (a slow hash must not hold the
write lock). An unknown login is checked against a dummy hash and counted
like a wrong password, so neither the answer nor its timing tells whether a
login exists. Failures, locks and successes reach the audit log in
transactions of their own.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from uuid import UUID

from attrs import frozen

from custody_core.domain.audit import AuditEntry, Outcome
from custody_core.domain.cards import ConnectionCard
from custody_core.domain.checks import Checks
from custody_core.domain.errors import (
    Conflict,
    InvalidCredentials,
    LoginLocked,
    NotConnected,
    NotFound,
    PluginError,
    UserDisabled,
)
from custody_core.domain.lockout import LoginAttempts
from custody_core.domain.passwords import MAX_PASSWORD_LENGTH
from custody_core.domain.principal import Principal
from custody_core.domain.users import ExternalIdentity, User
from custody_core.ports.clock import Clock
from custody_core.ports.storage import StorageBackend
from custody_core.services import contacts
from custody_core.services.audit import record_denial
from custody_core.services.identity import Identity


@frozen
class Gate:
    """What a login needs: the storage, the clock, ids for provisioned users, identity."""

    storage: StorageBackend
    clock: Clock
    new_id: Callable[[], UUID]
    identity: Identity


@frozen
class _Found:
    user: User | None
    card: ConnectionCard | None
    #: Whose failures count: the user's login when the login names a user (so its own login
    #: and its card's share one counter), else the canonical form of what was typed.
    counter: str
    locked_until: datetime | None


def log_in(gate: Gate, account_id: UUID, login: str, password: str) -> Principal:
    """The principal `login` proves with `password`; an AuthenticationFailed otherwise."""
    if not isinstance(login, str) or not isinstance(password, str):
        raise InvalidCredentials()
    now = gate.clock.now()
    found = _look_up(gate, account_id, contacts.canonical_login(login), now)
    key = found.counter
    if found.locked_until is not None:
        _record(gate, account_id, key, "auth.locked")
        raise LoginLocked(until=found.locked_until.isoformat())
    provider = gate.identity.provider
    if provider is not None:
        user = _provided(gate, account_id, key, login, password)
    else:
        user = _verified(gate, found.user, password)
    if user is None:
        _count_failure(gate, account_id, key, now)
        raise InvalidCredentials()
    if user.disabled:
        _record(gate, account_id, key, "auth.disabled")
        raise UserDisabled(login=user.login)
    if found.user is not None and found.user.id == user.id:
        card = found.card
    else:  # a provider's user whom the typed login did not name
        with gate.storage.unit_of_work() as uow:
            card = uow.cards.by_user(account_id, user.id)
    if user.is_client and card is None:
        _record(gate, account_id, key, "auth.not_connected")
        raise NotConnected(login=user.login)
    _succeed(gate, account_id, key, user, password)
    return Principal(
        user.login,
        account_id,
        user.roles,
        counterparty_id=card.counterparty_id if user.is_client and card else None,
    )


def _look_up(gate: Gate, account_id: UUID, key: str, now: datetime) -> _Found:
    """The user a login names (its own login, or a connection card's), its card, the lock."""
    with gate.storage.unit_of_work() as uow:
        if uow.accounts.get(account_id) is None:
            raise NotFound(entity="account", key=str(account_id))
        user = uow.users.by_login(account_id, key)
        if user is None:
            card = uow.cards.by_login(account_id, key)
            user = None if card is None else uow.users.get(account_id, card.user_id)
        else:
            card = uow.cards.by_user(account_id, user.id)
        counter = key if user is None else user.login
        attempts = uow.logins.get(account_id, counter)
        locked = attempts.locked_until if attempts.locked_at(now) else None
        return _Found(user, card, counter, locked)


def _verified(gate: Gate, user: User | None, password: str) -> User | None:
    hasher = gate.identity.hasher
    stored = user.password_hash if user is not None else None
    if len(password) > MAX_PASSWORD_LENGTH:
        hasher.verify(gate.identity.dummy_hash, "")  # same work, never a match
        return None
    matches = hasher.verify(stored or gate.identity.dummy_hash, password)
    return user if matches and stored is not None else None


def _provided(gate: Gate, account_id: UUID, key: str, login: str, password: str) -> User | None:
    """The user an external provider vouches for, provisioned (with no role) on first login."""
    provider = gate.identity.provider
    assert provider is not None
    try:
        identity = provider.authenticate(login, password)
    except Exception as error:
        raise PluginError(plugin=provider.name, reason=repr(error)) from error
    if identity is None:
        return None
    external_id = f"{provider.name}:{identity.subject}"
    with gate.storage.unit_of_work() as uow:
        user = uow.users.by_external_id(account_id, external_id)
        if user is not None:
            return user
        user = _provisioned(gate, account_id, identity, external_id)
        if uow.users.by_login(account_id, user.login) is not None:
            raise Conflict(reason=f"login {user.login!r} belongs to a local user")
        uow.users.add(user)
        uow.audit.append(_entry(gate, account_id, key, "user.provision", Outcome.DONE))
        uow.commit()
        return user


def _provisioned(
    gate: Gate, account_id: UUID, identity: ExternalIdentity, external_id: str
) -> User:
    """A new local user from what the provider says; contacts it gets wrong are left out."""
    lenient = Checks()
    return User(
        id=gate.new_id(),
        account_id=account_id,
        login=contacts.canonical_login(identity.login),
        last_name=identity.last_name,
        first_name=identity.first_name,
        middle_name=identity.middle_name,
        phone=contacts.phone(lenient, identity.phone, "phone"),
        email=contacts.email(lenient, identity.email, "email"),
        created_at=gate.clock.now(),
        external_id=external_id,
    )


def _count_failure(gate: Gate, account_id: UUID, key: str, now: datetime) -> None:
    """Count the failure, locking the login when the policy says so."""
    with gate.storage.unit_of_work() as uow:
        policy = uow.settings.get(account_id).lockout
        attempts = uow.logins.get(account_id, key).failed(policy, now)
        uow.logins.put(attempts)
        detail = "auth.locked" if attempts.locked_at(now) else "auth.invalid_credentials"
        uow.audit.append(_entry(gate, account_id, key, "login", Outcome.DENIED, detail))
        uow.commit()


def _succeed(gate: Gate, account_id: UUID, key: str, user: User, password: str) -> None:
    """Clear the failures, upgrade an outdated hash, and record the login."""
    hasher = gate.identity.hasher
    rehash = user.password_hash is not None and hasher.needs_rehash(user.password_hash)
    fresh = hasher.hash(password) if rehash else None
    with gate.storage.unit_of_work() as uow:
        if uow.logins.get(account_id, key).failures:
            uow.logins.put(LoginAttempts(account_id, key))
        if fresh is not None:
            current = uow.users.get(account_id, user.id)
            if current is not None and current.password_hash == user.password_hash:
                uow.users.save(current.with_password_hash(fresh), current)
        uow.audit.append(_entry(gate, account_id, key, "login", Outcome.DONE, target=user.login))
        uow.commit()


def _record(gate: Gate, account_id: UUID, key: str, detail: str) -> None:
    record_denial(gate.storage, _entry(gate, account_id, key, "login", Outcome.DENIED, detail))


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
